//! Pacing shared through a real Redis (feature `redis`), against the
//! sandbox, which enforces the (scaled) windows and answers 429 past them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use identifai_ext::sandbox::{Sandbox, SandboxConfig};
use identifai_ext::{Client, RateLimits};

use crate::util::{KEY, RedisServer};

/// The documented limits, ten times faster: GET 2 per 100 ms and 60 per
/// 6 s, as the sandbox enforces them.
fn limits() -> RateLimits {
    RateLimits::default().scaled(0.1)
}

/// The clients' limits: the same windows with a 20 ms margin, so that a
/// loaded CI machine (tests and processes of their own in parallel), whose
/// requests reach the sandbox with more spread than the default margin
/// allows, still draws none; overrunning the windows fourfold, as unshared
/// pacing does, is far beyond any margin.
fn client_limits() -> RateLimits {
    limits().with_margin(Duration::from_millis(20))
}

fn sandbox() -> Sandbox {
    Sandbox::start_with(
        SandboxConfig::default()
            .api_key(KEY)
            .with_rate_limits(limits()),
    )
    .expect("the sandbox starts")
}

fn shared_client(sandbox: &Sandbox, redis: &str) -> Client {
    sandbox
        .client_builder()
        .pacing(Some(client_limits()))
        .shared_pacing(redis)
        .build()
        .expect("a client with shared pacing")
}

async fn gets(client: Client, n: usize) {
    for _ in 0..n {
        client.credits().await.expect("credits");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_clients_in_tasks_share_the_windows_and_draw_no_429() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox();
    let tasks: Vec<_> = (0..4)
        .map(|_| tokio::spawn(gets(shared_client(&sandbox, &redis.url()), 20)))
        .collect();
    for task in tasks {
        task.await.expect("the task");
    }
    // The sandbox answers 429 to any request past a window: none came.
    assert_eq!(sandbox.rate_limited(), 0, "a window went over the limit");
    assert_eq!(sandbox.requests(), 80);
    // The keys are namespaced by a hash, hash-tagged, never the key.
    let keys = redis.keys();
    assert!(!keys.is_empty());
    for key in &keys {
        assert!(
            key.starts_with("{identifai:") && !key.contains(KEY),
            "{key}"
        );
    }
    assert!(keys.iter().any(|k| k.ends_with(":log:get")), "{keys:?}");
}

#[tokio::test]
async fn without_shared_pacing_four_clients_overrun_the_windows() {
    // The control: the same load paced per client draws 429s, so the test
    // above proves the sharing.
    let sandbox = sandbox();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let client = sandbox
                .client_builder()
                .pacing(Some(client_limits()))
                .build()
                .unwrap();
            tokio::spawn(async move {
                for _ in 0..20 {
                    // Refusals are what this counts; retries may give up.
                    let _ = client.credits().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the task");
    }
    assert!(sandbox.rate_limited() > 0);
}

const CHILD_VAR: &str = "IDENTIFAI_TEST_SHARED_PACING_CHILD";

/// Run by `two_processes_share_the_windows`, in a process of its own: GETs
/// against the sandbox named in the environment.
#[tokio::test]
async fn child_process_for_shared_pacing() {
    let Ok(base) = std::env::var(CHILD_VAR) else {
        return;
    };
    let client = Client::builder()
        .api_key(KEY)
        .base_url(base)
        .pacing(Some(client_limits()))
        .from_env()
        .build()
        .expect("the child's client");
    gets(client, 40).await;
    println!("child done");
}

#[test]
fn two_processes_share_the_windows_and_draw_no_429() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "shared_pacing::child_process_for_shared_pacing",
                    "--nocapture",
                ])
                .env(CHILD_VAR, sandbox.base_url())
                // The environment variable, as from_env reads it.
                .env("IDENTIFAI_SHARED_PACING", redis.url())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("the test binary runs again")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("child done"));
    }
    assert_eq!(sandbox.requests(), 80);
    assert_eq!(sandbox.rate_limited(), 0, "a window went over the limit");
}

#[test]
fn an_unreachable_redis_is_a_clear_error_at_build_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:hunter2-secret@127.0.0.1:{port}/");
    let builder = Client::builder().api_key(KEY).shared_pacing(&url);
    assert!(!format!("{builder:?}").contains("hunter2"));
    let error = builder.build().expect_err("Redis is not there").to_string();
    assert!(error.contains("cannot be reached"), "{error}");
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(
        !error.contains("hunter2") && !error.contains(KEY),
        "{error}"
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn redis_going_away_falls_back_paced_and_rejoins_when_it_returns() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    // See client.rs: a second dispatcher so that callsites are asked again.
    let _silent = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let sandbox = sandbox();
    let client = shared_client(&sandbox, &redis.url());
    gets(client.clone(), 30).await;
    redis.kill();
    // Without Redis: paced alone, still within the windows.
    gets(client.clone(), 50).await;
    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(text.contains("Redis does not answer"), "{text}");
    assert_eq!(sandbox.rate_limited(), 0, "the fallback let too many go");

    redis.restart();
    assert!(redis.keys().is_empty(), "a fresh Redis");
    // It tries again about every second; requests go on meanwhile.
    let mut rejoined = false;
    for _ in 0..100 {
        gets(client.clone(), 1).await;
        if redis.keys().iter().any(|k| k.ends_with(":log:get")) {
            rejoined = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(rejoined, "the client never used Redis again");
    assert_eq!(sandbox.rate_limited(), 0);
    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(text.contains("Redis answers again"), "{text}");
    assert!(!text.contains(KEY));
}
