//! `cargo xtask regen`: the vendor's documentation pages → one spec.
//!
//! The vendor publishes an index (an `llms.txt` list of markdown links) and,
//! for each operation, a markdown page whose fenced YAML block is a whole
//! OpenAPI document for that operation and the schemas it uses. This module
//! reads them from the web or from saved copies, extracts the blocks and
//! merges them into one document.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

/// The vendor's documentation index.
pub const DEFAULT_INDEX: &str = "https://docs.identifai.net/llms.txt";

/// How long one page may take to download.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the spec comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An index (`llms.txt`) at a URL; its pages are fetched.
    IndexUrl(String),
    /// A saved index; each page is read from the index's folder by the
    /// last segment of its link.
    IndexFile(PathBuf),
    /// A folder of saved pages (`*.md`).
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

/// One documentation page: where it came from and its text.
pub struct Page {
    pub origin: String,
    pub text: String,
}

/// Reports progress while pages are read.
pub trait Progress {
    fn start(&mut self, pages: usize);
    fn page_done(&mut self, origin: &str);
    fn finish(&mut self);
}

/// No progress report.
pub struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: usize) {}
    fn page_done(&mut self, _: &str) {}
    fn finish(&mut self) {}
}

/// Reads the source and returns the merged document (not yet normalised).
pub fn read_source(source: &Source, progress: &mut dyn Progress) -> Result<Value, String> {
    let pages = match source {
        Source::OpenApi(path) => return crate::spec::load(path),
        Source::IndexUrl(url) => {
            let client = http_client()?;
            let index = fetch(&client, url)?;
            let links = index_links(&index, url);
            if links.is_empty() {
                return Err(format!("the index {url} links to no markdown page"));
            }
            read_all(&links, progress, |link| fetch(&client, link))?
        }
        Source::IndexFile(path) => {
            let index = read_file(path)?;
            let dir = path.parent().unwrap_or(Path::new("."));
            let links = index_links(&index, &path.display().to_string());
            read_all(&links, progress, |link| read_file(&saved_page(dir, link)))?
        }
        Source::Pages(dir) => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect();
            files.sort();
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            read_all(&names, progress, |name| read_file(Path::new(name)))?
        }
    };
    merge_pages(&pages)
}

fn read_all(
    origins: &[String],
    progress: &mut dyn Progress,
    mut read: impl FnMut(&str) -> Result<String, String>,
) -> Result<Vec<Page>, String> {
    progress.start(origins.len());
    let mut pages = Vec::with_capacity(origins.len());
    for origin in origins {
        let text = read(origin);
        progress.page_done(origin);
        pages.push(Page {
            origin: origin.clone(),
            text: text?,
        });
    }
    progress.finish();
    Ok(pages)
}

fn http_client() -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .timeout(PAGE_TIMEOUT)
        .user_agent(concat!("identifai-rs-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))
}

fn fetch(client: &reqwest::blocking::Client, url: &str) -> Result<String, String> {
    let response = client.get(url).send().map_err(|e| {
        let why = if e.is_timeout() {
            "it took longer than 30 s".to_string()
        } else {
            e.to_string()
        };
        format!("cannot fetch {url}: {why}")
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("cannot fetch {url}: the server answered {status}"));
    }
    response
        .text()
        .map_err(|e| format!("cannot read {url}: {e}"))
}

/// Where a saved copy of a linked page is: at the link's path below the
/// index's folder when it is there, else by the link's last segment.
fn saved_page(dir: &Path, link: &str) -> PathBuf {
    let path = url::Url::parse(link)
        .map(|url| url.path().trim_start_matches('/').to_string())
        .unwrap_or_else(|_| link.trim_start_matches('/').to_string());
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

/// The OpenAPI document in a page's fenced YAML block: `Ok(None)` when the
/// page has none (guides and other pages), an error when the block is cut
/// off (a page saved or served in part must not silently lose operations).
pub fn extract_yaml(page: &str) -> Result<Option<&str>, String> {
    let mut lines = page.split_inclusive('\n');
    let mut offset = 0;
    while let Some(line) = lines.next() {
        offset += line.len();
        let trimmed = line.trim_start();
        let fence_len = trimmed.chars().take_while(|c| *c == '`').count();
        if fence_len >= 3 && trimmed[fence_len..].trim_start().starts_with("yaml") {
            let fence = &trimmed[..fence_len];
            let start = offset;
            for line in lines.by_ref() {
                if line.trim() == fence {
                    return Ok(Some(&page[start..offset]));
                }
                offset += line.len();
            }
            return Err("its YAML block never ends: the page is cut off".to_string());
        }
    }
    Ok(None)
}

/// Merges the OpenAPI documents of the pages into one. Two pages that
/// describe the same operation or component differently are an error that
/// names both.
pub fn merge_pages(pages: &[Page]) -> Result<Value, String> {
    let mut merged: Option<Map<String, Value>> = None;
    // Where each path operation and component came from.
    let mut origins: Map<String, Value> = Map::new();
    let mut found = 0;
    for page in pages {
        let yaml = extract_yaml(&page.text).map_err(|e| format!("{}: {e}", page.origin))?;
        let Some(yaml) = yaml else {
            continue;
        };
        let doc = crate::spec::parse(yaml, &format!("the YAML block of {}", page.origin))?;
        let Some(doc) = doc.as_object().filter(|d| d.contains_key("openapi")) else {
            continue;
        };
        found += 1;
        let target = merged.get_or_insert_with(Map::new);
        merge_tags(target, doc);
        // Everything else at the top (openapi, info, servers, security) is
        // shared by all pages and must agree.
        for (key, value) in doc
            .iter()
            .filter(|(k, _)| !["paths", "components", "tags"].contains(&k.as_str()))
        {
            insert_once(
                target,
                key,
                value,
                &format!("`{key}`"),
                &page.origin,
                &mut origins,
            )?;
        }
        for (path, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let what = format!("the operation {} {path}", method.to_uppercase());
                let slot = target
                    .entry("paths")
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .and_then(|paths| {
                        paths
                            .entry(path.clone())
                            .or_insert_with(|| Value::Object(Map::new()))
                            .as_object_mut()
                    })
                    .ok_or("the merged paths are not a map")?;
                insert_once(slot, method, operation, &what, &page.origin, &mut origins)?;
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
                let slot = target
                    .entry("components")
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .and_then(|c| {
                        c.entry(section.clone())
                            .or_insert_with(|| Value::Object(Map::new()))
                            .as_object_mut()
                    })
                    .ok_or("the merged components are not a map")?;
                insert_once(slot, name, definition, &what, &page.origin, &mut origins)?;
            }
        }
    }
    match merged {
        Some(doc) if found > 0 => Ok(Value::Object(doc)),
        _ => Err("no page holds an OpenAPI YAML block".to_string()),
    }
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
            Err(format!(
                "{what} is defined differently by two pages:\n  {first}\n  {origin}\n\
                 ask the vendor which is right, or read one page set at a time"
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

/// What `regenerate` did.
#[derive(Debug)]
pub struct Outcome {
    /// The changes against the previous file; `None` when it is unchanged.
    pub report: Option<crate::diff::Report>,
}

/// Reads the source, normalises the merged spec and writes it to
/// `spec_path` atomically when it differs. Nothing is written when any page
/// fails. The report compares the old and new specs as the client sees
/// them: with `overlay` applied to both, when given.
pub fn regenerate(
    source: &Source,
    spec_path: &Path,
    overlay: Option<&Value>,
    progress: &mut dyn Progress,
) -> Result<Outcome, String> {
    let merged = read_source(source, progress)?;
    let text = crate::spec::to_normalized_yaml(&merged)?;
    let previous = std::fs::read_to_string(spec_path).ok();
    if previous.as_deref() == Some(text.as_str()) {
        return Ok(Outcome { report: None });
    }
    let old = match &previous {
        Some(old) => crate::spec::parse(old, &spec_path.display().to_string())?,
        None => Value::Object(Map::new()),
    };
    crate::spec::write_atomically(spec_path, &text)?;
    let new = crate::spec::normalize(&merged);
    Ok(Outcome {
        report: Some(crate::diff_as_client_sees(&old, &new, overlay)),
    })
}
