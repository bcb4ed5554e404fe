//! What the tests share: the test key, clients on a virtual clock, the
//! sample media, and the `identifai` binary as a process.

// Some helpers serve only modules behind a feature (`sandbox`, `cli`).
#![allow(dead_code)]

use identifai_ext::{Client, ClientBuilder, Clock};

/// The key every test uses; no error, log line or message may show it.
pub const KEY: &str = "sk-test-5ecret-9f8e7d6c5b4a";

/// A client for `base_url` with the test key, a virtual clock and no
/// pacing; tests add what they need.
pub fn builder(base_url: &str, clock: &Clock) -> ClientBuilder {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .clock(clock.clone())
        .pacing(None)
}

/// A client for `base_url` built by [`builder`] on a manual clock
/// (sleeping moves it at once), and that clock.
pub fn mock_client(base_url: &str) -> (Client, Clock) {
    let clock = Clock::manual();
    let client = builder(base_url, &clock)
        .build()
        .expect("the client builds");
    (client, clock)
}

/// The `identifai` binary with a clean environment: no key, no base URL,
/// no config file (HOME points nowhere), no `NO_COLOR`.
pub fn identifai_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("identifai"));
    for name in [
        "IDENTIFAI_API_KEY",
        "IDENTIFAI_BASE_URL",
        "IDENTIFAI_CONFIG",
        "NO_COLOR",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("HOME", "/nonexistent/identifai-cli-tests")
        .env("XDG_CONFIG_HOME", "/nonexistent/identifai-cli-tests/config");
    cmd
}

/// [`identifai_process`] against `sandbox`, which outlives the run.
#[cfg(feature = "sandbox")]
pub fn identifai_against(sandbox: &identifai_ext::sandbox::Sandbox) -> std::process::Command {
    let mut cmd = identifai_process();
    cmd.args([
        "--base-url",
        sandbox.base_url(),
        "--api-key",
        sandbox.api_key(),
    ]);
    cmd
}

/// The sample image of the README's first command.
pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample.png");

/// The bytes of [`SAMPLE`].
pub fn sample_png() -> Vec<u8> {
    std::fs::read(SAMPLE).expect("the sample image")
}

/// An HTTP answer read whole: status, content type (empty when none) and
/// body.
pub async fn read_answer(request: reqwest::RequestBuilder) -> (u16, String, Vec<u8>) {
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.bytes().await.expect("a whole body").to_vec();
    (status, content_type, body)
}

/// A tiny WAV file (a header and silence), which the sandbox takes as speech.
pub fn wav() -> Vec<u8> {
    let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x44\xac\x00\x00\x88\x58\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00".to_vec();
    wav.extend_from_slice(&[0u8; 64]);
    wav
}

/// A tiny MP4 file (an `ftyp` box and zeros), which the sandbox takes as video.
pub fn mp4() -> Vec<u8> {
    let mut mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    mp4.extend_from_slice(&[0u8; 64]);
    mp4
}

/// Copies of the sample that differ in content (bytes after the PNG's end),
/// so that the sandbox judges each on its own.
pub fn variants(dir: &std::path::Path, count: usize) -> Vec<std::path::PathBuf> {
    let sample = sample_png();
    (0..count)
        .map(|i| {
            let mut bytes = sample.clone();
            bytes.extend_from_slice(format!("variant-{i}").as_bytes());
            let path = dir.join(format!("variant-{i:02}.png"));
            std::fs::write(&path, bytes).expect("a variant written");
            path
        })
        .collect()
}

/// The JSON lines of stdout, in input order: `classify` writes each when
/// it is final, with the input's `index`.
pub fn records(stdout: &str) -> Vec<serde_json::Value> {
    let mut records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    records.sort_by_key(|r| r["index"].as_u64());
    records
}

/// A directory of its own under the temporary directory, removed when
/// dropped, with helpers for the files a test puts in it.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(test: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("identifai-{test}-"))
            .tempdir()
            .expect("the temporary directory is created");
        Self(dir)
    }

    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.path().join(name)
    }

    pub fn file(&self, name: &str, contents: &[u8]) -> std::path::PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("the file is written");
        path
    }

    /// A file that starts with `head` and is `len` bytes long; the rest is
    /// a hole, so nothing more is written to disk.
    pub fn sparse(&self, name: &str, head: &[u8], len: u64) -> std::path::PathBuf {
        let path = self.file(name, head);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_len(len))
            .expect("the file is extended");
        path
    }

    /// The names in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.path())
            .expect("the directory lists")
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// A real `redis-server` on a free loopback port, in a temporary folder,
/// killed on drop. `None` (with a note) when it cannot start outside CI;
/// under `CI=true` that is a failure.
#[cfg(feature = "redis")]
pub struct RedisServer {
    child: Option<std::process::Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

#[cfg(feature = "redis")]
impl RedisServer {
    pub fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut server = Self {
            child: None,
            port,
            dir,
        };
        match server.spawn() {
            Ok(()) => Some(server),
            Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("redis-server cannot start under CI: {why}")
            }
            Err(why) => {
                eprintln!("note: skipped, redis-server cannot start here ({why})");
                None
            }
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .current_dir(self.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        self.child = Some(child);
        for _ in 0..200 {
            if let Ok(mut conn) = redis::Client::open(self.url())
                .and_then(|c| c.get_connection_with_timeout(std::time::Duration::from_millis(200)))
                && redis::cmd("PING").query::<String>(&mut conn).is_ok()
            {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        Err("it did not answer PING within 5 s".into())
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills it (its data is gone: nothing is saved).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn().expect("redis-server restarts");
    }

    /// The keys it holds.
    pub fn keys(&self) -> Vec<String> {
        let mut conn = redis::Client::open(self.url())
            .and_then(|c| c.get_connection())
            .expect("a connection to the test Redis");
        redis::cmd("KEYS").arg("*").query(&mut conn).expect("KEYS")
    }
}

#[cfg(feature = "redis")]
impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
