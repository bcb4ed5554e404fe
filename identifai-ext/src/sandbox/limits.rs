//! The sandbox's rate limits: the documented sliding windows, enforced to
//! the nanosecond on the time each request arrives, one log per method.

use std::time::{Duration, Instant};

use crate::pacing::{RateLimits, SlidingLog};
use crate::retry::Method;

/// The requests admitted by method, in their windows.
#[derive(Debug)]
pub(super) struct Windows {
    gets: SlidingLog,
    posts: SlidingLog,
    started: Instant,
}

impl Windows {
    pub(super) fn new(limits: &RateLimits) -> Self {
        Self {
            gets: SlidingLog::exact(&limits.get),
            posts: SlidingLog::exact(&limits.post),
            started: Instant::now(),
        }
    }

    /// Counts a request arriving now, or, past a limit, refuses it with the
    /// whole seconds to wait, as Laravel says it (at least 1; a refused
    /// request is not counted).
    pub(super) fn admit(&mut self, method: Method) -> Result<(), u64> {
        let now = self.started.elapsed();
        let log = match method {
            Method::Get => &mut self.gets,
            Method::Post => &mut self.posts,
        };
        log.try_admit(now).map_err(|slot| {
            let wait: Duration = slot.saturating_sub(now);
            (wait.as_secs_f64().ceil() as u64).max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pacing::Limit;

    #[test]
    fn a_window_refuses_past_each_limit_and_says_how_long_to_wait() {
        let limits = RateLimits::new(
            [Limit::per_second(2), Limit::per_minute(3)],
            [Limit::per_second(1)],
        );
        let mut windows = Windows::new(&limits);
        assert_eq!(windows.admit(Method::Get), Ok(()));
        assert_eq!(windows.admit(Method::Get), Ok(()));
        assert_eq!(windows.admit(Method::Get), Err(1), "per second");
        assert_eq!(windows.admit(Method::Post), Ok(()), "POSTs apart");
        windows.started -= Duration::from_secs(2);
        assert_eq!(windows.admit(Method::Get), Ok(()));
        assert_eq!(windows.admit(Method::Get), Err(58), "per minute");
    }
}
