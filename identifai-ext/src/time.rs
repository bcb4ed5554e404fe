//! The clock the SDK waits with: tokio's by default (so a paused tokio
//! clock pauses it too), or a virtual one that tests drive.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where the SDK reads the time and how it sleeps.
#[derive(Clone, Debug)]
pub struct Clock(Inner);

#[derive(Clone, Debug)]
enum Inner {
    Tokio(tokio::time::Instant),
    Virtual(Arc<AtomicU64>),
}

impl Default for Clock {
    fn default() -> Self {
        Self::tokio()
    }
}

impl Clock {
    /// tokio's clock.
    pub fn tokio() -> Self {
        Self(Inner::Tokio(tokio::time::Instant::now()))
    }

    /// A virtual clock that starts at zero: sleeping returns at once and
    /// moves the clock forward by the time slept. For tests of one task at a
    /// time: the sleeps of concurrent tasks add up (two tasks sleeping 1 s
    /// at once move it 2 s), so for concurrent work use tokio's clock with
    /// `#[tokio::test(start_paused = true)]` instead.
    pub fn manual() -> Self {
        Self(Inner::Virtual(Arc::new(AtomicU64::new(0))))
    }

    /// The time since the clock started.
    pub fn elapsed(&self) -> Duration {
        match &self.0 {
            Inner::Tokio(start) => start.elapsed(),
            Inner::Virtual(nanos) => Duration::from_nanos(nanos.load(Ordering::SeqCst)),
        }
    }

    /// Sleeps until the clock reads `time` (at once if it is past).
    pub async fn sleep_until(&self, time: Duration) {
        self.sleep(time.saturating_sub(self.elapsed())).await;
    }

    /// Sleeps for `duration`.
    pub async fn sleep(&self, duration: Duration) {
        match &self.0 {
            Inner::Tokio(_) => tokio::time::sleep(duration).await,
            Inner::Virtual(nanos) => {
                let add = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
                nanos.fetch_add(add, Ordering::SeqCst);
                tokio::task::yield_now().await;
            }
        }
    }
}
