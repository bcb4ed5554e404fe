//! The sandbox's state and request handlers.

// Handlers return an early answer as `Err(Response)`, the axum idiom; the
// size of `Response` does not matter on these paths.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::pacing::SlidingLog;

use axum::Json;
use axum::extract::{Multipart, Path, RawQuery, State as Shared};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use identifai_api::types::{self, Classification};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::SandboxConfig;
use super::results;
use crate::media::MediaKind;

type Shared_ = Shared<Arc<Mutex<State>>>;

/// One submission.
#[derive(Clone, Debug)]
pub(super) struct Record {
    pub kind: MediaKind,
    pub identifier: String,
    pub hash: [u8; 32],
    pub name: String,
    pub ref_id: Option<String>,
    pub heatmap: bool,
    pub frames: u32,
    pub errored: bool,
    pub polls: u32,
    pub submitted_at: Instant,
}

#[derive(Debug)]
pub(super) struct State {
    pub config: SandboxConfig,
    pub requests: u64,
    /// How many requests were refused with 429.
    pub rate_limited: u64,
    /// How many submissions were answered with an identifier.
    pub submissions: u64,
    pub credits: f64,
    pub spent: f64,
    records: HashMap<String, Record>,
    overrides: HashMap<(MediaKind, String), Classification>,
    users: Vec<types::User>,
    /// The requests admitted by kind (GET, POST), in the documented
    /// sliding windows, exactly.
    logs: Option<[SlidingLog; 2]>,
    started: Instant,
}

impl State {
    pub(super) fn new(config: SandboxConfig) -> Self {
        let users = (1..=config.users as i64)
            .map(results::seeded_user)
            .collect();
        let logs = config.rate_limits.as_ref().map(|limits| {
            [
                SlidingLog::exact(&limits.get),
                SlidingLog::exact(&limits.post),
            ]
        });
        Self {
            credits: config.initial_credits,
            config,
            requests: 0,
            rate_limited: 0,
            submissions: 0,
            spent: 0.0,
            records: HashMap::new(),
            overrides: HashMap::new(),
            users,
            logs,
            started: Instant::now(),
        }
    }

    /// Counts the request, checks the key and the rate limits.
    fn admit(&mut self, headers: &HeaderMap, is_get: bool) -> Result<(), Response> {
        self.requests += 1;
        let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        if key != Some(self.config.api_key.as_str()) {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "Invalid or missing API key.",
            ));
        }
        let Some(logs) = &mut self.logs else {
            return Ok(());
        };
        let now = self.started.elapsed();
        if let Err(slot) = logs[usize::from(!is_get)].try_admit(now) {
            // Whole seconds, as Laravel says it.
            self.rate_limited += 1;
            let seconds = slot.saturating_sub(now).as_secs_f64().ceil().max(1.0) as u64;
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            return Err(response);
        }
        Ok(())
    }
}

/// An error answer, shaped like the documented 429 body.
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    marked((status, Json(json!({ "message": message }))).into_response())
}

/// Marks an answer as simulated.
fn marked(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("x-identifai-sandbox", HeaderValue::from_static("simulated"));
    response
}

fn json_answer(value: Value) -> Response {
    marked(Json(value).into_response())
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(super) async fn not_found(Shared(state): Shared_, headers: HeaderMap) -> Response {
    if let Err(denied) = lock(&state).admit(&headers, true) {
        return denied;
    }
    error(StatusCode::NOT_FOUND, "No such route in the sandbox.")
}

// ---- Submissions -------------------------------------------------------

/// The fields of a submission, read from its multipart body; the file is
/// hashed as it arrives and only its first bytes are kept (for sniffing).
#[derive(Default)]
struct Form {
    file: Option<Upload>,
    text: HashMap<String, String>,
}

struct Upload {
    name: String,
    size: u64,
    head: Vec<u8>,
    sha: [u8; 32],
}

async fn read_form(
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
        if name == file_field {
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
                        if head.len() < 8192 {
                            head.extend_from_slice(&chunk[..chunk.len().min(8192 - head.len())]);
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

fn boolean(form: &Form, name: &str) -> Result<bool, Response> {
    match form.text.get(name).map(String::as_str) {
        None | Some("") => Ok(false),
        Some("true" | "1" | "on") => Ok(true),
        Some("false" | "0" | "off") => Ok(false),
        Some(_) => Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("The {name} field must be true or false."),
        )),
    }
}

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

fn field_name(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Speech => "audio",
    }
}

async fn submit_upload(
    state: Arc<Mutex<State>>,
    headers: HeaderMap,
    multipart: Multipart,
    kind: MediaKind,
) -> Response {
    if let Err(denied) = lock(&state).admit(&headers, false) {
        return denied;
    }
    let field = field_name(kind);
    let form = match read_form(multipart, field, kind.max_bytes()).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let Some(upload) = &form.file else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("The {field} field is required."),
        );
    };
    if upload.size == 0 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("The {field} must be a file."),
        );
    }
    let mime = infer::get(&upload.head)
        .map(|t| t.mime_type())
        .unwrap_or("application/octet-stream");
    if !accepted(kind, mime) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("The {field} must be a file of a supported type ({mime} is not)."),
        );
    }
    let errored = upload.name.starts_with("sandbox-error");
    record(
        &state,
        &headers,
        kind,
        upload.sha,
        upload.name.clone(),
        &form,
        errored,
    )
}

async fn submit_url(
    state: Arc<Mutex<State>>,
    headers: HeaderMap,
    multipart: Multipart,
    kind: MediaKind,
) -> Response {
    if let Err(denied) = lock(&state).admit(&headers, false) {
        return denied;
    }
    let form = match read_form(multipart, "", 0).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let Some(url) = form.text.get("file_url").filter(|u| !u.is_empty()) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file url field is required.",
        );
    };
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file url must be a valid URL.",
        );
    }
    // The sandbox downloads nothing: the URL stands for the file.
    let sha: [u8; 32] = Sha256::digest(url.as_bytes()).into();
    let name = url.rsplit('/').next().unwrap_or(url).to_string();
    let errored = name.starts_with("sandbox-error");
    record(&state, &headers, kind, sha, name, &form, errored)
}

/// Stores a submission (or finds the same one) and answers its identifier.
fn record(
    state: &Mutex<State>,
    headers: &HeaderMap,
    kind: MediaKind,
    sha: [u8; 32],
    name: String,
    form: &Form,
    errored: bool,
) -> Response {
    let heatmap = match boolean(form, "with_heatmap") {
        Ok(v) => v,
        Err(refused) => return refused,
    };
    for flag in [
        "with_morphing",
        "with_tampering",
        "no_cache",
        "prevent_c2pa_forces",
        "key_frames",
    ] {
        if let Err(refused) = boolean(form, flag) {
            return refused;
        }
    }
    let frames = match form.text.get("frames").map(String::as_str) {
        None | Some("") => 5,
        Some("5") => 5,
        Some("10") => 10,
        Some("30") => 30,
        Some(_) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The selected frames is invalid.",
            );
        }
    };
    if let Some(method) = form.text.get("key_frames_method")
        && !["iframes", "flow", "color"].contains(&method.as_str())
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The selected key frames method is invalid.",
        );
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
    if !state.records.contains_key(&identifier) {
        if state.credits < cost {
            return error(StatusCode::PAYMENT_REQUIRED, "Insufficient credits.");
        }
        state.credits -= cost;
        state.spent += cost;
        let record = Record {
            kind,
            identifier: identifier.clone(),
            hash: sha,
            name,
            ref_id,
            heatmap,
            frames,
            errored,
            polls: 0,
            submitted_at: Instant::now(),
        };
        state.records.insert(identifier.clone(), record);
    }
    state.submissions += 1;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        json_answer(json!({ "identifier": identifier }))
    } else {
        marked(identifier.into_response())
    }
}

pub(super) async fn classify_image(Shared(s): Shared_, h: HeaderMap, m: Multipart) -> Response {
    submit_upload(s, h, m, MediaKind::Image).await
}
pub(super) async fn classify_video(Shared(s): Shared_, h: HeaderMap, m: Multipart) -> Response {
    submit_upload(s, h, m, MediaKind::Video).await
}
pub(super) async fn classify_audio(Shared(s): Shared_, h: HeaderMap, m: Multipart) -> Response {
    submit_upload(s, h, m, MediaKind::Speech).await
}
pub(super) async fn classify_image_url(Shared(s): Shared_, h: HeaderMap, m: Multipart) -> Response {
    submit_url(s, h, m, MediaKind::Image).await
}
pub(super) async fn classify_video_url(Shared(s): Shared_, h: HeaderMap, m: Multipart) -> Response {
    submit_url(s, h, m, MediaKind::Video).await
}
pub(super) async fn classify_audio_url(Shared(s): Shared_, h: HeaderMap, m: Multipart) -> Response {
    submit_url(s, h, m, MediaKind::Speech).await
}

// ---- Results -----------------------------------------------------------

/// The result of one submission as its kind's JSON, counting the poll.
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

fn get_one(state: &Mutex<State>, headers: &HeaderMap, kind: MediaKind, id: &str) -> Response {
    let mut state = lock(state);
    if let Err(denied) = state.admit(headers, true) {
        return denied;
    }
    match result(&mut state, kind, id, false) {
        Some(value) => json_answer(value),
        None => error(StatusCode::NOT_FOUND, "Classification not found."),
    }
}

fn list(
    state: &Mutex<State>,
    headers: &HeaderMap,
    kind: MediaKind,
    query: Option<String>,
) -> Response {
    let mut state = lock(state);
    if let Err(denied) = state.admit(headers, true) {
        return denied;
    }
    let ids: Vec<String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key == "identifiers[]")
        .map(|(_, value)| value.into_owned())
        .collect();
    if ids.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The identifiers field is required.",
        );
    }
    if ids.len() > 100 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The identifiers may not have more than 100 items.",
        );
    }
    let found: Vec<Value> = ids
        .iter()
        .filter_map(|id| result(&mut state, kind, id, true))
        .collect();
    json_answer(Value::Array(found))
}

pub(super) async fn get_image(
    Shared(s): Shared_,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    get_one(&s, &h, MediaKind::Image, &id)
}
pub(super) async fn get_video(
    Shared(s): Shared_,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    get_one(&s, &h, MediaKind::Video, &id)
}
pub(super) async fn get_audio(
    Shared(s): Shared_,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    get_one(&s, &h, MediaKind::Speech, &id)
}
pub(super) async fn list_images(
    Shared(s): Shared_,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&s, &h, MediaKind::Image, q)
}
pub(super) async fn list_videos(
    Shared(s): Shared_,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&s, &h, MediaKind::Video, q)
}
pub(super) async fn list_audios(
    Shared(s): Shared_,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&s, &h, MediaKind::Speech, q)
}

pub(super) async fn heatmap(Shared(s): Shared_, h: HeaderMap, Path(id): Path<String>) -> Response {
    let mut state = lock(&s);
    if let Err(denied) = state.admit(&h, true) {
        return denied;
    }
    match state.records.get(&id) {
        Some(record) if record.kind == MediaKind::Image && record.heatmap => {
            let png = super::png::heatmap(&record.hash);
            marked(([(header::CONTENT_TYPE, "image/png")], png).into_response())
        }
        Some(_) => error(
            StatusCode::NOT_FOUND,
            "This image has no heatmap: submit it with with_heatmap.",
        ),
        None => error(StatusCode::NOT_FOUND, "Classification not found."),
    }
}

async fn override_kind(
    state: Arc<Mutex<State>>,
    headers: HeaderMap,
    hash: String,
    body: Value,
    kind: MediaKind,
) -> Response {
    let mut state = lock(&state);
    if let Err(denied) = state.admit(&headers, false) {
        return denied;
    }
    let classification = match body.get("classification").and_then(Value::as_str) {
        Some("human") => Classification::Human,
        Some("artificial") => Classification::Artificial,
        _ => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The selected classification is invalid.",
            );
        }
    };
    if !state
        .records
        .values()
        .any(|r| r.kind == kind && hex(&r.hash) == hash)
    {
        return error(
            StatusCode::NOT_FOUND,
            "No file with this hash was classified.",
        );
    }
    state
        .overrides
        .insert((kind, hash.clone()), classification.clone());
    json_answer(
        json!({ "classification": classification, "type": results::media_kind(kind), "hash": hash }),
    )
}

pub(super) async fn override_image(
    Shared(s): Shared_,
    h: HeaderMap,
    Path(hash): Path<String>,
    Json(b): Json<Value>,
) -> Response {
    override_kind(s, h, hash, b, MediaKind::Image).await
}
pub(super) async fn override_video(
    Shared(s): Shared_,
    h: HeaderMap,
    Path(hash): Path<String>,
    Json(b): Json<Value>,
) -> Response {
    override_kind(s, h, hash, b, MediaKind::Video).await
}
pub(super) async fn override_audio(
    Shared(s): Shared_,
    h: HeaderMap,
    Path(hash): Path<String>,
    Json(b): Json<Value>,
) -> Response {
    override_kind(s, h, hash, b, MediaKind::Speech).await
}

pub(super) async fn credits(Shared(s): Shared_, h: HeaderMap) -> Response {
    let mut state = lock(&s);
    if let Err(denied) = state.admit(&h, true) {
        return denied;
    }
    json_answer(json!({ "available_credits": state.credits, "total_spent": state.spent }))
}

// ---- Partner users -------------------------------------------------------

pub(super) async fn list_users(
    Shared(s): Shared_,
    h: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let mut state = lock(&s);
    if let Err(denied) = state.admit(&h, true) {
        return denied;
    }
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let number = |key: &str| query.get(key).and_then(|v| v.parse::<i64>().ok());
    let mut users: Vec<types::User> = state
        .users
        .iter()
        .filter(|u| {
            number("pricing_id").is_none_or(|p| u.pricing.as_ref().and_then(|x| x.id) == Some(p))
        })
        .cloned()
        .collect();
    if query.get("direction").map(String::as_str) == Some("desc") {
        users.reverse();
    }
    let total = users.len() as i64;
    let per_page = number("per_page")
        .filter(|n| *n > 0)
        .unwrap_or(total.max(1));
    let page = number("page").filter(|n| *n > 0).unwrap_or(1);
    let last_page = ((total + per_page - 1) / per_page).max(1);
    let start = ((page - 1) * per_page).min(total);
    let end = (start + per_page).min(total);
    let data: Vec<types::User> = users[start as usize..end as usize].to_vec();
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let next = (page < last_page).then(|| {
        format!(
            "http://{host}/api/partner/users?page={}&per_page={per_page}",
            page + 1
        )
    });
    let (from, to) = if data.is_empty() {
        (None, None)
    } else {
        (Some(start + 1), Some(end))
    };
    json_answer(json!({
        "current_page": page,
        "data": data,
        "from": from,
        "last_page": last_page,
        "next_page_url": next,
        "per_page": per_page,
        "to": to,
        "total": total,
    }))
}

pub(super) async fn upsert_user(Shared(s): Shared_, h: HeaderMap, m: Multipart) -> Response {
    if let Err(denied) = lock(&s).admit(&h, false) {
        return denied;
    }
    let form = match read_form(m, "", 0).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    for required in ["name", "email", "heuristic", "pricing_id"] {
        if form.text.get(required).is_none_or(|v| v.is_empty()) {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("The {required} field is required."),
            );
        }
    }
    if !form.text.contains_key("id") {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The id field must be present.",
        );
    }
    let Ok(pricing_id) = form.text["pricing_id"].parse::<i64>() else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The pricing id must be an integer.",
        );
    };
    let mut state = lock(&s);
    let id = match form.text.get("id").map(String::as_str) {
        None | Some("") => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The id must be an integer.",
                );
            }
        },
    };
    let user = match id {
        Some(id) => match state.users.iter_mut().find(|u| u.id == Some(id)) {
            Some(user) => {
                results::fill_user(user, &form.text, pricing_id);
                user.clone()
            }
            None => return error(StatusCode::NOT_FOUND, "User not found."),
        },
        None => {
            let next = state
                .users
                .iter()
                .filter_map(|u| u.id)
                .max()
                .unwrap_or(1000)
                + 1;
            let mut user = results::seeded_user(next - 1000);
            user.id = Some(next);
            results::fill_user(&mut user, &form.text, pricing_id);
            state.users.push(user.clone());
            user
        }
    };
    json_answer(json!({ "data": user }))
}

pub(super) async fn send_creation_email(
    Shared(s): Shared_,
    h: HeaderMap,
    m: Multipart,
) -> Response {
    if let Err(denied) = lock(&s).admit(&h, false) {
        return denied;
    }
    let form = match read_form(m, "", 0).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let Some(Ok(id)) = form.text.get("id").map(|v| v.parse::<i64>()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "The id field is required and must be an integer.",
        );
    };
    let state = lock(&s);
    match state.users.iter().find(|u| u.id == Some(id)) {
        Some(user) => json_answer(json!({ "data": user })),
        None => error(StatusCode::NOT_FOUND, "User not found."),
    }
}

pub(super) async fn pricings(Shared(s): Shared_, h: HeaderMap) -> Response {
    if let Err(denied) = lock(&s).admit(&h, true) {
        return denied;
    }
    json_answer(json!([
        { "id": 1, "name": "Sandbox Basic", "sku": "sandbox-basic", "simulated": true },
        { "id": 2, "name": "Sandbox Pro", "sku": "sandbox-pro", "simulated": true }
    ]))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
