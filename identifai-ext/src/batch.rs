//! Many media at once: bounded concurrency, one result per input, in order.

use futures_util::StreamExt;

use crate::analysis::Analysis;
use crate::client::Client;
use crate::error::Result;
use crate::media::Media;
use crate::submit::{Submission, SubmitOptions};
use crate::wait::WaitPolicy;

/// How a batch runs.
///
/// ```
/// use identifai_ext::{BatchOptions, SubmitOptions};
/// let options = BatchOptions::default()
///     .concurrency(8)
///     .submit_options(SubmitOptions::new().with_heatmap(true));
/// assert_eq!(options.concurrency, 8);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BatchOptions {
    /// Submissions in flight at once, at most (at least 1).
    pub concurrency: usize,
    /// The options of every submission.
    pub submit: SubmitOptions,
    /// How long to wait for the results; the client's policy when `None`.
    pub wait: Option<WaitPolicy>,
}

impl Default for BatchOptions {
    /// 4 submissions at once, default options, the client's wait policy.
    fn default() -> Self {
        Self {
            concurrency: 4,
            submit: SubmitOptions::default(),
            wait: None,
        }
    }
}

impl BatchOptions {
    /// The default options: `BatchOptions::new().concurrency(8)`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how many submissions are in flight at once (at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets the options of every submission.
    pub fn submit_options(mut self, options: SubmitOptions) -> Self {
        self.submit = options;
        self
    }

    /// Sets the wait policy.
    pub fn wait_policy(mut self, policy: WaitPolicy) -> Self {
        self.wait = Some(policy);
        self
    }
}

impl Client {
    /// Submits every medium, never more than `options.concurrency` at once,
    /// in input order. Each input has its result in its place: a failed
    /// item is an `Err` there, never dropped.
    pub async fn submit_batch<I>(&self, media: I, options: &BatchOptions) -> Vec<Result<Submission>>
    where
        I: IntoIterator<Item = Media>,
    {
        futures_util::stream::iter(media)
            .map(|m| self.submit_with(m, &options.submit))
            .buffered(options.concurrency.max(1))
            .collect()
            .await
    }

    /// Classifies every medium and returns one result per input, in input
    /// order: [`Client::classify_stream`] (uploads and polls as one
    /// pipeline), collected.
    ///
    /// ```no_run
    /// # async fn run(client: identifai_ext::Client) {
    /// use identifai_ext::{BatchOptions, Media};
    ///
    /// let photos = ["a.jpg", "b.png"].map(Media::path);
    /// for (photo, result) in ["a.jpg", "b.png"].iter().zip(client.classify_batch(photos, &BatchOptions::new().concurrency(8)).await) {
    ///     match result {
    ///         Ok(analysis) => println!("{photo}: artificial = {}", analysis.is_artificial()),
    ///         Err(e) => println!("{photo}: {e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn classify_batch<I>(&self, media: I, options: &BatchOptions) -> Vec<Result<Analysis>>
    where
        I: IntoIterator<Item = Media>,
    {
        let media: Vec<Media> = media.into_iter().collect();
        let count = media.len();
        crate::pipeline::in_order(self.classify_stream(media, options), count).await
    }
}
