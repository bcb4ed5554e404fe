//! The client's request hooks (progenitor's `ClientHooks`), run around
//! every operation, generated or multipart alike.
//!
//! - `pre` drops progenitor's `api-version` header, which the identifAI API
//!   does not document, and gives the request its deadline (see
//!   [`Transport::deadline`](crate::config::Transport::deadline)).
//! - `exec` reads every other answer through a size cap
//!   ([`capped`](crate::body::capped)), and reads error bodies with [`read_error_body`] (capped, the API key
//!   removed where a server echoes it) and makes every error answer a JSON
//!   object, so that it decodes as
//!   [`types::ErrorMessage`](crate::types::ErrorMessage) with its status: a
//!   body that is not a JSON object (an HTML page from a proxy, plain text,
//!   nothing) becomes `{"message": <its text, or the status reason>}`.

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};

use crate::body::read_error_body;
use crate::config::Transport;
use crate::{ApiKey, Client};

/// How much of a non-JSON error body is kept as the message.
const MAX_MESSAGE_CHARS: usize = 2_000;

impl ClientHooks<Transport> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        request.headers_mut().remove("api-version");
        if request.timeout().is_none() {
            let body_len = match request.body() {
                None => Some(0),
                Some(body) => body.as_bytes().map(|b| b.len() as u64).or_else(|| {
                    request
                        .headers()
                        .get(CONTENT_LENGTH)
                        .and_then(|v| v.to_str().ok()?.parse().ok())
                }),
            };
            *request.timeout_mut() = Some(self.inner().deadline(body_len));
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        let status = response.status();
        if status.is_client_error() || status.is_server_error() {
            normalize_error(response, self.inner().api_key.as_ref()).await
        } else {
            Ok(crate::body::capped(
                response,
                self.inner().max_response_bytes,
            ))
        }
    }
}

async fn normalize_error(
    response: reqwest::Response,
    key: Option<&ApiKey>,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let response: http::Response<reqwest::Body> = response.into();
    let (mut parts, body) = response.into_parts();
    let data = read_error_body(body, key).await;
    let is_object = serde_json::from_slice::<serde_json::Value>(&data).is_ok_and(|v| v.is_object());
    let body = if is_object {
        Bytes::from(data)
    } else {
        let text = String::from_utf8_lossy(&data);
        let text = text.trim();
        let message = if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        } else {
            text.chars().take(MAX_MESSAGE_CHARS).collect()
        };
        parts
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Bytes::from(serde_json::json!({ "message": message }).to_string())
    };
    parts.headers.remove(CONTENT_LENGTH);
    Ok(reqwest::Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::from(body),
    )))
}
