//! The `identifai` binary, run for real: every command and output format
//! against the sandbox, the exit codes, a closed stdout, and bad input
//! (missing file, unsupported format, bad identifier, wrong or missing key,
//! config files).
//!
//! `--sandbox` starts a fresh simulation in each run, so a flow over several
//! runs (`classify --no-wait`, then `result`, `heatmap`, `override`) uses a
//! sandbox started here instead, given to the binary with `--base-url` and
//! `--api-key`.

#![cfg(feature = "cli")]

use crate::util::{SAMPLE, records, variants};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use httpmock::{Method, MockServer};
use identifai_ext::sandbox::Sandbox;
use predicates::prelude::*;
use serde_json::Value;

/// The binary with a clean environment (see `support`).
fn identifai() -> Command {
    Command::from_std(crate::util::identifai_process())
}

/// The binary against a sandbox of its own.
fn sandboxed() -> Command {
    let mut cmd = identifai();
    cmd.arg("--sandbox");
    cmd
}

/// The binary against `sandbox`, which outlives the run.
fn against(sandbox: &Sandbox) -> Command {
    Command::from_std(crate::util::identifai_against(sandbox))
}

/// Runs `cmd`; returns its exit code, stdout and stderr.
fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().expect("the binary runs");
    let code = output.status.code().expect("an exit code, not a signal");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    (code, stdout, stderr)
}

/// Classifies `inputs` against `cmd` as JSON lines; every run must succeed
/// unless `fail_on` is given.
fn classify(mut cmd: Command, inputs: &[&str]) -> Vec<Value> {
    cmd.arg("classify").args(inputs);
    let (code, stdout, stderr) = run(&mut cmd);
    assert_eq!(code, 0, "stderr: {stderr}");
    records(&stdout)
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

// Help and usage.

#[test]
fn help_documents_every_command_and_the_exit_codes() {
    let (code, stdout, _) = run(identifai().arg("--help"));
    assert_eq!(code, 0);
    for word in [
        "classify",
        "result",
        "heatmap",
        "override",
        "credits",
        "users",
        "--sandbox",
        "Exit codes",
        "7  timeout",
    ] {
        assert!(stdout.contains(word), "--help lacks {word}: {stdout}");
    }
    let (code, _, stderr) = run(identifai().args(["classify", "--output", "xml", SAMPLE]));
    assert_eq!(code, 2, "a usage error: {stderr}");
}

// classify, every format.

#[test]
fn classify_the_sample_prints_a_simulated_verdict_as_json_lines() {
    let (code, stdout, stderr) = run(sandboxed().args(["classify", SAMPLE]));
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stderr.contains("simulated"), "no sandbox notice: {stderr}");
    let records = records(&stdout);
    assert_eq!(records.len(), 1, "{stdout}");
    let record = &records[0];
    assert_eq!(record["input"], SAMPLE);
    assert_eq!(record["kind"], "image");
    assert_eq!(record["status"], "done");
    assert!(["human", "artificial"].contains(&text(&record["verdict"])));
    assert!(record["confidence"].as_f64().is_some());
    assert!(!text(&record["identifier"]).is_empty());
    assert_eq!(text(&record["hash"]).len(), 64);
    assert!(record["error"].is_null());
    let keys: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    for field in [
        "input",
        "identifier",
        "kind",
        "status",
        "verdict",
        "confidence",
        "heuristic",
        "c2pa",
        "nsfw",
        "error",
    ] {
        assert!(keys.contains(&field), "no {field} in {record}");
    }
}

#[test]
fn classify_writes_every_output_format() {
    let (code, table, _) = run(sandboxed().args(["-q", "classify", "-o", "table", SAMPLE]));
    assert_eq!(code, 0);
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    for column in [
        "INPUT",
        "KIND",
        "VERDICT",
        "CONFIDENCE",
        "IDENTIFIER",
        "NOTES",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let row = lines.next().unwrap();
    assert!(row.starts_with(SAMPLE) && row.contains("image"), "{row}");
    assert!(!table.contains('\x1b'), "colours on a pipe: {table:?}");

    let (code, json, _) = run(sandboxed().args(["classify", "--output", "json", SAMPLE, SAMPLE]));
    assert_eq!(code, 0);
    let array: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(array.as_array().unwrap().len(), 2);
    assert_eq!(array[0]["identifier"], array[1]["identifier"]);

    let (code, csv, _) = run(sandboxed().args(["classify", "--output", "csv", SAMPLE]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "index,input,identifier,kind,status,verdict,confidence,heuristic,c2pa,nsfw,error,hash"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with(&format!("0,{SAMPLE},")), "{csv}");

    let (code, jsonl, _) = run(sandboxed().args(["classify", "--output", "jsonl", SAMPLE]));
    assert_eq!(code, 0);
    assert_eq!(records(&jsonl).len(), 1);
}

#[test]
fn classify_takes_folders_globs_and_stdin_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let files = variants(dir.path(), 3);
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();

    let folder = dir.path().display().to_string();
    let found = classify(sandboxed(), &[&folder]);
    let inputs: Vec<&str> = found.iter().map(|r| text(&r["input"])).collect();
    assert_eq!(inputs, shown);

    let pattern = format!("{}/variant-0[02].png", dir.path().display());
    let found = classify(sandboxed(), &[&pattern, SAMPLE]);
    let inputs: Vec<&str> = found.iter().map(|r| text(&r["input"])).collect();
    assert_eq!(inputs, [shown[0].as_str(), shown[2].as_str(), SAMPLE]);

    let mut cmd = sandboxed();
    cmd.write_stdin(std::fs::read(SAMPLE).unwrap());
    let found = classify(cmd, &["-"]);
    assert_eq!(found[0]["input"], "stdin");
    assert_eq!(found[0]["status"], "done");
}

#[test]
fn a_failed_input_keeps_its_place_and_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.png").display().to_string();
    let (code, stdout, stderr) = run(sandboxed().args(["classify", SAMPLE, &missing, SAMPLE]));
    assert_eq!(code, 3, "stderr: {stderr}");
    let found = records(&stdout);
    assert_eq!(found.len(), 3);
    assert_eq!(found[0]["status"], "done");
    assert_eq!(found[1]["status"], "failed");
    assert!(text(&found[1]["error"]).contains("missing.png"));
    assert_eq!(found[2]["status"], "done");
    assert!(stderr.contains("missing.png"), "{stderr}");
}

// --fail-on.

#[test]
fn fail_on_matches_the_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let files = variants(dir.path(), 12);
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let found = classify(sandboxed(), &args);
    let verdict_of = |i: usize| text(&found[i]["verdict"]).to_string();
    let artificial = (0..found.len()).find(|&i| verdict_of(i) == "artificial");
    let human = (0..found.len()).find(|&i| verdict_of(i) == "human");
    let (Some(artificial), Some(human)) = (artificial, human) else {
        panic!("12 variants should give both verdicts: {found:?}");
    };

    let gate = |path: &str| {
        let (code, _, stderr) =
            run(sandboxed().args(["classify", "--fail-on", "artificial", path]));
        (code, stderr)
    };
    assert_eq!(gate(&paths[artificial]).0, 1, "an artificial verdict fails");
    assert_eq!(gate(&paths[human]).0, 0, "a human verdict passes");

    // The other conditions match exactly when some result meets them.
    let nsfw = found.iter().any(|r| r["nsfw"] == true);
    let c2pa_invalid = found.iter().any(|r| {
        r["c2pa"]
            .as_str()
            .is_some_and(|s| !s.eq_ignore_ascii_case("valid"))
    });
    for (condition, expected) in [("nsfw", nsfw), ("c2pa-invalid", c2pa_invalid)] {
        let (code, _, stderr) = run(sandboxed()
            .arg("classify")
            .args(["--fail-on", condition])
            .args(&args));
        assert_eq!(code, i32::from(expected), "--fail-on {condition}: {stderr}");
    }
    let (code, _, _) = run(sandboxed()
        .arg("classify")
        .args(["--fail-on", "nsfw,artificial", "--fail-on", "c2pa-invalid"])
        .args(&args));
    assert_eq!(code, 1, "artificial is among them");
}

// Bad input.

#[test]
fn a_missing_file_is_an_input_error_naming_it() {
    let (code, stdout, stderr) = run(sandboxed().args(["classify", "no/such/photo.png"]));
    assert_eq!(code, 3);
    assert!(stderr.contains("no/such/photo.png"), "{stderr}");
    assert!(stdout.contains("no/such/photo.png"), "{stdout}");
}

#[test]
fn an_unsupported_format_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not an image, a video or speech\n").unwrap();
    let (code, _, stderr) = run(sandboxed().arg("classify").arg(&notes));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("notes.txt"), "{stderr}");
}

#[test]
fn an_unknown_identifier_is_an_input_error() {
    let (code, stdout, stderr) = run(sandboxed().args(["result", "no-such-identifier"]));
    assert_eq!(code, 3, "{stderr}");
    let found = records(&stdout);
    assert_eq!(found[0]["status"], "failed");
    assert!(text(&found[0]["error"]).contains("404"), "{stdout}");

    let (code, _, stderr) = run(sandboxed().args(["heatmap", "no-such-identifier"]));
    assert_eq!(code, 3, "{stderr}");
    let (code, _, stderr) = run(sandboxed().args([
        "override",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "--kind",
        "image",
        "--as",
        "human",
    ]));
    assert_eq!(code, 3, "{stderr}");
}

#[test]
fn a_refused_key_is_an_auth_error() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(401)
            .header("content-type", "application/json")
            .body(r#"{"message":"Unauthenticated."}"#);
    });
    let (code, _, stderr) = run(identifai().args([
        "--api-key",
        "wrong-key",
        "--base-url",
        &server.base_url(),
        "credits",
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(!stderr.contains("wrong-key"), "the key is shown: {stderr}");

    let (code, stdout, _) = run(identifai()
        .args(["--api-key", "wrong-key", "--base-url", &server.base_url()])
        .args(["classify", SAMPLE]));
    assert_eq!(code, 4);
    assert_eq!(records(&stdout)[0]["status"], "failed");
}

/// The exit code and stderr of `args` against a server that answers every
/// request with `status` (and `Retry-After: 0`, so that retries are quick).
fn against_status(status: u16, args: &[&str]) -> (i32, String) {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.any_request();
        then.status(status)
            .header("content-type", "application/json")
            .header("retry-after", "0")
            .body(r#"{"message":"simulated failure"}"#);
    });
    let (code, _, stderr) = run(identifai()
        .args(["--api-key", "a-key", "--base-url", &server.base_url()])
        .args(args));
    (code, stderr)
}

#[test]
fn service_failures_have_their_exit_codes() {
    let hash = "0".repeat(64);
    let override_args = ["override", &hash, "--kind", "image", "--as", "human"];
    assert_eq!(against_status(402, &["credits"]).0, 5, "no credits");
    assert_eq!(against_status(429, &["credits"]).0, 5, "rate limited");
    assert_eq!(against_status(500, &override_args).0, 6, "server error");
    assert_eq!(against_status(404, &["heatmap", "abc"]).0, 3, "not found");
    assert_eq!(against_status(422, &override_args).0, 3, "refused input");

    // Nothing listens on port 9 (discard): a freed ephemeral port could be
    // taken again at once by another test of this binary.
    let (code, _, stderr) = run(identifai()
        .args(["--api-key", "a-key", "--base-url", "http://127.0.0.1:9"])
        .args(override_args));
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("transport"), "{stderr}");
}

#[test]
fn an_errored_classification_exits_6() {
    let dir = tempfile::tempdir().unwrap();
    // Other bytes than the sample's: the sandbox tells media by content.
    let failing = dir.path().join("sandbox-error-sample.png");
    std::fs::copy(&variants(dir.path(), 1)[0], &failing).unwrap();
    let (code, stdout, stderr) = run(sandboxed().arg("classify").arg(&failing).arg(SAMPLE));
    assert_eq!(code, 6, "{stderr}");
    let found = records(&stdout);
    assert_eq!(found[0]["status"], "errored");
    assert!(!text(&found[0]["identifier"]).is_empty());
    assert_eq!(found[1]["status"], "done");
}

#[test]
fn a_missing_key_names_the_variable_and_the_sandbox() {
    identifai()
        .args(["classify", SAMPLE])
        .assert()
        .code(4)
        .stdout("")
        .stderr(
            predicate::str::contains("IDENTIFAI_API_KEY")
                .and(predicate::str::contains("--sandbox"))
                .and(predicate::str::contains("panicked").not()),
        );
}

// Config files.

/// A mock of `GET /api/user/credits` that wants `key`.
fn credits_for<'s>(server: &'s MockServer, key: &str) -> httpmock::Mock<'s> {
    server.mock(|when, then| {
        when.method(Method::GET)
            .path("/api/user/credits")
            .header("x-api-key", key);
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"available_credits":42.0,"total_spent":8.0}"#);
    })
}

#[cfg(unix)]
fn config_file(dir: &Path, text: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[cfg(unix)]
#[test]
fn a_config_file_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(dir.path(), "api_key = \"from-config\"\n", 0o644);
    let (code, _, stderr) = run(identifai().arg("--config").arg(&path).arg("credits"));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        !stderr.contains("from-config"),
        "the key is shown: {stderr}"
    );
}

#[cfg(unix)]
#[test]
fn a_private_config_file_is_used_after_flags_and_environment() {
    let server = MockServer::start();
    let from_config = credits_for(&server, "from-config");
    let from_env = credits_for(&server, "from-env");
    let from_flag = credits_for(&server, "from-flag");
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "# identifai\napi_key = \"from-config\"\nbase_url = \"{}\"\n",
        server.base_url()
    );
    let path = config_file(dir.path(), &text, 0o600);

    let (code, stdout, stderr) = run(identifai().arg("--config").arg(&path).arg("credits"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(records(&stdout)[0]["available_credits"], 42.0);
    from_config.assert();

    // The default location is read too.
    let xdg = dir.path().join("xdg");
    std::fs::create_dir_all(xdg.join("identifai")).unwrap();
    std::fs::rename(&path, xdg.join("identifai/config.toml")).unwrap();
    let (code, _, stderr) = run(identifai().env("XDG_CONFIG_HOME", &xdg).arg("credits"));
    assert_eq!(code, 0, "{stderr}");
    from_config.assert_calls(2);

    let (code, _, _) = run(identifai()
        .env("XDG_CONFIG_HOME", &xdg)
        .env("IDENTIFAI_API_KEY", "from-env")
        .arg("credits"));
    assert_eq!(code, 0);
    from_env.assert();

    let (code, _, _) = run(identifai()
        .env("XDG_CONFIG_HOME", &xdg)
        .env("IDENTIFAI_API_KEY", "from-env")
        .args(["--api-key", "from-flag", "credits"]));
    assert_eq!(code, 0);
    from_flag.assert();
}

// result, heatmap, override: flows over several runs, on one sandbox.

#[test]
fn no_wait_prints_identifiers_that_result_resolves() {
    let sandbox = Sandbox::start().expect("the sandbox starts");
    let mut cmd = against(&sandbox);
    cmd.args(["classify", "--no-wait", SAMPLE]);
    let (code, stdout, stderr) = run(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    let submitted = records(&stdout);
    assert_eq!(submitted[0]["status"], "submitted");
    let id = text(&submitted[0]["identifier"]).to_string();
    assert!(
        stderr.contains(&format!("result --kind image {id}")),
        "{stderr}"
    );

    let (code, stdout, stderr) = run(against(&sandbox).args(["result", "--kind", "image", &id]));
    assert_eq!(code, 0, "{stderr}");
    let done = records(&stdout);
    assert_eq!(done[0]["input"], id.as_str());
    assert_eq!(done[0]["status"], "done");

    for format in ["table", "json", "csv"] {
        let (code, stdout, _) =
            run(against(&sandbox).args(["result", "--no-wait", &id, "-o", format]));
        assert_eq!(code, 0);
        assert!(stdout.contains(&id), "{format}: {stdout}");
    }
}

#[test]
fn heatmap_saves_a_png() {
    let sandbox = Sandbox::start().expect("the sandbox starts");
    let found = classify(against(&sandbox), &["--heatmap", SAMPLE]);
    let id = text(&found[0]["identifier"]).to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("heatmap.png");
    let (code, stdout, stderr) = run(against(&sandbox)
        .args(["heatmap", &id, "--file"])
        .arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let saved = std::fs::read(&file).unwrap();
    assert!(saved.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(records(&stdout)[0]["bytes"], saved.len());

    // Without --heatmap there is none: the service refuses.
    let found = classify(against(&sandbox), &[SAMPLE]);
    let plain = text(&found[0]["identifier"]).to_string();
    let (code, _, stderr) = run(against(&sandbox)
        .args(["heatmap", &plain, "--file"])
        .arg(dir.path().join("none.png")));
    assert_eq!(code, 3, "{stderr}");
}

#[test]
fn heatmap_overlay_saves_the_image_with_its_heatmap() {
    use identifai_ext::overlay::image;
    let sandbox = Sandbox::start().expect("the sandbox starts");
    let found = classify(against(&sandbox), &["--heatmap", SAMPLE]);
    let id = text(&found[0]["identifier"]).to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("overlay.png");
    let overlay = |opacity: &str| -> image::RgbaImage {
        let (code, stdout, stderr) = run(against(&sandbox)
            .args([
                "heatmap",
                &id,
                "--overlay",
                SAMPLE,
                "--opacity",
                opacity,
                "--file",
            ])
            .arg(&file));
        assert_eq!(code, 0, "{stderr}");
        let saved = std::fs::read(&file).unwrap();
        assert_eq!(records(&stdout)[0]["bytes"], saved.len());
        image::load_from_memory(&saved).unwrap().to_rgba8()
    };
    let sample = image::open(SAMPLE).unwrap().to_rgba8();
    let blended = overlay("0.8");
    assert_eq!(blended.dimensions(), sample.dimensions());
    let changed = blended
        .pixels()
        .zip(sample.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed > 64 * 64 / 2, "{changed} pixels changed");
    assert_eq!(overlay("0"), sample, "opacity 0: the image as it is");

    // A file that is not an image is refused before any request.
    let before = sandbox.requests();
    let not_image = dir.path().join("notes.txt");
    std::fs::write(&not_image, "hello").unwrap();
    let (code, _, stderr) = run(against(&sandbox)
        .args(["heatmap", &id, "--file"])
        .arg(dir.path().join("x.png"))
        .arg("--overlay")
        .arg(&not_image));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("notes.txt") && stderr.contains("PNG, JPEG"),
        "{stderr}"
    );
    assert_eq!(sandbox.requests(), before);
    assert!(!dir.path().join("x.png").exists());
    // Opacities outside 0..1, or without an image to blend over.
    let (code, _, _) =
        run(against(&sandbox).args(["heatmap", &id, "--overlay", SAMPLE, "--opacity", "2"]));
    assert_eq!(code, 2);
    let (code, _, _) = run(against(&sandbox).args(["heatmap", &id, "--opacity", "0.5"]));
    assert_eq!(code, 2);
}

#[test]
fn override_changes_later_verdicts() {
    let sandbox = Sandbox::start().expect("the sandbox starts");
    let found = classify(against(&sandbox), &[SAMPLE]);
    let hash = text(&found[0]["hash"]).to_string();
    let other = if found[0]["verdict"] == "human" {
        "artificial"
    } else {
        "human"
    };
    let (code, stdout, stderr) = run(against(&sandbox).args([
        "override", &hash, "--kind", "image", "--as", other, "-o", "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(answer[0]["verdict"], other);
    assert_eq!(answer[0]["hash"], hash.as_str());

    let again = classify(against(&sandbox), &["--no-cache", SAMPLE]);
    assert_eq!(again[0]["verdict"], other);
}

// credits and users.

#[test]
fn credits_in_every_format() {
    let (code, stdout, _) = run(sandboxed().args(["credits"]));
    assert_eq!(code, 0);
    let credits = &records(&stdout)[0];
    assert!(credits["available_credits"].as_f64().is_some(), "{stdout}");
    let (_, table, _) = run(sandboxed().args(["credits", "-o", "table"]));
    assert!(table.starts_with("AVAILABLE"), "{table}");
    let (_, csv, _) = run(sandboxed().args(["credits", "-o", "csv"]));
    assert!(csv.starts_with("available_credits,total_spent\n"), "{csv}");
    let (_, json, _) = run(sandboxed().args(["credits", "-o", "json"]));
    assert!(serde_json::from_str::<Value>(&json).unwrap().is_array());
}

#[test]
fn users_list_create_and_send_email() {
    let (code, stdout, stderr) = run(sandboxed().args(["users", "list", "--per-page", "5"]));
    assert_eq!(code, 0, "{stderr}");
    let users = records(&stdout);
    assert_eq!(users.len(), 12, "every page is read");
    let pricing = users[0]["pricing_id"].as_i64().expect("a pricing id");

    let (code, stdout, _) = run(sandboxed().args([
        "users",
        "list",
        "--pricing-id",
        &pricing.to_string(),
        "-o",
        "csv",
    ]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("id,name,email,heuristic,pricing_id,pricing,readonly,created_at\n"));

    let (code, stdout, stderr) = run(sandboxed()
        .args([
            "users",
            "create",
            "--name",
            "Ada Lovelace",
            "--email",
            "ada@example.com",
        ])
        .args([
            "--heuristic",
            "Average",
            "--pricing-id",
            &pricing.to_string(),
        ])
        .args(["--readonly", "--password-stdin", "-o", "json"])
        .write_stdin("s3cret-password\n"));
    assert_eq!(code, 0, "{stderr}");
    let created: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(created[0]["email"], "ada@example.com");
    assert!(!stdout.contains("s3cret"));

    let id = users[0]["id"].as_i64().unwrap().to_string();
    let (code, stdout, stderr) = run(sandboxed().args(["users", "send-email", &id, "-o", "table"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("ID"), "{stdout}");
    assert!(stdout.contains(&id));

    let (code, _, stderr) = run(sandboxed().args(["users", "send-email", "999999"]));
    assert_eq!(code, 3, "{stderr}");
}

/// A server whose first page of users (two) leads to a second that
/// `second` answers.
fn users_server(second: impl FnOnce(httpmock::Then)) -> MockServer {
    let server = MockServer::start();
    let user = |id: i64| serde_json::json!({"id": id, "name": format!("User {id}")});
    server.mock(|when, then| {
        when.path("/api/partner/users").query_param_missing("page");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(serde_json::json!({
                "current_page": 1, "data": [user(1), user(2)], "per_page": 2,
                // The API's host over http, as a proxy in front of it writes.
                "next_page_url": "http://api.identifai.example/api/partner/users?page=2",
            }));
    });
    server.mock(|when, then| {
        when.path("/api/partner/users").query_param("page", "2");
        second(then);
    });
    server
}

#[test]
fn users_list_prints_each_page_as_it_arrives() {
    // The second page takes a minute: the first must be out long before.
    let server = users_server(|then| {
        then.delay(std::time::Duration::from_secs(60))
            .status(200)
            .json_body(serde_json::json!({"data": [], "next_page_url": null}));
    });
    let mut child = crate::util::identifai_process()
        .args(["--base-url", &server.base_url(), "--api-key", "k-test"])
        .args(["users", "list", "-o", "jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("a piped stdout");
    let (lines, got) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut ids = Vec::new();
    for _ in 0..2 {
        // Generous: the page is local and needs milliseconds.
        let line = got
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("page 1's users are printed while page 2 is pending");
        let user: Value = serde_json::from_str(&line).expect("a JSON line");
        ids.push(user["id"].as_i64().expect("an id"));
    }
    assert_eq!(ids, [1, 2]);
    assert!(
        child.try_wait().expect("the child").is_none(),
        "still waiting for page 2"
    );
    child.kill().expect("the child stops");
    let _ = child.wait();
}

#[test]
fn users_list_keeps_the_pages_it_printed_when_a_later_one_fails() {
    let server = users_server(|then| {
        then.status(401)
            .header("content-type", "application/json")
            .json_body(serde_json::json!({"message": "Invalid key."}));
    });
    for format in ["jsonl", "json", "csv", "table"] {
        let (code, stdout, stderr) = run(identifai()
            .args(["--base-url", &server.base_url(), "--api-key", "k-test"])
            .args(["users", "list", "-o", format]));
        assert_eq!(code, 4, "the 401's exit code ({format}): {stderr}");
        assert!(stderr.contains("Invalid key."), "{stderr}");
        match format {
            "json" => {
                let users: Value = serde_json::from_str(&stdout).expect("a closed JSON array");
                assert_eq!(users.as_array().map(Vec::len), Some(2), "{stdout}");
            }
            "jsonl" => assert_eq!(records(&stdout).len(), 2, "{stdout}"),
            _ => {
                assert_eq!(
                    stdout.lines().count(),
                    3,
                    "a header and two users: {stdout}"
                );
                assert!(stdout.contains("User 2"), "{stdout}");
            }
        }
    }
}

// A closed stdout.

/// Runs the binary with `args`, reads one line of its stdout, closes it,
/// and returns its exit code and stderr.
fn read_one_line(args: &[&str]) -> (i32, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_identifai"))
        .args(args)
        .env_remove("IDENTIFAI_API_KEY")
        .env("HOME", "/nonexistent/identifai-cli-tests")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(!line.is_empty(), "no first line");
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (
        output.status.code().expect("an exit code, not a signal"),
        stderr,
    )
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let (code, stderr) = read_one_line(&["--sandbox", "-q", "classify", SAMPLE, SAMPLE]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Far more than a pipe holds, so that writing meets the closed pipe.
    let sandbox = Sandbox::start().expect("the sandbox starts");
    let found = classify(against(&sandbox), &["--no-wait", SAMPLE]);
    let id = text(&found[0]["identifier"]).to_string();
    let mut args = vec![
        "--base-url",
        sandbox.base_url(),
        "--api-key",
        sandbox.api_key(),
        "-q",
        "result",
    ];
    args.extend(std::iter::repeat_n(id.as_str(), 3000));
    let (code, stderr) = read_one_line(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

// Timeouts.

#[test]
fn a_timeout_prints_the_identifiers_to_resume_with() {
    let sandbox = Sandbox::start_with(
        identifai_ext::sandbox::SandboxConfig::default().ready_after_polls(1_000_000),
    )
    .expect("the sandbox starts");
    let (code, stdout, stderr) =
        run(against(&sandbox).args(["classify", "--timeout", "0.3", SAMPLE]));
    assert_eq!(code, 7, "{stderr}");
    let found = records(&stdout);
    assert_eq!(found[0]["status"], "timeout");
    let id = text(&found[0]["identifier"]);
    assert!(
        stderr.contains(&format!("identifai result --kind image {id}")),
        "{stderr}"
    );
}
