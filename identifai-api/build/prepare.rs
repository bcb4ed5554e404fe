//! Turns the spec (after the overlay) into what progenitor can compile.
//!
//! Each step works around one known limit of progenitor 0.15 in a general
//! way, so that a new operation of the same kind needs no code change:
//! - a nullable reference written for OpenAPI 3.0 validators,
//!   `anyOf: [{$ref}, {nullable: true, enum: [null]}]`, would become an
//!   untagged enum: it is read back as the `$ref` with `nullable: true`;
//! - a `$ref` with `nullable: true` beside it loses the `nullable`: such
//!   a reference is wrapped in `allOf`;
//! - inline enums are closed: a schema marked `x-identifai-open-enum: Name`
//!   becomes the component `Name`, later generated as an open enum;
//! - one success type per operation: where an answer comes as JSON or in
//!   other forms chosen by an `Accept` header parameter (the submissions'
//!   JSON or plain text), the client asks for JSON (progenitor sends
//!   `Accept: application/json`), so the other forms and the parameter go;
//! - multipart bodies are rejected: those operations are taken out of the
//!   document and handed to our own generator (see `multipart.rs`);
//! - some constructs panic inside progenitor: they are found here first and
//!   reported with the operation they are in.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

pub use crate::openapi::resolve;
use crate::openapi::{METHODS, is_json};

pub const OPEN_ENUM_KEY: &str = "x-identifai-open-enum";

/// An enum that must accept values the spec does not list.
#[derive(Debug, Clone)]
pub struct OpenEnum {
    pub name: String,
    pub description: Option<String>,
    pub values: Vec<String>,
}

/// The spec split for generation.
pub struct Prepared {
    /// Everything progenitor compiles: the spec without multipart operations.
    pub progenitor_doc: Value,
    /// The multipart operations, left as written (with their path-level
    /// parameters merged in).
    pub multipart_ops: Vec<RawOperation>,
    pub open_enums: Vec<OpenEnum>,
}

/// One operation taken out of the spec.
pub struct RawOperation {
    pub path: String,
    pub method: String,
    pub operation: Value,
}

pub fn prepare(mut doc: Value) -> Result<Prepared, String> {
    collapse_null_alternatives(&mut doc);
    let open_enums = hoist_open_enums(&mut doc)?;
    wrap_nullable_refs(&mut doc);
    ask_for_json(&mut doc);
    drop_codes_covered_by_ranges(&mut doc);
    check_operations(&doc)?;
    let multipart_ops = take_multipart_operations(&mut doc)?;
    Ok(Prepared {
        progenitor_doc: doc,
        multipart_ops,
        open_enums,
    })
}

/// Every operation, as (path, method, operation).
pub fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    out.push((path.clone(), method.to_string(), op));
                }
            }
        }
    }
    out
}

fn op_name(path: &str, method: &str, op: &Value) -> String {
    match op.get("operationId").and_then(Value::as_str) {
        Some(id) => format!("`{id}` ({} {path})", method.to_uppercase()),
        None => format!("{} {path}", method.to_uppercase()),
    }
}

fn hoist_open_enums(doc: &mut Value) -> Result<Vec<OpenEnum>, String> {
    let mut found: BTreeMap<String, OpenEnum> = BTreeMap::new();
    hoist_in(doc, &mut found)?;
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("the spec has no components.schemas")?;
    for open in found.values() {
        if schemas.contains_key(&open.name) {
            return Err(format!(
                "open enum `{}` would replace the component schema of the same name",
                open.name
            ));
        }
        schemas.insert(
            open.name.clone(),
            json!({ "type": "string", "enum": open.values, OPEN_ENUM_KEY: open.name }),
        );
    }
    Ok(found.into_values().collect())
}

fn hoist_in(node: &mut Value, found: &mut BTreeMap<String, OpenEnum>) -> Result<(), String> {
    match node {
        Value::Object(map) => {
            if let Some(name) = map.get(OPEN_ENUM_KEY).and_then(Value::as_str) {
                let name = name.to_string();
                let values: Vec<String> = map
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|values| {
                        values
                            .iter()
                            .filter_map(Value::as_str)
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default();
                if syn::parse_str::<syn::Ident>(&name).is_err() {
                    return Err(format!(
                        "`{OPEN_ENUM_KEY}: {name}` does not name a Rust type"
                    ));
                }
                let description = map
                    .get("description")
                    .and_then(Value::as_str)
                    .map(String::from);
                // Sites that share an open enum may list different values
                // (the vendor adds one in one place first): the enum knows
                // them all.
                let open = found.entry(name.clone()).or_insert_with(|| OpenEnum {
                    name: name.clone(),
                    description,
                    values: Vec::new(),
                });
                for value in values {
                    if !open.values.contains(&value) {
                        open.values.push(value);
                    }
                }
                let mut replacement = Map::new();
                replacement.insert("$ref".into(), json!(format!("#/components/schemas/{name}")));
                for key in ["nullable", "description"] {
                    if let Some(v) = map.get(key) {
                        replacement.insert(key.into(), v.clone());
                    }
                }
                *map = replacement;
                return Ok(());
            }
            for value in map.values_mut() {
                hoist_in(value, found)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                hoist_in(item, found)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether `schema` admits only null (`enum: [null]`).
fn is_only_null(schema: &Value) -> bool {
    schema.get("enum") == Some(&json!([null]))
}

/// `anyOf: [S, {…, enum: [null]}]` (either order) becomes S's keys with
/// `nullable: true`, beside the schema's own keys (its description).
fn collapse_null_alternatives(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let pair =
                map.get("anyOf")
                    .and_then(Value::as_array)
                    .and_then(|list| match list.as_slice() {
                        [a, b] if is_only_null(b) && !is_only_null(a) => Some(a.clone()),
                        [a, b] if is_only_null(a) && !is_only_null(b) => Some(b.clone()),
                        _ => None,
                    });
            if let Some(Value::Object(other)) = pair {
                map.shift_remove("anyOf");
                for (key, value) in other {
                    map.entry(key).or_insert(value);
                }
                map.insert("nullable".into(), Value::Bool(true));
            }
            map.values_mut().for_each(collapse_null_alternatives);
        }
        Value::Array(items) => items.iter_mut().for_each(collapse_null_alternatives),
        _ => {}
    }
}

fn wrap_nullable_refs(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.contains_key("$ref") && map.get("nullable") == Some(&Value::Bool(true)) {
                let reference = map.shift_remove("$ref").unwrap_or_default();
                map.insert("allOf".into(), json!([{ "$ref": reference }]));
                return;
            }
            map.values_mut().for_each(wrap_nullable_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(wrap_nullable_refs),
        _ => {}
    }
}

/// In every answer that offers JSON, only JSON is kept; an operation that
/// has such an answer loses its `Accept` header parameter (the client
/// always asks for JSON; another choice would not decode).
fn ask_for_json(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let mut narrowed = false;
            for response in op
                .get_mut("responses")
                .and_then(Value::as_object_mut)
                .into_iter()
                .flat_map(|r| r.values_mut())
            {
                if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                    && content.keys().any(|mt| is_json(mt))
                    && content.keys().any(|mt| !is_json(mt))
                {
                    content.retain(|mt, _| is_json(mt));
                    narrowed = true;
                }
            }
            if narrowed && let Some(Value::Array(parameters)) = op.get_mut("parameters") {
                parameters.retain(|p| {
                    !(p.get("in").and_then(Value::as_str) == Some("header")
                        && p.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case("accept")))
                });
            }
        }
    }
}

/// Progenitor matches a range (`4XX`) before an exact code within it
/// (`429`), leaving the code's arm unreachable; when both carry the same
/// body the code adds nothing, so it is dropped.
fn drop_codes_covered_by_ranges(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for method in METHODS {
            let Some(responses) = item
                .get_mut(method)
                .and_then(|op| op.get_mut("responses"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let covered: Vec<String> = responses
                .iter()
                .filter(|(code, response)| {
                    code.len() == 3
                        && code.bytes().all(|b| b.is_ascii_digit())
                        && responses
                            .get(&format!("{}XX", &code[..1]))
                            .is_some_and(|range| body_schemas(range) == body_schemas(response))
                })
                .map(|(code, _)| code.clone())
                .collect();
            for code in covered {
                responses.shift_remove(&code);
            }
        }
    }
}

/// A response's media types with their schemas (examples aside).
fn body_schemas(response: &Value) -> Vec<(&String, Option<&Value>)> {
    response
        .get("content")
        .and_then(Value::as_object)
        .map(|content| {
            content
                .iter()
                .map(|(mt, media)| (mt, media.get("schema")))
                .collect()
        })
        .unwrap_or_default()
}

fn check_operations(doc: &Value) -> Result<(), String> {
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for (path, method, op) in operations(doc) {
        let name = op_name(&path, &method, op);
        match op.get("operationId").and_then(Value::as_str) {
            None => problems.push(format!(
                "{name} has no operationId: add one in openapi/overlay.yaml"
            )),
            Some(id) => {
                if let Some(other) = ids.insert(id.to_string(), name.clone()) {
                    problems.push(format!("{name} and {other} share the operationId `{id}`"));
                }
            }
        }
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            problems.push(format!("{name} has no responses"));
            continue;
        };
        let mut error_kinds = BTreeMap::new();
        let mut success_kinds = BTreeMap::new();
        for (status, response) in responses {
            let response = resolve(doc, response);
            let content = response.get("content").and_then(Value::as_object);
            let json = content.and_then(|c| c.iter().find(|(mt, _)| is_json(mt)));
            let kind = match (json, content) {
                (Some((_, media)), _) => match media.get("schema") {
                    Some(schema) => {
                        format!("JSON {}", serde_json::to_string(schema).unwrap_or_default())
                    }
                    None => {
                        problems.push(format!(
                            "{name}: response {status} is JSON with no schema (an example alone \
                             makes progenitor panic); give it a schema in openapi/overlay.yaml"
                        ));
                        continue;
                    }
                },
                (None, Some(c)) if !c.is_empty() => "raw bytes".to_string(),
                _ => "no body".to_string(),
            };
            let bucket = if status == "default" || status.starts_with('2') {
                &mut success_kinds
            } else {
                &mut error_kinds
            };
            bucket.insert(kind, status.clone());
        }
        for (what, kinds) in [("success", &success_kinds), ("error", &error_kinds)] {
            if kinds.len() > 1 {
                let listed: Vec<String> = kinds
                    .iter()
                    .map(|(kind, status)| format!("{status}: {kind}"))
                    .collect();
                problems.push(format!(
                    "{name}: its {what} responses have different bodies ({}); the client needs \
                     one {what} type per operation, so align them in openapi/overlay.yaml",
                    listed.join("; ")
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn is_multipart(doc: &Value, op: &Value) -> bool {
    op.get("requestBody")
        .map(|body| resolve(doc, body))
        .and_then(|body| body.get("content"))
        .and_then(Value::as_object)
        .is_some_and(|content| {
            content
                .keys()
                .any(|mt| mt.starts_with("multipart/form-data"))
        })
}

fn take_multipart_operations(doc: &mut Value) -> Result<Vec<RawOperation>, String> {
    let mut taken = Vec::new();
    let targets: Vec<(String, String)> = operations(doc)
        .into_iter()
        .filter(|(_, _, op)| is_multipart(doc, op))
        .map(|(path, method, _)| (path, method))
        .collect();
    for (path, method) in targets {
        let paths = doc["paths"].as_object_mut().ok_or("paths is not a map")?;
        let item = paths
            .get_mut(&path)
            .and_then(Value::as_object_mut)
            .ok_or("path item vanished")?;
        let mut operation = item.shift_remove(&method).unwrap_or_default();
        // Path-level parameters apply to the operation too, unless the
        // operation redefines them (same name and location).
        if let Some(Value::Array(shared)) = item.get("parameters") {
            let own = operation
                .as_object_mut()
                .ok_or("operation is not a map")?
                .entry("parameters")
                .or_insert_with(|| json!([]));
            if let Value::Array(own) = own {
                let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
                let redefined: Vec<_> = own.iter().map(key).collect();
                own.extend(
                    shared
                        .iter()
                        .filter(|p| !redefined.contains(&key(p)))
                        .cloned(),
                );
            }
        }
        let empty = !METHODS.iter().any(|m| item.contains_key(*m));
        if empty {
            paths.shift_remove(&path);
        }
        taken.push(RawOperation {
            path,
            method,
            operation,
        });
    }
    Ok(taken)
}
