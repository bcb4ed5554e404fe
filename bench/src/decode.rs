//! (d) Decoding the large result into the generated type, against decoding
//! it into `serde_json::Value`. Reported only.

use std::hint::black_box;
use std::time::{Duration, Instant};

use identifai_api::types::VideoClassification;

use crate::Settings;
use crate::report::{Row, Target, median, ratios_note};

/// Decodes per check of the clock.
const BATCH: u32 = 16;
/// At most this many decodes per run, whatever the time.
const MAX_DECODES: u64 = 100_000_000;

/// MB/s of `decode` over `time`.
fn rate(json: &[u8], time: Duration, decode: fn(&[u8]) -> usize) -> f64 {
    let start = Instant::now();
    let mut decodes = 0u64;
    while start.elapsed() < time && decodes < MAX_DECODES {
        for _ in 0..BATCH {
            black_box(decode(black_box(json)));
        }
        decodes += u64::from(BATCH);
    }
    (json.len() as u64 * decodes) as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn typed(json: &[u8]) -> usize {
    let video: VideoClassification = serde_json::from_slice(json).expect("decodes");
    video.results.map_or(0, |r| r.images.len())
}

fn value(json: &[u8]) -> usize {
    let value: serde_json::Value = serde_json::from_slice(json).expect("decodes");
    value["results"]["images"].as_array().map_or(0, Vec::len)
}

pub fn run(json: &[u8], settings: &Settings) -> Vec<Row> {
    rate(json, settings.decode_time / 4, typed);
    rate(json, settings.decode_time / 4, value);
    let (mut typed_rates, mut value_rates) = (Vec::new(), Vec::new());
    for round in 0..settings.decode_rounds {
        if round % 2 == 0 {
            typed_rates.push(rate(json, settings.decode_time, typed));
            value_rates.push(rate(json, settings.decode_time, value));
        } else {
            value_rates.push(rate(json, settings.decode_time, value));
            typed_rates.push(rate(json, settings.decode_time, typed));
        }
    }
    let ratios: Vec<f64> = typed_rates
        .iter()
        .zip(&value_rates)
        .map(|(t, v)| t / v)
        .collect();
    vec![
        Row::new(
            format!(
                "decode video result ({} KB) into types::VideoClassification",
                json.len() / 1000
            ),
            format!("{:.0} MB/s", median(&typed_rates)),
            format!("serde_json::Value {:.0} MB/s", median(&value_rates)),
        )
        .ratio(median(&ratios))
        .target(Target::None)
        .note(ratios_note(&ratios)),
    ]
}
