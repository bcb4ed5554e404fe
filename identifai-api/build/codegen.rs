//! The pipeline: YAML → overlay → prepare → progenitor + multipart → Rust.

use std::path::Path;

use proc_macro2::TokenStream;
use serde_json::Value;

use quote::{ToTokens, quote};

use crate::enums;
use crate::multipart;
use crate::openapi;
use crate::overlay;
use crate::prepare::{self, OpenEnum};

pub struct Report {
    pub warnings: Vec<String>,
}

/// The generated sources.
#[derive(Debug)]
pub struct Generated {
    pub client: String,
    pub mock: String,
    /// The effective spec (the vendor's with the overlay applied, before
    /// `prepare`), as JSON: what `identifai_api::spec` serves.
    pub effective: String,
    pub warnings: Vec<String>,
}

pub fn load_yaml(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_norway::from_str(&text).map_err(|e| format!("{} is not valid YAML: {e}", path.display()))
}

pub fn generate_files(spec: &Path, overlay: &Path, out_dir: &Path) -> Result<Report, String> {
    let generated = generate(&load_yaml(spec)?, &load_yaml(overlay)?)?;
    write(&out_dir.join("client.rs"), &generated.client)?;
    write(&out_dir.join("mock.rs"), &generated.mock)?;
    write(&out_dir.join("effective.json"), &generated.effective)?;
    Ok(Report {
        warnings: generated.warnings,
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Generates the client and the mocks from a spec and an overlay.
pub fn generate(spec: &Value, overlay_doc: &Value) -> Result<Generated, String> {
    let mut doc = spec.clone();
    let applied = overlay::apply(&mut doc, overlay_doc)?;
    let warnings = applied
        .iter()
        .flat_map(|a| {
            a.problems().into_iter().map(move |problem| {
                format!(
                    "overlay action {} (`{}`: {}) {problem}; `cargo xtask check` will fail",
                    a.index, a.target, a.description
                )
            })
        })
        .collect();
    let dangling = openapi::dangling_refs(&doc);
    if !dangling.is_empty() {
        let list: Vec<String> = dangling
            .iter()
            .map(|(at, target)| format!("  {}: `{target}`", overlay::readable(&doc, at)))
            .collect();
        return Err(format!(
            "the spec (with the overlay) refers to components that do not exist; the vendor \
             may have renamed them (`cargo xtask check` names the overlay actions concerned):\n{}",
            list.join("\n")
        ));
    }

    let effective = serde_json::to_string(&doc)
        .map_err(|e| format!("cannot write the effective spec as JSON: {e}"))?;
    let prepared = prepare::prepare(doc)?;
    let mut progenitor_doc = prepared.progenitor_doc;
    let multipart_ops = multipart::analyze(&prepared.multipart_ops, &mut progenitor_doc)?;

    let openapi: openapiv3::OpenAPI = serde_json::from_value(progenitor_doc.clone())
        .map_err(|e| format!("the prepared spec is not OpenAPI 3.0 as progenitor reads it: {e}"))?;

    let settings = settings(&prepared.open_enums);
    let client_tokens = run_progenitor(&progenitor_doc, &openapi, &settings, false)?;
    let mock_tokens = run_progenitor(&progenitor_doc, &openapi, &settings, true)?;

    let client = merge_client(client_tokens, &multipart_ops, &prepared.open_enums)?;
    let mut mock = merge_mock(mock_tokens, &multipart_ops)?;
    add_success_shortcuts(&mut mock, &binary_successes(&progenitor_doc))?;
    Ok(Generated {
        client: prettyplease::unparse(&client),
        mock: prettyplease::unparse(&mock),
        effective,
        warnings,
    })
}

fn settings(open_enums: &[OpenEnum]) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("PartialEq")
        .with_inner_type(quote! { crate::config::Transport });
    for open in open_enums {
        settings.with_replacement(
            &open.name,
            format!("crate::types::{}", open.name),
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        );
    }
    settings
}

/// Runs progenitor, turning its errors and panics into messages that name
/// the operation at fault.
fn run_progenitor(
    doc: &Value,
    openapi: &openapiv3::OpenAPI,
    settings: &progenitor::GenerationSettings,
    mock: bool,
) -> Result<TokenStream, String> {
    let attempt = |spec: &openapiv3::OpenAPI| -> Result<TokenStream, String> {
        let result = quietly(|| {
            let mut generator = progenitor::Generator::new(settings);
            if mock {
                generator.httpmock(spec, "crate")
            } else {
                generator.generate_tokens(spec)
            }
        });
        match result {
            Ok(Ok(tokens)) => Ok(tokens),
            Ok(Err(e)) => Err(e.to_string()),
            Err(panic) => Err(format!("progenitor panicked: {}", panic_message(&panic))),
        }
    };
    attempt(openapi).map_err(|message| {
        // Find the operation at fault by generating each one alone.
        let culprits: Vec<String> = prepare::operations(doc)
            .into_iter()
            .filter_map(|(path, method, _)| {
                let mut alone = doc.clone();
                let paths = alone.get_mut("paths")?.as_object_mut()?;
                paths.retain(|p, _| *p == path);
                let item = paths.get_mut(&path)?.as_object_mut()?;
                item.retain(|m, _| *m == method || !is_method(m));
                let spec: openapiv3::OpenAPI = serde_json::from_value(alone).ok()?;
                attempt(&spec)
                    .err()
                    .map(|e| format!("  {} {path}: {e}", method.to_uppercase()))
            })
            .collect();
        if culprits.is_empty() {
            format!("progenitor failed: {message}")
        } else {
            format!(
                "progenitor cannot generate these operations:\n{}",
                culprits.join("\n")
            )
        }
    })
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, catching a panic without printing it: the caller reports it
/// in its own words. Other threads' panics print as usual.
fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|quiet| quiet.get()) {
                previous(info)
            }
        }));
    });
    QUIET.with(|quiet| quiet.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|quiet| quiet.set(false));
    result
}

fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// Adds the multipart operations and the open enums to progenitor's client.
fn merge_client(
    tokens: TokenStream,
    ops: &[multipart::MultipartOp],
    open_enums: &[OpenEnum],
) -> Result<syn::File, String> {
    let mut file: syn::File = parse(tokens, "progenitor's client")?;
    let mut types: Vec<TokenStream> = open_enums.iter().map(enums::open_enum).collect();
    let mut builders = Vec::new();
    let mut methods = Vec::new();
    for op in ops {
        let code = multipart::client_code(op)?;
        types.extend(code.types);
        builders.push(code.builder);
        methods.push(code.method);
    }
    extend_module(&mut file, "types", types)?;
    extend_module(&mut file, "builder", builders)?;
    file.items.push(parse(
        quote! {
            impl Client {
                #( #methods )*
            }
        },
        "the multipart methods",
    )?);
    file.items.push(parse(
        multipart::form_fields_code(ops)?,
        "the form fields module",
    )?);
    Ok(file)
}

/// Adds the multipart operations to progenitor's httpmock helpers.
fn merge_mock(tokens: TokenStream, ops: &[multipart::MultipartOp]) -> Result<syn::File, String> {
    let mut file: syn::File = parse(tokens, "progenitor's mocks")?;
    let mut operations = Vec::new();
    let mut trait_fns = Vec::new();
    let mut impl_fns = Vec::new();
    for op in ops {
        let code = multipart::mock_code(op)?;
        operations.push(code.operations);
        trait_fns.push(parse::<syn::TraitItem>(
            code.trait_fn,
            "a mock trait method",
        )?);
        impl_fns.push(parse::<syn::ImplItem>(code.impl_fn, "a mock method")?);
    }
    fix_array_query_mocks(&mut file)?;
    extend_module(&mut file, "operations", operations)?;
    for item in &mut file.items {
        match item {
            syn::Item::Trait(t) if t.ident == "MockServerExt" => t.items.append(&mut trait_fns),
            syn::Item::Impl(i)
                if i.trait_.as_ref().is_some_and(|(path, _)| {
                    path.segments
                        .last()
                        .is_some_and(|s| s.ident == "MockServerExt")
                }) =>
            {
                i.items.append(&mut impl_fns)
            }
            _ => {}
        }
    }
    if !trait_fns.is_empty() || !impl_fns.is_empty() {
        return Err("progenitor's mocks have no MockServerExt trait and impl to extend".into());
    }
    Ok(file)
}

/// The operations whose success is not JSON, by the name of their `Then`
/// helper, with the media type they answer.
fn binary_successes(doc: &Value) -> Vec<(String, String)> {
    use heck::ToUpperCamelCase;
    let mut found = Vec::new();
    let paths = doc.get("paths").and_then(Value::as_object);
    for item in paths.into_iter().flat_map(|paths| paths.values()) {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            if !is_method(method) {
                continue;
            }
            let responses = op.get("responses").and_then(Value::as_object);
            let success = responses
                .into_iter()
                .flatten()
                .find(|(status, _)| status.starts_with('2'))
                .map(|(_, response)| openapi::resolve(doc, response));
            let media = success
                .and_then(|r| r.get("content"))
                .and_then(Value::as_object)
                .and_then(|content| content.keys().next());
            if let Some(media) = media.filter(|m| !m.contains("json")) {
                found.push((format!("{}Then", id.to_upper_camel_case()), media.clone()));
            }
        }
    }
    found
}

/// Every `Then` helper with a `success(status, value)` also gets
/// `ok(value)`, the same with 200, as progenitor writes only for an exact
/// `200` (a `2XX` answer gets `success` alone). The helper of an answer that
/// is not JSON (a PNG) takes the body's bytes and sends its media type,
/// where progenitor would serialise a JSON value.
fn add_success_shortcuts(file: &mut syn::File, binary: &[(String, String)]) -> Result<(), String> {
    let Some((_, items)) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "operations" => m.content.as_mut(),
        _ => None,
    }) else {
        return Err("progenitor's mocks have no `mod operations`".into());
    };
    for item in items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let name = block.self_ty.to_token_stream().to_string();
        if !name.ends_with("Then") {
            continue;
        }
        let has = |block: &syn::ItemImpl, wanted: &str| {
            block
                .items
                .iter()
                .any(|m| matches!(m, syn::ImplItem::Fn(f) if f.sig.ident == wanted))
        };
        if let Some((_, media)) = binary.iter().find(|(then, _)| *then == name) {
            block.items.retain(|m| {
                !matches!(m, syn::ImplItem::Fn(f) if f.sig.ident == "success" || f.sig.ident == "ok")
            });
            block.items.push(parse(
                quote! {
                    /// Answers with these bytes as the body, labelled with
                    /// the operation's media type.
                    pub fn success(self, status: u16, body: impl AsRef<[u8]>) -> Self {
                        assert_eq!(status / 100u16, 2u16);
                        Self(self.0.status(status).header("content-type", #media).body(body))
                    }
                },
                "a binary success helper",
            )?);
            block.items.push(parse(
                quote! {
                    /// Answers 200 with these bytes as the body.
                    pub fn ok(self, body: impl AsRef<[u8]>) -> Self {
                        self.success(200, body)
                    }
                },
                "a binary ok helper",
            )?);
            continue;
        }
        if has(block, "ok") {
            continue;
        }
        let Some(value_type) = block.items.iter().find_map(|m| match m {
            syn::ImplItem::Fn(f) if f.sig.ident == "success" => match f.sig.inputs.iter().nth(2) {
                Some(syn::FnArg::Typed(arg)) => Some(arg.ty.clone()),
                _ => None,
            },
            _ => None,
        }) else {
            continue;
        };
        block.items.push(parse(
            quote! {
                /// Answers 200 with this value, as `success(200, value)`.
                pub fn ok(self, value: #value_type) -> Self {
                    self.success(200, value)
                }
            },
            "an ok helper",
        )?);
    }
    Ok(())
}

/// progenitor 0.15 matches an array query parameter with
/// `query_param(name, value.to_string())`, which does not compile for a
/// `Vec`; such a matcher is replaced by one that compares every value of
/// the parameter, in order.
fn fix_array_query_mocks(file: &mut syn::File) -> Result<(), String> {
    let Some((_, items)) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "operations" => m.content.as_mut(),
        _ => None,
    }) else {
        return Ok(());
    };
    for item in items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        for member in &mut block.items {
            let syn::ImplItem::Fn(function) = member else {
                continue;
            };
            let Some(syn::FnArg::Typed(arg)) = function.sig.inputs.iter().nth(1) else {
                continue;
            };
            let ty = arg.ty.to_token_stream().to_string().replace(' ', "");
            let body = function.block.to_token_stream();
            if body.to_string().contains("path_matches") {
                function.block = parse(encode_path_values(body), "a path mock")?;
                continue;
            }
            if !ty.starts_with("&::std::vec::Vec<") || !body.to_string().contains("query_param") {
                continue;
            }
            let name = body
                .into_iter()
                .flat_map(flatten)
                .find_map(|tree| match tree {
                    proc_macro2::TokenTree::Literal(lit) => {
                        syn::parse_str::<syn::LitStr>(&lit.to_string()).ok()
                    }
                    _ => None,
                })
                .ok_or("internal error: an array query mock without a parameter name")?;
            function.block = parse(
                quote! {{
                    let expected: ::std::vec::Vec<::std::string::String> =
                        value.iter().map(|v| v.to_string()).collect();
                    Self(self.0.is_true(move |req| {
                        req.query_params()
                            .into_iter()
                            .filter(|(key, _)| key == #name)
                            .map(|(_, value)| value)
                            .collect::<::std::vec::Vec<_>>()
                            == expected
                    }))
                }},
                "an array query mock",
            )?;
        }
    }
    Ok(())
}

/// progenitor 0.15 puts a path parameter into the mock's regex as given,
/// while the client sends it percent-encoded (and a regex needs escaping):
/// `value.to_string()` becomes the encoded, escaped value.
fn encode_path_values(tokens: TokenStream) -> TokenStream {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < trees.len() {
        let is_value_to_string = matches!(&trees[i], TokenTree::Ident(id) if id == "value")
            && matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '.')
            && matches!(trees.get(i + 2), Some(TokenTree::Ident(id)) if id == "to_string");
        if is_value_to_string {
            out.extend(
                quote! { regex::escape(&progenitor_client::encode_path(&value.to_string())) },
            );
            i += 4;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(group) => {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), encode_path_values(group.stream()));
                inner.set_span(group.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

fn flatten(tree: proc_macro2::TokenTree) -> Vec<proc_macro2::TokenTree> {
    match tree {
        proc_macro2::TokenTree::Group(group) => {
            group.stream().into_iter().flat_map(flatten).collect()
        }
        other => vec![other],
    }
}

fn extend_module(file: &mut syn::File, name: &str, items: Vec<TokenStream>) -> Result<(), String> {
    let module = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_mut(),
            _ => None,
        })
        .ok_or_else(|| format!("progenitor's output has no `mod {name}` to extend"))?;
    for tokens in items {
        let parsed: syn::File = parse(tokens, &format!("generated items for `mod {name}`"))?;
        module.1.extend(parsed.items);
    }
    Ok(())
}

fn parse<T: syn::parse::Parse>(tokens: TokenStream, what: &str) -> Result<T, String> {
    syn::parse2(tokens).map_err(|e| format!("internal error: {what} do not parse as Rust: {e}"))
}
