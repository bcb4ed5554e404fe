//! `cargo xtask check`: the vendored files are consistent.
//!
//! It fails, naming the cause, when the spec is not in normal form, when an
//! overlay action matches nothing (the vendor fixed or moved what it
//! corrects), when an operation has no operationId after the overlay or two
//! share one, or when the client cannot be generated.

use std::path::Path;

use serde_json::Value;

use crate::{codegen, overlay, prepare, spec};

/// What `check` found: every problem, not only the first.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

/// Checks the spec and overlay at these paths.
pub fn run(spec_path: &Path, overlay_path: &Path) -> Findings {
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
    match overlay::apply(&mut corrected, &overlay_doc) {
        Ok(applied) => {
            for action in applied.iter().filter(|a| a.matched == 0) {
                findings.problems.push(format!(
                    "overlay action {} matches nothing: `{}` ({}); the vendor may have fixed or \
                     moved what it corrects: update or delete the action in {}",
                    action.index,
                    action.target,
                    action.description,
                    overlay_path.display()
                ));
            }
            findings
                .notes
                .push(format!("{} overlay actions apply", applied.len()));
        }
        Err(e) => {
            findings
                .problems
                .push(format!("{}: {e}", overlay_path.display()));
            return findings;
        }
    }

    let before = findings.problems.len();
    let ids = operation_ids(&corrected, &mut findings.problems);
    if findings.problems.len() > before {
        // Generation would only report the same faults again.
        return findings;
    }
    findings
        .notes
        .push(format!("{ids} operations have distinct operationIds"));

    match codegen::generate(&doc, &overlay_doc) {
        Ok(_) => findings.notes.push("the client generates".into()),
        Err(e) => findings
            .problems
            .push(format!("the client cannot be generated:\n{e}")),
    }
    findings
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
