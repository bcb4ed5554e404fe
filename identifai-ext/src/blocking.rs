//! The SDK for code without an async runtime (feature `blocking`).
//!
//! [`Client`] mirrors [`crate::Client`] name for name and argument for
//! argument; what is a stream there is an iterator here ([`Iter`]), and
//! what cannot fail there returns a `Result` here. Each call runs the async
//! client on a private single-threaded runtime. Called from inside an async
//! runtime (where blocking would stall it), a call returns [`Error::Config`]
//! saying so instead of panicking; a call with a result per input gives
//! each input that error.
//!
//! ```no_run
//! use identifai_ext::{Media, blocking::Client};
//!
//! let client = Client::from_env()?;
//! let analysis = client.classify(Media::path("photo.jpg"))?;
//! println!("artificial: {}", analysis.is_artificial());
//! # Ok::<(), identifai_ext::Error>(())
//! ```

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use identifai_api::types::{self, Classification};

use crate::{
    Analysis, BatchOptions, BatchStream, ClientBuilder, Error, Media, MediaKind, Result,
    Submission, SubmitOptions, UserForm, UserQuery, WaitPolicy,
};

/// A blocking identifAI client, with the capabilities of
/// [`crate::Client`].
#[derive(Debug)]
pub struct Client {
    inner: crate::Client,
    /// Taken only when the client is dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Client {
    /// Stops the runtime without waiting, which is allowed anywhere (a
    /// plain drop of a runtime panics inside an async runtime).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A stream of the async client, as an iterator: each `next` blocks until
/// the stream's next item. [`Iter::get_mut`] reaches the stream itself
/// (e.g. [`BatchStream::stop_submitting`]).
pub struct Iter<'a, S> {
    runtime: &'a tokio::runtime::Runtime,
    stream: S,
}

impl<S> Iter<'_, S> {
    /// The stream inside.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream inside, to steer it between items.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }
}

impl<S> Iterator for Iter<'_, S>
where
    S: Stream + Unpin + Send,
    S::Item: Send,
{
    type Item = S::Item;

    fn next(&mut self) -> Option<S::Item> {
        let (runtime, stream) = (self.runtime, &mut self.stream);
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime.block_on(stream.next());
        }
        // Made outside an async runtime but read inside one: the stream
        // goes on from a thread of its own (outside the runtime), so no
        // item, and no identifier it carries, is lost.
        std::thread::scope(|scope| {
            scope
                .spawn(|| runtime.block_on(stream.next()))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}

impl<S> std::fmt::Debug for Iter<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// The error of a blocking call made inside an async runtime.
fn inside_runtime() -> Option<Error> {
    tokio::runtime::Handle::try_current().ok().map(|_| {
        Error::Config(
            "identifai_ext::blocking::Client was called inside an async runtime, which it \
             would stall: use identifai_ext::Client there (or tokio::task::spawn_blocking)"
                .into(),
        )
    })
}

/// The users of a partnership, page after page.
type Users<'a> = Pin<Box<dyn Stream<Item = Result<types::User>> + Send + 'a>>;

impl Client {
    /// Wraps an async client.
    pub fn new(inner: crate::Client) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        Ok(Self {
            inner,
            runtime: Some(runtime),
        })
    }

    /// Settings for a client: [`crate::Client::builder`]; finish with
    /// [`Client::build`].
    pub fn builder() -> ClientBuilder {
        crate::Client::builder()
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

    /// See [`crate::Client::api`].
    pub fn api(&self) -> &identifai_api::Client {
        self.inner.api()
    }

    /// See [`crate::Client::wait_policy`].
    pub fn wait_policy(&self) -> &WaitPolicy {
        self.inner.wait_policy()
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime is there until the client is dropped")
    }

    /// Runs `call` to its end, unless this is inside an async runtime.
    fn run<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        match inside_runtime() {
            Some(error) => Err(error),
            None => self.runtime().block_on(call),
        }
    }

    /// [`Client::run`] for calls with a result per input: inside an async
    /// runtime each input gets the error.
    fn run_each<T>(
        &self,
        count: usize,
        call: impl Future<Output = Vec<Result<T>>>,
    ) -> Vec<Result<T>> {
        match inside_runtime() {
            Some(error) => (0..count).map(|_| Err(error.clone())).collect(),
            None => self.runtime().block_on(call),
        }
    }

    /// A stream as an iterator on this client's runtime, unless this is
    /// inside an async runtime.
    fn iter<S>(&self, stream: S) -> Result<Iter<'_, S>> {
        match inside_runtime() {
            Some(error) => Err(error),
            None => Ok(Iter {
                runtime: self.runtime(),
                stream,
            }),
        }
    }

    /// See [`crate::Client::classify`].
    pub fn classify(&self, media: Media) -> Result<Analysis> {
        self.run(self.inner.classify(media))
    }

    /// See [`crate::Client::classify_with`].
    pub fn classify_with(&self, media: Media, options: &SubmitOptions) -> Result<Analysis> {
        self.run(self.inner.classify_with(media, options))
    }

    /// See [`crate::Client::submit`].
    pub fn submit(&self, media: Media) -> Result<Submission> {
        self.run(self.inner.submit(media))
    }

    /// See [`crate::Client::submit_with`].
    pub fn submit_with(&self, media: Media, options: &SubmitOptions) -> Result<Submission> {
        self.run(self.inner.submit_with(media, options))
    }

    /// See [`crate::Client::wait`]: with the client's own policy.
    pub fn wait(&self, submission: &Submission) -> Result<Analysis> {
        self.run(self.inner.wait(submission))
    }

    /// See [`crate::Client::wait_with`].
    pub fn wait_with(&self, submission: &Submission, policy: &WaitPolicy) -> Result<Analysis> {
        self.run(self.inner.wait_with(submission, policy))
    }

    /// See [`crate::Client::submit_batch`].
    pub fn submit_batch<I>(&self, media: I, options: &BatchOptions) -> Vec<Result<Submission>>
    where
        I: IntoIterator<Item = Media>,
    {
        let media: Vec<Media> = media.into_iter().collect();
        self.run_each(media.len(), self.inner.submit_batch(media, options))
    }

    /// See [`crate::Client::classify_batch`].
    pub fn classify_batch<I>(&self, media: I, options: &BatchOptions) -> Vec<Result<Analysis>>
    where
        I: IntoIterator<Item = Media>,
    {
        let media: Vec<Media> = media.into_iter().collect();
        self.run_each(media.len(), self.inner.classify_batch(media, options))
    }

    /// See [`crate::Client::classify_stream`]: the events as an iterator;
    /// [`Iter::get_mut`] reaches the [`BatchStream`] (to stop submitting,
    /// or to see what is pending).
    pub fn classify_stream<I>(
        &self,
        media: I,
        options: &BatchOptions,
    ) -> Result<Iter<'_, BatchStream>>
    where
        I: IntoIterator<Item = Media>,
        I::IntoIter: Send + 'static,
    {
        self.iter(self.inner.classify_stream(media, options))
    }

    /// See [`crate::Client::wait_all`].
    pub fn wait_all(&self, submissions: &[Submission]) -> Vec<Result<Analysis>> {
        self.run_each(submissions.len(), self.inner.wait_all(submissions))
    }

    /// See [`crate::Client::wait_all_with`].
    pub fn wait_all_with(
        &self,
        submissions: &[Submission],
        policy: &WaitPolicy,
    ) -> Vec<Result<Analysis>> {
        self.run_each(
            submissions.len(),
            self.inner.wait_all_with(submissions, policy),
        )
    }

    /// See [`crate::Client::credits`].
    pub fn credits(&self) -> Result<types::GetCreditsResponse> {
        self.run(self.inner.credits())
    }

    /// See [`crate::Client::heatmap`].
    pub fn heatmap(&self, identifier: &str) -> Result<Bytes> {
        self.run(self.inner.heatmap(identifier))
    }

    /// See [`crate::Client::save_heatmap`].
    pub fn save_heatmap(&self, identifier: &str, path: impl AsRef<Path>) -> Result<u64> {
        self.run(self.inner.save_heatmap(identifier, path))
    }

    /// See [`crate::Client::override_classification`].
    pub fn override_classification(
        &self,
        kind: MediaKind,
        hash: &str,
        classification: Classification,
    ) -> Result<types::OverrideResponse> {
        self.run(
            self.inner
                .override_classification(kind, hash, classification),
        )
    }

    /// See [`crate::Client::override_analysis`].
    pub fn override_analysis(
        &self,
        analysis: &Analysis,
        classification: Classification,
    ) -> Result<types::OverrideResponse> {
        self.run(self.inner.override_analysis(analysis, classification))
    }

    /// See [`crate::Client::upsert_user`].
    pub fn upsert_user(&self, form: &UserForm) -> Result<types::User> {
        self.run(self.inner.upsert_user(form))
    }

    /// See [`crate::Client::send_creation_email`].
    pub fn send_creation_email(&self, user_id: i64) -> Result<types::User> {
        self.run(self.inner.send_creation_email(user_id))
    }

    /// See [`crate::Client::partner_users`]: every user of the partnership,
    /// fetched page by page as the iterator is read.
    pub fn partner_users(&self, query: UserQuery) -> Result<Iter<'_, Users<'_>>> {
        self.iter(Box::pin(self.inner.partner_users(query)) as Users<'_>)
    }
}

#[cfg(test)]
mod tests;
