//! `cargo xtask regen`: the vendor's documentation pages → one spec.
//!
//! The vendor publishes an index (an `llms.txt` list of markdown links) and,
//! for each operation, a markdown page holding an OpenAPI block: a fence
//! whose info string is `yaml <method> <path>` and whose YAML is a whole
//! OpenAPI document for that operation and the schemas it uses. This module
//! reads the pages from the web or from saved copies, takes each page's
//! OpenAPI blocks (every other fenced block, YAML or not, is prose) and
//! merges them into one document.
//!
//! A page of the API reference (a link under `api-reference/`) must hold an
//! OpenAPI block unless its file name is one of [`NON_OPERATION_PAGES`]; a
//! page that is not markdown at all (an HTML error page served with 200) is
//! an error wherever it is. Either way nothing is written, so a hiccup of
//! the vendor's site never removes an operation from the spec.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::openapi::METHODS;

/// The vendor's documentation index.
pub const DEFAULT_INDEX: &str = "https://docs.identifai.net/llms.txt";

/// The pages of the API reference that describe no operation, by file name
/// without `.md` (`api-reference/rate-limits.md` → `rate-limits`). Any other
/// page under `api-reference/` without an OpenAPI block fails `regen`: add
/// its name here when the vendor publishes a new page of that kind.
pub const NON_OPERATION_PAGES: &[&str] = &[
    "introduction",
    "overview",
    "authentication",
    "rate-limits",
    "errors",
    "changelog",
];

/// The folder of the docs site whose pages describe operations.
const API_REFERENCE: &str = "api-reference";

/// Where the spec comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An index (`llms.txt`) at a URL; its pages are fetched.
    IndexUrl(String),
    /// A saved index; each page is read from the index's folder at the
    /// link's path, or by the last segment of its link.
    IndexFile(PathBuf),
    /// A folder of saved pages (`*.md`, in subfolders too).
    Pages(PathBuf),
    /// One OpenAPI document, taken as it is (normalised).
    OpenApi(PathBuf),
}

impl Source {
    /// Reads what `--from` names.
    pub fn parse(from: &str) -> Result<Self, String> {
        if from.starts_with("http://") || from.starts_with("https://") {
            return Ok(Self::IndexUrl(from.to_string()));
        }
        let path = PathBuf::from(from);
        let meta = std::fs::metadata(&path).map_err(|e| format!("cannot read {from}: {e}"))?;
        if meta.is_dir() {
            return Ok(Self::Pages(path));
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {from}: {e}"))?;
        let is_openapi = serde_norway::from_str::<Value>(&text)
            .ok()
            .is_some_and(|doc| doc.get("openapi").is_some());
        Ok(if is_openapi {
            Self::OpenApi(path)
        } else {
            Self::IndexFile(path)
        })
    }
}

/// One documentation page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where it came from (a URL or a file), for messages.
    pub origin: String,
    /// Its path on the docs site (`api-reference/user/get-credits.md`),
    /// which says whether it must describe an operation.
    pub site_path: String,
    pub text: String,
}

impl Page {
    /// A page whose site path is its origin's: a URL's path, or the origin
    /// itself.
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Self {
        let origin = origin.into();
        let site_path = link_path(&origin);
        Self {
            origin,
            site_path,
            text: text.into(),
        }
    }

    /// Whether the page is in the API reference and not one of the known
    /// pages without an operation.
    fn must_describe_an_operation(&self) -> bool {
        let mut segments: Vec<&str> = self.site_path.split('/').collect();
        let name = segments.pop().unwrap_or_default();
        let stem = name.strip_suffix(".md").unwrap_or(name);
        segments.contains(&API_REFERENCE) && !NON_OPERATION_PAGES.contains(&stem)
    }
}

/// A URL's path without its leading `/`, or the link as it is.
fn link_path(link: &str) -> String {
    url::Url::parse(link)
        .map(|url| url.path().trim_start_matches('/').to_string())
        .unwrap_or_else(|_| link.trim_start_matches('/').to_string())
}

/// Reports progress while pages are read.
pub trait Progress {
    fn start(&mut self, pages: usize);
    fn page_done(&mut self, origin: &str);
    /// A page failed in a way worth one more try, which is about to start.
    fn retrying(&mut self, origin: &str, why: &str);
    fn finish(&mut self);
}

/// No progress report.
pub struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: usize) {}
    fn page_done(&mut self, _: &str) {}
    fn retrying(&mut self, _: &str, _: &str) {}
    fn finish(&mut self) {}
}

/// Progress as one line per page (`[3/21] https://…/get-credits.md`), for
/// logs; write errors are ignored (progress is not the result).
pub struct Lines<W> {
    out: W,
    total: usize,
    done: usize,
}

impl<W: std::io::Write> Lines<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            total: 0,
            done: 0,
        }
    }

    /// The writer, with everything written so far.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: std::io::Write> Progress for Lines<W> {
    fn start(&mut self, pages: usize) {
        self.total = pages;
        self.done = 0;
    }
    fn page_done(&mut self, origin: &str) {
        self.done += 1;
        let _ = writeln!(self.out, "[{}/{}] {origin}", self.done, self.total);
    }
    fn retrying(&mut self, origin: &str, why: &str) {
        let _ = writeln!(self.out, "retrying {origin}: {why}");
    }
    fn finish(&mut self) {
        let _ = self.out.flush();
    }
}

/// How pages are fetched.
#[derive(Debug, Clone)]
pub struct Fetch {
    /// How long one attempt at a page may take.
    pub timeout: Duration,
    /// The pause before the one retry of a page that failed with a 5xx, a
    /// timeout or a broken connection.
    pub retry_pause: Duration,
}

impl Default for Fetch {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retry_pause: Duration::from_secs(1),
        }
    }
}

/// Reads the source and returns the merged document (not yet normalised).
pub fn read_source(
    source: &Source,
    settings: &Fetch,
    progress: &mut dyn Progress,
) -> Result<Value, String> {
    let pages = match source {
        Source::OpenApi(path) => return crate::spec::load(path),
        Source::IndexUrl(url) => {
            let client = http_client(settings)?;
            let index = fetch(&client, url, settings, progress)?;
            let links = index_links(&index, url);
            if links.is_empty() {
                return Err(format!("the index {url} links to no markdown page"));
            }
            read_all(&links, progress, |link, progress| {
                let text = fetch(&client, link, settings, progress)?;
                Ok(Page::new(link, text))
            })?
        }
        Source::IndexFile(path) => {
            let index = read_file(path)?;
            let dir = path.parent().unwrap_or(Path::new("."));
            let links = index_links(&index, &path.display().to_string());
            if links.is_empty() {
                return Err(format!(
                    "the index {} links to no markdown page",
                    path.display()
                ));
            }
            read_all(&links, progress, |link, _| {
                let text = read_file(&saved_page(dir, link))?;
                Ok(Page::new(link, text))
            })?
        }
        Source::Pages(dir) => {
            let files = markdown_files(dir)?;
            read_all(&files, progress, |file, _| {
                let path = Path::new(file);
                let site_path = path
                    .strip_prefix(dir)
                    .unwrap_or(path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                Ok(Page {
                    origin: file.to_string(),
                    site_path,
                    text: read_file(path)?,
                })
            })?
        }
    };
    merge_pages(&pages)
}

/// The `*.md` files under `dir`, in every subfolder, sorted.
fn markdown_files(dir: &Path) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        if entry.file_type().is_file() && path.extension().is_some_and(|x| x == "md") {
            files.push(path.display().to_string());
        }
    }
    if files.is_empty() {
        return Err(format!(
            "{} holds no markdown page (*.md), in no subfolder either",
            dir.display()
        ));
    }
    Ok(files)
}

fn read_all(
    origins: &[String],
    progress: &mut dyn Progress,
    mut read: impl FnMut(&str, &mut dyn Progress) -> Result<Page, String>,
) -> Result<Vec<Page>, String> {
    progress.start(origins.len());
    let mut pages = Vec::with_capacity(origins.len());
    for origin in origins {
        let page = read(origin, progress);
        progress.page_done(origin);
        pages.push(page?);
    }
    progress.finish();
    Ok(pages)
}

fn http_client(settings: &Fetch) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .timeout(settings.timeout)
        .user_agent(concat!("identifai-rs-xtask/", env!("CARGO_PKG_VERSION")))
        .tls_backend_preconfigured(tls_config()?)
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))
}

/// rustls with ring and the platform's trust store, handed to reqwest
/// ready-made: whoever calls `regen` (the binary or a test) needs no
/// process-wide crypto provider.
fn tls_config() -> Result<rustls::ClientConfig, String> {
    use std::sync::Arc;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = |e: rustls::Error| format!("cannot set up TLS: {e}");
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(tls)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Why one attempt at a page failed.
enum Failure {
    /// Worth one more try: a 5xx, a timeout, a broken connection.
    Transient(String),
    /// Final: a 4xx, a redirect loop, a page that is not text.
    Final(String),
}

/// Fetches a page, trying once more after a transient failure.
fn fetch(
    client: &reqwest::blocking::Client,
    url: &str,
    settings: &Fetch,
    progress: &mut dyn Progress,
) -> Result<String, String> {
    match fetch_once(client, url, settings) {
        Ok(text) => Ok(text),
        Err(Failure::Final(why)) => Err(format!("cannot fetch {url}: {why}")),
        Err(Failure::Transient(why)) => {
            progress.retrying(url, &why);
            std::thread::sleep(settings.retry_pause);
            fetch_once(client, url, settings).map_err(|failure| {
                let (Failure::Final(again) | Failure::Transient(again)) = failure;
                format!("cannot fetch {url}: {again} (and before that: {why})")
            })
        }
    }
}

fn fetch_once(
    client: &reqwest::blocking::Client,
    url: &str,
    settings: &Fetch,
) -> Result<String, Failure> {
    let network = |e: reqwest::Error| {
        if e.is_timeout() {
            Failure::Transient(format!(
                "no answer within {} s",
                settings.timeout.as_secs_f64()
            ))
        } else if e.is_connect() || e.is_request() || e.is_body() {
            Failure::Transient(error_chain(&e))
        } else {
            Failure::Final(error_chain(&e))
        }
    };
    let response = client.get(url).send().map_err(network)?;
    let status = response.status();
    if status.is_server_error() {
        return Err(Failure::Transient(format!("the server answered {status}")));
    }
    if !status.is_success() {
        return Err(Failure::Final(format!("the server answered {status}")));
    }
    response.text().map_err(network)
}

/// An error and its causes, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// Where a saved copy of a linked page is: at the link's path below the
/// index's folder when it is there, else by the link's last segment.
fn saved_page(dir: &Path, link: &str) -> PathBuf {
    let path = link_path(link);
    let nested = dir.join(&path);
    if nested.is_file() {
        return nested;
    }
    dir.join(path.rsplit('/').next().unwrap_or(&path))
}

fn read_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The markdown pages an index links to, in order, without repeats; links
/// relative to the index are resolved against it.
pub fn index_links(index: &str, index_location: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    let mut rest = index;
    while let Some(start) = rest.find("](") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].trim();
        rest = &rest[end..];
        let target = target.split(['#', '?']).next().unwrap_or_default();
        if !target.ends_with(".md") {
            continue;
        }
        let resolved = resolve_link(index_location, target);
        if !links.contains(&resolved) {
            links.push(resolved);
        }
    }
    links
}

fn resolve_link(base: &str, target: &str) -> String {
    if target.contains("://") {
        return target.to_string();
    }
    match url::Url::parse(base).and_then(|b| b.join(target)) {
        Ok(url) => url.to_string(),
        Err(_) => target.to_string(),
    }
}

/// A page's OpenAPI block: the fence ```` ```yaml <method> <path> ````.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationBlock<'a> {
    /// The method of the info string, in lower case.
    pub method: String,
    /// The path of the info string.
    pub path: String,
    /// The YAML between the fences.
    pub yaml: &'a str,
}

/// The OpenAPI blocks of a page, in order: the fenced blocks whose info
/// string is `yaml <method> <path>` (any case, three or more backticks);
/// every other block is ignored, YAML or not. An OpenAPI block that never
/// ends is an error (a page saved or served in part must not silently lose
/// operations).
pub fn operation_blocks(page: &str) -> Result<Vec<OperationBlock<'_>>, String> {
    let mut blocks = Vec::new();
    for fence in fences(page) {
        let Some((method, path)) = operation_label(fence.info) else {
            continue;
        };
        if !fence.closed {
            return Err(format!(
                "its OpenAPI block `{}` never ends: the page is cut off",
                fence.info
            ));
        }
        blocks.push(OperationBlock {
            method,
            path,
            yaml: fence.body,
        });
    }
    Ok(blocks)
}

/// The method and path of an OpenAPI block's info string.
fn operation_label(info: &str) -> Option<(String, String)> {
    let mut words = info.split_whitespace();
    let language = words.next()?;
    let method = words.next()?.to_ascii_lowercase();
    let path = words.next()?;
    (language.eq_ignore_ascii_case("yaml")
        && METHODS.contains(&method.as_str())
        && path.starts_with('/'))
    .then(|| (method, path.to_string()))
}

/// A fenced code block of a markdown page.
struct Fence<'a> {
    info: &'a str,
    body: &'a str,
    /// Whether a closing fence was found (else the block runs to the end).
    closed: bool,
}

/// The fenced code blocks of a page, as CommonMark reads them: a fence is
/// three or more backticks or tildes indented by at most three spaces, and
/// the block ends at a fence of the same character at least as long.
fn fences(page: &str) -> Vec<Fence<'_>> {
    let mut found = Vec::new();
    // The opening fence's character, length, info string and body start.
    let mut open: Option<(char, usize, &str, usize)> = None;
    let mut offset = 0;
    for line in page.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        match open {
            None => {
                if let Some((mark, len, info)) = opening_fence(line) {
                    open = Some((mark, len, info, offset));
                }
            }
            Some((mark, len, info, body)) => {
                if closes(line, mark, len) {
                    found.push(Fence {
                        info,
                        body: &page[body..start],
                        closed: true,
                    });
                    open = None;
                }
            }
        }
    }
    if let Some((_, _, info, body)) = open {
        found.push(Fence {
            info,
            body: &page[body..],
            closed: false,
        });
    }
    found
}

fn opening_fence(line: &str) -> Option<(char, usize, &str)> {
    let rest = line.trim_start_matches(' ');
    if line.len() - rest.len() > 3 {
        return None;
    }
    let mark = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.chars().take_while(|c| *c == mark).count();
    let info = rest[len..].trim();
    (len >= 3 && !(mark == '`' && info.contains('`'))).then_some((mark, len, info))
}

fn closes(line: &str, mark: char, len: usize) -> bool {
    let rest = line.trim_start_matches(' ');
    let fence = rest.trim_end();
    line.len() - rest.len() <= 3 && fence.len() >= len && fence.chars().all(|c| c == mark)
}

/// Whether a page is HTML rather than the docs' markdown: what a CDN or a
/// proxy serves, with status 200, when the page itself is not there.
fn is_html(text: &str) -> bool {
    let start: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    ["<!doctype", "<html", "<head", "<body", "<?xml"]
        .iter()
        .any(|tag| start.starts_with(tag))
}

/// The OpenAPI documents a page holds, each checked against its label; an
/// error when the page is not the docs' markdown, or is a page of the API
/// reference without an OpenAPI block.
fn page_documents(page: &Page) -> Result<Vec<Map<String, Value>>, String> {
    let origin = &page.origin;
    if is_html(&page.text) {
        return Err(format!(
            "{origin} is an HTML page, not the docs' markdown: the site may have served an \
             error page; try again later"
        ));
    }
    let blocks = operation_blocks(&page.text).map_err(|e| format!("{origin}: {e}"))?;
    if blocks.is_empty() && page.must_describe_an_operation() {
        return Err(format!(
            "{origin} is a page of the API reference but holds no OpenAPI block (a fence \
             ```yaml METHOD /path): the page may be broken or its format may have changed; if \
             it describes no operation, add its name to NON_OPERATION_PAGES in \
             xtask/src/regen.rs"
        ));
    }
    let mut documents = Vec::with_capacity(blocks.len());
    for block in blocks {
        let label = format!("{} {}", block.method.to_uppercase(), block.path);
        let doc = crate::spec::parse(block.yaml, &format!("the OpenAPI block of {origin}"))?;
        let Value::Object(doc) = doc else {
            return Err(format!(
                "{origin}: the OpenAPI block `{label}` is not an OpenAPI document"
            ));
        };
        if !doc.contains_key("openapi") {
            return Err(format!(
                "{origin}: the OpenAPI block `{label}` is not an OpenAPI document (it has no \
                 `openapi` key)"
            ));
        }
        let described = doc
            .get("paths")
            .and_then(|paths| paths.get(&block.path))
            .and_then(|item| item.get(&block.method))
            .is_some();
        if !described {
            return Err(format!(
                "{origin}: the OpenAPI block is labelled `{label}` but does not describe that \
                 operation"
            ));
        }
        documents.push(doc);
    }
    Ok(documents)
}

/// Merges the OpenAPI documents of the pages into one. Two pages that
/// describe the same operation or component differently are an error that
/// names both pages and where the two differ.
pub fn merge_pages(pages: &[Page]) -> Result<Value, String> {
    let mut merged: Map<String, Value> = Map::new();
    // Where each path operation and component came from.
    let mut origins: Map<String, Value> = Map::new();
    let mut found = 0;
    for page in pages {
        for doc in page_documents(page)? {
            found += 1;
            merge_document(&mut merged, &doc, &page.origin, &mut origins)?;
        }
    }
    if found == 0 {
        return Err("no page holds an OpenAPI block (a fence ```yaml METHOD /path)".to_string());
    }
    Ok(Value::Object(merged))
}

fn merge_document(
    target: &mut Map<String, Value>,
    doc: &Map<String, Value>,
    origin: &str,
    origins: &mut Map<String, Value>,
) -> Result<(), String> {
    merge_tags(target, doc);
    // Everything else at the top (openapi, info, servers, security) is
    // shared by all pages and must agree.
    for (key, value) in doc
        .iter()
        .filter(|(k, _)| !["paths", "components", "tags"].contains(&k.as_str()))
    {
        insert_once(target, key, value, &format!("`{key}`"), origin, origins)?;
    }
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let what = format!("the operation {} {path}", method.to_uppercase());
            let slot = submap(submap(target, "paths")?, path)?;
            insert_once(slot, method, operation, &what, origin, origins)?;
        }
    }
    for (section, entries) in doc
        .get("components")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (name, definition) in entries.as_object().into_iter().flatten() {
            let what = format!("the component {section}.{name}");
            let slot = submap(submap(target, "components")?, section)?;
            insert_once(slot, name, definition, &what, origin, origins)?;
        }
    }
    Ok(())
}

/// The map at `key` of `map`, created when missing.
fn submap<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
) -> Result<&'m mut Map<String, Value>, String> {
    map.entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| format!("`{key}` of the merged spec is not a map"))
}

fn insert_once(
    slot: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    what: &str,
    origin: &str,
    origins: &mut Map<String, Value>,
) -> Result<(), String> {
    match slot.get(key) {
        Some(existing) if existing != value => {
            let first = origins
                .get(what)
                .and_then(Value::as_str)
                .unwrap_or("an earlier page");
            let mut differences = Vec::new();
            differences_between(existing, value, "", &mut differences);
            let shown: Vec<String> = differences
                .iter()
                .take(MAX_DIFFERENCES)
                .map(|(at, a, b)| {
                    let at = if at.is_empty() { "the whole value" } else { at };
                    format!(
                        "  at `{at}`: {} in the first, {} in the second",
                        show(*a),
                        show(*b)
                    )
                })
                .collect();
            let more = match differences.len().saturating_sub(MAX_DIFFERENCES) {
                0 => String::new(),
                n => format!("\n  and {n} more difference(s)"),
            };
            Err(format!(
                "{what} is defined differently by two pages:\n  first:  {first}\n  second: \
                 {origin}\n{}{more}\nask the vendor which is right, or read one page set at a \
                 time",
                shown.join("\n")
            ))
        }
        Some(_) => Ok(()),
        None => {
            slot.insert(key.to_string(), value.clone());
            origins.insert(what.to_string(), Value::String(origin.to_string()));
            Ok(())
        }
    }
}

/// How many differing places a conflict lists.
const MAX_DIFFERENCES: usize = 8;

/// A difference: where (`properties.sku.type`), the first value, the second
/// (`None`: absent).
type Difference<'v> = (String, Option<&'v Value>, Option<&'v Value>);

/// Every place where `a` and `b` differ, by key path.
fn differences_between<'v>(a: &'v Value, b: &'v Value, at: &str, out: &mut Vec<Difference<'v>>) {
    match (a, b) {
        (Value::Object(a_map), Value::Object(b_map)) => {
            for (key, a_value) in a_map {
                let here = join_key(at, key);
                match b_map.get(key) {
                    Some(b_value) => differences_between(a_value, b_value, &here, out),
                    None => out.push((here, Some(a_value), None)),
                }
            }
            for (key, b_value) in b_map.iter().filter(|(k, _)| !a_map.contains_key(*k)) {
                out.push((join_key(at, key), None, Some(b_value)));
            }
        }
        (Value::Array(a_items), Value::Array(b_items)) if a_items.len() == b_items.len() => {
            for (i, (a_item, b_item)) in a_items.iter().zip(b_items).enumerate() {
                differences_between(a_item, b_item, &format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => out.push((at.to_string(), Some(a), Some(b))),
        _ => {}
    }
}

fn join_key(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// A value in a message: compact JSON, cut after 80 characters.
fn show(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "absent".to_string();
    };
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

fn merge_tags(target: &mut Map<String, Value>, doc: &Map<String, Value>) {
    let Some(Value::Array(new)) = doc.get("tags") else {
        return;
    };
    let tags = target
        .entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(tags) = tags {
        for tag in new {
            let name = tag.get("name");
            if !tags.iter().any(|t| t.get("name") == name) {
                tags.push(tag.clone());
            }
        }
    }
}

/// How `regenerate` runs.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Applied to the old and new specs for the report of changes, so that
    /// it shows what users of the generated client see.
    pub overlay: Option<&'a Value>,
    /// Report the changes, write nothing.
    pub dry_run: bool,
    /// Write nothing when a change is breaking.
    pub fail_on_breaking: bool,
    /// How pages are fetched.
    pub fetch: Fetch,
}

/// What `regenerate` did.
#[derive(Debug)]
pub enum Outcome {
    /// The new spec is the old one, byte for byte; nothing was written.
    Unchanged,
    /// The new spec was written; the changes against the old one.
    Written(crate::diff::Report),
    /// A dry run: the changes, nothing written.
    DryRun(crate::diff::Report),
    /// Breaking changes with `fail_on_breaking`: nothing written.
    Refused(crate::diff::Report),
}

impl Outcome {
    /// The changes, when the spec changed.
    pub fn report(&self) -> Option<&crate::diff::Report> {
        match self {
            Outcome::Unchanged => None,
            Outcome::Written(report) | Outcome::DryRun(report) | Outcome::Refused(report) => {
                Some(report)
            }
        }
    }
}

/// Reads the source, normalises the merged spec, compares it with the one
/// at `spec_path` and writes it there atomically when it differs (unless
/// `options` say otherwise). Nothing is written when any page fails. Every
/// operation the new spec lacks is in the report, as a breaking change.
pub fn regenerate(
    source: &Source,
    spec_path: &Path,
    options: &Options,
    progress: &mut dyn Progress,
) -> Result<Outcome, String> {
    let merged = read_source(source, &options.fetch, progress)?;
    let text = crate::spec::to_normalized_yaml(&merged)?;
    let previous = match std::fs::read_to_string(spec_path) {
        Ok(previous) => Some(previous),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", spec_path.display())),
    };
    if previous.as_deref() == Some(text.as_str()) {
        return Ok(Outcome::Unchanged);
    }
    let old = match &previous {
        Some(old) => crate::spec::parse(old, &spec_path.display().to_string())?,
        None => Value::Object(Map::new()),
    };
    let new = crate::spec::normalize(&merged);
    let report = crate::diff_as_client_sees(&old, &new, options.overlay)?;
    if options.fail_on_breaking && report.has_breaking() {
        return Ok(Outcome::Refused(report));
    }
    if options.dry_run {
        return Ok(Outcome::DryRun(report));
    }
    crate::spec::write_atomically(spec_path, &text)?;
    Ok(Outcome::Written(report))
}
