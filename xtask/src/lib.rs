//! Maintainer tasks for the identifai-rs workspace, as a library so that
//! they can be tested; `main.rs` is the command line.
//!
//! - [`regen`]: the vendor's documentation pages → `openapi/identifai.yaml`;
//! - [`diff`]: what changed between two specs, for a client's users;
//! - [`check`]: the vendored spec and overlay are consistent and generate.

pub mod check;
pub mod diff;
pub mod regen;
pub mod spec;

// The build script's own modules, so that `check` applies the overlay and
// generates the client exactly as the build does.
#[allow(dead_code)]
#[path = "../../identifai-api/build/codegen.rs"]
mod codegen;
#[allow(dead_code)]
#[path = "../../identifai-api/build/enums.rs"]
mod enums;
#[allow(dead_code)]
#[path = "../../identifai-api/build/multipart.rs"]
mod multipart;
#[allow(dead_code)]
#[path = "../../identifai-api/build/openapi.rs"]
pub mod openapi;
#[allow(dead_code)]
#[path = "../../identifai-api/build/overlay.rs"]
pub mod overlay;
#[allow(dead_code)]
#[path = "../../identifai-api/build/prepare.rs"]
mod prepare;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The changes from `old` to `new`, with the overlay applied to both first
/// when given: what users of the generated client see (an enum the overlay
/// makes open does not break on a new value; a parameter it removes is not
/// missed). An action that does not apply leaves the spec as it is.
pub fn diff_as_client_sees(old: &Value, new: &Value, overlay: Option<&Value>) -> diff::Report {
    let corrected = |doc: &Value| {
        let mut doc = doc.clone();
        if let Some(overlay) = overlay {
            let _ = overlay::apply(&mut doc, overlay);
        }
        doc
    };
    diff::diff(&corrected(old), &corrected(new))
}

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
