//! Our generator for the operations whose body is `multipart/form-data`,
//! which progenitor rejects. It reads them from the spec and emits the same
//! builder style as progenitor (a method on `Client`, a builder in
//! `builder`, `ResponseValue<T>` / `Error<E>`, the client hooks), plus
//! typed httpmock helpers. Anything it cannot generate is an error that
//! names the operation and the construct.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::{enums, openapi};

#[path = "multipart_client.rs"]
mod client;
#[path = "multipart_mock.rs"]
mod mock;

use crate::prepare::{OPEN_ENUM_KEY, RawOperation, resolve};
pub use client::{client_code, form_fields_code};
pub use mock::mock_code;

/// One multipart operation, understood.
pub struct MultipartOp {
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub doc: String,
    pub path_params: Vec<PathParam>,
    pub fields: Vec<Field>,
    pub responses: Vec<Response>,
    /// Enum types this operation's fields need, generated into `types`.
    pub types: Vec<TokenStream>,
}

pub struct PathParam {
    pub name: String,
    pub ident: syn::Ident,
}

pub struct Field {
    pub name: String,
    pub ident: syn::Ident,
    pub doc: Option<String>,
    pub required: bool,
    pub nullable: bool,
    pub kind: FieldKind,
}

pub enum FieldKind {
    /// A file part, streamed.
    File,
    /// A text part: the Rust type of the value, formatted with `Display`.
    Text(TokenStream),
}

pub struct Response {
    /// `Some(code)`, or a range `Err(first digit)`; `None` for `default`.
    pub status: Option<Result<u16, u16>>,
    pub body: Body,
}

#[derive(Clone)]
pub enum Body {
    Json(TokenStream),
    Raw,
    Empty,
}

pub fn analyze(ops: &[RawOperation], doc: &mut Value) -> Result<Vec<MultipartOp>, String> {
    ops.iter().map(|op| analyze_one(op, doc)).collect()
}

fn analyze_one(raw: &RawOperation, doc: &mut Value) -> Result<MultipartOp, String> {
    let op = &raw.operation;
    let operation_id = op
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            format!(
                "{} {} has no operationId",
                raw.method.to_uppercase(),
                raw.path
            )
        })?
        .to_string();
    let name = format!(
        "`{operation_id}` ({} {})",
        raw.method.to_uppercase(),
        raw.path
    );
    let unsupported = |what: String| format!("{name}: cannot generate {what}");
    let pascal = operation_id.to_upper_camel_case();

    let mut path_params = Vec::new();
    for param in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let param = resolve(doc, param);
        let pname = param.get("name").and_then(Value::as_str).unwrap_or("?");
        match param.get("in").and_then(Value::as_str) {
            Some("path") => path_params.push(PathParam {
                name: pname.to_string(),
                ident: rust_ident(pname)
                    .map_err(|e| unsupported(format!("the path parameter {e}")))?,
            }),
            other => {
                return Err(unsupported(format!(
                    "the {} parameter `{pname}` beside a multipart body (only path parameters are supported)",
                    other.unwrap_or("unknown")
                )));
            }
        }
    }

    let body = op
        .get("requestBody")
        .map(|b| resolve(doc, b))
        .cloned()
        .unwrap_or_default();
    let media = body
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.iter().find(|(k, _)| k.starts_with("multipart/form-data")))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if body
        .get("content")
        .and_then(Value::as_object)
        .map(|c| c.len())
        != Some(1)
    {
        return Err(unsupported(
            "a request body offered in several media types".into(),
        ));
    }
    if media.get("encoding").is_some() {
        return Err(unsupported("a multipart `encoding` object".into()));
    }
    let schema = media
        .get("schema")
        .map(|s| resolve(doc, s))
        .cloned()
        .unwrap_or_default();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err(unsupported(
            "a multipart body whose schema is not an object".into(),
        ));
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();

    let mut fields = Vec::new();
    let mut types = Vec::new();
    for (fname, fschema) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let reference = fschema
            .get("$ref")
            .and_then(Value::as_str)
            .map(String::from);
        let fschema = resolve(doc, fschema);
        let nullable = fschema
            .get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let doc_text = fschema
            .get("description")
            .and_then(Value::as_str)
            .map(String::from);
        let ty = fschema.get("type").and_then(Value::as_str);
        let format = fschema.get("format").and_then(Value::as_str);
        let enum_values = fschema.get("enum").and_then(Value::as_array);
        let type_name = type_ident(&format!("{pascal}{}", fname.to_upper_camel_case()))
            .map_err(|e| unsupported(format!("the field type {e}")))?;
        let kind = match (reference, ty, format, enum_values) {
            (Some(r), _, _, Some(_)) => {
                let component = r.rsplit('/').next().unwrap_or_default();
                let ident =
                    type_ident(component).map_err(|e| unsupported(format!("the schema {e}")))?;
                FieldKind::Text(quote! { types::#ident })
            }
            (_, _, _, Some(_)) if fschema.get(OPEN_ENUM_KEY).is_some() => {
                return Err(unsupported(format!(
                    "the open enum on request field `{fname}`"
                )));
            }
            (_, Some("string"), Some("binary"), None) => FieldKind::File,
            (_, Some("string"), _, None) => FieldKind::Text(quote! { ::std::string::String }),
            (_, Some("integer"), _, None) => FieldKind::Text(quote! { i64 }),
            (_, Some("number"), _, None) => FieldKind::Text(quote! { f64 }),
            (_, Some("boolean"), _, None) => FieldKind::Text(quote! { bool }),
            (_, Some("string"), _, Some(values)) => {
                let values: Option<Vec<String>> = values
                    .iter()
                    .map(|v| v.as_str().map(String::from))
                    .collect();
                let values = values
                    .ok_or_else(|| unsupported(format!("the mixed enum of field `{fname}`")))?;
                let doc = doc_text
                    .clone()
                    .unwrap_or_else(|| format!("The `{fname}` field."));
                types.push(enums::string_enum(&type_name, &doc, &values));
                FieldKind::Text(quote! { types::#type_name })
            }
            (_, Some("integer"), _, Some(values)) => {
                let values: Option<Vec<i64>> = values.iter().map(Value::as_i64).collect();
                let values = values
                    .ok_or_else(|| unsupported(format!("the mixed enum of field `{fname}`")))?;
                let doc = doc_text
                    .clone()
                    .unwrap_or_else(|| format!("The `{fname}` field."));
                types.push(enums::integer_enum(&type_name, &doc, &values));
                FieldKind::Text(quote! { types::#type_name })
            }
            (_, other, _, _) => {
                return Err(unsupported(format!(
                    "field `{fname}` of type `{}` (supported: files, strings, integers, numbers, \
                     booleans and enums of strings or integers)",
                    other.unwrap_or("unspecified")
                )));
            }
        };
        fields.push(Field {
            name: fname.clone(),
            ident: rust_ident(fname).map_err(|e| unsupported(format!("the field {e}")))?,
            doc: doc_text,
            required: required.contains(&fname.as_str()),
            nullable,
            kind,
        });
    }
    if fields.is_empty() {
        return Err(unsupported("a multipart body with no fields".into()));
    }

    let responses = analyze_responses(&raw.operation, &pascal, doc).map_err(unsupported)?;
    let summary = op
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let description = op
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let doc_text = [summary, description]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    Ok(MultipartOp {
        operation_id,
        method: raw.method.clone(),
        path: raw.path.clone(),
        doc: doc_text,
        path_params,
        fields,
        responses,
        types,
    })
}

/// Reads the responses; an inline JSON schema becomes the component
/// `{Operation}Response` (or `…ErrorResponse`) so that typify generates it,
/// as progenitor names its own inline response types.
fn analyze_responses(op: &Value, pascal: &str, doc: &mut Value) -> Result<Vec<Response>, String> {
    let mut out = Vec::new();
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (status, response) in &responses {
        let response = resolve(doc, response).clone();
        let status_kind = match status.as_str() {
            "default" => None,
            s if s.len() == 3 && s.ends_with("XX") => Some(Err(s[..1]
                .parse()
                .map_err(|_| format!("the response status `{s}`"))?)),
            s => Some(Ok(s
                .parse()
                .map_err(|_| format!("the response status `{s}`"))?)),
        };
        let content = response
            .get("content")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let json = content.iter().find(|(k, _)| openapi::is_json(k));
        let body = match json {
            Some((_, media)) => {
                let schema = media
                    .get("schema")
                    .ok_or("a JSON response without a schema")?;
                match schema.get("$ref").and_then(Value::as_str) {
                    Some(r) => {
                        let ident = type_ident(crate::openapi::ref_name(r))
                            .map_err(|e| format!("the response schema {e}"))?;
                        Body::Json(quote! { types::#ident })
                    }
                    None => {
                        let success =
                            status_kind.is_none_or(|s| matches!(s, Ok(200..=299) | Err(2)));
                        let name = format!(
                            "{pascal}{}",
                            if success { "Response" } else { "ErrorResponse" }
                        );
                        doc["components"]["schemas"][&name] = schema.clone();
                        let ident =
                            type_ident(&name).map_err(|e| format!("the response schema {e}"))?;
                        Body::Json(quote! { types::#ident })
                    }
                }
            }
            None if content.is_empty() => Body::Empty,
            None => Body::Raw,
        };
        out.push(Response {
            status: status_kind,
            body,
        });
    }
    Ok(out)
}

/// A snake_case Rust identifier for a name from the spec: characters Rust
/// does not allow become `_`, a leading digit gets a `_` before it, and a
/// keyword gets one after it.
pub fn rust_ident(name: &str) -> Result<syn::Ident, String> {
    usable_ident(name, name.to_snake_case(), "_")
}

/// An UpperCamelCase Rust type name for a name from the spec, as typify
/// names the types it generates.
pub fn type_ident(name: &str) -> Result<syn::Ident, String> {
    usable_ident(name, name.to_upper_camel_case(), "T")
}

fn usable_ident(original: &str, cased: String, digit_prefix: &str) -> Result<syn::Ident, String> {
    let mut ident: String = cased
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert_str(0, digit_prefix);
    }
    if syn::parse_str::<syn::Ident>(&ident).is_err() {
        ident.push('_');
    }
    syn::parse_str::<syn::Ident>(&ident)
        .map_err(|_| format!("`{original}`, which cannot be made a Rust identifier"))
}

pub(crate) fn is_success(status: &Option<Result<u16, u16>>) -> bool {
    matches!(status, None | Some(Ok(200..=299)) | Some(Err(2)))
}

pub(crate) fn is_error(status: &Option<Result<u16, u16>>) -> bool {
    matches!(status, None | Some(Ok(400..=599)) | Some(Err(4..=5)))
}

pub(crate) fn body_type(op: &MultipartOp, success: bool) -> Result<Body, String> {
    let mut kinds: Vec<Body> = Vec::new();
    // `default` is the success only when no success status is documented;
    // beside one, it stands for the errors.
    let explicit_success = op
        .responses
        .iter()
        .any(|r| r.status.is_some() && is_success(&r.status));
    for r in op.responses.iter().filter(|r| match (&r.status, success) {
        (None, true) => !explicit_success,
        (None, false) => explicit_success,
        (status, true) => is_success(status),
        (status, false) => is_error(status),
    }) {
        if !kinds.iter().any(|k| same_body(k, &r.body)) {
            kinds.push(r.body.clone());
        }
    }
    match kinds.len() {
        0 => Ok(if success { Body::Raw } else { Body::Empty }),
        1 => Ok(kinds.remove(0)),
        _ => Err(format!(
            "`{}`: its {} responses have different bodies",
            op.operation_id,
            if success { "success" } else { "error" }
        )),
    }
}

fn same_body(a: &Body, b: &Body) -> bool {
    match (a, b) {
        (Body::Json(a), Body::Json(b)) => a.to_string() == b.to_string(),
        (Body::Raw, Body::Raw) | (Body::Empty, Body::Empty) => true,
        _ => false,
    }
}

pub(crate) fn body_tokens(body: &Body) -> TokenStream {
    match body {
        Body::Json(t) => t.clone(),
        Body::Raw => quote! { ByteStream },
        Body::Empty => quote! { () },
    }
}
