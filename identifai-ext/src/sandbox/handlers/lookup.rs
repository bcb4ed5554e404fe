//! Results (one, or a list of up to 100), heatmaps and overrides.

use axum::Json;
use axum::extract::{Path, RawQuery, State as Extract};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use identifai_api::types::{Classification, ClassificationStatus};
use serde_json::{Value, json};

use std::time::Duration;

use super::{Answer, Shared, error, json_answer, marked, refusal};
use crate::media::MediaKind;
use crate::sandbox::png;
use crate::sandbox::results::{self, hex};
use crate::sandbox::script::Step;
use crate::sandbox::state::State;
use crate::sandbox::state::lock;

const NOT_FOUND: &str = "Classification not found.";

/// What one poll of a submission gets.
enum Polled {
    Result(Value),
    /// A scripted refusal: its status and `Retry-After`.
    Refused(u16, Duration),
}

/// The result of one submission of `kind` as its JSON, counting the poll;
/// a script, when one plays for it, says what the poll reads.
fn result(state: &mut State, kind: MediaKind, identifier: &str, list: bool) -> Option<Polled> {
    let ready_after = state.config.ready_after_polls;
    let processing = state.config.processing_time;
    let record = state
        .records
        .get_mut(identifier)
        .filter(|r| r.kind == kind)?;
    record.polls += 1;
    let mut ready = record.polls > ready_after && record.submitted_at.elapsed() >= processing;
    let mut status = None;
    match record.script.as_mut().and_then(|script| script.next()) {
        Some(Step::Refuse {
            status,
            retry_after,
        }) => return Some(Polled::Refused(status, retry_after)),
        Some(Step::Status(scripted)) => status = Some(scripted),
        None => {}
    }
    let mut record = record.clone();
    if let Some(status) = &status {
        ready = matches!(
            status,
            ClassificationStatus::Done | ClassificationStatus::Errored
        );
        record.errored = *status == ClassificationStatus::Errored;
    }
    let forced = state.overrides.get(&(kind, hex(&record.hash))).cloned();
    let mut value = results::render(&record, ready, forced, list);
    // A status the simulation has no state for (one a newer API may send).
    if let Some(status @ ClassificationStatus::Unknown(_)) = status {
        value["status"] = json!(status);
    }
    Some(Polled::Result(value))
}

/// Whether the next poll of this submission is a scripted refusal.
fn refused_next(state: &State, identifier: &str) -> bool {
    state
        .records
        .get(identifier)
        .and_then(|r| r.script.as_ref())
        .is_some_and(|s| matches!(s.peek(), Some(Step::Refuse { .. })))
}

/// `GET …/{id}`: one result of `kind`.
pub(in crate::sandbox) async fn get_one(
    Extract(state): Shared,
    Path(id): Path<String>,
    kind: MediaKind,
) -> Answer {
    let mut state = lock(&state);
    match result(&mut state, kind, &id, false) {
        Some(Polled::Result(value)) => Ok(json_answer(value)),
        Some(Polled::Refused(status, after)) => Err(refusal(status, after)),
        None => Err(error(StatusCode::NOT_FOUND, NOT_FOUND)),
    }
}

/// `GET …?identifiers[]=…`: the results of `kind` among up to 100
/// identifiers; unknown ones are left out.
pub(in crate::sandbox) async fn list(
    Extract(state): Shared,
    RawQuery(query): RawQuery,
    kind: MediaKind,
) -> Answer {
    let mut state = lock(&state);
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
    // A scripted refusal of one entry answers the whole request (and takes
    // only that entry's step).
    if let Some(id) = ids.iter().find(|id| refused_next(&state, id))
        && let Some(Polled::Refused(status, after)) = result(&mut state, kind, id, true)
    {
        return Err(refusal(status, after));
    }
    let found: Vec<Value> = ids
        .iter()
        .filter_map(|id| match result(&mut state, kind, id, true) {
            Some(Polled::Result(value)) => Some(value),
            _ => None,
        })
        .collect();
    Ok(json_answer(Value::Array(found)))
}

/// The heatmap PNG of an image submitted with `with_heatmap`.
pub(in crate::sandbox) async fn heatmap(Extract(state): Shared, Path(id): Path<String>) -> Answer {
    let mut state = lock(&state);
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
    Path(hash): Path<String>,
    Json(body): Json<Value>,
    kind: MediaKind,
) -> Answer {
    let mut state = lock(&state);
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
