//! `heatmap`, `override`, `credits` and `users`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use identifai_ext::overlay::{HeatmapOverlay, Picture, default_limits, encode_png};
use identifai_ext::types::{self, Classification};
use identifai_ext::{InputError, MediaKind, UserForm, UserQuery};
use serde_json::json;

use crate::Context;
use crate::args::{self, Users, Verdict};
use crate::exit::{Failure, INPUT, SERVER};
use crate::output::{Cell, Pages, Report, Style};

/// `identifai heatmap`.
pub fn heatmap(ctx: &Context, args: args::Heatmap) -> Result<Report, Failure> {
    let file = args
        .file
        .unwrap_or_else(|| PathBuf::from(format!("{}.png", file_stem(&args.identifier))));
    let bytes = match &args.overlay {
        None => {
            let spinner = ctx.spinner(format!("downloading the heatmap of {}", args.identifier));
            let saved = ctx
                .runtime
                .block_on(ctx.session.client.save_heatmap(&args.identifier, &file));
            spinner.finish_and_clear();
            saved?
        }
        Some(image) => overlay(ctx, &args.identifier, image, args.opacity, &file)?,
    };
    let mut report = Report::new(
        &["identifier", "file", "bytes"],
        &["IDENTIFIER", "FILE", "BYTES"],
    );
    let shown = file.display().to_string();
    report.push(
        vec![json!(args.identifier), json!(shown), json!(bytes)],
        vec![
            Cell::from(args.identifier.clone()),
            Cell::from(shown),
            Cell::from(bytes.to_string()),
        ],
    );
    Ok(report)
}

/// `heatmap --overlay`: the image is read and decoded first (so a wrong
/// one costs no request), then the heatmap downloaded and blended over it;
/// the PNG is written whole or not at all. Returns its size.
fn overlay(
    ctx: &Context,
    identifier: &str,
    image: &Path,
    opacity: f32,
    file: &Path,
) -> Result<u64, Failure> {
    let shown = image.display();
    let size = std::fs::metadata(image)
        .map_err(|e| Failure::new(INPUT, format!("cannot read {shown}: {e}")))?
        .len();
    let limit = MediaKind::Image.max_bytes();
    if size > limit {
        return Err(Failure::new(
            INPUT,
            format!(
                "{shown} is larger than the {} an image can be, so it is not the image that was                  submitted; give that one to --overlay",
                MediaKind::Image.limit_text()
            ),
        ));
    }
    let bytes = std::fs::read(image)
        .map_err(|e| Failure::new(INPUT, format!("cannot read {shown}: {e}")))?;
    let settings = HeatmapOverlay::new().opacity(opacity);
    let picture = Picture::decode(&bytes, &default_limits()).map_err(|e| in_file(&e, image))?;
    drop(bytes);
    let spinner = ctx.spinner(format!("downloading the heatmap of {identifier}"));
    let heatmap = ctx.runtime.block_on(ctx.session.client.heatmap(identifier));
    spinner.finish_and_clear();
    let blended = settings.blend(&picture, &heatmap?).map_err(|e| match e {
        // What the service sent, not what was given here.
        identifai_ext::Error::InvalidInput(e) if e.subject == "the heatmap" => Failure::new(
            SERVER,
            format!(
                "the heatmap the service sent for {identifier} {}",
                e.problem
            ),
        ),
        other => other.into(),
    })?;
    let png = encode_png(&blended)?;
    write_whole(file, &png)?;
    Ok(png.len() as u64)
}

/// An error about "the image", naming the file.
fn in_file(error: &identifai_ext::Error, image: &Path) -> Failure {
    let message = match error {
        identifai_ext::Error::InvalidInput(e) if e.subject == "the image" => {
            format!("{}: {}", image.display(), e.problem)
        }
        other => other.to_string(),
    };
    Failure::new(INPUT, message)
}

/// Writes `bytes` to `path` through a file beside it, renamed when whole.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let written = std::fs::File::create(&partial).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&partial, path)) {
        let _ = std::fs::remove_file(&partial);
        return Err(Failure::new(
            INPUT,
            format!("cannot write {}: {e}", path.display()),
        ));
    }
    Ok(())
}

/// An identifier made safe as a file name.
fn file_stem(identifier: &str) -> String {
    let stem: String = identifier
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("heatmap-{stem}")
}

/// `identifai override`.
pub fn override_verdict(ctx: &Context, args: args::Override) -> Result<Report, Failure> {
    let kind = MediaKind::from(args.kind);
    let verdict = match args.verdict {
        Verdict::Human => Classification::Human,
        Verdict::Artificial => Classification::Artificial,
    };
    let answer = ctx
        .runtime
        .block_on(
            ctx.session
                .client
                .override_classification(kind, args.hash.trim(), verdict),
        )?;
    let mut report = Report::new(&["hash", "kind", "verdict"], &["HASH", "KIND", "VERDICT"]);
    let verdict = answer.classification.as_str().to_string();
    report.push(
        vec![json!(answer.hash), json!(kind.to_string()), json!(verdict)],
        vec![
            Cell::from(answer.hash.clone()),
            Cell::from(kind.to_string()),
            Cell::styled(verdict, verdict_style(&answer.classification)),
        ],
    );
    Ok(report)
}

fn verdict_style(classification: &Classification) -> Style {
    match classification {
        Classification::Artificial => Style::Bad,
        Classification::Human => Style::Good,
        _ => Style::Plain,
    }
}

/// `identifai credits`.
pub fn credits(ctx: &Context) -> Result<Report, Failure> {
    let credits = ctx.runtime.block_on(ctx.session.client.credits())?;
    let mut report = Report::new(
        &["available_credits", "total_spent"],
        &["AVAILABLE", "SPENT"],
    );
    let text = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    report.push(
        vec![json!(credits.available_credits), json!(credits.total_spent)],
        vec![
            Cell::from(text(credits.available_credits)),
            Cell::from(text(credits.total_spent)),
        ],
    );
    Ok(report)
}

const USER_FIELDS: &[&str] = &[
    "id",
    "name",
    "email",
    "heuristic",
    "pricing_id",
    "pricing",
    "readonly",
    "created_at",
];

const USER_HEADERS: &[&str] = &["ID", "NAME", "EMAIL", "HEURISTIC", "PRICING", "READONLY"];

/// `identifai users list`: each page's users written as the page comes;
/// an error after some pages leaves them written (and a JSON array closed).
fn list_users(
    ctx: &Context,
    per_page: Option<i64>,
    pricing_id: Option<i64>,
    format: args::Format,
    colour: bool,
) -> Result<u8, Failure> {
    use futures_util::StreamExt;

    let mut query = UserQuery::default();
    query.per_page = per_page;
    query.pricing_id = pricing_id;
    let mut out = Pages::new(USER_FIELDS, USER_HEADERS, format, colour);
    let write = |e: std::io::Error| Failure::new(INPUT, format!("cannot write the users: {e}"));
    let spinner = ctx.spinner("listing users".into());
    // What is ready at once is a page: its users come together, and the
    // next page waits for a request.
    let mut pages = std::pin::pin!(ctx.session.client.partner_users(query).ready_chunks(10_000));
    let mut failed = None;
    while let Some(chunk) = ctx.runtime.block_on(pages.next()) {
        let mut page = Report::new(USER_FIELDS, USER_HEADERS);
        for item in chunk {
            match item {
                Ok(user) => push_user(&mut page, user),
                Err(e) => failed = Some(e),
            }
        }
        spinner.suspend(|| out.write(&page)).map_err(write)?;
        if failed.is_some() {
            break;
        }
    }
    spinner.finish_and_clear();
    out.finish().map_err(write)?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(crate::exit::OK),
    }
}

/// `identifai users …`: writes its output; returns the exit code.
pub fn users(
    ctx: &Context,
    command: Users,
    format: args::Format,
    colour: bool,
) -> Result<u8, Failure> {
    let client = &ctx.session.client;
    let user = match command {
        Users::List {
            per_page,
            pricing_id,
        } => return list_users(ctx, per_page, pricing_id, format, colour),
        Users::Create(create) => {
            let mut form = UserForm::new(
                create.name,
                create.email,
                create.heuristic,
                create.pricing_id,
            );
            if create.password_stdin {
                form.password = Some(password_from_stdin()?);
            }
            form.readonly = create.readonly.then_some(true);
            form.newsletter = create.newsletter.then_some(true);
            form.save_files = create.save_files.then_some(true);
            ctx.runtime.block_on(client.upsert_user(&form))?
        }
        Users::SendEmail { id } => ctx.runtime.block_on(client.send_creation_email(id))?,
    };
    let mut report = Report::new(USER_FIELDS, USER_HEADERS);
    push_user(&mut report, user);
    crate::output::write(&report, format, colour)
        .map_err(|e| Failure::new(INPUT, format!("cannot write the user: {e}")))?;
    Ok(crate::exit::OK)
}

fn push_user(report: &mut Report, user: types::User) {
    let pricing_id = user.pricing.as_ref().and_then(|p| p.id);
    let pricing = user.pricing.as_ref().and_then(|p| p.name.clone());
    let created = user.created_at.map(|t| t.to_rfc3339());
    let record = vec![
        json!(user.id),
        json!(user.name),
        json!(user.email),
        json!(user.heuristic),
        json!(pricing_id),
        json!(pricing),
        json!(user.readonly),
        json!(created),
    ];
    let pricing_text = match (&pricing, pricing_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => String::new(),
    };
    let row = vec![
        Cell::from(user.id.map(|id| id.to_string()).unwrap_or_default()),
        Cell::from(user.name.unwrap_or_default()),
        Cell::from(user.email.unwrap_or_default()),
        Cell::from(user.heuristic.unwrap_or_default()),
        Cell::from(pricing_text),
        Cell::from(match user.readonly {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        }),
    ];
    report.push(record, row);
}

/// The first line of stdin, without its line break.
fn password_from_stdin() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(INPUT, format!("cannot read the password from stdin: {e}")))?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err(InputError {
            subject: "--password-stdin".into(),
            problem: "stdin holds no password (its first line is empty)".into(),
        }
        .into());
    }
    Ok(password)
}

impl From<InputError> for Failure {
    fn from(error: InputError) -> Self {
        Failure::new(INPUT, error.to_string())
    }
}
