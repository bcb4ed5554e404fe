//! Classifies one image and prints the verdict.
//!
//! ```text
//! IDENTIFAI_API_KEY=… cargo run -p identifai-ext --example classify_image -- photo.jpg
//! ```

use identifai_ext::{Client, Media, SubmitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: classify_image <image file>")?;
    let client = Client::from_env()?;

    let options = SubmitOptions::new().with_heatmap(true);
    let analysis = client.classify_with(Media::path(&path), &options).await?;

    println!(
        "{path}: {}",
        if analysis.is_artificial() {
            "made or altered by AI"
        } else {
            "human"
        }
    );
    if let Some(confidence) = analysis.confidence() {
        println!(
            "  confidence {confidence:.2} ({})",
            analysis.heuristic().unwrap_or_default()
        );
    }
    for score in analysis.model_scores() {
        println!(
            "  model {}: {} {:.2}",
            score.model, score.label, score.score
        );
    }
    if let Some(state) = analysis.c2pa_state() {
        println!("  C2PA: {state}");
    }
    if analysis.has_heatmap()
        && let Some(id) = analysis.identifier()
    {
        let file = format!("{path}.heatmap.png");
        client.save_heatmap(id, &file).await?;
        println!("  heatmap saved to {file}");
    }
    Ok(())
}
