//! (b) Uploading a large sparse video: peak resident memory and throughput
//! of the generated client (`FilePart::open`) and of the SDK
//! (`Client::submit`), against a raw streamed reqwest upload.
//!
//! VmHWM is a high-water mark for the whole process, so each upload runs in
//! a fresh child process (this binary with `--upload-child`); the server
//! stays in the parent and does not count towards the child's memory.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use identifai_api::multipart::FilePart;
use identifai_ext::Media;
use reqwest::multipart::{Form, Part};

use crate::Settings;
use crate::fixtures::SparseVideo;
use crate::report::{Row, Target, cpu_seconds, median, mib, order, peak_rss_kib, ratios_note};
use crate::server::API_KEY;

/// The raw upload reads the file in chunks of this size, as
/// `FilePart::open` does, so that the ratio is the SDK's own cost. (reqwest's
/// own `Body::from(tokio::fs::File)` reads 4 KiB at a time, an order of
/// magnitude slower: see BENCHMARKS.md.)
const CHUNK: usize = 256 * 1024;
/// No upload may take longer.
const DEADLINE: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Way {
    Raw,
    Api,
    Ext,
}

const WAYS: [Way; 3] = [Way::Raw, Way::Api, Way::Ext];

impl Way {
    fn name(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Api => "api",
            Self::Ext => "ext",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        WAYS.into_iter().find(|w| w.name() == name)
    }
}

/// One upload, as the child reports it.
struct Measured {
    seconds: f64,
    /// VmHWM before the upload (runtime and client built), KiB.
    idle_kib: u64,
    /// VmHWM after it, KiB.
    peak_kib: u64,
    /// CPU time the upload took (all the child's threads).
    cpu_seconds: f64,
}

pub fn run(base: &str, settings: &Settings) -> Result<Vec<Row>, String> {
    let file = SparseVideo::create(settings.upload_bytes)
        .map_err(|e| format!("cannot create the sparse file: {e}"))?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // Read the file once, so that every upload finds it in the page cache
    // (the first reader of a sparse file would pay for filling it).
    warm(file.path()).map_err(|e| format!("cannot read the sparse file: {e}"))?;
    let mut measured: [Vec<Measured>; 3] = Default::default();
    for round in 0..settings.upload_rounds {
        for i in order(round) {
            measured[i].push(child(&exe, WAYS[i], base, file.path(), file.len)?);
        }
        let last = |i: usize| &measured[i][round];
        eprintln!(
            "  upload round {}/{}: raw {:.2} s / {} KiB, api {:.2} s / {} KiB, ext {:.2} s / {} KiB",
            round + 1,
            settings.upload_rounds,
            last(0).seconds,
            last(0).peak_kib,
            last(1).seconds,
            last(1).peak_kib,
            last(2).seconds,
            last(2).peak_kib,
        );
    }
    let size = format_size(file.len);
    let rate = |m: &Measured| file.len as f64 / m.seconds / 1e6;
    let raw_rates: Vec<f64> = measured[0].iter().map(rate).collect();
    let raw_peak = measured[0].iter().map(|m| m.peak_kib).max().unwrap_or(0);
    // The client's CPU time per GiB sent.
    let cpu_per_gib = |i: usize| {
        let cpu: Vec<f64> = measured[i]
            .iter()
            .map(|m| m.cpu_seconds / (file.len as f64 / f64::from(1 << 30)))
            .collect();
        median(&cpu)
    };
    let mut rows = Vec::new();
    for (i, name) in [
        (1, "identifai-api FilePart::open"),
        (2, "identifai-ext submit"),
    ] {
        let peak = measured[i].iter().map(|m| m.peak_kib).max().unwrap_or(0);
        let idle = measured[i].iter().map(|m| m.idle_kib).max().unwrap_or(0);
        let peak_mib = mib(peak as f64 * 1024.0);
        rows.push(
            Row::new(
                format!("upload {size}, {name}: peak RSS"),
                format!("{peak_mib:.1} MiB"),
                format!("raw reqwest {:.1} MiB", mib(raw_peak as f64 * 1024.0)),
            )
            .ratio(peak as f64 / raw_peak.max(1) as f64)
            .target(Target::BelowMiB(64.0))
            .mib(peak_mib)
            .note(format!(
                "{:.1} MiB before the upload (runtime and client built)",
                mib(idle as f64 * 1024.0)
            )),
        );
        let rates: Vec<f64> = measured[i].iter().map(rate).collect();
        let ratios: Vec<f64> = rates.iter().zip(&raw_rates).map(|(a, b)| a / b).collect();
        rows.push(
            Row::new(
                format!("upload {size}, {name}: throughput"),
                format!("{:.0} MB/s", median(&rates)),
                format!("raw reqwest {:.0} MB/s", median(&raw_rates)),
            )
            .ratio(median(&ratios))
            .target(Target::RatioAtLeast(0.95))
            .note(format!(
                "{}; client CPU {:.2} s per GiB (raw {:.2} s)",
                ratios_note(&ratios),
                cpu_per_gib(i),
                cpu_per_gib(0)
            )),
        );
    }
    Ok(rows)
}

fn warm(path: &Path) -> std::io::Result<()> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0; 1 << 20];
    while file.read(&mut buffer)? > 0 {}
    Ok(())
}

fn format_size(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// Runs one upload in a child process and reads its report.
fn child(exe: &Path, way: Way, base: &str, file: &Path, len: u64) -> Result<Measured, String> {
    let output = Command::new(exe)
        .arg("--upload-child")
        .arg(way.name())
        .arg(base)
        .arg(file)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the upload child: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the {} upload failed ({}): {stdout}",
            way.name(),
            output.status
        ));
    }
    let fields: Vec<&str> = stdout
        .lines()
        .find_map(|l| l.strip_prefix("upload "))
        .ok_or_else(|| format!("no report from the {} upload: {stdout}", way.name()))?
        .split_whitespace()
        .collect();
    let [received, seconds, idle, peak, cpu] = fields[..] else {
        return Err(format!("a malformed report: {stdout}"));
    };
    let number = |s: &str| s.parse::<f64>().map_err(|e| format!("`{s}`: {e}"));
    if (number(received)? as u64) < len {
        return Err(format!(
            "the server read {received} bytes of a {len}-byte upload ({})",
            way.name()
        ));
    }
    Ok(Measured {
        seconds: number(seconds)?,
        idle_kib: number(idle)? as u64,
        peak_kib: number(peak)? as u64,
        cpu_seconds: number(cpu)?,
    })
}

/// The child: one upload, then `upload <bytes the server read> <seconds>
/// <VmHWM before, KiB> <VmHWM after, KiB> <CPU seconds>` on stdout.
pub fn child_main(way: &str, base: &str, path: &Path) -> Result<(), String> {
    let way = Way::parse(way).ok_or_else(|| format!("unknown upload way `{way}`"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let raw = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| e.to_string())?;
        let api = identifai_api::Client::with_api_key(base, API_KEY).map_err(|e| e.to_string())?;
        let ext = identifai_ext::Client::builder()
            .api_key(API_KEY)
            .base_url(base)
            .pacing(None)
            .build()
            .map_err(|e| e.to_string())?;
        let idle = peak_rss_kib().unwrap_or(0);
        let cpu = cpu_seconds().unwrap_or(0.0);
        let start = Instant::now();
        let upload = async {
            Ok::<String, String>(match way {
                Way::Raw => {
                    let file = tokio::fs::File::open(path)
                        .await
                        .map_err(|e| e.to_string())?;
                    let len = file.metadata().await.map_err(|e| e.to_string())?.len();
                    let stream = tokio_util::io::ReaderStream::with_capacity(file, CHUNK);
                    let part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
                        .file_name("upload.mp4")
                        .mime_str("video/mp4")
                        .map_err(|e| e.to_string())?;
                    let answer: serde_json::Value = raw
                        .post(format!("{base}/api/classification_video"))
                        .header("x-api-key", API_KEY)
                        .header(reqwest::header::ACCEPT, "application/json")
                        .multipart(Form::new().part("video", part))
                        .send()
                        .await
                        .and_then(reqwest::Response::error_for_status)
                        .map_err(|e| e.to_string())?
                        .json()
                        .await
                        .map_err(|e| e.to_string())?;
                    answer["identifier"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                }
                Way::Api => {
                    let part = FilePart::open(path)
                        .await
                        .map_err(|e| e.to_string())?
                        .content_type("video/mp4");
                    api.classify_video()
                        .video(part)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?
                        .into_inner()
                        .identifier
                        .unwrap_or_default()
                }
                Way::Ext => {
                    ext.submit(Media::path(path))
                        .await
                        .map_err(|e| e.to_string())?
                        .identifier
                }
            })
        };
        let identifier = tokio::time::timeout(DEADLINE, upload)
            .await
            .map_err(|_| format!("the upload took longer than {DEADLINE:?}"))??;
        let seconds = start.elapsed().as_secs_f64();
        let peak = peak_rss_kib().unwrap_or(0);
        let cpu = cpu_seconds().unwrap_or(0.0) - cpu;
        let received = identifier
            .strip_prefix("upload-")
            .ok_or_else(|| format!("unexpected identifier `{identifier}`"))?;
        println!("upload {received} {seconds} {idle} {peak} {cpu}");
        Ok(())
    })
}
