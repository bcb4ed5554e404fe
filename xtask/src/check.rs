//! `cargo xtask check`: the vendored files are consistent, and the overlay
//! corrects only what the vendor still gets wrong.
//!
//! It fails, naming the cause, when the spec is not in normal form; when an
//! overlay action matches nothing, sets what the vendor now supplies (an
//! operationId the vendor publishes, content the target already has),
//! replaces a vendor's value without an `x-expect` saying so, or has an
//! `x-expect` that no longer holds; when the overlay leaves a `$ref` to a
//! component that does not exist (naming the action that wrote it); when an
//! operation has no operationId after the overlay or two share one; when
//! the client cannot be generated; and, when asked to build, when
//! `identifai-ext` (the workspace's public surface) no longer compiles
//! against the generated client.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{codegen, openapi, overlay, prepare, spec};

/// What `check` found: every problem, not only the first.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

/// How `check` runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The checkout whose public surface is built against the spec
    /// ([`BUILD`] run there); `None` skips the build. It is built only when
    /// the spec and overlay checked are that checkout's own (the files its
    /// build reads).
    pub build: Option<PathBuf>,
}

/// The build of the public surface: `identifai-ext` with every feature
/// (the SDK, the CLI, the sandbox, the blocking client), which uses the
/// generated types and methods as downstream code does.
pub const BUILD: &[&str] = &["check", "-p", "identifai-ext", "--all-features", "--locked"];

/// How many lines of the build's errors a problem quotes.
const MAX_BUILD_LINES: usize = 30;

/// Checks the spec and overlay at these paths.
pub fn run(spec_path: &Path, overlay_path: &Path, options: &Options) -> Findings {
    let mut findings = Findings::default();
    let text = match std::fs::read_to_string(spec_path) {
        Ok(text) => text,
        Err(e) => {
            findings
                .problems
                .push(format!("cannot read {}: {e}", spec_path.display()));
            return findings;
        }
    };
    let (doc, overlay_doc) = match (
        spec::parse(&text, &spec_path.display().to_string()),
        spec::load(overlay_path),
    ) {
        (Ok(doc), Ok(overlay_doc)) => (doc, overlay_doc),
        (doc, overlay_doc) => {
            findings
                .problems
                .extend(doc.err().into_iter().chain(overlay_doc.err()));
            return findings;
        }
    };

    match spec::to_normalized_yaml(&doc) {
        Ok(normal) if normal == text => findings.notes.push("the spec is in normal form".into()),
        Ok(_) => findings.problems.push(format!(
            "{0} is not in normal form: run `cargo xtask regen --from {0} --spec {0}` to normalise it",
            spec_path.display()
        )),
        Err(e) => findings.problems.push(e),
    }

    let mut corrected = doc.clone();
    let applied = match overlay::apply(&mut corrected, &overlay_doc) {
        Ok(applied) => applied,
        Err(e) => {
            findings
                .problems
                .push(format!("{}: {e}", overlay_path.display()));
            return findings;
        }
    };
    let stale_before = findings.problems.len();
    for action in &applied {
        if let Some(problem) = action_problem(action, overlay_path) {
            findings.problems.push(problem);
        }
    }
    if findings.problems.len() == stale_before {
        findings.notes.push(format!(
            "{} overlay actions apply, each to what the vendor still lacks",
            applied.len()
        ));
    }

    let unmarked = unmarked_descriptions(&overlay_doc);
    if unmarked.is_empty() {
        findings
            .notes
            .push("every description the overlay writes is marked as ours".into());
    }
    findings
        .problems
        .extend(unmarked.into_iter().map(|(target, text)| {
            format!(
                "{}: an action on {target} writes a description that does not start with \
                 `{OUR_MARK}`, so readers take it for the vendor's: {text:?}",
                overlay_path.display()
            )
        }));

    let dangling = dangling_refs(&corrected, &applied, &overlay_doc, overlay_path);
    let blocked = !dangling.is_empty();
    findings.problems.extend(dangling);

    let before = findings.problems.len();
    let ids = operation_ids(&corrected, &mut findings.problems);
    if blocked || findings.problems.len() > before {
        // Generation would only report the same faults again, less clearly
        // (progenitor panics on a dangling `$ref`, often in another
        // operation).
        return findings;
    }
    findings
        .notes
        .push(format!("{ids} operations have distinct operationIds"));

    match codegen::generate(&doc, &overlay_doc) {
        Ok(_) => findings.notes.push("the client generates".into()),
        Err(e) => {
            findings
                .problems
                .push(format!("the client cannot be generated:\n{e}"));
            return findings;
        }
    }

    if let Some(root) = &options.build {
        build(root, spec_path, overlay_path, &mut findings);
    }
    findings
}

/// How a description the overlay writes starts: it is ours, not the
/// vendor's (the vendor's words are only in the vendored file).
pub const OUR_MARK: &str = "(identifai-rs) ";

/// Every description inside an action's `update` that lacks [`OUR_MARK`],
/// with the action's target.
fn unmarked_descriptions(overlay_doc: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, target: &str, found: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    match inner {
                        Value::String(text) if key == "description" => {
                            if !text.starts_with(OUR_MARK) {
                                found.push((target.to_string(), text.clone()));
                            }
                        }
                        _ => walk(inner, target, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, target, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for action in overlay_doc["actions"].as_array().into_iter().flatten() {
        let target = action["target"].as_str().unwrap_or("?");
        walk(&action["update"], target, &mut found);
    }
    found
}

/// One problem for an action that looks out of date, listing every reason.
fn action_problem(action: &overlay::Applied, overlay_path: &Path) -> Option<String> {
    let problems = action.problems();
    let name = format!(
        "overlay action {} (`{}`: {})",
        action.index, action.target, action.description
    );
    let fix = format!("update or delete the action in {}", overlay_path.display());
    match problems.as_slice() {
        [] => None,
        [only] => Some(format!("{name} {only}; {fix}")),
        many => Some(format!(
            "{name} is out of date in {} ways; {fix}:\n{}",
            many.len(),
            many.iter()
                .map(|p| format!("  - {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        )),
    }
}

/// The `$ref`s of the corrected spec that lead nowhere, each named with the
/// overlay actions that wrote it (an update holding that `$ref`, applied at
/// or above where it is), or else as the vendor's own.
fn dangling_refs(
    corrected: &Value,
    applied: &[overlay::Applied],
    overlay_doc: &Value,
    overlay_path: &Path,
) -> Vec<String> {
    let updates: Vec<Option<&Value>> = applied
        .iter()
        .map(|a| {
            overlay_doc["actions"]
                .get(a.index)
                .and_then(|x| x.get("update"))
        })
        .collect();
    openapi::dangling_refs(corrected)
        .into_iter()
        .map(|(at, reference)| {
            let place = overlay::readable(corrected, &at);
            let writers: Vec<String> = applied
                .iter()
                .zip(&updates)
                .filter(|(action, update)| {
                    update.is_some_and(|u| holds_ref(u, &reference))
                        && action
                            .locations
                            .iter()
                            .any(|l| at == *l || at.starts_with(&format!("{l}/")))
                })
                .map(|(action, _)| {
                    format!(
                        "overlay action {} (`{}`: {})",
                        action.index, action.target, action.description
                    )
                })
                .collect();
            match writers.as_slice() {
                [] => format!(
                    "the spec's `$ref` at {place} points to `{reference}`, which does not exist: \
                     the vendor's pages are inconsistent, or a page is missing"
                ),
                writers => format!(
                    "{} puts a `$ref` to `{reference}` at {place}, but that component does not \
                     exist: the vendor may have renamed it; point the action at the new name in {}",
                    writers.join(" and "),
                    overlay_path.display()
                ),
            }
        })
        .collect()
}

/// Whether `value` holds `$ref: reference` anywhere.
fn holds_ref(value: &Value, reference: &str) -> bool {
    match value {
        Value::Object(map) => {
            map.get("$ref").and_then(Value::as_str) == Some(reference)
                || map.values().any(|v| holds_ref(v, reference))
        }
        Value::Array(items) => items.iter().any(|v| holds_ref(v, reference)),
        _ => false,
    }
}

/// Counts the operations, reporting those without an id or sharing one.
fn operation_ids(doc: &Value, problems: &mut Vec<String>) -> usize {
    let mut seen: Vec<(String, String)> = Vec::new();
    let operations = prepare::operations(doc);
    for (path, method, op) in &operations {
        let name = format!("{} {path}", method.to_uppercase());
        match op.get("operationId").and_then(Value::as_str) {
            None => problems.push(format!(
                "{name} has no operationId after the overlay: add an action that sets one"
            )),
            Some(id) => match seen.iter().find(|(other, _)| other == id) {
                Some((_, first)) => {
                    problems.push(format!("{first} and {name} share the operationId `{id}`"))
                }
                None => seen.push((id.to_string(), name)),
            },
        }
    }
    operations.len()
}

/// Builds the public surface in `root` with cargo, when the files checked
/// are the ones its build reads.
fn build(root: &Path, spec_path: &Path, overlay_path: &Path, findings: &mut Findings) {
    let command = format!("cargo {}", BUILD.join(" "));
    let own = |path: &Path, file: &str| {
        let (Ok(path), Ok(own)) = (
            path.canonicalize(),
            root.join("openapi").join(file).canonicalize(),
        ) else {
            return false;
        };
        path == own
    };
    if !own(spec_path, "identifai.yaml") || !own(overlay_path, "overlay.yaml") {
        findings.notes.push(format!(
            "`{command}` was not run: the build reads {}, not the files checked",
            root.join("openapi").display()
        ));
        return;
    }
    // The build may take minutes on a fresh target directory.
    eprintln!("building the public surface: {command}");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(BUILD)
        .args(["--message-format", "short", "--color", "never"])
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            findings
                .problems
                .push(format!("cannot run `{command}` in {}: {e}", root.display()));
            return;
        }
    };
    if output.status.success() {
        findings
            .notes
            .push(format!("the public surface builds (`{command}`)"));
        return;
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error") || line.contains(": error"))
        .collect();
    let quoted: Vec<&str> = if errors.is_empty() {
        let lines: Vec<&str> = stderr.lines().collect();
        lines[lines.len().saturating_sub(MAX_BUILD_LINES)..].to_vec()
    } else {
        errors.into_iter().take(MAX_BUILD_LINES).collect()
    };
    findings.problems.push(format!(
        "`{command}` fails in {}: the generated client no longer has what identifai-ext uses \
         (a type, field or method the vendor renamed or removed); adapt identifai-ext, or the \
         overlay to keep the old name:\n  {}",
        root.display(),
        quoted.join("\n  ")
    ));
}
