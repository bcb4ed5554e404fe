//! The effective OpenAPI description this client was generated from, and
//! its schemas as JSON Schema (feature `spec`).
//!
//! The effective spec is the vendor's description with our overlay of
//! corrections applied, before the build's progenitor-specific rewrites:
//! the same values `cargo xtask effective` prints (there in normal form). It is what a mock, a
//! contract test or another tool should hold answers to.
//!
//! OpenAPI 3.0's Schema Object is not JSON Schema; [`json_schema`] converts
//! one with 3.0.3's rules, so that any JSON Schema validator can check a
//! body against it:
//! - `nullable: true` beside a `type` adds `"null"` to the type (and, as
//!   3.0.3 says, a nullable `enum` takes null only when it lists it);
//!   `nullable` without a `type` has no effect;
//! - a `$ref` stands alone: its siblings are dropped;
//! - `example`, `x-…` and the other OpenAPI-only keywords are dropped;
//! - `#/components/schemas/…` references point into the result's `$defs`;
//!   other local references are resolved and copied in;
//! - `readOnly`/`writeOnly` are kept as annotations: 3.0's rule that a
//!   required read-only property is required in answers only is not
//!   applied (the identifAI spec marks none).
//!
//! A path template matches a concrete path segment by segment (a segment
//! is either literal or a whole `{parameter}`); the paths of the spec are
//! taken as written, without a server's base path.
//!
//! ```
//! use identifai_api::spec;
//!
//! let op = spec::operation("GET", "/api/classification/abc123").unwrap();
//! assert_eq!(op.id(), Some("get_image_classification"));
//! let schema = op.response_schema(200, "application/json").unwrap().unwrap();
//! assert_eq!(schema["$ref"], "#/$defs/ImageClassification");
//! // An undocumented status falls to the documented range.
//! assert!(op.response_schema(404, "application/json").unwrap().is_some());
//! ```

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

// The helpers the build and xtask walk OpenAPI documents with (some of
// them unused here).
#[allow(dead_code)]
#[path = "../build/openapi.rs"]
mod openapi;

pub use openapi::resolve;
use openapi::{METHODS, essence};

/// The JSON Schema dialect [`json_schema`] writes.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The effective spec, as JSON.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/effective.json")))
            .expect("the build writes the effective spec as JSON")
    })
}

/// The operation of the effective spec that serves `method` on `path`
/// (a concrete path such as `/api/classification/abc`, or the template
/// itself); `None` when no documented operation does.
pub fn operation(method: &str, path: &str) -> Option<Operation<'static>> {
    Operation::find(document(), method, path)
}

/// One operation of a spec.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    doc: &'a Value,
    template: &'a str,
    method: &'static str,
    operation: &'a Value,
}

impl<'a> Operation<'a> {
    /// The operation of `doc` for `method` and a concrete or templated
    /// `path` (its query, if any, ignored). A literal segment is preferred
    /// to a template's `{parameter}`, so `/api/classification/heatmap/x`
    /// is the heatmap's, not a classification's.
    pub fn find(doc: &'a Value, method: &str, path: &str) -> Option<Self> {
        let method = METHODS
            .into_iter()
            .find(|m| m.eq_ignore_ascii_case(method))?;
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let wanted: Vec<&str> = path.split('/').collect();
        let paths = doc.get("paths")?.as_object()?;
        paths
            .iter()
            .filter_map(|(template, item)| {
                let operation = item.get(method)?;
                let segments: Vec<&str> = template.split('/').collect();
                if segments.len() != wanted.len() {
                    return None;
                }
                // How literal the match is: the count of literal segments,
                // then which ones (an earlier literal ranks higher).
                let mut literal = (0, Vec::new());
                for (theirs, ours) in segments.iter().zip(&wanted) {
                    let is_parameter = theirs.starts_with('{') && theirs.ends_with('}');
                    if is_parameter {
                        if ours.is_empty() {
                            return None;
                        }
                    } else if theirs == ours {
                        literal.0 += 1;
                    } else {
                        return None;
                    }
                    literal.1.push(!is_parameter);
                }
                Some((literal, template.as_str(), operation))
            })
            // The most literal template wins; between two as literal, the
            // one whose literal segments come first, then the first by
            // name (whatever the order of the document's map).
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))
            .map(|(_, template, operation)| Self {
                doc,
                template,
                method,
                operation,
            })
    }

    /// The path template (`/api/classification/{identifier}`).
    pub fn path(&self) -> &'a str {
        self.template
    }

    /// The method, in lower case.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The operationId (the name of the client's method).
    pub fn id(&self) -> Option<&'a str> {
        self.operation.get("operationId").and_then(Value::as_str)
    }

    /// The operation object itself.
    pub fn raw(&self) -> &'a Value {
        self.operation
    }

    /// The documented response for `status`: the exact code, else its
    /// range (`4XX`), else `default`; with the key it is documented under.
    pub fn response(&self, status: u16) -> Option<(&'a str, &'a Value)> {
        let responses = self.operation.get("responses")?.as_object()?;
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        [exact.as_str(), range.as_str(), "default"]
            .into_iter()
            .find_map(|key| {
                responses
                    .get_key_value(key)
                    .or_else(|| responses.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
                    .map(|(k, v)| (k.as_str(), resolve(self.doc, v)))
            })
    }

    /// The JSON Schema an answer with `status` and `content_type` must
    /// fit: `Ok(None)` when the documented answer has no body or an empty
    /// schema, an error saying what is undocumented otherwise (the status,
    /// or the content type for it).
    pub fn response_schema(
        &self,
        status: u16,
        content_type: &str,
    ) -> Result<Option<Value>, String> {
        let name = self.to_string();
        let (key, response) = self.response(status).ok_or_else(|| {
            format!("{name} documents no answer {status} (nor its range nor a default)")
        })?;
        self.content_schema(response, content_type)
            .map_err(|e| format!("{name} answer {key}: {e}"))
    }

    /// The JSON Schema of the request body sent as `content_type`, like
    /// [`Operation::response_schema`].
    pub fn request_schema(&self, content_type: &str) -> Result<Option<Value>, String> {
        let name = self.to_string();
        let body = self
            .operation
            .get("requestBody")
            .map(|b| resolve(self.doc, b))
            .ok_or_else(|| format!("{name} documents no request body"))?;
        self.content_schema(body, content_type)
            .map_err(|e| format!("{name} request: {e}"))
    }

    fn content_schema(&self, holder: &Value, content_type: &str) -> Result<Option<Value>, String> {
        let Some(content) = holder.get("content").and_then(Value::as_object) else {
            return Ok(None);
        };
        if content.is_empty() {
            return Ok(None);
        }
        let media = media_type(content, content_type).ok_or_else(|| {
            let documented: Vec<&str> = content.keys().map(String::as_str).collect();
            format!(
                "content type `{content_type}` is not documented (documented: {})",
                documented.join(", ")
            )
        })?;
        match media.get("schema") {
            None => Ok(None),
            Some(schema) if schema.as_object().is_some_and(Map::is_empty) => Ok(None),
            Some(schema) => Ok(Some(json_schema(self.doc, schema))),
        }
    }
}

/// `POST /api/classification`: the method in capitals and the template.
impl std::fmt::Display for Operation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method.to_uppercase(), self.template)
    }
}

/// The media type object of `content` for `content_type`, matched on the
/// essence (`type/subtype`, parameters ignored, any case), then on a
/// `type/*` or `*/*` range.
fn media_type<'a>(content: &'a Map<String, Value>, content_type: &str) -> Option<&'a Value> {
    let wanted = essence(content_type);
    let main = wanted.split('/').next().unwrap_or_default().to_string();
    let keyed: Vec<(String, &Value)> = content.iter().map(|(k, v)| (essence(k), v)).collect();
    keyed
        .iter()
        .find(|(k, _)| *k == wanted)
        .or_else(|| keyed.iter().find(|(k, _)| *k == format!("{main}/*")))
        .or_else(|| keyed.iter().find(|(k, _)| k == "*/*"))
        .map(|(_, v)| *v)
}

/// `schema`, an OpenAPI 3.0 Schema Object of `doc`, as a JSON Schema
/// (2020-12) document that stands alone: every component schema of `doc`
/// is converted into its `$defs`.
pub fn json_schema(doc: &Value, schema: &Value) -> Value {
    let defs: Map<String, Value> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, s)| (name.clone(), convert(doc, s, 0)))
                .collect()
        })
        .unwrap_or_default();
    let mut out = match convert(doc, schema, 0) {
        Value::Object(map) => map,
        other => return other,
    };
    out.insert("$schema".into(), json!(DIALECT));
    out.insert("$defs".into(), Value::Object(defs));
    Value::Object(out)
}

/// Keywords whose value is one schema.
const ONE_SCHEMA: [&str; 3] = ["items", "not", "additionalProperties"];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: [&str; 3] = ["allOf", "anyOf", "oneOf"];
/// Keywords that mean the same in both, copied as they are.
const SAME: [&str; 20] = [
    "title",
    "description",
    "multipleOf",
    "maximum",
    "minimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "format",
    "default",
    "readOnly",
    "writeOnly",
    "deprecated",
];

/// The inclusive bound that an exclusive-bound flag of OpenAPI 3.0 makes
/// exclusive.
fn exclusive_bound(key: &str) -> Option<&'static str> {
    match key {
        "exclusiveMaximum" => Some("maximum"),
        "exclusiveMinimum" => Some("minimum"),
        _ => None,
    }
}

/// How deep references outside the components are followed (a cycle).
const MAX_INLINED: usize = 32;

/// One OpenAPI 3.0 Schema Object of `doc` as JSON Schema, without `$defs`;
/// `depth` counts the references inlined on the way here.
fn convert(doc: &Value, schema: &Value, depth: usize) -> Value {
    let Some(map) = schema.as_object() else {
        // `true`/`false` are not 3.0 schemas, but mean the same in JSON Schema.
        return schema.clone();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        if let Some(name) = reference.strip_prefix("#/components/schemas/") {
            return json!({ "$ref": format!("#/$defs/{name}") });
        }
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| doc.pointer(pointer));
        return match target {
            Some(target) if depth < MAX_INLINED => convert(doc, target, depth + 1),
            // Left as written: a validator will say it cannot resolve it.
            _ => json!({ "$ref": reference }),
        };
    }
    let mut out = Map::new();
    for (key, value) in map {
        let key = key.as_str();
        if SAME.contains(&key) {
            out.insert(key.into(), value.clone());
        } else if ONE_SCHEMA.contains(&key) {
            out.insert(key.into(), convert(doc, value, depth));
        } else if SCHEMA_LISTS.contains(&key) {
            let list = value
                .as_array()
                .map(|l| l.iter().map(|s| convert(doc, s, depth)).collect());
            out.insert(key.into(), list.map_or_else(|| value.clone(), Value::Array));
        } else if key == "properties" {
            let props = value.as_object().map(|props| {
                props
                    .iter()
                    .map(|(name, s)| (name.clone(), convert(doc, s, depth)))
                    .collect::<Map<_, _>>()
            });
            out.insert(
                key.into(),
                props.map_or_else(|| value.clone(), Value::Object),
            );
        } else if key == "type" {
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            let ty = if nullable {
                json!([value, "null"])
            } else {
                value.clone()
            };
            out.insert(key.into(), ty);
        }
        // `exclusiveMaximum`/`exclusiveMinimum` are booleans in 3.0 and
        // numbers in JSON Schema: the bound they make exclusive.
        else if let Some(bound) = exclusive_bound(key)
            && value.as_bool() == Some(true)
            && let Some(limit) = map.get(bound)
        {
            out.insert(key.into(), limit.clone());
        }
        // Anything else (`nullable`, `example`, `discriminator`, `xml`,
        // `externalDocs`, `x-…`) has no JSON Schema meaning.
    }
    // The bound an exclusive limit took over is no longer inclusive.
    for exclusive in ["exclusiveMaximum", "exclusiveMinimum"] {
        if out.contains_key(exclusive)
            && let Some(bound) = exclusive_bound(exclusive)
        {
            out.remove(bound);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_adds_null_only_beside_a_type() {
        let doc = json!({});
        let typed = json_schema(&doc, &json!({"type": "string", "nullable": true}));
        assert_eq!(typed["type"], json!(["string", "null"]));
        let untyped = json_schema(&doc, &json!({"nullable": true, "description": "x"}));
        assert!(untyped.get("type").is_none());
    }

    #[test]
    fn a_ref_loses_its_siblings_and_points_into_defs() {
        let doc = json!({"components": {"schemas": {"A": {"type": "object", "example": {}}}}});
        let schema = json_schema(
            &doc,
            &json!({"$ref": "#/components/schemas/A", "nullable": true}),
        );
        assert_eq!(schema["$ref"], "#/$defs/A");
        assert!(schema.get("nullable").is_none());
        assert_eq!(schema["$defs"]["A"], json!({"type": "object"}));
    }

    #[test]
    fn exclusive_bounds_become_numbers() {
        let schema = convert(
            &json!({}),
            &json!({"type": "number", "minimum": 0, "exclusiveMinimum": true}),
            0,
        );
        assert_eq!(schema, json!({"type": "number", "exclusiveMinimum": 0}));
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let op = operation("get", "/api/classification/heatmap/abc").unwrap();
        assert_eq!(op.id(), Some("get_image_heatmap"));
        let op = operation("GET", "/api/classification/abc?x=1").unwrap();
        assert_eq!(op.id(), Some("get_image_classification"));
        assert!(operation("GET", "/api/nowhere").is_none());
        assert!(operation("DELETE", "/api/classification/abc").is_none());
    }

    #[test]
    fn an_earlier_literal_segment_wins_a_tie_whatever_the_map_order() {
        let op = |id: &str| json!({ "get": { "operationId": id } });
        for order in [["/a/{x}/c", "/{y}/b/c"], ["/{y}/b/c", "/a/{x}/c"]] {
            let mut paths = Map::new();
            for template in order {
                paths.insert(template.into(), op(template));
            }
            let doc = json!({ "paths": paths });
            let found = Operation::find(&doc, "GET", "/a/b/c").unwrap();
            assert_eq!(found.path(), "/a/{x}/c");
        }
    }

    #[test]
    fn references_outside_the_components_are_copied_in() {
        let doc = json!({
            "paths": { "/p": { "get": { "x-shared": { "type": "integer" } } } },
            "components": { "schemas": {} }
        });
        let schema = json_schema(
            &doc,
            &json!({ "type": "array", "items": { "$ref": "#/paths/~1p/get/x-shared" } }),
        );
        assert_eq!(schema["items"], json!({ "type": "integer" }));
        let cycle = json!({ "a": { "$ref": "#/a" } });
        assert_eq!(
            json_schema(&cycle, &cycle["a"])["$ref"],
            "#/a",
            "a cycle stops"
        );
    }

    #[test]
    fn content_types_match_by_essence() {
        let op = operation("GET", "/api/classification/heatmap/abc").unwrap();
        assert!(op.response_schema(200, "image/png").is_ok());
        let err = op.response_schema(200, "text/html").unwrap_err();
        assert!(err.contains("`text/html` is not documented"), "{err}");
        let op = operation("GET", "/api/user/credits").unwrap();
        assert!(
            op.response_schema(200, "application/json; charset=utf-8")
                .unwrap()
                .is_some()
        );
    }
}
