//! Submitting and waiting as one pipeline: results are polled for while
//! later inputs are still uploading, and each input's progress is reported
//! the moment it happens.
//!
//! [`BatchStream`] is a plain [`Stream`]: it does its work while it is
//! polled and not otherwise (no task is spawned), and dropping it stops
//! everything in flight. Uploads start in input order, at most
//! `concurrency` at once; accepted submissions are polled for through the
//! list endpoints, up to 100 identifiers a request, at the pace the GET
//! budget allows while results keep coming, and further apart when none
//! do.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, Stream, StreamExt};

use crate::analysis::Analysis;
use crate::batch::BatchOptions;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::media::{Media, MediaKind};
use crate::submit::{Submission, SubmitOptions};
use crate::wait::{WaitPolicy, finished};

/// What happened to one input of a batch, as it happens.
// A result is large and every stream yields one per input: boxing it would
// only add an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[non_exhaustive]
pub enum BatchEvent {
    /// The input's upload is about to begin: it starts when the stream is
    /// next polled, not before, so that whatever the caller does with this
    /// event (a journal entry flushed to disk) happens first.
    Submitting {
        /// The input's position, from 0.
        index: usize,
    },
    /// The service accepted the input (from now on it may be charged for
    /// it): what to wait for. Record it if you want to resume later.
    Accepted {
        /// The input's position, from 0.
        index: usize,
        /// Its identifier and kind.
        submission: Submission,
    },
    /// The input's outcome: its result, or why there is none (refused
    /// before sending, refused by the service, failed, or not ready by its
    /// deadline: then the error carries the identifier).
    Finished {
        /// The input's position, from 0.
        index: usize,
        /// The result.
        result: Result<Analysis>,
    },
}

impl BatchEvent {
    /// The input's position, from 0.
    pub fn index(&self) -> usize {
        match self {
            Self::Submitting { index }
            | Self::Accepted { index, .. }
            | Self::Finished { index, .. } => *index,
        }
    }
}

/// The events of a batch being classified (see [`Client::classify_stream`]).
///
/// Every input gets exactly one [`BatchEvent::Finished`], preceded by
/// [`BatchEvent::Submitting`] when its upload began and
/// [`BatchEvent::Accepted`] when the service accepted it; the stream ends
/// after the last. Each input's wait deadline ([`WaitPolicy::timeout`])
/// counts from its acceptance.
#[must_use = "a BatchStream does nothing unless polled"]
pub struct BatchStream {
    client: Client,
    submit: SubmitOptions,
    policy: WaitPolicy,
    concurrency: usize,
    inputs: Option<Box<dyn Iterator<Item = (usize, Media)> + Send>>,
    uploads: FuturesUnordered<Upload>,
    /// Uploads whose `Submitting` event is not yet taken: they start once
    /// it is.
    starting: Vec<Upload>,
    pending: Vec<Pending>,
    round: Round,
    /// Polls since an input was accepted or a result came: the backoff
    /// between polls grows only while nothing happens.
    quiet_rounds: u32,
    /// How each kind (image, video, speech) is polled.
    polling: [Polling; 3],
    /// The last failure seen while polling each kind, for the timeouts.
    last_failure: [Option<Arc<Error>>; 3],
    ready: VecDeque<BatchEvent>,
    /// Whether accepted inputs are waited for.
    waits: bool,
}

impl std::fmt::Debug for BatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchStream")
            .field("uploading", &self.uploads.len())
            .field("pending", &self.pending.len())
            .field("submitting", &self.inputs.is_some())
            .finish_non_exhaustive()
    }
}

type Upload = BoxFuture<'static, (usize, Result<Submission>)>;

/// An accepted input whose result has not come yet.
#[derive(Debug)]
struct Pending {
    index: usize,
    submission: Submission,
    accepted_at: Duration,
    /// Rounds that asked for this result.
    polls: u32,
}

enum Round {
    /// Nothing to poll for.
    Idle,
    /// The next poll is due at this time.
    Sleeping(Duration, BoxFuture<'static, ()>),
    /// Asking the list endpoints.
    Listing(BoxFuture<'static, Vec<Chunk>>),
}

/// One request of a round: its kind and identifiers, and what it got.
struct Chunk {
    kind: MediaKind,
    identifiers: Vec<String>,
    outcome: Asked,
}

enum Asked {
    /// A list request's answer.
    List(Result<Vec<Analysis>>),
    /// One identifier's answer (`None`: not ready), boxed: lists are the
    /// rule.
    One(Result<Option<Box<Analysis>>>),
}

/// How a kind's results are asked for.
#[derive(Clone, Copy, Debug)]
struct Polling {
    /// Identifiers per list request, at most.
    chunk: usize,
    /// The list endpoint refused: one GET per identifier from now on.
    one_by_one: bool,
}

impl Default for Polling {
    fn default() -> Self {
        Self {
            chunk: MAX_LIST,
            one_by_one: false,
        }
    }
}

/// Identifiers per list request, at most (the documented maximum).
const MAX_LIST: usize = 100;
/// The longest query a list request may have: 100 of the service's
/// 64-character identifiers would pass 8 KiB, a common limit of servers
/// and proxies for the request line.
const MAX_QUERY: usize = 6 * 1024;

/// Slices `identifiers` into requests of at most `chunk` identifiers and
/// [`MAX_QUERY`] bytes of query each.
fn chunks(identifiers: &[String], chunk: usize) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut length = 0;
    for id in identifiers {
        // `identifiers%5B%5D=<id, percent-encoded>&`
        let cost = 19 + id.len() * 3;
        if !current.is_empty() && (current.len() >= chunk.max(1) || length + cost > MAX_QUERY) {
            out.push(std::mem::take(&mut current));
            length = 0;
        }
        length += cost;
        current.push(id.clone());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl BatchStream {
    pub(crate) fn new(
        client: Client,
        media: Box<dyn Iterator<Item = Media> + Send>,
        options: &BatchOptions,
    ) -> Self {
        let policy = options
            .wait
            .clone()
            .unwrap_or_else(|| client.wait_policy().clone());
        Self {
            client,
            submit: options.submit.clone(),
            policy,
            concurrency: options.concurrency.max(1),
            inputs: Some(Box::new(media.enumerate())),
            uploads: FuturesUnordered::new(),
            starting: Vec::new(),
            pending: Vec::new(),
            round: Round::Idle,
            quiet_rounds: 0,
            polling: [Polling::default(); 3],
            last_failure: [None, None, None],
            ready: VecDeque::new(),
            waits: true,
        }
    }

    /// A stream that only waits for these submissions, accepted now.
    pub(crate) fn waiting(client: Client, submissions: &[Submission], policy: WaitPolicy) -> Self {
        let now = client.clock().elapsed();
        let mut stream = Self::new(
            client,
            Box::new(std::iter::empty()),
            &BatchOptions::default().wait_policy(policy),
        );
        stream.inputs = None;
        stream.pending = submissions
            .iter()
            .enumerate()
            .map(|(index, submission)| Pending {
                index,
                submission: submission.clone(),
                accepted_at: now,
                polls: 0,
            })
            .collect();
        stream
    }

    /// Starts no more uploads. Uploads under way, those just announced by
    /// [`BatchEvent::Submitting`] included, go on (poll the stream to learn
    /// their identifiers, see [`BatchStream::uploading`]), accepted
    /// inputs are still waited for, and inputs not started get no event.
    pub fn stop_submitting(&mut self) {
        self.inputs = None;
    }

    /// Also waits for these submissions, accepted earlier (when resuming
    /// a batch): each gets a [`BatchEvent::Finished`] with the index given
    /// here, which should differ from the positions of the media (0 up to
    /// their count). Their deadline counts from now.
    pub fn with_pending(
        mut self,
        submissions: impl IntoIterator<Item = (usize, Submission)>,
    ) -> Self {
        let now = self.client.clock().elapsed();
        self.pending
            .extend(submissions.into_iter().map(|(index, submission)| Pending {
                index,
                submission,
                accepted_at: now,
                polls: 0,
            }));
        self
    }

    /// Only submits: an accepted input's last event is
    /// [`BatchEvent::Accepted`], and nothing is polled for (to wait later,
    /// with [`Client::wait_all`] or another run's
    /// [`BatchStream::with_pending`]).
    pub fn submit_only(mut self) -> Self {
        self.waits = false;
        self
    }

    /// How many uploads are under way (begun, not yet answered).
    pub fn uploading(&self) -> usize {
        self.uploads.len() + self.starting.len()
    }

    /// The accepted inputs still waiting for their result.
    pub fn pending(&self) -> impl Iterator<Item = (usize, &Submission)> {
        self.pending.iter().map(|p| (p.index, &p.submission))
    }

    /// Starts uploads up to the concurrency bound.
    fn start_uploads(&mut self) {
        while self.uploading() < self.concurrency {
            let Some((index, media)) = self.inputs.as_mut().and_then(Iterator::next) else {
                self.inputs = None;
                return;
            };
            let (client, options) = (self.client.clone(), self.submit.clone());
            self.starting.push(Box::pin(async move {
                (index, client.submit_with(media, &options).await)
            }));
            self.ready.push_back(BatchEvent::Submitting { index });
        }
    }

    fn accepted(&mut self, index: usize, submission: Submission) {
        if !self.waits {
            self.ready
                .push_back(BatchEvent::Accepted { index, submission });
            return;
        }
        self.pending.push(Pending {
            index,
            submission: submission.clone(),
            accepted_at: self.client.clock().elapsed(),
            polls: 0,
        });
        self.ready
            .push_back(BatchEvent::Accepted { index, submission });
        self.quiet_rounds = 0;
        // A long pause after a quiet spell is cut short for the newcomer.
        let soon = self.client.clock().elapsed() + self.policy.interval(1);
        if matches!(self.round, Round::Sleeping(due, _) if due > soon) {
            self.round = Round::Idle;
        }
    }

    /// The time the next poll is due, or the earliest deadline if sooner.
    fn next_poll(&self) -> Duration {
        let now = self.client.clock().elapsed();
        let due = now + self.policy.interval(self.quiet_rounds + 1);
        self.pending
            .iter()
            .map(|p| p.accepted_at + self.policy.timeout)
            .fold(due, Duration::min)
            .max(now)
    }

    /// A round of requests for every pending identifier: list requests,
    /// or one GET each for a kind whose list endpoint refused.
    fn list_round(&self) -> BoxFuture<'static, Vec<Chunk>> {
        let now = self.client.clock().elapsed();
        let mut lists: Vec<(MediaKind, Vec<String>, Duration)> = Vec::new();
        let mut singles: Vec<(Submission, bool, Duration)> = Vec::new();
        for kind in [MediaKind::Image, MediaKind::Video, MediaKind::Speech] {
            let polling = self.polling[slot(kind)];
            let mut identifiers: Vec<String> = Vec::new();
            let mut deadline = Duration::MAX;
            for p in self.pending.iter().filter(|p| p.submission.kind == kind) {
                let due = p.accepted_at + self.policy.timeout;
                if identifiers.contains(&p.submission.identifier) {
                    continue;
                }
                identifiers.push(p.submission.identifier.clone());
                deadline = deadline.min(due);
                if polling.one_by_one {
                    let young = now.saturating_sub(p.accepted_at) < self.policy.not_found_grace;
                    singles.push((p.submission.clone(), young, due));
                }
            }
            if !polling.one_by_one {
                for chunk in chunks(&identifiers, polling.chunk) {
                    lists.push((kind, chunk, deadline));
                }
            }
        }
        let client = self.client.clone();
        Box::pin(async move {
            let mut asked = Vec::with_capacity(lists.len() + singles.len());
            for (kind, identifiers, deadline) in lists {
                let ids: Vec<&str> = identifiers.iter().map(String::as_str).collect();
                let outcome = Asked::List(client.list(kind, &ids, deadline).await);
                asked.push(Chunk {
                    kind,
                    identifiers,
                    outcome,
                });
            }
            for (submission, young, deadline) in singles {
                let found = client.poll(&submission, young, deadline).await;
                let outcome = Asked::One(found.map(|a| a.map(Box::new)));
                asked.push(Chunk {
                    kind: submission.kind,
                    identifiers: vec![submission.identifier],
                    outcome,
                });
            }
            asked
        })
    }

    /// Takes what a round found: finished results, and items failed for
    /// good; then the items past their deadline.
    fn apply(&mut self, chunks: Vec<Chunk>) {
        let now = self.client.clock().elapsed();
        let before = self.pending.len();
        for chunk in chunks {
            let kind = slot(chunk.kind);
            for p in self.pending.iter_mut().filter(|p| {
                p.submission.kind == chunk.kind
                    && chunk.identifiers.contains(&p.submission.identifier)
            }) {
                p.polls += 1;
            }
            let failure = match chunk.outcome {
                Asked::List(Ok(found)) => {
                    found.into_iter().for_each(|a| self.take(a));
                    continue;
                }
                Asked::One(Ok(found)) => {
                    found.into_iter().for_each(|a| self.take(*a));
                    continue;
                }
                Asked::List(Err(e)) if refuses_lists(&e) => {
                    let polling = &mut self.polling[kind];
                    let status = e.status();
                    let shorter =
                        matches!(status, Some(400 | 414)) || matches!(e, Error::TooLarge { .. });
                    if shorter && chunk.identifiers.len() > 1 {
                        // Perhaps too long a request: half as many.
                        polling.chunk = (chunk.identifiers.len() / 2).max(1);
                        tracing::debug!(chunk = polling.chunk, error = %e, "list refused; asking for fewer");
                    } else {
                        polling.one_by_one = true;
                        tracing::info!(kind = %chunk.kind, error = %e, "list refused; asking for each result alone");
                    }
                    self.last_failure[kind] = Some(Arc::new(e));
                    continue;
                }
                Asked::List(Err(e)) | Asked::One(Err(e)) => e,
            };
            if failure.is_transient() {
                // Busy or unreachable: the items may still finish; the next
                // round asks again.
                tracing::debug!(error = %failure, "poll failed; waiting on");
                let cut_short = matches!(failure, Error::Timeout { .. });
                if !(cut_short && self.last_failure[kind].is_some()) {
                    self.last_failure[kind] = Some(Arc::new(failure));
                }
            } else {
                // Refused for good (key, credits …): each item fails with
                // the error, and its submission.
                self.finish_where(
                    |p| chunk.identifiers.contains(&p.submission.identifier),
                    |p| Err(failure.clone().while_waiting(&p.submission)),
                );
            }
        }
        let timeout = self.policy.timeout;
        let last_failure = self.last_failure.clone();
        self.finish_where(
            |p| now.saturating_sub(p.accepted_at) >= timeout,
            |p| {
                Err(Error::Timeout {
                    submission: Some(p.submission.clone()),
                    waited: now.saturating_sub(p.accepted_at),
                    polls: p.polls,
                    last_failure: last_failure[slot(p.submission.kind)].clone(),
                })
            },
        );
        if self.pending.len() < before {
            self.quiet_rounds = 0;
        } else {
            self.quiet_rounds = self.quiet_rounds.saturating_add(1);
        }
    }

    /// Ends the pending items a final result is for.
    fn take(&mut self, analysis: Analysis) {
        if !analysis.is_final() {
            return;
        }
        let Some(id) = analysis.identifier().map(str::to_string) else {
            return;
        };
        self.finish_where(
            |p| p.submission.identifier == id,
            |p| finished(analysis.clone(), &p.submission),
        );
    }

    /// Ends the pending items that `which` selects with what `result` says.
    fn finish_where(
        &mut self,
        which: impl Fn(&Pending) -> bool,
        result: impl Fn(&Pending) -> Result<Analysis>,
    ) {
        let mut kept = Vec::with_capacity(self.pending.len());
        for p in self.pending.drain(..) {
            if which(&p) {
                self.ready.push_back(BatchEvent::Finished {
                    index: p.index,
                    result: result(&p),
                });
            } else {
                kept.push(p);
            }
        }
        self.pending = kept;
    }

    /// Moves the polling rounds on; `true` when something changed.
    fn drive_round(&mut self, cx: &mut Context<'_>) -> bool {
        match &mut self.round {
            Round::Idle if self.pending.is_empty() => false,
            Round::Idle => {
                let due = self.next_poll();
                let clock = self.client.clock().clone();
                self.round =
                    Round::Sleeping(due, Box::pin(async move { clock.sleep_until(due).await }));
                true
            }
            Round::Sleeping(_, sleep) => match sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.round = Round::Listing(self.list_round());
                    true
                }
                Poll::Pending => false,
            },
            Round::Listing(listing) => match listing.as_mut().poll(cx) {
                Poll::Ready(chunks) => {
                    self.round = Round::Idle;
                    self.apply(chunks);
                    true
                }
                Poll::Pending => false,
            },
        }
    }
}

impl Stream for BatchStream {
    type Item = BatchEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BatchEvent>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.ready.pop_front() {
                return Poll::Ready(Some(event));
            }
            // Every event is taken: the uploads announced may begin.
            this.uploads.extend(this.starting.drain(..));
            this.start_uploads();
            if !this.ready.is_empty() {
                continue;
            }
            if let Poll::Ready(Some((index, submitted))) = this.uploads.poll_next_unpin(cx) {
                match submitted {
                    Ok(submission) => this.accepted(index, submission),
                    Err(error) => this.ready.push_back(BatchEvent::Finished {
                        index,
                        result: Err(error),
                    }),
                }
                continue;
            }
            if this.drive_round(cx) {
                continue;
            }
            let done = this.inputs.is_none()
                && this.uploading() == 0
                && this.pending.is_empty()
                && matches!(this.round, Round::Idle);
            return if done {
                Poll::Ready(None)
            } else {
                Poll::Pending
            };
        }
    }
}

impl Client {
    /// Classifies every medium as one pipeline: uploads start in input
    /// order, at most `options.concurrency` at once, and results are
    /// polled for while later files still upload. Each input's progress
    /// comes as it happens: [`BatchEvent::Accepted`] (with the identifier,
    /// the moment the service gives it) then [`BatchEvent::Finished`].
    ///
    /// Work advances only while the stream is polled; dropping it stops the
    /// uploads and polls in flight.
    ///
    /// ```no_run
    /// # async fn run(client: identifai_ext::Client) {
    /// use futures_util::StreamExt;
    /// use identifai_ext::{BatchEvent, BatchOptions, Media};
    ///
    /// let photos = ["a.jpg", "b.png", "c.webp"];
    /// let mut events = client.classify_stream(photos.map(Media::path), &BatchOptions::default());
    /// while let Some(event) = events.next().await {
    ///     match event {
    ///         BatchEvent::Accepted { index, submission } => {
    ///             println!("{}: accepted as {}", photos[index], submission.identifier)
    ///         }
    ///         BatchEvent::Finished { index, result } => match result {
    ///             Ok(analysis) => println!("{}: {:?}", photos[index], analysis.classification()),
    ///             Err(error) => println!("{}: {error}", photos[index]),
    ///         },
    ///         _ => {}
    ///     }
    /// }
    /// # }
    /// ```
    pub fn classify_stream<I>(&self, media: I, options: &BatchOptions) -> BatchStream
    where
        I: IntoIterator<Item = Media>,
        I::IntoIter: Send + 'static,
    {
        BatchStream::new(self.clone(), Box::new(media.into_iter()), options)
    }

    /// Waits for many submissions at once, polling through the list
    /// endpoints (up to 100 identifiers a request) instead of one request
    /// per result. Results come in the order of `submissions`.
    pub async fn wait_all(&self, submissions: &[Submission]) -> Vec<Result<Analysis>> {
        self.wait_all_with(submissions, &self.wait_policy().clone())
            .await
    }

    /// [`Client::wait_all`] with this policy.
    pub async fn wait_all_with(
        &self,
        submissions: &[Submission],
        policy: &WaitPolicy,
    ) -> Vec<Result<Analysis>> {
        let span = tracing::info_span!("identifai.wait_all", count = submissions.len());
        let stream = BatchStream::waiting(self.clone(), submissions, policy.clone());
        tracing::Instrument::instrument(in_order(stream, submissions.len()), span).await
    }
}

/// The place of a kind in per-kind arrays.
fn slot(kind: MediaKind) -> usize {
    match kind {
        MediaKind::Image => 0,
        MediaKind::Video => 1,
        MediaKind::Speech => 2,
    }
}

/// Whether a list request's failure says the list endpoint cannot serve
/// these identifiers (so they are asked for another way), rather than that
/// the key or the account is refused.
fn refuses_lists(error: &Error) -> bool {
    matches!(error, Error::TooLarge { .. })
        || matches!(error.status(), Some(400 | 404 | 405 | 414 | 422))
            && !matches!(error, Error::InsufficientCredits { .. })
}

/// The results of a stream's inputs, in input order.
pub(crate) async fn in_order(mut stream: BatchStream, count: usize) -> Vec<Result<Analysis>> {
    let mut results: Vec<Option<Result<Analysis>>> = (0..count).map(|_| None).collect();
    while let Some(event) = stream.next().await {
        if let BatchEvent::Finished { index, result } = event
            && let Some(slot) = results.get_mut(index)
        {
            *slot = Some(result);
        }
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(Error::Unexpected {
                    status: None,
                    message: "a result went missing".into(),
                })
            })
        })
        .collect()
}
