//! The SDK's client: configuration, and every request's path through
//! pacing, retries and error conversion.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use identifai_api::{ApiKey, ClientConfig, ResponseValue};
use tracing::Instrument;

use crate::error::{ApiError, Error, Result};
use crate::pacing::{LocalPacer, NotBefore, Pacer, RateLimits};
use crate::retry::{Decision, Method, RetryPolicy};
use crate::time::Clock;
use crate::wait::WaitPolicy;

/// The environment variable that holds the API key.
pub const API_KEY_VAR: &str = "IDENTIFAI_API_KEY";
/// The environment variable that overrides the base URL.
pub const BASE_URL_VAR: &str = "IDENTIFAI_BASE_URL";
/// The environment variable that names a Redis to share pacing through
/// (`redis://…`, see [`ClientBuilder::shared_pacing`]).
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub const SHARED_PACING_VAR: &str = "IDENTIFAI_SHARED_PACING";

/// A Redis URL, shown with its credentials redacted.
#[derive(Clone, Default)]
struct SecretUrl(String);

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::media::redact_url(&self.0))
    }
}

/// The identifAI client: submit media, wait for verdicts, and everything
/// else the API offers, with retries and pacing built in.
///
/// Cheap to clone; clones share the connection pool and the pacing.
///
/// ```no_run
/// # async fn run() -> identifai_ext::Result<()> {
/// use identifai_ext::{Client, Media};
///
/// let client = Client::from_env()?;
/// let analysis = client.classify(Media::path("photo.jpg")).await?;
/// println!("AI-made: {}", analysis.is_artificial());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    api: identifai_api::Client,
    retry: RetryPolicy,
    pacer: Option<Box<dyn Pacer>>,
    /// The shortest window of each kind, for pauses the server asks for
    /// without saying how long.
    shortest_window: [Duration; 2],
    clock: Clock,
    wait: WaitPolicy,
    request_timeout: Duration,
    api_key: ApiKey,
}

impl Client {
    /// Settings from code.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `IDENTIFAI_API_KEY` and, when set,
    /// `IDENTIFAI_BASE_URL`, with the default settings otherwise.
    pub fn from_env() -> Result<Self> {
        Self::builder().from_env().build()
    }

    /// The generated client underneath, for anything this crate does not
    /// wrap. Its calls skip this client's retries and pacing.
    pub fn api(&self) -> &identifai_api::Client {
        &self.inner.api
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// How [`Client::wait`] and [`Client::wait_all`] wait: the policy
    /// given to [`ClientBuilder::wait`], or the default.
    pub fn wait_policy(&self) -> &WaitPolicy {
        &self.inner.wait
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// The key, for redacting it where the generated client's hooks do
    /// not run.
    pub(crate) fn api_key(&self) -> &ApiKey {
        &self.inner.api_key
    }

    /// Tracks the attempts of one call.
    pub(crate) fn attempts(
        &self,
        operation: &'static str,
        method: Method,
        replayable: bool,
    ) -> Attempts<'_> {
        Attempts {
            client: self,
            operation,
            method,
            replayable,
            attempt: 0,
            waited: Duration::ZERO,
            started: self.inner.clock.elapsed(),
            deadline: None,
        }
    }

    /// Runs one operation with pacing and retries; `send` makes a fresh
    /// request for each attempt.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        operation: &'static str,
        method: Method,
        send: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<ResponseValue<T>, ApiError>>,
    {
        self.call_until(None, operation, method, send).await
    }

    /// [`Client::call`], retrying only while the clock is before
    /// `deadline` (a time on [`Client::clock`]).
    pub(crate) async fn call_until<T, F, Fut>(
        &self,
        deadline: Option<Duration>,
        operation: &'static str,
        method: Method,
        mut send: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<ResponseValue<T>, ApiError>>,
    {
        let mut attempts = self.attempts(operation, method, true);
        attempts.deadline = deadline;
        loop {
            attempts.paced().await?;
            let span = attempts.span();
            let result = attempts.bounded(send().instrument(span)).await?;
            if let Some(value) = attempts.after(result).await? {
                return Ok(value);
            }
        }
    }
}

/// The attempts of one call: pacing before each, the retry decision after.
pub(crate) struct Attempts<'c> {
    client: &'c Client,
    operation: &'static str,
    method: Method,
    replayable: bool,
    attempt: u32,
    waited: Duration,
    started: Duration,
    /// No retry may wait past this time on the client's clock.
    deadline: Option<Duration>,
}

impl Attempts<'_> {
    /// Waits for the pacer, if any (uploads: no deadline).
    pub(crate) async fn before(&mut self) {
        // Without a deadline the pacer always admits in the end.
        let _ = self.paced().await;
    }

    /// Waits for the pacer, if any; when the request could not go before
    /// the call's deadline, returns at once with a timeout instead.
    async fn paced(&mut self) -> Result<()> {
        self.attempt += 1;
        let Some(pacer) = &self.client.inner.pacer else {
            return Ok(());
        };
        match pacer.admit(self.method, self.deadline).await {
            Ok(paced) => {
                if !paced.is_zero() {
                    tracing::trace!(
                        operation = self.operation,
                        paced_ms = paced.as_millis() as u64,
                        "paced"
                    );
                }
                Ok(())
            }
            Err(NotBefore(slot)) => {
                tracing::debug!(
                    operation = self.operation,
                    "the rate limits let no request go before the deadline"
                );
                let now = self.client.inner.clock.elapsed();
                Err(Error::Timeout {
                    submission: None,
                    waited: now.saturating_sub(self.started),
                    polls: 0,
                    last_failure: Some(Arc::new(Error::RateLimited {
                        message: format!(
                            "the rate limits let the next request go only in {:.1} s",
                            slot.saturating_sub(now).as_secs_f64()
                        ),
                        retry_after: Some(slot.saturating_sub(now)),
                    })),
                })
            }
        }
    }

    /// Runs one attempt within what is left of the call's deadline
    /// (connecting, the answer's headers and its body alike).
    async fn bounded<T>(
        &self,
        attempt: impl Future<Output = std::result::Result<T, ApiError>>,
    ) -> Result<std::result::Result<T, ApiError>> {
        let Some(deadline) = self.deadline else {
            return Ok(attempt.await);
        };
        let left = deadline.saturating_sub(self.client.inner.clock.elapsed());
        match tokio::time::timeout(left, attempt).await {
            Ok(result) => Ok(result),
            Err(_) => Err(Error::Timeout {
                submission: None,
                polls: 0,
                waited: self
                    .client
                    .inner
                    .clock
                    .elapsed()
                    .saturating_sub(self.started),
                last_failure: None,
            }),
        }
    }

    /// The span of the current attempt.
    pub(crate) fn span(&self) -> tracing::Span {
        tracing::debug_span!(
            "identifai.request",
            operation = self.operation,
            attempt = self.attempt
        )
    }

    /// `Ok(Some(value))` when done, `Ok(None)` when the caller should try
    /// again (the delay has been slept), `Err` when the call failed.
    pub(crate) async fn after<T>(
        &mut self,
        result: std::result::Result<ResponseValue<T>, ApiError>,
    ) -> Result<Option<T>> {
        let error = match result {
            Ok(value) => {
                self.heed_limits(value.headers(), false).await;
                return Ok(Some(value.into_inner()));
            }
            Err(error) => error,
        };
        if let identifai_api::Error::ErrorResponse(answer) = &error {
            self.heed_limits(answer.headers(), answer.status().as_u16() == 429)
                .await;
        }
        let policy = &self.client.inner.retry;
        let delay = match crate::retry::decide(&error, self.method) {
            Decision::Retry { after } if self.replayable && self.attempt <= policy.max_retries => {
                after.unwrap_or_else(|| policy.backoff(self.attempt))
            }
            _ => return Err(self.convert(error)),
        };
        let past_deadline = self.deadline.is_some_and(|deadline| {
            self.client.inner.clock.elapsed().saturating_add(delay) > deadline
        });
        if self.waited.saturating_add(delay) > policy.max_total_wait || past_deadline {
            return Err(self.convert(error));
        }
        tracing::info!(
            operation = self.operation,
            attempt = self.attempt,
            delay_ms = delay.as_millis() as u64,
            status = error.status().map(|s| s.as_u16()),
            "retrying"
        );
        self.waited += delay;
        let rate_limited = error.status().is_some_and(|s| s.as_u16() == 429);
        if rate_limited && self.client.inner.pacer.is_some() {
            // The pacer holds the kind until the server's time is up, for
            // this task and every other.
        } else {
            self.client.inner.clock.sleep(delay).await;
        }
        Ok(None)
    }

    /// Pauses this kind of request for every task when the server says
    /// its budget is spent: a 429, or `X-RateLimit-Remaining: 0`. The pause
    /// lasts as long as `Retry-After` or `X-RateLimit-Reset` say, else the
    /// kind's shortest window (after a 429: the backoff).
    async fn heed_limits(&self, headers: &reqwest::header::HeaderMap, rate_limited: bool) {
        let Some(pacer) = &self.client.inner.pacer else {
            return;
        };
        if !rate_limited && !crate::retry::budget_spent(headers) {
            return;
        }
        let told =
            crate::retry::retry_after(headers).or_else(|| crate::retry::rate_limit_reset(headers));
        let pause = told.unwrap_or_else(|| {
            if rate_limited {
                self.client.inner.retry.backoff(self.attempt)
            } else {
                self.client.inner.shortest_window[usize::from(self.method == Method::Post)]
            }
        });
        let until = self.client.inner.clock.elapsed().saturating_add(pause);
        tracing::debug!(
            operation = self.operation,
            pause_ms = pause.as_millis() as u64,
            "the server's rate limit is reached; pausing"
        );
        pacer.pause(self.method, until).await;
    }

    fn convert(&self, error: ApiError) -> Error {
        use identifai_api::Error as E;
        let waited = self
            .client
            .inner
            .clock
            .elapsed()
            .saturating_sub(self.started);
        match error {
            // Connected, then failed (a reset, a timeout): the body may have
            // reached the server.
            E::CommunicationError(e) | E::ResponseBodyError(e)
                if self.method == Method::Post && !e.is_connect() =>
            {
                Error::SubmissionUncertain {
                    source: std::sync::Arc::new(e),
                }
            }
            E::CommunicationError(e) if e.is_timeout() => Error::Timeout {
                submission: None,
                waited,
                polls: 0,
                last_failure: None,
            },
            other => Error::from(other),
        }
    }
}

/// Settings for a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use identifai_ext::Client;
///
/// let client = Client::builder()
///     .api_key("my-api-key")
///     .request_timeout(Duration::from_secs(30))
///     .pacing(None) // no client-side pacing
///     .build()?;
/// # Ok::<(), identifai_ext::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    min_upload_rate: Option<u64>,
    max_upload_time: Option<Duration>,
    user_agent: Option<String>,
    max_response_bytes: Option<u64>,
    retry: Option<RetryPolicy>,
    pacing: Option<Option<RateLimits>>,
    wait: Option<WaitPolicy>,
    clock: Option<Clock>,
    shared_pacing: Option<SecretUrl>,
}

impl ClientBuilder {
    /// The API key (from the identifAI dashboard's "API Key" menu).
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Another base URL (by default the vendor's).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Takes the key from `IDENTIFAI_API_KEY` and the base URL from
    /// `IDENTIFAI_BASE_URL`, where set and not given already.
    pub fn from_env(mut self) -> Self {
        if self.api_key.is_none() {
            self.api_key = std::env::var(API_KEY_VAR).ok().map(ApiKey::from);
        }
        if self.base_url.is_none() {
            self.base_url = std::env::var(BASE_URL_VAR)
                .ok()
                .filter(|u| !u.trim().is_empty());
        }
        #[cfg(feature = "redis")]
        if self.shared_pacing.is_none() {
            self.shared_pacing = std::env::var(SHARED_PACING_VAR)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .map(SecretUrl);
        }
        self
    }

    /// Shares pacing through the Redis at `url` (`redis://[:password@]host:port[/db]`):
    /// every process that names the same Redis and API key is held to the
    /// key's limits together, with the same windows as one process's pacing
    /// ([`ClientBuilder::pacing`] gives the limits). [`build`](Self::build)
    /// fails when Redis cannot be reached; when it goes away during a run,
    /// each process paces itself at the limits divided by the number of
    /// workers last seen, warns (a `tracing` event), and rejoins Redis when
    /// it answers again. The URL's password is never shown.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn shared_pacing(mut self, url: impl Into<String>) -> Self {
        self.shared_pacing = Some(SecretUrl(url.into()));
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one request may take, its upload aside (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Upload timeouts: a request with an `n`-byte body may also take
    /// `n / min_rate` seconds, `max_time` at most (defaults 256 KiB/s, 3 h).
    pub fn upload_timeout(mut self, min_rate_bytes_per_second: u64, max_time: Duration) -> Self {
        self.min_upload_rate = Some(min_rate_bytes_per_second);
        self.max_upload_time = Some(max_time);
        self
    }

    /// Replaces the `User-Agent` (by default this SDK and its version).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The largest answer read, in bytes (default 32 MiB, far above any
    /// real result): a larger one is [`Error::TooLarge`], refused before it
    /// is read when it announces its length.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// How failures are retried (see [`RetryPolicy`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Client-side pacing to these limits, or `None` for none. By default
    /// the documented limits ([`RateLimits::default`]).
    pub fn pacing(mut self, limits: Option<RateLimits>) -> Self {
        self.pacing = Some(limits);
        self
    }

    /// How long and how often to poll for results (see [`WaitPolicy`]).
    pub fn wait(mut self, policy: WaitPolicy) -> Self {
        self.wait = Some(policy);
        self
    }

    /// The clock to wait with (tokio's by default; [`Clock::manual`] for
    /// tests).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the settings and builds the client. A missing or empty key is
    /// an error here, not a 401 later.
    pub fn build(self) -> Result<Client> {
        let key = self.api_key.filter(|k| !k.expose().trim().is_empty()).ok_or_else(|| {
            Error::Config(format!(
                "no identifAI API key: set {API_KEY_VAR} or pass one with ClientBuilder::api_key"
            ))
        })?;
        let mut config =
            ClientConfig::new(key.clone()).user_agent(self.user_agent.unwrap_or_else(|| {
                format!(
                    "identifai-rs/{} (identifai-api/{})",
                    env!("CARGO_PKG_VERSION"),
                    identifai_api::VERSION
                )
            }));
        if let Some(url) = self.base_url {
            config = config.base_url(url);
        }
        if let Some(t) = self.connect_timeout {
            config = config.connect_timeout(t);
        }
        if let Some(t) = self.request_timeout {
            config = config.request_timeout(t);
        }
        if let Some(rate) = self.min_upload_rate {
            config = config.min_upload_rate(rate);
        }
        if let Some(t) = self.max_upload_time {
            config = config.max_upload_time(t);
        }
        if let Some(limit) = self.max_response_bytes {
            config = config.max_response_bytes(limit);
        }
        let api = config.build().map_err(|e| Error::Config(e.to_string()))?;
        let clock = self.clock.unwrap_or_default();
        let limits = self.pacing.unwrap_or(Some(RateLimits::default()));
        let shortest = |kind| {
            limits
                .as_ref()
                .and_then(|l: &RateLimits| l.of(kind).iter().map(|l| l.window()).min())
                .unwrap_or(Duration::from_secs(1))
        };
        let shortest_window = [shortest(Method::Get), shortest(Method::Post)];
        let pacer = match (limits, self.shared_pacing) {
            (None, _) => None,
            #[cfg(feature = "redis")]
            (Some(limits), Some(SecretUrl(url))) => {
                let redis = crate::pacing::shared::probe(
                    &url,
                    self.connect_timeout
                        .unwrap_or(Duration::from_secs(2))
                        .min(Duration::from_secs(2)),
                )
                .map_err(Error::Config)?;
                Some(Box::new(crate::pacing::shared::RedisPacer::new(
                    redis,
                    &url,
                    key.expose(),
                    limits,
                    clock.clone(),
                )) as Box<dyn Pacer>)
            }
            (Some(limits), _) => {
                Some(Box::new(LocalPacer::new(&limits, clock.clone())) as Box<dyn Pacer>)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                api,
                retry: self.retry.unwrap_or_default(),
                pacer,
                shortest_window,
                clock,
                wait: self.wait.unwrap_or_default(),
                request_timeout: self.request_timeout.unwrap_or(Duration::from_secs(60)),
                api_key: key,
            }),
        })
    }
}
