//! The client: configuration, how answers become errors, retries and
//! `Retry-After`, no POST sent twice, pacing, redirects and tracing.
//!
//! Every server is in-process (httpmock, or a raw TCP listener where a
//! server must misbehave). Waiting uses `Clock::manual()`: sleeping moves
//! the virtual clock at once, so a 2 s `Retry-After` costs no real time and
//! `clock.elapsed()` tells how long the client waited.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use httpmock::MockServer;
use identifai_api::mock::MockServerExt;
use identifai_ext::api::ClientInfo;
use identifai_ext::types::{self, Classification};
use identifai_ext::{
    API_KEY_VAR, BASE_URL_VAR, Client, Clock, Error, Media, MediaKind, RateLimits, RetryPolicy,
};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

use crate::util::{KEY, builder, mock_client};

// Helpers.

/// The hash the override tests address.
const HASH: &str = "3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a";

/// A client for `server` on a manual clock, and that clock.
fn client_for(server: &MockServer) -> (Client, Clock) {
    mock_client(&server.base_url())
}

fn message(text: &str) -> types::ErrorMessage {
    types::ErrorMessage {
        message: Some(text.to_string()),
    }
}

fn credits() -> types::GetCreditsResponse {
    types::GetCreditsResponse {
        available_credits: Some(42.0),
        total_spent: Some(8.0),
    }
}

fn overridden() -> types::OverrideResponse {
    types::OverrideResponse {
        classification: Classification::Human,
        hash: HASH.to_string(),
        type_: types::ApiMediaKind::Image,
    }
}

/// Overrides the verdict of [`HASH`] (a POST).
async fn override_human(client: &Client) -> identifai_ext::Result<types::OverrideResponse> {
    client
        .override_classification(MediaKind::Image, HASH, Classification::Human)
        .await
}

/// The error neither displays nor debug-prints the key.
fn assert_keyless(error: &Error) {
    let shown = error.to_string();
    assert!(!shown.contains(KEY), "the error shows the key: {shown}");
    let debug = format!("{error:?}");
    assert!(
        !debug.contains(KEY),
        "the error's Debug shows the key: {debug}"
    );
}

/// A GET on `server` that answers `status` with `text` as the message.
fn credits_error<'s>(server: &'s MockServer, status: u16, text: &str) -> httpmock::Mock<'s> {
    server.get_credits(|_when, then| {
        if status >= 500 {
            then.server_error(status, &message(text));
        } else {
            then.client_error(status, &message(text));
        }
    })
}

/// The smallest PNG the sniffer recognises: the signature and an IHDR
/// chunk for a 1×1 image, padded.
fn png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    png.resize(64, 0);
    png
}

/// A server that reads each request whole, head and body, then hangs up
/// without answering: the request reached it, the answer never comes.
struct HangUp {
    addr: SocketAddr,
    /// Connections accepted.
    connections: Arc<AtomicUsize>,
    /// Requests read whole (head and body).
    requests: Arc<AtomicUsize>,
}

impl HangUp {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port is free");
        let addr = listener.local_addr().expect("the listener has an address");
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (accepted, read) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let read = read.clone();
                tokio::spawn(async move {
                    if read_request(&mut socket).await.is_some() {
                        read.fetch_add(1, Ordering::SeqCst);
                    }
                    // Dropped: the connection closes with no answer.
                });
            }
        });
        Self {
            addr,
            connections,
            requests,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn counts(&self) -> (usize, usize) {
        (
            self.connections.load(Ordering::SeqCst),
            self.requests.load(Ordering::SeqCst),
        )
    }
}

/// Reads one request: its head, then its body by `Content-Length` or to
/// the last chunk. `None` when the peer stops first.
async fn read_request(socket: &mut TcpStream) -> Option<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .map(|value| value.trim().to_string())
    };
    let length = header("content-length").and_then(|v| v.parse::<usize>().ok());
    let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    loop {
        let body = &buf[head_end..];
        let done = match length {
            Some(length) => body.len() >= length,
            None if chunked => body.ends_with(b"0\r\n\r\n"),
            None => true,
        };
        if done {
            return Some(());
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A `MakeWriter` target that keeps everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

// Configuration.

#[test]
fn a_missing_or_blank_key_is_a_config_error_naming_the_variable() {
    let missing = Client::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .expect_err("no key is refused");
    for key in ["", "   ", "\t\n"] {
        let blank = Client::builder()
            .api_key(key)
            .base_url("http://127.0.0.1:9")
            .build()
            .expect_err("a blank key is refused");
        for error in [&missing, &blank] {
            assert!(
                matches!(error, Error::Config(text) if text.contains(API_KEY_VAR)),
                "{key:?}: {error:?}"
            );
        }
    }
    assert_eq!(API_KEY_VAR, "IDENTIFAI_API_KEY");
}

#[test]
fn a_refused_base_url_is_a_config_error_without_the_key() {
    // Plain http to a host other than loopback would carry the key in clear.
    let error = Client::builder()
        .api_key(KEY)
        .base_url("http://api.example.com")
        .build()
        .expect_err("plain http off loopback is refused");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert_keyless(&error);
}

/// Marks the run of this test binary that `from_env_as_a_process_sees_it`
/// starts: only there does `from_env_in_a_process_of_its_own` do anything.
const CHILD_VAR: &str = "IDENTIFAI_TEST_FROM_ENV_CHILD";

/// What `Client::from_env` makes of `vars`, reported by this test binary
/// run again with only `from_env_in_a_process_of_its_own` selected. The
/// environment belongs to the whole process, so no test changes its own:
/// that would race every other test of the binary (and its child
/// processes) that reads it.
fn from_env_as_a_process_sees_it(vars: &[(&str, Option<&str>)]) -> serde_json::Value {
    let mut child = std::process::Command::new(std::env::current_exe().expect("the test binary"));
    child
        .args([
            "--exact",
            "client::from_env_in_a_process_of_its_own",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, "1");
    for (name, value) in vars {
        match value {
            Some(value) => child.env(name, value),
            None => child.env_remove(name),
        };
    }
    let output = child.output().expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{vars:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = stdout
        .lines()
        .find_map(|line| line.split_once("from_env: ").map(|(_, report)| report))
        .unwrap_or_else(|| panic!("{vars:?}: no report in {stdout}"));
    serde_json::from_str(report).expect("the report is JSON")
}

#[test]
#[ignore = "run by configuration_comes_from_the_environment, in a process of its own"]
fn from_env_in_a_process_of_its_own() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut report = match Client::from_env() {
        Ok(client) => {
            let base_url = client.api().baseurl().to_string();
            // Only a loopback server is ever asked.
            let credits = base_url
                .starts_with("http://127.0.0.1")
                .then(|| runtime.block_on(client.credits()).is_ok());
            serde_json::json!({ "base_url": base_url, "credits": credits })
        }
        Err(Error::Config(text)) => serde_json::json!({ "config_error": text }),
        Err(other) => serde_json::json!({ "other_error": other.to_string() }),
    };
    // What the builder was given wins over the environment.
    let given = Client::builder()
        .api_key("another-key")
        .base_url("http://127.0.0.1:9")
        .from_env()
        .build()
        .expect("the client builds");
    report["given_base_url"] = given.api().baseurl().into();
    println!("from_env: {report}");
}

#[test]
fn configuration_comes_from_the_environment() {
    assert_eq!(BASE_URL_VAR, "IDENTIFAI_BASE_URL");
    let server = MockServer::start();
    let mock = server.get_credits(|when, then| {
        when.into_inner().header("x-api-key", KEY);
        then.ok(&credits());
    });
    let url = server.base_url();

    // Both variables set: the key is sent to the base URL given.
    let report =
        from_env_as_a_process_sees_it(&[(API_KEY_VAR, Some(KEY)), (BASE_URL_VAR, Some(&url))]);
    assert_eq!(report["base_url"], url.as_str(), "{report}");
    assert_eq!(report["credits"], true, "{report}");
    assert_eq!(mock.calls(), 1);
    assert_eq!(report["given_base_url"], "http://127.0.0.1:9", "{report}");

    // A blank base URL means the vendor's.
    let report =
        from_env_as_a_process_sees_it(&[(API_KEY_VAR, Some(KEY)), (BASE_URL_VAR, Some("  "))]);
    assert_eq!(
        report["base_url"],
        identifai_ext::api::DEFAULT_BASE_URL,
        "{report}"
    );

    // No key, or a blank one: a clear error now, not a 401 later.
    for key in [None, Some(""), Some("  ")] {
        let report = from_env_as_a_process_sees_it(&[(API_KEY_VAR, key), (BASE_URL_VAR, None)]);
        let error = report["config_error"]
            .as_str()
            .unwrap_or_else(|| panic!("{key:?}: {report}"));
        assert!(error.contains(API_KEY_VAR), "{key:?}: {error}");
        assert!(!error.contains(KEY), "{key:?}: {error}");
    }
}

#[tokio::test]
async fn the_user_agent_names_the_sdk_and_the_generated_client_with_their_versions() {
    let server = MockServer::start_async().await;
    let expected = format!(
        "identifai-rs/{} (identifai-api/{})",
        env!("CARGO_PKG_VERSION"),
        identifai_ext::api::VERSION
    );
    let pattern = format!(
        "^{}$",
        expected
            .replace('.', "\\.")
            .replace('(', "\\(")
            .replace(')', "\\)")
    );
    let mock = server.get_credits(|when, then| {
        when.into_inner()
            .header_matches("user-agent", pattern.as_str());
        then.ok(&credits());
    });
    let (client, _) = client_for(&server);
    client
        .credits()
        .await
        .unwrap_or_else(|e| panic!("the User-Agent is not `{expected}`: {e}"));
    assert_eq!(mock.calls_async().await, 1);
}

// Errors.

#[tokio::test]
async fn a_401_or_403_is_an_auth_error_with_status_and_message() {
    for (status, text) in [(401, "Unauthenticated."), (403, "This key is disabled.")] {
        let server = MockServer::start_async().await;
        let mock = credits_error(&server, status, text);
        let (client, _) = client_for(&server);
        let error = client.credits().await.expect_err("the key is refused");
        assert!(
            matches!(&error, Error::Auth { status: s, message } if *s == status && message == text),
            "{error:?}"
        );
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.server_message(), Some(text));
        let shown = error.to_string();
        assert!(
            shown.contains(&status.to_string()) && shown.contains(text),
            "{shown}"
        );
        assert_keyless(&error);
        assert_eq!(mock.calls_async().await, 1, "an auth error is not retried");
    }
}

#[tokio::test]
async fn a_402_or_a_403_about_credits_is_insufficient_credits() {
    for (status, text) in [
        (402, "Payment required."),
        (403, "Not enough credits to run this analysis."),
    ] {
        let server = MockServer::start_async().await;
        credits_error(&server, status, text);
        let (client, _) = client_for(&server);
        let error = client.credits().await.expect_err("no credits");
        assert!(
            matches!(&error, Error::InsufficientCredits { status: s, message } if *s == status && message == text),
            "{error:?}"
        );
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.server_message(), Some(text));
        assert_keyless(&error);
    }
}

#[tokio::test]
async fn a_404_is_not_found() {
    let server = MockServer::start_async().await;
    let text = "No query results for model [Classification].";
    credits_error(&server, 404, text);
    let (client, _) = client_for(&server);
    let error = client.credits().await.expect_err("not found");
    assert!(
        matches!(&error, Error::NotFound { message } if message == text),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(404));
    assert_eq!(error.server_message(), Some(text));
    assert_keyless(&error);
}

#[tokio::test]
async fn a_422_is_a_validation_error() {
    let server = MockServer::start_async().await;
    let text = "The classification field must be human or artificial.";
    let mock = server.override_image_classification(|when, then| {
        when.hash(HASH);
        then.client_error(422, &message(text));
    });
    let (client, _) = client_for(&server);
    let error = override_human(&client).await.expect_err("refused");
    assert!(
        matches!(&error, Error::Validation { status: 422, message } if message == text),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(422));
    assert_eq!(error.server_message(), Some(text));
    assert_keyless(&error);
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_500_on_a_post_is_a_server_error_sent_once() {
    let server = MockServer::start_async().await;
    let text = "Server Error";
    let mock = server.override_image_classification(|when, then| {
        when.hash(HASH);
        then.server_error(500, &message(text));
    });
    let (client, clock) = client_for(&server);
    let error = override_human(&client)
        .await
        .expect_err("the server failed");
    assert!(
        matches!(&error, Error::Server { status: 500, message } if message == text),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.server_message(), Some(text));
    assert_keyless(&error);
    assert_eq!(mock.calls_async().await, 1, "a POST is not retried on 5xx");
    assert_eq!(clock.elapsed(), Duration::ZERO);
}

// Retries.

#[tokio::test]
async fn a_429_with_retry_after_seconds_is_waited_out_then_retried() {
    let server = MockServer::start_async().await;
    let limited = server.get_credits(|_when, then| {
        then.client_error(429, &message("Too Many Attempts."))
            .into_inner()
            .header("retry-after", "2")
            .up_to_n_times(1);
    });
    let ok = server.get_credits(|_when, then| {
        then.ok(&credits());
    });
    let (client, clock) = client_for(&server);
    let answer = client.credits().await.expect("the retry succeeds");
    assert_eq!(answer, credits());
    assert_eq!(limited.calls_async().await, 1);
    assert_eq!(ok.calls_async().await, 1);
    let waited = clock.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "waited {waited:?} for Retry-After: 2"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_as_an_http_date_is_waited_out_then_retried() {
    let server = MockServer::start_async().await;
    // HTTP dates have whole seconds: 4 s from now is more than 3 s away.
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(4));
    let limited = server.get_credits(|_when, then| {
        then.client_error(429, &message("Too Many Attempts."))
            .into_inner()
            .header("retry-after", date.as_str())
            .up_to_n_times(1);
    });
    let ok = server.get_credits(|_when, then| {
        then.ok(&credits());
    });
    let (client, clock) = client_for(&server);
    client.credits().await.expect("the retry succeeds");
    assert_eq!(limited.calls_async().await, 1);
    assert_eq!(ok.calls_async().await, 1);
    let waited = clock.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited <= Duration::from_secs(4),
        "waited {waited:?} for Retry-After: {date}"
    );
}

#[tokio::test]
async fn a_503_on_a_get_is_retried_after_its_retry_after() {
    let server = MockServer::start_async().await;
    let unavailable = server.get_credits(|_when, then| {
        then.server_error(503, &message("Service Unavailable"))
            .into_inner()
            .header("retry-after", "5")
            .up_to_n_times(1);
    });
    let ok = server.get_credits(|_when, then| {
        then.ok(&credits());
    });
    let (client, clock) = client_for(&server);
    client.credits().await.expect("the retry succeeds");
    assert_eq!(unavailable.calls_async().await, 1);
    assert_eq!(ok.calls_async().await, 1);
    assert!(
        clock.elapsed() >= Duration::from_secs(5),
        "{:?}",
        clock.elapsed()
    );
}

#[tokio::test]
async fn a_503_on_a_post_is_not_retried() {
    let server = MockServer::start_async().await;
    let unavailable = server.override_image_classification(|_when, then| {
        then.server_error(503, &message("Service Unavailable"))
            .into_inner()
            .header("retry-after", "1")
            .up_to_n_times(1);
    });
    let ok = server.override_image_classification(|_when, then| {
        then.success(200, &overridden());
    });
    let (client, _) = client_for(&server);
    let error = override_human(&client)
        .await
        .expect_err("the POST is not sent again");
    assert!(
        matches!(&error, Error::Server { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(unavailable.calls_async().await, 1);
    assert_eq!(ok.calls_async().await, 0, "the POST was sent twice");
}

#[tokio::test]
async fn a_429_on_a_post_is_retried() {
    let server = MockServer::start_async().await;
    let limited = server.override_image_classification(|_when, then| {
        then.client_error(429, &message("Too Many Attempts."))
            .into_inner()
            .header("retry-after", "1")
            .up_to_n_times(1);
    });
    let ok = server.override_image_classification(|when, then| {
        when.hash(HASH).body(&types::OverrideRequest {
            classification: Classification::Human,
        });
        then.success(200, &overridden());
    });
    let (client, clock) = client_for(&server);
    let answer = override_human(&client).await.expect("the retry succeeds");
    assert_eq!(answer, overridden());
    assert_eq!(limited.calls_async().await, 1);
    assert_eq!(ok.calls_async().await, 1);
    assert!(clock.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_429_past_max_retries_is_rate_limited_with_retry_after() {
    let server = MockServer::start_async().await;
    let text = "Too Many Attempts.";
    let limited = server.get_credits(|_when, then| {
        then.client_error(429, &message(text))
            .into_inner()
            .header("retry-after", "3");
    });
    let clock = Clock::manual();
    let client = builder(&server.base_url(), &clock)
        .retry(RetryPolicy::default().max_retries(2))
        .build()
        .expect("the client builds");
    let error = client.credits().await.expect_err("still limited");
    assert!(
        matches!(
            &error,
            Error::RateLimited { message, retry_after: Some(after) }
                if message == text && *after == Duration::from_secs(3)
        ),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.server_message(), Some(text));
    assert_keyless(&error);
    assert_eq!(limited.calls_async().await, 3, "1 attempt and 2 retries");
    assert_eq!(clock.elapsed(), Duration::from_secs(6), "two waits of 3 s");
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let server = MockServer::start_async().await;
    let unavailable = server.get_credits(|_when, then| {
        then.server_error(503, &message("Service Unavailable"))
            .into_inner()
            .header("retry-after", "1");
    });
    let clock = Clock::manual();
    let client = builder(&server.base_url(), &clock)
        .retry(RetryPolicy::none())
        .build()
        .expect("the client builds");
    let error = client.credits().await.expect_err("no retry");
    assert!(
        matches!(&error, Error::Server { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(unavailable.calls_async().await, 1);
    assert_eq!(clock.elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn a_retry_after_beyond_the_wait_budget_is_returned_not_waited() {
    let server = MockServer::start_async().await;
    let limited = server.get_credits(|_when, then| {
        then.client_error(429, &message("Too Many Attempts."))
            .into_inner()
            .header("retry-after", "3600");
    });
    let (client, clock) = client_for(&server);
    let error = client.credits().await.expect_err("an hour is too long");
    assert!(
        matches!(
            &error,
            Error::RateLimited { retry_after: Some(after), .. } if *after == Duration::from_secs(3600)
        ),
        "{error:?}"
    );
    assert_eq!(limited.calls_async().await, 1);
    assert_eq!(clock.elapsed(), Duration::ZERO);
}

// No file submitted twice.

#[tokio::test]
async fn a_post_that_fails_after_its_body_was_sent_is_not_retried() {
    let server = HangUp::start().await;
    let clock = Clock::manual();
    let client = builder(&server.url(), &clock)
        .retry(RetryPolicy::default().max_retries(3))
        .build()
        .expect("the client builds");
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        client.submit(Media::bytes(png(), "a.png")),
    )
    .await
    .expect("the submission ends");
    let error = result.expect_err("no answer came");
    assert!(
        matches!(&error, Error::SubmissionUncertain { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("may have accepted"),
        "says the file may have been taken: {error}"
    );
    assert_keyless(&error);
    assert_eq!(
        server.counts(),
        (1, 1),
        "(connections, requests read whole): the file was sent more than once"
    );
}

#[tokio::test]
async fn a_post_whose_connection_is_refused_is_retried() {
    // A port that was free a moment ago: nothing listens, nothing is sent.
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port is free");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    drop(listener);
    let clock = Clock::manual();
    let client = builder(&url, &clock)
        .retry(RetryPolicy::default().max_retries(2))
        .build()
        .expect("the client builds");
    let error = client
        .submit(Media::bytes(png(), "a.png"))
        .await
        .expect_err("nobody listens");
    assert!(matches!(&error, Error::Transport(_)), "{error:?}");
    // Without pacing, only the backoff between attempts moves the clock.
    assert!(
        clock.elapsed() > Duration::ZERO,
        "a refused connection was not retried"
    );
}

#[tokio::test]
async fn a_get_that_fails_after_it_was_sent_is_retried() {
    // The same server as above, so that the test above does count retries.
    let server = HangUp::start().await;
    let clock = Clock::manual();
    let client = builder(&server.url(), &clock)
        .retry(RetryPolicy::default().max_retries(2))
        .build()
        .expect("the client builds");
    let result = tokio::time::timeout(Duration::from_secs(30), client.credits())
        .await
        .expect("the call ends");
    let error = result.expect_err("no answer came");
    assert!(matches!(&error, Error::Transport(_)), "{error:?}");
    assert_eq!(server.counts(), (3, 3), "1 attempt and 2 retries");
    assert!(clock.elapsed() > Duration::ZERO, "the retries backed off");
}

// Pacing.

fn paced(server: &MockServer, clock: &Clock) -> Client {
    builder(&server.base_url(), clock)
        .pacing(Some(RateLimits::default()))
        .build()
        .expect("the client builds")
}

#[tokio::test]
async fn gets_are_paced_to_two_per_second() {
    let server = MockServer::start_async().await;
    let mock = server.get_credits(|_when, then| {
        then.ok(&credits());
    });
    let clock = Clock::manual();
    let client = paced(&server, &clock);
    for _ in 0..3 {
        client.credits().await.expect("credits");
    }
    assert_eq!(mock.calls_async().await, 3);
    let waited = clock.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited <= Duration::from_secs(2),
        "3 GETs took {waited:?}"
    );
}

#[tokio::test]
async fn posts_are_paced_to_one_per_second() {
    let server = MockServer::start_async().await;
    let mock = server.override_image_classification(|_when, then| {
        then.success(200, &overridden());
    });
    let clock = Clock::manual();
    let client = paced(&server, &clock);
    for _ in 0..3 {
        override_human(&client).await.expect("override");
    }
    assert_eq!(mock.calls_async().await, 3);
    let waited = clock.elapsed();
    // 1/s allows 2 s; 30/min sustained allows 4 s.
    assert!(
        waited >= Duration::from_secs(2) && waited <= Duration::from_secs(4),
        "3 POSTs took {waited:?}"
    );
}

#[tokio::test]
async fn clones_of_a_client_share_its_pacing() {
    let server = MockServer::start_async().await;
    server.get_credits(|_when, then| {
        then.ok(&credits());
    });

    let clock = Clock::manual();
    let first = paced(&server, &clock);
    let second = first.clone();
    for client in [&first, &second, &first] {
        client.credits().await.expect("credits");
    }
    assert!(
        clock.elapsed() >= Duration::from_secs(1),
        "3 GETs through two clones took {:?}",
        clock.elapsed()
    );

    // The control: two clients built apart, each with a pacer of its own,
    // make 2 GETs each within their bursts without waiting.
    let clock = Clock::manual();
    let (one, other) = (paced(&server, &clock), paced(&server, &clock));
    for client in [&one, &other, &one, &other] {
        client.credits().await.expect("credits");
    }
    assert_eq!(clock.elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn without_pacing_the_clock_does_not_move() {
    let server = MockServer::start_async().await;
    server.get_credits(|_when, then| {
        then.ok(&credits());
    });
    server.override_image_classification(|_when, then| {
        then.success(200, &overridden());
    });
    let (client, clock) = client_for(&server);
    for _ in 0..5 {
        client.credits().await.expect("credits");
        override_human(&client).await.expect("override");
    }
    assert_eq!(clock.elapsed(), Duration::ZERO);
}

// Redirects.

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed() {
    let server = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    let target = elsewhere.url("/api/user/credits");
    let redirect = server.get_credits(|_when, then| {
        then.into_inner()
            .status(302)
            .header("location", target.as_str());
    });
    let anything = elsewhere
        .mock_async(|_when, then| {
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"available_credits": 1, "total_spent": 0}"#);
        })
        .await;
    let (client, _) = client_for(&server);
    let error = client.credits().await.expect_err("the redirect is refused");
    match &error {
        Error::Unexpected {
            status: Some(302),
            message,
        } => assert!(
            message.contains("redirect") && message.contains(&target),
            "{message}"
        ),
        other => panic!("expected Unexpected with status 302, got {other:?}"),
    }
    assert_eq!(error.status(), Some(302));
    assert_keyless(&error);
    assert_eq!(redirect.calls_async().await, 1);
    assert_eq!(
        anything.calls_async().await,
        0,
        "the other origin got a request"
    );
}

// Tracing.

#[tokio::test]
async fn a_retry_is_traced_with_attempt_and_delay_and_never_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    // tracing caches per callsite whether anyone listens. With a single
    // dispatcher registered, a callsite first reached by another test's
    // thread is cached as "never" (that thread has no subscriber), and this
    // test would miss it. A second, silent dispatcher makes tracing ask
    // every registered dispatcher instead; the rebuild below catches a
    // callsite registered while this one was being set up.
    let _silent = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start_async().await;
    server.get_credits(|_when, then| {
        then.client_error(429, &message("Too Many Attempts."))
            .into_inner()
            .header("retry-after", "2")
            .up_to_n_times(1);
    });
    server.get_credits(|_when, then| {
        then.ok(&credits());
    });
    server.classify_image(|_when, then| {
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .body(r#"{"identifier": "8d64370a87b8"}"#);
    });
    let (client, _) = client_for(&server);
    tracing::callsite::rebuild_interest_cache();
    client.credits().await.expect("the retry succeeds");
    let submission = client
        .submit(Media::bytes(png(), "a.png"))
        .await
        .expect("the submission succeeds");
    assert_eq!(submission.identifier, "8d64370a87b8");

    let output = captured.text();
    let retrying = output
        .lines()
        .find(|line| line.contains("retrying"))
        .unwrap_or_else(|| panic!("no `retrying` event in:\n{output}"));
    assert!(
        retrying.contains("attempt=1") && retrying.contains("delay_ms=2000"),
        "{retrying}"
    );
    assert!(output.contains("identifai.request"), "{output}");
    assert!(output.contains("identifai.submit"), "{output}");
    assert!(!output.contains(KEY), "the key was traced:\n{output}");
}
