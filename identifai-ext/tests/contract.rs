//! The sandbox answers by the effective spec: each of the 21 operations is
//! sent good and refused requests over plain HTTP, and every answer's
//! status, content type and body are held to what the spec documents for
//! that operation and status (`identifai_api::spec`, validated with the
//! `jsonschema` crate under OpenAPI 3.0's rules).
#![cfg(feature = "sandbox")]

use std::collections::BTreeSet;
use std::time::Duration;

use identifai_api::spec;
use identifai_ext::sandbox::{Sandbox, SandboxConfig};
use identifai_ext::{Limit, RateLimits};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::util::{mp4, read_answer, sample_png, wav};

/// Sends requests to one sandbox and checks each answer against the spec.
struct Contract {
    http: reqwest::Client,
    base: String,
    key: String,
    /// The operations that answered a success, by operationId.
    succeeded: BTreeSet<String>,
    /// The operations that answered a refusal, by operationId.
    refused: BTreeSet<String>,
    /// Every answer that does not fit, one line each.
    failures: Vec<String>,
    /// How many answers were checked.
    checked: usize,
}

/// An answer as the test saw it.
struct Answer {
    status: u16,
    body: Value,
}

impl Contract {
    fn new(sandbox: &Sandbox) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: sandbox.base_url().trim_end_matches('/').to_string(),
            key: sandbox.api_key().to_string(),
            succeeded: BTreeSet::new(),
            refused: BTreeSet::new(),
            failures: Vec::new(),
            checked: 0,
        }
    }

    /// A request with the sandbox's key.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("x-api-key", &self.key)
    }

    /// Sends `request` (for `method` `path`, as the spec names it), checks
    /// the answer and returns it; `expect` lists the statuses wanted,
    /// another is a failure too.
    async fn send(
        &mut self,
        what: &str,
        method: &str,
        path: &str,
        request: RequestBuilder,
        expect: &[u16],
    ) -> Answer {
        let (status, content_type, bytes) = read_answer(request).await;
        self.checked += 1;
        let here = format!("{what} ({method} {path} → {status} {content_type})");
        let Some(op) = spec::operation(method, path) else {
            self.failures
                .push(format!("{here}: no such operation in the spec"));
            return Answer {
                status,
                body: Value::Null,
            };
        };
        let id = op.id().unwrap_or_default().to_string();
        if !expect.contains(&status) {
            self.failures
                .push(format!("{here}: expected a status in {expect:?}"));
        }
        match status / 100 {
            2 => self.succeeded.insert(id),
            _ => self.refused.insert(id),
        };
        let mut body = Value::Null;
        match op.response_schema(status, &content_type) {
            Err(e) => self.failures.push(format!("{here}: {e}")),
            Ok(schema) if content_type.starts_with("application/json") => {
                match serde_json::from_slice::<Value>(&bytes) {
                    Err(e) => self
                        .failures
                        .push(format!("{here}: the body is not JSON: {e}")),
                    Ok(value) => {
                        if let Some(schema) = schema {
                            self.fit(&here, &schema, &value);
                        }
                        body = value;
                    }
                }
            }
            Ok(_) => {
                if bytes.is_empty() {
                    self.failures.push(format!("{here}: an empty body"));
                }
            }
        }
        Answer { status, body }
    }

    fn fit(&mut self, here: &str, schema: &Value, value: &Value) {
        let validator = validator(schema);
        for error in validator.iter_errors(value) {
            self.failures
                .push(format!("{here}: {error} at `{}`", error.instance_path()));
        }
    }
}

/// A validator for a converted schema that checks formats too (email,
/// date-time, uri), as schemathesis does.
fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the spec converts to JSON Schema")
}

fn file(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_string())
}

#[tokio::test]
async fn every_operation_answers_by_the_effective_spec() {
    let sandbox = Sandbox::start_with(SandboxConfig::default().users(7)).expect("a sandbox");
    let mut c = Contract::new(&sandbox);
    let post = Method::POST;
    let get = Method::GET;

    // -- Submissions: a file each, and the same by URL.
    let uploads = [
        ("/api/classification", "image", sample_png(), "a.png"),
        ("/api/classification_video", "video", mp4(), "a.mp4"),
        ("/api/classification_audio", "audio", wav(), "a.wav"),
    ];
    let mut identifiers = Vec::new();
    for (path, field, bytes, name) in uploads {
        let mut form = Form::new()
            .part(field, file(bytes, name))
            .text("ref_id", "contract");
        if field == "image" {
            form = form.text("with_heatmap", "true");
        }
        let request = c.request(post.clone(), path).multipart(form);
        let answer = c.send("an upload", "POST", path, request, &[200]).await;
        identifiers.push(
            answer.body["identifier"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    // The identifier as text, when asked for by name: the same identifier.
    let form = || {
        Form::new()
            .part("image", file(sample_png(), "a.png"))
            .text("ref_id", "as-text")
    };
    let request = c
        .request(post.clone(), "/api/classification")
        .header("accept", "text/plain")
        .multipart(form());
    let (status, content_type, text) = read_answer(request).await;
    assert_eq!(
        (status, content_type.starts_with("text/plain")),
        (200, true)
    );
    let request = c
        .request(post.clone(), "/api/classification")
        .header("accept", "text/plain")
        .multipart(form());
    c.send(
        "an upload asking for text",
        "POST",
        "/api/classification",
        request,
        &[200],
    )
    .await;
    let request = c
        .request(post.clone(), "/api/classification")
        .multipart(form());
    let answer = c
        .send(
            "the same upload",
            "POST",
            "/api/classification",
            request,
            &[200],
        )
        .await;
    assert_eq!(
        answer.body["identifier"].as_str(),
        Some(&*String::from_utf8_lossy(&text))
    );
    for path in [
        "/api/image_fromurl",
        "/api/video_fromurl",
        "/api/audio_fromurl",
    ] {
        let form = Form::new().text("file_url", "https://media.example.invalid/clip");
        let request = c.request(post.clone(), path).multipart(form);
        c.send("a URL", "POST", path, request, &[200]).await;
    }
    // Refused submissions: no key, a file of the wrong kind, no file, a
    // broken option, a bad URL, a body that is no form.
    let no_key = c
        .http
        .post(format!("{}/api/classification", c.base))
        .multipart(Form::new().part("image", file(sample_png(), "a.png")));
    c.send("no key", "POST", "/api/classification", no_key, &[401])
        .await;
    // No key and a broken body: the key is what is wrong first.
    let broken = [
        (
            "/api/classification",
            "multipart/form-data; boundary=XX",
            "--YY\r\nbro",
        ),
        (
            "/api/classification/0123/override",
            "application/json",
            "{not json",
        ),
    ];
    for (path, content_type, body) in broken {
        let request = c
            .http
            .post(format!("{}{path}", c.base))
            .header("content-type", content_type)
            .body(body);
        let answer = c
            .send("no key, a broken body", "POST", path, request, &[401])
            .await;
        assert_eq!(answer.status, 401, "{path}: {}", answer.body);
    }
    let wrong_key = c
        .http
        .post(format!("{}/api/classification", c.base))
        .header("x-api-key", "not-the-key")
        .multipart(Form::new().part("image", file(sample_png(), "a.png")));
    c.send(
        "a wrong key",
        "POST",
        "/api/classification",
        wrong_key,
        &[401],
    )
    .await;
    let request = c
        .request(post.clone(), "/api/classification_audio")
        .multipart(Form::new().part("audio", file(sample_png(), "a.wav")));
    c.send(
        "an image as speech",
        "POST",
        "/api/classification_audio",
        request,
        &[422],
    )
    .await;
    let request = c
        .request(post.clone(), "/api/classification")
        .multipart(Form::new().text("ref_id", "no-file"));
    c.send("no file", "POST", "/api/classification", request, &[422])
        .await;
    let request = c
        .request(post.clone(), "/api/classification_video")
        .multipart(
            Form::new()
                .part("video", file(mp4(), "a.mp4"))
                .text("frames", "7"),
        );
    c.send(
        "7 frames",
        "POST",
        "/api/classification_video",
        request,
        &[422],
    )
    .await;
    let request = c
        .request(post.clone(), "/api/video_fromurl")
        .multipart(Form::new().text("file_url", "ftp://media.example.invalid/a.mp4"));
    c.send("an ftp URL", "POST", "/api/video_fromurl", request, &[422])
        .await;
    let request = c.request(post.clone(), "/api/image_fromurl").multipart(
        Form::new()
            .text("ref_id", "no-url")
            .text("", "a part without a name"),
    );
    let answer = c
        .send("no URL", "POST", "/api/image_fromurl", request, &[422])
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    let request = c
        .request(post.clone(), "/api/audio_fromurl")
        .header("content-type", "text/plain")
        .body("file_url=https://x.invalid/a.wav");
    c.send(
        "text, not a form",
        "POST",
        "/api/audio_fromurl",
        request,
        &[400],
    )
    .await;

    // -- Results, one each and by list, before and after their verdict.
    let results = [
        (
            "/api/classification",
            "/api/classifications",
            &identifiers[0],
        ),
        (
            "/api/classification_video",
            "/api/classifications_video",
            &identifiers[1],
        ),
        (
            "/api/classification_audio",
            "/api/classifications_audio",
            &identifiers[2],
        ),
    ];
    let mut hashes = Vec::new();
    for (one, list, identifier) in results {
        let path = format!("{one}/{identifier}");
        for _ in 0..2 {
            let request = c.request(get.clone(), &path);
            let answer = c.send("a result", "GET", &path, request, &[200]).await;
            if let Some(hash) = answer.body["hash"].as_str() {
                hashes.push((one, hash.to_string()));
            }
        }
        let request = c.request(get.clone(), list).query(&[
            ("identifiers[]", identifier.as_str()),
            ("identifiers[]", "unknown"),
        ]);
        c.send("a list", "GET", list, request, &[200]).await;
        let path = format!("{one}/0000unknown");
        let request = c.request(get.clone(), &path);
        c.send("an unknown identifier", "GET", &path, request, &[404])
            .await;
        let request = c.request(get.clone(), list);
        c.send("a list without identifiers", "GET", list, request, &[422])
            .await;
    }
    hashes.dedup();

    // -- The heatmap: a PNG, or a JSON refusal.
    let path = format!("/api/classification/heatmap/{}", identifiers[0]);
    let request = c.request(get.clone(), &path);
    c.send("a heatmap", "GET", &path, request, &[200]).await;
    let path = "/api/classification/heatmap/0000unknown";
    let request = c.request(get.clone(), path);
    c.send("an unknown heatmap", "GET", path, request, &[404])
        .await;

    // -- Overrides, by the file's hash.
    for (one, hash) in &hashes {
        let path = format!("{one}/{hash}/override");
        let request = c
            .request(post.clone(), &path)
            .json(&json!({"classification": "artificial"}));
        c.send("an override", "POST", &path, request, &[200]).await;
        let request = c
            .request(post.clone(), &path)
            .json(&json!({"classification": "maybe"}));
        c.send("an unknown label", "POST", &path, request, &[422])
            .await;
        let request = c
            .request(post.clone(), &path)
            .header("content-type", "application/json")
            .body("{not json");
        c.send("a body that is not JSON", "POST", &path, request, &[400])
            .await;
        // The result shows the override.
        let identifier = &identifiers[results.iter().position(|r| r.0 == *one).unwrap_or(0)];
        let path = format!("{one}/{identifier}");
        let request = c.request(get.clone(), &path);
        let answer = c
            .send("an overridden result", "GET", &path, request, &[200])
            .await;
        assert_eq!(answer.body["force_classification"], "artificial", "{path}");
    }
    let path = "/api/classification/0000unknown/override";
    let request = c
        .request(post.clone(), path)
        .json(&json!({"classification": "human"}));
    c.send(
        "an override of an unknown file",
        "POST",
        path,
        request,
        &[404],
    )
    .await;

    // -- The account.
    let request = c.request(get.clone(), "/api/user/credits");
    c.send("the credits", "GET", "/api/user/credits", request, &[200])
        .await;
    let request = c.request(get.clone(), "/api/partner/pricings");
    let plans = c
        .send(
            "the pricings",
            "GET",
            "/api/partner/pricings",
            request,
            &[200],
        )
        .await;
    let user = |id: &str| {
        Form::new()
            .text("id", id.to_string())
            .text("name", "Ada")
            .text("email", "ada@example.invalid")
            .text("heuristic", "default")
            .text("pricing_id", "1")
    };
    let request = c
        .request(post.clone(), "/api/partner/user")
        .multipart(user(""));
    let created = c
        .send("a new user", "POST", "/api/partner/user", request, &[200])
        .await;
    let id = created.body["data"]["id"]
        .as_i64()
        .unwrap_or_default()
        .to_string();
    // The user's plan is one of the listed plans, as listed.
    let plan = &created.body["data"]["pricing"];
    assert!(
        plans.body.as_array().is_some_and(|all| all
            .iter()
            .any(|p| { ["id", "name", "sku"].iter().all(|k| p[k] == plan[k]) })),
        "{plan} is not among {}",
        plans.body
    );
    let request = c
        .request(post.clone(), "/api/partner/user")
        .multipart(user("").text("pricing_id", "99"));
    let answer = c
        .send(
            "an unknown plan",
            "POST",
            "/api/partner/user",
            request,
            &[422],
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    let request = c
        .request(post.clone(), "/api/partner/user")
        .multipart(user(&id));
    c.send(
        "an updated user",
        "POST",
        "/api/partner/user",
        request,
        &[200],
    )
    .await;
    let request = c
        .request(post.clone(), "/api/partner/user")
        .multipart(user("999999"));
    c.send(
        "an unknown user",
        "POST",
        "/api/partner/user",
        request,
        &[404],
    )
    .await;
    let request = c
        .request(post.clone(), "/api/partner/user")
        .multipart(user("").text("email", "useratexample.com"));
    c.send(
        "a user with no email address",
        "POST",
        "/api/partner/user",
        request,
        &[422],
    )
    .await;
    let request = c
        .request(post.clone(), "/api/partner/user")
        .multipart(Form::new().text("id", ""));
    c.send(
        "a user without fields",
        "POST",
        "/api/partner/user",
        request,
        &[422],
    )
    .await;
    let path = "/api/partner/send_creation_email";
    let request = c
        .request(post.clone(), path)
        .multipart(Form::new().text("id", id.clone()));
    c.send("a creation email", "POST", path, request, &[200])
        .await;
    let request = c
        .request(post.clone(), path)
        .multipart(Form::new().text("id", "abc"));
    c.send("an id that is no number", "POST", path, request, &[400])
        .await;
    let request = c
        .request(post.clone(), path)
        .multipart(Form::new().text("id", "999999"));
    c.send("an email to an unknown user", "POST", path, request, &[404])
        .await;
    // Users: a first page, a middle one, the last, and one past the end
    // (no users: `from`/`to` null).
    let huge = "9223372036854775807";
    for (per_page, page) in [
        ("3", "1"),
        ("3", "2"),
        ("3", "3"),
        ("3", "9"),
        ("0", "1"),
        ("3", huge),
        (huge, huge),
    ] {
        let request = c.request(get.clone(), "/api/partner/users").query(&[
            ("per_page", per_page),
            ("page", page),
            ("direction", "desc"),
        ]);
        c.send(
            "a page of users",
            "GET",
            "/api/partner/users",
            request,
            &[200],
        )
        .await;
    }

    for (key, value) in [
        ("direction", "sideways"),
        ("per_page", "three"),
        ("pricing_id", "null"),
    ] {
        let request = c
            .request(get.clone(), "/api/partner/users")
            .query(&[(key, value)]);
        let answer = c
            .send(
                "a bad parameter",
                "GET",
                "/api/partner/users",
                request,
                &[422],
            )
            .await;
        assert_eq!(answer.status, 422, "{key}={value}: {}", answer.body);
    }

    assert!(c.failures.is_empty(), "{}", c.failures.join("\n"));
    eprintln!("{} answers checked against the effective spec", c.checked);
    let every: BTreeSet<String> = spec::document()["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().into_iter().flatten())
        .filter_map(|(_, op)| op["operationId"].as_str().map(String::from))
        .collect();
    assert_eq!(every.len(), 21);
    let missed: Vec<_> = every.difference(&c.succeeded).collect();
    assert!(missed.is_empty(), "never answered a success: {missed:?}");
    let no_refusal: Vec<_> = every
        .difference(&c.refused)
        .filter(|id| !["list_pricings", "get_credits"].contains(&id.as_str()))
        .collect();
    assert!(no_refusal.is_empty(), "never refused: {no_refusal:?}");
}

/// Refusals by the account's state (429 past the documented limits, 402
/// without credits, 401 on GETs) fit the spec too.
#[tokio::test]
async fn limits_and_credits_refuse_by_the_spec() {
    // The documented counts, over windows of an hour: what passes and what
    // is refused does not hang on how fast the machine is.
    let hour = Duration::from_secs(3600);
    let limits = RateLimits::new([Limit::new(2, hour)], [Limit::new(1, hour)]);
    let sandbox = Sandbox::start_with(
        SandboxConfig::default()
            .with_rate_limits(limits)
            .initial_credits(0.0),
    )
    .expect("a sandbox");
    let mut c = Contract::new(&sandbox);
    let request = c
        .request(Method::POST, "/api/classification")
        .multipart(Form::new().part("image", file(sample_png(), "a.png")));
    let answer = c
        .send("no credits", "POST", "/api/classification", request, &[402])
        .await;
    assert_eq!(answer.status, 402);
    // A wrong key is refused for the key, not counted against the limits.
    let request = c
        .http
        .get(format!("{}/api/partner/pricings", c.base))
        .header("x-api-key", "wrong");
    c.send(
        "a wrong key",
        "GET",
        "/api/partner/pricings",
        request,
        &[401],
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let request = c.request(Method::GET, "/api/user/credits");
        statuses.push(
            c.send("credits", "GET", "/api/user/credits", request, &[200, 429])
                .await
                .status,
        );
    }
    assert_eq!(statuses, [200, 200, 429]);
    // Past the limits, a broken body is refused for the limits first.
    let request = c
        .request(Method::POST, "/api/classification_video/0123/override")
        .header("content-type", "application/json")
        .body("{not json");
    let answer = c
        .send(
            "a broken body past the limit",
            "POST",
            "/api/classification_video/0123/override",
            request,
            &[429],
        )
        .await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    // Past the limits, a wrong key is still refused for the key.
    let request = c
        .http
        .get(format!("{}/api/partner/pricings", c.base))
        .header("x-api-key", "wrong");
    c.send(
        "a wrong key past the limit",
        "GET",
        "/api/partner/pricings",
        request,
        &[401],
    )
    .await;
    assert!(c.failures.is_empty(), "{}", c.failures.join("\n"));
}

/// The check is not vacuous: an answer the spec does not allow is caught.
#[test]
fn an_answer_that_does_not_fit_is_caught() {
    let op = spec::operation("GET", "/api/partner/users").expect("documented");
    let schema = op
        .response_schema(200, "application/json")
        .unwrap()
        .unwrap();
    let validator = validator(&schema);
    assert!(validator.is_valid(&json!({"data": [], "from": null, "to": null, "total": 0})));
    assert!(!validator.is_valid(&json!({"data": [{"readonly": "no"}]})));
    assert!(!validator.is_valid(&json!({"total": "none"})));
    assert!(!validator.is_valid(&json!({"data": [{"email": "not-an-email"}]})));
    assert!(op.response_schema(200, "text/html").is_err());
}

/// Every operation of the effective spec asks for the key, and the sandbox
/// refuses each without one with the documented 401 body, before it reads
/// anything else.
#[tokio::test]
async fn every_operation_wants_the_key() {
    let sandbox = Sandbox::start().expect("a sandbox");
    let mut c = Contract::new(&sandbox);
    let doc = spec::document();
    let mut asked = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            assert_eq!(
                op["security"],
                json!([{"ApiKeyAuth": []}]),
                "{id} does not ask for the key"
            );
            let path: String = template
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let method = method.to_uppercase();
            let request = c.http.request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", c.base),
            );
            let answer = c.send("no key", &method, &path, request, &[401]).await;
            assert_eq!(answer.status, 401, "{id}");
            asked += 1;
        }
    }
    assert_eq!(asked, 21);
    assert!(c.failures.is_empty(), "{}", c.failures.join("\n"));
}
