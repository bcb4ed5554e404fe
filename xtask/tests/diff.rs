//! Tests of `xtask::diff`: one or more per kind of change, the order of the
//! report, its renderings, and the real spec.

use serde_json::{Value, json};
use xtask::diff::{Change, ChangeKind, Report, diff};

const OP: &str = "POST /api/classification";
const GET: &str = "GET /api/classification/{identifier}";

/// A document with these paths and component schemas.
fn spec(paths: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// `POST /api/classification` with these parameters.
fn with_parameters(parameters: Value) -> Value {
    spec(
        json!({"/api/classification": {"post": {"parameters": parameters, "responses": {}}}}),
        json!({}),
    )
}

/// `POST /api/classification` taking this multipart body schema.
fn with_request(schema: Value, schemas: Value) -> Value {
    let body = json!({"required": true, "content": {"multipart/form-data": {"schema": schema}}});
    spec(
        json!({"/api/classification": {"post": {"requestBody": body, "responses": {}}}}),
        schemas,
    )
}

/// `GET /api/classification/{identifier}` answering 2XX with this JSON schema.
fn with_response(schema: Value, schemas: Value) -> Value {
    let response =
        json!({"description": "ok", "content": {"application/json": {"schema": schema}}});
    let op = json!({"responses": {"2XX": response}});
    spec(
        json!({"/api/classification/{identifier}": {"get": op}}),
        schemas,
    )
}

/// `GET /api/classification/{identifier}` with these responses.
fn with_responses(responses: Value) -> Value {
    spec(
        json!({"/api/classification/{identifier}": {"get": {"responses": responses}}}),
        json!({}),
    )
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

/// The report's only change.
fn only(report: &Report) -> &Change {
    assert_eq!(
        report.changes.len(),
        1,
        "expected one change, got {:#?}",
        report.changes
    );
    &report.changes[0]
}

fn assert_change(
    change: &Change,
    kind: ChangeKind,
    breaking: bool,
    operation: &str,
    location: &str,
) {
    assert_eq!(change.kind, kind, "{change:#?}");
    assert_eq!(change.breaking, breaking, "{change:#?}");
    assert_eq!(change.operation.as_deref(), Some(operation), "{change:#?}");
    assert_eq!(change.location, location, "{change:#?}");
}

fn real_spec() -> Value {
    serde_norway::from_str(include_str!("../../openapi/identifai.yaml")).expect("the spec parses")
}

// Whole documents.

#[test]
fn identical_documents_give_an_empty_report() {
    let doc = with_request(
        object(json!({"image": {"type": "string"}}), &["image"]),
        json!({}),
    );
    let report = diff(&doc, &doc);
    assert!(report.is_empty());
    assert!(!report.has_breaking());
    assert_eq!(report.to_text(), "No changes.\n");
    assert_eq!(report.to_markdown(), "No changes.\n");
}

#[test]
fn real_spec_compared_with_itself_is_empty() {
    let spec = real_spec();
    assert_eq!(diff(&spec, &spec), Report { changes: vec![] });
}

#[test]
fn real_spec_without_pricings_is_one_breaking_removal() {
    let old = real_spec();
    let mut new = old.clone();
    let paths = new["paths"].as_object_mut().expect("paths");
    assert!(paths.remove("/api/partner/pricings").is_some());
    let report = diff(&old, &new);
    let change = only(&report);
    assert_change(
        change,
        ChangeKind::OperationRemoved,
        true,
        "GET /api/partner/pricings",
        "operation",
    );
    assert!(report.has_breaking());
}

#[test]
fn golden_fixture_renders_as_expected() {
    let old: Value =
        serde_norway::from_str(include_str!("fixtures/diff/old.yaml")).expect("old parses");
    let new: Value =
        serde_norway::from_str(include_str!("fixtures/diff/new.yaml")).expect("new parses");
    let report = diff(&old, &new);
    assert_eq!(report.to_text(), include_str!("fixtures/diff/expected.txt"));
    assert_eq!(
        report.to_markdown(),
        include_str!("fixtures/diff/expected.md")
    );
}

// Operations.

#[test]
fn operation_added_is_not_breaking() {
    let old = spec(json!({}), json!({}));
    let new = with_parameters(json!([]));
    assert_change(
        only(&diff(&old, &new)),
        ChangeKind::OperationAdded,
        false,
        OP,
        "operation",
    );
}

#[test]
fn operation_removed_is_breaking() {
    let old = with_parameters(json!([]));
    let new = spec(json!({}), json!({}));
    assert_change(
        only(&diff(&old, &new)),
        ChangeKind::OperationRemoved,
        true,
        OP,
        "operation",
    );
}

#[test]
fn operations_are_told_apart_by_method() {
    let old = spec(json!({"/a": {"get": {"responses": {}}}}), json!({}));
    let new = spec(json!({"/a": {"post": {"responses": {}}}}), json!({}));
    let report = diff(&old, &new);
    assert_eq!(report.changes.len(), 2);
    assert_change(
        &report.changes[0],
        ChangeKind::OperationRemoved,
        true,
        "GET /a",
        "operation",
    );
    assert_change(
        &report.changes[1],
        ChangeKind::OperationAdded,
        false,
        "POST /a",
        "operation",
    );
}

// Parameters.

fn query(name: &str, required: bool, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": required, "schema": schema})
}

#[test]
fn required_parameter_added_is_breaking() {
    let new = with_parameters(json!([query("per_page", true, json!({"type": "integer"}))]));
    let change = only(&diff(&with_parameters(json!([])), &new)).clone();
    assert_change(
        &change,
        ChangeKind::ParameterAdded,
        true,
        OP,
        "query parameter `per_page`",
    );
    assert_eq!(change.detail, "added (required)");
}

#[test]
fn optional_parameter_added_is_not_breaking() {
    let new = with_parameters(json!([query(
        "per_page",
        false,
        json!({"type": "integer"})
    )]));
    let change = only(&diff(&with_parameters(json!([])), &new)).clone();
    assert_change(
        &change,
        ChangeKind::ParameterAdded,
        false,
        OP,
        "query parameter `per_page`",
    );
    assert_eq!(change.detail, "added (optional)");
}

#[test]
fn parameter_removed_is_breaking() {
    let old = with_parameters(json!([query(
        "per_page",
        false,
        json!({"type": "integer"})
    )]));
    let report = diff(&old, &with_parameters(json!([])));
    assert_change(
        only(&report),
        ChangeKind::ParameterRemoved,
        true,
        OP,
        "query parameter `per_page`",
    );
}

#[test]
fn parameters_are_told_apart_by_location() {
    let old = with_parameters(json!([query("page", false, json!({"type": "integer"}))]));
    let header = json!({"name": "page", "in": "header", "schema": {"type": "integer"}});
    let report = diff(&old, &with_parameters(json!([header])));
    assert_eq!(report.changes.len(), 2);
    assert_change(
        &report.changes[0],
        ChangeKind::ParameterRemoved,
        true,
        OP,
        "query parameter `page`",
    );
    assert_change(
        &report.changes[1],
        ChangeKind::ParameterAdded,
        false,
        OP,
        "header parameter `page`",
    );
}

#[test]
fn header_parameter_names_match_in_any_case() {
    let header = |name: &str| json!({"name": name, "in": "header", "schema": {"type": "string"}});
    let old = with_parameters(json!([header("X-Request-Id")]));
    let new = with_parameters(json!([header("x-request-id")]));
    assert!(diff(&old, &new).is_empty());
}

#[test]
fn parameter_type_changed_is_breaking() {
    let old = with_parameters(json!([query("page", false, json!({"type": "integer"}))]));
    let new = with_parameters(json!([query("page", false, json!({"type": "string"}))]));
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::ParameterChanged,
        true,
        OP,
        "query parameter `page`",
    );
    assert_eq!(change.detail, "changed type: integer -> string");
}

#[test]
fn parameter_array_item_type_changed_is_breaking() {
    let old = with_parameters(json!([query(
        "ids[]",
        true,
        json!({"type": "array", "items": {"type": "string"}})
    )]));
    let new = with_parameters(json!([query(
        "ids[]",
        true,
        json!({"type": "array", "items": {"type": "integer"}})
    )]));
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::ParameterChanged,
        true,
        OP,
        "query parameter `ids[]`",
    );
    assert_eq!(
        change.detail,
        "changed type: array of string -> array of integer"
    );
}

#[test]
fn parameter_becoming_required_is_breaking() {
    let old = with_parameters(json!([query("page", false, json!({"type": "integer"}))]));
    let new = with_parameters(json!([query("page", true, json!({"type": "integer"}))]));
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::ParameterChanged,
        true,
        OP,
        "query parameter `page`",
    );
    assert_eq!(change.detail, "became required (was optional)");
}

#[test]
fn parameter_becoming_optional_is_not_breaking() {
    let old = with_parameters(json!([query("page", true, json!({"type": "integer"}))]));
    let new = with_parameters(json!([query("page", false, json!({"type": "integer"}))]));
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::ParameterChanged,
        false,
        OP,
        "query parameter `page`",
    );
    assert_eq!(change.detail, "became optional (was required)");
}

#[test]
fn path_item_parameters_are_merged_and_refs_resolved() {
    let id =
        json!({"name": "identifier", "in": "path", "required": true, "schema": {"type": "string"}});
    let old = spec(
        json!({"/api/classification/{identifier}": {"parameters": [id], "get": {"responses": {}}}}),
        json!({}),
    );
    let mut new = spec(
        json!({"/api/classification/{identifier}": {
            "get": {"parameters": [{"$ref": "#/components/parameters/Identifier"}], "responses": {}}
        }}),
        json!({}),
    );
    new["components"]["parameters"] = json!({"Identifier": {
        "name": "identifier", "in": "path", "required": true, "schema": {"type": "integer"}
    }});
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::ParameterChanged,
        true,
        GET,
        "path parameter `identifier`",
    );
    assert_eq!(change.detail, "changed type: string -> integer");
}

// Request bodies.

#[test]
fn required_request_field_added_is_breaking() {
    let old = with_request(
        object(json!({"image": {"type": "string"}}), &["image"]),
        json!({}),
    );
    let new = with_request(
        object(
            json!({"image": {"type": "string"}, "frames": {"type": "integer"}}),
            &["image", "frames"],
        ),
        json!({}),
    );
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::RequestFieldAdded,
        true,
        OP,
        "request field `frames`",
    );
    assert_eq!(change.detail, "added (required)");
}

#[test]
fn optional_request_field_added_is_not_breaking() {
    let old = with_request(object(json!({}), &[]), json!({}));
    let new = with_request(
        object(json!({"with_heatmap": {"type": "boolean"}}), &[]),
        json!({}),
    );
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldAdded,
        false,
        OP,
        "request field `with_heatmap`",
    );
}

#[test]
fn request_field_removed_is_breaking() {
    let old = with_request(
        object(json!({"with_heatmap": {"type": "boolean"}}), &[]),
        json!({}),
    );
    let new = with_request(object(json!({}), &[]), json!({}));
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldRemoved,
        true,
        OP,
        "request field `with_heatmap`",
    );
}

#[test]
fn request_field_type_changed_is_breaking() {
    let old = with_request(
        object(json!({"frames": {"type": "integer"}}), &[]),
        json!({}),
    );
    let new = with_request(
        object(json!({"frames": {"type": "string"}}), &[]),
        json!({}),
    );
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::RequestFieldChanged,
        true,
        OP,
        "request field `frames`",
    );
    assert_eq!(change.detail, "changed type: integer -> string");
}

#[test]
fn request_field_format_changed_is_breaking() {
    let old = with_request(
        object(
            json!({"image": {"type": "string", "format": "binary"}}),
            &[],
        ),
        json!({}),
    );
    let new = with_request(object(json!({"image": {"type": "string"}}), &[]), json!({}));
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::RequestFieldChanged,
        true,
        OP,
        "request field `image`",
    );
    assert_eq!(change.detail, "changed type: string (binary) -> string");
}

#[test]
fn request_field_becoming_required_is_breaking_and_optional_is_not() {
    let optional = with_request(object(json!({"name": {"type": "string"}}), &[]), json!({}));
    let required = with_request(
        object(json!({"name": {"type": "string"}}), &["name"]),
        json!({}),
    );
    let report = diff(&optional, &required);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldChanged,
        true,
        OP,
        "request field `name`",
    );
    let report = diff(&required, &optional);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldChanged,
        false,
        OP,
        "request field `name`",
    );
}

#[test]
fn nested_request_fields_have_dotted_paths() {
    let options = |props: Value| object(json!({"options": object(props, &[])}), &[]);
    let old = with_request(options(json!({"depth": {"type": "integer"}})), json!({}));
    let new = with_request(options(json!({"depth": {"type": "number"}})), json!({}));
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldChanged,
        true,
        OP,
        "request field `options.depth`",
    );
}

#[test]
fn request_field_ref_counts_as_its_target_name() {
    let schemas = json!({"A": {"type": "object"}, "B": {"type": "object"}});
    let old = with_request(
        object(json!({"box": {"$ref": "#/components/schemas/A"}}), &[]),
        schemas.clone(),
    );
    let new = with_request(
        object(json!({"box": {"$ref": "#/components/schemas/B"}}), &[]),
        schemas,
    );
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::RequestFieldChanged,
        true,
        OP,
        "request field `box`",
    );
    assert_eq!(change.detail, "changed type: A -> B");
}

#[test]
fn request_body_refs_are_followed_into_json_bodies() {
    let body = |classification: Value| {
        let mut doc = spec(
            json!({"/o": {"post": {"requestBody": {"$ref": "#/components/requestBodies/Override"}}}}),
            json!({"OverrideRequest": object(json!({"classification": classification}), &["classification"])}),
        );
        doc["components"]["requestBodies"] = json!({"Override": {"required": true, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/OverrideRequest"}}
        }}});
        doc
    };
    let old = body(json!({"type": "string"}));
    let new = body(json!({"type": "boolean"}));
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldChanged,
        true,
        "POST /o",
        "request field `classification`",
    );
}

#[test]
fn request_body_content_type_changed_is_breaking() {
    let old = with_request(object(json!({}), &[]), json!({}));
    let mut new = old.clone();
    let body = &mut new["paths"]["/api/classification"]["post"]["requestBody"]["content"];
    *body = json!({"application/json": body["multipart/form-data"].clone()});
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::RequestFieldChanged,
        true,
        OP,
        "request body",
    );
    assert_eq!(
        change.detail,
        "changed content type: multipart/form-data -> application/json"
    );
}

#[test]
fn request_body_added_is_breaking_only_when_required() {
    let without = with_parameters(json!([]));
    let with = with_request(object(json!({}), &[]), json!({}));
    let report = diff(&without, &with);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldAdded,
        true,
        OP,
        "request body",
    );
    let mut optional = with.clone();
    optional["paths"]["/api/classification"]["post"]["requestBody"]["required"] = json!(false);
    let report = diff(&without, &optional);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldAdded,
        false,
        OP,
        "request body",
    );
}

#[test]
fn request_body_removed_is_breaking() {
    let without = with_parameters(json!([]));
    let with = with_request(object(json!({}), &[]), json!({}));
    let report = diff(&with, &without);
    assert_change(
        only(&report),
        ChangeKind::RequestFieldRemoved,
        true,
        OP,
        "request body",
    );
}

// Responses.

#[test]
fn success_status_removed_is_breaking() {
    let old =
        with_responses(json!({"2XX": {"description": "ok"}, "default": {"description": "d"}}));
    let new = with_responses(json!({}));
    let report = diff(&old, &new);
    assert_eq!(report.changes.len(), 2);
    assert_change(
        &report.changes[0],
        ChangeKind::ResponseStatusRemoved,
        true,
        GET,
        "response 2XX",
    );
    assert_change(
        &report.changes[1],
        ChangeKind::ResponseStatusRemoved,
        true,
        GET,
        "response default",
    );
}

#[test]
fn error_status_removed_is_not_breaking() {
    let old =
        with_responses(json!({"200": {"description": "ok"}, "429": {"description": "slow down"}}));
    let new = with_responses(json!({"200": {"description": "ok"}}));
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::ResponseStatusRemoved,
        false,
        GET,
        "response 429",
    );
}

#[test]
fn status_added_is_not_breaking() {
    let old = with_responses(json!({"200": {"description": "ok"}}));
    let new = with_responses(json!({"200": {"description": "ok"}, "404": {"description": "gone"}}));
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::ResponseStatusAdded,
        false,
        GET,
        "response 404",
    );
}

#[test]
fn response_refs_are_resolved() {
    let mut old = with_responses(json!({"200": {"$ref": "#/components/responses/Ok"}}));
    old["components"]["responses"] = json!({"Ok": {"description": "ok", "content": {
        "application/json": {"schema": object(json!({"id": {"type": "integer"}}), &[])}
    }}});
    let new = with_response(object(json!({"id": {"type": "string"}}), &[]), json!({}));
    let mut new_200 = new.clone();
    let responses = &mut new_200["paths"]["/api/classification/{identifier}"]["get"]["responses"];
    *responses = json!({"200": responses["2XX"].clone()});
    let report = diff(&old, &new_200);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldChanged,
        true,
        GET,
        "response 200 field `id`",
    );
}

#[test]
fn response_field_removed_is_breaking() {
    let old = with_response(object(json!({"hash": {"type": "string"}}), &[]), json!({}));
    let new = with_response(object(json!({}), &[]), json!({}));
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldRemoved,
        true,
        GET,
        "response 2XX field `hash`",
    );
}

#[test]
fn response_field_added_is_not_breaking() {
    let old = with_response(object(json!({}), &[]), json!({}));
    let new = with_response(
        object(json!({"hash": {"type": "string"}}), &["hash"]),
        json!({}),
    );
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldAdded,
        false,
        GET,
        "response 2XX field `hash`",
    );
}

#[test]
fn response_field_retyped_through_ref_is_breaking() {
    let verdict =
        |confidence: Value| json!({"Verdict": object(json!({"confidence": confidence}), &[])});
    let schema = object(
        json!({"verdict": {"$ref": "#/components/schemas/Verdict"}}),
        &[],
    );
    let old = with_response(schema.clone(), verdict(json!({"type": "number"})));
    let new = with_response(schema, verdict(json!({"type": "string"})));
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::ResponseFieldChanged,
        true,
        GET,
        "response 2XX field `verdict.confidence`",
    );
    assert_eq!(change.detail, "changed type: number -> string");
}

#[test]
fn response_fields_are_followed_through_array_items_and_all_of() {
    let schemas = |score: Value| {
        json!({
            "Base": object(json!({"score": score}), &[]),
            "Result": {"allOf": [{"$ref": "#/components/schemas/Base"}, object(json!({"model": {"type": "string"}}), &[])]},
        })
    };
    let schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/Result"}});
    let old = with_response(schema.clone(), schemas(json!({"type": "number"})));
    let new = with_response(schema, schemas(json!({"type": "integer"})));
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldChanged,
        true,
        GET,
        "response 2XX field `[].score`",
    );
}

#[test]
fn response_nullable_added_is_breaking_and_removed_is_not() {
    let plain = with_response(
        object(json!({"api_version": {"type": "string"}}), &[]),
        json!({}),
    );
    let nullable = with_response(
        object(
            json!({"api_version": {"type": "string", "nullable": true}}),
            &[],
        ),
        json!({}),
    );
    let change = only(&diff(&plain, &nullable)).clone();
    assert_change(
        &change,
        ChangeKind::ResponseFieldChanged,
        true,
        GET,
        "response 2XX field `api_version`",
    );
    assert!(
        change.detail.contains("may now be null"),
        "{}",
        change.detail
    );
    let report = diff(&nullable, &plain);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldChanged,
        false,
        GET,
        "response 2XX field `api_version`",
    );
}

#[test]
fn nullable_beside_a_ref_or_in_all_of_is_the_same_type() {
    let schemas = json!({"C2pa": {"type": "object"}});
    let old = with_response(
        object(json!({"c2pa": {"$ref": "#/components/schemas/C2pa"}}), &[]),
        schemas.clone(),
    );
    let wrapped = json!({"allOf": [{"$ref": "#/components/schemas/C2pa"}], "nullable": true});
    let new = with_response(object(json!({"c2pa": wrapped}), &[]), schemas);
    let change = only(&diff(&old, &new)).clone();
    assert_change(
        &change,
        ChangeKind::ResponseFieldChanged,
        true,
        GET,
        "response 2XX field `c2pa`",
    );
    assert!(
        change.detail.starts_with("became nullable"),
        "{}",
        change.detail
    );
}

#[test]
fn response_field_changing_required_ness_is_breaking_either_way() {
    let required = with_response(
        object(json!({"hash": {"type": "string"}}), &["hash"]),
        json!({}),
    );
    let optional = with_response(object(json!({"hash": {"type": "string"}}), &[]), json!({}));
    let report = diff(&required, &optional);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldChanged,
        true,
        GET,
        "response 2XX field `hash`",
    );
    // Option<T> becomes T in the generated type: breaking too.
    let report = diff(&optional, &required);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldChanged,
        true,
        GET,
        "response 2XX field `hash`",
    );
}

#[test]
fn a_value_added_to_an_enum_the_overlay_opens_is_not_breaking() {
    let old = real_spec();
    let mut new = old.clone();
    new["components"]["schemas"]["ImageClassification"]["properties"]["status"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("queued"));
    assert!(diff(&old, &new).has_breaking(), "closed as published");

    let overlay: Value = serde_norway::from_str(include_str!("../../openapi/overlay.yaml"))
        .expect("the overlay parses");
    let report = xtask::diff_as_client_sees(&old, &new, Some(&overlay)).unwrap();
    assert!(!report.is_empty());
    assert!(!report.has_breaking(), "{}", report.to_text());
    assert!(
        report.to_text().contains("the enum is open"),
        "{}",
        report.to_text()
    );
}

#[test]
fn cyclic_schemas_terminate() {
    let user = |email: Value| json!({"User": object(json!({"email": email, "partner": {"$ref": "#/components/schemas/User"}}), &[])});
    let schema = json!({"$ref": "#/components/schemas/User"});
    let old = with_response(schema.clone(), user(json!({"type": "string"})));
    let new = with_response(schema, user(json!({"type": "string", "format": "email"})));
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldChanged,
        true,
        GET,
        "response 2XX field `email`",
    );
}

#[test]
fn response_body_schema_removed_is_breaking() {
    let old = with_response(object(json!({}), &[]), json!({}));
    let mut new = old.clone();
    new["paths"]["/api/classification/{identifier}"]["get"]["responses"]["2XX"]["content"]["application/json"] =
        json!({});
    let report = diff(&old, &new);
    assert_change(
        only(&report),
        ChangeKind::ResponseFieldRemoved,
        true,
        GET,
        "response 2XX body",
    );
}

// Enums.

fn classification(values: &[&str]) -> Value {
    object(
        json!({"classification": {"type": "string", "enum": values}}),
        &["classification"],
    )
}

#[test]
fn request_enum_value_removed_is_breaking_and_added_is_not() {
    let two = with_request(classification(&["human", "artificial"]), json!({}));
    let one = with_request(classification(&["human"]), json!({}));
    let change = only(&diff(&two, &one)).clone();
    assert_change(
        &change,
        ChangeKind::EnumValueRemoved,
        true,
        OP,
        "request field `classification`",
    );
    assert_eq!(change.detail, "lost enum value `artificial`");
    let report = diff(&one, &two);
    assert_change(
        only(&report),
        ChangeKind::EnumValueAdded,
        false,
        OP,
        "request field `classification`",
    );
}

#[test]
fn response_enum_value_added_is_breaking_and_removed_is_not() {
    let two = with_response(classification(&["human", "artificial"]), json!({}));
    let three = with_response(
        classification(&["human", "artificial", "unknown"]),
        json!({}),
    );
    let change = only(&diff(&two, &three)).clone();
    assert_change(
        &change,
        ChangeKind::EnumValueAdded,
        true,
        GET,
        "response 2XX field `classification`",
    );
    assert!(
        change.detail.starts_with("gained enum value `unknown`"),
        "{}",
        change.detail
    );
    assert!(change.detail.contains("closed enum"), "{}", change.detail);
    let report = diff(&three, &two);
    assert_change(
        only(&report),
        ChangeKind::EnumValueRemoved,
        false,
        GET,
        "response 2XX field `classification`",
    );
}

#[test]
fn parameter_enum_through_ref_is_compared() {
    let param = query(
        "direction",
        false,
        json!({"$ref": "#/components/schemas/SortDirection"}),
    );
    let doc = |values: &[&str]| {
        let mut doc = with_parameters(json!([param.clone()]));
        doc["components"]["schemas"] = json!({"SortDirection": {"type": "string", "enum": values}});
        doc
    };
    let report = diff(&doc(&["desc", "asc"]), &doc(&["desc"]));
    assert_change(
        only(&report),
        ChangeKind::EnumValueRemoved,
        true,
        OP,
        "query parameter `direction`",
    );
}

#[test]
fn enum_appearing_on_a_field_is_a_type_change() {
    let free = with_response(
        object(json!({"status": {"type": "string"}}), &[]),
        json!({}),
    );
    let closed = with_response(
        object(json!({"status": {"type": "string", "enum": ["new"]}}), &[]),
        json!({}),
    );
    let change = only(&diff(&free, &closed)).clone();
    assert_eq!(change.kind, ChangeKind::ResponseFieldChanged);
    assert_eq!(change.detail, "changed type: string -> string enum");
}

// The report.

#[test]
fn breaking_changes_come_first_then_by_operation_and_location() {
    let old = spec(
        json!({
            "/b": {"get": {"responses": {}}},
            "/a": {"get": {"parameters": [query("z", false, json!({"type": "string"}))], "responses": {}}},
        }),
        json!({}),
    );
    let new = spec(
        json!({
            "/c": {"get": {"responses": {}}},
            "/a": {"get": {"parameters": [query("y", false, json!({"type": "string"}))], "responses": {}}},
        }),
        json!({}),
    );
    let report = diff(&old, &new);
    let summary: Vec<(bool, &str, &str)> = report
        .changes
        .iter()
        .map(|c| {
            (
                c.breaking,
                c.operation.as_deref().unwrap_or(""),
                c.location.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (true, "GET /a", "query parameter `z`"),
            (true, "GET /b", "operation"),
            (false, "GET /a", "query parameter `y`"),
            (false, "GET /c", "operation"),
        ]
    );
}

#[test]
fn text_markdown_and_json_renderings() {
    let old = with_request(
        object(json!({"frames": {"type": "integer"}}), &[]),
        json!({}),
    );
    let new = with_request(
        object(
            json!({"frames": {"type": "string"}, "no_cache": {"type": "boolean"}}),
            &[],
        ),
        json!({}),
    );
    let report = diff(&old, &new);
    assert_eq!(
        report.to_text(),
        "Breaking changes (1):\n  \
         - POST /api/classification: request field `frames` changed type: integer -> string\n\
         Other changes (1):\n  \
         - POST /api/classification: request field `no_cache` added (optional)\n"
    );
    assert_eq!(
        report.to_markdown(),
        "## Breaking changes (1)\n\n\
         - `POST /api/classification`: request field `frames` changed type: integer -> string\n\n\
         ## Other changes (1)\n\n\
         - `POST /api/classification`: request field `no_cache` added (optional)\n"
    );
    let parsed: Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
    assert_eq!(parsed["changes"][0]["kind"], "request_field_changed");
    assert_eq!(parsed["changes"][0]["breaking"], true);
    assert_eq!(parsed["changes"][1]["operation"], OP);
    assert_eq!(parsed["changes"][1]["location"], "request field `no_cache`");
}
