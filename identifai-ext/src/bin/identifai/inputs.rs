//! From the command line's inputs to media: files, folders, glob patterns,
//! URLs and stdin.

use std::path::{Path, PathBuf};

use identifai_ext::media::redact_url;
use identifai_ext::{Error, InputError, Media, MediaKind};

/// One input to classify, or why it cannot be.
pub struct Input {
    /// How it is shown: the path, the URL (its credentials redacted), or
    /// `stdin`.
    pub label: String,
    /// The media, or the error that is reported in its place.
    pub media: Result<Media, Error>,
    /// Where its content comes from, when it can be read.
    pub source: Option<Source>,
}

/// Where an input's content comes from.
#[derive(Clone, Debug)]
pub enum Source {
    Path(PathBuf),
    Url(String),
    Stdin,
}

impl Input {
    fn failed(label: impl Into<String>, problem: impl Into<String>) -> Self {
        let label = label.into();
        Self {
            media: Err(InputError {
                subject: label.clone(),
                problem: problem.into(),
            }
            .into()),
            label,
            source: None,
        }
    }
}

/// Expands the inputs in order: a folder into its files (sorted), a glob
/// pattern into its matches (sorted), `-` into stdin's bytes. `kind` is
/// insisted on for files and is the kind of URLs (image by default).
pub fn expand(inputs: &[String], kind: Option<MediaKind>) -> Vec<Input> {
    let mut expanded = Vec::new();
    let with_kind = |media: Media| match kind {
        Some(kind) => media.kind(kind),
        None => media,
    };
    let path_input = |path: PathBuf| Input {
        label: path.display().to_string(),
        media: Ok(with_kind(Media::path(&path))),
        source: Some(Source::Path(path)),
    };
    // Files already taken: a folder or pattern that matches a file named
    // before (or by another folder or pattern) does not submit it again.
    let mut seen = std::collections::HashSet::new();
    for input in inputs {
        if input == "-" {
            expanded.push(stdin(kind));
        } else if let Some(scheme) = other_scheme(input) {
            expanded.push(Input::failed(
                redact_url(input),
                format!(
                    "unsupported URL scheme `{scheme}`: only http and https URLs can be \
                     classified; for a file on this machine, give its path"
                ),
            ));
        } else if is_url(input) {
            expanded.push(Input {
                label: redact_url(input),
                media: Ok(Media::url(input.clone(), kind.unwrap_or(MediaKind::Image))),
                source: Some(Source::Url(input.clone())),
            });
        } else if Path::new(input).is_dir() {
            match folder(Path::new(input)) {
                Ok(files) if files.is_empty() => {
                    expanded.push(Input::failed(input, "is a folder with no file in it"));
                }
                Ok(files) => expanded.extend(unseen(files, &mut seen).into_iter().map(path_input)),
                Err(e) => expanded.push(Input::failed(input, format!("cannot list: {e}"))),
            }
        } else if !Path::new(input).exists() && is_pattern(input) {
            match pattern(input) {
                Ok(files) if files.is_empty() => {
                    expanded.push(Input::failed(input, "no file matches this pattern"));
                }
                Ok(files) => expanded.extend(unseen(files, &mut seen).into_iter().map(path_input)),
                Err(e) => expanded.push(Input::failed(input, e)),
            }
        } else {
            // A missing or unreadable file is refused in its place by the
            // SDK's checks, with its name.
            let path = PathBuf::from(input);
            seen.insert(std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()));
            expanded.push(path_input(path));
        }
    }
    expanded
}

/// The files not taken yet (by their canonical path), which are now taken.
fn unseen(files: Vec<PathBuf>, seen: &mut std::collections::HashSet<PathBuf>) -> Vec<PathBuf> {
    files
        .into_iter()
        .filter(|file| seen.insert(std::fs::canonicalize(file).unwrap_or_else(|_| file.clone())))
        .collect()
}

fn is_url(input: &str) -> bool {
    let lower = input.get(..8).unwrap_or(input).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The scheme of a URL that is not http(s) (`file://…`, `ftp://…`).
fn other_scheme(input: &str) -> Option<String> {
    let (scheme, _) = input.split_once("://")?;
    let valid = !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let lower = scheme.to_ascii_lowercase();
    (valid && lower != "http" && lower != "https").then_some(lower)
}

fn is_pattern(input: &str) -> bool {
    input.contains(['*', '?', '['])
}

/// The files directly in a folder, sorted; hidden files are skipped.
fn folder(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let path = entry.path();
        if !hidden && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The files a glob pattern matches, sorted; folders are skipped.
fn pattern(input: &str) -> Result<Vec<PathBuf>, String> {
    let matches = glob::glob(input).map_err(|e| format!("is not a valid pattern: {e}"))?;
    let mut files = Vec::new();
    for entry in matches {
        match entry {
            Ok(path) if path.is_file() => files.push(path),
            Ok(_) => {}
            Err(e) => return Err(format!("cannot read {}: {}", e.path().display(), e.error())),
        }
    }
    files.sort();
    Ok(files)
}

/// Stdin, streamed as it is read (a 5 GB video must not be held in
/// memory); it is sent once, without retries.
fn stdin(kind: Option<MediaKind>) -> Input {
    let media = Media::reader(tokio::io::stdin(), "stdin", None);
    Input {
        label: "stdin".into(),
        media: Ok(match kind {
            Some(kind) => media.kind(kind),
            None => media,
        }),
        source: Some(Source::Stdin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_told_apart() {
        assert!(is_url("https://example.com/a.png"));
        assert!(is_url("HTTP://example.com/a.png"));
        assert!(!is_url("http.png"));
        assert!(is_pattern("photos/*.jpg"));
        assert_eq!(other_scheme("file:///tmp/a.png").as_deref(), Some("file"));
        assert_eq!(other_scheme("FTP://host/a.png").as_deref(), Some("ftp"));
        assert_eq!(other_scheme("https://host/a.png"), None);
        assert_eq!(other_scheme("photos/a.png"), None);
        assert!(!is_pattern("photos/a.jpg"));
    }

    #[test]
    fn folders_and_patterns_expand_sorted() {
        let dir = std::env::temp_dir().join(format!("identifai-inputs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for name in ["b.png", "a.png", ".hidden", "c.txt"] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let labels =
            |inputs: Vec<Input>| -> Vec<String> { inputs.into_iter().map(|i| i.label).collect() };
        let shown = |name: &str| dir.join(name).display().to_string();
        assert_eq!(
            labels(expand(&[dir.display().to_string()], None)),
            [shown("a.png"), shown("b.png"), shown("c.txt")]
        );
        let glob = format!("{}/*.png", dir.display());
        assert_eq!(
            labels(expand(std::slice::from_ref(&glob), None)),
            [shown("a.png"), shown("b.png")]
        );
        // A folder and a pattern over the same files: each file once.
        assert_eq!(
            labels(expand(
                &[shown("b.png"), dir.display().to_string(), glob.clone()],
                None
            )),
            [shown("b.png"), shown("a.png"), shown("c.txt")]
        );
        let none = format!("{}/*.gif", dir.display());
        let failed = expand(std::slice::from_ref(&none), None);
        assert!(failed[0].media.is_err());
        assert_eq!(failed[0].label, none);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
