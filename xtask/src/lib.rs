//! Maintainer tasks for the identifai-rs workspace, as a library so that
//! they can be tested; `main.rs` is the command line.
//!
//! - [`regen`]: the vendor's documentation pages → `openapi/identifai.yaml`;
//! - [`diff`]: what changed between two specs, for a client's users;
//! - [`check`]: the vendored spec and overlay are consistent and generate;
//! - [`effective`]: the spec other tools should read (vendored + overlay);
//! - [`yaml`]: the normal form's writer, read alike by YAML 1.1 and 1.2.

pub mod check;
pub mod diff;
pub mod regen;
pub mod spec;
pub mod yaml;

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
/// missed). An action that matches nothing leaves the spec as it is; an
/// overlay that is malformed (no `overlay: 1.x`, an action without a
/// target, a target that is not JSONPath) is an error.
pub fn diff_as_client_sees(
    old: &Value,
    new: &Value,
    overlay: Option<&Value>,
) -> Result<diff::Report, String> {
    let corrected = |doc: &Value| -> Result<Value, String> {
        let mut doc = doc.clone();
        if let Some(overlay) = overlay {
            overlay::apply(&mut doc, overlay).map_err(|e| format!("the overlay: {e}"))?;
        }
        Ok(doc)
    };
    Ok(diff::diff(&corrected(old)?, &corrected(new)?))
}

/// The effective spec: `spec` with `overlay` applied, in normal form, before
/// the build's progenitor-specific rewrites (`prepare`). An overlay that is
/// malformed is an error; out-of-date actions are `cargo xtask check`'s
/// business, not this one's.
pub fn effective(spec: &Value, overlay: &Value) -> Result<Value, String> {
    let mut doc = spec.clone();
    overlay::apply(&mut doc, overlay).map_err(|e| format!("the overlay: {e}"))?;
    Ok(spec::normalize(&doc))
}

/// [`effective`] as YAML text, written by the normal form's writer.
pub fn effective_yaml(spec: &Value, overlay: &Value) -> Result<String, String> {
    effective(spec, overlay).map(|doc| yaml::to_string(&doc))
}

/// The root of the checkout xtask is run in: the workspace of the runtime
/// `CARGO_MANIFEST_DIR` (set by `cargo run`, so `cargo xtask` works on the
/// checkout it is typed in even when checkouts share a target directory),
/// else (or when that is in no workspace) the first folder up from the
/// current one whose `Cargo.toml` declares a `[workspace]`. The path compiled into the binary is never used: another
/// checkout may have built it.
pub fn workspace_root() -> Result<PathBuf, String> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let current =
        std::env::current_dir().map_err(|e| format!("cannot tell the current folder: {e}"))?;
    find_workspace_root(manifest_dir.as_deref(), &current)
}

/// [`workspace_root`] for a given manifest folder (when cargo set one) and
/// current folder.
pub fn find_workspace_root(manifest_dir: Option<&Path>, current: &Path) -> Result<PathBuf, String> {
    manifest_dir
        .into_iter()
        .chain([current])
        .find_map(|start| {
            start
                .ancestors()
                .find(|dir| declares_workspace(&dir.join("Cargo.toml")))
        })
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "cannot find the identifai-rs checkout: no Cargo.toml with a [workspace] in {} or \
                 any folder above it; run cargo xtask inside the checkout",
                current.display()
            )
        })
}

/// Whether the manifest at `path` exists and has a `[workspace]` table.
fn declares_workspace(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}
