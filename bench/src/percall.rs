//! (a) The cost of one `get_video_classification` with the large result:
//! hand-written reqwest + serde_json, the generated client, the SDK.
//!
//! Each way runs the same number of calls in flight for a short fixed time;
//! the ways take turns in every order, round after round, and the ratio of
//! each round is taken against the baseline of the same round: drift in
//! the machine's speed (other processes) cancels out, and the median of the
//! rounds' ratios is the figure.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use identifai_api::types::VideoClassification;
use identifai_ext::{Analysis, MediaKind, Submission, WaitPolicy};

use crate::Settings;
use crate::report::{Row, Target, cpu_seconds, median, order, ratios_note};
use crate::server::API_KEY;

/// Calls in flight at once, the same for every way.
pub const IN_FLIGHT: usize = 4;
const IDENTIFIER: &str = "5f0c2e9b7a4d4c1e8b3a6d9f2c7e1b4a0d8c6e2f9a3b7c5d1e4f8a2b6c9d3e7f";
/// At most this many calls per task and run, whatever the time.
const MAX_CALLS: u64 = 10_000_000;
/// How long past its end a run may take before it counts as stuck.
const STALL: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Way {
    Raw,
    Api,
    Ext,
}

const WAYS: [Way; 3] = [Way::Raw, Way::Api, Way::Ext];

impl Way {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "raw" => Some(Self::Raw),
            "api" => Some(Self::Api),
            "ext" => Some(Self::Ext),
            _ => None,
        }
    }
}

/// `calls` calls of one way, one after the other, for a profiler
/// (`valgrind --tool=callgrind`, `perf`): compare two ways, or two counts
/// of one way to leave out the start-up.
pub async fn profile(base: &str, way: &str, calls: u64) -> Result<(), String> {
    let way = Way::parse(way).ok_or_else(|| format!("unknown way `{way}` (raw, api, ext)"))?;
    let clients = Clients::new(base)?;
    for _ in 0..calls.min(MAX_CALLS) {
        black_box(clients.call(way).await?);
    }
    Ok(())
}

struct Clients {
    raw: reqwest::Client,
    raw_url: String,
    api: identifai_api::Client,
    ext: identifai_ext::Client,
    submission: Submission,
    policy: WaitPolicy,
}

impl Clients {
    fn new(base: &str) -> Result<Self, String> {
        Ok(Self {
            // A loopback server: no proxy, as the SDK's client does for
            // loopback.
            raw: reqwest::Client::builder()
                .no_proxy()
                .build()
                .map_err(|e| e.to_string())?,
            raw_url: format!("{base}/api/classification_video/{IDENTIFIER}"),
            api: identifai_api::Client::with_api_key(base, API_KEY).map_err(|e| e.to_string())?,
            ext: identifai_ext::Client::builder()
                .api_key(API_KEY)
                .base_url(base)
                .pacing(None)
                .build()
                .map_err(|e| e.to_string())?,
            submission: Submission {
                identifier: IDENTIFIER.into(),
                kind: MediaKind::Video,
            },
            policy: WaitPolicy::default(),
        })
    }

    /// One call; the number of frames decoded.
    async fn call(&self, way: Way) -> Result<usize, String> {
        let video = match way {
            // The hand-written call: the key, JSON asked for, the status
            // checked, the body decoded into the generated type.
            Way::Raw => self
                .raw
                .get(&self.raw_url)
                .header("x-api-key", API_KEY)
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| e.to_string())?
                .json::<VideoClassification>()
                .await
                .map_err(|e| e.to_string())?,
            Way::Api => self
                .api
                .get_video_classification()
                .identifier(IDENTIFIER)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .into_inner(),
            // The SDK's way to a result: `wait`, which polls once when the
            // result is done (with its retries and error handling).
            Way::Ext => match self
                .ext
                .wait_with(&self.submission, &self.policy)
                .await
                .map_err(|e| e.to_string())?
            {
                Analysis::Video(video) => video,
                other => return Err(format!("not a video result: {other:?}")),
            },
        };
        Ok(video.results.map_or(0, |r| r.images.len()))
    }
}

/// One run of one way.
#[derive(Clone, Copy, Default)]
struct Slice {
    calls: u64,
    seconds: f64,
    cpu_seconds: f64,
}

impl Slice {
    fn rate(&self) -> f64 {
        self.calls as f64 / self.seconds
    }
}

/// Runs `way` for `time`, [`IN_FLIGHT`] calls at once.
async fn slice(clients: &Arc<Clients>, way: Way, time: Duration) -> Result<Slice, String> {
    let cpu = cpu_seconds().unwrap_or(0.0);
    let start = Instant::now();
    let end = start + time;
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let clients = clients.clone();
            tokio::spawn(async move {
                let mut calls = 0u64;
                while Instant::now() < end && calls < MAX_CALLS {
                    black_box(clients.call(way).await?);
                    calls += 1;
                }
                Ok::<u64, String>(calls)
            })
        })
        .collect();
    let mut calls = 0;
    for task in tasks {
        // A call that hangs (it should not) ends the run instead.
        let limit = end + STALL - Instant::now();
        calls += tokio::time::timeout(limit, task)
            .await
            .map_err(|_| format!("{way:?}: a call took longer than {STALL:?}"))?
            .map_err(|e| e.to_string())??;
    }
    Ok(Slice {
        calls,
        seconds: start.elapsed().as_secs_f64(),
        cpu_seconds: cpu_seconds().unwrap_or(0.0) - cpu,
    })
}

pub async fn run(base: &str, settings: &Settings) -> Result<Vec<Row>, String> {
    let clients = Arc::new(Clients::new(base)?);
    for way in WAYS {
        let frames = clients.call(way).await?;
        if frames != crate::fixtures::FRAMES {
            return Err(format!("{way:?} decoded {frames} frames"));
        }
        // Warm up: connections open, allocator and caches in their steady state.
        slice(&clients, way, settings.percall_time).await?;
    }
    let mut slices: [Vec<Slice>; 3] = Default::default();
    for round in 0..settings.percall_rounds {
        for i in order(round) {
            slices[i].push(slice(&clients, WAYS[i], settings.percall_time).await?);
        }
        if (round + 1) % 6 == 0 || round + 1 == settings.percall_rounds {
            eprintln!(
                "  per-call round {}/{}: raw {:.0}, api {:.0}, ext {:.0} calls/s",
                round + 1,
                settings.percall_rounds,
                slices[0][round].rate(),
                slices[1][round].rate(),
                slices[2][round].rate()
            );
        }
    }
    let rates: Vec<Vec<f64>> = slices
        .iter()
        .map(|s| s.iter().map(Slice::rate).collect())
        .collect();
    // CPU time per call, all of the process's threads (the server's too).
    let cpu_us: Vec<f64> = slices
        .iter()
        .map(|s| {
            let total = s.iter().fold(Slice::default(), |a, b| Slice {
                calls: a.calls + b.calls,
                seconds: a.seconds + b.seconds,
                cpu_seconds: a.cpu_seconds + b.cpu_seconds,
            });
            total.cpu_seconds / total.calls.max(1) as f64 * 1e6
        })
        .collect();
    let raw = median(&rates[0]);
    let rows = [(1, "identifai-api"), (2, "identifai-ext")]
        .into_iter()
        .map(|(i, name)| {
            let ratios: Vec<f64> = rates[i].iter().zip(&rates[0]).map(|(a, b)| a / b).collect();
            Row::new(
                format!("GET video result (30 frames), {name}"),
                format!("{:.0} calls/s", median(&rates[i])),
                format!("raw reqwest {raw:.0} calls/s"),
            )
            .ratio(median(&ratios))
            .target(Target::RatioAtLeast(0.95))
            .note(format!(
                "{}; process CPU per call {:.0} us (raw {:.0} us)",
                ratios_note(&ratios),
                cpu_us[i],
                cpu_us[0]
            ))
        })
        .collect();
    Ok(rows)
}
