//! `classify` and `result`: media to verdicts, one record per input,
//! failures in their place. `classify` writes each record as soon as it is
//! final (JSON lines and CSV; JSON and the table at the end), journals its
//! submissions with `--journal`, and on SIGINT or SIGTERM prints what is
//! still pending before it exits.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use identifai_ext::{
    Analysis, BatchEvent, BatchOptions, Error, KeyFramesMethod, Media, MediaKind, Submission,
    SubmitOptions, WaitPolicy,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Context;
use crate::args::{self, Format};
use crate::exit::{self, Failure};
use crate::inputs::{self, Input, Source};
use crate::journal::{Entry, Journal, Past, Stored};
use crate::output::{Report, Sink};
use crate::records::{self, FIELDS, HEADERS, Outcome, Problem, report};
use crate::report::{self as html_report, Report as HtmlReport};

/// How long uploads under way may still take to answer once the run is
/// told to stop.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Inputs that share one submission: the same content (with `--journal`),
/// or one input alone.
struct Group {
    members: Vec<usize>,
    key: Option<String>,
    label: String,
    kind: Option<MediaKind>,
    /// Set once the service accepted it.
    submission: Option<Submission>,
    /// Its upload began and has not been answered.
    started: bool,
    done: bool,
}

/// `identifai classify`: writes its records as they come; returns the exit
/// code.
pub fn classify(
    ctx: &Context,
    args: args::Classify,
    format: Format,
    colour: bool,
) -> Result<u8, Failure> {
    let kind = args.kind.map(MediaKind::from);
    let options = submit_options(&args.options);
    let mut inputs = inputs::expand(&args.inputs, kind);
    let labels: Vec<String> = inputs.iter().map(|i| i.label.clone()).collect();
    // With a journal: what earlier runs did, and each input's content key.
    let mut journal = None;
    let mut past = HashMap::new();
    let mut keys: Vec<Option<String>> = vec![None; inputs.len()];
    if let Some(path) = &args.journal {
        let opened = Journal::open(path, &options_record(&args.options, kind))?;
        if opened.torn {
            ctx.note(&format!(
                "the last line of {} was cut off (a run was stopped while writing it); it is \
                 ignored",
                path.display()
            ));
        }
        journal = Some(opened.journal);
        past = opened.past;
        for (i, input) in inputs.iter_mut().enumerate() {
            match content_key(input, kind) {
                Ok(key) => keys[i] = key,
                Err(e) => input.media = Err(e),
            }
        }
    }

    // The report, created before anything is sent (a path it cannot be
    // written to costs nothing), and the files its thumbnails come from.
    let previews: Vec<Option<PathBuf>> = inputs
        .iter()
        .map(|i| match &i.source {
            Some(Source::Path(path)) => Some(path.clone()),
            _ => None,
        })
        .collect();
    let html = match &args.report {
        Some(path) => Some(HtmlReport::create(
            path,
            html_report::Settings {
                sandboxed: ctx.sandboxed,
                heatmaps: args.options.heatmap,
                inputs: inputs.len(),
            },
            heatmap_fetcher(ctx),
        )?),
        None => None,
    };
    let hurry = html.as_ref().map(HtmlReport::hurry);

    let mut sink = Sink::new(Report::new(FIELDS, HEADERS), format, colour);
    let mut code = exit::OK;
    let mut resumable = Vec::new();
    let mut emit = |sink: &mut Sink, index: usize, outcome: Outcome| -> Result<(), Failure> {
        if let Some(html) = &html {
            html.add(html_report::Card {
                index,
                label: labels[index].clone(),
                preview: previews[index].clone(),
                outcome: clone_outcome(&outcome),
            });
        }
        let line = records::line(ctx, index, &labels[index], outcome);
        code = exit::worst(code, line.code);
        resumable.extend(line.resumable);
        sink.push(line.record, line.row)
            .map_err(|e| Failure::new(exit::INPUT, format!("cannot write the results: {e}")))
    };

    // One group per submission; inputs refused already are reported now.
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut media_of: Vec<Option<Media>> = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let media = match input.media {
            Ok(media) => media,
            Err(e) => {
                emit(&mut sink, i, Outcome::Failed(Problem::from(&e), kind))?;
                continue;
            }
        };
        if let Some(g) = keys[i].as_ref().and_then(|k| by_key.get(k)) {
            groups[*g].members.push(i);
            continue;
        }
        if let Some(key) = &keys[i] {
            by_key.insert(key.clone(), groups.len());
        }
        groups.push(Group {
            members: vec![i],
            key: keys[i].clone(),
            label: labels[i].clone(),
            kind,
            submission: None,
            started: false,
            done: false,
        });
        media_of.push(Some(media));
    }

    // What the journal knows: finished ones are printed, accepted ones
    // waited for, unanswered ones named and submitted again.
    let mut uploads: Vec<usize> = Vec::new();
    let mut pending: Vec<usize> = Vec::new();
    let mut unanswered: Vec<&str> = Vec::new();
    for (g, group) in groups.iter_mut().enumerate() {
        match group.key.as_ref().and_then(|k| past.get(k)) {
            Some(Past::Finished(stored)) => {
                group.done = true;
                for &i in &group.members {
                    emit(&mut sink, i, restored(stored, group.kind))?;
                }
            }
            Some(Past::Accepted(submission)) => {
                group.kind = Some(submission.kind);
                group.submission = Some(submission.clone());
                pending.push(g);
            }
            Some(Past::Unanswered) => {
                unanswered.push(&group.label);
                uploads.push(g);
            }
            None => uploads.push(g),
        }
    }
    if !unanswered.is_empty() {
        ctx.note(&format!(
            "an earlier run was stopped while uploading {}: the service may have accepted (and \
             charged) them without the run learning their identifiers; they are submitted again",
            unanswered.join(", ")
        ));
    }

    let media: Vec<Media> = uploads.iter().filter_map(|&g| media_of[g].take()).collect();
    let mut batch = BatchOptions::new()
        .concurrency(usize::from(args.concurrency))
        .submit_options(options);
    batch.wait = Some(policy(ctx, args.timeout));
    let stream = ctx.session.client.classify_stream(media, &batch);
    let mut stream = if args.no_wait {
        stream.submit_only()
    } else {
        stream.with_pending(
            pending
                .iter()
                .enumerate()
                .filter_map(|(j, &g)| groups[g].submission.clone().map(|s| (uploads.len() + j, s))),
        )
    };
    let group_of = |index: usize| -> usize {
        uploads
            .get(index)
            .copied()
            .unwrap_or_else(|| pending[index - uploads.len()])
    };

    let total = groups.iter().filter(|g| !g.done).count() as u64;
    let bar = ctx.bar(total, "classifying");
    let (mut submitted, mut finished, mut failed) = (0u64, 0u64, 0u64);
    let mut stopped: Option<u8> = None;

    let run = async {
        let mut signals = crate::signals::Signals::new()
            .map_err(|e| Failure::new(exit::SERVER, format!("cannot watch for signals: {e}")))?;
        let mut grace_over = Box::pin(tokio::time::sleep(Duration::MAX / 4));
        loop {
            if stopped.is_some() && stream.uploading() == 0 {
                break;
            }
            let event = tokio::select! {
                event = stream.next() => event,
                code = signals.next() => {
                    if stopped.is_some() {
                        // A second signal: out at once.
                        std::process::exit(i32::from(code));
                    }
                    stopped = Some(code);
                    if let Some(hurry) = &hurry {
                        hurry.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    stream.stop_submitting();
                    grace_over.as_mut().reset(tokio::time::Instant::now() + STOP_GRACE);
                    ctx.note("stopping: no more uploads; waiting a moment for those under way");
                    continue;
                }
                () = &mut grace_over => break,
            };
            let Some(event) = event else { break };
            match event {
                BatchEvent::Submitting { index } => {
                    let group = &mut groups[group_of(index)];
                    group.started = true;
                    if let (Some(journal), Some(key)) = (journal.as_mut(), &group.key) {
                        journal.write(&Entry::Started {
                            key: key.clone(),
                            input: group.label.clone(),
                        })?;
                    }
                }
                BatchEvent::Accepted { index, submission } => {
                    let group = &mut groups[group_of(index)];
                    group.started = false;
                    group.kind = Some(submission.kind);
                    group.submission = Some(submission.clone());
                    if let (Some(journal), Some(key)) = (journal.as_mut(), &group.key) {
                        journal.write(&Entry::Accepted {
                            key: key.clone(),
                            input: group.label.clone(),
                            sha256: key.clone(),
                            submission: submission.clone(),
                            options: options_record(&args.options, kind),
                        })?;
                    }
                    submitted += 1;
                    if args.no_wait {
                        group.done = true;
                        for &i in &group.members.clone() {
                            emit(&mut sink, i, Outcome::Submitted(submission.clone()))?;
                        }
                        finished += 1;
                    }
                }
                BatchEvent::Finished { index, result } => {
                    let group = &mut groups[group_of(index)];
                    group.started = false;
                    group.done = true;
                    let outcome = match result {
                        Ok(analysis) => Outcome::Done(Box::new(analysis)),
                        Err(e) => Outcome::Failed(Problem::from(&e), group.kind),
                    };
                    if matches!(outcome, Outcome::Done(_)) {
                        finished += 1;
                    } else {
                        failed += 1;
                    }
                    if let (Some(journal), Some(key)) = (journal.as_mut(), &group.key) {
                        let input = group.label.clone();
                        let key = key.clone();
                        match (&outcome, &group.submission) {
                            // Still pending: a later run waits for it.
                            (Outcome::Failed(p, _), Some(_)) if p.is_timeout() => {}
                            (_, Some(_)) => journal.write(&Entry::Finished {
                                key,
                                input,
                                outcome: stored(&outcome),
                            })?,
                            (_, None) => journal.write(&Entry::Refused { key, input })?,
                        }
                    }
                    for &i in &group.members.clone() {
                        emit(&mut sink, i, clone_outcome(&outcome))?;
                    }
                }
                _ => {}
            }
            bar.set_position(finished + failed);
            bar.set_message(format!(
                "submitted {submitted} · done {finished} · failed {failed}"
            ));
        }
        Ok::<(), Failure>(())
    };
    let ran = ctx.runtime.block_on(run);
    bar.finish_and_clear();
    ran?;

    // Stopped (or cut short): a record for every input not finished.
    for group in groups.iter().filter(|g| !g.done) {
        let outcome = || match (&group.submission, group.started) {
            (Some(s), _) => Outcome::Pending(s.clone()),
            (None, true) => Outcome::Unanswered,
            (None, false) => Outcome::NotSubmitted,
        };
        for &i in &group.members {
            emit(&mut sink, i, outcome())?;
        }
    }
    sink.finish()
        .map_err(|e| Failure::new(exit::INPUT, format!("cannot write the results: {e}")))?;
    if let Some(html) = html {
        html.finish()?;
        if let Some(path) = &args.report {
            ctx.note(&format!("the report is in {}", path.display()));
        }
    }
    match (&args.journal, stopped.is_some() || !resumable.is_empty()) {
        (Some(path), true) if !ctx.quiet => ctx.note(&format!(
            "{} holds the submissions; resume with the same command: {}",
            path.display(),
            command_line()
        )),
        _ => records::resume_hints(ctx, &resumable),
    }
    Ok(stopped.unwrap_or(code))
}

/// How the report downloads heatmaps: on the command's runtime, through
/// the client's pacing (each one a GET of the budget).
fn heatmap_fetcher(ctx: &Context) -> html_report::Fetch {
    let client = ctx.session.client.clone();
    let runtime = ctx.runtime.handle().clone();
    Box::new(move |identifier| {
        runtime
            .block_on(client.heatmap(identifier))
            .map(|bytes| bytes.to_vec())
            .map_err(|e| exit::describe(&e))
    })
}

/// An outcome the journal kept.
fn restored(stored: &Stored, kind: Option<MediaKind>) -> Outcome {
    match stored {
        Stored::Done(analysis) => Outcome::Done(analysis.clone()),
        Stored::Failed {
            status,
            message,
            identifier,
            code,
        } => Outcome::Failed(
            Problem::from_parts(status, message.clone(), identifier.clone(), *code),
            kind,
        ),
    }
}

/// What the journal keeps of a final outcome.
fn stored(outcome: &Outcome) -> Stored {
    match outcome {
        Outcome::Done(analysis) => Stored::Done(analysis.clone()),
        Outcome::Failed(problem, _) => {
            let (status, message, identifier, code) = problem.parts();
            Stored::Failed {
                status: status.to_string(),
                message: message.to_string(),
                identifier: identifier.map(str::to_string),
                code,
            }
        }
        _ => Stored::Failed {
            status: "failed".into(),
            message: "no result".into(),
            identifier: None,
            code: exit::SERVER,
        },
    }
}

fn clone_outcome(outcome: &Outcome) -> Outcome {
    match outcome {
        Outcome::Done(analysis) => Outcome::Done(analysis.clone()),
        Outcome::Failed(problem, kind) => Outcome::Failed(problem.clone(), *kind),
        Outcome::Submitted(s) => Outcome::Submitted(s.clone()),
        Outcome::Pending(s) => Outcome::Pending(s.clone()),
        Outcome::NotSubmitted => Outcome::NotSubmitted,
        Outcome::Unanswered => Outcome::Unanswered,
    }
}

/// The submission options as the journal records them (URLs redacted).
fn options_record(a: &args::SubmitArgs, kind: Option<MediaKind>) -> Value {
    json!({
        "kind": kind,
        "ref_id": a.ref_id,
        "webhook_url": a.webhook_url.as_deref().map(identifai_ext::media::redact_url),
        "heatmap": a.heatmap,
        "morphing": a.morphing,
        "tampering": a.tampering,
        "no_cache": a.no_cache,
        "prevent_c2pa_forces": a.prevent_c2pa_forces,
        "frames": a.frames,
        "key_frames": a.key_frames,
        "key_frames_method": a.key_frames_method.map(|m| format!("{m:?}").to_lowercase()),
    })
}

/// The SHA-256 of an input's content (of the URL, for a URL), in hex. Stdin
/// is read whole to be hashed, and then sent from memory.
fn content_key(input: &mut Input, kind: Option<MediaKind>) -> Result<Option<String>, Error> {
    let Ok(_) = &input.media else {
        return Ok(None);
    };
    let mut hasher = Sha256::new();
    match &input.source {
        None => return Ok(None),
        Some(Source::Url(url)) => {
            hasher.update(b"url\0");
            hasher.update(url.as_bytes());
        }
        Some(Source::Path(path)) => {
            let Ok(mut file) = std::fs::File::open(path) else {
                // The SDK's own checks name the problem in its place.
                return Ok(None);
            };
            let mut buffer = vec![0u8; 256 * 1024];
            loop {
                let n = file.read(&mut buffer).map_err(|e| Error::Io {
                    action: "read",
                    path: path.clone(),
                    source: e.into(),
                })?;
                if n == 0 {
                    break;
                }
                hasher.update(&buffer[..n]);
            }
        }
        Some(Source::Stdin) => {
            let mut data = Vec::new();
            std::io::stdin()
                .read_to_end(&mut data)
                .map_err(|e| Error::Io {
                    action: "read",
                    path: "stdin".into(),
                    source: e.into(),
                })?;
            hasher.update(&data);
            let media = Media::bytes(data, "stdin");
            input.media = Ok(match kind {
                Some(kind) => media.kind(kind),
                None => media,
            });
        }
    }
    Ok(Some(hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// This command line, quoted for a POSIX shell.
fn command_line() -> String {
    shown_command(std::env::args())
}

/// A command line as it may be shown: the program by its file name, the
/// value of `--api-key` replaced by `"$IDENTIFAI_API_KEY"` (the key never
/// appears in output), credentials in URLs redacted, and each argument
/// quoted for a POSIX shell where it needs to be.
fn shown_command(args: impl Iterator<Item = String>) -> String {
    const KEY_FLAG: &str = "--api-key";
    const KEY_PLACEHOLDER: &str = "\"$IDENTIFAI_API_KEY\"";
    let mut shown = Vec::new();
    let mut key_next = false;
    for (i, arg) in args.enumerate() {
        if std::mem::take(&mut key_next) {
            shown.push(KEY_PLACEHOLDER.to_string());
            continue;
        }
        if arg == KEY_FLAG {
            key_next = true;
            shown.push(arg);
            continue;
        }
        if arg.starts_with("--api-key=") {
            shown.push(format!("{KEY_FLAG}={KEY_PLACEHOLDER}"));
            continue;
        }
        let arg = if i == 0 {
            Path::new(&arg)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(arg)
        } else if arg.contains("://") {
            identifai_ext::media::redact_url(&arg)
        } else {
            arg
        };
        let plain = !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c));
        shown.push(if plain {
            arg
        } else {
            format!("'{}'", arg.replace('\'', "'\\''"))
        });
    }
    shown.join(" ")
}

/// `identifai result`.
pub fn result(ctx: &Context, args: args::ResultArgs) -> (Report, u8) {
    let kind = MediaKind::from(args.kind);
    let client = &ctx.session.client;
    // An identifier given here was given by the service: a 404 means it is
    // wrong, not that it is not ready yet.
    let mut policy = policy(ctx, args.timeout);
    policy.not_found_grace = Duration::ZERO;
    if args.no_wait {
        policy.timeout = Duration::ZERO;
    }
    let mut unique: Vec<&str> = Vec::new();
    for id in &args.identifiers {
        if !unique.contains(&id.as_str()) {
            unique.push(id);
        }
    }
    let spinner = ctx.spinner(format!("fetching {} result(s)", unique.len()));
    let fetched: HashMap<&str, identifai_ext::Result<Analysis>> = ctx.runtime.block_on(
        futures_util::stream::iter(unique)
            .map(|id| {
                let submission = Submission {
                    identifier: id.to_string(),
                    kind,
                };
                let policy = &policy;
                async move { (id, client.wait_with(&submission, policy).await) }
            })
            .buffered(usize::from(args.concurrency))
            .collect(),
    );
    spinner.finish_and_clear();

    let outcomes = args
        .identifiers
        .iter()
        .map(|id| {
            let submission = Submission {
                identifier: id.clone(),
                kind,
            };
            let outcome = match &fetched[id.as_str()] {
                Ok(analysis) => Outcome::Done(Box::new(analysis.clone())),
                Err(Error::Timeout { .. }) if args.no_wait => Outcome::Pending(submission),
                Err(e) => Outcome::Failed(Problem::from(e), Some(kind)),
            };
            (id.clone(), outcome)
        })
        .collect();
    report(ctx, outcomes)
}

/// The wait policy: the session's, with `--timeout`.
fn policy(ctx: &Context, timeout: Option<f64>) -> WaitPolicy {
    let mut policy = ctx.session.wait.clone();
    if let Some(seconds) = timeout {
        policy.timeout = Duration::from_secs_f64(seconds);
    }
    policy
}

fn submit_options(a: &args::SubmitArgs) -> SubmitOptions {
    let mut o = SubmitOptions::new();
    if let Some(v) = &a.ref_id {
        o = o.ref_id(v.clone());
    }
    if let Some(v) = &a.webhook_url {
        o = o.webhook_url(v.clone());
    }
    for (set, on) in [
        (
            a.heatmap,
            SubmitOptions::with_heatmap as fn(SubmitOptions, bool) -> SubmitOptions,
        ),
        (a.morphing, SubmitOptions::with_morphing),
        (a.tampering, SubmitOptions::with_tampering),
        (a.no_cache, SubmitOptions::no_cache),
        (a.prevent_c2pa_forces, SubmitOptions::prevent_c2pa_forces),
        (a.key_frames, SubmitOptions::key_frames),
    ] {
        if set {
            o = on(o, true);
        }
    }
    if let Some(frames) = a.frames.as_deref().and_then(|f| f.parse::<u8>().ok()) {
        o = o.frames(frames);
    }
    if let Some(method) = a.key_frames_method {
        o = o.key_frames_method(match method {
            args::KeyFramesMethod::Iframes => KeyFramesMethod::Iframes,
            args::KeyFramesMethod::Flow => KeyFramesMethod::Flow,
            args::KeyFramesMethod::Color => KeyFramesMethod::Color,
        });
    }
    o
}

#[cfg(test)]
mod shown_command_tests {
    use super::shown_command;

    fn shown(args: &[&str]) -> String {
        shown_command(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn the_api_key_is_never_shown_in_either_form() {
        let key = "sk-live-secret-1234";
        for args in [
            ["/usr/bin/identifai", "--api-key", key, "classify", "a.png"].as_slice(),
            [
                "identifai",
                &format!("--api-key={key}"),
                "classify",
                "a.png",
            ]
            .as_slice(),
        ] {
            let line = shown(args);
            assert!(!line.contains(key), "{line}");
            assert!(line.contains("$IDENTIFAI_API_KEY"), "{line}");
            assert!(line.starts_with("identifai "), "{line}");
            assert!(line.ends_with(" classify a.png"), "{line}");
        }
    }

    #[test]
    fn url_credentials_are_redacted_and_odd_arguments_quoted() {
        let line = shown(&[
            "identifai",
            "classify",
            "https://user:pass@example.com/a.png",
            "my photo.png",
        ]);
        assert!(!line.contains("pass"), "{line}");
        assert!(line.contains("'my photo.png'"), "{line}");
    }
}
