//! Results (one, or a list of up to 100), heatmaps and overrides.

use axum::Json;
use axum::extract::{Path, RawQuery, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use identifai_api::types::Classification;
use serde_json::{Value, json};

use super::{Answer, Shared, admitted, error, json_answer, marked};
use crate::media::MediaKind;
use crate::retry::Method;
use crate::sandbox::png;
use crate::sandbox::results::{self, hex};
use crate::sandbox::state::State;

const NOT_FOUND: &str = "Classification not found.";

/// The result of one submission of `kind` as its JSON, counting the poll.
fn result(state: &mut State, kind: MediaKind, identifier: &str, list: bool) -> Option<Value> {
    let ready_after = state.config.ready_after_polls;
    let processing = state.config.processing_time;
    let record = state
        .records
        .get_mut(identifier)
        .filter(|r| r.kind == kind)?;
    record.polls += 1;
    let ready = record.polls > ready_after && record.submitted_at.elapsed() >= processing;
    let record = record.clone();
    let forced = state.overrides.get(&(kind, hex(&record.hash))).cloned();
    Some(results::render(&record, ready, forced, list))
}

/// `GET …/{id}`: one result of `kind`.
pub(in crate::sandbox) async fn get_one(
    Extract(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    kind: MediaKind,
) -> Answer {
    let mut state = admitted(&state, &headers, Method::Get)?;
    match result(&mut state, kind, &id, false) {
        Some(value) => Ok(json_answer(value)),
        None => Err(error(StatusCode::NOT_FOUND, NOT_FOUND)),
    }
}

/// `GET …?identifiers[]=…`: the results of `kind` among up to 100
/// identifiers; unknown ones are left out.
pub(in crate::sandbox) async fn list(
    Extract(state): Shared,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    kind: MediaKind,
) -> Answer {
    let mut state = admitted(&state, &headers, Method::Get)?;
    let ids: Vec<String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key == "identifiers[]")
        .map(|(_, value)| value.into_owned())
        .collect();
    if ids.is_empty() {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The identifiers field is required.",
        ));
    }
    if ids.len() > 100 {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The identifiers may not have more than 100 items.",
        ));
    }
    let found: Vec<Value> = ids
        .iter()
        .filter_map(|id| result(&mut state, kind, id, true))
        .collect();
    Ok(json_answer(Value::Array(found)))
}

/// The heatmap PNG of an image submitted with `with_heatmap`.
pub(in crate::sandbox) async fn heatmap(
    Extract(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let mut state = admitted(&state, &headers, Method::Get)?;
    match state.records.get(&id) {
        Some(record) if record.kind == MediaKind::Image && record.heatmap => {
            let png = png::heatmap(&record.hash);
            state.heatmaps += 1;
            Ok(marked(
                ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
            ))
        }
        Some(_) => Err(error(
            StatusCode::NOT_FOUND,
            "This image has no heatmap: submit it with with_heatmap.",
        )),
        None => Err(error(StatusCode::NOT_FOUND, NOT_FOUND)),
    }
}

/// Records a verdict for every submission of `kind` with this file hash.
pub(in crate::sandbox) async fn override_verdict(
    Extract(state): Shared,
    headers: HeaderMap,
    Path(hash): Path<String>,
    Json(body): Json<Value>,
    kind: MediaKind,
) -> Answer {
    let mut state = admitted(&state, &headers, Method::Post)?;
    let classification = match body.get("classification").and_then(Value::as_str) {
        Some("human") => Classification::Human,
        Some("artificial") => Classification::Artificial,
        _ => {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The selected classification is invalid.",
            ));
        }
    };
    if !state
        .records
        .values()
        .any(|r| r.kind == kind && hex(&r.hash) == hash)
    {
        return Err(error(
            StatusCode::NOT_FOUND,
            "No file with this hash was classified.",
        ));
    }
    state
        .overrides
        .insert((kind, hash.clone()), classification.clone());
    Ok(json_answer(
        json!({ "classification": classification, "type": results::media_kind(kind), "hash": hash }),
    ))
}
