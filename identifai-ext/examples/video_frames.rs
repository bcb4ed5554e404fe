//! Classifies a video and prints the verdict of each analysed frame.
//!
//! ```text
//! IDENTIFAI_API_KEY=… cargo run -p identifai-ext --example video_frames -- clip.mp4
//! ```

use identifai_ext::{Client, KeyFramesMethod, Media, SubmitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: video_frames <video file>")?;
    let client = Client::from_env()?;

    // Ten key frames, found shot by shot.
    let options = SubmitOptions::new()
        .frames(10)
        .key_frames(true)
        .key_frames_method(KeyFramesMethod::Flow);
    let analysis = client.classify_with(Media::path(&path), &options).await?;

    println!(
        "{path}: {} (confidence {:.2})",
        analysis
            .classification()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "no verdict".into()),
        analysis.confidence().unwrap_or_default()
    );
    for (i, frame) in analysis.frames().iter().enumerate() {
        let verdict = frame.verdict.as_ref();
        println!(
            "  frame {i:>2}: {:<10} {:.2}",
            verdict
                .and_then(|v| v.classification.as_ref())
                .map(|c| c.to_string())
                .unwrap_or_default(),
            verdict.and_then(|v| v.confidence).unwrap_or_default()
        );
    }
    Ok(())
}
