//! The identifai-rs benchmarks (`cargo xtask bench [--quick]`): every
//! measurement in one run, each against a baseline measured in the same
//! run, against a canned server on 127.0.0.1. See BENCHMARKS.md.
//!
//! ```text
//! identifai-bench [--quick] [--only percall,upload,batch,decode,limits,shared]
//! identifai-bench --serve SECONDS      # only the canned server, for profiling
//! identifai-bench --profile-calls WAY N # N GETs of the video result (raw, api, ext)
//! ```
//!
//! Exit status: 0 every target met (or a `--quick` run, whose samples are
//! too small for verdicts), 1 a measurement failed, 2 bad usage, 3 a
//! target missed.

mod batch;
mod decode;
mod fixtures;
mod limits;
mod percall;
mod report;
mod server;
mod shared;
mod upload;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use report::Row;

/// Sizes and times of a run.
pub struct Settings {
    pub percall_rounds: usize,
    pub percall_time: Duration,
    pub upload_bytes: u64,
    pub upload_rounds: usize,
    pub batch_images: usize,
    pub batch_rounds: usize,
    pub decode_rounds: usize,
    pub decode_time: Duration,
    /// Batch sizes run at the rate limits.
    pub limit_sizes: &'static [usize],
}

impl Settings {
    /// The sizes of issue 6.
    fn full() -> Self {
        Self {
            percall_rounds: 30,
            percall_time: Duration::from_millis(400),
            upload_bytes: 1 << 30,
            upload_rounds: 18,
            batch_images: 1000,
            batch_rounds: 10,
            decode_rounds: 6,
            decode_time: Duration::from_secs(1),
            limit_sizes: &[10, 30, 60, 300],
        }
    }

    /// A smoke run of a few seconds.
    fn quick() -> Self {
        Self {
            percall_rounds: 3,
            percall_time: Duration::from_millis(300),
            upload_bytes: 64 << 20,
            upload_rounds: 3,
            batch_images: 200,
            batch_rounds: 3,
            decode_rounds: 2,
            decode_time: Duration::from_millis(300),
            limit_sizes: &[10, 30],
        }
    }
}

const PARTS: [&str; 6] = ["percall", "upload", "batch", "decode", "limits", "shared"];

const USAGE: &str =
    "usage: identifai-bench [--quick] [--only percall,upload,batch,decode,limits,shared]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--upload-child") {
        let [_, way, base, path] = &args[..] else {
            eprintln!("usage: identifai-bench --upload-child WAY BASE_URL FILE");
            return ExitCode::from(2);
        };
        return match upload::child_main(way, base, Path::new(path)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.first().map(String::as_str) == Some("--shared-child") {
        let [_, base, redis, count] = &args[..] else {
            eprintln!("usage: identifai-bench --shared-child BASE_URL REDIS_URL COUNT");
            return ExitCode::from(2);
        };
        let Ok(count) = count.parse() else {
            eprintln!("usage: identifai-bench --shared-child BASE_URL REDIS_URL COUNT");
            return ExitCode::from(2);
        };
        return match shared::child_main(base, redis, count) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.first().map(String::as_str) == Some("--serve") {
        let Some(seconds) = args.get(1).and_then(|s| s.parse().ok()) else {
            eprintln!("usage: identifai-bench --serve SECONDS");
            return ExitCode::from(2);
        };
        return serve(Duration::from_secs(seconds));
    }
    if args.first().map(String::as_str) == Some("--profile-calls") {
        let (Some(way), Some(calls)) = (args.get(1), args.get(2).and_then(|s| s.parse().ok()))
        else {
            eprintln!("usage: identifai-bench --profile-calls raw|api|ext CALLS");
            return ExitCode::from(2);
        };
        return match profile_calls(way, calls) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut quick = false;
    let mut only: Vec<String> = PARTS.iter().map(|p| p.to_string()).collect();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => match args.next() {
                Some(list) if list.split(',').all(|p| PARTS.contains(&p)) => {
                    only = list.split(',').map(str::to_string).collect();
                }
                _ => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}\nSee BENCHMARKS.md.");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let settings = if quick {
        Settings::quick()
    } else {
        Settings::full()
    };
    match run(&settings, quick, &only) {
        Ok(rows) => {
            println!("{}", report::table(&rows));
            if quick {
                println!(
                    "A quick run: its samples are too small for the verdicts to mean much; \
                     run without --quick for the figures."
                );
                ExitCode::SUCCESS
            } else if rows.iter().any(|r| r.passed() == Some(false)) {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Serves the canned answers for a while, for profiling a client against
/// them (`--upload-child WAY BASE_URL FILE` under `perf`, for example).
fn serve(time: Duration) -> ExitCode {
    let (video, _) = fixtures::video_result();
    match server::Server::start(server::Canned::new(video)) {
        Ok(server) => {
            println!("{}", server.base_url);
            std::thread::sleep(time.min(Duration::from_secs(3600)));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn profile_calls(way: &str, calls: u64) -> Result<(), String> {
    let (video, _) = fixtures::video_result();
    let server = server::Server::start(server::Canned::new(video)).map_err(|e| e.to_string())?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(percall::profile(&server.base_url, way, calls))
}

fn run(settings: &Settings, quick: bool, only: &[String]) -> Result<Vec<Row>, String> {
    let wanted = |part: &str| only.iter().any(|p| p == part);
    println!(
        "identifai-rs benchmarks ({} run) on {}; load average {}",
        if quick { "quick" } else { "full" },
        report::machine(),
        report::load_average()
    );
    if cfg!(debug_assertions) {
        println!("warning: a debug build; the figures mean little (use --release)");
    }
    let (video, faces) = fixtures::video_result();
    println!(
        "video result: {} frames, {}-{} face detections a frame, {} bytes of JSON",
        fixtures::FRAMES,
        faces,
        faces + 2,
        video.len()
    );
    let mut rows = Vec::new();
    if wanted("decode") {
        eprintln!("decoding ...");
        rows.extend(decode::run(&video, settings));
    }
    let server = server::Server::start(server::Canned::new(video))
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    if wanted("percall") {
        eprintln!(
            "per-call cost ({} rounds of {:?} per way, the ways in every order, {} calls in flight) ...",
            settings.percall_rounds,
            settings.percall_time,
            percall::IN_FLIGHT
        );
        rows.extend(runtime.block_on(percall::run(&server.base_url, settings))?);
    }
    if wanted("batch") {
        eprintln!(
            "batch of {} images ({} rounds per way) ...",
            settings.batch_images, settings.batch_rounds
        );
        rows.extend(runtime.block_on(batch::run(&server.base_url, &server.canned, settings))?);
    }
    if wanted("limits") {
        eprintln!(
            "batches at the rate limits (sizes {:?}, real time) ...",
            settings.limit_sizes
        );
        let sample = include_bytes!("../../samples/sample.png");
        rows.extend(runtime.block_on(limits::run(settings.limit_sizes, sample))?);
    }
    if wanted("shared") {
        eprintln!("one key shared by 1, 2 and 4 processes through Redis ...");
        rows.extend(shared::run(&[1, 2, 4])?);
    }
    // The clients' runtime is idle from here; the children have their own.
    drop(runtime);
    if wanted("upload") {
        eprintln!(
            "upload of {} MiB ({} rounds per way, each in a fresh process) ...",
            settings.upload_bytes >> 20,
            settings.upload_rounds
        );
        rows.extend(upload::run(&server.base_url, settings)?);
    }
    println!("load average at the end: {}", report::load_average());
    Ok(rows)
}
