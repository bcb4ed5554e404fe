//! Reading a submission's multipart body: the file is hashed as it arrives
//! and only its first bytes are kept (for sniffing); the other fields are
//! kept as text.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::handlers::error;

/// How much of an upload is kept for sniffing its type.
const HEAD: usize = 8192;

/// The fields of a multipart body.
#[derive(Default)]
pub(super) struct Form {
    pub file: Option<Upload>,
    pub text: HashMap<String, String>,
}

/// The file of a multipart body, as far as the sandbox needs it.
pub(super) struct Upload {
    pub name: String,
    pub size: u64,
    pub head: Vec<u8>,
    pub sha: [u8; 32],
}

/// Reads a multipart body whose file, if any, is the field `file_field`, of
/// `limit` bytes at most (413 beyond); an empty `file_field` expects no
/// file, and every field is text.
pub(super) async fn read_form(
    mut multipart: Multipart,
    file_field: &str,
    limit: u64,
) -> Result<Form, Response> {
    let mut form = Form::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(form),
            Err(e) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    &format!("The body is not valid multipart: {e}"),
                ));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if !file_field.is_empty() && name == file_field {
            let file_name = field.file_name().unwrap_or("file").to_string();
            let mut field = field;
            let mut hasher = Sha256::new();
            let (mut size, mut head) = (0u64, Vec::new());
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        size += chunk.len() as u64;
                        if size > limit {
                            return Err(error(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                &format!(
                                    "The {file_field} may not be greater than {} kilobytes.",
                                    limit / 1024
                                ),
                            ));
                        }
                        if head.len() < HEAD {
                            head.extend_from_slice(&chunk[..chunk.len().min(HEAD - head.len())]);
                        }
                        hasher.update(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        return Err(error(
                            StatusCode::BAD_REQUEST,
                            &format!("The upload broke off: {e}"),
                        ));
                    }
                }
            }
            form.file = Some(Upload {
                name: file_name,
                size,
                head,
                sha: hasher.finalize().into(),
            });
        } else {
            let value = field.text().await.unwrap_or_default();
            form.text.insert(name, value);
        }
    }
}

impl Form {
    /// A boolean field as the API reads it (absent or empty: false); 422
    /// for anything else.
    pub(super) fn boolean(&self, name: &str) -> Result<bool, Response> {
        match self.text.get(name).map(String::as_str) {
            None | Some("") => Ok(false),
            Some("true" | "1" | "on") => Ok(true),
            Some("false" | "0" | "off") => Ok(false),
            Some(_) => Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("The {name} field must be true or false."),
            )),
        }
    }
}
