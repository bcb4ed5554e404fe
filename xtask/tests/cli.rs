//! The `cargo xtask` command line: exit codes and output formats.

use std::path::Path;
use std::process::{Command, Output};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn diff_fails_on_breaking_changes_only_when_asked() {
    let old = format!("{FIXTURES}/diff/old.yaml");
    let new = format!("{FIXTURES}/diff/new.yaml");

    let plain = xtask(&["diff", &old, &new]);
    assert_eq!(plain.status.code(), Some(0));
    assert!(
        stdout(&plain).starts_with("Breaking changes"),
        "{}",
        stdout(&plain)
    );

    let strict = xtask(&["diff", &old, &new, "--fail-on-breaking"]);
    assert_eq!(strict.status.code(), Some(3));

    let same = xtask(&["diff", &old, &old, "--fail-on-breaking"]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(stdout(&same), "No changes.\n");
}

#[test]
fn diff_writes_markdown_and_json_on_request() {
    let old = format!("{FIXTURES}/diff/old.yaml");
    let new = format!("{FIXTURES}/diff/new.yaml");
    let markdown = xtask(&["diff", &old, &new, "--format", "markdown"]);
    assert!(stdout(&markdown).contains("## "), "{}", stdout(&markdown));
    let json = xtask(&["diff", &old, &new, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON output");
    assert!(report["changes"].as_array().is_some_and(|c| !c.is_empty()));
}

#[test]
fn diff_names_a_missing_file() {
    let output = xtask(&["diff", "no/such/old.yaml", "no/such/new.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read no/such/old.yaml"));
}

#[test]
fn check_passes_on_the_vendored_files_and_fails_with_the_cause_otherwise() {
    let ok = xtask(&["check", "--no-build"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout(&ok).contains("ok: the client generates"));

    let unnormalised = format!("{FIXTURES}/diff/old.yaml");
    let failed = xtask(&["check", "--no-build", "--spec", &unnormalised]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("problem:") && stderr.contains("check found"),
        "{stderr}"
    );
}

#[test]
fn regen_from_saved_pages_writes_the_spec_and_says_what_changed() {
    let spec = std::env::temp_dir().join(format!("xtask-cli-{}.yaml", std::process::id()));
    let output = xtask(&[
        "regen",
        "--from",
        &format!("{FIXTURES}/pages"),
        "--spec",
        spec.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&spec);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout(&output).contains("operation added"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_wrong_command_is_a_usage_error() {
    assert_eq!(xtask(&["frobnicate"]).status.code(), Some(2));
}

/// A minimal checkout in a scratch folder: a workspace manifest and the
/// vendored spec and overlay.
fn scratch_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let real = xtask::workspace_root().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
    std::fs::create_dir_all(dir.path().join("openapi")).unwrap();
    for file in ["identifai.yaml", "overlay.yaml"] {
        std::fs::copy(
            real.join("openapi").join(file),
            dir.path().join("openapi").join(file),
        )
        .unwrap();
    }
    dir
}

#[test]
fn xtask_works_on_the_checkout_it_is_run_in_not_the_one_that_built_it() {
    let checkout = scratch_checkout();
    let nested = checkout.path().join("some/folder");
    std::fs::create_dir_all(&nested).unwrap();
    let real_spec = xtask::workspace_root()
        .unwrap()
        .join("openapi/identifai.yaml");
    let before = std::fs::read(&real_spec).unwrap();

    // From a folder inside the other checkout, without cargo's variable.
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["regen", "--from", &format!("{FIXTURES}/pages")])
        .current_dir(&nested)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_to_string(checkout.path().join("openapi/identifai.yaml")).unwrap();
    assert_eq!(
        written,
        include_str!("fixtures/expected-merged.yaml"),
        "the spec of the checkout run in is rewritten"
    );
    assert_eq!(
        std::fs::read(&real_spec).unwrap(),
        before,
        "the checkout that built xtask is untouched"
    );

    // As `cargo run` starts it: the runtime CARGO_MANIFEST_DIR wins over the
    // current folder.
    let elsewhere = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--no-build"])
        .current_dir(elsewhere.path())
        .env("CARGO_MANIFEST_DIR", checkout.path().join("xtask"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // The regenerated spec has three operations and the overlay's other
    // actions match nothing there.
    let scratch_spec = checkout.path().join("openapi/overlay.yaml");
    assert!(
        stderr.contains(&scratch_spec.display().to_string()),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&real_spec).unwrap(), before);
}

#[test]
fn xtask_outside_any_checkout_says_so() {
    let elsewhere = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "--no-build"])
        .current_dir(elsewhere.path())
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot find the identifai-rs checkout"),
        "{stderr}"
    );
}

/// The vendored spec, and a copy in which the vendor added a status value
/// to an enum that the overlay makes open, in a scratch folder.
fn spec_with_a_new_status() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let real = xtask::workspace_root()
        .unwrap()
        .join("openapi/identifai.yaml");
    let mut new = xtask::spec::load(&real).unwrap();
    new["components"]["schemas"]["ImageClassification"]["properties"]["status"]["enum"]
        .as_array_mut()
        .unwrap()
        .push("queued".into());
    let new_path = dir.path().join("new.yaml");
    std::fs::write(&new_path, xtask::spec::to_normalized_yaml(&new).unwrap()).unwrap();
    let old = real.display().to_string();
    let new = new_path.display().to_string();
    (dir, old, new)
}

#[test]
fn diff_sees_the_specs_through_the_overlay_unless_told_not_to() {
    let (_dir, old, new) = spec_with_a_new_status();
    let through = xtask(&["diff", &old, &new, "--fail-on-breaking"]);
    assert_eq!(through.status.code(), Some(0), "{}", stdout(&through));
    assert!(
        stdout(&through).contains("the enum is open"),
        "{}",
        stdout(&through)
    );

    let raw = xtask(&["diff", &old, &new, "--fail-on-breaking", "--no-overlay"]);
    assert_eq!(raw.status.code(), Some(3), "{}", stdout(&raw));
    assert!(
        stdout(&raw).starts_with("Breaking changes"),
        "{}",
        stdout(&raw)
    );
}

#[test]
fn a_malformed_overlay_fails_diff_and_regen() {
    let (dir, old, new) = spec_with_a_new_status();
    let overlay = dir.path().join("overlay.yaml");
    std::fs::write(
        &overlay,
        "overlay: 1.0.0\nactions:\n  - target: $.paths[\n    remove: true\n",
    )
    .unwrap();
    let overlay = overlay.display().to_string();
    let diff = xtask(&["diff", &old, &new, "--overlay", &overlay]);
    assert_eq!(diff.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&diff.stderr);
    assert!(stderr.contains("is not valid JSONPath"), "{stderr}");

    let spec = dir.path().join("spec.yaml").display().to_string();
    let pages = format!("{FIXTURES}/pages");
    let regen = xtask(&[
        "regen",
        "--from",
        &pages,
        "--spec",
        &spec,
        "--overlay",
        &overlay,
    ]);
    assert_eq!(regen.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&regen.stderr).contains("is not valid JSONPath"));
    assert!(!dir.path().join("spec.yaml").exists());
}

#[test]
fn regen_fails_on_breaking_changes_when_asked_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The saved site without the credits page.
    let pages = dir.path().join("pages");
    copy_tree(&format!("{FIXTURES}/pages"), &pages);
    std::fs::remove_file(pages.join("api-reference/user/get-credits.md")).unwrap();
    let spec = dir.path().join("identifai.yaml");
    let expected = include_str!("fixtures/expected-merged.yaml");
    std::fs::write(&spec, expected).unwrap();
    let (pages, spec_arg) = (pages.display().to_string(), spec.display().to_string());

    let strict = xtask(&[
        "regen",
        "--from",
        &pages,
        "--spec",
        &spec_arg,
        "--fail-on-breaking",
    ]);
    assert_eq!(strict.status.code(), Some(3));
    assert!(
        stdout(&strict).contains("GET /api/user/credits: operation removed"),
        "{}",
        stdout(&strict)
    );
    assert!(String::from_utf8_lossy(&strict.stderr).contains("was not written"));
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), expected);

    let dry = xtask(&["regen", "--from", &pages, "--spec", &spec_arg, "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0));
    assert!(
        stdout(&dry).contains("dry run: nothing written"),
        "{}",
        stdout(&dry)
    );
    assert!(stdout(&dry).contains("operation removed"));
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), expected);

    let accepted = xtask(&["regen", "--from", &pages, "--spec", &spec_arg]);
    assert_eq!(accepted.status.code(), Some(0));
    assert!(stdout(&accepted).contains("operation removed"));
    assert_ne!(std::fs::read_to_string(&spec).unwrap(), expected);
}

#[test]
fn regen_shows_a_line_per_page_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("identifai.yaml").display().to_string();
    let output = xtask(&[
        "regen",
        "--from",
        &format!("{FIXTURES}/pages"),
        "--spec",
        &spec,
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 6, "{stderr}");
    assert!(
        lines[0].starts_with("[1/6] ") && lines[5].starts_with("[6/6] "),
        "{stderr}"
    );
    assert!(
        stderr.contains("api-reference/user/get-credits.md"),
        "{stderr}"
    );
}

fn copy_tree(from: &str, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn effective_prints_the_vendored_spec_with_the_overlay_applied() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let printed = xtask(&["effective"]);
    assert!(printed.status.success(), "{printed:?}");
    let text = stdout(&printed);
    let effective: serde_json::Value = serde_norway::from_str(&text).expect("YAML");
    let vendored: serde_json::Value = serde_norway::from_str(
        &std::fs::read_to_string(format!("{root}/openapi/identifai.yaml")).unwrap(),
    )
    .unwrap();
    // The overlay's operationIds (the vendor's pages have none) are there.
    let upload = &effective["paths"]["/api/classification"]["post"];
    assert!(vendored["paths"]["/api/classification"]["post"]["operationId"].is_null());
    assert!(upload["operationId"].is_string(), "{upload}");
    // What the overlay leaves alone is the vendor's.
    assert_eq!(
        effective["components"]["schemas"]["Pricing"],
        vendored["components"]["schemas"]["Pricing"]
    );
    // Every override has a request example (the vendor shows only the image one).
    for kind in [
        "classification",
        "classification_video",
        "classification_audio",
    ] {
        let path = format!("/api/{kind}/{{hash}}/override");
        let body = &effective["paths"][&path]["post"]["requestBody"]["content"]["application/json"];
        let verdict = body["example"]["classification"].as_str();
        assert!(
            matches!(verdict, Some("human" | "artificial")),
            "{path}: {body}"
        );
    }
    // Written in the normal form: read alike by YAML 1.1 readers.
    assert!(text.contains("'2025-03-03T13:28:03.000000Z'"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("effective.yaml");
    let written = xtask(&["effective", "--out", file.to_str().unwrap()]);
    assert!(written.status.success(), "{written:?}");
    assert!(written.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    let missing = xtask(&["effective", "--overlay", "/nonexistent/overlay.yaml"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/overlay.yaml"));
}
