//! The sandbox's request handlers, by area, and what they share: the key
//! and rate-limit checks (one layer before any handler, so that they come
//! before a body is read: no key is a 401 however malformed the body) and
//! the shape of their answers.
//!
//! A handler answers `Result<Response, Response>`: an early answer (a
//! refusal) is the `Err`, so that `?` can return it.

pub(super) mod account;
pub(super) mod lookup;
pub(super) mod submit;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::state::{State, lock};
use crate::retry::Method;

/// The state as handlers extract it.
pub(super) type Shared = Extract<Arc<Mutex<State>>>;

/// A handler's answer; a refusal is the `Err`.
pub(super) type Answer = Result<Response, Response>;

/// An error answer, shaped like the documented 429 body.
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    marked((status, Json(json!({ "message": message }))).into_response())
}

/// A 422: the request's fields do not pass the API's validation.
pub(super) fn invalid(message: &str) -> Answer {
    Err(error(StatusCode::UNPROCESSABLE_ENTITY, message))
}

/// A scripted refusal: an error with `status`, and `Retry-After` on a 429.
pub(super) fn refusal(status: u16, retry_after: std::time::Duration) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = status
        .canonical_reason()
        .unwrap_or("Scripted refusal")
        .to_string();
    let mut response = error(status, &format!("{message} (scripted by the sandbox)."));
    if status == StatusCode::TOO_MANY_REQUESTS {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Marks an answer as simulated.
pub(super) fn marked(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("x-identifai-sandbox", HeaderValue::from_static("simulated"));
    response
}

/// A JSON answer, marked as simulated.
pub(super) fn json_answer(value: Value) -> Response {
    marked(Json(value).into_response())
}

/// The layer before every handler: counts the request, checks its key and
/// the rate limits of its method (POST's, or GET's for any other), then
/// lets the request through or answers the refusal.
pub(in crate::sandbox) async fn admission(
    Extract(state): Shared,
    request: Request,
    next: Next,
) -> Response {
    let method = if request.method() == axum::http::Method::POST {
        Method::Post
    } else {
        Method::Get
    };
    match admit(&state, request.headers(), method) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused,
    }
}

/// Counts the request and checks its key and the rate limits of its method.
fn admit(state: &Mutex<State>, headers: &HeaderMap, method: Method) -> Result<(), Response> {
    let mut state = lock(state);
    state.requests += 1;
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    if key != Some(state.config.api_key.as_str()) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing API key.",
        ));
    }
    let Some(windows) = state.windows.as_mut() else {
        return Ok(());
    };
    if let Err(seconds) = windows.admit(method) {
        state.rate_limited += 1;
        let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.");
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return Err(response);
    }
    Ok(())
}

/// Any other path: 404 (once the key is checked).
pub(super) async fn not_found() -> Answer {
    Err(error(
        StatusCode::NOT_FOUND,
        "No such route in the sandbox.",
    ))
}
