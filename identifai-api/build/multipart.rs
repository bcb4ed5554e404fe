//! Our generator for the operations whose body is `multipart/form-data`,
//! which progenitor rejects. It reads them from the spec and emits the same
//! builder style as progenitor (a method on `Client`, a builder in
//! `builder`, `ResponseValue<T>` / `Error<E>`, the client hooks), plus
//! typed httpmock helpers. Anything it cannot generate is an error that
//! names the operation and the construct.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::enums;
use crate::prepare::{OPEN_ENUM_KEY, RawOperation, resolve};

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
                ident: format_ident!("{}", rust_ident(pname)),
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
        let type_name = format_ident!("{}{}", pascal, fname.to_upper_camel_case());
        let kind = match (reference, ty, format, enum_values) {
            (Some(r), _, _, Some(_)) => {
                let component = r.rsplit('/').next().unwrap_or_default();
                let ident = format_ident!("{}", component);
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
            ident: format_ident!("{}", rust_ident(fname)),
            doc: doc_text,
            required: required.contains(&fname.as_str()),
            nullable,
            kind,
        });
    }
    if !fields.iter().any(|f| matches!(f.kind, FieldKind::File)) && fields.is_empty() {
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
        let json = content
            .iter()
            .find(|(k, _)| *k == "application/json" || k.starts_with("application/json;"));
        let body = match json {
            Some((_, media)) => {
                let schema = media
                    .get("schema")
                    .ok_or("a JSON response without a schema")?;
                match schema.get("$ref").and_then(Value::as_str) {
                    Some(r) => {
                        let ident = format_ident!("{}", r.rsplit('/').next().unwrap_or_default());
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
                        let ident = format_ident!("{}", name);
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

fn rust_ident(name: &str) -> String {
    let snake = name.replace(['[', ']'], "").to_snake_case();
    match snake.as_str() {
        "type" | "ref" | "self" | "match" | "move" | "box" | "use" | "mod" | "fn" | "in" => {
            format!("{snake}_")
        }
        _ => snake,
    }
}

fn is_success(status: &Option<Result<u16, u16>>) -> bool {
    matches!(status, None | Some(Ok(200..=299)) | Some(Err(2)))
}

fn is_error(status: &Option<Result<u16, u16>>) -> bool {
    matches!(status, None | Some(Ok(400..=599)) | Some(Err(4..=5)))
}

fn body_type(op: &MultipartOp, success: bool) -> Result<Body, String> {
    let mut kinds: Vec<Body> = Vec::new();
    for r in op.responses.iter().filter(|r| {
        if success {
            is_success(&r.status)
        } else {
            is_error(&r.status)
        }
    }) {
        if success
            && r.status.is_none()
            && op
                .responses
                .iter()
                .any(|o| matches!(o.status, Some(Err(2))))
        {
            continue;
        }
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

fn body_tokens(body: &Body) -> TokenStream {
    match body {
        Body::Json(t) => t.clone(),
        Body::Raw => quote! { ByteStream },
        Body::Empty => quote! { () },
    }
}

/// The `Client` method, the builder, and the field types of an operation.
pub struct ClientCode {
    pub method: TokenStream,
    pub builder: TokenStream,
    pub types: Vec<TokenStream>,
}

pub fn client_code(op: &MultipartOp) -> Result<ClientCode, String> {
    let method_ident = format_ident!("{}", op.operation_id);
    let struct_ident = format_ident!("{}", op.operation_id.to_upper_camel_case());
    let http_method = format_ident!("{}", op.method);
    let success = body_type(op, true)?;
    let error = body_type(op, false)?;
    let success_ty = body_tokens(&success);
    let error_ty = body_tokens(&error);

    let params = op
        .path_params
        .iter()
        .map(|p| (&p.ident, quote! { ::std::string::String }, true, false));
    let fields = op.fields.iter().map(|f| {
        let ty = match &f.kind {
            FieldKind::File => quote! { crate::multipart::FilePart },
            FieldKind::Text(t) => t.clone(),
        };
        (&f.ident, ty, f.required, f.nullable)
    });
    let all: Vec<_> = params.chain(fields).collect();

    let struct_fields = all.iter().map(|(ident, ty, required, nullable)| {
        if *required && !*nullable {
            quote! { #ident: ::std::result::Result<#ty, ::std::string::String> }
        } else {
            quote! { #ident: ::std::result::Result<::std::option::Option<#ty>, ::std::string::String> }
        }
    });
    let inits = all.iter().map(|(ident, _, required, _)| {
        if *required {
            let msg = format!("{ident} was not initialized");
            quote! { #ident: Err(#msg.to_string()) }
        } else {
            quote! { #ident: Ok(None) }
        }
    });
    let setters = all.iter().map(|(ident, ty, required, nullable)| {
        let field_doc = op
            .fields
            .iter()
            .find(|f| f.ident == **ident)
            .and_then(|f| f.doc.clone())
            .map(|d| quote! { #[doc = #d] });
        let is_file = ty.to_string().contains("FilePart");
        if is_file {
            let wrap = if *required && !*nullable { quote! { value.into() } } else { quote! { Some(value.into()) } };
            quote! {
                #field_doc
                pub fn #ident<V>(mut self, value: V) -> Self
                where V: ::std::convert::Into<crate::multipart::FilePart>
                {
                    self.#ident = Ok(#wrap);
                    self
                }
            }
        } else {
            let (target, map) = match (*required, *nullable) {
                (true, false) => (ty.clone(), quote! {}),
                (true, true) => (quote! { ::std::option::Option<#ty> }, quote! {}),
                (false, _) => (ty.clone(), quote! { .map(Some) }),
            };
            let ty_text = target.to_string().replace(' ', "");
            quote! {
                #field_doc
                pub fn #ident<V>(mut self, value: V) -> Self
                where
                    V: ::std::convert::TryInto<#target>,
                    V::Error: ::std::fmt::Display,
                {
                    self.#ident = value
                        .try_into()
                        #map
                        .map_err(|e| format!("conversion to `{}` for {} failed: {}", #ty_text, stringify!(#ident), e));
                    self
                }
            }
        }
    });

    let idents: Vec<_> = all.iter().map(|(i, ..)| *i).collect();
    let mut url_format = op.path.clone();
    for p in &op.path_params {
        url_format = url_format.replace(&format!("{{{}}}", p.name), "{}");
    }
    let url_format = format!("{{}}{url_format}");
    let url_args = op.path_params.iter().map(|p| {
        let i = &p.ident;
        quote! { encode_path(&#i.to_string()) }
    });

    let parts = op.fields.iter().map(|f| {
        let ident = &f.ident;
        let name = &f.name;
        match (&f.kind, f.required, f.nullable) {
            (FieldKind::File, true, false) => quote! {
                form = form.part(#name, #ident.into_part().map_err(Error::InvalidRequest)?);
            },
            (FieldKind::File, _, _) => quote! {
                if let Some(value) = #ident {
                    form = form.part(#name, value.into_part().map_err(Error::InvalidRequest)?);
                }
            },
            (FieldKind::Text(_), true, false) => quote! {
                form = form.text(#name, #ident.to_string());
            },
            // Required but null: the field is sent empty, which the server
            // reads as null.
            (FieldKind::Text(_), true, true) => quote! {
                form = form.text(#name, #ident.map(|v| v.to_string()).unwrap_or_default());
            },
            (FieldKind::Text(_), false, _) => quote! {
                if let Some(value) = #ident {
                    form = form.text(#name, value.to_string());
                }
            },
        }
    });

    let matches = response_matches(op, &success, &error);
    let operation_id = &op.operation_id;
    let send_doc = format!(
        "Sends a `{}` request to `{}`",
        op.method.to_uppercase(),
        op.path
    );
    let builder_doc = format!(
        "Builder for [`Client::{0}`]\n\n[`Client::{0}`]: super::Client::{0}",
        op.operation_id
    );
    let builder = quote! {
        #[doc = #builder_doc]
        #[derive(Debug)]
        pub struct #struct_ident<'a> {
            client: &'a super::Client,
            #( #struct_fields, )*
        }

        impl<'a> #struct_ident<'a> {
            pub fn new(client: &'a super::Client) -> Self {
                Self { client, #( #inits, )* }
            }

            #( #setters )*

            #[doc = #send_doc]
            pub async fn send(self) -> ::std::result::Result<ResponseValue<#success_ty>, Error<#error_ty>> {
                let Self { client, #( #idents, )* } = self;
                #( let #idents = #idents.map_err(Error::InvalidRequest)?; )*
                let url = format!(#url_format, client.baseurl, #( #url_args, )*);
                #[allow(unused_mut)]
                let mut form = ::reqwest::multipart::Form::new();
                #( #parts )*
                #[allow(unused_mut)]
                let mut request = client
                    .client
                    .#http_method(url)
                    .header(
                        ::reqwest::header::ACCEPT,
                        ::reqwest::header::HeaderValue::from_static("application/json"),
                    )
                    .multipart(form)
                    .build()?;
                let info = OperationInfo { operation_id: #operation_id };
                client.pre(&mut request, &info).await?;
                let result = client.exec(request, &info).await;
                client.post(&result, &info).await?;
                let response = result?;
                match response.status().as_u16() {
                    #( #matches )*
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
        }
    };

    let doc = format!(
        "{}\n\nSends a `{}` request to `{}` as `multipart/form-data`.\n\n```ignore\nlet response = client.{}()\n{}    .send()\n    .await;\n```",
        op.doc,
        op.method.to_uppercase(),
        op.path,
        op.operation_id,
        all.iter()
            .map(|(i, ..)| format!("    .{i}({i})\n"))
            .collect::<String>(),
    );
    let method = quote! {
        #[doc = #doc]
        pub fn #method_ident(&self) -> builder::#struct_ident<'_> {
            builder::#struct_ident::new(self)
        }
    };
    Ok(ClientCode {
        method,
        builder,
        types: op.types.clone(),
    })
}

fn response_matches(op: &MultipartOp, success: &Body, error: &Body) -> Vec<TokenStream> {
    let mut ordered: Vec<&Response> = op.responses.iter().collect();
    // Exact codes before ranges, ranges before `default`.
    ordered.sort_by_key(|r| match r.status {
        Some(Ok(code)) => (0, code),
        Some(Err(range)) => (1, range),
        None => (2, 0),
    });
    let mut arms = Vec::new();
    let mut has_success = false;
    for r in ordered {
        let pat = match r.status {
            Some(Ok(code)) => quote! { #code },
            Some(Err(2)) => quote! { 200..=299 },
            Some(Err(range)) => {
                let (min, max) = (range * 100, range * 100 + 99);
                quote! { #min..=#max }
            }
            None if !has_success => quote! { 200..=299 },
            None => quote! { _ },
        };
        if is_success(&r.status) && !has_success {
            has_success = true;
            arms.push(match success {
                Body::Json(_) => quote! { #pat => ResponseValue::from_response(response).await, },
                Body::Raw => quote! { #pat => Ok(ResponseValue::stream(response)), },
                Body::Empty => quote! { #pat => Ok(ResponseValue::empty(response)), },
            });
            if r.status.is_some() {
                continue;
            }
        }
        if is_error(&r.status) {
            let pat = if r.status.is_none() {
                quote! { _ }
            } else {
                pat
            };
            arms.push(match error {
                Body::Json(_) => quote! { #pat => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)), },
                Body::Raw => quote! { #pat => Err(Error::ErrorResponse(ResponseValue::stream(response))), },
                Body::Empty => quote! { #pat => Err(Error::ErrorResponse(ResponseValue::empty(response))), },
            });
        }
    }
    if !has_success {
        arms.insert(
            0,
            quote! { 200..=299 => Ok(ResponseValue::stream(response)), },
        );
    }
    arms
}

/// The httpmock `When`/`Then` pair of an operation and its `MockServerExt`
/// method, in progenitor's style.
pub struct MockCode {
    pub operations: TokenStream,
    pub trait_fn: TokenStream,
    pub impl_fn: TokenStream,
}

pub fn mock_code(op: &MultipartOp) -> Result<MockCode, String> {
    let pascal = op.operation_id.to_upper_camel_case();
    let when = format_ident!("{}When", pascal);
    let then = format_ident!("{}Then", pascal);
    let method_ident = format_ident!("{}", op.operation_id);
    let http_method = format_ident!("{}", op.method.to_uppercase());
    let mut regex = op.path.clone();
    for p in &op.path_params {
        regex = regex.replace(&format!("{{{}}}", p.name), "[^/]*");
    }
    let regex = format!("^{regex}$");

    let path_fns = op.path_params.iter().map(|p| {
        let ident = &p.ident;
        let mut pattern = op.path.clone();
        for other in &op.path_params {
            let replacement = if other.name == p.name { "{}".to_string() } else { "[^/]*".to_string() };
            pattern = pattern.replace(&format!("{{{}}}", other.name), &replacement);
        }
        let pattern = format!("^{pattern}$");
        quote! {
            pub fn #ident(self, value: &str) -> Self {
                let re = regex::Regex::new(&format!(#pattern, regex::escape(&progenitor_client::encode_path(value)))).unwrap();
                Self(self.0.path_matches(re))
            }
        }
    });

    let field_fns = op.fields.iter().map(|f| {
        let ident = &f.ident;
        let name = &f.name;
        match &f.kind {
            FieldKind::File => {
                let file_name = format_ident!("{}_file_name", ident);
                let content_type = format_ident!("{}_content_type", ident);
                let doc = format!("Matches when the file part `{name}` holds exactly these bytes.");
                let doc_name = format!("Matches when the file part `{name}` has this file name.");
                let doc_type = format!("Matches when the file part `{name}` has this content type.");
                quote! {
                    #[doc = #doc]
                    pub fn #ident(self, data: impl Into<::std::vec::Vec<u8>>) -> Self {
                        let data = data.into();
                        Self(self.0.is_true(move |req| {
                            crate::mock::form_part(req, #name).is_some_and(|p| p.data == data)
                        }))
                    }
                    #[doc = #doc_name]
                    pub fn #file_name(self, file_name: &str) -> Self {
                        let file_name = file_name.to_string();
                        Self(self.0.is_true(move |req| {
                            crate::mock::form_part(req, #name)
                                .is_some_and(|p| p.file_name.as_deref() == Some(file_name.as_str()))
                        }))
                    }
                    #[doc = #doc_type]
                    pub fn #content_type(self, content_type: &str) -> Self {
                        let content_type = content_type.to_string();
                        Self(self.0.is_true(move |req| {
                            crate::mock::form_part(req, #name)
                                .is_some_and(|p| p.content_type.as_deref() == Some(content_type.as_str()))
                        }))
                    }
                }
            }
            FieldKind::Text(ty) => {
                let (param, text) = match (f.required && f.nullable, ty.to_string().contains("String")) {
                    (true, true) => (quote! { ::std::option::Option<&str> }, quote! { value.unwrap_or_default().to_string() }),
                    (true, false) => (quote! { ::std::option::Option<#ty> }, quote! { value.map(|v| v.to_string()).unwrap_or_default() }),
                    (false, true) => (quote! { &str }, quote! { value.to_string() }),
                    (false, false) => (quote! { #ty }, quote! { value.to_string() }),
                };
                let doc = format!("Matches when the text part `{name}` holds this value.");
                quote! {
                    #[doc = #doc]
                    pub fn #ident(self, value: #param) -> Self {
                        let expected = #text;
                        Self(self.0.is_true(move |req| {
                            crate::mock::form_part(req, #name)
                                .is_some_and(|p| p.file_name.is_none() && p.data == expected.as_bytes())
                        }))
                    }
                }
            }
        }
    });

    let absent_fns = op.fields.iter().filter(|f| !f.required).map(|f| {
        let name = &f.name;
        let ident = format_ident!("{}_absent", f.ident);
        let doc = format!("Matches when the request has no `{name}` part.");
        quote! {
            #[doc = #doc]
            pub fn #ident(self) -> Self {
                Self(self.0.is_true(move |req| crate::mock::form_part(req, #name).is_none()))
            }
        }
    });

    let then_fns = mock_then_fns(op)?;
    let operations = quote! {
        pub struct #when(::httpmock::When);
        impl #when {
            pub fn new(inner: ::httpmock::When) -> Self {
                Self(
                    inner
                        .method(::httpmock::Method::#http_method)
                        .path_matches(regex::Regex::new(#regex).unwrap())
                        .header_includes("content-type", "multipart/form-data"),
                )
            }
            pub fn into_inner(self) -> ::httpmock::When {
                self.0
            }
            #( #path_fns )*
            #( #field_fns )*
            #( #absent_fns )*
        }
        pub struct #then(::httpmock::Then);
        impl #then {
            pub fn new(inner: ::httpmock::Then) -> Self {
                Self(inner)
            }
            pub fn into_inner(self) -> ::httpmock::Then {
                self.0
            }
            #( #then_fns )*
        }
    };
    let trait_fn = quote! {
        fn #method_ident<F>(&self, config_fn: F) -> ::httpmock::Mock<'_>
        where
            F: FnOnce(operations::#when, operations::#then);
    };
    let impl_fn = quote! {
        fn #method_ident<F>(&self, config_fn: F) -> ::httpmock::Mock<'_>
        where
            F: FnOnce(operations::#when, operations::#then),
        {
            self.mock(|when, then| config_fn(operations::#when::new(when), operations::#then::new(then)))
        }
    };
    Ok(MockCode {
        operations,
        trait_fn,
        impl_fn,
    })
}

fn mock_then_fns(op: &MultipartOp) -> Result<Vec<TokenStream>, String> {
    let mut out = Vec::new();
    for r in &op.responses {
        let (fn_name, status_param, status_value, check) = match r.status {
            Some(Ok(code)) => {
                let reason = http::StatusCode::from_u16(code)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .ok_or_else(|| format!("`{}`: unknown status {code}", op.operation_id))?;
                (
                    format_ident!("{}", reason.to_snake_case()),
                    quote! {},
                    quote! { #code },
                    quote! {},
                )
            }
            Some(Err(range)) => {
                let name = match range {
                    2 => "success",
                    4 => "client_error",
                    5 => "server_error",
                    _ => return Err(format!("`{}`: the status range {range}XX", op.operation_id)),
                };
                (
                    format_ident!("{}", name),
                    quote! { status: u16, },
                    quote! { status },
                    quote! { assert_eq!(status / 100u16, #range); },
                )
            }
            None => (
                format_ident!("default_response"),
                quote! { status: u16, },
                quote! { status },
                quote! {},
            ),
        };
        out.push(match &r.body {
            Body::Json(ty) => quote! {
                pub fn #fn_name(self, #status_param value: &#ty) -> Self {
                    #check
                    Self(self.0.status(#status_value).header("content-type", "application/json").json_body_obj(value))
                }
            },
            Body::Raw => quote! {
                pub fn #fn_name(self, #status_param value: ::serde_json::Value) -> Self {
                    #check
                    Self(self.0.status(#status_value).json_body(value))
                }
            },
            Body::Empty => quote! {
                pub fn #fn_name(self, #status_param) -> Self {
                    #check
                    Self(self.0.status(#status_value))
                }
            },
        });
    }
    Ok(out)
}
