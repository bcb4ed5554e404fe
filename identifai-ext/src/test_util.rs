//! What tests of code that uses this crate need, from this one dependency
//! (feature `test-util`): typed [httpmock] mocks of every operation, the
//! realistic answers they can serve, the [`Sandbox`] with scripted
//! submissions, and a client preset for tests.
//!
//! ```toml
//! [dev-dependencies]
//! identifai-ext = { version = "0.1", features = ["test-util"] }
//! ```
//!
//! Two ways to stand in for identifAI:
//!
//! - **mocks** ([`MockServer`] with [`MockServerExt`]): one expectation per
//!   request, typed; `then.ok(&value)` answers 200 with a generated type
//!   (parse one of [`answers`] to start from a complete value), and
//!   `server.get_image_heatmap(…)`'s `then.ok(bytes)` serves a PNG. Best to
//!   assert what your code sends.
//! - **the sandbox** ([`Sandbox`]): a whole simulated service with state
//!   (submissions, results, credits, rate limits); a [`Script`] plays a fixed
//!   sequence for one submission (a 429, polls that read `new`, then
//!   `errored`). Best to test flows.
//!
//! ```
//! use identifai_ext::test_util::{self, MockServer, MockServerExt};
//! use identifai_ext::types;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> identifai_ext::Result<()> {
//! let server = MockServer::start_async().await;
//! let credits = server.get_credits(|when, then| {
//!     when.into_inner().header("x-api-key", test_util::TEST_KEY);
//!     then.ok(&types::GetCreditsResponse {
//!         available_credits: Some(41.0),
//!         total_spent: Some(1.0),
//!     });
//! });
//! let client = test_util::client(&server.base_url())?;
//! assert_eq!(client.credits().await?.available_credits, Some(41.0));
//! credits.assert_async().await;
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

pub use httpmock::{self, MockServer};
pub use identifai_api::mock::{self, MockServerExt, answers};

pub use crate::sandbox::{Sandbox, SandboxConfig, Script};
use crate::{Client, ClientBuilder, Clock, Result, RetryPolicy, WaitPolicy};

/// The API key of [`client_builder`]'s clients (any string works with a
/// mock; the sandbox's is its own, [`Sandbox::api_key`]).
pub const TEST_KEY: &str = "identifai-test-key";

/// Client settings for tests against a mock or a sandbox at `base_url`:
/// the key [`TEST_KEY`], no pacing (a mock does not enforce the rate
/// limits; to test pacing, use a sandbox with
/// [`SandboxConfig::with_rate_limits`] and set [`ClientBuilder::pacing`]),
/// polling every 10 ms at first and every 50 ms at most, retries after
/// 10 ms to 100 ms (a server's `Retry-After` is still honoured), and
/// tokio's clock, so that concurrent tasks wait side by side.
/// (Under `#[tokio::test(start_paused = true)]` that clock is paused and
/// sleeps end at once.)
///
/// Change anything with the builder's methods, e.g. `.api_key(…)` for a
/// [`Sandbox`] with its own key.
pub fn client_builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .api_key(TEST_KEY)
        .base_url(base_url)
        .pacing(None)
        .clock(Clock::tokio())
        .wait(
            WaitPolicy::default()
                .initial_interval(Duration::from_millis(10))
                .max_interval(Duration::from_millis(50))
                .timeout(Duration::from_secs(30)),
        )
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(100))
                .max_total_wait(Duration::from_secs(10)),
        )
}

/// One of [`answers`] as its generated type, to serve with `then.ok(&…)`
/// as it is or changed.
///
/// ```
/// use identifai_ext::{test_util::{answer, answers}, types};
/// let mut result: types::ImageClassification = answer(answers::IMAGE_CLASSIFICATION);
/// result.ref_id = Some("order-1".into());
/// ```
///
/// # Panics
///
/// When the JSON is not a `T`: the answers are tested to decode into their
/// types, so that is a mistake in the type asked for.
pub fn answer<T: serde::de::DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("this answer is not a {}: {e}", std::any::type_name::<T>()))
}

/// A client with [`client_builder`]'s settings.
pub fn client(base_url: &str) -> Result<Client> {
    client_builder(base_url).build()
}

/// A client of this sandbox with [`client_builder`]'s settings (and the
/// sandbox's key).
pub fn sandbox_client(sandbox: &Sandbox) -> Result<Client> {
    client_builder(sandbox.base_url())
        .api_key(sandbox.api_key().to_string())
        .build()
}
