//! Client-side pacing to the API's rate limits, so that a batch runs at the
//! full rate the limits allow and draws no 429s.
//!
//! identifAI counts requests per key in sliding windows: at most N in any
//! second and at most M in any minute, for GETs and POSTs apart. A token
//! bucket cannot hold both at once (a bucket of size b admits b + r·W
//! requests in a window W), so the pacer keeps a log of the times it let
//! requests go and admits the next one at the first instant at which every
//! window still has room. A 429, or an answer that says none are left,
//! pauses the kind for every task of the client.
//!
//! The pacer sits behind the [`Pacer`] interface, so that pacing can also
//! be shared between processes.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::retry::Method;
use crate::time::Clock;

#[cfg(feature = "redis")]
pub(crate) mod shared;

/// At most `count` requests in any `window`.
///
/// ```
/// use std::time::Duration;
/// use identifai_ext::Limit;
///
/// assert_eq!(Limit::per_minute(30), Limit::new(30, Duration::from_secs(60)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    count: u32,
    window: Duration,
}

impl Limit {
    /// At most `count` requests in any `window` (a count of 0 is taken as
    /// 1, a window of zero as a nanosecond: pacing is turned off with
    /// `ClientBuilder::pacing(None)`, not with a limit).
    pub const fn new(count: u32, window: Duration) -> Self {
        Self {
            count: if count == 0 { 1 } else { count },
            window: if window.is_zero() {
                Duration::from_nanos(1)
            } else {
                window
            },
        }
    }

    /// At most `count` requests in any second.
    pub const fn per_second(count: u32) -> Self {
        Self::new(count, Duration::from_secs(1))
    }

    /// At most `count` requests in any minute.
    pub const fn per_minute(count: u32) -> Self {
        Self::new(count, Duration::from_secs(60))
    }

    /// How many requests the window holds.
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// How long the window is.
    pub const fn window(&self) -> Duration {
        self.window
    }

    /// The same count in a window `factor` times as long (for tests and
    /// benchmarks that run the limits faster than real time).
    pub fn scaled(self, factor: f64) -> Self {
        Self::new(self.count, self.window.mul_f64(factor.max(0.0)))
    }

    /// The slack kept past the window, so that the server, which sees a
    /// request a little after it leaves, never sees one more than the
    /// limit: 2 ms (for timers that wake late and requests that take
    /// different times to arrive) and a thousandth of the window.
    fn margin(&self) -> Duration {
        Duration::from_millis(2) + self.window / 1000
    }
}

/// The limits of an API key: every GET limit holds for GETs, every POST
/// limit for POSTs.
///
/// ```
/// use std::time::Duration;
/// use identifai_ext::{Limit, RateLimits};
///
/// // A plan with twice the documented POST rate, and the documented GETs.
/// let plan = RateLimits::new(
///     RateLimits::default().get,
///     [Limit::per_second(2), Limit::per_minute(60)],
/// );
/// assert_eq!(plan.post[1].count(), 60);
/// // The documented limits, ten times faster (for a test server).
/// let fast = RateLimits::default().scaled(0.1);
/// assert_eq!(fast.get[0].window(), Duration::from_millis(100));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// The limits of GET requests (results, lists, heatmaps, credits, users).
    pub get: Vec<Limit>,
    /// The limits of POST requests (submissions, overrides, users).
    pub post: Vec<Limit>,
    /// How much later than the windows allow each request goes, so that the
    /// server, which sees a request a little after the pacer lets it go,
    /// never sees one too many. `None`: 2 ms and a thousandth of the window.
    /// Raise it on networks whose latency varies by more.
    pub margin: Option<Duration>,
}

impl Default for RateLimits {
    /// The limits the documentation gives for every key: GET 2/s and
    /// 60/min, POST 1/s and 30/min.
    fn default() -> Self {
        Self::new(
            [Limit::per_second(2), Limit::per_minute(60)],
            [Limit::per_second(1), Limit::per_minute(30)],
        )
    }
}

impl RateLimits {
    /// These limits for GETs and for POSTs.
    pub fn new(
        get: impl IntoIterator<Item = Limit>,
        post: impl IntoIterator<Item = Limit>,
    ) -> Self {
        Self {
            get: get.into_iter().collect(),
            post: post.into_iter().collect(),
            margin: None,
        }
    }

    /// Every window `factor` times as long (see [`Limit::scaled`]); the
    /// margin stays.
    pub fn scaled(self, factor: f64) -> Self {
        Self {
            margin: self.margin,
            ..Self::new(
                self.get.into_iter().map(|l| l.scaled(factor)),
                self.post.into_iter().map(|l| l.scaled(factor)),
            )
        }
    }

    /// Sets [`RateLimits::margin`].
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = Some(margin);
        self
    }

    pub(crate) fn of(&self, kind: Method) -> &[Limit] {
        match kind {
            Method::Get => &self.get,
            Method::Post => &self.post,
        }
    }
}

/// The earliest time at which a request may go was past the deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NotBefore(pub(crate) Duration);

/// Admits requests to the limits. Times are on the client's [`Clock`]
/// (time since it started).
pub(crate) trait Pacer: fmt::Debug + Send + Sync {
    /// Waits until a request of `kind` may go and counts it as gone;
    /// returns how long it waited. When it could not go before `deadline`,
    /// returns at once, counting nothing, with the earliest time it could.
    fn admit(
        &self,
        kind: Method,
        deadline: Option<Duration>,
    ) -> BoxFuture<'_, Result<Duration, NotBefore>>;

    /// Lets no request of `kind` go before `until`.
    fn pause(&self, kind: Method, until: Duration) -> BoxFuture<'_, ()>;
}

/// The times requests went, and the windows they must fit in.
#[derive(Debug)]
pub(crate) struct SlidingLog {
    limits: Vec<Limit>,
    /// When requests went, oldest first; only those that can still fall in
    /// a window are kept.
    times: VecDeque<Duration>,
    paused_until: Duration,
    /// The margin kept past each window: the default (`None`), a given one,
    /// or none at all for a server that enforces the windows.
    margin: Margin,
}

#[derive(Clone, Copy, Debug)]
enum Margin {
    Default,
    Given(Duration),
    None,
}

impl SlidingLog {
    pub(crate) fn new(limits: &[Limit], margin: Option<Duration>) -> Self {
        Self {
            limits: limits.to_vec(),
            times: VecDeque::new(),
            paused_until: Duration::ZERO,
            margin: margin.map_or(Margin::Default, Margin::Given),
        }
    }

    /// A log that holds the windows to the nanosecond, for a server that
    /// enforces them.
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub(crate) fn exact(limits: &[Limit]) -> Self {
        Self {
            margin: Margin::None,
            ..Self::new(limits, None)
        }
    }

    fn margin(&self, limit: &Limit) -> Duration {
        match self.margin {
            Margin::Default => limit.margin(),
            Margin::Given(margin) => margin,
            Margin::None => Duration::ZERO,
        }
    }

    /// The first time at or after `now` at which one more request fits in
    /// every window.
    pub(crate) fn next_slot(&self, now: Duration) -> Duration {
        let mut slot = now.max(self.paused_until);
        for limit in &self.limits {
            let count = limit.count as usize;
            if self.times.len() >= count {
                // The window that ends at the new request must not hold the
                // request `count` places back.
                let base = self.times[self.times.len() - count];
                slot = slot.max(base + limit.window + self.margin(limit));
            }
        }
        slot
    }

    /// Counts a request at `now` if it fits; otherwise says when it would.
    pub(crate) fn try_admit(&mut self, now: Duration) -> Result<(), Duration> {
        self.forget_before(now);
        let slot = self.next_slot(now);
        if slot <= now {
            self.times.push_back(now);
            Ok(())
        } else {
            Err(slot)
        }
    }

    /// Counts a request that went at `at` (no earlier than those counted).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn record(&mut self, at: Duration) {
        self.times.push_back(at);
    }

    pub(crate) fn pause(&mut self, until: Duration) {
        self.paused_until = self.paused_until.max(until);
    }

    fn forget_before(&mut self, now: Duration) {
        let longest = self
            .limits
            .iter()
            .map(|l| l.window + self.margin(l))
            .max()
            .unwrap_or_default();
        while self.times.front().is_some_and(|t| *t + longest <= now) {
            self.times.pop_front();
        }
    }
}

/// The pacer of one process: a sliding log per kind of request, shared by
/// all clones of a client.
#[derive(Debug)]
pub(crate) struct LocalPacer {
    get: Mutex<SlidingLog>,
    post: Mutex<SlidingLog>,
    clock: Clock,
}

impl LocalPacer {
    pub(crate) fn new(limits: &RateLimits, clock: Clock) -> Self {
        Self {
            get: Mutex::new(SlidingLog::new(limits.of(Method::Get), limits.margin)),
            post: Mutex::new(SlidingLog::new(limits.of(Method::Post), limits.margin)),
            clock,
        }
    }

    pub(crate) fn log(&self, kind: Method) -> std::sync::MutexGuard<'_, SlidingLog> {
        let log = match kind {
            Method::Get => &self.get,
            Method::Post => &self.post,
        };
        // The log stays consistent even if a holder panicked: every change
        // is a single push or pop.
        log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Pacer for LocalPacer {
    fn admit(
        &self,
        kind: Method,
        deadline: Option<Duration>,
    ) -> BoxFuture<'_, Result<Duration, NotBefore>> {
        Box::pin(async move {
            let start = self.clock.elapsed();
            loop {
                let now = self.clock.elapsed();
                let slot = match self.log(kind).try_admit(now) {
                    Ok(()) => return Ok(now.saturating_sub(start)),
                    Err(slot) => slot,
                };
                if deadline.is_some_and(|deadline| slot > deadline) {
                    return Err(NotBefore(slot));
                }
                // Another task may take the slot first: then this one looks
                // again.
                self.clock.sleep(slot.saturating_sub(now)).await;
            }
        })
    }

    fn pause(&self, kind: Method, until: Duration) -> BoxFuture<'_, ()> {
        self.log(kind).pause(until);
        Box::pin(async {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// Admits `n` requests as early as the log allows, from time zero.
    fn greedy(limits: &[Limit], n: usize) -> Vec<Duration> {
        let mut log = SlidingLog::new(limits, None);
        let mut now = Duration::ZERO;
        let mut times = Vec::new();
        while times.len() < n {
            match log.try_admit(now) {
                Ok(()) => times.push(now),
                Err(slot) => now = slot,
            }
        }
        times
    }

    /// The most requests found in any window of this length.
    fn busiest(times: &[Duration], window: Duration) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t < *start + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn posts_reach_both_windows_and_never_pass_them() {
        let times = greedy(&RateLimits::default().post, 95);
        assert_eq!(busiest(&times, secs(1.0)), 1);
        assert_eq!(busiest(&times, secs(60.0)), 30);
        // 30 in the first half minute, one a second …
        assert!(times[29] < secs(29.1), "{:?}", times[29]);
        // … and the 31st a minute after the first.
        assert!(
            times[30] >= secs(60.0) && times[30] < secs(60.2),
            "{:?}",
            times[30]
        );
        assert!(times[60] >= secs(120.0) && times[60] < secs(120.3));
    }

    #[test]
    fn gets_go_two_a_second_up_to_sixty_a_minute() {
        let times = greedy(&RateLimits::default().get, 130);
        assert_eq!(busiest(&times, secs(1.0)), 2);
        assert_eq!(busiest(&times, secs(60.0)), 60);
        assert!(times[1] < secs(0.01), "two at once: {:?}", times[1]);
        assert!(times[59] < secs(29.6), "{:?}", times[59]);
        assert!(times[60] >= secs(60.0) && times[60] < secs(60.2));
    }

    #[test]
    fn scaled_limits_keep_their_counts() {
        let limits = RateLimits::default().scaled(0.1);
        let times = greedy(&limits.post, 40);
        assert_eq!(busiest(&times, secs(0.1)), 1);
        assert_eq!(busiest(&times, secs(6.0)), 30);
        assert!(times[30] >= secs(6.0) && times[30] < secs(6.05));
    }

    #[test]
    fn a_pause_holds_every_request_until_it_ends() {
        let mut log = SlidingLog::new(&RateLimits::default().get, None);
        assert_eq!(log.try_admit(secs(0.0)), Ok(()));
        log.pause(secs(5.0));
        assert_eq!(log.try_admit(secs(1.0)), Err(secs(5.0)));
        // A shorter pause does not shorten a longer one.
        log.pause(secs(2.0));
        assert_eq!(log.try_admit(secs(4.9)), Err(secs(5.0)));
        assert_eq!(log.try_admit(secs(5.0)), Ok(()));
    }

    #[test]
    fn limits_are_never_empty() {
        assert_eq!(Limit::new(0, Duration::ZERO).count(), 1);
        assert!(!Limit::new(0, Duration::ZERO).window().is_zero());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_tasks_share_the_windows() {
        let clock = Clock::tokio();
        let pacer = std::sync::Arc::new(LocalPacer::new(&RateLimits::default(), clock.clone()));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (pacer, clock) = (pacer.clone(), clock.clone());
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::new();
                for _ in 0..5 {
                    pacer.admit(Method::Post, None).await.expect("no deadline");
                    times.push(clock.elapsed());
                }
                times
            }));
        }
        let mut times = Vec::new();
        for task in tasks {
            times.extend(task.await.expect("the task ends"));
        }
        times.sort();
        assert_eq!(times.len(), 40);
        assert_eq!(busiest(&times, secs(1.0)), 1);
        assert_eq!(busiest(&times, secs(60.0)), 30);
        assert!(times[29] < secs(29.1), "{:?}", times[29]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_past_the_deadline_is_refused_at_once() {
        let clock = Clock::tokio();
        let pacer = LocalPacer::new(&RateLimits::default(), clock.clone());
        pacer
            .admit(Method::Post, None)
            .await
            .expect("the first goes");
        let refused = pacer.admit(Method::Post, Some(secs(0.5))).await;
        let Err(NotBefore(slot)) = refused else {
            panic!("admitted past the deadline: {refused:?}");
        };
        assert!(slot >= secs(1.0));
        assert_eq!(clock.elapsed(), Duration::ZERO, "nothing was waited");
        // The refused request was not counted: the next one goes at 1 s.
        let waited = pacer.admit(Method::Post, None).await.expect("admitted");
        assert!(waited >= secs(1.0) && waited < secs(1.01), "{waited:?}");
    }
}
