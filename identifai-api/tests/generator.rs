//! The code generator (the build script's modules), tried on the real spec
//! and on specs changed the ways a vendor might change them.

#![allow(dead_code)]

#[path = "../build/codegen.rs"]
mod codegen;
#[path = "../build/enums.rs"]
mod enums;
#[path = "../build/multipart.rs"]
mod multipart;
#[path = "../build/openapi.rs"]
mod openapi;
#[path = "../build/overlay.rs"]
mod overlay;
#[path = "../build/prepare.rs"]
mod prepare;

use std::path::Path;

use serde_json::{Value, json};

const OPERATION_IDS: [&str; 21] = [
    "classify_image",
    "classify_image_url",
    "classify_video",
    "classify_video_url",
    "classify_audio",
    "classify_audio_url",
    "get_image_classification",
    "get_video_classification",
    "get_audio_classification",
    "list_image_classifications",
    "list_video_classifications",
    "list_audio_classifications",
    "get_image_heatmap",
    "override_image_classification",
    "override_video_classification",
    "override_audio_classification",
    "get_credits",
    "upsert_partner_user",
    "send_creation_email",
    "list_partner_users",
    "list_pricings",
];

fn spec() -> Value {
    codegen::load_yaml(&Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/identifai.yaml"))
        .unwrap()
}

fn overlay() -> Value {
    codegen::load_yaml(&Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/overlay.yaml")).unwrap()
}

fn generate(spec: &Value) -> Result<codegen::Generated, String> {
    codegen::generate(spec, &overlay())
}

/// A multipart operation as a vendor page would describe it.
fn multipart_operation(id: Option<&str>, properties: Value) -> Value {
    let mut op = json!({
        "requestBody": {
            "required": true,
            "content": {"multipart/form-data": {"schema": {"type": "object", "properties": properties}}}
        },
        "responses": {
            "200": {
                "description": "Accepted.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IdentifierResponse"}}}
            }
        }
    });
    if let Some(id) = id {
        op["operationId"] = json!(id);
    }
    op
}

#[test]
fn the_real_spec_generates_every_operation_the_same_way_each_time() {
    let first = generate(&spec()).expect("the vendored spec generates");
    for id in OPERATION_IDS {
        let method = format!("pub fn {id}(");
        assert!(first.client.contains(&method), "no method {id}");
        assert!(
            first.mock.contains(&format!("fn {id}<F>(&self")),
            "no mock for {id}"
        );
    }
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    let second = generate(&spec()).unwrap();
    assert_eq!(
        first.client, second.client,
        "generation is not deterministic"
    );
    assert_eq!(first.mock, second.mock);
}

#[test]
fn a_new_multipart_operation_is_generated_with_no_code_change() {
    let mut spec = spec();
    spec["paths"]["/api/classification_document"] = json!({
        "post": multipart_operation(Some("classify_document"), json!({
            "document": {"type": "string", "format": "binary"},
            "language": {"type": "string", "enum": ["en", "it"]},
            "pages": {"type": "integer", "enum": [1, 5]},
            "strict": {"type": "boolean"}
        }))
    });
    let generated = generate(&spec).expect("a new multipart operation generates");
    for expected in [
        "pub fn classify_document(&self) -> builder::ClassifyDocument<'_>",
        "pub struct ClassifyDocument<'a>",
        "pub enum ClassifyDocumentLanguage",
        "pub enum ClassifyDocumentPages",
        "form = form.text(\"language\", value.to_string());",
    ] {
        assert!(generated.client.contains(expected), "missing `{expected}`");
    }
    assert!(generated.mock.contains("pub struct ClassifyDocumentWhen"));
    assert!(
        generated
            .mock
            .contains("pub fn document_file_name(self, file_name: &str)")
    );
}

#[test]
fn a_new_field_of_a_multipart_operation_reaches_its_builder_and_the_field_table() {
    let mut spec = spec();
    spec["paths"]["/api/classification"]["post"]["requestBody"]["content"]["multipart/form-data"]
        ["schema"]["properties"]["with_watermark"] =
        json!({"type": "boolean", "description": "Also look for a watermark."});
    let client = generate(&spec).expect("a new field generates").client;
    let builder = &client[client.find("pub struct ClassifyImage<'a>").unwrap()..];
    let builder = &builder[..builder[1..]
        .find("pub struct ")
        .map_or(builder.len(), |i| i + 1)];
    for expected in [
        "pub fn with_watermark<V>(mut self, value: V) -> Self",
        "form = form.text(\"with_watermark\", value.to_string());",
        "pub fn field(mut self, name: &str, value: impl ::std::string::ToString) -> Self",
    ] {
        assert!(builder.contains(expected), "missing `{expected}`");
    }
    let table = &client[client.find("pub mod form_fields").expect("a field table")..];
    let image = &table[table
        .find("pub const CLASSIFY_IMAGE: &[&str] = &[")
        .unwrap()..];
    let image = &image[..image.find("];").unwrap()];
    assert!(image.contains("\"with_watermark\""), "{image}");
    assert!(image.contains("\"ref_id\""), "{image}");
    assert!(
        !image.contains("\"image\""),
        "the file part is not listed: {image}"
    );
    assert!(
        table.contains("\"classify_image\" => ::std::option::Option::Some(CLASSIFY_IMAGE)"),
        "`of` finds it"
    );
    let unchanged = generate(&self::spec()).unwrap().client;
    let before = &unchanged[unchanged.find("pub const CLASSIFY_IMAGE").unwrap()..];
    assert!(!before[..before.find("];").unwrap()].contains("with_watermark"));
    syn::parse_file(&client).expect("the generated client parses");
}

#[test]
fn a_field_named_like_the_generic_setter_is_reported() {
    let spec = with_operation(
        "/api/fielded",
        multipart_operation(Some("fielded"), json!({"field": {"type": "string"}})),
    );
    let error = generate(&spec).expect_err("refused");
    assert!(error.contains("`fielded`"), "{error}");
    assert!(error.contains("generic"), "{error}");
}

#[test]
fn a_field_named_like_the_builders_own_items_is_reported() {
    for name in ["new", "send"] {
        let spec = with_operation(
            "/api/clashing",
            multipart_operation(Some("clashing"), json!({ name: {"type": "string"} })),
        );
        let error = generate(&spec).expect_err("refused");
        assert!(error.contains("`clashing`"), "{name}: {error}");
        assert!(error.contains(&format!("`{name}`")), "{name}: {error}");
        assert!(error.contains("builder uses that name"), "{name}: {error}");
    }
}

#[test]
fn a_multipart_field_the_generator_cannot_handle_names_the_operation_and_field() {
    let mut spec = spec();
    spec["paths"]["/api/classification"]["post"]["requestBody"]["content"]["multipart/form-data"]
        ["schema"]["properties"]["tags"] = json!({"type": "array", "items": {"type": "string"}});
    let error = generate(&spec).expect_err("an array field is refused");
    assert!(
        error.contains("`classify_image` (POST /api/classification)"),
        "{error}"
    );
    assert!(error.contains("field `tags` of type `array`"), "{error}");
}

#[test]
fn a_json_answer_with_only_an_example_is_reported_instead_of_panicking() {
    let mut spec = spec();
    spec["paths"]["/api/user/credits"]["get"]["responses"]["202"] = json!({
        "description": "Accepted.",
        "content": {"application/json": {"example": {"queued": true}}}
    });
    let error = generate(&spec).expect_err("refused");
    assert!(
        error.contains("`get_credits` (GET /api/user/credits)"),
        "{error}"
    );
    assert!(
        error.contains("response 202 is JSON with no schema"),
        "{error}"
    );
}

#[test]
fn an_operation_without_an_id_or_sharing_one_is_reported() {
    let mut spec = spec();
    spec["paths"]["/api/classification_document"] = json!({"post": multipart_operation(None, json!({"document": {"type": "string", "format": "binary"}}))});
    spec["paths"]["/api/copy"] = json!({"post": multipart_operation(Some("get_credits"), json!({"n": {"type": "integer"}}))});
    let error = generate(&spec).expect_err("refused");
    assert!(
        error.contains("POST /api/classification_document has no operationId"),
        "{error}"
    );
    assert!(
        error.contains("share the operationId `get_credits`"),
        "{error}"
    );
}

#[test]
fn error_answers_with_different_bodies_are_reported() {
    let mut spec = spec();
    spec["paths"]["/api/user/credits"]["get"]["responses"]["404"] =
        json!({"description": "Not found.", "content": {"text/html": {}}});
    let error = generate(&spec).expect_err("refused");
    assert!(error.contains("`get_credits`"), "{error}");
    assert!(
        error.contains("its error responses have different bodies"),
        "{error}"
    );
}

#[test]
fn a_construct_progenitor_panics_on_is_reported_with_its_operation() {
    let mut spec = spec();
    spec["paths"]["/api/classification/{hash}/override"]["post"]["requestBody"]["content"]["application/xml"] =
        json!({"schema": {"type": "object"}});
    let error = generate(&spec).expect_err("refused");
    assert!(
        error.contains("POST /api/classification/{hash}/override"),
        "{error}"
    );
    assert!(
        !error.contains("GET /api/user/credits"),
        "only the culprit is named: {error}"
    );
}

#[test]
fn an_overlay_action_that_matches_nothing_is_a_warning() {
    let mut overlay = overlay();
    overlay["actions"].as_array_mut().unwrap().push(json!({
        "target": "$.paths['/api/gone'].get",
        "description": "a correction the vendor made upstream",
        "update": {"operationId": "gone"}
    }));
    let generated = codegen::generate(&spec(), &overlay).expect("still generates");
    assert_eq!(generated.warnings.len(), 1);
    let warning = &generated.warnings[0];
    assert!(warning.contains("`$.paths['/api/gone'].get`"), "{warning}");
    assert!(warning.contains("matches nothing"), "{warning}");
}

#[test]
fn an_overlay_action_whose_expectation_fails_is_a_warning() {
    let mut spec = spec();
    // The vendor fixes the envelope quirk: the answer is the envelope.
    spec["paths"]["/api/partner/user"]["post"]["responses"]["200"]["content"]["application/json"]
        ["schema"] =
        json!({"type": "object", "properties": {"data": {"$ref": "#/components/schemas/User"}}});
    let generated = codegen::generate(&spec, &overlay()).expect("still generates");
    assert_eq!(generated.warnings.len(), 1, "{:?}", generated.warnings);
    let warning = &generated.warnings[0];
    assert!(warning.contains("envelope"), "{warning}");
    assert!(warning.contains("x-expect says"), "{warning}");
}

#[test]
fn a_ref_to_a_component_that_does_not_exist_is_an_error_naming_where_it_is() {
    let mut spec = spec();
    // The vendor renames User; the overlay's envelope still points at it.
    let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
    let user = schemas.shift_remove("User").unwrap();
    schemas.insert("Account".into(), user);
    let text = serde_json::to_string(&spec).unwrap().replace(
        "#/components/schemas/User\"",
        "#/components/schemas/Account\"",
    );
    let spec: Value = serde_json::from_str(&text).unwrap();
    let error = codegen::generate(&spec, &overlay()).expect_err("a dangling $ref");
    assert!(
        error.contains(
            "$.components.schemas.UserEnvelope.properties.data: `#/components/schemas/User`"
        ),
        "{error}"
    );
    assert!(!error.contains("panicked"), "{error}");
}

#[test]
fn overlay_update_merges_objects_replaces_values_and_appends_to_arrays() {
    let mut doc = json!({"a": {"b": 1, "c": {"d": 2}}, "list": [1]});
    let overlay = json!({"overlay": "1.0.0", "actions": [
        {"target": "$.a", "update": {"b": 10, "c": {"e": 3}}},
        {"target": "$.list", "update": 2},
        {"target": "$.a.c.d", "remove": true},
    ]});
    let applied = overlay::apply(&mut doc, &overlay).unwrap();
    assert_eq!(doc, json!({"a": {"b": 10, "c": {"e": 3}}, "list": [1, 2]}));
    assert_eq!(
        applied
            .iter()
            .map(|a| a.locations.len())
            .collect::<Vec<_>>(),
        vec![1, 1, 1]
    );
}

#[test]
fn overlay_remove_of_several_array_elements_removes_each() {
    let mut doc = json!({"p": [{"n": "Accept"}, {"n": "x"}, {"n": "Accept"}]});
    let overlay = json!({"overlay": "1.0.0", "actions": [
        {"target": "$.p[?@.n == 'Accept']", "remove": true}
    ]});
    overlay::apply(&mut doc, &overlay).unwrap();
    assert_eq!(doc, json!({"p": [{"n": "x"}]}));
}

#[test]
fn a_malformed_overlay_action_is_an_error_naming_it() {
    let mut doc = json!({});
    for (action, says) in [
        (
            json!({"target": "$[", "remove": true}),
            "not valid JSONPath",
        ),
        (
            json!({"target": "$.a"}),
            "exactly one of `update` or `remove: true`",
        ),
        (json!({"update": {}}), "has no `target`"),
    ] {
        let overlay = json!({"overlay": "1.0.0", "actions": [action]});
        let error = overlay::apply(&mut doc, &overlay).unwrap_err();
        assert!(
            error.contains("overlay action 0") && error.contains(says),
            "{error}"
        );
    }
}

/// A spec with one extra multipart operation at `path`.
fn with_operation(path: &str, operation: Value) -> Value {
    let mut spec = spec();
    spec["paths"][path] = json!({ "post": operation });
    spec
}

#[test]
fn fields_named_like_the_generated_locals_keep_their_own_values() {
    let spec = with_operation(
        "/api/echo",
        multipart_operation(
            Some("echo"),
            json!({"url": {"type": "string"}, "client": {"type": "string"}, "form": {"type": "string"}}),
        ),
    );
    let client = generate(&spec).expect("generates").client;
    for name in ["url", "client", "form"] {
        let part = format!("form = form.text(\"{name}\", value.to_string());");
        assert!(client.contains(&part), "missing `{part}`");
        assert!(client.contains(&format!("if let Some(value) = input_{name} {{")));
    }
    // The builder keeps its own client under a name no input can take, so
    // a `client` field is a struct field of its own (syn does not check
    // that fields differ; the compiler would).
    let builder = &client[client.find("pub struct Echo<'a>").unwrap()..];
    let builder = &builder[..builder.find('}').unwrap()];
    assert_eq!(builder.matches("client:").count(), 2, "{builder}");
    assert!(builder.contains("__client: &'a super::Client"), "{builder}");
    syn::parse_file(&client).expect("the generated client parses");
}

#[test]
fn path_parameters_fill_the_path_in_path_order() {
    let mut operation = multipart_operation(Some("tag_file"), json!({"note": {"type": "string"}}));
    operation["parameters"] = json!([
        {"name": "b", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "a", "in": "path", "required": true, "schema": {"type": "string"}}
    ]);
    let client = generate(&with_operation("/api/{a}/x/{b}", operation))
        .expect("generates")
        .client;
    let send = &client[client.find("pub struct TagFile<'a>").unwrap()..];
    let url = &send[send.find("let url = format!(").unwrap()..];
    let url: String = url[..url.find(';').unwrap()].split_whitespace().collect();
    assert_eq!(
        url,
        "leturl=format!(\"{}/api/{}/x/{}\",client.baseurl,encode_path(&input_a.to_string()),encode_path(&input_b.to_string()),)"
    );
}

#[test]
fn every_documented_success_status_is_a_success() {
    let mut operation = multipart_operation(Some("maybe_later"), json!({"n": {"type": "integer"}}));
    operation["responses"]["202"] = operation["responses"]["200"].clone();
    let client = generate(&with_operation("/api/later", operation))
        .expect("generates")
        .client;
    let send = &client[client.find("pub struct MaybeLater<'a>").unwrap()..];
    assert!(send.contains("200u16 => ResponseValue::from_response(response).await"));
    assert!(send.contains("202u16 => ResponseValue::from_response(response).await"));
}

#[test]
fn names_rust_cannot_use_as_they_are_are_made_usable() {
    let operation = multipart_operation(
        Some("odd_names"),
        json!({"3d": {"type": "boolean"}, "async": {"type": "string"}, "mode": {"type": "string", "enum": ["a-b", "a_b", "5", "-5"]}}),
    );
    let generated = generate(&with_operation("/api/odd", operation)).expect("generates");
    for expected in [
        "pub fn _3d<V>",
        "pub fn async_<V>",
        "form.text(\"3d\"",
        "form.text(\"async\"",
    ] {
        assert!(generated.client.contains(expected), "missing `{expected}`");
    }
    syn::parse_file(&generated.client).expect("the generated client parses");
    syn::parse_file(&generated.mock).expect("the generated mocks parse");
}

#[test]
fn a_value_added_to_one_site_of_an_open_enum_widens_the_enum() {
    let mut spec = spec();
    spec["components"]["schemas"]["AudioClassification"]["properties"]["status"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("queued"));
    let client = generate(&spec).expect("a new status generates").client;
    let open = &client[client.find("pub enum ClassificationStatus").unwrap()..];
    assert!(
        open[..open.find('}').unwrap()].contains("Queued"),
        "the new value is known"
    );
}

/// A nullable reference in the form OpenAPI 3.0 validators accept (an
/// `anyOf` with a null alternative, as the overlay writes c2pa and partner)
/// generates the same optional field as `nullable` beside the `$ref`,
/// in either order, and no type of its own.
#[test]
fn a_null_alternative_in_any_of_is_an_optional_field() {
    let only_null = json!({"type": "object", "nullable": true, "enum": [null]});
    let reference = json!({"$ref": "#/components/schemas/BoundingBox"});
    for alternatives in [json!([reference, only_null]), json!([only_null, reference])] {
        let mut spec = spec();
        spec["components"]["schemas"]["Verdict"]["properties"]["region"] =
            json!({"description": "Where the verdict applies.", "anyOf": alternatives});
        let client = generate(&spec).expect("generates").client;
        let verdict = &client[client.find("pub struct Verdict {").unwrap()..];
        let verdict = &verdict[..verdict.find("\n    }").unwrap()];
        assert!(
            verdict.contains("pub region: ::std::option::Option<BoundingBox>"),
            "{verdict}"
        );
        assert!(!client.contains("VerdictRegion"), "no type of its own");
    }
}

/// The submissions answer JSON or plain text by their `Accept` header: the
/// effective spec keeps both (it describes the API), the client asks for
/// JSON only and offers no `Accept` of its own.
#[test]
fn answers_offered_as_json_or_text_are_asked_for_as_json() {
    let mut effective = spec();
    overlay::apply(&mut effective, &overlay()).unwrap();
    let upload = &effective["paths"]["/api/classification"]["post"];
    assert!(upload["responses"]["2XX"]["content"]["text/plain"].is_object());
    assert!(
        upload["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Accept")
    );
    let client = generate(&spec()).unwrap().client;
    let builder = &client[client.find("pub struct ClassifyImage<'a>").unwrap()..];
    let builder = &builder[..builder[1..]
        .find("pub struct ")
        .map_or(builder.len(), |i| i + 1)];
    assert!(!builder.contains("fn accept"), "no Accept setter");
    // An answer offered only as text keeps its text.
    let mut spec = spec();
    spec["paths"]["/api/user/credits"]["get"]["responses"]["200"]["content"] =
        json!({"text/plain": {"schema": {"type": "string"}}});
    let client = generate(&spec).expect("generates").client;
    let credits = &client[client.find("pub struct GetCredits<'a>").unwrap()..];
    let credits = &credits[..credits[1..]
        .find("pub struct ")
        .map_or(credits.len(), |i| i + 1)];
    assert!(credits.contains("ByteStream"), "{credits}");
}
