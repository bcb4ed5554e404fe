//! (c) A batch of small images, 16 at once, pacing off: the SDK's
//! `classify_batch` against raw reqwest under a `Semaphore(16)` that submits
//! each image and polls its identifier on its own.
//!
//! The server answers `new` at the first poll of every identifier and
//! `done` at the next, for both, so both wait one poll interval; the
//! baseline sleeps the shortest pause the SDK's jittered interval can take.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use identifai_api::types::{ClassificationStatus, IdentifierResponse, ImageClassification};
use identifai_ext::{BatchOptions, Media, WaitPolicy};
use reqwest::multipart::{Form, Part};
use tokio::sync::Semaphore;

use crate::Settings;
use crate::fixtures::tiny_png;
use crate::report::{Row, Target, median, ratios_note};
use crate::server::{API_KEY, Canned};

pub const CONCURRENCY: usize = 16;
/// The pause between two polls of the same results: short, so that the
/// figure is the clients' work rather than sleep, and the SDK's jitter
/// (up to a quarter of it) weighs little.
const INTERVAL: Duration = Duration::from_millis(5);
/// No batch may take longer.
const DEADLINE: Duration = Duration::from_secs(120);
/// Polls of one identifier, at most, in the baseline.
const MAX_POLLS: u32 = 50;

struct Run {
    seconds: f64,
    gets: u64,
}

fn policy() -> WaitPolicy {
    WaitPolicy::default()
        .timeout(DEADLINE)
        .initial_interval(INTERVAL)
        .max_interval(INTERVAL)
        .not_found_grace(DEADLINE)
}

pub async fn run(base: &str, canned: &Canned, settings: &Settings) -> Result<Vec<Row>, String> {
    let images: Vec<Bytes> = (0..settings.batch_images as u32)
        .map(|n| Bytes::from(tiny_png(n)))
        .collect();
    let ext = identifai_ext::Client::builder()
        .api_key(API_KEY)
        .base_url(base)
        .pacing(None)
        .build()
        .map_err(|e| e.to_string())?;
    let raw = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;

    // Warm up both (connections, allocator) on a small batch.
    sdk(&ext, canned, &images[..CONCURRENCY.min(images.len())]).await?;
    baseline(&raw, base, canned, &images[..CONCURRENCY.min(images.len())]).await?;

    let mut runs: [Vec<Run>; 2] = Default::default();
    for round in 0..settings.batch_rounds {
        if round % 2 == 0 {
            runs[0].push(sdk(&ext, canned, &images).await?);
            runs[1].push(baseline(&raw, base, canned, &images).await?);
        } else {
            runs[1].push(baseline(&raw, base, canned, &images).await?);
            runs[0].push(sdk(&ext, canned, &images).await?);
        }
        eprintln!(
            "  batch round {}/{}: ext {:.2} s ({} GETs), raw {:.2} s ({} GETs)",
            round + 1,
            settings.batch_rounds,
            runs[0][round].seconds,
            runs[0][round].gets,
            runs[1][round].seconds,
            runs[1][round].gets
        );
    }
    let n = images.len();
    let seconds = |i: usize| runs[i].iter().map(|r| r.seconds).collect::<Vec<_>>();
    // Throughput ratio: baseline time over SDK time, round by round.
    let ratios: Vec<f64> = seconds(1)
        .iter()
        .zip(&seconds(0))
        .map(|(raw, ext)| raw / ext)
        .collect();
    let (ext_s, raw_s) = (median(&seconds(0)), median(&seconds(1)));
    let gets = |i: usize| runs[i].iter().map(|r| r.gets).max().unwrap_or(0);
    Ok(vec![
        Row::new(
            format!("batch of {n} images, 16 at once, identifai-ext classify_batch: wall time"),
            format!("{ext_s:.2} s ({:.0} images/s)", n as f64 / ext_s),
            format!(
                "raw reqwest + Semaphore {raw_s:.2} s ({:.0} images/s)",
                n as f64 / raw_s
            ),
        )
        .ratio(median(&ratios))
        .target(Target::RatioAtLeast(0.9))
        .note(format!(
            "ratio is throughput (raw time / SDK time); {}; both wait one {} ms poll interval",
            ratios_note(&ratios),
            INTERVAL.as_millis()
        )),
        Row::new(
            format!("batch of {n} images: GET requests spent waiting"),
            format!("{} (list endpoint)", gets(0)),
            format!("{} (each identifier polled)", gets(1)),
        )
        .ratio(gets(0) as f64 / gets(1).max(1) as f64)
        .target(Target::RatioAtMost(0.1)),
    ])
}

fn counted(canned: &Canned) -> (u64, u64) {
    (
        canned.result_gets.load(Ordering::Relaxed),
        canned.submissions.load(Ordering::Relaxed),
    )
}

/// The SDK: one call.
async fn sdk(
    client: &identifai_ext::Client,
    canned: &Canned,
    images: &[Bytes],
) -> Result<Run, String> {
    let (gets, posts) = counted(canned);
    let media = images
        .iter()
        .enumerate()
        .map(|(i, png)| Media::bytes(png.clone(), format!("image-{i}.png")));
    let options = BatchOptions::new()
        .concurrency(CONCURRENCY)
        .wait_policy(policy());
    let start = Instant::now();
    let results = tokio::time::timeout(DEADLINE, client.classify_batch(media, &options))
        .await
        .map_err(|_| "the SDK's batch did not finish in time".to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        return Err(format!("the SDK's batch failed: {e}"));
    }
    finish(canned, images.len(), results.len(), gets, posts, seconds)
}

/// The baseline: every image its own task; each request (submission or
/// poll) holds one of 16 permits; an identifier is polled until done.
async fn baseline(
    client: &reqwest::Client,
    base: &str,
    canned: &Canned,
    images: &[Bytes],
) -> Result<Run, String> {
    let (gets, posts) = counted(canned);
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    // The shortest pause the SDK's jitter can give (3/4 of its interval),
    // so the baseline never waits longer than the SDK.
    let pause = INTERVAL * 3 / 4;
    let start = Instant::now();
    let tasks: Vec<_> = images
        .iter()
        .enumerate()
        .map(|(i, png)| {
            let (client, permits, png) = (client.clone(), permits.clone(), png.clone());
            let (submit_url, base) = (format!("{base}/api/classification"), base.to_string());
            tokio::spawn(async move {
                let permit = permits.acquire().await.map_err(|e| e.to_string())?;
                let part =
                    Part::stream_with_length(reqwest::Body::from(png.clone()), png.len() as u64)
                        .file_name(format!("image-{i}.png"))
                        .mime_str("image/png")
                        .map_err(|e| e.to_string())?;
                let submitted: IdentifierResponse = client
                    .post(&submit_url)
                    .header("x-api-key", API_KEY)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .multipart(Form::new().part("image", part))
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| e.to_string())?
                    .json()
                    .await
                    .map_err(|e| e.to_string())?;
                drop(permit);
                let id = submitted.identifier.unwrap_or_default();
                let url = format!("{base}/api/classification/{id}");
                for _ in 0..MAX_POLLS {
                    let permit = permits.acquire().await.map_err(|e| e.to_string())?;
                    let result: ImageClassification = client
                        .get(&url)
                        .header("x-api-key", API_KEY)
                        .header(reqwest::header::ACCEPT, "application/json")
                        .send()
                        .await
                        .and_then(reqwest::Response::error_for_status)
                        .map_err(|e| e.to_string())?
                        .json()
                        .await
                        .map_err(|e| e.to_string())?;
                    drop(permit);
                    if matches!(
                        result.status,
                        Some(ClassificationStatus::Done | ClassificationStatus::Errored)
                    ) {
                        return Ok(result);
                    }
                    tokio::time::sleep(pause).await;
                }
                Err(format!("{id} was not done after {MAX_POLLS} polls"))
            })
        })
        .collect();
    let results = tokio::time::timeout(DEADLINE, futures_util::future::join_all(tasks))
        .await
        .map_err(|_| "the baseline's batch did not finish in time".to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let mut done = 0;
    for result in results {
        result.map_err(|e| e.to_string())??;
        done += 1;
    }
    finish(canned, images.len(), done, gets, posts, seconds)
}

fn finish(
    canned: &Canned,
    expected: usize,
    done: usize,
    gets_before: u64,
    posts_before: u64,
    seconds: f64,
) -> Result<Run, String> {
    let (gets, posts) = counted(canned);
    if done != expected || (posts - posts_before) as usize != expected {
        return Err(format!(
            "{done} results and {} submissions for {expected} images",
            posts - posts_before
        ));
    }
    Ok(Run {
        seconds,
        gets: gets - gets_before,
    })
}
