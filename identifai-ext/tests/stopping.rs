//! `identifai classify` as a long batch is used: stopped by signals, killed
//! with -9 and resumed from its journal. The binary runs as a real process
//! against a sandbox of the test's.
#![cfg(all(feature = "cli", unix))]

use crate::util::{SAMPLE, records};

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use identifai_ext::sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The binary with a clean environment (see `support`), against
/// `base_url`.
fn identifai(base_url: &str, key: &str) -> Command {
    let mut cmd = crate::util::identifai_process();
    cmd.args(["--base-url", base_url, "--api-key", key])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Distinct PNGs in `dir`, by path.
fn images(dir: &Path, count: usize) -> Vec<String> {
    crate::util::variants(dir, count)
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

fn sha256_of(path: &str) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Waits (30 s at most) until `ready` holds.
fn until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits for the process to end (30 s at most); its code, stdout, stderr.
fn finish(mut child: Child) -> (Option<i32>, String, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("the binary did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    (status.code(), stdout, stderr)
}

fn journal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

fn count(lines: &[Value], event: &str) -> usize {
    lines.iter().filter(|l| l["event"] == event).count()
}

/// A sandbox whose results take an hour.
fn slow_sandbox() -> Sandbox {
    Sandbox::start_with(SandboxConfig::default().processing_time(Duration::from_secs(3600)))
        .unwrap()
}

fn stopped_by(signal_name: &str, code: i32) {
    let sandbox = slow_sandbox();
    let dir = tempfile::tempdir().unwrap();
    let files = images(dir.path(), 3);
    let child = identifai(sandbox.base_url(), sandbox.api_key())
        .args(["classify", "-o", "jsonl"])
        .args(&files)
        .spawn()
        .unwrap();
    // Every file accepted, and the run waiting for results.
    until("three submissions", || sandbox.submissions() == 3);
    until("a poll", || sandbox.requests() > 3);
    signal(&child, signal_name);
    let (exit, stdout, stderr) = finish(child);
    assert_eq!(exit, Some(code), "{stderr}");
    let found = records(&stdout);
    assert_eq!(found.len(), 3, "{stdout}");
    let mut ids = Vec::new();
    for (i, record) in found.iter().enumerate() {
        assert_eq!(record["index"], i);
        assert_eq!(record["status"], "pending", "{record}");
        let id = record["identifier"].as_str().expect("an identifier");
        ids.push(id.to_string());
    }
    assert!(
        stderr.contains(&format!("identifai result --kind image {}", ids.join(" "))),
        "the command that resumes: {stderr}"
    );
}

#[test]
fn sigint_while_waiting_prints_every_pending_identifier_and_exits_130() {
    stopped_by("INT", 130);
}

#[test]
fn sigterm_while_waiting_prints_every_pending_identifier_and_exits_143() {
    stopped_by("TERM", 143);
}

/// A server that takes connections and never answers.
fn stalling_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten().take(16) {
            held.push(stream);
        }
    });
    format!("http://{address}")
}

/// A run whose upload is under way (to a server that never answers) when
/// it gets SIGINT.
fn interrupted_while_uploading() -> Child {
    let base = stalling_server();
    let child = identifai(&base, "key")
        .args(["classify", "-o", "jsonl", SAMPLE])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, "INT");
    child
}

#[test]
fn an_upload_unanswered_after_the_grace_period_is_reported_as_unknown() {
    let child = interrupted_while_uploading();
    let (exit, stdout, stderr) = finish(child);
    assert_eq!(exit, Some(130), "{stderr}");
    let found = records(&stdout);
    assert_eq!(found.len(), 1, "{stdout}");
    assert_eq!(found[0]["status"], "unknown");
    assert!(
        found[0]["error"]
            .as_str()
            .unwrap()
            .contains("may have accepted"),
        "{}",
        found[0]
    );
}

#[test]
fn a_second_sigint_exits_at_once() {
    let child = interrupted_while_uploading();
    std::thread::sleep(Duration::from_millis(200));
    let second = Instant::now();
    signal(&child, "INT");
    let (exit, _, stderr) = finish(child);
    assert_eq!(exit, Some(130), "{stderr}");
    // Well before the 3 s grace period would have ended.
    assert!(
        second.elapsed() < Duration::from_secs(2),
        "{:?}",
        second.elapsed()
    );
}

fn journal_run(sandbox: &Sandbox, journal: &Path, files: &[String]) -> Child {
    identifai(sandbox.base_url(), sandbox.api_key())
        .args(["classify", "-o", "jsonl", "--journal"])
        .arg(journal)
        .args(files)
        .spawn()
        .unwrap()
}

#[test]
fn kill_9_then_a_rerun_with_the_journal_submits_nothing_twice() {
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().processing_time(Duration::from_secs(2)))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = images(dir.path(), 4);
    let journal = dir.path().join("run.journal");
    let child = journal_run(&sandbox, &journal, &files);
    until("four acceptances in the journal", || {
        count(&journal_lines(&journal), "accepted") == 4
    });
    signal(&child, "KILL");
    let (exit, _, _) = finish(child);
    assert_eq!(exit, None, "killed");
    assert_eq!(sandbox.submissions(), 4);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&journal).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // The re-run waits for the four and submits none of them again.
    let (exit, stdout, stderr) = finish(journal_run(&sandbox, &journal, &files));
    assert_eq!(exit, Some(0), "{stderr}");
    assert_eq!(sandbox.submissions(), 4, "nothing submitted twice");
    let found = records(&stdout);
    assert_eq!(found.len(), 4);
    assert!(found.iter().all(|r| r["status"] == "done"), "{stdout}");
    assert_eq!(count(&journal_lines(&journal), "finished"), 4);

    // A third run prints every record from the journal alone.
    let requests = sandbox.requests();
    let (exit, again, stderr) = finish(journal_run(&sandbox, &journal, &files));
    assert_eq!(exit, Some(0), "{stderr}");
    assert_eq!(sandbox.requests(), requests, "no request at all");
    assert_eq!(records(&again), found);
}

#[test]
fn a_torn_last_line_is_reported_and_an_unanswered_upload_is_named_and_resubmitted() {
    let sandbox = Sandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = images(dir.path(), 3);
    let journal = dir.path().join("run.journal");
    let (exit, _, stderr) = finish(journal_run(&sandbox, &journal, &files[..2]));
    assert_eq!(exit, Some(0), "{stderr}");
    assert_eq!(sandbox.submissions(), 2);
    // As a run killed in mid-upload and mid-write leaves it: the third
    // file started, and a line cut off.
    let started = format!(
        "{{\"event\":\"started\",\"key\":\"{}\",\"input\":\"{}\"}}\n",
        sha256_of(&files[2]),
        files[2]
    );
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text.push_str(&started);
    text.push_str("{\"event\":\"accepted\",\"key\":\"ab");
    std::fs::write(&journal, text).unwrap();

    let (exit, stdout, stderr) = finish(journal_run(&sandbox, &journal, &files));
    assert_eq!(exit, Some(0), "{stderr}");
    assert!(stderr.contains("was cut off"), "{stderr}");
    assert!(
        stderr.contains("may have accepted") && stderr.contains(&files[2]),
        "names the upload that may have been charged: {stderr}"
    );
    assert_eq!(sandbox.submissions(), 3, "only the third submitted");
    assert_eq!(records(&stdout).len(), 3);
    let lines = journal_lines(&journal);
    assert_eq!(count(&lines, "finished"), 3);
    assert!(
        std::fs::read_to_string(&journal)
            .unwrap()
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "the torn line is gone"
    );
}

#[test]
fn a_journal_in_use_or_written_with_other_options_is_refused() {
    let sandbox = Sandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = images(dir.path(), 1);
    let journal: PathBuf = dir.path().join("run.journal");
    let (exit, _, stderr) = finish(journal_run(&sandbox, &journal, &files));
    assert_eq!(exit, Some(0), "{stderr}");

    let (exit, _, stderr) = finish(
        identifai(sandbox.base_url(), sandbox.api_key())
            .args(["classify", "--heatmap", "--journal"])
            .arg(&journal)
            .args(&files)
            .spawn()
            .unwrap(),
    );
    assert_eq!(exit, Some(2), "{stderr}");
    assert!(stderr.contains("other submission options"), "{stderr}");

    let held = std::fs::File::open(&journal).unwrap();
    fs4::FileExt::try_lock(&held).expect("the test takes the lock");
    let (exit, _, stderr) = finish(journal_run(&sandbox, &journal, &files));
    assert_eq!(exit, Some(2), "{stderr}");
    assert!(
        stderr.contains("another identifai run is using it"),
        "{stderr}"
    );
    assert_eq!(sandbox.submissions(), 1);

    std::fs::write(&journal, "{\"not\": \"a journal\"}\n").unwrap();
    drop(held);
    let (exit, _, stderr) = finish(journal_run(&sandbox, &journal, &files));
    assert_eq!(exit, Some(2), "{stderr}");
    assert!(stderr.contains("not a journal entry"), "{stderr}");
}

// `identifai sandbox serve`: one simulation for many commands.

/// The binary with `args`, against the served sandbox of `export` (its
/// `export …` line).
fn served(export: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = crate::util::identifai_process();
    for pair in export.trim_start_matches("export ").split_whitespace() {
        let (name, value) = pair.split_once('=').expect("NAME=value");
        cmd.env(name, value);
    }
    let child = cmd
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    finish(child)
}

/// The status code of a hand-written `GET path` (as curl would send it).
fn raw_get(base_url: &str, path: &str, key: &str) -> u16 {
    use std::io::Write;
    let address = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("the sandbox listens");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nX-Api-Key: {key}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"))
}

#[test]
fn a_served_sandbox_keeps_its_state_across_commands_until_ctrl_c() {
    let mut server = crate::util::identifai_process()
        .args([
            "sandbox",
            "serve",
            "--key",
            "dev-key",
            "--rate-limits",
            "documented",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = server.stdout.take().expect("a piped stdout");
    let (line, got) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first);
        let _ = line.send(first);
    });
    let export = got
        .recv_timeout(Duration::from_secs(30))
        .expect("the export line comes at once");
    let export = export.trim().to_string();
    let base_url = export
        .split_whitespace()
        .find_map(|w| w.strip_prefix("IDENTIFAI_BASE_URL="))
        .unwrap_or_else(|| panic!("a base URL in {export:?}"))
        .to_string();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{export}");
    assert!(export.contains("IDENTIFAI_API_KEY=dev-key"), "{export}");

    // Submitted by one command, read by the next ones.
    let (code, out, err) = served(
        &export,
        &["classify", "--no-wait", "--heatmap", SAMPLE, "-o", "jsonl"],
    );
    assert_eq!(code, Some(0), "{err}");
    let id = records(&out)[0]["identifier"]
        .as_str()
        .expect("an identifier")
        .to_string();
    let (code, out, err) = served(&export, &["result", "--kind", "image", &id, "-o", "jsonl"]);
    assert_eq!(code, Some(0), "{err}");
    let result = &records(&out)[0];
    assert_eq!(result["status"], "done", "{out}");
    let hash = result["hash"].as_str().expect("a hash").to_string();
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("heatmap.png");
    let (code, _, err) = served(&export, &["heatmap", &id, "--file", png.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let other = if result["verdict"] == "human" {
        "artificial"
    } else {
        "human"
    };
    let (code, _, err) = served(
        &export,
        &["override", &hash, "--kind", "image", "--as", other],
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = served(&export, &["classify", "--no-cache", SAMPLE, "-o", "jsonl"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(records(&out)[0]["verdict"], other, "the override held");

    // Any HTTP client: the key is checked, and the documented GET limit
    // (2 in any second) holds.
    assert_eq!(raw_get(&base_url, "/api/credits", "wrong-key"), 401);
    let codes: Vec<u16> = (0..3)
        .map(|_| raw_get(&base_url, "/api/credits", "dev-key"))
        .collect();
    assert!(
        codes.contains(&429),
        "a third GET within the second is refused: {codes:?}"
    );

    signal(&server, "INT");
    // Its stdout is read above: give `finish` an empty one.
    server.stdout = Command::new("true")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
        .stdout;
    let (code, _, err) = finish(server);
    assert_eq!(code, Some(0), "Ctrl-C is the normal end: {err}");
    assert!(err.contains("simulated"), "{err}");
    let port = base_url.rsplit(':').next().unwrap();
    TcpListener::bind(format!("127.0.0.1:{port}")).expect("the port is free again");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let child = crate::util::identifai_process()
        .args(["sandbox", "serve", "--port", &port])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (code, out, err) = finish(child);
    assert_eq!(code, Some(6), "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains(&port) && err.contains("--port"), "{err}");
}
