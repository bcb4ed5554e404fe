//! Classifies every file of a folder as one batch: four uploads at a time,
//! results waited for through the list endpoints, one line per file in
//! order, failures in their place.
//!
//! ```text
//! IDENTIFAI_API_KEY=… cargo run -p identifai-ext --example batch_folder -- ./photos
//! ```

use identifai_ext::{BatchOptions, Client, Media};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args()
        .nth(1)
        .ok_or("usage: batch_folder <folder>")?;
    let mut files: Vec<_> = std::fs::read_dir(&folder)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    files.sort();

    let client = Client::from_env()?;
    let media = files.iter().map(Media::path);
    let results = client
        .classify_batch(media, &BatchOptions::new().concurrency(4))
        .await;

    for (file, result) in files.iter().zip(results) {
        match result {
            Ok(analysis) => println!(
                "{:<40} {:<10} {:>5.2}",
                file.display(),
                analysis
                    .classification()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                analysis.confidence().unwrap_or_default()
            ),
            Err(error) => println!("{:<40} error: {error}", file.display()),
        }
    }
    Ok(())
}
