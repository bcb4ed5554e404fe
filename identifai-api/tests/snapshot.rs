//! The generated client and mocks, as Rust, against a checked-in snapshot:
//! a change to the spec, the overlay or the generator that changes the
//! generated code fails here with a diff to review. When the change is
//! meant, update the snapshot with
//!
//! ```text
//! EXPECTORATE=overwrite cargo test -p identifai-api --all-features --test snapshot
//! ```
//!
//! and commit it with the change. The snapshot is a review artifact: the
//! build never reads it.

use std::path::Path;

fn generated(name: &str) -> String {
    let dir = Path::new(env!("IDENTIFAI_GENERATED_DIR"));
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_generated_client_matches_its_snapshot() {
    expectorate::assert_contents("tests/snapshots/client.rs.snap", &generated("client.rs"));
}

#[test]
fn the_generated_mocks_match_their_snapshot() {
    expectorate::assert_contents("tests/snapshots/mock.rs.snap", &generated("mock.rs"));
}

#[test]
fn every_answer_helper_has_ok_and_the_heatmap_answers_png_bytes() {
    let mock = generated("mock.rs");
    let mut helpers = 0;
    for block in mock.split("\n    impl ").skip(1) {
        let name = block.split_whitespace().next().unwrap_or_default();
        if !name.ends_with("Then") {
            continue;
        }
        helpers += 1;
        let body = block.split("\n    }\n").next().unwrap_or_default();
        assert!(
            body.contains("pub fn ok("),
            "{name} has no `ok` helper:\n{body}"
        );
        if name == "GetImageHeatmapThen" {
            assert!(body.contains("body: impl AsRef<[u8]>"), "{body}");
            assert!(body.contains("\"image/png\""), "{body}");
            assert!(!body.contains(".json_body(value)"), "{body}");
        }
    }
    assert_eq!(helpers, 21, "one answer helper per operation");
}
