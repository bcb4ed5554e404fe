//! Every example in the effective spec, and every canned answer of
//! `mock::answers`, validates against its schema under OpenAPI 3.0's rules
//! (`identifai_api::spec::json_schema`, checked by the `jsonschema` crate).

use identifai_api::mock::answers;
use identifai_api::spec::{self, Operation};
use serde_json::{Value, json};

/// The problems of `instance` against `schema` (a JSON Schema document),
/// one line each, with where in the instance they are.
fn problems(schema: &Value, instance: &Value) -> Vec<String> {
    // Formats (email, date-time, uri) are checked too, as schemathesis does.
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("the converted schema is not JSON Schema: {e}\n{schema:#}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at `{}`", e, e.instance_path()))
        .collect()
}

/// An example found in the spec: where, the schema (OpenAPI 3.0), the value.
struct Example<'a> {
    at: String,
    schema: &'a Value,
    value: &'a Value,
}

/// The examples of a media type or parameter object: `example` and every
/// `examples.*.value`, with its `schema`.
fn examples_of<'a>(at: &str, holder: &'a Value, out: &mut Vec<Example<'a>>) {
    let Some(schema) = holder.get("schema") else {
        return;
    };
    if let Some(value) = holder.get("example") {
        out.push(Example {
            at: format!("{at}/example"),
            schema,
            value,
        });
    }
    if let Some(named) = holder.get("examples").and_then(Value::as_object) {
        for (name, example) in named {
            if let Some(value) = example.get("value") {
                out.push(Example {
                    at: format!("{at}/examples/{name}"),
                    schema,
                    value,
                });
            }
        }
    }
}

/// Schemas' own `example`s: `schema`'s and those of every schema below it
/// (properties, items, alternatives), whatever keywords sit beside them.
fn schema_examples<'a>(at: &str, schema: &'a Value, out: &mut Vec<Example<'a>>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if let Some(value) = map.get("example") {
        out.push(Example {
            at: format!("{at}/example"),
            schema,
            value,
        });
    }
    for key in ["items", "not", "additionalProperties"] {
        if let Some(child) = map.get(key) {
            schema_examples(&format!("{at}/{key}"), child, out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (i, child) in map
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            schema_examples(&format!("{at}/{key}/{i}"), child, out);
        }
    }
    for (name, child) in map
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        schema_examples(&format!("{at}/properties/{name}"), child, out);
    }
}

fn all_examples(doc: &Value) -> Vec<Example<'_>> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let shared = item["parameters"].as_array().into_iter().flatten();
        for (i, parameter) in shared.enumerate() {
            let parameter = spec::resolve(doc, parameter);
            examples_of(&format!("{path} parameter {i}"), parameter, &mut out);
            if let Some(schema) = parameter.get("schema") {
                schema_examples(&format!("{path} parameter {i} schema"), schema, &mut out);
            }
        }
        for (method, op) in item.as_object().expect("a path item") {
            if method == "parameters" {
                continue;
            }
            let at = format!("{} {path}", method.to_uppercase());
            for (i, parameter) in op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                let parameter = spec::resolve(doc, parameter);
                examples_of(&format!("{at} parameter {i}"), parameter, &mut out);
                if let Some(schema) = parameter.get("schema") {
                    schema_examples(&format!("{at} parameter {i} schema"), schema, &mut out);
                }
            }
            let bodies = op
                .get("requestBody")
                .map(|b| ("request".to_string(), b))
                .into_iter()
                .chain(
                    op["responses"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(status, r)| (format!("answer {status}"), r)),
                );
            for (what, body) in bodies {
                let body = spec::resolve(doc, body);
                for (mt, media) in body["content"].as_object().into_iter().flatten() {
                    let here = format!("{at} {what} {mt}");
                    examples_of(&here, media, &mut out);
                    if let Some(schema) = media.get("schema") {
                        schema_examples(&format!("{here} schema"), schema, &mut out);
                    }
                }
            }
        }
    }
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        schema_examples(&format!("#/components/schemas/{name}"), schema, &mut out);
    }
    out
}

#[test]
fn every_example_of_the_effective_spec_fits_its_schema() {
    let doc = spec::document();
    let examples = all_examples(doc);
    // The spec documents the 429 answer of every operation and a handful
    // of bodies by example; finding none would mean the walk is broken.
    assert!(
        examples.len() >= 25,
        "only {} examples found",
        examples.len()
    );
    let mut failures = Vec::new();
    for example in &examples {
        let schema = spec::json_schema(doc, example.schema);
        for problem in problems(&schema, example.value) {
            failures.push(format!("{}: {problem}", example.at));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{} examples fit their schemas", examples.len());
}

/// What each canned answer answers: method, a concrete path, status.
const ANSWERS: [(&str, &str, &str, &str); 18] = [
    (
        "AUDIO_CLASSIFICATION",
        answers::AUDIO_CLASSIFICATION,
        "GET",
        "/api/classification_audio/a1",
    ),
    (
        "AUDIO_CLASSIFICATIONS",
        answers::AUDIO_CLASSIFICATIONS,
        "GET",
        "/api/classifications_audio",
    ),
    ("CREDITS", answers::CREDITS, "GET", "/api/user/credits"),
    (
        "IDENTIFIER",
        answers::IDENTIFIER,
        "POST",
        "/api/classification",
    ),
    (
        "IDENTIFIER",
        answers::IDENTIFIER,
        "POST",
        "/api/image_fromurl",
    ),
    (
        "IDENTIFIER",
        answers::IDENTIFIER,
        "POST",
        "/api/classification_video",
    ),
    (
        "IDENTIFIER",
        answers::IDENTIFIER,
        "POST",
        "/api/video_fromurl",
    ),
    (
        "IDENTIFIER",
        answers::IDENTIFIER,
        "POST",
        "/api/classification_audio",
    ),
    (
        "IDENTIFIER",
        answers::IDENTIFIER,
        "POST",
        "/api/audio_fromurl",
    ),
    (
        "IMAGE_CLASSIFICATION",
        answers::IMAGE_CLASSIFICATION,
        "GET",
        "/api/classification/i1",
    ),
    (
        "IMAGE_CLASSIFICATIONS",
        answers::IMAGE_CLASSIFICATIONS,
        "GET",
        "/api/classifications",
    ),
    (
        "OVERRIDE_AUDIO",
        answers::OVERRIDE_AUDIO,
        "POST",
        "/api/classification_audio/h/override",
    ),
    (
        "OVERRIDE_IMAGE",
        answers::OVERRIDE_IMAGE,
        "POST",
        "/api/classification/h/override",
    ),
    (
        "OVERRIDE_VIDEO",
        answers::OVERRIDE_VIDEO,
        "POST",
        "/api/classification_video/h/override",
    ),
    (
        "PARTNER_USERS",
        answers::PARTNER_USERS,
        "GET",
        "/api/partner/users",
    ),
    ("USER", answers::USER, "POST", "/api/partner/user"),
    (
        "VIDEO_CLASSIFICATION",
        answers::VIDEO_CLASSIFICATION,
        "GET",
        "/api/classification_video/v1",
    ),
    (
        "VIDEO_CLASSIFICATIONS",
        answers::VIDEO_CLASSIFICATIONS,
        "GET",
        "/api/classifications_video",
    ),
];

#[test]
fn every_canned_answer_fits_the_spec() {
    let mut failures = Vec::new();
    for (name, text, method, path) in ANSWERS {
        let op = spec::operation(method, path).unwrap_or_else(|| panic!("{method} {path}"));
        let schema = op
            .response_schema(200, "application/json")
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name}: {method} {path} documents no schema for 200"));
        let value: Value = serde_json::from_str(text).expect("an answer is JSON");
        for problem in problems(&schema, &value) {
            failures.push(format!("answers::{name} ({method} {path}): {problem}"));
        }
    }
    // The send-creation-email answer is the same user envelope.
    let op = spec::operation("POST", "/api/partner/send_creation_email").expect("documented");
    let schema = op
        .response_schema(200, "application/json")
        .unwrap()
        .unwrap();
    for problem in problems(&schema, &serde_json::from_str(answers::USER).unwrap()) {
        failures.push(format!("answers::USER (send_creation_email): {problem}"));
    }
    // The pricings are documented with an empty schema: anything fits.
    let pricings = spec::operation("GET", "/api/partner/pricings").expect("documented");
    assert_eq!(pricings.response_schema(200, "application/json"), Ok(None));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The check is not vacuous: values the spec does not allow are refused,
/// with 3.0's semantics for nulls.
#[test]
fn the_check_refuses_what_the_spec_does_not_allow() {
    let doc = spec::document();
    let image = |status: u16| {
        Operation::find(doc, "GET", "/api/classification/x")
            .unwrap()
            .response_schema(status, "application/json")
            .unwrap()
            .unwrap()
    };
    let schema = image(200);
    // Documented nulls fit: c2pa (a nullable reference), force_classification
    // (a nullable enum listing null), api_version.
    assert_eq!(
        problems(
            &schema,
            &json!({"c2pa": null, "force_classification": null, "api_version": null})
        ),
        Vec::<String>::new()
    );
    // What is not documented does not.
    assert!(!problems(&schema, &json!({"has_heatmap": "yes"})).is_empty());
    assert!(!problems(&schema, &json!({"force_classification": "maybe"})).is_empty());
    assert!(!problems(&schema, &json!({"verdict": {"confidence": "high"}})).is_empty());
    assert!(!problems(&schema, &json!({"c2pa": 3})).is_empty());
    // Error answers are `{"message": string}`.
    let refused = image(404);
    assert!(problems(&refused, &json!({"message": "Not found"})).is_empty());
    assert!(!problems(&refused, &json!({"message": 404})).is_empty());
    // A nullable enum that does not list null refuses it, as in 3.0.3.
    let strict = spec::json_schema(
        &json!({}),
        &json!({"type": "string", "nullable": true, "enum": ["a"]}),
    );
    assert!(!problems(&strict, &Value::Null).is_empty());
}

/// The vendor's own JSON examples (tests/fixtures/docs), nulls included,
/// fit the effective spec.
#[test]
fn the_vendors_examples_fit_the_spec() {
    let fixture = |name: &str| -> Value {
        let path = format!("{}/tests/fixtures/docs/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect("a fixture")).expect("JSON")
    };
    let answer = |method: &str, path: &str, status: u16| {
        spec::operation(method, path)
            .unwrap()
            .response_schema(status, "application/json")
            .unwrap()
            .unwrap()
    };
    let cases = [
        (
            "identifier.json",
            answer("POST", "/api/classification", 200),
        ),
        (
            "too-many-attempts.json",
            answer("GET", "/api/user/credits", 429),
        ),
        (
            "override-image.json",
            answer("POST", "/api/classification/h/override", 200),
        ),
        (
            "override-video.json",
            answer("POST", "/api/classification_video/h/override", 200),
        ),
        (
            "override-audio.json",
            answer("POST", "/api/classification_audio/h/override", 200),
        ),
        ("credits.json", answer("GET", "/api/user/credits", 200)),
        (
            "send-creation-email.json",
            answer("POST", "/api/partner/send_creation_email", 200),
        ),
        (
            "override-request.json",
            spec::operation("POST", "/api/classification/h/override")
                .unwrap()
                .request_schema("application/json")
                .unwrap()
                .unwrap(),
        ),
    ];
    let mut failures = Vec::new();
    for (name, schema) in &cases {
        for problem in problems(schema, &fixture(name)) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
