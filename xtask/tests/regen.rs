//! `cargo xtask regen`: the vendor's site, simulated in process (an
//! `llms.txt` index, one page per operation in the format of the vendor's
//! published pages, guides with YAML and other blocks, a rate-limits page)
//! or saved on disk, becomes one normalised spec; whatever goes wrong with
//! a page, no operation is lost and the old spec stays.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::MockServer;
use serde_json::Value;
use xtask::regen::{self, Options, Outcome, Silent, Source};

const PAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pages");
const EXPECTED: &str = include_str!("fixtures/expected-merged.yaml");

/// The site's pages: (path on the site, file under `PAGES`).
const SITE: &[&str] = &[
    "llms.txt",
    "guides/guide.md",
    "guides/ci-template.md",
    "api-reference/rate-limits.md",
    "api-reference/partner/send-creation-email.md",
    "api-reference/user/get-credits.md",
    "api-reference/partner/get-pricings.md",
];
const CREDITS: &str = "api-reference/user/get-credits.md";

fn page(name: &str) -> String {
    std::fs::read_to_string(Path::new(PAGES).join(name)).unwrap()
}

/// The site on an httpmock server.
fn docs_site(server: &MockServer) {
    for &file in SITE {
        let body = page(file);
        server.mock(|when, then| {
            when.method("GET").path(format!("/{file}"));
            then.status(200)
                .header("content-type", "text/markdown")
                .body(body);
        });
    }
}

/// What the scripted site answers to one request for a path.
#[derive(Clone)]
enum Reply {
    /// 200 with this body.
    Page(String),
    /// This status, with a short body.
    Status(u16),
    /// Nothing for this long, then the connection is closed.
    Stall(Duration),
}

/// The vendor's site on a loopback socket, answering each path from a
/// script (one reply per request, the last one repeated) or else from the
/// fixture pages; it counts the requests for each path.
struct Site {
    base: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Site {
    fn start(scripts: Vec<(&str, Vec<Reply>)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let scripts: HashMap<String, Vec<Reply>> = scripts
            .into_iter()
            .map(|(path, replies)| (format!("/{path}"), replies))
            .collect();
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let counts = Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let scripts = scripts.clone();
                let counts = Arc::clone(&counts);
                std::thread::spawn(move || answer(stream, &scripts, &counts));
            }
        });
        Self { base, hits }
    }

    fn index(&self) -> Source {
        Source::parse(&format!("{}/llms.txt", self.base)).unwrap()
    }

    fn hits(&self, path: &str) -> usize {
        let hits = self.hits.lock().unwrap();
        hits.get(&format!("/{path}")).copied().unwrap_or(0)
    }
}

fn answer(
    mut stream: std::net::TcpStream,
    scripts: &HashMap<String, Vec<Reply>>,
    counts: &Mutex<HashMap<String, usize>>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let count = {
        let mut counts = counts.lock().unwrap();
        let count = counts.entry(path.clone()).or_insert(0);
        *count += 1;
        *count
    };
    let reply = match scripts.get(&path) {
        Some(replies) => replies[(count - 1).min(replies.len() - 1)].clone(),
        None => match std::fs::read_to_string(Path::new(PAGES).join(&path[1..])) {
            Ok(text) => Reply::Page(text),
            Err(_) => Reply::Status(404),
        },
    };
    let (status, body) = match reply {
        Reply::Page(text) => (200, text),
        Reply::Status(status) => (status, format!("status {status}")),
        Reply::Stall(time) => {
            std::thread::sleep(time);
            return;
        }
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: text/markdown\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Options for tests: no pause before a retry, a short timeout.
fn quick() -> Options<'static> {
    Options {
        fetch: regen::Fetch {
            timeout: Duration::from_millis(500),
            retry_pause: Duration::ZERO,
        },
        ..Options::default()
    }
}

/// A scratch folder, removed when dropped.
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }
    fn spec(&self) -> PathBuf {
        self.0.path().join("identifai.yaml")
    }
    /// A scratch folder holding the spec the whole site gives.
    fn with_expected_spec() -> Self {
        let scratch = Self::new();
        std::fs::write(scratch.spec(), EXPECTED).unwrap();
        scratch
    }
    fn spec_text(&self) -> String {
        std::fs::read_to_string(self.spec()).unwrap()
    }
}

fn written(outcome: Outcome) -> xtask::diff::Report {
    match outcome {
        Outcome::Written(report) => report,
        other => panic!("expected the spec written, got {other:?}"),
    }
}

#[test]
fn regen_from_the_index_url_merges_every_page_into_the_expected_spec() {
    let server = MockServer::start();
    docs_site(&server);
    let scratch = Scratch::new();
    let source = Source::parse(&server.url("/llms.txt")).unwrap();

    let outcome = regen::regenerate(&source, &scratch.spec(), &Options::default(), &mut Silent)
        .expect("regen works");
    assert_eq!(scratch.spec_text(), EXPECTED);
    let report = written(outcome);
    let text = report.to_text();
    for operation in [
        "GET /api/user/credits",
        "POST /api/partner/send_creation_email",
        // Its page shows a YAML example above its OpenAPI block.
        "GET /api/partner/pricings",
    ] {
        assert!(text.contains(operation), "{text}");
    }
}

#[test]
fn guides_with_yaml_that_is_not_openapi_nor_even_valid_yaml_are_prose() {
    // The CI guide's YAML blocks do not parse; the pricings page has a YAML
    // example first; the rate-limits page has no block at all.
    let ci = page("guides/ci-template.md");
    assert!(ci.contains("```yaml"));
    let site = Site::start(vec![]);
    let scratch = Scratch::new();
    regen::regenerate(&site.index(), &scratch.spec(), &quick(), &mut Silent)
        .expect("the guides are skipped");
    assert_eq!(scratch.spec_text(), EXPECTED);
    assert_eq!(site.hits("guides/ci-template.md"), 1);
    assert_eq!(site.hits("api-reference/rate-limits.md"), 1);
}

#[test]
fn a_second_regen_of_unchanged_pages_is_byte_identical_and_reports_nothing() {
    let server = MockServer::start();
    docs_site(&server);
    let scratch = Scratch::new();
    let source = Source::parse(&server.url("/llms.txt")).unwrap();
    regen::regenerate(&source, &scratch.spec(), &Options::default(), &mut Silent).unwrap();
    let first = std::fs::read(scratch.spec()).unwrap();

    let outcome =
        regen::regenerate(&source, &scratch.spec(), &Options::default(), &mut Silent).unwrap();
    assert!(matches!(outcome, Outcome::Unchanged), "{outcome:?}");
    assert_eq!(std::fs::read(scratch.spec()).unwrap(), first);
}

/// Runs regen against a site where `path` answers with `replies`, over a
/// scratch spec holding what the whole site gives, and returns the error;
/// the spec must be untouched.
fn fails_and_keeps_the_spec(path: &str, replies: Vec<Reply>) -> String {
    let site = Site::start(vec![(path, replies)]);
    let scratch = Scratch::with_expected_spec();
    let error = regen::regenerate(&site.index(), &scratch.spec(), &quick(), &mut Silent)
        .expect_err("regen fails");
    assert_eq!(scratch.spec_text(), EXPECTED, "the old spec stays");
    let leftovers = std::fs::read_dir(scratch.0.path()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
    assert!(
        error.contains(&format!("{}/{path}", site.base)),
        "the error names the page's URL: {error}"
    );
    error
}

#[test]
fn a_page_that_fails_leaves_the_old_spec_untouched_and_names_the_page() {
    let error = fails_and_keeps_the_spec(CREDITS, vec![Reply::Status(404)]);
    assert!(error.contains("404"), "{error}");
}

#[test]
fn an_api_page_served_as_an_html_error_page_fails_regen() {
    let html = "<!DOCTYPE html>\n<html><head><title>502</title></head>\
                <body>Bad gateway</body></html>\n";
    let error = fails_and_keeps_the_spec(CREDITS, vec![Reply::Page(html.into())]);
    assert!(error.contains("HTML page"), "{error}");
}

#[test]
fn a_guide_served_as_html_fails_regen_too() {
    let html = "<html><body>Service unavailable</body></html>";
    let error = fails_and_keeps_the_spec("guides/guide.md", vec![Reply::Page(html.into())]);
    assert!(error.contains("HTML page"), "{error}");
}

#[test]
fn an_api_page_without_an_openapi_block_fails_regen() {
    // Markdown, but the block is gone (or its label changed).
    let mut broken = page(CREDITS).replace("````yaml get /api/user/credits", "````yaml");
    let error = fails_and_keeps_the_spec(CREDITS, vec![Reply::Page(broken.clone())]);
    assert!(
        error.contains("page of the API reference but holds no OpenAPI block"),
        "{error}"
    );
    assert!(error.contains("NON_OPERATION_PAGES"), "{error}");

    broken = "# Get user credits\n\nSee the dashboard.\n".into();
    fails_and_keeps_the_spec(CREDITS, vec![Reply::Page(broken)]);
}

#[test]
fn a_known_page_without_an_operation_is_taken_as_prose_anywhere_in_the_reference() {
    assert!(regen::NON_OPERATION_PAGES.contains(&"rate-limits"));
    let prose = "# Rate limits\n\nSee the table.\n";
    let pages = vec![
        regen::Page::new("https://docs.example/api-reference/rate-limits.md", prose),
        regen::Page::new(
            "https://docs.example/en/api-reference/v2/rate-limits.md",
            prose,
        ),
        regen::Page::new("https://docs.example/guides/anything.md", prose),
        regen::Page::new(
            "https://docs.example/api-reference/user/get-credits.md",
            page(CREDITS),
        ),
    ];
    let merged = regen::merge_pages(&pages).expect("only prose besides the operation");
    assert!(merged["paths"]["/api/user/credits"]["get"].is_object());

    let unknown = regen::Page::new("https://docs.example/en/api-reference/limits.md", prose);
    let error = regen::merge_pages(&[unknown]).expect_err("not a known page");
    assert!(error.contains("api-reference/limits.md"), "{error}");
}

#[test]
fn an_openapi_block_that_does_not_describe_its_operation_fails() {
    let relabelled = page(CREDITS).replace(
        "````yaml get /api/user/credits",
        "````yaml post /api/user/credits",
    );
    let error = fails_and_keeps_the_spec(CREDITS, vec![Reply::Page(relabelled)]);
    assert!(
        error.contains("labelled `POST /api/user/credits` but does not describe"),
        "{error}"
    );
}

#[test]
fn a_page_cut_off_inside_its_openapi_block_fails() {
    let whole = page(CREDITS);
    let cut = whole[..whole.find("responses:").unwrap()].to_string();
    let error = fails_and_keeps_the_spec(CREDITS, vec![Reply::Page(cut)]);
    assert!(error.contains("cut off"), "{error}");
}

#[test]
fn a_page_answering_5xx_or_timing_out_once_is_fetched_again() {
    for first in [Reply::Status(503), Reply::Stall(Duration::from_secs(3))] {
        let site = Site::start(vec![(CREDITS, vec![first, Reply::Page(page(CREDITS))])]);
        let scratch = Scratch::new();
        let mut lines = regen::Lines::new(Vec::new());
        regen::regenerate(&site.index(), &scratch.spec(), &quick(), &mut lines)
            .expect("the second try works");
        assert_eq!(scratch.spec_text(), EXPECTED);
        assert_eq!(site.hits(CREDITS), 2);
        assert_eq!(site.hits("api-reference/partner/get-pricings.md"), 1);
        let log = String::from_utf8(lines.into_inner()).unwrap();
        assert!(
            log.contains(&format!("retrying {}/{CREDITS}", site.base)),
            "{log}"
        );
    }
}

#[test]
fn a_page_failing_twice_fails_and_a_4xx_is_not_retried() {
    let error = fails_and_keeps_the_spec(CREDITS, vec![Reply::Status(502)]);
    assert!(error.contains("502"), "{error}");

    let site = Site::start(vec![(CREDITS, vec![Reply::Status(502)])]);
    let _ = regen::regenerate(&site.index(), &Scratch::new().spec(), &quick(), &mut Silent);
    assert_eq!(site.hits(CREDITS), 2, "one retry, no more");

    let site = Site::start(vec![(CREDITS, vec![Reply::Status(404)])]);
    let _ = regen::regenerate(&site.index(), &Scratch::new().spec(), &quick(), &mut Silent);
    assert_eq!(site.hits(CREDITS), 1, "a 404 is final");
}

#[test]
fn progress_is_a_line_per_page() {
    let site = Site::start(vec![]);
    let mut lines = regen::Lines::new(Vec::new());
    regen::regenerate(&site.index(), &Scratch::new().spec(), &quick(), &mut lines).unwrap();
    let log = String::from_utf8(lines.into_inner()).unwrap();
    let pages = SITE.len() - 1;
    assert_eq!(log.lines().count(), pages, "{log}");
    assert!(
        log.contains(&format!("[{pages}/{pages}] {}/", site.base)),
        "{log}"
    );
    assert!(
        log.contains("[1/6] ") && log.contains("guides/guide.md"),
        "{log}"
    );
}

#[test]
fn an_operation_gone_from_the_site_is_a_breaking_change() {
    // The vendor drops the credits page from its index.
    let index = page("llms.txt")
        .lines()
        .filter(|line| !line.contains("get-credits"))
        .collect::<Vec<_>>()
        .join("\n");
    let site = Site::start(vec![("llms.txt", vec![Reply::Page(index)])]);
    let removed = "GET /api/user/credits: operation removed";

    // --fail-on-breaking: nothing written.
    let scratch = Scratch::with_expected_spec();
    let strict = Options {
        fail_on_breaking: true,
        ..quick()
    };
    match regen::regenerate(&site.index(), &scratch.spec(), &strict, &mut Silent).unwrap() {
        Outcome::Refused(report) => {
            assert!(report.has_breaking());
            assert!(report.to_text().contains(removed), "{}", report.to_text());
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(scratch.spec_text(), EXPECTED);

    // --dry-run: the same report, nothing written.
    let dry = Options {
        dry_run: true,
        ..quick()
    };
    match regen::regenerate(&site.index(), &scratch.spec(), &dry, &mut Silent).unwrap() {
        Outcome::DryRun(report) => assert!(report.to_text().contains(removed)),
        other => panic!("expected a dry run, got {other:?}"),
    }
    assert_eq!(scratch.spec_text(), EXPECTED);

    // By default: written, and the removal is listed first, as breaking.
    let report =
        written(regen::regenerate(&site.index(), &scratch.spec(), &quick(), &mut Silent).unwrap());
    let text = report.to_text();
    assert!(
        text.starts_with("Breaking changes") && text.contains(removed),
        "{text}"
    );
    assert!(!scratch.spec_text().contains("/api/user/credits"));
}

#[test]
fn an_index_that_cannot_be_fetched_is_a_clear_error() {
    let server = MockServer::start();
    let scratch = Scratch::new();
    let source = Source::parse(&server.url("/llms.txt")).unwrap();
    let error =
        regen::regenerate(&source, &scratch.spec(), &quick(), &mut Silent).expect_err("fails");
    assert!(
        error.starts_with("cannot fetch") && error.contains("/llms.txt"),
        "{error}"
    );
    assert!(!scratch.spec().exists());
}

#[test]
fn two_pages_that_define_a_schema_differently_are_an_error_naming_both_and_the_key() {
    let conflict = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/conflict/get-pricings.md"
    );
    let pages = vec![
        regen::Page::new(
            "send-creation-email.md",
            page("api-reference/partner/send-creation-email.md"),
        ),
        regen::Page::new(
            "conflict/get-pricings.md",
            std::fs::read_to_string(conflict).unwrap(),
        ),
    ];
    let error = regen::merge_pages(&pages).expect_err("a conflict");
    assert!(error.contains("the component schemas.Pricing"), "{error}");
    assert!(
        error.contains("send-creation-email.md") && error.contains("conflict/get-pricings.md"),
        "{error}"
    );
    // The conflicting page words the SKU otherwise and adds a price.
    assert!(
        error.contains(
            "at `properties.sku.description`: \"SKU code associated with the pricing plan.\" \
             in the first, \"Another SKU.\" in the second"
        ),
        "{error}"
    );
    assert!(
        error.contains(
            "at `properties.price`: absent in the first, {\"type\":\"number\"} in the second"
        ),
        "{error}"
    );
}

#[test]
fn a_conflict_names_keys_only_one_page_has() {
    let block = |extra: &str| {
        format!(
            "````yaml get /a\nopenapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses: {{}}\n\
             components:\n  schemas:\n    Plan:\n      type: object\n{extra}````\n"
        )
    };
    let pages = vec![
        regen::Page::new("one.md", block("")),
        regen::Page::new("two.md", block("      nullable: true\n")),
    ];
    let error = regen::merge_pages(&pages).expect_err("a conflict");
    assert!(
        error.contains("at `nullable`: absent in the first, true in the second"),
        "{error}"
    );
}

#[test]
fn saved_pages_give_the_same_spec_as_the_live_site() {
    // The folder is read with its subfolders; the saved index finds each
    // page at its link's path.
    for from in [PAGES.to_string(), format!("{PAGES}/llms.txt")] {
        let scratch = Scratch::new();
        let source = Source::parse(&from).unwrap();
        regen::regenerate(&source, &scratch.spec(), &Options::default(), &mut Silent).unwrap();
        assert_eq!(scratch.spec_text(), EXPECTED, "from {from}");
    }
}

#[test]
fn a_saved_folder_is_read_in_every_subfolder_and_keeps_the_reference_rule() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("api-reference/user/deeper");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("get-credits.md"), page(CREDITS)).unwrap();
    let source = Source::parse(dir.path().to_str().unwrap()).unwrap();
    let scratch = Scratch::new();
    regen::regenerate(&source, &scratch.spec(), &Options::default(), &mut Silent)
        .expect("the page two folders down is found");
    assert!(scratch.spec_text().contains("/api/user/credits"));

    // A saved page of the reference without its block is refused too.
    std::fs::write(dir.path().join("api-reference/user/gone.md"), "# Gone\n").unwrap();
    let error = regen::regenerate(&source, &scratch.spec(), &Options::default(), &mut Silent)
        .expect_err("a reference page without a block");
    assert!(error.contains("gone.md"), "{error}");
}

#[test]
fn one_openapi_file_is_taken_as_it_is_and_normalised() {
    let scratch = Scratch::new();
    let unordered = scratch.0.path().join("unordered.yaml");
    std::fs::write(
        &unordered,
        "paths: {}\ninfo: {version: '1', title: T}\nopenapi: 3.0.0\n",
    )
    .unwrap();
    let source = Source::parse(unordered.to_str().unwrap()).unwrap();
    assert_eq!(source, Source::OpenApi(unordered.clone()));
    regen::regenerate(&source, &scratch.spec(), &Options::default(), &mut Silent).unwrap();
    assert_eq!(
        scratch.spec_text(),
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
fn the_openapi_block_is_the_fence_labelled_with_its_operation() {
    let blocks = |page: &str| {
        regen::operation_blocks(page)
            .unwrap()
            .into_iter()
            .map(|b| (b.method, b.path, b.yaml.to_string()))
            .collect::<Vec<_>>()
    };
    let block = |method: &str, path: &str, yaml: &str| {
        (method.to_string(), path.to_string(), yaml.to_string())
    };
    // Three or four backticks, any case.
    assert_eq!(
        blocks("x\n````yaml get /a\nopenapi: 3.0.0\n````\n"),
        vec![block("get", "/a", "openapi: 3.0.0\n")]
    );
    assert_eq!(
        blocks("```YAML POST /b/{id}\nopenapi: 3.0.0\n```\n"),
        vec![block("post", "/b/{id}", "openapi: 3.0.0\n")]
    );
    // Other blocks are prose: an unlabelled YAML example (even one that is
    // not valid YAML, even one left open), other languages, unknown methods.
    assert_eq!(blocks("```yaml\na: [\n```\n"), vec![]);
    assert_eq!(blocks("```bash\ncurl\n```\n"), vec![]);
    assert_eq!(blocks("```yaml fetch /a\na: 1\n```\n"), vec![]);
    assert_eq!(blocks("```yaml\nnever closed\n"), vec![]);
    // A shorter fence inside a longer block does not end it.
    assert_eq!(
        blocks("```yaml\nx: 1\n```\n````yaml get /a\nd: |\n  ```\n  a\n  ```\n````\n"),
        vec![block("get", "/a", "d: |\n  ```\n  a\n  ```\n")]
    );
    assert!(regen::operation_blocks("````yaml get /a\nopenapi: 3.0.0\n").is_err());
}

#[test]
fn the_vendored_spec_keeps_the_vendors_published_operation_and_schemas() {
    let page = page("api-reference/partner/send-creation-email.md");
    let blocks = regen::operation_blocks(&page).unwrap();
    assert_eq!(blocks.len(), 1);
    let published = xtask::spec::parse(blocks[0].yaml, "the page").unwrap();
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
fn a_malformed_overlay_is_an_error_not_a_report_without_it() {
    let scratch = Scratch::new();
    for overlay in [
        serde_json::json!({"actions": []}),
        serde_json::json!({"overlay": "1.0.0", "actions": [{"target": "$.paths[", "remove": true}]}),
        serde_json::json!({"overlay": "1.0.0", "actions": [{"description": "no target", "remove": true}]}),
    ] {
        let options = Options {
            overlay: Some(&overlay),
            ..Options::default()
        };
        let error = regen::regenerate(
            &Source::parse(PAGES).unwrap(),
            &scratch.spec(),
            &options,
            &mut Silent,
        )
        .expect_err("a malformed overlay");
        assert!(error.starts_with("the overlay: "), "{error}");
        assert!(!scratch.spec().exists());
        let empty = Value::Object(Default::default());
        assert!(xtask::diff_as_client_sees(&empty, &empty, Some(&overlay)).is_err());
    }
}

#[cfg(unix)]
#[test]
fn the_written_spec_is_readable_by_everyone_like_an_ordinary_file() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new();
    let source = Source::parse(PAGES).unwrap();
    regen::regenerate(&source, &scratch.spec(), &Options::default(), &mut Silent).unwrap();
    let mode = std::fs::metadata(scratch.spec())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
}
