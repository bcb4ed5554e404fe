//! The SDK for code without an async runtime (feature `blocking`).
//!
//! Each call runs the async client on a private single-threaded runtime,
//! so it must not be called from inside an async runtime.
//!
//! ```no_run
//! use identifai_ext::{Media, blocking::Client};
//!
//! let client = Client::from_env()?;
//! let analysis = client.classify(Media::path("photo.jpg"))?;
//! println!("artificial: {}", analysis.is_artificial());
//! # Ok::<(), identifai_ext::Error>(())
//! ```

use std::path::Path;

use bytes::Bytes;
use futures_util::TryStreamExt;
use identifai_api::types::{self, Classification};

use crate::{
    Analysis, BatchOptions, ClientBuilder, Error, Media, MediaKind, Result, Submission,
    SubmitOptions, UserForm, UserQuery, WaitPolicy,
};

/// A blocking identifAI client, with the capabilities of
/// [`crate::Client`].
#[derive(Debug)]
pub struct Client {
    inner: crate::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Wraps an async client.
    pub fn new(inner: crate::Client) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        Ok(Self { inner, runtime })
    }

    /// Builds one from settings.
    pub fn build(builder: ClientBuilder) -> Result<Self> {
        Self::new(builder.build()?)
    }

    /// A client configured from `IDENTIFAI_API_KEY` (and `IDENTIFAI_BASE_URL`).
    pub fn from_env() -> Result<Self> {
        Self::new(crate::Client::from_env()?)
    }

    /// The async client inside.
    pub fn inner(&self) -> &crate::Client {
        &self.inner
    }

    /// See [`crate::Client::classify`].
    pub fn classify(&self, media: Media) -> Result<Analysis> {
        self.runtime.block_on(self.inner.classify(media))
    }

    /// See [`crate::Client::classify_with`].
    pub fn classify_with(&self, media: Media, options: &SubmitOptions) -> Result<Analysis> {
        self.runtime
            .block_on(self.inner.classify_with(media, options))
    }

    /// See [`crate::Client::submit_with`].
    pub fn submit(&self, media: Media, options: &SubmitOptions) -> Result<Submission> {
        self.runtime
            .block_on(self.inner.submit_with(media, options))
    }

    /// See [`crate::Client::wait_with`].
    pub fn wait(&self, submission: &Submission, policy: &WaitPolicy) -> Result<Analysis> {
        self.runtime
            .block_on(self.inner.wait_with(submission, policy))
    }

    /// See [`crate::Client::classify_batch`].
    pub fn classify_batch<I: IntoIterator<Item = Media>>(
        &self,
        media: I,
        options: &BatchOptions,
    ) -> Vec<Result<Analysis>> {
        self.runtime
            .block_on(self.inner.classify_batch(media, options))
    }

    /// See [`crate::Client::wait_all`].
    pub fn wait_all(&self, submissions: &[Submission]) -> Vec<Result<Analysis>> {
        self.runtime.block_on(self.inner.wait_all(submissions))
    }

    /// See [`crate::Client::heatmap`].
    pub fn heatmap(&self, identifier: &str) -> Result<Bytes> {
        self.runtime.block_on(self.inner.heatmap(identifier))
    }

    /// See [`crate::Client::save_heatmap`].
    pub fn save_heatmap(&self, identifier: &str, path: impl AsRef<Path>) -> Result<u64> {
        self.runtime
            .block_on(self.inner.save_heatmap(identifier, path))
    }

    /// See [`crate::Client::override_classification`].
    pub fn override_classification(
        &self,
        kind: MediaKind,
        hash: &str,
        classification: Classification,
    ) -> Result<types::OverrideResponse> {
        self.runtime.block_on(
            self.inner
                .override_classification(kind, hash, classification),
        )
    }

    /// See [`crate::Client::credits`].
    pub fn credits(&self) -> Result<types::GetCreditsResponse> {
        self.runtime.block_on(self.inner.credits())
    }

    /// Every user of the partnership (all pages), see
    /// [`crate::Client::partner_users`].
    pub fn partner_users(&self, query: UserQuery) -> Result<Vec<types::User>> {
        self.runtime
            .block_on(self.inner.partner_users(query).try_collect())
    }

    /// See [`crate::Client::upsert_user`].
    pub fn upsert_user(&self, form: &UserForm) -> Result<types::User> {
        self.runtime.block_on(self.inner.upsert_user(form))
    }

    /// See [`crate::Client::send_creation_email`].
    pub fn send_creation_email(&self, user_id: i64) -> Result<types::User> {
        self.runtime
            .block_on(self.inner.send_creation_email(user_id))
    }
}
