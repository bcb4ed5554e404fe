//! What the test binaries that run `identifai` as a process share.

#![allow(dead_code)] // each test binary uses a part

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

/// The sample image of the README's first command.
pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/sample.png");

/// Copies of the sample that differ in content (bytes after the PNG's end),
/// so that the sandbox judges each on its own.
pub fn variants(dir: &std::path::Path, count: usize) -> Vec<std::path::PathBuf> {
    let sample = std::fs::read(SAMPLE).expect("the sample image");
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
