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
            &check::Options::default(),
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
        &check::Options::default(),
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
fn a_description_the_overlay_writes_without_our_mark_is_reported() {
    let mut overlay = vendored("overlay.yaml");
    // An action that writes words of ours as if they were the vendor's.
    let action = overlay["actions"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a["update"]["properties"]["available_credits"].is_object())
        .expect("the credits action");
    action["update"]["properties"]["available_credits"]["description"] =
        Value::String("Credits left to spend.".into());
    let files = Files::new("unmarked", &vendored("identifai.yaml"), &overlay);
    let problem = one_problem(&files.check()).to_string();
    assert!(problem.contains("(identifai-rs) "), "{problem}");
    assert!(problem.contains("Credits left to spend."), "{problem}");
    assert!(problem.contains("/api/user/credits"), "{problem}");
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

/// The vendored spec, changed by `edit`, checked with the vendored overlay.
fn check_edited(name: &str, edit: impl FnOnce(&mut Value)) -> check::Findings {
    let mut spec = vendored("identifai.yaml");
    edit(&mut spec);
    Files::new(name, &spec, &vendored("overlay.yaml")).check()
}

/// The problems that name the overlay action with this description.
fn about<'f>(findings: &'f check::Findings, description: &str) -> Vec<&'f String> {
    findings
        .problems
        .iter()
        .filter(|p| p.starts_with("overlay action") && p.contains(description))
        .collect()
}

const CREDITS: &str = "/api/user/credits";

#[test]
fn an_operation_id_the_vendor_now_publishes_fails_naming_the_action() {
    let findings = check_edited("vendorid", |spec| {
        spec["paths"][CREDITS]["get"]["operationId"] = json!("getUserCredits");
    });
    let problem = one_problem(&findings);
    assert!(
        problem.contains("Name the operation get_credits"),
        "{problem}"
    );
    assert!(
        problem.contains(
            "replaces the vendor's `operationId` (`\"getUserCredits\"`) with `\"get_credits\"`"
        ),
        "{problem}"
    );
    assert!(
        problem.contains("$.paths['/api/user/credits'].get"),
        "{problem}"
    );

    // The vendor publishes the very name we give: the action is redundant.
    let findings = check_edited("sameid", |spec| {
        spec["paths"][CREDITS]["get"]["operationId"] = json!("get_credits");
    });
    let problem = one_problem(&findings);
    assert!(
        problem.contains("already has `operationId` as the action sets it"),
        "{problem}"
    );
}

#[test]
fn the_vendor_fixing_the_envelope_quirk_fails_naming_the_action() {
    let findings = check_edited("envelope", |spec| {
        for path in ["/api/partner/user", "/api/partner/send_creation_email"] {
            spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"] = json!({
                    "type": "object",
                    "properties": {"data": {"$ref": "#/components/schemas/User"}}
            });
        }
    });
    let problems = about(&findings, "Decode the {\"data\": ...} envelope");
    assert_eq!(problems.len(), 1, "{:#?}", findings.problems);
    let problem = problems[0];
    assert!(problem.contains("out of date in 2 ways"), "{problem}");
    assert!(
        problem.contains(
            "x-expect says the vendor's spec is `{\"$ref\":\"#/components/schemas/User\"}`"
        ),
        "{problem}"
    );
    assert!(
        problem.contains("/api/partner/send_creation_email"),
        "{problem}"
    );
}

#[test]
fn a_correction_the_vendor_made_itself_fails_naming_the_action() {
    let findings = check_edited("fixed", |spec| {
        spec["components"]["schemas"]["User"]["properties"]["readonly"]["nullable"] = json!(true);
    });
    let problem = one_problem(&findings);
    assert!(
        problem.contains("The documented examples show these fields as null"),
        "{problem}"
    );
    assert!(
        problem.contains(
            "at $.components.schemas.User.properties.readonly, the spec already has `nullable`"
        ),
        "{problem}"
    );

    // The vendor documents the credits now: the action that types them
    // expects no properties there.
    let findings = check_edited("credits", |spec| {
        spec["paths"][CREDITS]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["properties"] = json!({"credits": {"type": "integer"}});
    });
    let problem = one_problem(&findings);
    assert!(
        problem.contains("documented only by an example")
            && problem.contains("has no `properties`, but it has `properties: {\"credits\""),
        "{problem}"
    );
}

#[test]
fn expectations_say_what_the_target_lacks_has_or_is() {
    let spec = vendored("identifai.yaml");
    let action = |expect: Value| {
        json!({
            "target": "$.components.schemas.Pricing.properties.sku",
            "description": "a test correction",
            "x-expect": expect,
            "update": {"type": "string", "description": "The plan's code."}
        })
    };
    let check_with = |name: &str, expect: Value| {
        let mut overlay = vendored("overlay.yaml");
        overlay["actions"]
            .as_array_mut()
            .unwrap()
            .push(action(expect));
        Files::new(name, &spec, &overlay).check()
    };
    // What the vendor has: `type: string` and a description, no `format`.
    for holds in [
        json!({"lacks": ["format"]}),
        json!({"has": {"type": "string"}}),
        json!({"has": {"description": "SKU code associated with the pricing plan."}}),
        json!({"is": {"type": "string", "description": "SKU code associated with the pricing plan."}}),
    ] {
        let findings = check_with("holds", holds.clone());
        let problems = about(&findings, "a test correction");
        // `type` is set to what it already is.
        assert_eq!(problems.len(), 1, "{holds}: {:#?}", findings.problems);
        assert!(
            problems[0].contains("already has `type`"),
            "{}",
            problems[0]
        );
    }
    // Without an x-expect the new description overrides the vendor's.
    let mut overlay = vendored("overlay.yaml");
    let mut bare = action(json!({}));
    bare.as_object_mut().unwrap().remove("x-expect");
    overlay["actions"].as_array_mut().unwrap().push(bare);
    let findings = Files::new("bare", &spec, &overlay).check();
    let problems = about(&findings, "a test correction");
    assert!(
        problems[0].contains("replaces the vendor's `description`"),
        "{problems:#?}"
    );

    for (fails, says) in [
        (
            json!({"lacks": ["type"]}),
            "has no `type`, but it has `type: \"string\"`",
        ),
        (
            json!({"has": {"type": "integer"}}),
            "has `type: \"integer\"`, but it has `type: \"string\"`",
        ),
        (
            json!({"has": {"format": "uuid"}}),
            "has `format: \"uuid\"`, but it has none",
        ),
        (
            json!({"is": {"type": "string"}}),
            "is `{\"type\":\"string\"}`, but it is",
        ),
    ] {
        let findings = check_with("fails", fails.clone());
        let problems = about(&findings, "a test correction");
        assert_eq!(problems.len(), 1, "{fails}: {:#?}", findings.problems);
        assert!(problems[0].contains(says), "{fails}: {}", problems[0]);
    }

    for malformed in [
        json!({"absent": ["type"]}),
        json!({"lacks": "type"}),
        json!({}),
        json!("x"),
    ] {
        let problem = one_problem(&check_with("malformed", malformed.clone())).to_string();
        assert!(problem.contains("`x-expect`"), "{malformed}: {problem}");
    }
}

#[test]
fn a_renamed_component_the_overlay_points_at_names_the_action_not_progenitor() {
    let findings = check_edited("renamed", |spec| {
        let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
        let user = schemas.shift_remove("User").unwrap();
        schemas.insert("Account".into(), user);
        let text = serde_json::to_string(spec).unwrap().replace(
            "#/components/schemas/User\"",
            "#/components/schemas/Account\"",
        );
        *spec = serde_json::from_str(&text).unwrap();
    });
    let dangling: Vec<&String> = findings
        .problems
        .iter()
        .filter(|p| p.contains("puts a `$ref`"))
        .collect();
    assert_eq!(dangling.len(), 1, "{:#?}", findings.problems);
    assert!(
        dangling[0].contains("wrap the user in")
            && dangling[0].contains(
                "puts a `$ref` to `#/components/schemas/User` at \
                 $.components.schemas.UserEnvelope.properties.data"
            ),
        "{}",
        dangling[0]
    );
    assert!(
        findings
            .problems
            .iter()
            .all(|p| !p.contains("progenitor") && !p.contains("cannot be generated")),
        "{:#?}",
        findings.problems
    );
}

#[test]
fn a_dangling_ref_of_the_vendors_own_is_named_as_such() {
    let findings = check_edited("vendorref", |spec| {
        spec["components"]["schemas"]["User"]["properties"]["pricing"] =
            json!({"$ref": "#/components/schemas/Plan"});
    });
    assert!(
        findings.problems.iter().any(|p| p.starts_with(
            "the spec's `$ref` at $.components.schemas.User.properties.pricing points to \
             `#/components/schemas/Plan`, which does not exist"
        )),
        "{:#?}",
        findings.problems
    );
}

/// A checkout with the vendored overlay, `spec`, and a stand-in for
/// identifai-ext that, like the real one, stops compiling when the
/// generated client loses `types::Pricing` (its build script reads the
/// checkout's spec, as identifai-api's does).
fn checkout_with_downstream(spec: &Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"identifai-ext\"]\nresolver = \"3\"\n",
    );
    write(
        "Cargo.lock",
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual \
         editing.\nversion = 4\n\n[[package]]\nname = \"identifai-ext\"\nversion = \"0.0.0\"\n",
    );
    write(
        "openapi/identifai.yaml",
        &xtask::spec::to_normalized_yaml(spec).unwrap(),
    );
    write(
        "openapi/overlay.yaml",
        &serde_norway::to_string(&vendored("overlay.yaml")).unwrap(),
    );
    write(
        "identifai-ext/Cargo.toml",
        "[package]\nname = \"identifai-ext\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[features]\ncli = []\n",
    );
    write(
        "identifai-ext/build.rs",
        r#"fn main() {
    println!("cargo::rustc-check-cfg=cfg(pricing_gone)");
    println!("cargo::rerun-if-changed=../openapi/identifai.yaml");
    let spec = std::fs::read_to_string("../openapi/identifai.yaml").unwrap();
    if !spec.contains("\n    Pricing:\n") {
        println!("cargo::rustc-cfg=pricing_gone");
    }
}
"#,
    );
    write(
        "identifai-ext/src/lib.rs",
        "//! Uses `identifai_api::types::Pricing`.\n#[cfg(pricing_gone)]\n\
         compile_error!(\"cannot find type `Pricing` in module `types`\");\n",
    );
    dir
}

fn check_checkout(root: &std::path::Path) -> check::Findings {
    check::run(
        &root.join("openapi/identifai.yaml"),
        &root.join("openapi/overlay.yaml"),
        &check::Options {
            build: Some(root.to_path_buf()),
        },
    )
}

#[test]
fn check_builds_the_public_surface_and_fails_when_a_rename_breaks_it() {
    let checkout = checkout_with_downstream(&vendored("identifai.yaml"));
    let findings = check_checkout(checkout.path());
    assert!(findings.problems.is_empty(), "{:#?}", findings.problems);
    assert!(
        findings.notes.iter().any(|n| n
            == "the public surface builds (`cargo check -p identifai-ext --all-features --locked`)"),
        "{:#?}",
        findings.notes
    );

    // The vendor renames Pricing, which the overlay never mentions: every
    // check of the spec passes, the downstream build does not.
    let mut spec = vendored("identifai.yaml");
    let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
    let pricing = schemas.shift_remove("Pricing").unwrap();
    schemas.insert("Plan".into(), pricing);
    let text = serde_json::to_string(&spec).unwrap().replace(
        "#/components/schemas/Pricing\"",
        "#/components/schemas/Plan\"",
    );
    let checkout = checkout_with_downstream(&serde_json::from_str(&text).unwrap());
    let findings = check_checkout(checkout.path());
    let problem = one_problem(&findings);
    assert!(
        problem.starts_with("`cargo check -p identifai-ext --all-features --locked` fails"),
        "{problem}"
    );
    assert!(
        problem.contains("cannot find type `Pricing` in module `types`"),
        "{problem}"
    );
    assert!(findings.notes.iter().any(|n| n == "the client generates"));
}

#[test]
fn the_build_is_not_run_for_files_the_checkouts_build_does_not_read() {
    let checkout = checkout_with_downstream(&vendored("identifai.yaml"));
    let root = xtask::workspace_root().unwrap();
    let findings = check::run(
        &root.join("openapi/identifai.yaml"),
        &root.join("openapi/overlay.yaml"),
        &check::Options {
            build: Some(checkout.path().to_path_buf()),
        },
    );
    assert!(findings.problems.is_empty(), "{:#?}", findings.problems);
    assert!(
        findings.notes.iter().any(|n| n.contains("was not run")),
        "{:#?}",
        findings.notes
    );
}
