//! Every JSON example of the vendor's documentation decodes into its
//! generated type and encodes again without losing a field; values the
//! documentation does not list still decode.

use identifai_api::types;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes `json` as `T`, encodes it again and checks that every field of
/// the original survives with the same value. Two differences are allowed,
/// and only these: a `null` may come back absent (the types read both as
/// "no value"), and numbers and timestamps are compared by value
/// (`159` = `159.0`, `…:03.000000Z` = `…:03Z`).
fn round_trip<T: DeserializeOwned + Serialize>(json: &str) -> T {
    let original: Value = serde_json::from_str(json).expect("the example is JSON");
    let decoded: T = serde_json::from_value(original.clone()).expect("the example decodes");
    let encoded = serde_json::to_value(&decoded).expect("the value encodes");
    assert_same("$", &original, &encoded);
    decoded
}

fn assert_same(path: &str, original: &Value, encoded: &Value) {
    match (original, encoded) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{path}.{key}");
                match b.get(key) {
                    Some(other) => assert_same(&here, value, other),
                    None => assert!(value.is_null(), "{here} was lost in the round trip"),
                }
            }
            for key in b.keys() {
                assert!(
                    a.contains_key(key),
                    "{path}.{key} was added by the round trip"
                );
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path} changed length");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same(&format!("{path}[{i}]"), x, y);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            assert_eq!(a.as_f64(), b.as_f64(), "{path} changed value");
        }
        (Value::String(a), Value::String(b)) if a != b => {
            let instant = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
            assert!(
                instant(a).is_some() && instant(a) == instant(b),
                "{path} changed from {a:?} to {b:?}"
            );
        }
        (a, b) => assert_eq!(a, b, "{path} changed"),
    }
}

macro_rules! example {
    ($file:literal) => {
        include_str!(concat!("fixtures/docs/", $file))
    };
}

#[test]
fn the_submission_answer_keeps_its_identifier() {
    let answer: types::IdentifierResponse = round_trip(example!("identifier.json"));
    assert_eq!(
        answer.identifier.as_deref(),
        Some("8d64370a87b820cc1cf620338f5c898bab37439c9a405f32d9eaffc50c4f27b0")
    );
}

#[test]
fn the_rate_limit_answer_keeps_its_message() {
    let error: types::ErrorMessage = round_trip(example!("too-many-attempts.json"));
    assert_eq!(error.message.as_deref(), Some("Too Many Attempts."));
}

#[test]
fn the_override_request_round_trips() {
    let request: types::OverrideRequest = round_trip(example!("override-request.json"));
    assert_eq!(request.classification, types::Classification::Human);
}

#[test]
fn the_override_answers_round_trip_for_each_kind_of_media() {
    let cases = [
        (
            example!("override-image.json"),
            types::ApiMediaKind::Image,
            types::Classification::Human,
        ),
        (
            example!("override-video.json"),
            types::ApiMediaKind::Video,
            types::Classification::Artificial,
        ),
        (
            example!("override-audio.json"),
            types::ApiMediaKind::Audio,
            types::Classification::Human,
        ),
    ];
    for (json, kind, classification) in cases {
        let answer: types::OverrideResponse = round_trip(json);
        assert_eq!(answer.type_, kind);
        assert_eq!(answer.classification, classification);
        assert!(!answer.hash.is_empty());
    }
}

#[test]
fn the_credits_answer_round_trips() {
    let credits: types::GetCreditsResponse = round_trip(example!("credits.json"));
    assert_eq!(credits.available_credits, Some(159.0));
    assert_eq!(credits.total_spent, Some(41.0));
}

#[test]
fn the_user_answer_round_trips_with_its_envelope_and_nulls() {
    let answer: types::UserEnvelope = round_trip(example!("send-creation-email.json"));
    let user = answer.data.expect("the user is inside `data`");
    assert_eq!(user.id, Some(222));
    assert_eq!(user.email.as_deref(), Some("user@mail.com"));
    assert_eq!(user.readonly, None);
    assert_eq!(
        user.pricing.as_ref().and_then(|p| p.sku.as_deref()),
        Some("testB")
    );
    let partner = user.partner.expect("the partner is a nested user");
    assert_eq!(partner.id, Some(221));
    assert_eq!(partner.readonly, Some(false));
    assert!(
        partner.partner.is_none(),
        "the partner's own partner is null"
    );
    let verified = user.email_verified_at.expect("a timestamp");
    assert_eq!(verified.to_rfc3339(), "2025-03-03T13:28:03+00:00");
}

#[test]
fn a_status_or_label_the_docs_do_not_list_still_decodes_and_is_kept() {
    let json = r#"{
        "identifier": "abc",
        "status": "queued",
        "force_classification": "synthetic",
        "verdict": {"heuristic": "Average", "confidence": 0.7, "classification": "manipulated", "models": ["V011"]},
        "results": [{"model": "V011", "classification": [{"label": "deepfake", "score": 0.9}]}]
    }"#;
    let result: types::ImageClassification = round_trip(json);
    assert_eq!(
        result.status,
        Some(types::ClassificationStatus::Unknown("queued".into()))
    );
    assert_eq!(
        result.force_classification,
        Some(types::Classification::Unknown("synthetic".into()))
    );
    let verdict = result.verdict.expect("a verdict");
    assert_eq!(
        verdict.classification,
        Some(types::Classification::Unknown("manipulated".into()))
    );
    assert!(!verdict.classification.unwrap().is_known());
    assert_eq!(
        result.results[0].classification[0]
            .label
            .as_ref()
            .map(|l| l.as_str()),
        Some("deepfake")
    );

    let override_answer: types::OverrideResponse =
        round_trip(r#"{"classification": "human", "type": "document", "hash": "h"}"#);
    assert_eq!(
        override_answer.type_,
        types::ApiMediaKind::Unknown("document".into())
    );
}

#[test]
fn known_enum_values_decode_to_their_variants() {
    for (wire, status) in [
        ("new", types::ClassificationStatus::New),
        ("done", types::ClassificationStatus::Done),
        ("errored", types::ClassificationStatus::Errored),
    ] {
        let decoded: types::ClassificationStatus =
            serde_json::from_value(Value::String(wire.into())).unwrap();
        assert_eq!(decoded, status);
        assert_eq!(decoded.to_string(), wire);
        assert!(decoded.is_known());
    }
    assert_eq!(types::Classification::KNOWN, &["human", "artificial"]);
}
