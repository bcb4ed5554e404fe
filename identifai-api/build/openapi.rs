//! Walking OpenAPI documents (as JSON values): the one set of helpers that
//! the build's modules, the `spec` module and xtask share (each includes
//! this file by path).

use serde_json::Value;

/// The operations a path item may hold, in the specification's order.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// How many `$ref`s in a row are followed before giving up (a cycle).
const MAX_REFS: usize = 32;

/// Follows local `$ref`s (`#/components/…`) to what they point at; a
/// `$ref` that leads nowhere, or a cycle, stops at the last node found.
pub fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..MAX_REFS {
        let pointer = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix('#'));
        match pointer.and_then(|p| doc.pointer(p)) {
            Some(found) => node = found,
            None => break,
        }
    }
    node
}

/// A media type's essence: `type/subtype` in lower case, parameters
/// (`; charset=…`) dropped.
pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type is JSON (`application/json`, with parameters).
pub fn is_json(media_type: &str) -> bool {
    essence(media_type) == "application/json"
}

/// The name a `$ref` points at: its last segment
/// (`#/components/schemas/User` → `User`).
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// The local `$ref`s of a document that lead nowhere: the JSON pointer of
/// each object holding such a `$ref`, and the reference.
pub fn dangling_refs(doc: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![(String::new(), doc)];
    while let Some((at, node)) = stack.pop() {
        match node {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str)
                    && let Some(pointer) = reference.strip_prefix('#')
                    && doc.pointer(pointer).is_none()
                {
                    found.push((at.clone(), reference.to_string()));
                }
                for (key, value) in map {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    stack.push((format!("{at}/{key}"), value));
                }
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    stack.push((format!("{at}/{i}"), value));
                }
            }
            _ => {}
        }
    }
    found.sort();
    found
}
