//! One record per input: the verdict, the identifier to wait for, or what
//! went wrong; the table row; the exit code.

use identifai_ext::types::Classification;
use identifai_ext::{Analysis, Error, MediaKind, Submission};
use serde_json::{Value, json};

use crate::Context;
use crate::args::FailOn;
use crate::exit::{self, FAIL_ON, OK};
use crate::output::{Cell, Report, Style};

/// The fields of a classification record.
pub const FIELDS: &[&str] = &[
    "index",
    "input",
    "identifier",
    "kind",
    "status",
    "verdict",
    "confidence",
    "heuristic",
    "c2pa",
    "nsfw",
    "error",
    "hash",
];

/// The table's columns.
pub const HEADERS: &[&str] = &[
    "INPUT",
    "KIND",
    "VERDICT",
    "CONFIDENCE",
    "IDENTIFIER",
    "NOTES",
];

/// What became of one input.
pub enum Outcome {
    /// Submitted, not waited for (`--no-wait`).
    Submitted(Submission),
    /// Not ready at the one fetch of `result --no-wait`.
    Pending(Submission),
    /// The verdict.
    Done(Box<Analysis>),
    /// The problem, and the kind when known.
    Failed(Problem, Option<MediaKind>),
    /// Not submitted: the run was stopped first.
    NotSubmitted,
    /// Its upload was under way when the run was stopped: the service may
    /// have accepted it, and no identifier came back.
    Unanswered,
}

/// What went wrong with one input, as reported.
#[derive(Clone, Debug)]
pub struct Problem {
    /// `failed`, `timeout` or `errored`.
    status: &'static str,
    message: String,
    identifier: Option<String>,
    code: u8,
}

impl Problem {
    /// What the journal keeps of it: status, message, identifier, code.
    pub fn parts(&self) -> (&'static str, &str, Option<&str>, u8) {
        (
            self.status,
            &self.message,
            self.identifier.as_deref(),
            self.code,
        )
    }

    /// A problem the journal kept.
    pub fn from_parts(status: &str, message: String, identifier: Option<String>, code: u8) -> Self {
        Self {
            status: match status {
                "timeout" => "timeout",
                "errored" => "errored",
                _ => "failed",
            },
            message,
            identifier,
            code,
        }
    }

    /// Whether it is a deadline that passed (the result may still come).
    pub fn is_timeout(&self) -> bool {
        self.status == "timeout"
    }
}

impl From<&Error> for Problem {
    fn from(error: &Error) -> Self {
        Self {
            status: match error {
                Error::Timeout { .. } => "timeout",
                Error::ClassificationFailed { .. } => "errored",
                _ => "failed",
            },
            message: exit::describe(error),
            identifier: error.identifier().map(str::to_string),
            code: exit::code_of(error),
        }
    }
}
/// Which `--fail-on` conditions a result meets.
fn matched(analysis: &Analysis, fail_on: &[FailOn]) -> Vec<&'static str> {
    fail_on
        .iter()
        .filter_map(|condition| match condition {
            FailOn::Artificial if analysis.is_artificial() => Some("artificial"),
            FailOn::Nsfw if analysis.is_nsfw() == Some(true) => Some("nsfw"),
            FailOn::C2paInvalid if analysis.c2pa_valid() == Some(false) => Some("c2pa-invalid"),
            _ => None,
        })
        .collect()
}

/// One input's record, table row and exit code, and the submission to
/// resume when it is not final.
pub struct Line {
    pub record: Vec<Value>,
    pub row: Vec<Cell>,
    pub code: u8,
    pub resumable: Option<(MediaKind, String)>,
}

/// The line of input number `index`.
pub fn line(ctx: &Context, index: usize, input: &str, outcome: Outcome) -> Line {
    let mut resumable = None;
    let (mut record, row, code) = match outcome {
        Outcome::Done(analysis) => done(input, &analysis, &ctx.fail_on),
        Outcome::Submitted(s) => {
            resumable = Some((s.kind, s.identifier.clone()));
            waiting(input, &s, "submitted")
        }
        Outcome::Pending(s) => {
            resumable = Some((s.kind, s.identifier.clone()));
            waiting(input, &s, "pending")
        }
        Outcome::Failed(problem, kind) => {
            if let (true, Some(id), Some(kind)) = (problem.is_timeout(), &problem.identifier, kind)
            {
                resumable = Some((kind, id.clone()));
            }
            failed(ctx, input, problem, kind)
        }
        Outcome::NotSubmitted => stopped(
            input,
            "not-submitted",
            "the run was stopped before it was submitted",
        ),
        Outcome::Unanswered => stopped(
            input,
            "unknown",
            "its upload was under way when the run was stopped: the service may have accepted \
             (and charged) it, but no identifier came back",
        ),
    };
    record.insert(0, json!(index));
    Line {
        record,
        row,
        code,
        resumable,
    }
}

/// The records, the table and the exit code; hints on stderr.
pub fn report(ctx: &Context, outcomes: Vec<(String, Outcome)>) -> (Report, u8) {
    let mut report = Report::new(FIELDS, HEADERS);
    let mut code = OK;
    let mut resumable: Vec<(MediaKind, String)> = Vec::new();
    for (index, (input, outcome)) in outcomes.into_iter().enumerate() {
        let line = line(ctx, index, &input, outcome);
        code = exit::worst(code, line.code);
        resumable.extend(line.resumable);
        report.push(line.record, line.row);
    }
    resume_hints(ctx, &resumable);
    (report, code)
}

/// On stderr: how to fetch the results that are not ready yet.
pub fn resume_hints(ctx: &Context, resumable: &[(MediaKind, String)]) {
    if ctx.quiet || resumable.is_empty() {
        return;
    }
    if ctx.sandboxed {
        ctx.note(
            "some results are not ready; a --sandbox run forgets its submissions when it ends, \
             so `identifai result` cannot fetch them later (it can with the real service)",
        );
        return;
    }
    for kind in [MediaKind::Image, MediaKind::Video, MediaKind::Speech] {
        let mut ids: Vec<&str> = Vec::new();
        for (k, id) in resumable {
            if *k == kind && !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
        if !ids.is_empty() {
            ctx.note(&format!(
                "not ready yet; fetch the results later with: identifai result --kind {kind} {}",
                ids.join(" ")
            ));
        }
    }
}

/// The record of an input the run did not finish.
fn stopped(input: &str, status: &'static str, why: &str) -> (Vec<Value>, Vec<Cell>, u8) {
    let mut record = vec![Value::Null; FIELDS.len() - 1];
    record[0] = json!(input);
    record[3] = json!(status);
    record[9] = json!(why);
    let row = vec![
        Cell::from(input),
        Cell::from("-"),
        Cell::styled(status, Style::Warn),
        Cell::from(""),
        Cell::from(""),
        Cell::styled(why, Style::Warn),
    ];
    (record, row, OK)
}

fn done(input: &str, analysis: &Analysis, fail_on: &[FailOn]) -> (Vec<Value>, Vec<Cell>, u8) {
    let verdict = analysis.classification();
    let verdict_text = verdict.as_ref().map(|c| c.as_str().to_string());
    let confidence = analysis.confidence();
    let c2pa = analysis.c2pa_state();
    let nsfw = analysis.is_nsfw();
    let record = vec![
        json!(input),
        json!(analysis.identifier()),
        json!(analysis.kind().to_string()),
        json!(analysis.status().map_or("done", |s| s.as_str())),
        json!(verdict_text),
        json!(confidence),
        json!(analysis.heuristic()),
        json!(c2pa),
        json!(nsfw),
        Value::Null,
        json!(analysis.hash()),
    ];
    let style = match verdict {
        Some(Classification::Artificial) => Style::Bad,
        Some(Classification::Human) => Style::Good,
        _ => Style::Plain,
    };
    let mut notes = Vec::new();
    let mut notes_style = Style::Plain;
    if let Some(state) = c2pa {
        notes.push(format!("C2PA {state}"));
        if analysis.c2pa_valid() == Some(false) {
            notes_style = Style::Warn;
        }
    }
    if nsfw == Some(true) {
        notes.push("NSFW".into());
        notes_style = Style::Warn;
    }
    if analysis.forced_classification().is_some() {
        notes.push("overridden".into());
    }
    let failing = matched(analysis, fail_on);
    if !failing.is_empty() {
        notes.push(format!("fails on {}", failing.join(", ")));
        notes_style = Style::Bad;
    }
    let row = vec![
        Cell::from(input),
        Cell::from(analysis.kind().to_string()),
        Cell::styled(verdict_text.unwrap_or_else(|| "-".into()), style),
        Cell::from(confidence.map(|c| format!("{c:.2}")).unwrap_or_default()),
        Cell::from(analysis.identifier().unwrap_or_default()),
        Cell::styled(notes.join("; "), notes_style),
    ];
    let code = if failing.is_empty() { OK } else { FAIL_ON };
    (record, row, code)
}

fn waiting(input: &str, s: &Submission, status: &'static str) -> (Vec<Value>, Vec<Cell>, u8) {
    let mut record = vec![Value::Null; FIELDS.len() - 1];
    record[0] = json!(input);
    record[1] = json!(s.identifier);
    record[2] = json!(s.kind.to_string());
    record[3] = json!(status);
    let row = vec![
        Cell::from(input),
        Cell::from(s.kind.to_string()),
        Cell::styled(status, Style::Warn),
        Cell::from(""),
        Cell::from(s.identifier.clone()),
        Cell::from("fetch with `identifai result`"),
    ];
    (record, row, OK)
}

fn failed(
    ctx: &Context,
    input: &str,
    problem: Problem,
    kind: Option<MediaKind>,
) -> (Vec<Value>, Vec<Cell>, u8) {
    ctx.item_error(&problem.message);
    let kind = kind.map(|k| k.to_string());
    let mut record = vec![Value::Null; FIELDS.len() - 1];
    record[0] = json!(input);
    record[1] = json!(problem.identifier);
    record[2] = json!(kind);
    record[3] = json!(problem.status);
    record[9] = json!(problem.message);
    let row = vec![
        Cell::from(input),
        Cell::from(kind.unwrap_or_else(|| "-".into())),
        Cell::styled(problem.status, Style::Bad),
        Cell::from(""),
        Cell::from(problem.identifier.unwrap_or_default()),
        Cell::styled(problem.message, Style::Bad),
    ];
    (record, row, problem.code)
}
