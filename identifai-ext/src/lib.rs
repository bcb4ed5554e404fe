//! The identifAI SDK for Rust: tell whether an image, a video or a speech
//! recording was made or altered by AI.
//!
//! One call takes media to a verdict: the file is checked (format, size)
//! before any byte is sent, streamed up, and the result awaited with one
//! deadline. Requests are paced to the API's rate limits and retried when
//! that is safe; errors say what went wrong and what to do.
//!
//! ```no_run
//! use identifai_ext::{Client, Media};
//!
//! # async fn run() -> identifai_ext::Result<()> {
//! let client = Client::from_env()?; // IDENTIFAI_API_KEY
//! let analysis = client.classify(Media::path("photo.jpg")).await?;
//! println!(
//!     "artificial: {}, confidence: {:?}, C2PA: {:?}",
//!     analysis.is_artificial(),
//!     analysis.confidence(),
//!     analysis.c2pa_state(),
//! );
//! # Ok(())
//! # }
//! ```
//!
//! - [`Client`]: [`submit`](Client::submit), [`wait`](Client::wait),
//!   [`classify`](Client::classify), [`classify_stream`](Client::classify_stream),
//!   [`classify_batch`](Client::classify_batch),
//!   [`heatmap`](Client::heatmap), [`override_classification`](Client::override_classification),
//!   [`credits`](Client::credits), [`partner_users`](Client::partner_users) …
//! - [`Media`]: a path, bytes, a reader or stream, or a URL.
//! - [`Analysis`]: the typed result.
//! - [`Error`]: one error type; [`InputError`] for input refused before sending.
//!
//! The generated client is re-exported whole as [`api`] (`identifai_ext::api::Client`,
//! `api::mock` with `identifai-api`'s `mock` feature …) and its data types
//! also as [`types`], so one dependency suffices; nothing else of it is at
//! the top level. Features: `blocking` adds [`blocking::Client`] for code
//! without an async runtime, `sandbox` a simulated identifAI
//! (`sandbox::Sandbox`), `overlay` [`overlay`] (heatmaps blended over their
//! images), `test-util` what tests of your code need (`test_util`: mocks,
//! answers, the sandbox, a client preset), `cli` the `identifai` tool.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod account;
mod analysis;
mod batch;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod error;
pub mod media;
#[cfg(feature = "overlay")]
pub mod overlay;
mod pacing;
mod pipeline;
mod retry;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod submit;
#[cfg(feature = "test-util")]
pub mod test_util;
mod time;
mod wait;

pub use account::{UserForm, UserQuery};
pub use analysis::{Analysis, ModelScore, VerdictSummary};
pub use batch::BatchOptions;
#[cfg(feature = "redis")]
pub use client::SHARED_PACING_VAR;
pub use client::{API_KEY_VAR, BASE_URL_VAR, Client, ClientBuilder};
pub use error::{Error, InputError, Result};
pub use identifai_api as api;
pub use identifai_api::types;
pub use media::{Media, MediaKind};
pub use pacing::{Limit, RateLimits};
pub use pipeline::{BatchEvent, BatchStream};
pub use retry::RetryPolicy;
pub use submit::{KeyFramesMethod, Submission, SubmitOptions};
pub use time::Clock;
pub use wait::WaitPolicy;

impl Client {
    /// Submits media and waits for its verdict: [`Client::submit`] then
    /// [`Client::wait`].
    pub async fn classify(&self, media: Media) -> Result<Analysis> {
        self.classify_with(media, &SubmitOptions::default()).await
    }

    /// [`Client::classify`] with options.
    pub async fn classify_with(&self, media: Media, options: &SubmitOptions) -> Result<Analysis> {
        let submission = self.submit_with(media, options).await?;
        self.wait(&submission).await
    }
}
