//! The httpmock side of a multipart operation: typed `When`/`Then`
//! helpers in progenitor's style.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Body, FieldKind, MultipartOp, rust_ident, type_ident};

/// The httpmock `When`/`Then` pair of an operation and its `MockServerExt`
/// method, in progenitor's style.
pub struct MockCode {
    pub operations: TokenStream,
    pub trait_fn: TokenStream,
    pub impl_fn: TokenStream,
}

pub fn mock_code(op: &MultipartOp) -> Result<MockCode, String> {
    let pascal = op.operation_id.to_upper_camel_case();
    let when = type_ident(&format!("{pascal}When"))?;
    let then = type_ident(&format!("{pascal}Then"))?;
    let method_ident = rust_ident(&op.operation_id)?;
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
