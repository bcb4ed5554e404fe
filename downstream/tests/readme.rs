use std::time::Duration;

use identifai_ext::test_util::{
    self, MockServer, MockServerExt, Sandbox, SandboxConfig, Script, answer, answers,
};
use identifai_ext::types::{self, ClassificationStatus};
use identifai_ext::{Client, Error, Media};

/// The code under test: whether an uploaded picture was made by AI.
async fn made_by_ai(client: &Client, name: &str, bytes: Vec<u8>) -> identifai_ext::Result<bool> {
    let analysis = client.classify(Media::bytes(bytes, name)).await?;
    Ok(analysis.is_artificial())
}

/// Any picture will do: the heatmap answer is a real PNG.
fn picture() -> Vec<u8> {
    answers::HEATMAP_PNG.to_vec()
}

#[tokio::test]
async fn a_verdict_from_a_mocked_service() {
    let server = MockServer::start_async().await;
    let accepted: types::IdentifierResponse = answer(answers::IDENTIFIER);
    let result: types::ImageClassification = answer(answers::IMAGE_CLASSIFICATION);
    let upload = server.classify_image(|when, then| {
        when.image_file_name("portrait.png");
        then.ok(&accepted);
    });
    let poll = server.get_image_classification(|when, then| {
        when.identifier(accepted.identifier.as_deref().unwrap());
        then.ok(&result);
    });

    let client = test_util::client(&server.base_url()).unwrap();
    let verdict = made_by_ai(&client, "portrait.png", picture())
        .await
        .unwrap();

    upload.assert_async().await;
    poll.assert_async().await;
    assert!(verdict, "the answer's verdict is artificial");
}

#[tokio::test]
async fn a_rate_limited_upload_that_fails_on_the_server() {
    // The upload is refused with 429 once, the result reads `new` twice,
    // then `errored`.
    let script = Script::new()
        .rate_limited(Duration::ZERO)
        .status(ClassificationStatus::New)
        .status(ClassificationStatus::New)
        .errored();
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().script("broken.png", script)).unwrap();
    let client = test_util::sandbox_client(&sandbox).unwrap();

    let error = made_by_ai(&client, "broken.png", picture())
        .await
        .unwrap_err();

    let Error::ClassificationFailed { submission, .. } = error else {
        panic!("expected a failed classification, got {error:?}");
    };
    assert!(!submission.identifier.is_empty(), "the identifier is kept");
    assert_eq!(sandbox.requests(), 5, "two uploads and three polls");
}
