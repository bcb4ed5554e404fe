//! The client side of a multipart operation: the `Client` method, its
//! builder and `send()`, in progenitor's style.

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{
    Body, FieldKind, MultipartOp, Response, body_tokens, body_type, is_error, is_success,
    type_ident,
};

/// The `Client` method, the builder, and the field types of an operation.
pub struct ClientCode {
    pub method: TokenStream,
    pub builder: TokenStream,
    pub types: Vec<TokenStream>,
}

/// The name of the builder's generic setter for a text part.
const GENERIC_SETTER: &str = "field";

/// Names a builder uses for itself: its constructor, the call that sends
/// the request, and its own fields. An input named so has no setter.
const BUILDER_OWN: [&str; 4] = ["new", "send", "__client", "__fields"];

/// The `form_fields` module: for each operation, the names of the text
/// fields its body accepts (file parts excluded), and `of(operation_id)`.
pub fn form_fields_code(ops: &[MultipartOp]) -> Result<TokenStream, String> {
    let mut consts = Vec::new();
    let mut arms = Vec::new();
    let mut seen: Vec<(String, &str)> = Vec::new();
    for op in ops {
        let ident = super::usable_ident(
            &op.operation_id,
            op.operation_id.to_shouty_snake_case(),
            "_",
        )?;
        let name = ident.to_string();
        if let Some((_, other)) = seen.iter().find(|(n, _)| *n == name) {
            return Err(format!(
                "`{}` and `{other}` would share the constant `form_fields::{name}`",
                op.operation_id
            ));
        }
        seen.push((name, &op.operation_id));
        let names: Vec<&str> = op
            .fields
            .iter()
            .filter(|f| matches!(f.kind, FieldKind::Text(_)))
            .map(|f| f.name.as_str())
            .collect();
        let doc = format!(
            "The text fields of [`Client::{0}`](crate::Client::{0}) (`{1} {2}`), in the spec's \
             order; file parts are not listed.",
            op.operation_id,
            op.method.to_uppercase(),
            op.path
        );
        consts.push(quote! {
            #[doc = #doc]
            pub const #ident: &[&str] = &[#( #names ),*];
        });
        let id = &op.operation_id;
        arms.push(quote! { #id => ::std::option::Option::Some(#ident), });
    }
    Ok(quote! {
        /// The text fields each `multipart/form-data` operation accepts, as the
        /// spec describes them (file parts are not listed), so that a caller
        /// can check a field before sending it.
        pub mod form_fields {
            #( #consts )*

            /// The text fields of the multipart operation `operation_id` (the
            /// name of its `Client` method), or `None` when no multipart
            /// operation has that name.
            pub fn of(operation_id: &str) -> ::std::option::Option<&'static [&'static str]> {
                match operation_id {
                    #( #arms )*
                    _ => ::std::option::Option::None,
                }
            }
        }
    })
}

/// One input of the builder: a path parameter or a body field.
struct Input<'a> {
    /// The setter's and the builder field's name.
    ident: &'a syn::Ident,
    /// The local variable in `send()`, prefixed so that it cannot shadow
    /// `send()`'s own locals (`client`, `url`, `form`, …).
    local: syn::Ident,
    ty: TokenStream,
    required: bool,
    nullable: bool,
    is_file: bool,
    doc: Option<&'a str>,
}

pub fn client_code(op: &MultipartOp) -> Result<ClientCode, String> {
    let method_ident = super::rust_ident(&op.operation_id)?;
    let struct_ident = type_ident(&op.operation_id.to_upper_camel_case())?;
    let http_method = format_ident!("{}", op.method);
    let success = body_type(op, true)?;
    let error = body_type(op, false)?;
    let success_ty = body_tokens(&success);
    let error_ty = body_tokens(&error);

    let params = op.path_params.iter().map(|p| Input {
        ident: &p.ident,
        local: format_ident!("input_{}", p.ident),
        ty: quote! { ::std::string::String },
        required: true,
        nullable: false,
        is_file: false,
        doc: None,
    });
    let fields = op.fields.iter().map(|f| Input {
        ident: &f.ident,
        local: format_ident!("input_{}", f.ident),
        ty: match &f.kind {
            FieldKind::File => quote! { crate::multipart::FilePart },
            FieldKind::Text(t) => t.clone(),
        },
        required: f.required,
        nullable: f.nullable,
        is_file: matches!(f.kind, FieldKind::File),
        doc: f.doc.as_deref(),
    });
    let inputs: Vec<Input> = params.chain(fields).collect();
    if let Some(clash) = inputs.iter().find(|i| *i.ident == GENERIC_SETTER) {
        return Err(format!(
            "`{}`: cannot generate the input `{}`, whose setter would be the builder's generic \
             `{GENERIC_SETTER}(name, value)`",
            op.operation_id, clash.ident
        ));
    }
    if let Some(clash) = inputs
        .iter()
        .find(|i| BUILDER_OWN.iter().any(|own| *i.ident == *own))
    {
        return Err(format!(
            "`{}`: cannot generate the input `{}`: the builder uses that name itself \
             (one of {BUILDER_OWN:?}); rename it in openapi/overlay.yaml",
            op.operation_id, clash.ident
        ));
    }

    let struct_fields = inputs.iter().map(|i| {
        let (ident, ty) = (i.ident, &i.ty);
        if i.required && !i.nullable {
            quote! { #ident: ::std::result::Result<#ty, ::std::string::String> }
        } else {
            quote! { #ident: ::std::result::Result<::std::option::Option<#ty>, ::std::string::String> }
        }
    });
    let inits = inputs.iter().map(|i| {
        let ident = i.ident;
        if i.required {
            let msg = format!("{ident} was not initialized");
            quote! { #ident: Err(#msg.to_string()) }
        } else {
            quote! { #ident: Ok(None) }
        }
    });
    let setters = inputs.iter().map(setter);

    let (url_format, url_args) = url_template(op, &inputs)?;
    let parts = op
        .fields
        .iter()
        .zip(inputs.iter().skip(op.path_params.len()))
        .map(|(f, i)| {
            let local = &i.local;
            let name = &f.name;
            match (&f.kind, f.required, f.nullable) {
                (FieldKind::File, true, false) => quote! {
                    form = form.part(#name, #local.into_part().map_err(Error::InvalidRequest)?);
                },
                (FieldKind::File, _, _) => quote! {
                    if let Some(value) = #local {
                        form = form.part(#name, value.into_part().map_err(Error::InvalidRequest)?);
                    }
                },
                (FieldKind::Text(_), true, false) => quote! {
                    form = form.text(#name, #local.to_string());
                },
                // Required but null: a form has no null, so the field is sent
                // empty (our choice; the docs do not say how null travels).
                (FieldKind::Text(_), true, true) => quote! {
                    form = form.text(#name, #local.map(|v| v.to_string()).unwrap_or_default());
                },
                (FieldKind::Text(_), false, _) => quote! {
                    if let Some(value) = #local {
                        form = form.text(#name, value.to_string());
                    }
                },
            }
        });

    let idents: Vec<&syn::Ident> = inputs.iter().map(|i| i.ident).collect();
    let locals: Vec<&syn::Ident> = inputs.iter().map(|i| &i.local).collect();
    let matches = response_matches(op, &success, &error);
    let operation_id = &op.operation_id;
    let struct_name = struct_ident.to_string();
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
        pub struct #struct_ident<'a> {
            __client: &'a super::Client,
            #( #struct_fields, )*
            __fields: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
        }

        /// Shows no values: a builder may hold a password or a file.
        impl ::std::fmt::Debug for #struct_ident<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#struct_name).finish_non_exhaustive()
            }
        }

        impl<'a> #struct_ident<'a> {
            pub fn new(client: &'a super::Client) -> Self {
                Self { __client: client, #( #inits, )* __fields: ::std::vec::Vec::new() }
            }

            #( #setters )*

            /// Appends a text part `name` with `value`, whatever the spec says
            /// of `name`: for a field the spec does not describe yet. Prefer
            /// the typed setters, which check the value's type; a field set
            /// both ways is sent twice. These parts follow the typed ones.
            pub fn field(mut self, name: &str, value: impl ::std::string::ToString) -> Self {
                self.__fields.push((name.to_string(), value.to_string()));
                self
            }

            #[doc = #send_doc]
            pub async fn send(self) -> ::std::result::Result<ResponseValue<#success_ty>, Error<#error_ty>> {
                let Self { __client: client, #( #idents: #locals, )* __fields: extra_text_fields } = self;
                #( let #locals = #locals.map_err(Error::InvalidRequest)?; )*
                let url = format!(#url_format, client.baseurl, #( #url_args, )*);
                #[allow(unused_mut)]
                let mut form = ::reqwest::multipart::Form::new();
                #( #parts )*
                for (name, value) in extra_text_fields {
                    form = form.text(name, value);
                }
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
        idents
            .iter()
            .map(|i| format!("    .{i}({i})\n"))
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

fn setter(input: &Input) -> TokenStream {
    let (ident, ty) = (input.ident, &input.ty);
    let doc = input.doc.map(|d| quote! { #[doc = #d] });
    if input.is_file {
        let wrap = if input.required && !input.nullable {
            quote! { value.into() }
        } else {
            quote! { Some(value.into()) }
        };
        return quote! {
            #doc
            pub fn #ident<V>(mut self, value: V) -> Self
            where V: ::std::convert::Into<crate::multipart::FilePart>
            {
                self.#ident = Ok(#wrap);
                self
            }
        };
    }
    let (target, map) = match (input.required, input.nullable) {
        (true, false) => (ty.clone(), quote! {}),
        (true, true) => (quote! { ::std::option::Option<#ty> }, quote! {}),
        (false, _) => (ty.clone(), quote! { .map(Some) }),
    };
    let ty_text = target.to_string().replace(' ', "");
    quote! {
        #doc
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

/// The URL's `format!` string and its arguments, in the order the
/// parameters appear in the path.
fn url_template(op: &MultipartOp, inputs: &[Input]) -> Result<(String, Vec<TokenStream>), String> {
    let mut format = String::from("{}");
    let mut args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or_else(|| {
            format!(
                "`{}`: the path `{}` has an unclosed `{{`",
                op.operation_id, op.path
            )
        })? + open;
        format.push_str(&rest[..open].replace('}', "}}"));
        let name = &rest[open + 1..close];
        let position = op
            .path_params
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| {
                format!(
                    "`{}`: the path parameter `{name}` is not described",
                    op.operation_id
                )
            })?;
        let local = &inputs[position].local;
        format.push_str("{}");
        args.push(quote! { encode_path(&#local.to_string()) });
        rest = &rest[close + 1..];
    }
    format.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    Ok((format, args))
}

/// The `match` arms on the status: exact codes first, then ranges, then
/// `default`; every documented success status decodes the success body.
fn response_matches(op: &MultipartOp, success: &Body, error: &Body) -> Vec<TokenStream> {
    let mut ordered: Vec<&Response> = op.responses.iter().collect();
    ordered.sort_by_key(|r| match r.status {
        Some(Ok(code)) => (0, code),
        Some(Err(range)) => (1, range),
        None => (2, 0),
    });
    let has_success = ordered
        .iter()
        .any(|r| r.status.is_some() && is_success(&r.status));
    let mut arms = Vec::new();
    for r in ordered {
        let pattern = match r.status {
            Some(Ok(code)) => quote! { #code },
            Some(Err(range)) => {
                let (min, max) = (range * 100, range * 100 + 99);
                quote! { #min..=#max }
            }
            // `default` beside a documented success stands for the errors.
            None if has_success => quote! { _ },
            None => quote! { 200..=299 },
        };
        let as_success = match r.status {
            None => !has_success,
            _ => is_success(&r.status),
        };
        if as_success {
            arms.push(match success {
                Body::Json(_) => {
                    quote! { #pattern => ResponseValue::from_response(response).await, }
                }
                Body::Raw => quote! { #pattern => Ok(ResponseValue::stream(response)), },
                Body::Empty => quote! { #pattern => Ok(ResponseValue::empty(response)), },
            });
        } else if is_error(&r.status) {
            arms.push(match error {
                Body::Json(_) => quote! { #pattern => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)), },
                Body::Raw => quote! { #pattern => Err(Error::ErrorResponse(ResponseValue::stream(response))), },
                Body::Empty => quote! { #pattern => Err(Error::ErrorResponse(ResponseValue::empty(response))), },
            });
        }
    }
    if !ordered_has_success(op) {
        arms.insert(
            0,
            quote! { 200..=299 => Ok(ResponseValue::stream(response)), },
        );
    }
    arms
}

fn ordered_has_success(op: &MultipartOp) -> bool {
    op.responses.iter().any(|r| is_success(&r.status))
}
