//! Client-side pacing to the API's documented rate limits, so that a batch
//! runs at full speed without drawing 429s. One pacer is shared by all
//! clones of a client.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::time::Clock;

/// Requests allowed per second and per minute, for one kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Requests per second.
    pub per_second: u32,
    /// Requests per minute.
    pub per_minute: u32,
}

/// The documented limits of an API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// GET requests (results, lists, credits, users).
    pub get: Limit,
    /// POST requests (submissions, overrides, users).
    pub post: Limit,
}

impl Default for RateLimits {
    /// The limits the documentation gives for every key: GET 2/s and
    /// 60/min, POST 1/s and 30/min.
    fn default() -> Self {
        Self {
            get: Limit {
                per_second: 2,
                per_minute: 60,
            },
            post: Limit {
                per_second: 1,
                per_minute: 30,
            },
        }
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, Clock, NoOpMiddleware<Nanos>>;

/// Two windows (per second, per minute) for one kind of request.
#[derive(Debug)]
struct Windows {
    second: Limiter,
    minute: Limiter,
}

impl Windows {
    fn new(limit: Limit, clock: &Clock) -> Self {
        let per = |n: u32| NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
        // Within a second, no burst beyond the per-second rate; within a
        // minute, no burst at all past what the minute allows.
        let second = Quota::per_second(per(limit.per_second)).allow_burst(per(limit.per_second));
        let minute = Quota::per_minute(per(limit.per_minute)).allow_burst(per(limit.per_second));
        Self {
            second: RateLimiter::direct_with_clock(second, clock.clone()),
            minute: RateLimiter::direct_with_clock(minute, clock.clone()),
        }
    }
}

/// Paces requests to the limits; cheap to share behind an `Arc`.
#[derive(Debug)]
pub(crate) struct Pacer {
    get: Windows,
    post: Windows,
    clock: Clock,
}

impl Pacer {
    pub(crate) fn new(limits: RateLimits, clock: Clock) -> Self {
        Self {
            get: Windows::new(limits.get, &clock),
            post: Windows::new(limits.post, &clock),
            clock,
        }
    }

    /// Waits until a request of this kind may go; returns how long it
    /// waited.
    pub(crate) async fn ready(&self, is_get: bool) -> Duration {
        let windows = if is_get { &self.get } else { &self.post };
        let mut waited = Duration::ZERO;
        for limiter in [&windows.second, &windows.minute] {
            loop {
                match limiter.check() {
                    Ok(()) => break,
                    Err(not_until) => {
                        let wait = not_until.wait_time_from(self.clock.now());
                        waited += wait;
                        self.clock.sleep(wait).await;
                    }
                }
            }
        }
        waited
    }
}
