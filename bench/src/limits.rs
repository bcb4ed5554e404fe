//! (e) Long batches at the rate limits: `classify_stream` against the
//! sandbox enforcing the documented windows, scaled in real time (a
//! virtual clock cannot time a pipeline of real sockets), with a
//! processing time per result.
//!
//! The ideal time of a batch of n is when the windows let its last POST go,
//! plus the processing time, plus one poll at the GET budget's sustained
//! pace (60 a minute: one a second, scaled).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use identifai_ext::sandbox::{Sandbox, SandboxConfig};
use identifai_ext::{BatchEvent, BatchOptions, Limit, Media, RateLimits, WaitPolicy};

use crate::report::{Row, Target};

/// The documented windows, this many times as long.
const SCALE: f64 = 0.1;
/// How long the service takes with each image (scaled: 3 s).
const PROCESSING: Duration = Duration::from_millis(300);

/// The time at which the windows let POST number `n` (from 1) go, from
/// the first: the greedy schedule, to the nanosecond.
pub fn last_post_allowed(limits: &[Limit], n: usize) -> Duration {
    let mut times: Vec<Duration> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut slot = times.last().copied().unwrap_or_default();
        for limit in limits {
            let count = limit.count() as usize;
            if times.len() >= count {
                slot = slot.max(times[times.len() - count] + limit.window());
            }
        }
        times.push(slot);
    }
    times.last().copied().unwrap_or_default()
}

/// What one batch measured.
struct Measured {
    total: Duration,
    first_verdict: Duration,
    rate_limited: u64,
    polls: u64,
}

async fn batch(n: usize, sample: &[u8]) -> Result<Measured, String> {
    let limits = RateLimits::default().scaled(SCALE);
    let sandbox = Sandbox::start_with(
        SandboxConfig::default()
            .with_rate_limits(limits.clone())
            .processing_time(PROCESSING)
            .initial_credits(1e9),
    )
    .map_err(|e| e.to_string())?;
    let client = sandbox
        .client_builder()
        .pacing(Some(limits))
        .wait(
            WaitPolicy::default()
                .initial_interval(Duration::from_secs_f64(SCALE))
                .max_interval(Duration::from_secs_f64(15.0 * SCALE)),
        )
        .build()
        .map_err(|e| e.to_string())?;
    let media: Vec<Media> = (0..n)
        .map(|i| {
            let mut png = sample.to_vec();
            png.extend_from_slice(format!("bench-{i}").as_bytes());
            Media::bytes(png, format!("{i}.png"))
        })
        .collect();
    let started = Instant::now();
    let mut first_accepted = None;
    let mut first_verdict = None;
    let mut events = client.classify_stream(media, &BatchOptions::new().concurrency(4));
    let mut finished = 0;
    while let Some(event) = events.next().await {
        match event {
            BatchEvent::Accepted { .. } => {
                first_accepted.get_or_insert_with(|| started.elapsed());
            }
            BatchEvent::Finished { index, result } => {
                result.map_err(|e| format!("image {index}: {e}"))?;
                first_verdict.get_or_insert_with(|| started.elapsed());
                finished += 1;
            }
            _ => {}
        }
    }
    let total = started.elapsed();
    if finished != n {
        return Err(format!("{finished} of {n} finished"));
    }
    Ok(Measured {
        total,
        first_verdict: first_verdict.unwrap_or_default() - first_accepted.unwrap_or_default(),
        rate_limited: sandbox.rate_limited(),
        polls: sandbox.requests() - n as u64,
    })
}

pub async fn run(sizes: &[usize], sample: &[u8]) -> Result<Vec<Row>, String> {
    let limits = RateLimits::default().scaled(SCALE);
    let poll = limits.get[1].window() / limits.get[1].count();
    let mut rows = Vec::new();
    for &n in sizes {
        eprintln!("  {n} images ...");
        let m = batch(n, sample).await?;
        let ideal = last_post_allowed(&limits.post, n) + PROCESSING + poll;
        let ratio = ideal.as_secs_f64() / m.total.as_secs_f64();
        rows.push(
            Row::new(
                format!("(e) {n} images at the limits (windows ×{SCALE}): wall time"),
                format!("{:.3} s", m.total.as_secs_f64()),
                format!("ideal {:.3} s", ideal.as_secs_f64()),
            )
            .ratio(ratio)
            .target(Target::RatioAtLeast(0.97))
            .note(format!(
                "{n} images: {} 429s drawn (target 0), first verdict {:.0} ms after the first \
                 acceptance (processing {} ms + one poll {} ms), {} GETs spent polling",
                m.rate_limited,
                m.first_verdict.as_secs_f64() * 1000.0,
                PROCESSING.as_millis(),
                poll.as_millis(),
                m.polls
            )),
        );
        rows.push(
            Row::new(
                format!("(e) {n} images at the limits: 429s drawn"),
                m.rate_limited.to_string(),
                "0".into(),
            )
            .ratio(if m.rate_limited == 0 { 1.0 } else { 0.0 })
            .target(Target::RatioAtLeast(1.0)),
        );
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ideal_schedule_fills_both_windows() {
        let post = RateLimits::default().post;
        assert_eq!(last_post_allowed(&post, 1), Duration::ZERO);
        assert_eq!(last_post_allowed(&post, 30), Duration::from_secs(29));
        assert_eq!(last_post_allowed(&post, 31), Duration::from_secs(60));
        assert_eq!(
            last_post_allowed(&post, 300),
            Duration::from_secs(9 * 60 + 29)
        );
    }
}
