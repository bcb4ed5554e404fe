//! `classify --journal FILE`: what a run submitted, written down as it
//! happens, so that a run stopped at any moment (kill -9 included) can be
//! resumed without losing an identifier or paying twice.
//!
//! The file is JSON lines, each flushed to disk before the run goes on:
//!
//! ```text
//! {"event":"header","tool":"identifai","command":"classify","format":1,"version":"0.1.0","options":{…}}
//! {"event":"started","key":"<sha256>","input":"a.png"}
//! {"event":"accepted","key":"…","input":"a.png","sha256":"…","submission":{"identifier":"…","kind":"image"},"options":{…}}
//! {"event":"finished","key":"…","input":"a.png","outcome":{"done":{"kind":"image","result":{…}}}}
//! {"event":"refused","key":"…","input":"b.png"}
//! ```
//!
//! `key` is the SHA-256 of the content (of the URL, for a URL input);
//! `options` are the submission options. A `started` entry with no answer
//! after it is an upload whose answer never came: the service may have
//! accepted (and charged) it without our knowing its identifier. A
//! `refused` entry is an answer without an identifier (nothing to wait
//! for; tried again on the next run). URLs are written with their
//! credentials and signatures redacted. The file is created readable by
//! its owner only, and locked while a run uses it.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use identifai_ext::{Analysis, Submission};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exit::{Failure, INPUT, USAGE};

/// The format this version writes and reads.
const FORMAT: u32 = 1;

/// One line of a journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Entry {
    /// The first line: who wrote the journal, and with which options.
    Header {
        tool: String,
        command: String,
        format: u32,
        version: String,
        options: Value,
    },
    /// An upload is about to begin.
    Started { key: String, input: String },
    /// The service accepted it.
    Accepted {
        key: String,
        input: String,
        sha256: String,
        submission: Submission,
        options: Value,
    },
    /// Its final outcome.
    Finished {
        key: String,
        input: String,
        outcome: Stored,
    },
    /// It was answered without an identifier (refused, or failed before
    /// the service took it): nothing to resume.
    Refused { key: String, input: String },
}

/// A final outcome as the journal keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stored {
    /// The verdict.
    Done(Box<Analysis>),
    /// A failure after acceptance (errored, refused while waiting).
    Failed {
        status: String,
        message: String,
        identifier: Option<String>,
        code: u8,
    },
}

/// What earlier runs left for one key.
#[derive(Clone, Debug)]
pub enum Past {
    /// Started, never answered: may have been charged.
    Unanswered,
    /// Accepted, not finished: to wait for.
    Accepted(Submission),
    /// Finished.
    Finished(Stored),
}

/// An open, locked journal.
pub struct Journal {
    file: File,
    path: PathBuf,
}

/// What opening a journal found.
pub struct Opened {
    pub journal: Journal,
    /// The state of each key, after every entry.
    pub past: HashMap<String, Past>,
    /// Whether the last line was cut off (and dropped).
    pub torn: bool,
}

impl Journal {
    /// Opens (or creates, 0600) and locks `path`, and reads what it holds.
    /// A journal written with other options, by another tool or format,
    /// or locked by another run, is refused with what to do.
    pub fn open(path: &Path, options: &Value) -> Result<Opened, Failure> {
        let shown = path.display();
        let mut file = open_private(path)
            .map_err(|e| Failure::new(INPUT, format!("cannot open the journal {shown}: {e}")))?;
        if let Err(e) = fs4::FileExt::try_lock(&file) {
            let why = match e {
                fs4::TryLockError::WouldBlock => {
                    "another identifai run is using it; wait for it to end, or give this run \
                     another --journal file"
                        .to_string()
                }
                fs4::TryLockError::Error(e) => format!("cannot lock it: {e}"),
            };
            return Err(Failure::new(USAGE, format!("the journal {shown}: {why}")));
        }
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| {
            Failure::new(
                INPUT,
                format!("cannot read the journal {shown}: {e} (is it a journal?)"),
            )
        })?;
        let (entries, complete_len, torn) = parse(&text, path)?;
        let mut journal = Journal {
            file,
            path: path.to_path_buf(),
        };
        // Drop a cut-off last line, so that what is appended starts on a
        // line of its own.
        if !text.is_empty() && complete_len == text.len() && !text.ends_with('\n') {
            journal
                .file
                .write_all(b"\n")
                .map_err(|e| journal.io_failure(e))?;
        } else if complete_len < text.len() {
            journal
                .file
                .set_len(complete_len as u64)
                .and_then(|()| journal.file.seek(SeekFrom::End(0)).map(drop))
                .map_err(|e| journal.io_failure(e))?;
        }
        let mut entries = entries.into_iter();
        match entries.next() {
            None => journal.write(&Entry::Header {
                tool: "identifai".into(),
                command: "classify".into(),
                format: FORMAT,
                version: env!("CARGO_PKG_VERSION").into(),
                options: options.clone(),
            })?,
            Some(Entry::Header {
                tool,
                command,
                format,
                version,
                options: theirs,
            }) => {
                if tool != "identifai" || command != "classify" {
                    return Err(Failure::new(
                        USAGE,
                        format!(
                            "{shown} is a journal of `{tool} {command}`, not of `identifai \
                             classify`; give this run another --journal file"
                        ),
                    ));
                }
                if format != FORMAT {
                    return Err(Failure::new(
                        USAGE,
                        format!(
                            "{shown} was written by identifai {version} in journal format \
                             {format}; this identifai ({}) reads format {FORMAT}: finish it with \
                             identifai {version}, or give this run another --journal file",
                            env!("CARGO_PKG_VERSION")
                        ),
                    ));
                }
                if &theirs != options {
                    return Err(Failure::new(
                        USAGE,
                        format!(
                            "{shown} was written by a run with other submission options ({theirs}, \
                             now {options}); resume it with the same options, or give this run \
                             another --journal file"
                        ),
                    ));
                }
            }
            Some(_) => {
                return Err(Failure::new(
                    USAGE,
                    format!("{shown} does not start with a journal header; is it a journal?"),
                ));
            }
        }
        let mut past = HashMap::new();
        for entry in entries {
            let (key, state) = match entry {
                Entry::Header { .. } => continue,
                Entry::Started { key, .. } => (key, Past::Unanswered),
                Entry::Accepted {
                    key, submission, ..
                } => (key, Past::Accepted(submission)),
                Entry::Finished { key, outcome, .. } => (key, Past::Finished(outcome)),
                Entry::Refused { key, .. } => {
                    past.remove(&key);
                    continue;
                }
            };
            // A later start of a finished key (a re-run of a failure) does
            // not undo what is known.
            match (past.get(&key), &state) {
                (Some(Past::Finished(_)), Past::Unanswered) => {}
                (Some(Past::Accepted(_)), Past::Unanswered) => {}
                _ => {
                    past.insert(key, state);
                }
            }
        }
        Ok(Opened {
            journal,
            past,
            torn,
        })
    }

    /// Appends an entry and flushes it to disk.
    pub fn write(&mut self, entry: &Entry) -> Result<(), Failure> {
        let mut line = serde_json::to_string(entry)
            .map_err(|e| Failure::new(INPUT, format!("cannot encode a journal entry: {e}")))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| self.io_failure(e))
    }

    fn io_failure(&self, e: std::io::Error) -> Failure {
        Failure::new(
            INPUT,
            format!("cannot write the journal {}: {e}", self.path.display()),
        )
    }
}

/// Opens for reading and appending; a new file is readable by its owner
/// only.
fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The entries, the length of the text up to the end of the last whole
/// line, and whether a cut-off line followed it.
fn parse(text: &str, path: &Path) -> Result<(Vec<Entry>, usize, bool), Failure> {
    let mut entries = Vec::new();
    let mut complete = 0;
    let mut rest = text;
    let mut number = 0;
    while !rest.is_empty() {
        number += 1;
        let (line, whole) = match rest.find('\n') {
            Some(end) => (&rest[..end], true),
            None => (rest, false),
        };
        match serde_json::from_str::<Entry>(line) {
            Ok(entry) => entries.push(entry),
            // The last line, without its line break: written in part when
            // a run was stopped.
            Err(_) if !whole => return Ok((entries, complete, true)),
            Err(e) => {
                return Err(Failure::new(
                    USAGE,
                    format!(
                        "line {number} of the journal {} is not a journal entry ({e}); was it \
                         edited? Move it aside to start afresh",
                        path.display()
                    ),
                ));
            }
        }
        if !whole {
            // Whole but for its line break: kept.
            return Ok((entries, text.len(), false));
        }
        complete += line.len() + 1;
        rest = &rest[line.len() + 1..];
    }
    Ok((entries, complete, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_off_last_line_is_dropped_and_reported() {
        let text = "{\"event\":\"started\",\"key\":\"k\",\"input\":\"a\"}\n{\"event\":\"acc";
        let (entries, complete, torn) = parse(text, Path::new("j")).unwrap();
        assert_eq!(entries.len(), 1);
        assert!(torn);
        assert_eq!(
            &text[..complete],
            "{\"event\":\"started\",\"key\":\"k\",\"input\":\"a\"}\n"
        );
    }

    #[test]
    fn a_bad_line_in_the_middle_is_an_error_naming_it() {
        let text = "{\"event\":\"started\",\"key\":\"k\",\"input\":\"a\"}\nnonsense\n";
        let Err(failure) = parse(text, Path::new("j")) else {
            panic!("a corrupt journal was read");
        };
        assert!(failure.message.contains("line 2"), "{}", failure.message);
    }
}
