//! The identifAI API client, generated from the vendor's OpenAPI description
//! (`openapi/identifai.yaml`) and our corrections to it
//! (`openapi/overlay.yaml`) when this crate builds.
//!
//! Every documented operation is a method of [`Client`] that returns a
//! builder; `send()` performs the request and returns a [`ResponseValue`]
//! or an [`Error`] carrying [`types::ErrorMessage`].
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use identifai_api::{Client, multipart::FilePart};
//!
//! let client = Client::with_api_key(identifai_api::DEFAULT_BASE_URL, "my-api-key")?;
//! let submitted = client
//!     .classify_image()
//!     .image(FilePart::open("photo.jpg").await?)
//!     .with_heatmap(true)
//!     .send()
//!     .await?;
//! let identifier = submitted.into_inner().identifier.unwrap_or_default();
//!
//! // Later, once the classification is done:
//! let result = client.get_image_classification().identifier(&identifier).send().await?;
//! if let Some(verdict) = &result.verdict {
//!     println!("{:?} ({:?})", verdict.classification, verdict.confidence);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Use [`ClientConfig`] for another base URL or other timeouts. The
//! `mock` feature adds typed [httpmock](https://docs.rs/httpmock) helpers for
//! every operation ([`mock::MockServerExt`]); the `spec` feature, the
//! effective spec the client was generated from and its schemas as JSON
//! Schema, for contract tests ([`spec`]).

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod body;
pub mod config;
mod hooks;
pub mod multipart;
#[cfg(feature = "spec")]
pub mod spec;
mod tls;

pub use config::{ApiKey, ClientConfig, ConfigError, DEFAULT_BASE_URL};
pub use tls::TLS_STACK;

/// The version of this crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[allow(missing_docs, clippy::all, clippy::pedantic, unused_imports)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}
pub use generated::*;

/// Typed [httpmock](https://docs.rs/httpmock) helpers for every operation,
/// for tests (feature `mock`).
///
/// ```no_run
/// use httpmock::MockServer;
/// use identifai_api::mock::{MockServerExt, answers};
/// use identifai_api::types;
///
/// let server = MockServer::start();
/// let mock = server.get_credits(|when, then| {
///     when.into_inner().header_exists("x-api-key");
///     then.ok(&types::GetCreditsResponse { available_credits: Some(10.0), total_spent: Some(2.0) });
/// });
/// // Every operation's helper has `ok` (200 with a typed value), those
/// // documented as `2XX` too; the heatmap's takes the PNG's bytes.
/// let result: types::ImageClassification =
///     serde_json::from_str(answers::IMAGE_CLASSIFICATION).unwrap();
/// server.get_image_classification(|when, then| {
///     when.identifier("abc");
///     then.ok(&result);
/// });
/// server.get_image_heatmap(|when, then| {
///     when.identifier("abc");
///     then.ok(answers::HEATMAP_PNG);
/// });
/// ```
#[cfg(feature = "mock")]
pub mod mock {
    #[allow(missing_docs, clippy::all, clippy::pedantic, unused_imports)]
    mod generated {
        use crate::generated::*;
        include!(concat!(env!("OUT_DIR"), "/mock.rs"));
    }
    pub use generated::*;

    pub mod answers;
    mod form;
    pub use form::{FormPart, form_part, form_parts};
}
