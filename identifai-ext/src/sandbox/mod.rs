//! An in-process, simulated identifAI (feature `sandbox`): a real HTTP
//! server on loopback that behaves as the documentation describes, for
//! trying everything offline and for tests of code that uses this crate.
//!
//! ```
//! use identifai_ext::{Media, sandbox::Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> identifai_ext::Result<()> {
//! let sandbox = Sandbox::start()?;
//! let client = sandbox.client()?;
//! let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample.png")).unwrap();
//! let analysis = client.classify(Media::bytes(png, "sample.png")).await?;
//! assert!(analysis.is_final());
//! # Ok(())
//! # }
//! ```
//!
//! What it does, and how its answers differ from the real service's:
//! - it checks the `X-Api-Key` header (401 otherwise), the multipart fields,
//!   the formats (sniffed from the content) and the documented size limits
//!   (413, 422), and charges credits (402 when none are left);
//! - a submission answers with an identifier derived from the file and the
//!   options, so the same bytes always get the same identifier and the same
//!   verdict; the result reads as `new` for the first poll(s), then `done`;
//! - it answers by the effective spec (`identifai_api::spec`, feature
//!   `spec`): a refusal is a 4xx with a JSON `{"message": …}` however
//!   malformed the request, and a submission's identifier comes as JSON
//!   (as text only when `Accept` prefers text to JSON); it also serves the
//!   three image aliases the vendor documents beside their operations
//!   (`/api/classification_image/{identifier}`, `/api/classifications_image`,
//!   `/api/classification_image/heatmap/{identifier}`), which the spec does
//!   not list as paths;
//! - verdicts, scores, frames, speech pieces, C2PA data and heatmaps are
//!   derived from the file's SHA-256: deterministic, and meaningless. Every
//!   answer carries the header `x-identifai-sandbox: simulated`, results
//!   carry `"simulated": true` and a `result_url` on `sandbox.identifai.invalid`,
//!   and model names start with `SANDBOX-`;
//! - a file whose name starts with `sandbox-error` ends with status
//!   `errored`;
//! - a [`Script`] plays a fixed sequence of answers for one submission
//!   (refusals of its upload, then the status of each poll);
//! - with [`SandboxConfig::rate_limits`], requests past the limits get 429
//!   with `Retry-After` (off by default, for speed).

// Handlers and their helpers answer a refusal as `Err(Response)`, the axum
// idiom; the size of `Response` does not matter on these paths.
#![allow(clippy::result_large_err)]

mod form;
mod handlers;
mod limits;
mod png;
mod results;
mod script;
mod server;
mod state;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{Client, ClientBuilder, Error, RateLimits, Result, WaitPolicy};

pub use script::Script;

/// How the sandbox behaves; every field has a setter.
///
/// ```
/// use identifai_ext::sandbox::SandboxConfig;
/// let config = SandboxConfig::default().api_key("my-test-key").users(3).ready_after_polls(2);
/// assert_eq!((config.api_key.as_str(), config.users), ("my-test-key", 3));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// The API key it accepts.
    pub api_key: String,
    /// How many polls of a result answer `new` before it is `done`.
    pub ready_after_polls: u32,
    /// How long a result stays `new` after its submission, at least.
    pub processing_time: Duration,
    /// Answer 429 past these limits (`None`: no limits).
    pub rate_limits: Option<RateLimits>,
    /// The credits the account starts with.
    pub initial_credits: f64,
    /// How many partner users exist at the start.
    pub users: usize,
    /// Scripted submissions, by `ref_id` or file name (see [`Script`]).
    pub scripts: BTreeMap<String, Script>,
    /// The port on 127.0.0.1 to serve on (`None`: a free one).
    pub port: Option<u16>,
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("api_key", &"<redacted>")
            .field("ready_after_polls", &self.ready_after_polls)
            .field("processing_time", &self.processing_time)
            .field("rate_limits", &self.rate_limits)
            .field("initial_credits", &self.initial_credits)
            .field("users", &self.users)
            .field("scripts", &self.scripts)
            .field("port", &self.port)
            .finish()
    }
}

impl Default for SandboxConfig {
    /// Key `sandbox-key`, ready after 1 poll (no processing time), no rate
    /// limits, 1000 credits, 12 users, a free port.
    fn default() -> Self {
        Self {
            api_key: "sandbox-key".to_string(),
            ready_after_polls: 1,
            processing_time: Duration::ZERO,
            rate_limits: None,
            initial_credits: 1000.0,
            users: 12,
            scripts: BTreeMap::new(),
            port: None,
        }
    }
}

impl SandboxConfig {
    /// Answer 429 past the documented limits.
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = Some(limits);
        self
    }

    /// How many polls answer `new` before `done`.
    pub fn ready_after_polls(mut self, polls: u32) -> Self {
        self.ready_after_polls = polls;
        self
    }

    /// How long each result stays `new` after its submission, at least
    /// (and for [`SandboxConfig::ready_after_polls`] polls).
    pub fn processing_time(mut self, time: Duration) -> Self {
        self.processing_time = time;
        self
    }

    /// Serve on this port of 127.0.0.1 (by default a free one; a port in
    /// use is an error at start).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The credits the account starts with.
    pub fn initial_credits(mut self, credits: f64) -> Self {
        self.initial_credits = credits;
        self
    }

    /// The API key it accepts.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// How many partner users exist at the start.
    pub fn users(mut self, users: usize) -> Self {
        self.users = users;
        self
    }

    /// Plays `script` for the submission whose `ref_id` is `key` or, when
    /// no script has its `ref_id`, whose file name is `key` (see
    /// [`Script`]).
    pub fn script(mut self, key: impl Into<String>, script: Script) -> Self {
        self.scripts.insert(key.into(), script);
        self
    }
}

/// A running sandbox. It serves on its own thread until dropped.
pub struct Sandbox {
    base_url: String,
    api_key: String,
    state: Arc<Mutex<state::State>>,
    server: Option<server::Running>,
}

impl Sandbox {
    /// Starts a sandbox with the default settings.
    pub fn start() -> Result<Self> {
        Self::start_with(SandboxConfig::default())
    }

    /// Starts a sandbox with these settings.
    pub fn start_with(config: SandboxConfig) -> Result<Self> {
        for (key, script) in &config.scripts {
            script
                .check(key)
                .map_err(|e| Error::Config(format!("cannot start the sandbox: {e}")))?;
        }
        let api_key = config.api_key.clone();
        let port = config.port.unwrap_or(0);
        let state = Arc::new(Mutex::new(state::State::new(config)));
        let running = server::start(state.clone(), port).map_err(|e| {
            Error::Config(format!("cannot start the sandbox on 127.0.0.1:{port}: {e}"))
        })?;
        Ok(Self {
            base_url: format!("http://{}", running.address()),
            api_key,
            state,
            server: Some(running),
        })
    }

    /// Where it serves (`http://127.0.0.1:<port>`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API key it accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Client settings for this sandbox: its URL and key, no pacing, and
    /// quick polling (its results are ready after a poll or two).
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .api_key(self.api_key.clone())
            .base_url(self.base_url.clone())
            .pacing(None)
            .wait(
                WaitPolicy::default()
                    .initial_interval(Duration::from_millis(20))
                    .max_interval(Duration::from_millis(200)),
            )
    }

    /// A client of this sandbox.
    pub fn client(&self) -> Result<Client> {
        self.client_builder().build()
    }

    /// How many requests it has received, refused ones included (a wrong
    /// key, a method no route serves, a malformed body, past the limits).
    pub fn requests(&self) -> u64 {
        self.state.lock().map(|s| s.requests).unwrap_or_default()
    }

    /// How many submissions it answered with an identifier (a file sent
    /// twice counts twice, though it is charged once).
    pub fn submissions(&self) -> u64 {
        self.state.lock().map(|s| s.submissions).unwrap_or_default()
    }

    /// How many heatmaps it has sent.
    pub fn heatmaps(&self) -> u64 {
        self.state.lock().map(|s| s.heatmaps).unwrap_or_default()
    }

    /// How many requests it refused with 429 for passing the rate limits.
    pub fn rate_limited(&self) -> u64 {
        self.state
            .lock()
            .map(|s| s.rate_limited)
            .unwrap_or_default()
    }

    /// The credits left.
    pub fn credits(&self) -> f64 {
        self.state.lock().map(|s| s.credits).unwrap_or_default()
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }
}
