//! `classify` and `result`: media to verdicts, one record per input, in
//! input order, failures in their place.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use identifai_ext::{
    Analysis, Error, KeyFramesMethod, Media, MediaKind, Submission, SubmitOptions, WaitPolicy,
};

use crate::Context;
use crate::args;
use crate::inputs::{self, Input};
use crate::output::Report;
use crate::records::{Outcome, Problem, report};

/// `identifai classify`.
pub fn classify(ctx: &Context, args: args::Classify) -> (Report, u8) {
    let kind = args.kind.map(MediaKind::from);
    let inputs = inputs::expand(&args.inputs, kind);
    let options = submit_options(&args.options);
    let labels: Vec<String> = inputs.iter().map(|i| i.label.clone()).collect();
    let client = &ctx.session.client;

    // Upload a few at a time, in input order; inputs refused while being
    // expanded keep their place.
    let mut outcomes: Vec<Option<Outcome>> = Vec::new();
    let mut media: Vec<(usize, Media)> = Vec::new();
    for (i, Input { media: m, .. }) in inputs.into_iter().enumerate() {
        match m {
            Ok(m) => {
                outcomes.push(None);
                media.push((i, m));
            }
            Err(e) => outcomes.push(Some(Outcome::Failed(Problem::from(&e), kind))),
        }
    }
    let bar = ctx.bar(media.len() as u64, "uploading");
    let submitted: Vec<(usize, identifai_ext::Result<Submission>)> = ctx.runtime.block_on(
        futures_util::stream::iter(media)
            .map(|(i, m)| {
                let (bar, options) = (&bar, &options);
                async move {
                    let submitted = client.submit_with(m, options).await;
                    bar.inc(1);
                    (i, submitted)
                }
            })
            .buffered(usize::from(args.concurrency))
            .collect(),
    );
    bar.finish_and_clear();

    let mut accepted = Vec::new();
    for (i, result) in submitted {
        match result {
            Ok(submission) if args.no_wait => {
                outcomes[i] = Some(Outcome::Submitted(submission));
            }
            Ok(submission) => accepted.push((i, submission)),
            Err(e) => outcomes[i] = Some(Outcome::Failed(Problem::from(&e), kind)),
        }
    }

    if !accepted.is_empty() {
        let policy = policy(ctx, args.timeout);
        let spinner = ctx.spinner(format!("waiting for {} result(s)", accepted.len()));
        let submissions: Vec<Submission> = accepted.iter().map(|(_, s)| s.clone()).collect();
        let results = ctx
            .runtime
            .block_on(client.wait_all_with(&submissions, &policy));
        spinner.finish_and_clear();
        for ((i, submission), result) in accepted.into_iter().zip(results) {
            outcomes[i] = Some(match result {
                Ok(analysis) => Outcome::Done(Box::new(analysis)),
                Err(e) => Outcome::Failed(Problem::from(&e), Some(submission.kind)),
            });
        }
    }

    let outcomes = outcomes.into_iter().map(|o| {
        o.unwrap_or_else(|| {
            let missing = Error::Unexpected {
                status: None,
                message: "a result went missing".into(),
            };
            Outcome::Failed(Problem::from(&missing), kind)
        })
    });
    report(ctx, labels.into_iter().zip(outcomes).collect())
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
