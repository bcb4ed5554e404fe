//! What the benchmarks send and serve: the large video result, image
//! results, tiny PNGs, and the sparse video file.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The vendor-shaped answers of the generated client's `mock` module.
const VIDEO: &str = identifai_api::mock::answers::VIDEO_CLASSIFICATION;
const IMAGE: &str = identifai_api::mock::answers::IMAGE_CLASSIFICATION;

/// Frames in the large video result.
pub const FRAMES: usize = 30;
/// The size the large video result is grown to, at least (compact JSON, as
/// servers send it).
pub const VIDEO_TARGET_BYTES: usize = 200 * 1000;

/// The large result: the 3-frame fixture grown to [`FRAMES`] frames, each
/// a variation of one of the fixture's frames (own hash, identifier, name,
/// scores, face boxes), with as many face detections per frame as it takes
/// to reach [`VIDEO_TARGET_BYTES`]. Returns the JSON and the detections
/// of the first frame.
pub fn video_result() -> (Vec<u8>, usize) {
    let template: Value = serde_json::from_str(VIDEO).expect("the fixture is JSON");
    let frames = template["results"]["images"]
        .as_array()
        .expect("the fixture has frames")
        .clone();
    let detections: Vec<Value> = frames
        .iter()
        .flat_map(|f| f["details"][0]["detections"].as_array().cloned())
        .flatten()
        .collect();
    assert!(!detections.is_empty(), "the fixture has face detections");
    for base in 1..100 {
        let mut video = template.clone();
        let grown: Vec<Value> = (0..FRAMES)
            .map(|i| frame(&frames[i % frames.len()], &detections, i, base + i % 3))
            .collect();
        video["results"]["images"] = Value::Array(grown);
        for verdict in ["verdict", "verdicts"] {
            set_count(&mut video[verdict]);
        }
        let bytes = serde_json::to_vec(&video).expect("serialisable");
        if bytes.len() >= VIDEO_TARGET_BYTES {
            return (bytes, base);
        }
    }
    unreachable!("100 detections a frame exceed the target")
}

fn set_count(verdict: &mut Value) {
    match verdict {
        Value::Array(items) => items.iter_mut().for_each(set_count),
        Value::Object(map) if map.contains_key("count") => {
            map.insert("count".into(), json!(FRAMES));
        }
        _ => {}
    }
}

/// Frame `i`: the template with its own identity, slightly other scores,
/// and `faces` detections.
fn frame(template: &Value, detections: &[Value], i: usize, faces: usize) -> Value {
    let mut frame = template.clone();
    frame["hash"] = json!(format!("{:064x}", 0xabc0 + i));
    let identifier = format!("{:064x}", 0xf00 + i);
    frame["result_url"] = json!(format!(
        "https://app.identifai.net/classifications/{identifier}"
    ));
    frame["identifier"] = json!(identifier);
    frame["name"] = json!(format!("frame_{i}.jpg"));
    let faces: Vec<Value> = (0..faces)
        .map(|k| {
            let mut face = detections[(i + k) % detections.len()].clone();
            if let Some(area) = face["box"].as_object_mut() {
                for value in area.values_mut() {
                    if let Some(v) = value.as_f64() {
                        *value = json!(v + (k * 37 % 400) as f64 + i as f64 * 0.5);
                    }
                }
            }
            face
        })
        .collect();
    frame["details"] = json!([{ "detections": faces }]);
    vary_scores(&mut frame, i);
    frame
}

/// Moves every score and confidence a little, so that frames differ.
fn vary_scores(value: &mut Value, i: usize) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v.as_f64() {
                    Some(x) if key == "score" || key == "confidence" => {
                        let varied = (x * (1.0 - 0.001 * i as f64) * 10_000.0).round() / 10_000.0;
                        *v = json!(varied);
                    }
                    _ => vary_scores(v, i),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| vary_scores(v, i)),
        _ => {}
    }
}

/// An image result for `identifier`, split around the identifier so that
/// the server can answer without serialising: `(prefix, suffix)`.
pub struct ImageResults {
    done: (String, String),
    new: (String, String),
}

const PLACEHOLDER: &str = "@@IDENTIFIER@@";

impl ImageResults {
    pub fn new() -> Self {
        let mut done: Value = serde_json::from_str(IMAGE).expect("the fixture is JSON");
        done["identifier"] = json!(PLACEHOLDER);
        done["status"] = json!("done");
        // What the service shows before the analysis ends: the submission's
        // own fields, no verdict yet.
        let new = json!({
            "hash": done["hash"],
            "identifier": PLACEHOLDER,
            "api_version": null,
            "status": "new",
            "errors": null,
            "name": done["name"],
            "ref_id": null,
        });
        let split = |v: &Value| {
            let text = v.to_string();
            let (a, b) = text.split_once(PLACEHOLDER).expect("placeholder");
            (a.to_string(), b.to_string())
        };
        Self {
            done: split(&done),
            new: split(&new),
        }
    }

    /// Appends the result of `identifier` to `out`.
    pub fn write(&self, out: &mut Vec<u8>, identifier: &str, done: bool) {
        let (prefix, suffix) = if done { &self.done } else { &self.new };
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(identifier.as_bytes());
        out.extend_from_slice(suffix.as_bytes());
    }
}

/// A valid 1×1 grayscale PNG (67 bytes).
const ONE_PIXEL_PNG: [u8; 67] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x68, 0x00, 0x00, 0x00,
    0x82, 0x00, 0x81, 0x77, 0xcd, 0x72, 0xb6, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// A tiny PNG that differs for every `n`: the one-pixel image with `n`
/// after its end, where decoders ignore trailing bytes.
pub fn tiny_png(n: u32) -> Vec<u8> {
    let mut png = ONE_PIXEL_PNG.to_vec();
    png.extend_from_slice(&n.to_be_bytes());
    png
}

/// A sparse file of `len` bytes that starts with an MP4 `ftyp` box, so it
/// sniffs as video/mp4; its folder is removed when this is dropped.
pub struct SparseVideo {
    dir: PathBuf,
    path: PathBuf,
    pub len: u64,
}

impl SparseVideo {
    pub fn create(len: u64) -> std::io::Result<Self> {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("identifai-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("upload.mp4");
        let made = Self { dir, path, len };
        let mut file = std::fs::File::create(&made.path)?;
        // size 32, "ftyp", brand isom, version 0x200, compatible brands.
        file.write_all(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41")?;
        file.set_len(len)?;
        Ok(made)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SparseVideo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_video_result_is_about_200_kb_and_decodes() {
        let (json, _) = super::video_result();
        assert!((200_000..260_000).contains(&json.len()), "{}", json.len());
        let video: identifai_api::types::VideoClassification =
            serde_json::from_slice(&json).unwrap();
        let frames = video.results.unwrap().images;
        assert_eq!(frames.len(), super::FRAMES);
        assert!(frames.iter().all(|f| !f.details[0].detections.is_empty()));
    }

    #[test]
    fn tiny_pngs_differ() {
        assert_ne!(super::tiny_png(1), super::tiny_png(2));
        assert!(super::tiny_png(7).starts_with(b"\x89PNG\r\n\x1a\n"));
    }
}
