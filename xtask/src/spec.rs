//! Reading, normalising and writing the vendored spec.
//!
//! The normal form makes `openapi/identifai.yaml` stable: name-keyed maps
//! (paths, components, responses) are sorted, the keys of each OpenAPI
//! object come in a fixed order, and what has a meaningful order is kept as
//! written: schema properties (the order of the fields in the docs and on
//! the wire), lists such as tags and enum values.

use std::path::Path;

use serde_json::{Map, Value};

/// Parses YAML (or JSON) text.
pub fn parse(text: &str, what: &str) -> Result<Value, String> {
    serde_norway::from_str(text).map_err(|e| format!("{what} is not valid YAML: {e}"))
}

/// Reads and parses a YAML file.
pub fn load(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text, &path.display().to_string())
}

/// The document in normal form, as YAML text that YAML 1.1 and 1.2
/// readers read alike (see [`crate::yaml`]).
pub fn to_normalized_yaml(doc: &Value) -> Result<String, String> {
    Ok(crate::yaml::to_string(&normalize(doc)))
}

/// Writes `text` to `path` atomically: a reader sees the old file or the new
/// one, never half of one.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| format!("cannot write {}: {e}", file.path().display()))?;
    // A temporary file is private (0600); the spec keeps the old file's
    // permissions, or those of an ordinary file.
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        Err(_) => ordinary_permissions(file.as_file())?,
    };
    file.as_file().set_permissions(permissions).map_err(|e| {
        format!(
            "cannot set the permissions of {}: {e}",
            file.path().display()
        )
    })?;
    file.persist(path)
        .map_err(|e| format!("cannot replace {}: {}", path.display(), e.error))?;
    Ok(())
}

#[cfg(unix)]
fn ordinary_permissions(_: &std::fs::File) -> Result<std::fs::Permissions, String> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn ordinary_permissions(file: &std::fs::File) -> Result<std::fs::Permissions, String> {
    file.metadata()
        .map(|m| m.permissions())
        .map_err(|e| e.to_string())
}

/// What kind of object a map is, which decides the order of its keys.
#[derive(Clone, Copy)]
enum Kind {
    Document,
    Info,
    Paths,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Responses,
    Response,
    Content,
    MediaType,
    Components,
    NamedSchemas,
    NamedMap(Item),
    Schema,
    Properties,
    Other,
}

/// What the values of a name-keyed map are.
#[derive(Clone, Copy)]
enum Item {
    Response,
    Parameter,
    RequestBody,
    Other,
}

const DOCUMENT: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "paths",
    "components",
];
const INFO: &[&str] = &["title", "version", "description"];
use crate::openapi::METHODS;
const OPERATION: &[&str] = &[
    "tags",
    "summary",
    "description",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "security",
];
const PARAMETER: &[&str] = &["name", "in", "required", "description", "schema"];
const RESPONSE: &[&str] = &["description", "headers", "content"];
const MEDIA_TYPE: &[&str] = &["schema", "example", "examples", "encoding"];
const COMPONENTS: &[&str] = &[
    "schemas",
    "parameters",
    "requestBodies",
    "responses",
    "securitySchemes",
];
const SCHEMA: &[&str] = &[
    "$ref",
    "type",
    "format",
    "nullable",
    "description",
    "enum",
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "example",
];

/// The document in normal form.
pub fn normalize(doc: &Value) -> Value {
    walk(doc, Kind::Document)
}

fn walk(value: &Value, kind: Kind) -> Value {
    match value {
        Value::Object(map) => Value::Object(walk_map(map, kind)),
        Value::Array(items) => {
            let item_kind = match kind {
                Kind::Parameter => Kind::Parameter,
                Kind::Schema => Kind::Schema,
                _ => Kind::Other,
            };
            Value::Array(items.iter().map(|v| walk(v, item_kind)).collect())
        }
        other => other.clone(),
    }
}

fn child_kind(kind: Kind, key: &str) -> Kind {
    match (kind, key) {
        (Kind::Document, "info") => Kind::Info,
        (Kind::Document, "paths") => Kind::Paths,
        (Kind::Document, "components") => Kind::Components,
        (Kind::Paths, _) => Kind::PathItem,
        (Kind::PathItem, "parameters") | (Kind::Operation, "parameters") => Kind::Parameter,
        (Kind::PathItem, m) if METHODS.contains(&m) => Kind::Operation,
        (Kind::Operation, "requestBody") => Kind::RequestBody,
        (Kind::Operation, "responses") => Kind::Responses,
        (Kind::Responses, _) => Kind::Response,
        (Kind::RequestBody | Kind::Response, "content") => Kind::Content,
        (Kind::Content, _) => Kind::MediaType,
        (Kind::MediaType | Kind::Parameter, "schema") => Kind::Schema,
        (Kind::Components, "schemas") => Kind::NamedSchemas,
        (Kind::Components, "responses") => Kind::NamedMap(Item::Response),
        (Kind::Components, "parameters") => Kind::NamedMap(Item::Parameter),
        (Kind::Components, "requestBodies") => Kind::NamedMap(Item::RequestBody),
        (Kind::Components, _) => Kind::NamedMap(Item::Other),
        (Kind::NamedSchemas, _) => Kind::Schema,
        (Kind::NamedMap(Item::Response), _) => Kind::Response,
        (Kind::NamedMap(Item::Parameter), _) => Kind::Parameter,
        (Kind::NamedMap(Item::RequestBody), _) => Kind::RequestBody,
        (Kind::Schema, "properties") => Kind::Properties,
        (Kind::Schema, "items" | "additionalProperties" | "allOf" | "oneOf" | "anyOf" | "not") => {
            Kind::Schema
        }
        (Kind::Properties, _) => Kind::Schema,
        _ => Kind::Other,
    }
}

fn walk_map(map: &Map<String, Value>, kind: Kind) -> Map<String, Value> {
    let mut keys: Vec<&String> = map.keys().collect();
    match kind {
        // Names: sorted, so that the order of the pages does not matter.
        Kind::Paths | Kind::Responses | Kind::Content | Kind::NamedSchemas | Kind::NamedMap(_) => {
            keys.sort()
        }
        // The fields in the order the docs give them.
        Kind::Properties | Kind::Other => {}
        Kind::Document => order(&mut keys, DOCUMENT),
        Kind::Info => order(&mut keys, INFO),
        Kind::PathItem => {
            let mut fixed = vec!["summary", "description", "parameters"];
            fixed.extend_from_slice(&METHODS);
            order(&mut keys, &fixed)
        }
        Kind::Operation => order(&mut keys, OPERATION),
        Kind::Parameter => order(&mut keys, PARAMETER),
        Kind::RequestBody => order(&mut keys, &["description", "required", "content"]),
        Kind::Response => order(&mut keys, RESPONSE),
        Kind::MediaType => order(&mut keys, MEDIA_TYPE),
        Kind::Components => order(&mut keys, COMPONENTS),
        Kind::Schema => order(&mut keys, SCHEMA),
    }
    keys.into_iter()
        .map(|key| (key.clone(), walk(&map[key], child_kind(kind, key))))
        .collect()
}

/// Puts the keys named in `fixed` first, in that order, then the others
/// sorted.
fn order(keys: &mut [&String], fixed: &[&str]) {
    keys.sort_by_key(|key| {
        let rank = fixed.iter().position(|f| f == key).unwrap_or(fixed.len());
        (rank, key.to_string())
    });
}
