//! `cargo xtask check`: one test for each failure it names, on copies of
//! the vendored spec and overlay changed the way a vendor's edit or a
//! careless one would change them.

use std::path::PathBuf;

use serde_json::{Value, json};
use xtask::check;

fn vendored(file: &str) -> Value {
    xtask::spec::load(&xtask::workspace_root().unwrap().join("openapi").join(file)).unwrap()
}

/// A spec and an overlay in a scratch folder, removed when dropped.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(name: &str, spec: &Value, overlay: &Value) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-check-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("identifai.yaml"),
            xtask::spec::to_normalized_yaml(spec).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join("overlay.yaml"),
            serde_norway::to_string(overlay).unwrap(),
        )
        .unwrap();
        Self { dir }
    }

    fn check(&self) -> check::Findings {
        check::run(
            &self.dir.join("identifai.yaml"),
            &self.dir.join("overlay.yaml"),
        )
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn one_problem(findings: &check::Findings) -> &str {
    assert_eq!(findings.problems.len(), 1, "{:#?}", findings.problems);
    &findings.problems[0]
}

#[test]
fn the_vendored_files_pass() {
    let root = xtask::workspace_root().unwrap();
    let findings = check::run(
        &root.join("openapi/identifai.yaml"),
        &root.join("openapi/overlay.yaml"),
    );
    assert!(findings.problems.is_empty(), "{:#?}", findings.problems);
    assert!(findings.notes.iter().any(|n| n == "the client generates"));
}

#[test]
fn a_spec_not_in_normal_form_is_reported() {
    let files = Files::new(
        "normal",
        &vendored("identifai.yaml"),
        &vendored("overlay.yaml"),
    );
    let path = files.dir.join("identifai.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    // The same document, with its top-level keys in another order.
    let (head, paths) = text.split_once("paths:\n").unwrap();
    std::fs::write(&path, format!("paths:\n{paths}{head}")).unwrap();
    let problem = one_problem(&files.check()).to_string();
    assert!(problem.contains("is not in normal form"), "{problem}");
    assert!(problem.contains("cargo xtask regen --from"), "{problem}");
}

#[test]
fn an_overlay_action_that_matches_nothing_is_reported_with_its_reason() {
    let mut spec = vendored("identifai.yaml");
    // The vendor moves the credits operation: the two actions that correct
    // it (its operationId, the schema of its answer) no longer match.
    let credits = spec["paths"]
        .as_object_mut()
        .unwrap()
        .shift_remove("/api/user/credits")
        .unwrap();
    spec["paths"]["/api/v2/user/credits"] = credits;
    let files = Files::new("stale", &spec, &vendored("overlay.yaml"));
    let findings = files.check();
    let stale: Vec<&String> = findings
        .problems
        .iter()
        .filter(|p| p.contains("matches nothing"))
        .collect();
    assert_eq!(stale.len(), 2, "{:#?}", findings.problems);
    assert!(
        stale
            .iter()
            .any(|p| p.contains("$.paths['/api/user/credits'].get")),
        "{stale:?}"
    );
    assert!(
        stale
            .iter()
            .any(|p| p.contains("documented only by an example")),
        "{stale:?}"
    );
    assert!(
        findings
            .problems
            .iter()
            .any(|p| p.contains("GET /api/v2/user/credits has no operationId")),
        "{:#?}",
        findings.problems
    );
}

#[test]
fn an_operation_without_an_operation_id_is_reported() {
    let mut spec = vendored("identifai.yaml");
    spec["paths"]["/api/user/profile"] =
        json!({"get": {"responses": {"200": {"description": "The profile."}}}});
    let files = Files::new("noid", &spec, &vendored("overlay.yaml"));
    let findings = files.check();
    assert!(
        findings.problems.iter().any(|p| p == "GET /api/user/profile has no operationId after the overlay: add an action that sets one"),
        "{:#?}",
        findings.problems
    );
}

#[test]
fn two_operations_sharing_an_operation_id_are_reported() {
    let mut overlay = vendored("overlay.yaml");
    overlay["actions"].as_array_mut().unwrap().push(json!({
        "target": "$.paths['/api/user/credits'].get",
        "description": "a copy-paste slip",
        "update": {"operationId": "list_pricings"}
    }));
    let files = Files::new("dup", &vendored("identifai.yaml"), &overlay);
    let findings = files.check();
    assert!(
        findings
            .problems
            .iter()
            .any(|p| p.contains("share the operationId `list_pricings`")),
        "{:#?}",
        findings.problems
    );
}

#[test]
fn a_spec_the_client_cannot_be_generated_from_is_reported_with_the_cause() {
    let mut spec = vendored("identifai.yaml");
    spec["paths"]["/api/classification"]["post"]["requestBody"]["content"]["multipart/form-data"]
        ["schema"]["properties"]["regions"] = json!({"type": "object"});
    let files = Files::new("nogen", &spec, &vendored("overlay.yaml"));
    let problem = one_problem(&files.check()).to_string();
    assert!(
        problem.starts_with("the client cannot be generated"),
        "{problem}"
    );
    assert!(
        problem.contains("`classify_image`") && problem.contains("field `regions`"),
        "{problem}"
    );
}

#[test]
fn an_overlay_that_is_not_yaml_is_reported() {
    let files = Files::new(
        "badoverlay",
        &vendored("identifai.yaml"),
        &vendored("overlay.yaml"),
    );
    std::fs::write(files.dir.join("overlay.yaml"), "actions: [\n").unwrap();
    let problem = one_problem(&files.check()).to_string();
    assert!(
        problem.contains("overlay.yaml is not valid YAML"),
        "{problem}"
    );
}
