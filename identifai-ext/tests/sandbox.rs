//! The sandbox as a downstream crate uses it: the whole flow offline, with
//! the behaviours the documentation describes.
#![cfg(feature = "sandbox")]

use futures_util::TryStreamExt;
use identifai_ext::sandbox::{Sandbox, SandboxConfig};
use identifai_ext::types::{Classification, ClassificationStatus};
use identifai_ext::{
    BatchOptions, Error, Media, MediaKind, RateLimits, RetryPolicy, SubmitOptions, UserForm,
    UserQuery,
};

use crate::util::{mp4, read_answer, sample_png, wav};

/// A PNG of the sample's header with other pixels: another file.
fn other_png(seed: u8) -> Vec<u8> {
    let mut png = sample_png();
    let last = png.len() - 20;
    png[last] ^= seed;
    png.extend_from_slice(&[seed; 16]);
    png
}

#[tokio::test]
async fn an_image_is_classified_offline_and_marked_simulated() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let analysis = client
        .classify(Media::bytes(sample_png(), "sample.png"))
        .await
        .expect("a verdict");
    assert_eq!(analysis.status(), Some(&ClassificationStatus::Done));
    assert!(analysis.classification().is_some_and(|c| c.is_known()));
    assert!(
        analysis
            .result_url()
            .unwrap()
            .contains("sandbox.identifai.invalid/simulated")
    );
    assert!(
        analysis
            .model_scores()
            .iter()
            .all(|s| s.model.starts_with("SANDBOX-"))
    );
    assert!(
        sandbox.requests() >= 2,
        "a submission and at least one poll"
    );
}

#[tokio::test]
async fn the_same_bytes_get_the_same_identifier_and_verdict() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let first = client
        .classify(Media::bytes(sample_png(), "a.png"))
        .await
        .unwrap();
    let again = client
        .classify(Media::bytes(sample_png(), "a.png"))
        .await
        .unwrap();
    let other = client
        .classify(Media::bytes(other_png(9), "b.png"))
        .await
        .unwrap();
    assert_eq!(first.identifier(), again.identifier());
    assert_eq!(first.verdict(), again.verdict());
    assert_ne!(first.identifier(), other.identifier());
    assert_ne!(first.hash(), other.hash());
}

#[tokio::test]
async fn a_result_is_not_ready_for_the_configured_polls_then_done() {
    let sandbox = Sandbox::start_with(SandboxConfig::default().ready_after_polls(2)).unwrap();
    let client = sandbox.client().unwrap();
    let submission = client
        .submit(Media::bytes(sample_png(), "a.png"))
        .await
        .unwrap();
    let api = client.api();
    for _ in 0..2 {
        let early = api
            .get_image_classification()
            .identifier(&submission.identifier)
            .send()
            .await
            .unwrap();
        assert_eq!(early.status, Some(ClassificationStatus::New));
        assert!(early.verdict.is_none());
    }
    let done = api
        .get_image_classification()
        .identifier(&submission.identifier)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status, Some(ClassificationStatus::Done));
    assert!(done.verdict.is_some());
}

#[tokio::test]
async fn a_wrong_key_is_refused() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox
        .client_builder()
        .api_key("not-the-key")
        .build()
        .unwrap();
    match client.credits().await {
        Err(Error::Auth { status: 401, .. }) => {}
        other => panic!("expected a 401, got {other:?}"),
    }
}

#[tokio::test]
async fn the_sandbox_checks_formats_and_fields_itself() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    // Bypass the SDK's own checks: the generated client sends anything.
    let text = client
        .api()
        .classify_image()
        .image(b"just some text".to_vec())
        .send()
        .await;
    assert_eq!(text.unwrap_err().status().map(|s| s.as_u16()), Some(422));
    let bad_frames = client
        .api()
        .classify_video()
        .video(mp4())
        .frames(5)
        .send()
        .await;
    assert!(bad_frames.is_ok(), "5 frames are fine");
    let missing = client
        .api()
        .classify_image_url()
        .file_url("not a url")
        .send()
        .await;
    assert_eq!(missing.unwrap_err().status().map(|s| s.as_u16()), Some(422));
}

#[tokio::test]
async fn credits_go_down_with_each_submission_and_run_out() {
    let sandbox = Sandbox::start_with(SandboxConfig::default().initial_credits(12.0)).unwrap();
    let client = sandbox.client().unwrap();
    client
        .submit(Media::bytes(sample_png(), "a.png"))
        .await
        .unwrap();
    let credits = client.credits().await.unwrap();
    assert_eq!(
        (credits.available_credits, credits.total_spent),
        (Some(11.0), Some(1.0))
    );
    let options = SubmitOptions::new().frames(10);
    client
        .submit_with(Media::bytes(mp4(), "clip.mp4"), &options)
        .await
        .unwrap();
    assert_eq!(sandbox.credits(), 1.0, "a video costs a credit per frame");
    let error = client
        .submit_with(
            Media::bytes(other_png(3), "b.png").kind(MediaKind::Image),
            &SubmitOptions::new().ref_id("x"),
        )
        .await;
    assert!(error.is_ok(), "the last credit");
    match client.submit(Media::bytes(other_png(4), "c.png")).await {
        Err(Error::InsufficientCredits { status: 402, .. }) => {}
        other => panic!("expected 402, got {other:?}"),
    }
}

#[tokio::test]
async fn a_heatmap_exists_when_asked_for_and_is_a_png() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let with = client
        .classify_with(
            Media::bytes(sample_png(), "a.png"),
            &SubmitOptions::new().with_heatmap(true),
        )
        .await
        .unwrap();
    assert!(with.has_heatmap());
    let png = client.heatmap(with.identifier().unwrap()).await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let without = client
        .classify(Media::bytes(other_png(5), "b.png"))
        .await
        .unwrap();
    assert!(matches!(
        client.heatmap(without.identifier().unwrap()).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_override_changes_later_results_of_the_same_file() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let before = client
        .classify(Media::bytes(sample_png(), "a.png"))
        .await
        .unwrap();
    let flipped = if before.is_artificial() {
        Classification::Human
    } else {
        Classification::Artificial
    };
    let answer = client
        .override_analysis(&before, flipped.clone())
        .await
        .unwrap();
    assert_eq!(answer.classification, flipped);
    let after = client
        .classify(Media::bytes(sample_png(), "a.png"))
        .await
        .unwrap();
    assert_eq!(after.forced_classification(), Some(&flipped));
    assert_eq!(after.classification(), Some(flipped));
    assert!(matches!(
        client
            .override_classification(MediaKind::Image, "0000", Classification::Human)
            .await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn video_frames_and_speech_pieces_come_back() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let video = client
        .classify_with(
            Media::bytes(mp4(), "clip.mp4"),
            &SubmitOptions::new().frames(10),
        )
        .await
        .unwrap();
    assert_eq!(video.kind(), MediaKind::Video);
    assert_eq!(video.frames().len(), 10);
    assert!(video.frames().iter().all(|f| f.verdict.is_some()));

    let speech = client
        .classify(Media::bytes(wav(), "talk.wav"))
        .await
        .unwrap();
    assert_eq!(speech.kind(), MediaKind::Speech);
    assert_eq!(
        speech.chunks().len(),
        3,
        "chunk_details on the single result"
    );
    // Through a batch, results come from the list endpoint: details.clips.
    let batch = client
        .classify_batch([Media::bytes(wav(), "talk.wav")], &BatchOptions::default())
        .await;
    assert_eq!(batch[0].as_ref().unwrap().chunks().len(), 3);
}

#[tokio::test]
async fn a_file_named_sandbox_error_fails_on_the_server() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    match client
        .classify(Media::bytes(sample_png(), "sandbox-error.png"))
        .await
    {
        Err(Error::ClassificationFailed {
            submission,
            message,
        }) => {
            assert!(!submission.identifier.is_empty());
            assert!(message.contains("simulated failure"));
        }
        other => panic!("expected a failed classification, got {other:?}"),
    }
}

#[tokio::test]
async fn partner_users_come_in_pages_and_can_be_created() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let query = UserQuery::new().per_page(5);
    let users: Vec<_> = client
        .partner_users(query.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 12, "three pages of up to five");
    let created = client
        .upsert_user(&UserForm::new("Ada", "ada@example.com", "Average", 2))
        .await
        .unwrap();
    assert_eq!(created.name.as_deref(), Some("Ada"));
    let id = created.id.unwrap();
    let users: Vec<_> = client.partner_users(query).try_collect().await.unwrap();
    assert_eq!(users.len(), 13);
    assert_eq!(client.send_creation_email(id).await.unwrap().id, Some(id));
    assert!(matches!(
        client.send_creation_email(99_999).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn past_the_rate_limits_the_sandbox_answers_429_with_retry_after() {
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().with_rate_limits(RateLimits::default()))
            .unwrap();
    let client = sandbox
        .client_builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client.credits().await.unwrap();
    client.credits().await.unwrap();
    match client.credits().await {
        Err(Error::RateLimited { retry_after, .. }) => assert!(retry_after.is_some()),
        other => panic!("the third GET within a second is refused, got {other:?}"),
    }
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_works_with_the_sandbox() {
    let sandbox = Sandbox::start().unwrap();
    let client = identifai_ext::blocking::Client::new(sandbox.client().unwrap()).unwrap();
    let analysis = client
        .classify(Media::bytes(sample_png(), "a.png"))
        .unwrap();
    assert!(analysis.is_final());
    assert!(client.credits().unwrap().available_credits.is_some());

    // Submitting and waiting apart, with the client's own (fast) policy.
    let submission = client.submit(Media::bytes(other_png(1), "b.png")).unwrap();
    assert!(client.wait(&submission).unwrap().is_final());

    // The batch stream as an iterator: each input accepted, then finished.
    let mut events = client
        .classify_stream(
            vec![
                Media::bytes(other_png(2), "c.png"),
                Media::bytes(other_png(3), "d.png"),
            ],
            &identifai_ext::BatchOptions::default(),
        )
        .unwrap();
    let mut finished = Vec::new();
    for event in events.by_ref() {
        if let identifai_ext::BatchEvent::Finished { index, result } = event {
            assert!(result.unwrap().is_final());
            finished.push(index);
        }
    }
    finished.sort();
    assert_eq!(finished, [0, 1]);
    assert_eq!(events.get_ref().pending().count(), 0);
}

// Scripted submissions (`SandboxConfig::script`).

/// The test kit's client of `sandbox`: no pacing, fast polls and retries.
#[cfg(feature = "test-util")]
fn kit_client(sandbox: &Sandbox) -> identifai_ext::Client {
    identifai_ext::test_util::sandbox_client(sandbox).expect("a client of the sandbox")
}

#[cfg(feature = "test-util")]
#[tokio::test]
async fn a_script_refuses_the_upload_then_reads_new_twice_then_errored() {
    use identifai_ext::sandbox::Script;
    use std::time::Duration;
    let script = Script::new()
        .rate_limited(Duration::ZERO)
        .status(ClassificationStatus::New)
        .status(ClassificationStatus::New)
        .errored();
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().script("broken.png", script)).unwrap();
    let client = kit_client(&sandbox);

    let error = client
        .classify(Media::bytes(sample_png(), "broken.png"))
        .await
        .expect_err("the script ends with errored");

    let Error::ClassificationFailed { submission, .. } = &error else {
        panic!("expected a failed classification, got {error:?}");
    };
    assert!(!submission.identifier.is_empty());
    // The refused POST, the accepted one, and three polls: new, new, errored.
    assert_eq!(sandbox.requests(), 5);
    assert_eq!(sandbox.submissions(), 1);
    assert_eq!(sandbox.credits(), 999.0, "a refused upload is not charged");

    // The last step repeats: polling again reads errored again.
    let again = client.wait(submission).await.expect_err("still errored");
    assert!(
        matches!(again, Error::ClassificationFailed { .. }),
        "{again:?}"
    );

    // Another file is left to the simulation.
    let other = client
        .classify(Media::bytes(other_png(3), "fine.png"))
        .await
        .expect("an unscripted file is done");
    assert_eq!(other.status(), Some(&ClassificationStatus::Done));
}

#[cfg(feature = "test-util")]
#[tokio::test]
async fn a_script_named_after_the_ref_id_wins_over_one_named_after_the_file() {
    use identifai_ext::sandbox::Script;
    let sandbox = Sandbox::start_with(
        SandboxConfig::default()
            .script("order-7", Script::new().done())
            .script("photo.png", Script::new().errored()),
    )
    .unwrap();
    let client = kit_client(&sandbox);

    let by_ref = client
        .classify_with(
            Media::bytes(sample_png(), "photo.png"),
            &SubmitOptions::new().ref_id("order-7"),
        )
        .await
        .expect("the ref_id's script reads done");
    assert_eq!(by_ref.status(), Some(&ClassificationStatus::Done));
    assert_eq!(sandbox.requests(), 2, "done at the first poll");

    let by_name = client
        .classify(Media::bytes(other_png(9), "photo.png"))
        .await
        .expect_err("the file name's script reads errored");
    assert!(
        matches!(by_name, Error::ClassificationFailed { .. }),
        "{by_name:?}"
    );
}

#[cfg(feature = "test-util")]
#[tokio::test]
async fn a_scripted_refusal_of_a_poll_is_retried_and_a_batch_sees_each_script() {
    use identifai_ext::sandbox::Script;
    let sandbox = Sandbox::start_with(
        SandboxConfig::default()
            .script(
                "flaky.png",
                Script::new()
                    .status(ClassificationStatus::New)
                    .refuse(503)
                    .done(),
            )
            .script(
                "bad.png",
                Script::new()
                    .status(ClassificationStatus::New)
                    .refuse(502)
                    .errored(),
            ),
    )
    .unwrap();
    let client = kit_client(&sandbox);

    // One file alone: new, then the 503 poll is retried, then done.
    let flaky = client
        .classify(Media::bytes(sample_png(), "flaky.png"))
        .await
        .expect("the poll's 503 is retried");
    assert_eq!(flaky.status(), Some(&ClassificationStatus::Done));
    assert_eq!(sandbox.requests(), 4, "the POST and three polls");

    // A leading refusal is the POST's: a 503 after the upload is not retried
    // (the file may have been taken), and says so.
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().script("once.png", Script::new().refuse(503)))
            .unwrap();
    let refused = kit_client(&sandbox)
        .submit(Media::bytes(sample_png(), "once.png"))
        .await
        .expect_err("the POST is refused");
    assert_eq!(refused.status(), Some(503), "{refused:?}");
    assert_eq!(sandbox.requests(), 1, "a POST is not retried after a 503");
    assert_eq!(sandbox.submissions(), 0);

    // In a batch: the list poll that meets bad.png's 502 is refused whole
    // and retried; then bad.png reads errored and plain.png done.
    let results = client
        .classify_batch(
            [
                Media::bytes(other_png(1), "bad.png"),
                Media::bytes(other_png(2), "plain.png"),
            ],
            &BatchOptions::new(),
        )
        .await;
    assert!(
        matches!(&results[0], Err(Error::ClassificationFailed { .. })),
        "{:?}",
        results[0]
    );
    assert_eq!(
        results[1]
            .as_ref()
            .expect("an unscripted file is done")
            .status(),
        Some(&ClassificationStatus::Done)
    );
}

#[test]
fn a_script_that_refuses_with_a_success_status_is_refused_at_start() {
    use identifai_ext::sandbox::Script;
    let error =
        Sandbox::start_with(SandboxConfig::default().script("x.png", Script::new().refuse(204)))
            .expect_err("204 is not a refusal");
    let message = error.to_string();
    assert!(
        message.contains("`x.png`") && message.contains("204"),
        "{message}"
    );
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_with_a_json_message() {
    let sandbox = Sandbox::start().expect("the sandbox starts");
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", sandbox.base_url());
    let key = sandbox.api_key().to_string();
    let post = |path: &str| http.post(url(path)).header("x-api-key", &key);
    let cases = [
        ("no content type", 400, post("/api/classification")),
        (
            "a broken multipart boundary",
            400,
            post("/api/classification")
                .header("content-type", "multipart/form-data; boundary=XX")
                .body("--YY\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nbro"),
        ),
        (
            "a multipart type without a boundary",
            400,
            post("/api/classification_video").header("content-type", "multipart/form-data"),
        ),
        (
            "text where multipart belongs",
            400,
            post("/api/classification_audio")
                .header("content-type", "text/plain")
                .body("hello"),
        ),
        (
            "a JSON body that is not JSON",
            400,
            post("/api/classification/0123/override")
                .header("content-type", "application/json")
                .body("{not json"),
        ),
        (
            "a form where JSON belongs",
            415,
            post("/api/classification_video/0123/override")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("classification=human"),
        ),
        (
            "an unknown method",
            405,
            http.delete(url("/api/user/credits"))
                .header("x-api-key", &key),
        ),
        (
            "an unknown path",
            404,
            http.get(url("/api/nowhere")).header("x-api-key", &key),
        ),
    ];
    for (what, expected, request) in cases {
        let (status, content_type, body) = read_answer(request).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, expected, "{what}: {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {content_type}"
        );
        let message: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
        assert!(
            message["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: {body}"
        );
    }
}
