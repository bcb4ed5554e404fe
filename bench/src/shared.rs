//! (g) One key, many processes: N processes (1, 2, 4) pace their GETs
//! together through a real `redis-server` (started here, on a free loopback
//! port) against the sandbox enforcing the scaled windows. The aggregate
//! rate is the ideal time of all their requests (the greedy schedule of the
//! windows) over the time they took; 429s drawn should be 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use identifai_ext::sandbox::{Sandbox, SandboxConfig};
use identifai_ext::{Client, RateLimits};

use crate::limits::last_post_allowed;
use crate::report::{Row, Target};

/// The documented windows, this many times as long (GET 2 per 50 ms, 60
/// per 3 s).
const SCALE: f64 = 0.05;
/// GETs made by all processes together.
const TOTAL: usize = 240;
const KEY: &str = "bench-shared-pacing-key";

fn limits() -> RateLimits {
    RateLimits::default().scaled(SCALE)
}

/// The clients' limits: the same, with shared pacing's default margin
/// (5 ms and a thousandth of the window).
fn client_limits() -> RateLimits {
    limits()
}

/// A redis-server on a free loopback port, killed on drop.
struct Redis(std::process::Child, u16, std::path::PathBuf);

impl Redis {
    fn start() -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let dir = std::env::temp_dir().join(format!("identifai-bench-redis-{port}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("redis-server cannot start ({e}); install it (Debian: redis-server)")
            })?;
        let redis = Self(child, port, dir);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(redis);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err("redis-server did not listen within 5 s".into())
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.1)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.2);
    }
}

/// One child process: `count` GETs with shared pacing.
pub fn child_main(base: &str, redis: &str, count: usize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(base)
        .pacing(Some(client_limits()))
        .shared_pacing(redis)
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        for _ in 0..count {
            client.credits().await.map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

pub fn run(processes: &[usize]) -> Result<Vec<Row>, String> {
    let redis = Redis::start()?;
    let ideal = last_post_allowed(&limits().get, TOTAL);
    let mut rows = Vec::new();
    for &n in processes {
        eprintln!("  {n} processes ...");
        let sandbox = Sandbox::start_with(
            SandboxConfig::default()
                .api_key(KEY)
                .with_rate_limits(limits()),
        )
        .map_err(|e| e.to_string())?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let started = Instant::now();
        let children = (0..n)
            .map(|i| {
                let share = TOTAL / n + usize::from(i < TOTAL % n);
                Command::new(&exe)
                    .args(["--shared-child", sandbox.base_url(), &redis.url()])
                    .arg(share.to_string())
                    .spawn()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        for mut child in children {
            let status = child.wait().map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("a shared-pacing child failed: {status}"));
            }
        }
        let took = started.elapsed();
        // Each run starts from empty windows: wait them out.
        std::thread::sleep(limits().get[1].window() + Duration::from_millis(100));
        let ratio = ideal.as_secs_f64() / took.as_secs_f64();
        let limited = sandbox.rate_limited();
        rows.push(
            Row::new(
                format!("(g) {n} processes, one key, through Redis (windows ×{SCALE}): aggregate rate / limit"),
                format!("{:.3} s", took.as_secs_f64()),
                format!("ideal {:.3} s", ideal.as_secs_f64()),
            )
            .ratio(ratio)
            .target(Target::RatioAtLeast(0.95))
            .note(format!(
                "{TOTAL} GETs over {n} processes: {limited} 429s drawn (target 0); the time \
                 includes starting the processes"
            )),
        );
        rows.push(
            Row::new(
                format!("(g) {n} processes through Redis: 429s drawn"),
                limited.to_string(),
                "0".into(),
            )
            .ratio(if limited == 0 { 1.0 } else { 0.0 })
            .target(Target::RatioAtLeast(1.0)),
        );
    }
    Ok(rows)
}
