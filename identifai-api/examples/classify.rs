//! Classifies one image with the generated client and prints the verdict.
//!
//! ```text
//! cargo run -p identifai-api --example classify -- samples/sample.png
//! ```
//!
//! With `IDENTIFAI_API_KEY` set, this asks the real API (at
//! `IDENTIFAI_BASE_URL`, by default the vendor's). Without it, an
//! in-process mock server stands in and its answers are marked simulated:
//! the offline sandbox of `identifai-ext` will replace it.

use std::time::{Duration, Instant};

use identifai_api::multipart::FilePart;
use identifai_api::{Client, DEFAULT_BASE_URL, types};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "samples/sample.png".into());
    let _simulation;
    let client = match std::env::var("IDENTIFAI_API_KEY") {
        Ok(key) => {
            let base =
                std::env::var("IDENTIFAI_BASE_URL").unwrap_or_else(|_| DEFAULT_BASE_URL.into());
            Client::with_api_key(&base, key)?
        }
        Err(_) => {
            eprintln!(
                "IDENTIFAI_API_KEY is not set: using a local simulation (answers are not real verdicts)"
            );
            let server = simulation::start().await;
            let client = Client::with_api_key(&server.base_url(), "simulated-key")?;
            _simulation = server;
            client
        }
    };

    let file = FilePart::open(&path)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?
        .content_type(content_type(&path));
    let submitted = client
        .classify_image()
        .image(file)
        .send()
        .await?
        .into_inner();
    let identifier = submitted
        .identifier
        .ok_or("the server answered without an identifier")?;
    println!("submitted {path} as {identifier}");

    let deadline = Instant::now() + Duration::from_secs(120);
    let result = loop {
        match client
            .get_image_classification()
            .identifier(&identifier)
            .send()
            .await
        {
            Ok(result)
                if result.status != Some(types::ClassificationStatus::New)
                    && result.verdict.is_some() =>
            {
                break result.into_inner();
            }
            // Not finished yet (the docs describe no other sign of it).
            Ok(_) => {}
            Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => {}
            Err(e) => return Err(e.into()),
        }
        if Instant::now() > deadline {
            return Err(
                format!("no verdict after 120 s; resume with identifier {identifier}").into(),
            );
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };

    if let Some(verdict) = &result.verdict {
        println!(
            "verdict: {} (confidence {:.2}, heuristic {})",
            verdict
                .classification
                .as_ref()
                .map_or("unknown", |c| c.as_str()),
            verdict.confidence.unwrap_or_default(),
            verdict.heuristic.as_deref().unwrap_or("?"),
        );
    }
    for model in &result.results {
        let scores: Vec<String> = model
            .classification
            .iter()
            .map(|s| {
                format!(
                    "{} {:.2}",
                    s.label.as_ref().map_or("?", |l| l.as_str()),
                    s.score.unwrap_or_default()
                )
            })
            .collect();
        println!(
            "  model {}: {}",
            model.model.as_deref().unwrap_or("?"),
            scores.join(", ")
        );
    }
    if let Some(url) = &result.result_url {
        println!("details: {url}");
    }
    Ok(())
}

fn content_type(path: &str) -> &'static str {
    match path
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("tif" | "tiff") => "image/tiff",
        _ => "application/octet-stream",
    }
}

/// A stand-in for the API, built from the typed mocks.
mod simulation {
    use httpmock::MockServer;
    use identifai_api::mock::MockServerExt;
    use identifai_api::types;

    pub async fn start() -> MockServer {
        let server = MockServer::start_async().await;
        server.classify_image(|when, then| {
            when.into_inner().header_exists("x-api-key");
            then.success(
                200,
                &types::IdentifierResponse {
                    identifier: Some("simulated-0001".into()),
                },
            );
        });
        server.get_image_classification(|when, then| {
            when.identifier("simulated-0001");
            let verdict = types::Verdict {
                classification: Some(types::Classification::Human),
                confidence: Some(0.93),
                heuristic: Some("Average".into()),
                models: vec!["V011".into()],
            };
            then.success(
                200,
                &types::ImageClassification {
                    identifier: Some("simulated-0001".into()),
                    status: Some(types::ClassificationStatus::Done),
                    result_url: Some("(simulated: no dashboard page)".into()),
                    verdict: Some(verdict.clone()),
                    verdicts: vec![verdict],
                    results: vec![types::ModelResult {
                        model: Some("V011".into()),
                        classification: vec![
                            types::LabelScore {
                                label: Some(types::Classification::Human),
                                score: Some(0.93),
                            },
                            types::LabelScore {
                                label: Some(types::Classification::Artificial),
                                score: Some(0.07),
                            },
                        ],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            );
        });
        server
    }
}
