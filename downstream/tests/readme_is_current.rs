//! The README's "Testing your code" section is this crate: its Rust block is
//! `tests/readme.rs` byte for byte, and its `[dev-dependencies]` block is
//! this crate's, with a version where this crate has a path.

use std::path::Path;

fn section() -> String {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = std::fs::read_to_string(&readme).expect("the workspace README");
    let start = text
        .find("\n## Testing your code\n")
        .expect("README has a \"Testing your code\" section");
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    rest[..end].to_string()
}

/// The body of the first fenced block labelled `label` in `text`.
fn block(text: &str, label: &str) -> String {
    let fence = format!("```{label}\n");
    let start = text
        .find(&fence)
        .unwrap_or_else(|| panic!("no ```{label} block"))
        + fence.len();
    let end = text[start..].find("\n```").expect("the block ends") + start;
    text[start..=end].to_string()
}

/// A dependency line without its `version = …` or `path = …` key.
fn without_source(line: &str) -> String {
    let mut out = line.to_string();
    for key in ["version = ", "path = "] {
        if let Some(at) = out.find(key) {
            let value_end = out[at + key.len() + 1..].find('"').expect("a quoted value");
            let mut cut = at + key.len() + 1 + value_end + 1;
            if out[cut..].starts_with(", ") {
                cut += 2;
            }
            out.replace_range(at..cut, "");
        }
    }
    out
}

#[test]
fn the_readme_example_is_this_crates_test_file() {
    let code =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readme.rs"))
            .expect("tests/readme.rs");
    assert!(
        block(&section(), "rust") == code,
        "README's \"Testing your code\" example differs from downstream/tests/readme.rs; \
         copy the file into the README"
    );
}

#[test]
fn the_readme_dev_dependencies_are_this_crates() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    let ours: Vec<String> = manifest
        .split("[dev-dependencies]\n")
        .nth(1)
        .expect("a [dev-dependencies] table")
        .lines()
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(without_source)
        .collect();
    let readme = block(&section(), "toml");
    let theirs: Vec<String> = readme
        .lines()
        .skip_while(|l| *l != "[dev-dependencies]")
        .skip(1)
        .map(without_source)
        .collect();
    assert_eq!(
        theirs, ours,
        "README's [dev-dependencies] differ from downstream/Cargo.toml's"
    );
    assert!(readme.contains("identifai-ext = { version = "), "{readme}");
}
