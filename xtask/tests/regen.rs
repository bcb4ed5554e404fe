//! `cargo xtask regen`: the vendor's pages, served by an in-process mock
//! server or saved on disk, become one normalised spec.

use std::path::{Path, PathBuf};

use httpmock::MockServer;
use xtask::regen::{self, Silent, Source};

const PAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pages");
const EXPECTED: &str = include_str!("fixtures/expected-merged.yaml");

fn page(name: &str) -> String {
    std::fs::read_to_string(Path::new(PAGES).join(name)).unwrap()
}

/// A mock docs site: the index and its pages, each served once per run.
fn docs_site(server: &MockServer) {
    for (path, file) in [
        ("/llms.txt", "llms.txt"),
        ("/guides/guide.md", "guide.md"),
        (
            "/api-reference/partner/send-creation-email.md",
            "send-creation-email.md",
        ),
        ("/api-reference/user/get-credits.md", "get-credits.md"),
        ("/api-reference/partner/get-pricings.md", "get-pricings.md"),
    ] {
        let body = page(file);
        server.mock(|when, then| {
            when.method("GET").path(path);
            then.status(200)
                .header("content-type", "text/markdown")
                .body(body);
        });
    }
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-regen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn spec(&self) -> PathBuf {
        self.0.join("identifai.yaml")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn regen_from_the_index_url_merges_every_page_into_the_expected_spec() {
    let server = MockServer::start();
    docs_site(&server);
    let scratch = Scratch::new("url");
    let source = Source::parse(&server.url("/llms.txt")).unwrap();

    let outcome =
        regen::regenerate(&source, &scratch.spec(), None, &mut Silent).expect("regen works");
    let written = std::fs::read_to_string(scratch.spec()).unwrap();
    assert_eq!(written, EXPECTED);
    let report = outcome.report.expect("a new file is a change");
    assert!(
        report.to_text().contains("GET /api/user/credits"),
        "{}",
        report.to_text()
    );
}

#[test]
fn a_second_regen_of_unchanged_pages_is_byte_identical_and_reports_nothing() {
    let server = MockServer::start();
    docs_site(&server);
    let scratch = Scratch::new("twice");
    let source = Source::parse(&server.url("/llms.txt")).unwrap();
    regen::regenerate(&source, &scratch.spec(), None, &mut Silent).unwrap();
    let first = std::fs::read(scratch.spec()).unwrap();

    let outcome = regen::regenerate(&source, &scratch.spec(), None, &mut Silent).unwrap();
    assert!(
        outcome.report.is_none(),
        "an unchanged spec reports no change"
    );
    assert_eq!(std::fs::read(scratch.spec()).unwrap(), first);
}

#[test]
fn a_page_that_fails_leaves_the_old_spec_untouched_and_names_the_page() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/llms.txt");
        then.status(200).body(page("llms.txt"));
    });
    server.mock(|when, then| {
        when.path("/api-reference/partner/send-creation-email.md");
        then.status(200).body(page("send-creation-email.md"));
    });
    server.mock(|when, then| {
        when.path("/guides/guide.md");
        then.status(200).body(page("guide.md"));
    });
    // get-credits.md and get-pricings.md are missing: 404.
    let scratch = Scratch::new("fail");
    std::fs::write(scratch.spec(), "the old spec\n").unwrap();
    let source = Source::parse(&server.url("/llms.txt")).unwrap();

    let error = regen::regenerate(&source, &scratch.spec(), None, &mut Silent).expect_err("fails");
    assert!(
        error.contains("/api-reference/user/get-credits.md"),
        "{error}"
    );
    assert!(error.contains("404"), "{error}");
    assert_eq!(
        std::fs::read_to_string(scratch.spec()).unwrap(),
        "the old spec\n"
    );
    let leftovers = std::fs::read_dir(&scratch.0).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
}

#[test]
fn an_index_that_cannot_be_fetched_is_a_clear_error() {
    let server = MockServer::start();
    let scratch = Scratch::new("noindex");
    let source = Source::parse(&server.url("/llms.txt")).unwrap();
    let error = regen::regenerate(&source, &scratch.spec(), None, &mut Silent).expect_err("fails");
    assert!(
        error.starts_with("cannot fetch") && error.contains("/llms.txt"),
        "{error}"
    );
    assert!(!scratch.spec().exists());
}

#[test]
fn two_pages_that_define_a_schema_differently_are_an_error_naming_both() {
    let conflict = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/conflict/get-pricings.md"
    );
    let pages = vec![
        regen::Page {
            origin: "send-creation-email.md".into(),
            text: page("send-creation-email.md"),
        },
        regen::Page {
            origin: "conflict/get-pricings.md".into(),
            text: std::fs::read_to_string(conflict).unwrap(),
        },
    ];
    let error = regen::merge_pages(&pages).expect_err("a conflict");
    assert!(error.contains("the component schemas.Pricing"), "{error}");
    assert!(
        error.contains("send-creation-email.md") && error.contains("conflict/get-pricings.md"),
        "{error}"
    );
}

#[test]
fn saved_pages_give_the_same_spec_as_the_live_site() {
    for from in [PAGES.to_string(), format!("{PAGES}/llms.txt")] {
        let scratch = Scratch::new("saved");
        let source = Source::parse(&from).unwrap();
        regen::regenerate(&source, &scratch.spec(), None, &mut Silent).unwrap();
        assert_eq!(
            std::fs::read_to_string(scratch.spec()).unwrap(),
            EXPECTED,
            "from {from}"
        );
    }
}

#[test]
fn one_openapi_file_is_taken_as_it_is_and_normalised() {
    let scratch = Scratch::new("file");
    let unordered = scratch.0.join("unordered.yaml");
    std::fs::write(
        &unordered,
        "paths: {}\ninfo: {version: '1', title: T}\nopenapi: 3.0.0\n",
    )
    .unwrap();
    let source = Source::parse(unordered.to_str().unwrap()).unwrap();
    assert_eq!(source, Source::OpenApi(unordered.clone()));
    regen::regenerate(&source, &scratch.spec(), None, &mut Silent).unwrap();
    assert_eq!(
        std::fs::read_to_string(scratch.spec()).unwrap(),
        "openapi: 3.0.0\ninfo:\n  title: T\n  version: '1'\npaths: {}\n"
    );
}

#[test]
fn the_index_links_to_markdown_pages_only_once_each_resolved_against_it() {
    let index = "- [A](a/one.md)\n- [B](https://docs.example/b/two.md#part)\n- [A again](a/one.md)\n- [Site](https://example.com)\n";
    assert_eq!(
        regen::index_links(index, "https://docs.example/llms.txt"),
        vec![
            "https://docs.example/a/one.md",
            "https://docs.example/b/two.md"
        ]
    );
}

#[test]
fn the_yaml_block_is_found_behind_three_or_four_backticks() {
    assert_eq!(
        regen::extract_yaml("x\n````yaml get /a\nopenapi: 3.0.0\n````\n").unwrap(),
        Some("openapi: 3.0.0\n")
    );
    assert_eq!(
        regen::extract_yaml("```yaml\na: 1\n```\n").unwrap(),
        Some("a: 1\n")
    );
    assert_eq!(regen::extract_yaml("```bash\ncurl\n```\n").unwrap(), None);
}

#[test]
fn the_vendored_spec_keeps_the_vendors_published_operation_and_schemas() {
    let page = page("send-creation-email.md");
    let published =
        xtask::spec::parse(regen::extract_yaml(&page).unwrap().unwrap(), "the page").unwrap();
    let vendored = xtask::spec::load(
        &xtask::workspace_root()
            .unwrap()
            .join("openapi/identifai.yaml"),
    )
    .unwrap();
    let op = "/api/partner/send_creation_email";
    assert_eq!(vendored["paths"][op], published["paths"][op]);
    for schema in ["User", "Pricing"] {
        assert_eq!(
            vendored["components"]["schemas"][schema],
            published["components"]["schemas"][schema]
        );
    }
    for key in ["openapi", "info", "servers", "security", "tags"] {
        assert_eq!(
            vendored[key], published[key],
            "`{key}` differs from the vendor's page"
        );
    }
    assert_eq!(
        vendored["components"]["securitySchemes"],
        published["components"]["securitySchemes"]
    );
}

#[test]
fn a_page_cut_off_inside_its_yaml_block_is_an_error_not_a_lost_operation() {
    let whole = page("get-credits.md");
    let cut = &whole[..whole.find("responses:").unwrap()];
    let pages = vec![
        regen::Page {
            origin: "send-creation-email.md".into(),
            text: page("send-creation-email.md"),
        },
        regen::Page {
            origin: "get-credits.md".into(),
            text: cut.to_string(),
        },
    ];
    let error = regen::merge_pages(&pages).expect_err("a cut page");
    assert!(
        error.contains("get-credits.md") && error.contains("cut off"),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn the_written_spec_is_readable_by_everyone_like_an_ordinary_file() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new("mode");
    let source = Source::parse(PAGES).unwrap();
    regen::regenerate(&source, &scratch.spec(), None, &mut Silent).unwrap();
    let mode = std::fs::metadata(scratch.spec())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
}
