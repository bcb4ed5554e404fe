//! Hostile networks and servers, from a raw TCP server that misbehaves as
//! told (HTTP libraries would not): resets, cut-off and garbage bodies,
//! stalls, drips, refusals of the list endpoint. Each test asserts the
//! outcome, that the identifier is kept, and the time bound, on real time
//! with short deadlines (a virtual clock cannot cut a real socket stall).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use identifai_ext::{Client, Error, Media, MediaKind, RetryPolicy, Submission, WaitPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone, Debug)]
enum Act {
    /// A whole answer: status, content type, body.
    Answer(u16, &'static str, String),
    /// Headers announcing `len` bytes, then only `sent` of them, then a
    /// reset.
    CutOff { len: usize, sent: usize },
    /// Headers announcing this length, then nothing, for ever.
    StallAfterHeaders(u64),
    /// Headers, then one byte a second.
    Drip,
    /// Reads the whole request, then resets the connection.
    ResetAfterBody,
    /// A chunked body of this many bytes (JSON whitespace, then `[]`).
    Chunked(usize),
}

fn json(status: u16, body: impl Into<String>) -> Act {
    Act::Answer(status, "application/json", body.into())
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
}

/// The server: `script` decides what to do with each request (its number
/// for that path, from 0, and the request).
struct Faulty {
    base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Faulty {
    async fn start(script: impl Fn(usize, &Seen) -> Act + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let counter = Arc::new(AtomicUsize::new(0));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (script, log, counter) = (script.clone(), log.clone(), counter.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &*script, &log, &counter).await;
                });
            }
        });
        Self { base_url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self, method: &str, path_start: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.target.starts_with(path_start))
            .count()
    }
}

async fn serve(
    mut stream: TcpStream,
    script: &(dyn Fn(usize, &Seen) -> Act + Send + Sync),
    log: &Mutex<Vec<Seen>>,
    counter: &AtomicUsize,
) -> std::io::Result<()> {
    loop {
        // The head, then as much body as Content-Length says.
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).await? == 0 {
                return Ok(());
            }
            head.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let mut words = text.split_whitespace();
        let seen = Seen {
            method: words.next().unwrap_or_default().to_string(),
            target: words.next().unwrap_or_default().to_string(),
        };
        let length = text
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).await?;
        log.lock().unwrap().push(seen.clone());
        let n = counter.fetch_add(1, Ordering::SeqCst);
        match script(n, &seen) {
            Act::Answer(status, content_type, body) => {
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(answer.as_bytes()).await?;
            }
            Act::CutOff { len, sent } => {
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n{}",
                    "[".repeat(sent)
                );
                stream.write_all(answer.as_bytes()).await?;
                stream.set_zero_linger()?;
                return Ok(());
            }
            Act::StallAfterHeaders(len) => {
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
                );
                stream.write_all(answer.as_bytes()).await?;
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            Act::Drip => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n")
                    .await?;
                for _ in 0..3600 {
                    stream.write_all(b" ").await?;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            Act::ResetAfterBody => {
                stream.set_zero_linger()?;
                return Ok(());
            }
            Act::Chunked(total) => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await?;
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    stream
                        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                        .await?;
                    stream.write_all(&chunk).await?;
                    stream.write_all(b"\r\n").await?;
                    sent += chunk.len();
                }
                stream.write_all(b"2\r\n[]\r\n0\r\n\r\n").await?;
            }
        }
    }
}

const DONE: &str = r#"{"identifier": "abc", "status": "done", "verdict": {"classification": "human", "confidence": 0.9}}"#;

fn done_list() -> String {
    format!("[{DONE}]")
}

fn client(server: &Faulty) -> Client {
    Client::builder()
        .api_key("fault-key")
        .base_url(server.base_url.clone())
        .pacing(None)
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(100)),
        )
        .wait(
            WaitPolicy::default()
                .timeout(Duration::from_secs(2))
                .initial_interval(Duration::from_millis(20))
                .max_interval(Duration::from_millis(100))
                .not_found_grace(Duration::from_millis(500)),
        )
        .build()
        .unwrap()
}

/// Image submissions with these identifiers.
fn images(ids: &[String]) -> Vec<Submission> {
    ids.iter()
        .map(|id| Submission {
            identifier: id.clone(),
            kind: MediaKind::Image,
        })
        .collect()
}

/// A client of `server` that reads at most 1 MiB of an answer.
fn capped_client(server: &Faulty) -> Client {
    Client::builder()
        .api_key("fault-key")
        .base_url(server.base_url.clone())
        .pacing(None)
        .max_response_bytes(1 << 20)
        .wait(
            WaitPolicy::default()
                .timeout(Duration::from_secs(5))
                .initial_interval(Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

fn abc() -> Submission {
    Submission {
        identifier: "abc".into(),
        kind: MediaKind::Image,
    }
}

/// Waits for `abc` alone; returns the result and how long it took.
async fn wait_one(server: &Faulty) -> (identifai_ext::Result<identifai_ext::Analysis>, Duration) {
    let started = Instant::now();
    let result = client(server).wait(&abc()).await;
    (result, started.elapsed())
}

/// The first answer misbehaves as `first` says; later ones are good.
async fn once_then_good(first: Act) -> Faulty {
    Faulty::start(move |n, _| {
        if n == 0 {
            first.clone()
        } else {
            json(200, DONE)
        }
    })
    .await
}

#[tokio::test]
async fn a_body_cut_off_by_a_reset_is_retried() {
    let server = once_then_good(Act::CutOff { len: 500, sent: 10 }).await;
    let (result, _) = wait_one(&server).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(server.count("GET", "/api/classification/abc"), 2);
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_retried() {
    let server = once_then_good(json(200, "{\"identifier\": \"abc\", \"sta")).await;
    let (result, _) = wait_one(&server).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(server.count("GET", "/api/classification/abc"), 2);
}

#[tokio::test]
async fn an_html_page_with_200_is_retried() {
    let page = Act::Answer(
        200,
        "text/html",
        "<html><body>Bad gateway</body></html>".into(),
    );
    let server = once_then_good(page).await;
    let (result, _) = wait_one(&server).await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn json_of_another_shape_fails_at_once_with_the_identifier() {
    let other = r#"{"identifier": "abc", "verdict": "fake-key-echo"}"#;
    let server = Faulty::start(move |_, _| json(200, other)).await;
    let (result, took) = wait_one(&server).await;
    let error = result.expect_err("a schema mismatch is an error");
    assert!(
        matches!(error.cause(), Error::Incompatible { .. }),
        "{error:?}"
    );
    assert_eq!(error.identifier(), Some("abc"));
    let text = error.to_string();
    assert!(text.contains("out of date"), "{text}");
    assert!(
        !text.contains("fake-key-echo"),
        "the answer is not quoted: {text}"
    );
    assert_eq!(server.count("GET", "/"), 1, "not retried");
    assert!(took < Duration::from_secs(1), "at once: {took:?}");
}

/// A wait of 2 s against `act` ends by its deadline with a resumable
/// timeout.
async fn ends_by_the_deadline(act: Act) {
    let server = Faulty::start(move |_, _| act.clone()).await;
    let (result, took) = wait_one(&server).await;
    let error = result.expect_err("no answer came");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(error.submission(), Some(&abc()), "resumable");
    assert!(
        took < Duration::from_secs(3),
        "the 2 s deadline held: {took:?}"
    );
}

#[tokio::test]
async fn a_stall_after_the_headers_ends_by_the_deadline() {
    ends_by_the_deadline(Act::StallAfterHeaders(500)).await;
}

#[tokio::test]
async fn a_drip_ends_by_the_deadline() {
    ends_by_the_deadline(Act::Drip).await;
}

#[tokio::test]
async fn a_5_gb_content_length_is_refused_unread_with_the_identifier() {
    let server = Faulty::start(|_, _| Act::StallAfterHeaders(5_000_000_000)).await;
    let (result, took) = wait_one(&server).await;
    let error = result.expect_err("too large");
    assert!(matches!(error.cause(), Error::TooLarge { .. }), "{error:?}");
    assert_eq!(error.identifier(), Some("abc"));
    assert_eq!(server.count("GET", "/"), 1, "not retried");
    assert!(took < Duration::from_secs(1), "refused at once: {took:?}");
}

#[tokio::test]
async fn a_body_past_the_cap_is_cut_off() {
    let server = Faulty::start(|_, _| Act::Chunked(4 << 20)).await;
    let client = capped_client(&server);
    let error = client.wait(&abc()).await.expect_err("too large");
    assert!(
        matches!(error.cause(), Error::TooLarge { limit } if *limit == 1 << 20),
        "{error:?}"
    );
    assert_eq!(error.identifier(), Some("abc"));
}

#[tokio::test]
async fn a_list_answer_past_the_cap_asks_for_fewer() {
    let ids: Vec<String> = (0..4).map(|i| format!("id{i}")).collect();
    let server = Faulty::start(|_, seen| {
        if seen.target.matches("identifiers").count() > 1 {
            return Act::Chunked(4 << 20);
        }
        let id = seen.target.rsplit('=').next().unwrap_or_default().to_string();
        json(
            200,
            format!(r#"[{{"identifier": "{id}", "status": "done", "verdict": {{"classification": "human"}}}}]"#),
        )
    })
    .await;
    let client = capped_client(&server);
    let submissions = images(&ids);
    for (result, id) in client.wait_all(&submissions).await.iter().zip(&ids) {
        let analysis = result.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(analysis.identifier(), Some(id.as_str()));
    }
}

#[tokio::test]
async fn a_list_answering_422_gives_way_to_single_gets() {
    let server = Faulty::start(|_, seen| {
        if seen.target.starts_with("/api/classifications") {
            json(422, r#"{"message": "The identifiers field is invalid."}"#)
        } else {
            json(200, DONE)
        }
    })
    .await;
    let results = client(&server).wait_all(&[abc()]).await;
    assert!(results[0].is_ok(), "{results:?}");
    assert_eq!(server.count("GET", "/api/classifications"), 1);
    assert_eq!(server.count("GET", "/api/classification/abc"), 1);
}

#[tokio::test]
async fn a_list_answering_414_is_asked_for_fewer() {
    let ids: Vec<String> = (0..8).map(|i| format!("id{i}")).collect();
    let server = Faulty::start(|_, seen| {
        let asked = seen.target.matches("identifiers").count();
        if asked > 2 {
            return Act::Answer(414, "text/html", "<h1>URI Too Long</h1>".into());
        }
        let found: Vec<String> = seen
            .target
            .split('&')
            .filter_map(|pair| pair.split_once('=').map(|(_, id)| id.to_string()))
            .map(|id| {
                format!(r#"{{"identifier": "{id}", "status": "done", "verdict": {{"classification": "human"}}}}"#)
            })
            .collect();
        json(200, format!("[{}]", found.join(",")))
    })
    .await;
    let submissions = images(&ids);
    let results = client(&server).wait_all(&submissions).await;
    for (result, id) in results.iter().zip(&ids) {
        let analysis = result.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(analysis.identifier(), Some(id.as_str()));
    }
    assert_eq!(
        server.count("GET", "/api/classification/"),
        0,
        "still lists"
    );
}

#[tokio::test]
async fn a_list_answering_html_200_keeps_every_identifier_until_it_answers() {
    let server = Faulty::start(|n, _| {
        if n < 2 {
            Act::Answer(200, "text/html", "<html>maintenance</html>".into())
        } else {
            json(200, done_list())
        }
    })
    .await;
    let results = client(&server).wait_all(&[abc()]).await;
    assert!(results[0].is_ok(), "{results:?}");
}

#[tokio::test]
async fn a_post_reset_after_its_body_is_not_sent_again_and_says_so() {
    let server = Faulty::start(|_, _| Act::ResetAfterBody).await;
    let png = crate::util::sample_png();
    let error = client(&server)
        .submit(Media::bytes(png, "a.png"))
        .await
        .expect_err("no answer");
    assert!(
        matches!(error, Error::SubmissionUncertain { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("may have accepted"), "{error}");
    assert_eq!(server.count("POST", "/"), 1, "sent once");
}

/// The peak resident memory of the CLI fetching a 300 MB answer. Run by
/// hand (`cargo test -p identifai-ext --all-features --test integration faults:: -- --ignored
/// --nocapture`); it prints the figure and holds it under 64 MiB.
#[cfg(all(feature = "cli", target_os = "linux"))]
#[test]
#[ignore = "a measurement: 300 MB over loopback"]
fn a_300_mb_answer_keeps_the_cli_under_64_mib() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Faulty::start(|_, _| Act::Chunked(300 << 20)));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("identifai"))
        .env_remove("IDENTIFAI_API_KEY")
        .env("HOME", "/nonexistent/identifai-cli-tests")
        .args(["--base-url", &server.base_url, "--api-key", "fault-key"])
        .args(["result", "--kind", "image", "--timeout", "20", "abc"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib = line.split_whitespace().nth(1).and_then(|n| n.parse().ok());
            peak_kib = peak_kib.max(kib.unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "peak RSS of `identifai result` against a 300 MB answer: {:.1} MiB",
        peak_kib as f64 / 1024.0
    );
    assert!(peak_kib > 0, "measured");
    assert!(peak_kib < 64 * 1024, "{peak_kib} KiB");
}

#[cfg(feature = "cli")]
#[test]
fn the_cli_timeout_holds_against_a_stall_and_prints_the_identifier() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Faulty::start(|_, seen| {
        if seen.method == "POST" {
            json(200, r#"{"identifier": "abc"}"#)
        } else {
            Act::StallAfterHeaders(100)
        }
    }));
    let started = Instant::now();
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("identifai"))
        .env_remove("IDENTIFAI_API_KEY")
        .env("HOME", "/nonexistent/identifai-cli-tests")
        .args(["--base-url", &server.base_url, "--api-key", "fault-key"])
        .args(["classify", "-o", "jsonl", "--timeout", "2"])
        .arg(crate::util::SAMPLE)
        .output()
        .unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(took < Duration::from_secs(4), "--timeout 2 took {took:?}");
    assert!(stdout.contains("\"identifier\":\"abc\""), "{stdout}");
    assert!(
        stderr.contains("identifai result --kind image abc"),
        "{stderr}"
    );
}
