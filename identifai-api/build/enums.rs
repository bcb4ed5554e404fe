//! Enum types that typify does not generate the way this client needs:
//! open enums for server values (an unknown value is kept, not an error)
//! and the inline enums of multipart fields.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::prepare::OpenEnum;

fn doc_attr(text: &str) -> TokenStream {
    quote! { #[doc = #text] }
}

/// Variant names for the values: UpperCamelCase, valid Rust, distinct
/// (a clash gets a number), and never `reserved`.
fn variant_idents<T: ToString>(values: &[T], reserved: &str) -> Vec<syn::Ident> {
    let mut taken: Vec<String> = vec![reserved.to_string()];
    values
        .iter()
        .map(|value| {
            let text = value.to_string();
            let mut name: String = text
                .replace('-', " minus ")
                .to_upper_camel_case()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                name = format!("V{name}");
            }
            let mut unique = name.clone();
            let mut n = 2;
            while taken.contains(&unique) || syn::parse_str::<syn::Ident>(&unique).is_err() {
                unique = format!("{name}{n}");
                n += 1;
            }
            taken.push(unique.clone());
            format_ident!("{}", unique)
        })
        .collect()
}

/// An enum whose values may grow: unknown values decode into `Unknown`.
pub fn open_enum(open: &OpenEnum) -> TokenStream {
    let name = format_ident!("{}", open.name);
    let doc = doc_attr(
        open.description
            .as_deref()
            .unwrap_or("A value the server sends."),
    );
    let values = &open.values;
    let other = if values.iter().any(|v| v.to_upper_camel_case() == "Unknown") {
        format_ident!("Other")
    } else {
        format_ident!("Unknown")
    };
    let variants = variant_idents(values, &other.to_string());
    let variant_docs = values.iter().map(|v| doc_attr(&format!("`{v}`")));
    quote! {
        #doc
        ///
        /// This enum is open: a value that this version of the client does
        /// not know is kept as sent, in the last variant, instead of failing
        /// to decode.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #variant_docs #variants, )*
            /// A value this version of the client does not know, as sent.
            #other(::std::string::String),
        }

        impl #name {
            /// The values this version of the client knows.
            pub const KNOWN: &'static [&'static str] = &[#(#values),*];

            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #values, )*
                    Self::#other(value) => value.as_str(),
                }
            }

            /// Whether this version of the client knows the value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::#other(_))
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    other => Self::#other(other.to_string()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value))
            }
        }
    }
}

/// A closed enum of strings, for a multipart field: the caller picks one of
/// the documented values.
pub fn string_enum(name: &syn::Ident, doc: &str, values: &[String]) -> TokenStream {
    let doc = doc_attr(doc);
    let variants = variant_idents(values, "");
    let variant_docs = values.iter().map(|v| doc_attr(&format!("`{v}`")));
    let listed = values.join(", ");
    quote! {
        #doc
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #variant_docs #variants, )*
        }

        impl #name {
            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #( Self::#variants => #values, )*
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::string::String;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    #( #values => Ok(Self::#variants), )*
                    other => Err(format!("`{other}` is not one of: {}", #listed)),
                }
            }
        }

        impl ::std::convert::TryFrom<&str> for #name {
            type Error = ::std::string::String;
            fn try_from(value: &str) -> ::std::result::Result<Self, Self::Error> {
                value.parse()
            }
        }
    }
}

/// A closed enum of integers, for a multipart field. `TryFrom<i64>` lets a
/// caller pass a plain number, checked against the documented values.
pub fn integer_enum(name: &syn::Ident, doc: &str, values: &[i64]) -> TokenStream {
    let doc = doc_attr(doc);
    let variants = variant_idents(values, "");
    let variant_docs = values.iter().map(|v| doc_attr(&format!("`{v}`")));
    let listed = values
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    quote! {
        #doc
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #variant_docs #variants, )*
        }

        impl #name {
            /// The value as a number.
            pub fn as_i64(&self) -> i64 {
                match self {
                    #( Self::#variants => #values, )*
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.as_i64())
            }
        }

        impl ::std::convert::TryFrom<i64> for #name {
            type Error = ::std::string::String;
            fn try_from(value: i64) -> ::std::result::Result<Self, Self::Error> {
                match value {
                    #( #values => Ok(Self::#variants), )*
                    other => Err(format!("{other} is not one of: {}", #listed)),
                }
            }
        }
    }
}
