//! The sandbox's rate limits: the requests of the last minute, one window
//! per method, checked against a [`Limit`] per second and per minute.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::pacing::Limit;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

/// When the requests of one method came, over the last minute.
#[derive(Debug, Default)]
pub(super) struct Window {
    times: VecDeque<Instant>,
}

impl Window {
    /// Counts a request arriving at `now`, or, past `limit`, refuses it with
    /// the seconds to wait (a refused request is not counted).
    pub(super) fn admit(&mut self, limit: Limit, now: Instant) -> Result<(), u64> {
        while self
            .times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= MINUTE)
        {
            self.times.pop_front();
        }
        let last_second = self
            .times
            .iter()
            .filter(|t| now.duration_since(**t) < SECOND)
            .count();
        if last_second >= limit.per_second as usize {
            return Err(1);
        }
        if self.times.len() >= limit.per_minute as usize {
            let oldest = self.times.front().copied().unwrap_or(now);
            let waited = now.duration_since(oldest).as_secs();
            return Err(60u64.saturating_sub(waited).max(1));
        }
        self.times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_refuses_past_each_limit_and_says_how_long_to_wait() {
        let limit = Limit {
            per_second: 2,
            per_minute: 3,
        };
        let mut window = Window::default();
        let start = Instant::now();
        assert_eq!(window.admit(limit, start), Ok(()));
        assert_eq!(window.admit(limit, start), Ok(()));
        assert_eq!(window.admit(limit, start), Err(1), "per second");
        let later = start + Duration::from_secs(2);
        assert_eq!(window.admit(limit, later), Ok(()));
        assert_eq!(window.admit(limit, later), Err(58), "per minute");
        assert_eq!(window.admit(limit, start + MINUTE), Ok(()), "a minute on");
    }
}
