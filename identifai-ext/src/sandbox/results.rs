//! Simulated results: derived from the file's SHA-256, so the same bytes
//! always get the same verdict. Meaningless, and marked as such.

use std::collections::HashMap;

use identifai_api::types::{self, Classification, ClassificationStatus};
use serde_json::{Value, json};

use super::state::Record;
use crate::media::MediaKind;

const MODELS: [&str; 2] = ["SANDBOX-V011", "SANDBOX-brokenwand2"];
const HEURISTICS: [&str; 2] = ["Average", "Majority"];
/// The `errors` of a result the sandbox makes fail.
const SIMULATED_FAILURE: &str = "simulated failure (the file name starts with sandbox-error)";

/// The kind's name in the API: the `type` of an override and the multipart
/// field of an upload.
pub(super) fn media_kind(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Speech => "audio",
    }
}

/// A score in 0..=1 from two bytes of the hash.
fn score(hash: &[u8; 32], salt: usize) -> f64 {
    let a = hash[salt % 32] as f64;
    let b = hash[(salt * 7 + 3) % 32] as f64;
    ((a * 256.0 + b) / 65535.0 * 100.0).round() / 100.0
}

/// Two decimals, as the vendor's examples show scores.
fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn label(artificial: f64) -> Classification {
    if artificial >= 0.5 {
        Classification::Artificial
    } else {
        Classification::Human
    }
}

fn model_results(hash: &[u8; 32], salt: usize) -> Vec<types::ModelResult> {
    MODELS
        .iter()
        .enumerate()
        .map(|(i, model)| {
            let artificial = score(hash, salt + i + 1);
            types::ModelResult {
                model: Some(model.to_string()),
                unknown: Some(false),
                elapsed_time: Some(0.1 + i as f64 / 10.0),
                classification: vec![
                    types::LabelScore {
                        label: Some(Classification::Artificial),
                        score: Some(artificial),
                    },
                    types::LabelScore {
                        label: Some(Classification::Human),
                        score: Some(round2(1.0 - artificial)),
                    },
                ],
                classification_details: serde_json::Map::new(),
            }
        })
        .collect()
}

fn verdicts(hash: &[u8; 32], salt: usize) -> Vec<types::Verdict> {
    let artificial = score(hash, salt);
    HEURISTICS
        .iter()
        .map(|heuristic| types::Verdict {
            heuristic: Some(heuristic.to_string()),
            confidence: Some(round2(artificial.max(1.0 - artificial))),
            classification: Some(label(artificial)),
            models: MODELS.iter().map(|m| m.to_string()).collect(),
        })
        .collect()
}

/// A result of the generated type `types::$ty` with the fields every kind
/// shares.
macro_rules! summary {
    ($ty:ident, $record:expr, $identifier:expr, $ready:expr) => {
        types::$ty {
            identifier: Some($identifier),
            hash: Some(hex(&$record.hash)),
            name: Some($record.name.clone()),
            ref_id: $record.ref_id.clone(),
            status: Some(status($record, $ready)),
            result_url: Some(result_url($record)),
            ..Default::default()
        }
    };
}

/// An image's result, or a video frame's (`salt` tells the frames apart).
fn image(
    record: &Record,
    salt: usize,
    identifier: String,
    ready: bool,
) -> types::ImageClassification {
    let hash = &record.hash;
    let mut result = summary!(ImageClassification, record, identifier, ready);
    if !ready || record.errored {
        result.errors = record.errored.then(|| SIMULATED_FAILURE.into());
        return result;
    }
    let verdicts = verdicts(hash, salt);
    result.api_version = Some("sandbox".into());
    result.verdict = verdicts.first().cloned();
    result.verdicts = verdicts;
    result.results = model_results(hash, salt);
    result.has_heatmap = Some(record.heatmap);
    result.is_nsfw = Some(hash[(salt + 5) % 32].is_multiple_of(10));
    if hash[(salt + 3) % 32].is_multiple_of(3) {
        let valid = hash[(salt + 4) % 32].is_multiple_of(2);
        result.c2pa = Some(types::C2pa {
            active_manifest: Some("urn:c2pa:sandbox-0000".into()),
            manifests: serde_json::Map::new(),
            validation_state: Some(if valid { "Valid" } else { "Invalid" }.into()),
            validation_status: vec![types::C2paStatus {
                code: Some(
                    if valid {
                        "claimSignature.validated"
                    } else {
                        "claimSignature.mismatch"
                    }
                    .into(),
                ),
                explanation: Some("simulated".into()),
                url: None,
            }],
            validation_results: None,
        });
    }
    result
}

fn status(record: &Record, ready: bool) -> ClassificationStatus {
    match (ready, record.errored) {
        (false, _) => ClassificationStatus::New,
        (true, true) => ClassificationStatus::Errored,
        (true, false) => ClassificationStatus::Done,
    }
}

fn result_url(record: &Record) -> String {
    format!(
        "https://sandbox.identifai.invalid/simulated/{}",
        record.identifier
    )
}

/// The JSON of a submission's result. `list` answers speech pieces as
/// `details.clips` (as the docs' list page shows them) instead of
/// `chunk_details` (the single-result page).
pub(super) fn render(
    record: &Record,
    ready: bool,
    forced: Option<Classification>,
    list: bool,
) -> Value {
    // A video's or a speech recording's result: the shared fields, then,
    // once ready, the simulated failure or what `$fill` adds.
    macro_rules! later {
        ($ty:ident, $fill:expr) => {{
            let mut result = summary!($ty, record, record.identifier.clone(), ready);
            result.force_classification = forced;
            if ready && record.errored {
                result.errors = Some(SIMULATED_FAILURE.into());
            } else if ready {
                $fill(&mut result);
            }
            json!(result)
        }};
    }
    let mut value = match record.kind {
        MediaKind::Image => {
            let mut result = image(record, 0, record.identifier.clone(), ready);
            result.force_classification = forced;
            json!(result)
        }
        MediaKind::Video => later!(VideoClassification, |r| video(r, record)),
        MediaKind::Speech => later!(AudioClassification, |r| speech(r, record, list)),
    };
    if let Some(object) = value.as_object_mut() {
        object.insert("simulated".into(), Value::Bool(true));
    }
    value
}

/// A video's frames, each judged as an image, and its verdicts: the share
/// of frames judged artificial.
fn video(result: &mut types::VideoClassification, record: &Record) {
    let frames: Vec<types::ImageClassification> = (0..record.frames as usize)
        .map(|i| {
            image(
                record,
                i * 2,
                format!("{}-frame-{i}", record.identifier),
                true,
            )
        })
        .collect();
    let artificial = frames
        .iter()
        .filter(|f| {
            f.verdict.as_ref().and_then(|v| v.classification.clone())
                == Some(Classification::Artificial)
        })
        .count() as f64
        / frames.len().max(1) as f64;
    let verdicts: Vec<types::VideoVerdict> = HEURISTICS
        .iter()
        .map(|heuristic| types::VideoVerdict {
            heuristic: Some(heuristic.to_string()),
            confidence: Some(round2(artificial.max(1.0 - artificial))),
            classification: Some(label(artificial)),
            count: Some(frames.len() as f64),
            models: MODELS.iter().map(|m| m.to_string()).collect(),
            unknown: Some(false),
        })
        .collect();
    result.api_version = Some("sandbox".into());
    result.verdict = verdicts.first().cloned();
    result.verdicts = verdicts;
    result.is_nsfw = Some(frames.iter().any(|f| f.is_nsfw == Some(true)));
    result.results = Some(types::VideoClassificationResults {
        images: frames,
        audios: vec![],
    });
}

/// A speech recording's verdicts and its three pieces, each judged alone.
fn speech(result: &mut types::AudioClassification, record: &Record, list: bool) {
    let hash = &record.hash;
    let verdicts = verdicts(hash, 0);
    let chunks: Vec<types::AudioChunk> = (0..3)
        .map(|i| types::AudioChunk {
            index: Some(i as f64),
            start: Some(i as f64 * 10.0),
            end: Some((i + 1) as f64 * 10.0),
            results: model_results(hash, i * 3),
            verdict: verdicts_at(hash, i * 3),
        })
        .collect();
    result.api_version = Some("sandbox".into());
    result.verdict = verdicts.first().cloned();
    result.verdicts = verdicts;
    result.results = model_results(hash, 0);
    if list {
        result.details = Some(types::AudioClassificationDetails { clips: chunks });
    } else {
        result.chunk_details = chunks;
    }
}

fn verdicts_at(hash: &[u8; 32], salt: usize) -> Option<types::Verdict> {
    verdicts(hash, salt).into_iter().next()
}

/// The sandbox's pricing plans: id, name, SKU.
pub(super) const PRICINGS: [(i64, &str, &str); 2] = [
    (1, "Sandbox Basic", "sandbox-basic"),
    (2, "Sandbox Pro", "sandbox-pro"),
];

/// The pricing plan with this id, if the sandbox has one.
pub(super) fn pricing(id: i64) -> Option<types::Pricing> {
    PRICINGS
        .iter()
        .find(|(plan, _, _)| *plan == id)
        .map(|(id, name, sku)| types::Pricing {
            id: Some(*id),
            name: Some((*name).into()),
            sku: Some((*sku).into()),
        })
}

/// A user of the sandbox's partnership.
pub(super) fn seeded_user(n: i64) -> types::User {
    let stamp = "2025-01-01T00:00:00Z".parse().ok();
    types::User {
        id: Some(1000 + n),
        name: Some(format!("Sandbox User {n}")),
        email: Some(format!("user{n}@sandbox.identifai.invalid")),
        email_verified_at: stamp,
        created_at: stamp,
        updated_at: stamp,
        balance: Some(0.0),
        heuristic: Some("Average".into()),
        readonly: Some(false),
        pricing: pricing(1 + n % 2),
        ..Default::default()
    }
}

/// Applies a create/update form to a user, on the plan `pricing`.
pub(super) fn fill_user(
    user: &mut types::User,
    form: &HashMap<String, String>,
    pricing: types::Pricing,
) {
    user.name = form.get("name").cloned();
    user.email = form.get("email").cloned();
    user.heuristic = form.get("heuristic").cloned();
    user.readonly = form.get("readonly").map(|v| v == "true" || v == "1");
    user.pricing = Some(pricing);
}

/// Bytes as lowercase hex, as the API shows hashes and identifiers.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
