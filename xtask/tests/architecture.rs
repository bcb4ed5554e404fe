//! ARCHITECTURE.md is the map of the code: every hand-written source file
//! of the workspace is named there, by its path from the workspace root in
//! backticks, so that a file added without a line in the map fails here.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// The `.rs` files under `dir`, as paths from the workspace root.
fn sources(root: &Path, dir: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = format!("{dir}/{name}");
        if path.is_dir() {
            // Test fixtures and snapshots are data, not sources.
            if !matches!(name.as_str(), "fixtures" | "snapshots" | "target") {
                sources(root, &relative, out);
            }
        } else if name.ends_with(".rs") {
            out.push(relative);
        }
    }
}

#[test]
fn every_source_file_is_on_the_map() {
    let root = workspace();
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut files = Vec::new();
    for dir in ["identifai-api", "identifai-ext", "xtask", "bench"] {
        for sub in ["src", "build", "tests", "examples"] {
            sources(&root, &format!("{dir}/{sub}"), &mut files);
        }
        let build = format!("{dir}/build.rs");
        if root.join(&build).exists() {
            files.push(build);
        }
    }
    assert!(files.len() > 40, "the walk found the sources: {files:?}");
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| !map.contains(&format!("`{f}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not name these files (add a line for each, its path in \
         backticks): {missing:#?}"
    );
}

#[test]
fn the_map_names_no_file_that_is_gone() {
    let root = workspace();
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let gone: Vec<&str> = map
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.ends_with(".rs") && s.contains('/') && !s.contains(' '))
        .filter(|s| !root.join(s).exists())
        .collect();
    assert!(
        gone.is_empty(),
        "ARCHITECTURE.md names files that do not exist: {gone:?}"
    );
}
