//! Long batches at the API's limits: the pipeline's events, the windows as
//! a server enforcing them sees them, and a 429 pausing every task.
#![cfg(feature = "sandbox")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use identifai_ext::sandbox::{Sandbox, SandboxConfig};
use identifai_ext::{BatchEvent, BatchOptions, Client, Limit, Media, RateLimits, WaitPolicy};

use crate::util::sample_png;

/// Another PNG for each seed: the sandbox tells files apart by content.
fn png(seed: usize) -> Media {
    let mut png = sample_png();
    png.extend_from_slice(seed.to_string().as_bytes());
    Media::bytes(png, format!("{seed}.png"))
}

/// The documented limits, `factor` times faster.
fn fast(factor: f64) -> RateLimits {
    RateLimits::default().scaled(factor)
}

/// A sandbox enforcing the (scaled) limits, and a client paced to them.
fn limited(factor: f64, config: SandboxConfig) -> (Sandbox, Client) {
    let sandbox = Sandbox::start_with(config.with_rate_limits(fast(factor))).unwrap();
    // A margin for test machines under load, where a request can take a
    // few milliseconds more than the one before to reach the server: 40%
    // of the scaled one-second window, at least 8 ms.
    let margin = Duration::from_secs_f64(factor * 0.4).max(Duration::from_millis(8));
    let client = sandbox
        .client_builder()
        .pacing(Some(fast(factor).with_margin(margin)))
        .wait(
            WaitPolicy::default()
                .initial_interval(Duration::from_millis(20))
                .max_interval(Duration::from_millis(100)),
        )
        .build()
        .unwrap();
    (sandbox, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_input_is_accepted_then_finished_once_and_polling_starts_before_the_last_upload() {
    // 1 POST per 50 ms: 8 uploads take 350 ms; results are ready 20 ms
    // after their submission.
    let (sandbox, client) = limited(
        0.05,
        SandboxConfig::default().processing_time(Duration::from_millis(20)),
    );
    let mut media: Vec<Media> = (0..8).map(png).collect();
    media.insert(3, Media::bytes(b"not an image".to_vec(), "notes.txt"));
    let mut events = client.classify_stream(media, &BatchOptions::new().concurrency(4));
    let mut seen: Vec<(usize, &'static str)> = Vec::new();
    while let Some(event) = events.next().await {
        match event {
            BatchEvent::Submitting { index } => seen.push((index, "submitting")),
            BatchEvent::Accepted { index, submission } => {
                assert!(!submission.identifier.is_empty());
                seen.push((index, "accepted"));
            }
            BatchEvent::Finished { index, result } => {
                assert_eq!(result.is_ok(), index != 3, "{index}: {result:?}");
                seen.push((index, "finished"));
            }
            other => panic!("an event this test does not know: {other:?}"),
        }
    }
    for index in 0..9 {
        let of_it: Vec<_> = seen
            .iter()
            .filter(|(i, _)| *i == index)
            .map(|(_, e)| *e)
            .collect();
        let expected: &[&str] = if index == 3 {
            &["submitting", "finished"]
        } else {
            &["submitting", "accepted", "finished"]
        };
        assert_eq!(of_it, expected, "input {index}");
    }
    let first_finished = seen.iter().position(|(_, e)| *e == "finished").unwrap();
    let last_accepted = seen.iter().rposition(|(_, e)| *e == "accepted").unwrap();
    // The refused text file finishes first, at once; a verdict must come
    // while uploads still go on.
    let first_verdict = seen
        .iter()
        .position(|(i, e)| *e == "finished" && *i != 3)
        .unwrap();
    assert!(first_finished < last_accepted);
    assert!(
        first_verdict < last_accepted,
        "no verdict before the last upload: {seen:?}"
    );
    assert_eq!(sandbox.rate_limited(), 0, "the pacer kept to the windows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_past_the_minute_window_draws_no_429_and_waits_out_the_window() {
    // Windows of 20 ms and 1.2 s: 30 POSTs in about 0.6 s, the 31st 1.2 s
    // after the first.
    let (sandbox, client) = limited(0.02, SandboxConfig::default());
    let started = Instant::now();
    let mut events = client.classify_stream(
        (0..33).map(png).collect::<Vec<_>>(),
        &BatchOptions::new().concurrency(4),
    );
    let mut accepted = Vec::new();
    let mut finished = 0;
    while let Some(event) = events.next().await {
        match event {
            BatchEvent::Accepted { .. } => accepted.push(started.elapsed()),
            BatchEvent::Finished { index, result } => {
                result.unwrap_or_else(|e| panic!("{index}: {e}"));
                finished += 1;
            }
            _ => {}
        }
    }
    assert_eq!((accepted.len(), finished), (33, 33));
    assert_eq!(sandbox.rate_limited(), 0, "no window was overrun");
    // The minute's 30 went before its end; the 31st only after it.
    assert!(accepted[29] < Duration::from_millis(1200), "{accepted:?}");
    assert!(accepted[30] >= Duration::from_millis(1200), "{accepted:?}");
}

/// A server whose first answer says the budget is spent, as `answer`
/// builds it; it records when each request came.
fn spent_once(answer: fn() -> HttpMockResponse) -> (MockServer, Arc<Mutex<Vec<Instant>>>) {
    let server = MockServer::start();
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    let count = AtomicUsize::new(0);
    server.mock(|when, then| {
        when.path("/api/user/credits");
        then.respond_with(move |_req: &HttpMockRequest| {
            seen.lock().unwrap().push(Instant::now());
            if count.fetch_add(1, Ordering::SeqCst) == 0 {
                answer()
            } else {
                HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(r#"{"available_credits": 5}"#)
                    .build()
            }
        });
    });
    (server, times)
}

/// Two tasks of one client: the second starts after the first met the
/// server's "no more"; neither sends again before the pause is over.
async fn both_tasks_wait(server: &MockServer, times: &Mutex<Vec<Instant>>) {
    let client = Client::builder()
        .api_key("key")
        .base_url(server.base_url())
        // Generous limits: only the server's word holds requests back.
        .pacing(Some(RateLimits::new(
            [Limit::per_second(100)],
            [Limit::per_second(100)],
        )))
        .build()
        .unwrap();
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.credits().await }
    });
    while times.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = client.credits().await;
    second.expect("the second task's call");
    first.await.unwrap().expect("the first task's call");
    let times = times.lock().unwrap().clone();
    let first_request = times[0];
    for later in &times[1..] {
        let after = later.duration_since(first_request);
        assert!(
            after >= Duration::from_millis(950),
            "a request went {after:?} after the server said wait 1 s"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_the_kind_for_every_task_of_the_client() {
    let (server, times) = spent_once(|| {
        HttpMockResponse::builder()
            .status(429)
            .header("retry-after", "1")
            .header("content-type", "application/json")
            .body(r#"{"message": "Too Many Attempts."}"#)
            .build()
    });
    both_tasks_wait(&server, &times).await;
    assert_eq!(
        times.lock().unwrap().len(),
        3,
        "the 429 retried once, the second task once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_requests_left_pauses_the_kind_until_the_reset() {
    let (server, times) = spent_once(|| {
        HttpMockResponse::builder()
            .status(200)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "1")
            .header("content-type", "application/json")
            .body(r#"{"available_credits": 5}"#)
            .build()
    });
    both_tasks_wait(&server, &times).await;
    assert_eq!(times.lock().unwrap().len(), 2);
}
