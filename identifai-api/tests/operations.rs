//! One test per operation of [`Client`], each against an in-process mock
//! server: the request the client sends (method, path, `X-Api-Key`, query,
//! multipart parts, JSON body) and the typed value it decodes from a
//! realistic answer.
//!
//! The answers are `identifai_api::mock::answers`, composed from the fields
//! and examples of the vendor's documentation (see that module).

use std::path::PathBuf;

use futures_util::TryStreamExt;
use httpmock::{HttpMockRequest, MockServer, Then, When};
use identifai_api::mock::{MockServerExt, answers, form_parts};
use identifai_api::multipart::FilePart;
use identifai_api::{Client, types};
use serde_json::{Value, json};

const KEY: &str = "test-key-7Qh2";

/// A path parameter that must be escaped: a slash, a space and a question
/// mark would otherwise change the path or start the query.
const AWKWARD: &str = "a/b c?d";
/// [`AWKWARD`] as it must appear in the request path.
const AWKWARD_ENCODED: &str = "a%2Fb%20c%3Fd";

/// The identifier in `identifier.json`, the answer to every submission.
const SUBMITTED: &str = "8d64370a87b820cc1cf620338f5c898bab37439c9a405f32d9eaffc50c4f27b0";

fn client(server: &MockServer) -> Client {
    Client::with_api_key(&server.base_url(), KEY).expect("a valid client")
}

/// What every request carries: the key, and none of progenitor's
/// `api-version` header (the client's hooks drop it).
fn authenticated(when: When) -> When {
    when.header("x-api-key", KEY).header_missing("api-version")
}

/// A request that asks for a JSON answer.
fn wants_json(when: When) -> When {
    authenticated(when).header("accept", "application/json")
}

/// Answers 200 with `body` as JSON.
fn json_answer(then: Then, body: &'static str) {
    then.status(200)
        .header("content-type", "application/json")
        .body(body);
}

/// A matcher: the multipart body holds exactly these parts and no other, in
/// any order: the file parts named in `files`, and the text parts `fields`
/// with exactly these values.
fn form_is(
    files: &[&str],
    fields: &[(&str, &str)],
) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    let mut expected: Vec<(String, Option<String>)> = files
        .iter()
        .map(|name| (name.to_string(), None))
        .chain(
            fields
                .iter()
                .map(|(name, value)| (name.to_string(), Some(value.to_string()))),
        )
        .collect();
    expected.sort();
    move |req| {
        let mut actual: Vec<(String, Option<String>)> = form_parts(req)
            .into_iter()
            .map(|part| {
                let text = part
                    .file_name
                    .is_none()
                    .then(|| String::from_utf8_lossy(&part.data).into_owned());
                (part.name, text)
            })
            .collect();
        actual.sort();
        if actual != expected {
            eprintln!("multipart parts differ:\n  expected {expected:?}\n  received {actual:?}");
        }
        actual == expected
    }
}

/// A matcher: the raw (still encoded) query string is exactly `expected`.
fn raw_query_is(
    expected: &'static str,
) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    move |req| {
        let uri = req.uri();
        if uri.query() != Some(expected) {
            eprintln!(
                "query differs:\n  expected {expected:?}\n  received {:?}",
                uri.query()
            );
        }
        uri.query() == Some(expected)
    }
}

/// Checks that `decoded`, encoded again, is the fixture it was decoded
/// from: no field of the answer was dropped on the way. Nulls and empty
/// arrays and objects are left out on both sides, since the models skip
/// them, and numbers are compared as `f64`.
fn assert_nothing_lost<T: serde::Serialize>(decoded: &T, fixture: &str) {
    fn normalize(value: Value) -> Option<Value> {
        match value {
            Value::Null => None,
            Value::Number(n) => Some(json!(n.as_f64().expect("a finite number"))),
            Value::Array(items) => {
                let items: Vec<Value> = items.into_iter().filter_map(normalize).collect();
                (!items.is_empty()).then_some(Value::Array(items))
            }
            Value::Object(map) => {
                let map: serde_json::Map<String, Value> = map
                    .into_iter()
                    .filter_map(|(k, v)| normalize(v).map(|v| (k, v)))
                    .collect();
                (!map.is_empty()).then_some(Value::Object(map))
            }
            other => Some(other),
        }
    }
    let sent: Value = serde_json::from_str(fixture).expect("the fixture is JSON");
    let kept = serde_json::to_value(decoded).expect("the model encodes");
    assert_eq!(
        normalize(kept),
        normalize(sent),
        "the decoded model lost or changed fields"
    );
}

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn create(name: &str, contents: &[u8]) -> Self {
        let path = std::env::temp_dir().join(format!(
            "identifai-operations-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, contents).expect("the temporary file is written");
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// Submissions.

#[tokio::test]
async fn classify_image_sends_every_part_and_decodes_the_identifier() {
    let server = MockServer::start_async().await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR portrait".to_vec();
    let mock = server.classify_image(|when, then| {
        let when = when
            .image(png.clone())
            .image_file_name("portrait.png")
            .image_content_type("image/png")
            .ref_id("order-4711")
            .with_heatmap(true)
            .into_inner()
            .path("/api/classification")
            .is_true(form_is(
                &["image"],
                &[
                    ("ref_id", "order-4711"),
                    ("with_morphing", "true"),
                    ("with_tampering", "false"),
                    ("with_heatmap", "true"),
                    (
                        "webhook_url",
                        "https://hooks.example.com/identifai?source=sdk",
                    ),
                    ("no_cache", "false"),
                    ("prevent_c2pa_forces", "true"),
                ],
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::IDENTIFIER);
    });

    let answer = client(&server)
        .classify_image()
        .image(
            FilePart::bytes(png.clone())
                .file_name("portrait.png")
                .content_type("image/png"),
        )
        .ref_id("order-4711")
        .with_morphing(true)
        .with_tampering(false)
        .with_heatmap(true)
        .webhook_url("https://hooks.example.com/identifai?source=sdk")
        .no_cache(false)
        .prevent_c2pa_forces(true)
        .send()
        .await;

    mock.assert_async().await;
    let answer = answer.expect("the submission succeeds").into_inner();
    assert_eq!(answer.identifier.as_deref(), Some(SUBMITTED));
}

#[tokio::test]
async fn classify_image_url_sends_the_url_and_leaves_unset_options_out() {
    let server = MockServer::start_async().await;
    let url = "https://cdn.example.com/images/portrait.jpg?size=large&v=2";
    let mock = server.classify_image_url(|when, then| {
        let when = when
            .file_url(url)
            .with_tampering(true)
            .ref_id_absent()
            .with_morphing_absent()
            .with_heatmap_absent()
            .webhook_url_absent()
            .no_cache_absent()
            .prevent_c2pa_forces_absent()
            .into_inner()
            .path("/api/image_fromurl")
            .is_true(form_is(
                &[],
                &[("file_url", url), ("with_tampering", "true")],
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::IDENTIFIER);
    });

    let answer = client(&server)
        .classify_image_url()
        .file_url(url)
        .with_tampering(true)
        .send()
        .await;

    mock.assert_async().await;
    let answer = answer.expect("the submission succeeds").into_inner();
    assert_eq!(answer.identifier.as_deref(), Some(SUBMITTED));
}

#[tokio::test]
async fn classify_video_streams_the_file_from_disk_with_its_name_and_options() {
    // Several read chunks long (the file is read 64 KiB at a time), and
    // with every byte value in it.
    let video: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 256) as u8).collect();
    let file = TempFile::create("interview.mp4", &video);
    let file_name = file.0.file_name().unwrap().to_str().unwrap().to_string();

    let part = FilePart::open(&file.0)
        .await
        .expect("the file opens")
        .content_type("video/mp4");
    assert_eq!(part.len(), Some(video.len() as u64));
    assert_eq!(part.get_file_name(), Some(file_name.as_str()));

    let server = MockServer::start_async().await;
    let mock = server.classify_video(|when, then| {
        let when = when
            .video(video.clone())
            .video_file_name(&file_name)
            .video_content_type("video/mp4")
            .frames(types::ClassifyVideoFrames::V10)
            .key_frames(true)
            .key_frames_method(types::ClassifyVideoKeyFramesMethod::Flow)
            .with_morphing_absent()
            .webhook_url_absent()
            .into_inner()
            .path("/api/classification_video")
            // The length is known, so the body is not sent chunked.
            .is_true(|req| {
                req.headers()
                    .get("content-length")
                    .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
                    == Some(req.body_ref().len())
            })
            .is_true(form_is(
                &["video"],
                &[
                    ("ref_id", "campaign-7"),
                    ("frames", "10"),
                    ("key_frames", "true"),
                    ("key_frames_method", "flow"),
                ],
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::IDENTIFIER);
    });

    let answer = client(&server)
        .classify_video()
        .video(part)
        .ref_id("campaign-7")
        .frames(types::ClassifyVideoFrames::V10)
        .key_frames(true)
        .key_frames_method(types::ClassifyVideoKeyFramesMethod::Flow)
        .send()
        .await;

    mock.assert_async().await;
    let answer = answer.expect("the submission succeeds").into_inner();
    assert_eq!(answer.identifier.as_deref(), Some(SUBMITTED));
}

#[tokio::test]
async fn classify_video_url_sends_frames_key_frames_and_every_option() {
    let server = MockServer::start_async().await;
    let url = "https://cdn.example.com/videos/interview.mp4";
    let mock = server.classify_video_url(|when, then| {
        let when = when
            .file_url(url)
            .frames(types::ClassifyVideoUrlFrames::V30)
            .key_frames_method(types::ClassifyVideoUrlKeyFramesMethod::Iframes)
            .into_inner()
            .path("/api/video_fromurl")
            .is_true(form_is(
                &[],
                &[
                    ("file_url", url),
                    ("ref_id", "campaign-7"),
                    ("frames", "30"),
                    ("key_frames", "false"),
                    ("key_frames_method", "iframes"),
                    ("with_tampering", "true"),
                    ("with_morphing", "false"),
                    ("webhook_url", "https://hooks.example.com/identifai"),
                    ("no_cache", "true"),
                    ("prevent_c2pa_forces", "false"),
                ],
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::IDENTIFIER);
    });

    let answer = client(&server)
        .classify_video_url()
        .file_url(url)
        .ref_id("campaign-7")
        .frames(types::ClassifyVideoUrlFrames::V30)
        .key_frames(false)
        .key_frames_method(types::ClassifyVideoUrlKeyFramesMethod::Iframes)
        .with_tampering(true)
        .with_morphing(false)
        .webhook_url("https://hooks.example.com/identifai")
        .no_cache(true)
        .prevent_c2pa_forces(false)
        .send()
        .await;

    mock.assert_async().await;
    let answer = answer.expect("the submission succeeds").into_inner();
    assert_eq!(answer.identifier.as_deref(), Some(SUBMITTED));
}

#[tokio::test]
async fn classify_audio_sends_the_recording_and_only_the_options_set() {
    let server = MockServer::start_async().await;
    let wav = b"RIFF\x24\x80\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00".to_vec();
    let mock = server.classify_audio(|when, then| {
        let when = when
            .audio(wav.clone())
            .audio_file_name("voicemail.wav")
            .audio_content_type("audio/wav")
            .ref_id("ticket-93")
            .prevent_c2pa_forces(false)
            .webhook_url_absent()
            .no_cache_absent()
            .into_inner()
            .path("/api/classification_audio")
            .is_true(form_is(
                &["audio"],
                &[("ref_id", "ticket-93"), ("prevent_c2pa_forces", "false")],
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::IDENTIFIER);
    });

    let answer = client(&server)
        .classify_audio()
        .audio(
            FilePart::bytes(wav.clone())
                .file_name("voicemail.wav")
                .content_type("audio/wav"),
        )
        .ref_id("ticket-93")
        .prevent_c2pa_forces(false)
        .send()
        .await;

    mock.assert_async().await;
    let answer = answer.expect("the submission succeeds").into_inner();
    assert_eq!(answer.identifier.as_deref(), Some(SUBMITTED));
}

#[tokio::test]
async fn classify_audio_url_sends_the_url_and_only_the_options_set() {
    let server = MockServer::start_async().await;
    let url = "https://cdn.example.com/audio/voicemail.wav";
    let mock = server.classify_audio_url(|when, then| {
        let when = when
            .file_url(url)
            .no_cache(true)
            .ref_id_absent()
            .webhook_url_absent()
            .into_inner()
            .path("/api/audio_fromurl")
            .is_true(form_is(&[], &[("file_url", url), ("no_cache", "true")]));
        wants_json(when);
        json_answer(then.into_inner(), answers::IDENTIFIER);
    });

    let answer = client(&server)
        .classify_audio_url()
        .file_url(url)
        .no_cache(true)
        .send()
        .await;

    mock.assert_async().await;
    let answer = answer.expect("the submission succeeds").into_inner();
    assert_eq!(answer.identifier.as_deref(), Some(SUBMITTED));
}

// Single results.

#[tokio::test]
async fn get_image_classification_escapes_the_identifier_and_decodes_verdicts_results_and_c2pa() {
    let server = MockServer::start_async().await;
    let mock = server.get_image_classification(|when, then| {
        let when = when
            .identifier(AWKWARD)
            .into_inner()
            .method("GET")
            .path(format!("/api/classification/{AWKWARD_ENCODED}"));
        wants_json(when);
        json_answer(then.into_inner(), answers::IMAGE_CLASSIFICATION);
    });

    let answer = client(&server)
        .get_image_classification()
        .identifier(AWKWARD)
        .send()
        .await;

    mock.assert_async().await;
    let image = answer.expect("the result is decoded").into_inner();
    assert_nothing_lost(&image, answers::IMAGE_CLASSIFICATION);

    assert_eq!(
        image.hash.as_deref(),
        Some("862bb7de43b131a38b64753269d643443a21069a04ab66a56c9818956f590cb9")
    );
    assert_eq!(image.name.as_deref(), Some("portrait.png"));
    assert_eq!(image.ref_id.as_deref(), Some("order-4711"));
    assert_eq!(image.status, Some(types::ClassificationStatus::Done));
    assert_eq!(image.has_heatmap, Some(true));
    assert_eq!(image.force_classification, None);

    let verdict = image.verdict.expect("a verdict");
    assert_eq!(
        verdict.classification,
        Some(types::Classification::Artificial)
    );
    assert_eq!(verdict.confidence, Some(0.9731));
    assert_eq!(verdict.heuristic.as_deref(), Some("AverageExcludeObsolete"));
    assert_eq!(verdict.models, ["V011", "brokenwand2"]);
    let heuristics: Vec<_> = image
        .verdicts
        .iter()
        .filter_map(|v| v.heuristic.as_deref())
        .collect();
    assert_eq!(
        heuristics,
        ["Majority", "Average", "AverageExcludeObsolete"]
    );

    let models: Vec<_> = image
        .results
        .iter()
        .filter_map(|r| r.model.as_deref())
        .collect();
    assert_eq!(models, ["V011", "V01", "brokenwand2"]);
    let v011 = &image.results[0];
    assert_eq!(v011.unknown, Some(false));
    assert_eq!(v011.elapsed_time, Some(0.412));
    assert_eq!(
        v011.classification[0].label,
        Some(types::Classification::Artificial)
    );
    assert_eq!(v011.classification[0].score, Some(0.9862));
    assert_eq!(
        v011.classification[1].label,
        Some(types::Classification::Human)
    );
    assert_eq!(v011.classification[1].score, Some(0.0138));
    assert_eq!(
        image.results[2].classification_details["confidence"],
        json!(0.92)
    );

    let c2pa = image.c2pa.expect("C2PA data");
    let urn = "urn:c2pa:1992f560-8c2b-4c6e-9a43-0d1f5b7e2a11";
    assert_eq!(c2pa.active_manifest.as_deref(), Some(urn));
    assert_eq!(c2pa.validation_state.as_deref(), Some("Valid"));
    let manifest = &c2pa.manifests[urn];
    assert_eq!(manifest["title"], "portrait.png");
    assert_eq!(manifest["ingredients"][0]["relationship"], "parentOf");
    assert_eq!(c2pa.validation_status.len(), 1);
    assert_eq!(
        c2pa.validation_status[0].code.as_deref(),
        Some("claimSignature.insideValidity")
    );
    let results = c2pa.validation_results.expect("validation results");
    let active = results
        .active_manifest
        .expect("the active manifest's results");
    assert!(active.failure.is_empty());
    let codes: Vec<_> = active
        .success
        .iter()
        .filter_map(|s| s.code.as_deref())
        .collect();
    assert_eq!(
        codes,
        ["claimSignature.validated", "assertion.hashedURI.match"]
    );
    assert_eq!(
        active.success[0].explanation.as_deref(),
        Some("claim signature valid")
    );
    assert!(results.ingredient_deltas.is_empty());
}

#[tokio::test]
async fn get_video_classification_escapes_the_identifier_and_decodes_frames_and_detections() {
    let server = MockServer::start_async().await;
    let mock = server.get_video_classification(|when, then| {
        let when = when
            .identifier(AWKWARD)
            .into_inner()
            .method("GET")
            .path(format!("/api/classification_video/{AWKWARD_ENCODED}"));
        wants_json(when);
        json_answer(then.into_inner(), answers::VIDEO_CLASSIFICATION);
    });

    let answer = client(&server)
        .get_video_classification()
        .identifier(AWKWARD)
        .send()
        .await;

    mock.assert_async().await;
    let video = answer.expect("the result is decoded").into_inner();
    assert_nothing_lost(&video, answers::VIDEO_CLASSIFICATION);

    assert_eq!(video.name.as_deref(), Some("interview.mp4"));
    assert_eq!(video.api_version.as_deref(), Some("1.1.0"));
    assert_eq!(video.status, Some(types::ClassificationStatus::Done));
    assert_eq!(video.is_nsfw, Some(false));
    let verdict = video.verdict.expect("a verdict");
    assert_eq!(
        verdict.classification,
        Some(types::Classification::Artificial)
    );
    assert_eq!(verdict.confidence, Some(0.9709));
    assert_eq!(verdict.count, Some(3.0));
    assert_eq!(verdict.unknown, Some(false));
    assert_eq!(video.verdicts.len(), 3);
    assert_eq!(video.verdicts[1].heuristic.as_deref(), Some("TopRelevant"));

    let results = video.results.expect("the analysed frames");
    assert!(results.audios.is_empty());
    let frames = &results.images;
    assert_eq!(frames.len(), 3);
    let names: Vec<_> = frames.iter().filter_map(|f| f.name.as_deref()).collect();
    assert_eq!(names, ["frame_0.jpg", "frame_1.jpg", "frame_2.jpg"]);
    assert!(
        frames
            .iter()
            .all(|f| f.c2pa.is_none() && f.results.len() == 2)
    );

    // The second frame has two faces, each with its box, models and verdict.
    let detections = &frames[1].details[0].detections;
    assert_eq!(detections.len(), 2);
    let face = &detections[1];
    let bounds = face.box_.as_ref().expect("a bounding box");
    assert_eq!(
        (bounds.x1, bounds.x2, bounds.y1, bounds.y2),
        (Some(402.0), Some(530.0), Some(120.0), Some(260.5))
    );
    assert_eq!(face.results[0].model.as_deref(), Some("V011"));
    assert_eq!(
        face.results[0].classification_details["confidence"],
        json!(0.7413)
    );
    let face_verdict = face.verdict.as_ref().expect("a verdict on the face");
    assert_eq!(
        face_verdict.classification,
        Some(types::Classification::Artificial)
    );
    assert_eq!(face_verdict.confidence, Some(0.7413));
    assert_eq!(frames[0].details[0].detections.len(), 1);
    assert_eq!(frames[2].details[0].detections.len(), 1);
}

#[tokio::test]
async fn get_audio_classification_escapes_the_identifier_and_decodes_chunk_details() {
    let server = MockServer::start_async().await;
    let mock = server.get_audio_classification(|when, then| {
        let when = when
            .identifier(AWKWARD)
            .into_inner()
            .method("GET")
            .path(format!("/api/classification_audio/{AWKWARD_ENCODED}"));
        wants_json(when);
        json_answer(then.into_inner(), answers::AUDIO_CLASSIFICATION);
    });

    let answer = client(&server)
        .get_audio_classification()
        .identifier(AWKWARD)
        .send()
        .await;

    mock.assert_async().await;
    let audio = answer.expect("the result is decoded").into_inner();
    assert_nothing_lost(&audio, answers::AUDIO_CLASSIFICATION);

    assert_eq!(
        audio.hash.as_deref(),
        Some("89ff6bc9d1e3f5a7b9c0d2e4f6a8b0c1d3e5f7a9b1c2d4e6f8a0b2c3d5e7f9a1")
    );
    assert_eq!(audio.name.as_deref(), Some("voicemail.wav"));
    let verdict = audio.verdict.expect("a verdict");
    assert_eq!(
        verdict.classification,
        Some(types::Classification::Artificial)
    );
    assert_eq!(verdict.confidence, Some(0.9357));
    assert_eq!(verdict.models, ["Phantom"]);
    assert_eq!(audio.results[0].model.as_deref(), Some("Phantom"));
    assert_eq!(
        audio.results[0].classification_details["confidence"],
        json!(1)
    );
    assert!(audio.details.is_none());

    let chunks = &audio.chunk_details;
    assert_eq!(chunks.len(), 3);
    let spans: Vec<_> = chunks.iter().map(|c| (c.index, c.start, c.end)).collect();
    assert_eq!(
        spans,
        [
            (Some(0.0), Some(0.0), Some(4.0)),
            (Some(1.0), Some(4.0), Some(8.0)),
            (Some(2.0), Some(8.0), Some(12.0)),
        ]
    );
    let last = chunks[2].verdict.as_ref().expect("a verdict per chunk");
    assert_eq!(last.classification, Some(types::Classification::Artificial));
    assert_eq!(last.confidence, Some(0.8737));
    assert_eq!(chunks[1].results[0].classification[0].score, Some(0.9513));
}

// Lists of results.

#[tokio::test]
async fn list_image_classifications_repeats_identifiers_in_order_and_decodes_each_result() {
    let ids = vec![
        "2acb569d1f0e4b6c9a7d3e5f8b1c2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e".to_string(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_string(),
        AWKWARD.to_string(),
    ];
    let server = MockServer::start_async().await;
    let mock = server.list_image_classifications(|when, then| {
        let when = when.identifiers(&ids).into_inner().method("GET").path("/api/classifications").is_true(
            raw_query_is(
                "identifiers%5B%5D=2acb569d1f0e4b6c9a7d3e5f8b1c2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e\
                 &identifiers%5B%5D=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\
                 &identifiers%5B%5D=a%2Fb+c%3Fd",
            ),
        );
        wants_json(when);
        json_answer(then.into_inner(), answers::IMAGE_CLASSIFICATIONS);
    });

    let answer = client(&server)
        .list_image_classifications()
        .identifiers(ids.clone())
        .send()
        .await;

    mock.assert_async().await;
    let images = answer.expect("the results are decoded").into_inner();
    assert_nothing_lost(&images, answers::IMAGE_CLASSIFICATIONS);

    let names: Vec<_> = images.iter().filter_map(|i| i.name.as_deref()).collect();
    assert_eq!(names, ["portrait.png", "holiday.jpg", "render.webp"]);
    let classifications: Vec<_> = images
        .iter()
        .map(|i| i.verdict.as_ref().and_then(|v| v.classification.clone()))
        .collect();
    assert_eq!(
        classifications,
        [
            Some(types::Classification::Artificial),
            Some(types::Classification::Human),
            Some(types::Classification::Artificial),
        ]
    );
    assert!(images[0].c2pa.is_some());
    assert!(images[1].c2pa.is_none());
    assert_eq!(
        images[2].force_classification,
        Some(types::Classification::Human)
    );
    assert_eq!(images[1].results[1].classification[1].score, Some(0.8564));
}

#[tokio::test]
async fn list_video_classifications_repeats_identifiers_in_order_and_decodes_each_status() {
    let ids = vec![
        "5f0c2e9b7a4d4c1e8b3a6d9f2c7e1b4a0d8c6e2f9a3b7c5d1e4f8a2b6c9d3e7f".to_string(),
        "c0ffee00d15ea5e0b16b00b5c0ffee00d15ea5e0b16b00b5c0ffee00d15ea5e0".to_string(),
        "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e".to_string(),
    ];
    let server = MockServer::start_async().await;
    let mock = server.list_video_classifications(|when, then| {
        let when = when
            .identifiers(&ids)
            .into_inner()
            .method("GET")
            .path("/api/classifications_video")
            .is_true(raw_query_is(
                "identifiers%5B%5D=5f0c2e9b7a4d4c1e8b3a6d9f2c7e1b4a0d8c6e2f9a3b7c5d1e4f8a2b6c9d3e7f\
                 &identifiers%5B%5D=c0ffee00d15ea5e0b16b00b5c0ffee00d15ea5e0b16b00b5c0ffee00d15ea5e0\
                 &identifiers%5B%5D=0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e",
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::VIDEO_CLASSIFICATIONS);
    });

    let answer = client(&server)
        .list_video_classifications()
        .identifiers(ids.clone())
        .send()
        .await;

    mock.assert_async().await;
    let videos = answer.expect("the results are decoded").into_inner();
    assert_nothing_lost(&videos, answers::VIDEO_CLASSIFICATIONS);

    let identifiers: Vec<_> = videos.iter().filter_map(|v| v.identifier.clone()).collect();
    assert_eq!(identifiers, ids);
    let statuses: Vec<_> = videos.iter().map(|v| v.status.clone()).collect();
    assert_eq!(
        statuses,
        [
            Some(types::ClassificationStatus::Done),
            Some(types::ClassificationStatus::New),
            Some(types::ClassificationStatus::Errored),
        ]
    );
    let done = &videos[0];
    assert_eq!(done.results.as_ref().map(|r| r.images.len()), Some(3));
    assert_eq!(
        done.verdict.as_ref().and_then(|v| v.classification.clone()),
        Some(types::Classification::Artificial)
    );
    assert!(videos[1].verdict.is_none());
    assert_eq!(videos[1].api_version, None);
    assert_eq!(
        videos[2].errors.as_deref(),
        Some("Unable to decode the video stream.")
    );
}

#[tokio::test]
async fn list_audio_classifications_repeats_identifiers_in_order_and_decodes_clips() {
    let ids = vec![
        "302f17f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9".to_string(),
        "6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d".to_string(),
    ];
    let server = MockServer::start_async().await;
    let mock = server.list_audio_classifications(|when, then| {
        let when = when
            .identifiers(&ids)
            .into_inner()
            .method("GET")
            .path("/api/classifications_audio")
            .is_true(raw_query_is(
                "identifiers%5B%5D=302f17f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9\
                 &identifiers%5B%5D=6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d",
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::AUDIO_CLASSIFICATIONS);
    });

    let answer = client(&server)
        .list_audio_classifications()
        .identifiers(ids.clone())
        .send()
        .await;

    mock.assert_async().await;
    let audios = answer.expect("the results are decoded").into_inner();
    assert_nothing_lost(&audios, answers::AUDIO_CLASSIFICATIONS);

    let identifiers: Vec<_> = audios.iter().filter_map(|a| a.identifier.clone()).collect();
    assert_eq!(identifiers, ids);
    // The list answer carries the pieces under details.clips.
    let clips: Vec<usize> = audios
        .iter()
        .map(|a| a.details.as_ref().map_or(0, |d| d.clips.len()))
        .collect();
    assert_eq!(clips, [3, 2]);
    assert!(audios.iter().all(|a| a.chunk_details.is_empty()));
    let second = &audios[1];
    assert_eq!(
        second
            .verdict
            .as_ref()
            .and_then(|v| v.classification.clone()),
        Some(types::Classification::Human)
    );
    assert_eq!(
        second.force_classification,
        Some(types::Classification::Artificial)
    );
    let clip = &second.details.as_ref().unwrap().clips[1];
    assert_eq!((clip.start, clip.end), (Some(4.0), Some(8.0)));
    assert_eq!(
        clip.verdict.as_ref().and_then(|v| v.classification.clone()),
        Some(types::Classification::Human)
    );
}

// Heatmap.

#[tokio::test]
async fn get_image_heatmap_escapes_the_identifier_and_streams_the_png_bytes() {
    let png: &[u8] = answers::HEATMAP_PNG;
    let server = MockServer::start_async().await;
    let mock = server.get_image_heatmap(|when, then| {
        let when = when
            .identifier(AWKWARD)
            .into_inner()
            .method("GET")
            .path(format!("/api/classification/heatmap/{AWKWARD_ENCODED}"));
        authenticated(when);
        // The helper of a PNG answer takes bytes and labels them image/png.
        then.ok(png);
    });

    let answer = client(&server)
        .get_image_heatmap()
        .identifier(AWKWARD)
        .send()
        .await;

    mock.assert_async().await;
    let answer = answer.expect("the heatmap is served");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "image/png");
    let received = answer
        .into_inner()
        .into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .expect("the body is read");
    assert_eq!(received, png);
}

// Overrides.

#[tokio::test]
async fn override_image_classification_posts_json_to_the_escaped_hash_and_decodes_the_override() {
    let server = MockServer::start_async().await;
    let mock = server.override_image_classification(|when, then| {
        let when = when
            .hash(AWKWARD)
            .body(&types::OverrideRequest {
                classification: types::Classification::Human,
            })
            .into_inner()
            .method("POST")
            .path(format!("/api/classification/{AWKWARD_ENCODED}/override"))
            .header("content-type", "application/json")
            .json_body(json!({ "classification": "human" }));
        wants_json(when);
        json_answer(then.into_inner(), answers::OVERRIDE_IMAGE);
    });

    let answer = client(&server)
        .override_image_classification()
        .hash(AWKWARD)
        .body(types::OverrideRequest {
            classification: types::Classification::Human,
        })
        .send()
        .await;

    mock.assert_async().await;
    let recorded = answer.expect("the override is recorded").into_inner();
    assert_eq!(recorded.classification, types::Classification::Human);
    assert_eq!(recorded.type_, types::ApiMediaKind::Image);
    assert_eq!(
        recorded.hash,
        "862bb7de43b131a38b64753269d643443a21069a04ab66a56c9818956f590cb9"
    );
}

#[tokio::test]
async fn override_video_classification_posts_json_to_the_escaped_hash_and_decodes_the_override() {
    let server = MockServer::start_async().await;
    let mock = server.override_video_classification(|when, then| {
        let when = when
            .hash(AWKWARD)
            .body(&types::OverrideRequest {
                classification: types::Classification::Artificial,
            })
            .into_inner()
            .method("POST")
            .path(format!(
                "/api/classification_video/{AWKWARD_ENCODED}/override"
            ))
            .header("content-type", "application/json")
            .json_body(json!({ "classification": "artificial" }));
        wants_json(when);
        json_answer(then.into_inner(), answers::OVERRIDE_VIDEO);
    });

    let answer = client(&server)
        .override_video_classification()
        .hash(AWKWARD)
        .body(types::OverrideRequest {
            classification: types::Classification::Artificial,
        })
        .send()
        .await;

    mock.assert_async().await;
    let recorded = answer.expect("the override is recorded").into_inner();
    assert_eq!(recorded.classification, types::Classification::Artificial);
    assert_eq!(recorded.type_, types::ApiMediaKind::Video);
    assert_eq!(
        recorded.hash,
        "1122bc92f4e8a07d3c5b9e1f6a2d8c4b7e0f3a9d5c1b8e2f6a4d0c7b3e9f5a18"
    );
}

#[tokio::test]
async fn override_audio_classification_posts_json_to_the_escaped_hash_and_decodes_the_override() {
    let server = MockServer::start_async().await;
    let mock = server.override_audio_classification(|when, then| {
        let when = when
            .hash(AWKWARD)
            .body(&types::OverrideRequest {
                classification: types::Classification::Human,
            })
            .into_inner()
            .method("POST")
            .path(format!(
                "/api/classification_audio/{AWKWARD_ENCODED}/override"
            ))
            .header("content-type", "application/json")
            .json_body(json!({ "classification": "human" }));
        wants_json(when);
        json_answer(then.into_inner(), answers::OVERRIDE_AUDIO);
    });

    let answer = client(&server)
        .override_audio_classification()
        .hash(AWKWARD)
        .body(types::OverrideRequest {
            classification: types::Classification::Human,
        })
        .send()
        .await;

    mock.assert_async().await;
    let recorded = answer.expect("the override is recorded").into_inner();
    assert_eq!(recorded.classification, types::Classification::Human);
    assert_eq!(recorded.type_, types::ApiMediaKind::Audio);
    assert_eq!(
        recorded.hash,
        "89ff6bc9d1e3f5a7b9c0d2e4f6a8b0c1d3e5f7a9b1c2d4e6f8a0b2c3d5e7f9a1"
    );
}

// Account.

#[tokio::test]
async fn get_credits_sends_the_key_and_decodes_both_numbers() {
    let server = MockServer::start_async().await;
    let mock = server.get_credits(|when, then| {
        wants_json(when.into_inner().method("GET").path("/api/user/credits"));
        json_answer(then.into_inner(), answers::CREDITS);
    });

    let answer = client(&server).get_credits().send().await;

    mock.assert_async().await;
    let credits = answer.expect("the credits are decoded").into_inner();
    assert_eq!(credits.available_credits, Some(159.0));
    assert_eq!(credits.total_spent, Some(41.0));
}

// Partners.

/// Checks the user of the partner examples (`user.json`).
fn assert_is_example_user(user: &types::User) {
    assert_eq!(user.id, Some(222));
    assert_eq!(user.name.as_deref(), Some("User"));
    assert_eq!(user.email.as_deref(), Some("user@mail.com"));
    assert_eq!(
        user.email_verified_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-03-03T13:28:03+00:00")
    );
    assert_eq!(
        user.updated_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-03-12T09:32:43+00:00")
    );
    assert_eq!(
        (user.address.as_deref(), user.vat.as_deref(), user.readonly),
        (None, None, None)
    );
    assert_eq!(user.balance, Some(0.0));
    assert_eq!(user.heuristic.as_deref(), Some("AverageExcludeObsolete"));
    let pricing = user.pricing.as_ref().expect("a pricing plan");
    assert_eq!(
        (pricing.id, pricing.name.as_deref(), pricing.sku.as_deref()),
        (Some(1), Some("TestB"), Some("testB"))
    );
    let partner = user.partner.as_deref().expect("a partner");
    assert_eq!(partner.id, Some(221));
    assert_eq!(partner.email.as_deref(), Some("partner@gmail.com"));
    assert_eq!(partner.readonly, Some(false));
    assert_eq!(
        partner.pricing.as_ref().and_then(|p| p.sku.as_deref()),
        Some("testAC")
    );
    assert!(partner.partner.is_none());
}

#[tokio::test]
async fn upsert_partner_user_sends_an_empty_id_to_create_and_the_id_to_update() {
    let server = MockServer::start_async().await;
    let create = server.upsert_partner_user(|when, then| {
        let when = when
            .id(None)
            .name("User")
            .email("user@mail.com")
            .heuristic("AverageExcludeObsolete")
            .pricing_id(1)
            .password("s3cret pass")
            .readonly(true)
            .newsletter(false)
            .save_files(true)
            .into_inner()
            .path("/api/partner/user")
            .is_true(form_is(
                &[],
                &[
                    ("id", ""),
                    ("name", "User"),
                    ("email", "user@mail.com"),
                    ("heuristic", "AverageExcludeObsolete"),
                    ("pricing_id", "1"),
                    ("password", "s3cret pass"),
                    ("readonly", "true"),
                    ("newsletter", "false"),
                    ("save_files", "true"),
                ],
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::USER);
    });
    let update = server.upsert_partner_user(|when, then| {
        let when = when
            .id(Some(7))
            .password_absent()
            .readonly_absent()
            .newsletter_absent()
            .save_files_absent()
            .into_inner()
            .path("/api/partner/user")
            .is_true(form_is(
                &[],
                &[
                    ("id", "7"),
                    ("name", "Maria Rossi"),
                    ("email", "maria.rossi@example.com"),
                    ("heuristic", "Majority"),
                    ("pricing_id", "2"),
                ],
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::USER);
    });
    let client = client(&server);

    let created = client
        .upsert_partner_user()
        .id(None)
        .name("User")
        .email("user@mail.com")
        .heuristic("AverageExcludeObsolete")
        .pricing_id(1)
        .password("s3cret pass")
        .readonly(true)
        .newsletter(false)
        .save_files(true)
        .send()
        .await;
    let updated = client
        .upsert_partner_user()
        .id(7)
        .name("Maria Rossi")
        .email("maria.rossi@example.com")
        .heuristic("Majority")
        .pricing_id(2)
        .send()
        .await;

    create.assert_async().await;
    update.assert_async().await;
    let created = created.expect("the user is created").into_inner();
    assert_is_example_user(created.data.as_deref().expect("the user"));
    assert!(
        updated
            .expect("the user is updated")
            .into_inner()
            .data
            .is_some()
    );
}

#[tokio::test]
async fn send_creation_email_sends_the_id_and_decodes_the_user_envelope() {
    let server = MockServer::start_async().await;
    let mock = server.send_creation_email(|when, then| {
        let when = when
            .id(222)
            .into_inner()
            .path("/api/partner/send_creation_email")
            .is_true(form_is(&[], &[("id", "222")]));
        wants_json(when);
        json_answer(then.into_inner(), answers::USER);
    });

    let answer = client(&server).send_creation_email().id(222).send().await;

    mock.assert_async().await;
    let envelope = answer.expect("the email is sent").into_inner();
    assert_is_example_user(envelope.data.as_deref().expect("the user"));
}

#[tokio::test]
async fn list_partner_users_sends_filter_sort_and_page_size_and_decodes_the_page() {
    let server = MockServer::start_async().await;
    let mock = server.list_partner_users(|when, then| {
        let when = when
            .pricing_id(1)
            .order("created_at")
            .direction(types::SortDirection::Desc)
            .per_page(2)
            .into_inner()
            .method("GET")
            .path("/api/partner/users")
            .is_true(raw_query_is(
                "direction=desc&order=created_at&per_page=2&pricing_id=1",
            ));
        wants_json(when);
        json_answer(then.into_inner(), answers::PARTNER_USERS);
    });

    let answer = client(&server)
        .list_partner_users()
        .pricing_id(1)
        .order("created_at")
        .direction(types::SortDirection::Desc)
        .per_page(2)
        .send()
        .await;

    mock.assert_async().await;
    let page = answer.expect("the page is decoded").into_inner();
    assert_eq!(page.current_page, Some(1));
    assert_eq!((page.from, page.to), (Some(1), Some(2)));
    assert_eq!(page.last_page, Some(3));
    assert_eq!(page.per_page, Some(2));
    assert_eq!(page.total, Some(6));
    assert_eq!(
        page.next_page_url.as_deref(),
        Some("https://backend.identifai.net/api/partner/users?page=2")
    );
    assert_eq!(page.data.len(), 2);
    assert_is_example_user(&page.data[0]);
    let maria = &page.data[1];
    assert_eq!(maria.id, Some(223));
    assert_eq!(maria.city.as_deref(), Some("Milano"));
    assert_eq!(maria.vat.as_deref(), Some("IT01234567890"));
    assert_eq!(maria.balance, Some(125.5));
    assert_eq!(maria.readonly, Some(true));
}

#[tokio::test]
async fn list_pricings_decodes_the_answer_as_raw_json() {
    let server = MockServer::start_async().await;
    let mock = server.list_pricings(|when, then| {
        wants_json(
            when.into_inner()
                .method("GET")
                .path("/api/partner/pricings"),
        );
        json_answer(then.into_inner(), answers::PRICINGS);
    });

    let answer = client(&server).list_pricings().send().await;

    mock.assert_async().await;
    let pricings: Value = answer.expect("the pricings are decoded").into_inner();
    assert_eq!(
        pricings,
        serde_json::from_str::<Value>(answers::PRICINGS).unwrap()
    );
    assert_eq!(pricings[1]["sku"], "testAC");
    assert_eq!(pricings.as_array().map(Vec::len), Some(2));
}

// The typed answer helpers.

#[tokio::test]
async fn ok_answers_200_with_the_typed_value_on_operations_whose_success_is_2xx() {
    // The classification and submission answers are documented as `2XX`,
    // for which progenitor writes only `success(status, …)`; `ok` is ours.
    let result: types::ImageClassification =
        serde_json::from_str(answers::IMAGE_CLASSIFICATION).expect("the answer decodes");
    let accepted: types::IdentifierResponse =
        serde_json::from_str(answers::IDENTIFIER).expect("the answer decodes");
    let server = MockServer::start_async().await;
    let poll = server.get_image_classification(|when, then| {
        when.identifier("abc");
        then.ok(&result);
    });
    let submit = server.classify_image_url(|when, then| {
        when.file_url("https://media.example.com/a.png");
        then.ok(&accepted);
    });

    let polled = client(&server)
        .get_image_classification()
        .identifier("abc")
        .send()
        .await
        .expect("the result is served");
    let submitted = client(&server)
        .classify_image_url()
        .file_url("https://media.example.com/a.png")
        .send()
        .await
        .expect("the submission is accepted");

    poll.assert_async().await;
    submit.assert_async().await;
    assert_eq!(polled.status(), 200);
    assert_eq!(polled.into_inner(), result);
    assert_eq!(submitted.status(), 200);
    assert_eq!(submitted.into_inner().identifier, accepted.identifier);
}
