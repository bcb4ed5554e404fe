//! Submissions: an upload or a URL of each kind, checked as the API checks
//! them, charged, and answered with an identifier derived from the file and
//! the options.

use std::sync::Mutex;

use axum::extract::{Multipart, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Answer, Shared, error, json_answer, marked, refusal};
use crate::media::MediaKind;
use crate::sandbox::form::{Form, read_form};
use crate::sandbox::results::{hex, media_kind};
use crate::sandbox::script::{Polls, Step};
use crate::sandbox::state::{Record, State, lock};

/// A file name that makes the sandbox fail the classification.
const ERROR_PREFIX: &str = "sandbox-error";

/// Whether the sniffed MIME type is one the documentation accepts.
fn accepted(kind: MediaKind, mime: &str) -> bool {
    match kind {
        MediaKind::Image => [
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "image/tiff",
        ]
        .contains(&mime),
        MediaKind::Video => mime.starts_with("video/"),
        MediaKind::Speech => {
            mime.starts_with("audio/") || mime == "video/mp4" || mime == "video/3gpp"
        }
    }
}

/// A file of `kind`, uploaded in the field named after the kind.
pub(in crate::sandbox) async fn upload(
    Extract(state): Shared,
    headers: HeaderMap,
    multipart: Multipart,
    kind: MediaKind,
) -> Answer {
    let field = media_kind(kind);
    let form = read_form(multipart, field, kind.max_bytes()).await?;
    let Some(upload) = &form.file else {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("The {field} field is required."),
        ));
    };
    if upload.size == 0 {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("The {field} must be a file."),
        ));
    }
    let mime = infer::get(&upload.head)
        .map(|t| t.mime_type())
        .unwrap_or("application/octet-stream");
    if !accepted(kind, mime) {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("The {field} must be a file of a supported type ({mime} is not)."),
        ));
    }
    record(
        &state,
        &headers,
        kind,
        upload.sha,
        upload.name.clone(),
        &form,
    )
}

/// A file of `kind` by its URL (`file_url`), which the sandbox does not
/// download: the URL stands for the file.
pub(in crate::sandbox) async fn from_url(
    Extract(state): Shared,
    headers: HeaderMap,
    multipart: Multipart,
    kind: MediaKind,
) -> Answer {
    let form = read_form(multipart, "", 0).await?;
    let Some(url) = form.text.get("file_url").filter(|u| !u.is_empty()) else {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file url field is required.",
        ));
    };
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file url must be a valid URL.",
        ));
    }
    let sha: [u8; 32] = Sha256::digest(url.as_bytes()).into();
    let name = url.rsplit('/').next().unwrap_or(url).to_string();
    record(&state, &headers, kind, sha, name, &form)
}

/// Checks the options, stores the submission (or finds the same one) and
/// answers its identifier: as JSON, or as text when `Accept` asks for text and not JSON.
fn record(
    state: &Mutex<State>,
    headers: &HeaderMap,
    kind: MediaKind,
    sha: [u8; 32],
    name: String,
    form: &Form,
) -> Answer {
    let heatmap = form.boolean("with_heatmap")?;
    for flag in [
        "with_morphing",
        "with_tampering",
        "no_cache",
        "prevent_c2pa_forces",
        "key_frames",
    ] {
        form.boolean(flag)?;
    }
    let frames = match form.text.get("frames").map(String::as_str) {
        None | Some("") => 5,
        Some("5") => 5,
        Some("10") => 10,
        Some("30") => 30,
        Some(_) => {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The selected frames is invalid.",
            ));
        }
    };
    if let Some(method) = form.text.get("key_frames_method")
        && !["iframes", "flow", "color"].contains(&method.as_str())
    {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The selected key frames method is invalid.",
        ));
    }
    let ref_id = form.text.get("ref_id").filter(|r| !r.is_empty()).cloned();
    let mut options = Sha256::new();
    options.update(sha);
    options.update(format!("{kind}|{heatmap}|{frames}|{:?}", ref_id).as_bytes());
    let identifier = hex(&options.finalize());

    let cost = match kind {
        MediaKind::Video => f64::from(frames),
        _ => 1.0,
    };
    let mut state = lock(state);
    let script = state.script_key(ref_id.as_deref(), &name);
    if let Some(key) = &script
        && let Some(Step::Refuse {
            status,
            retry_after,
        }) = state.scripts.get_mut(key).and_then(|s| s.take_refusal())
    {
        return Err(refusal(status, retry_after));
    }
    if !state.records.contains_key(&identifier) {
        if state.credits < cost {
            return Err(error(StatusCode::PAYMENT_REQUIRED, "Insufficient credits."));
        }
        state.credits -= cost;
        state.spent += cost;
        let record = Record {
            kind,
            identifier: identifier.clone(),
            hash: sha,
            errored: name.starts_with(ERROR_PREFIX),
            name,
            ref_id,
            heatmap,
            frames,
            polls: 0,
            submitted_at: std::time::Instant::now(),
            script: script
                .and_then(|key| state.scripts.remove(&key))
                .and_then(Polls::from),
        };
        state.records.insert(identifier.clone(), record);
    }
    state.submissions += 1;
    // The vendor documents JSON or text by the Accept header, not which
    // comes without one: JSON, unless Accept prefers text.
    let wants_text = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(prefers_text);
    Ok(if !wants_text {
        json_answer(json!({ "identifier": identifier }))
    } else {
        marked(identifier.into_response())
    })
}

/// Whether an `Accept` header prefers `text/plain` to `application/json`:
/// each type takes the quality of the most specific range that matches it
/// (`type/subtype`, then `type/*`, then `*/*`; none: 0), and a tie goes to
/// JSON.
fn prefers_text(accept: &str) -> bool {
    let quality = |wanted: &str| -> f32 {
        let main = wanted.split('/').next().unwrap_or_default();
        let mut best: Option<(u8, f32)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let specificity = if media == wanted {
                2
            } else if media == format!("{main}/*") {
                1
            } else if media == "*/*" {
                0
            } else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    quality("text/plain") > quality("application/json")
}

#[cfg(test)]
mod tests {
    use super::prefers_text;

    #[test]
    fn text_only_when_accept_prefers_it() {
        for accept in [
            "text/plain",
            "text/*",
            "text/plain, application/json;q=0.5",
            "application/json;q=0, text/plain",
            "*/*;q=0.1, text/plain",
        ] {
            assert!(prefers_text(accept), "{accept}");
        }
        for accept in [
            "",
            "*/*",
            "application/json",
            "application/json, text/plain",
            "text/plain;q=0.5, application/*",
            "text/html",
            "text/plain;q=0",
        ] {
            assert!(!prefers_text(accept), "{accept}");
        }
    }
}
