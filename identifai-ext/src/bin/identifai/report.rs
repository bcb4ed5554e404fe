//! `classify --report FILE`: one self-contained HTML file to look at a
//! batch: a card per input (its thumbnail, the heatmap over it, the
//! verdict, confidence, heuristic, per-model scores, C2PA, NSFW, a video's
//! frames), and a summary.
//!
//! Readable at any moment of a run: the head of the page is written when
//! the run starts, each card is appended (and flushed) as its result
//! arrives, and the summary and the closing tags are written when the run
//! ends. A browser shows a file cut anywhere (a run still going, or
//! killed) as the cards so far; CSS shows the summary above the cards and
//! the cards in input order, whatever order they arrived in. Nothing is
//! rewritten, so a long batch costs one write per card.
//!
//! Self-contained: images are embedded as data URIs (downscaled JPEG
//! thumbnails, 240 pixels a side at most), the CSS is inline, a
//! Content-Security-Policy forbids loading anything else, and the only
//! links go to the vendor's dashboard. Every file name and message goes
//! through maud, which escapes it.
//!
//! The work (reading and shrinking images, downloading heatmaps) runs on a
//! thread of its own, so that it never holds up uploads and polls. A
//! heatmap is a GET request of the 60-a-minute budget: downloaded only with
//! `--heatmap`, for images whose result has one.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use base64::Engine as _;
use identifai_ext::overlay::{HeatmapOverlay, Picture, default_limits, encode_jpeg};
use identifai_ext::types::Classification;
use identifai_ext::{Analysis, MediaKind, ModelScore};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::exit::{Failure, INPUT};
use crate::records::Outcome;

/// The largest side of a thumbnail, in pixels.
const THUMBNAIL: u32 = 240;
/// The JPEG quality of thumbnails.
const QUALITY: u8 = 72;

/// Downloads the heatmap of an identifier: its bytes, or what went wrong.
pub type Fetch = Box<dyn Fn(&str) -> Result<Vec<u8>, String> + Send>;

/// What the report says about the run.
pub struct Settings {
    /// Against the sandbox: every result is simulated.
    pub sandboxed: bool,
    /// `--heatmap` was given: heatmaps are downloaded and shown.
    pub heatmaps: bool,
    /// How many inputs the run has.
    pub inputs: usize,
}

/// One input's card.
pub struct Card {
    pub index: usize,
    pub label: String,
    /// The file to make a thumbnail from, when it is one.
    pub preview: Option<PathBuf>,
    pub outcome: Outcome,
}

enum Message {
    Card(Box<Card>),
    Finish,
}

/// A report being written.
pub struct Report {
    path: PathBuf,
    sender: Option<mpsc::Sender<Message>>,
    worker: Option<JoinHandle<io::Result<()>>>,
    hurry: Arc<AtomicBool>,
}

impl Report {
    /// Creates (or empties) the file and writes the page's head; cards are
    /// added with [`Report::add`].
    pub fn create(path: &Path, settings: Settings, fetch: Fetch) -> Result<Self, Failure> {
        let cannot = |e: io::Error| {
            Failure::new(
                INPUT,
                format!("cannot write the report {}: {e}", path.display()),
            )
        };
        let mut file = File::create(path).map_err(cannot)?;
        file.write_all(head(&settings).as_bytes())
            .and_then(|()| file.flush())
            .map_err(cannot)?;
        let (sender, cards) = mpsc::channel();
        let hurry = Arc::new(AtomicBool::new(false));
        let worker = {
            let hurry = hurry.clone();
            std::thread::Builder::new()
                .name("report".into())
                .spawn(move || work(file, &cards, &settings, &fetch, &hurry))
                .map_err(cannot)?
        };
        Ok(Self {
            path: path.to_path_buf(),
            sender: Some(sender),
            worker: Some(worker),
            hurry,
        })
    }

    /// Adds an input's card; it is written as soon as it is made.
    pub fn add(&self, card: Card) {
        if let Some(sender) = &self.sender {
            // A worker that stopped has kept its error for `finish`.
            let _ = sender.send(Message::Card(Box::new(card)));
        }
    }

    /// The flag that, once set, skips the heatmap downloads still to come
    /// (the run was told to stop).
    pub fn hurry(&self) -> Arc<AtomicBool> {
        self.hurry.clone()
    }

    /// Writes the cards still to come, then the summary.
    pub fn finish(mut self) -> Result<(), Failure> {
        if let Some(sender) = self.sender.take() {
            let _ = sender.send(Message::Finish);
        }
        let worker = self.worker.take();
        let written = match worker.map(JoinHandle::join) {
            Some(Ok(written)) => written,
            Some(Err(_)) => Err(io::Error::other("the report's thread failed")),
            None => Ok(()),
        };
        written.map_err(|e| {
            Failure::new(
                INPUT,
                format!("cannot write the report {}: {e}", self.path.display()),
            )
        })
    }
}

impl Drop for Report {
    /// A run that ends early (an error) leaves the cards so far, no summary.
    fn drop(&mut self) {
        self.hurry.store(true, Ordering::Relaxed);
        drop(self.sender.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

fn work(
    mut file: File,
    cards: &mpsc::Receiver<Message>,
    settings: &Settings,
    fetch: &Fetch,
    hurry: &AtomicBool,
) -> io::Result<()> {
    let mut tally = Tally::default();
    for message in cards {
        match message {
            Message::Card(card) => {
                let pictures = pictures(&card, settings, fetch, hurry);
                tally.add(
                    &card.outcome,
                    pictures.overlay.as_ref().is_some_and(|o| o.is_ok()),
                );
                file.write_all(card_html(&card, &pictures).as_bytes())?;
                file.flush()?;
            }
            Message::Finish => {
                file.write_all(tail(&tally, settings).as_bytes())?;
                return file.sync_all();
            }
        }
    }
    Ok(())
}

/// A card's images: each a data URI, or why there is none.
#[derive(Default)]
pub struct Pictures {
    pub thumbnail: Option<Result<String, String>>,
    pub overlay: Option<Result<String, String>>,
}

/// The kind of an input, when known.
fn kind_of(outcome: &Outcome) -> Option<MediaKind> {
    match outcome {
        Outcome::Done(analysis) => Some(analysis.kind()),
        Outcome::Failed(_, kind) => *kind,
        Outcome::Submitted(s) | Outcome::Pending(s) => Some(s.kind),
        Outcome::NotSubmitted | Outcome::Unanswered => None,
    }
}

fn pictures(card: &Card, settings: &Settings, fetch: &Fetch, hurry: &AtomicBool) -> Pictures {
    let mut pictures = Pictures::default();
    let image = kind_of(&card.outcome) == Some(MediaKind::Image);
    let picture = match (&card.preview, image) {
        (Some(path), true) => Some(thumbnail(path)),
        (None, true) => Some(Err("no preview of a URL or stdin".to_string())),
        _ => None,
    };
    pictures.thumbnail = picture.as_ref().map(|p| {
        p.as_ref()
            .map_err(Clone::clone)
            .and_then(|p| data_uri(&p.to_image()))
    });
    let Outcome::Done(analysis) = &card.outcome else {
        return pictures;
    };
    if !(settings.heatmaps && analysis.has_heatmap()) {
        return pictures;
    }
    let Some(identifier) = analysis.identifier() else {
        return pictures;
    };
    pictures.overlay = Some(if hurry.load(Ordering::Relaxed) {
        Err("heatmap not downloaded: the run was stopped".to_string())
    } else {
        match picture {
            Some(Ok(picture)) => fetch(identifier)
                .map_err(|e| format!("heatmap not downloaded: {e}"))
                .and_then(|heatmap| {
                    HeatmapOverlay::new()
                        .blend(&picture, &heatmap)
                        .map_err(|e| e.to_string())
                })
                .and_then(|blended| data_uri(&blended)),
            _ => Err("no heatmap overlay without the image".to_string()),
        }
    });
    pictures
}

/// The file's thumbnail, upright.
fn thumbnail(path: &Path) -> Result<Picture, String> {
    let limit = MediaKind::Image.max_bytes();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("no preview: {e}"))?
        .len();
    if size > limit {
        return Err(format!(
            "no preview: larger than the {} an image can be",
            MediaKind::Image.limit_text()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("no preview: {e}"))?;
    let picture = Picture::decode(&bytes, &default_limits()).map_err(|e| match e {
        identifai_ext::Error::InvalidInput(e) => format!("no preview: {}", e.problem),
        other => format!("no preview: {other}"),
    })?;
    Ok(picture.thumbnail(THUMBNAIL))
}

fn data_uri(image: &identifai_ext::overlay::image::DynamicImage) -> Result<String, String> {
    let jpeg = encode_jpeg(image, QUALITY).map_err(|e| e.to_string())?;
    Ok(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    ))
}

/// What the summary counts.
#[derive(Default)]
struct Tally {
    cards: usize,
    verdicts: BTreeMap<String, usize>,
    failed: usize,
    waiting: usize,
    unfinished: usize,
    nsfw: usize,
    c2pa: BTreeMap<String, usize>,
    heatmaps: usize,
    kinds: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome, heatmap: bool) {
        self.cards += 1;
        if let Some(kind) = kind_of(outcome) {
            *self.kinds.entry(kind.to_string()).or_default() += 1;
        }
        match outcome {
            Outcome::Done(analysis) => {
                let verdict = analysis
                    .classification()
                    .map_or("no verdict".to_string(), |c| c.as_str().to_string());
                *self.verdicts.entry(verdict).or_default() += 1;
                if analysis.is_nsfw() == Some(true) {
                    self.nsfw += 1;
                }
                let c2pa = analysis.c2pa_state().unwrap_or("none").to_string();
                *self.c2pa.entry(c2pa).or_default() += 1;
                self.heatmaps += usize::from(heatmap);
            }
            Outcome::Failed(..) => self.failed += 1,
            Outcome::Submitted(_) | Outcome::Pending(_) => self.waiting += 1,
            Outcome::NotSubmitted | Outcome::Unanswered => self.unfinished += 1,
        }
    }
}

const CSS: &str = r#"
:root { --artificial: #c0392b; --human: #1e8449; --other: #7f8c8d; --warn: #b9770e;
  --ink: #1c2833; --muted: #5d6d7e; --line: #d5d8dc; --paper: #f4f6f7; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.5rem; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--paper); display: flex; flex-direction: column; gap: 1rem; }
body > header { order: 1; } #summary { order: 2; } #cards { order: 3; } body > footer { order: 4; }
h1 { margin: 0 0 .25rem; font-size: 1.5rem; } h2 { margin: 0; font-size: 1rem; }
.meta, footer { color: var(--muted); }
.simulated { background: #fdebd0; border: 1px solid #f5b041; padding: .5rem .75rem; border-radius: 6px; }
#progress { color: var(--warn); font-weight: 600; }
body:has(#summary) #progress { display: none; }
#summary { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: .75rem 0; }
.count { min-width: 7rem; padding: .5rem .75rem; border-radius: 6px; background: var(--paper); border-left: 4px solid var(--other); }
.count strong { display: block; font-size: 1.4rem; }
.count.artificial { border-color: var(--artificial); } .count.human { border-color: var(--human); }
.count.failed { border-color: var(--artificial); background: #fdedec; } .count.waiting { border-color: var(--warn); }
#summary p { margin: .25rem 0; }
#cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: 1rem; }
.card { background: #fff; border: 1px solid var(--line); border-top: 5px solid var(--other); border-radius: 8px;
  padding: .75rem; display: flex; flex-direction: column; gap: .5rem; min-width: 0; }
.card.artificial { border-top-color: var(--artificial); } .card.human { border-top-color: var(--human); }
.card.failed { border-top-color: var(--artificial); background: #fdf2f1; } .card.waiting { border-top-color: var(--warn); }
.card h2 { font-size: .9rem; word-break: break-all; }
.pictures { display: flex; gap: .5rem; }
.pictures figure { margin: 0; flex: 1; min-width: 0; }
.pictures img { display: block; max-width: 100%; max-height: 180px; margin: 0 auto; border-radius: 4px; }
.pictures figcaption { text-align: center; color: var(--muted); font-size: .75rem; }
.placeholder { flex: 1; display: grid; place-items: center; height: 90px; background: var(--paper);
  border-radius: 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .1em; }
.note { color: var(--muted); font-size: .8rem; margin: 0; }
.verdict { font-size: 1.2rem; font-weight: 700; text-transform: capitalize; }
.verdict.artificial { color: var(--artificial); } .verdict.human { color: var(--human); }
.tag { font-size: .7rem; font-weight: 600; text-transform: uppercase; border-radius: 3px; padding: 0 .3rem;
  margin-left: .4rem; background: var(--paper); color: var(--muted); vertical-align: middle; }
.tag.nsfw { background: #fdebd0; color: var(--warn); }
.confidence { display: flex; align-items: center; gap: .5rem; }
.bar { flex: 1; height: 8px; background: var(--paper); border-radius: 4px; overflow: hidden; }
.bar span { display: block; height: 100%; background: var(--other); }
.artificial .bar span { background: var(--artificial); } .human .bar span { background: var(--human); }
dl { display: grid; grid-template-columns: auto 1fr; gap: .1rem .75rem; margin: 0; font-size: .85rem; }
dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
table.models { border-collapse: collapse; font-size: .8rem; width: 100%; }
.models th, .models td { text-align: left; padding: .1rem .3rem; border-bottom: 1px solid var(--line); }
.models td.score { font-variant-numeric: tabular-nums; }
.strip { display: flex; gap: 2px; flex-wrap: wrap; }
.strip span { width: 12px; height: 16px; border-radius: 2px; background: var(--other); }
.strip span.artificial { background: var(--artificial); } .strip span.human { background: var(--human); }
.error { color: var(--artificial); word-break: break-word; margin: 0; }
a { color: #2471a3; }
"#;

/// The page up to its first card.
fn head(settings: &Settings) -> String {
    let started = httpdate::fmt_http_date(std::time::SystemTime::now());
    let top = html! {
        header {
            h1 { "identifAI report" }
            p.meta {
                "Started " (started) " · " (settings.inputs) " input(s) · heatmaps "
                @if settings.heatmaps { "shown (downloaded with --heatmap)" } @else { "not asked for (--heatmap)" }
                " · identifai " (env!("CARGO_PKG_VERSION"))
            }
            @if settings.sandboxed {
                p.simulated {
                    strong { "Simulated. " }
                    "These results come from the sandbox (--sandbox), a local simulation of \
                     identifAI: none is a real verdict."
                }
            }
            p #progress { "The run is still going: cards are added as results arrive; the summary comes when it ends." }
        }
    };
    format!(
        "{}\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>identifAI report</title>\n<style>{CSS}</style>\n</head>\n<body>\n{}\n<main id=\"cards\">\n",
        DOCTYPE.0,
        top.into_string()
    )
}

/// The summary and the end of the page.
fn tail(tally: &Tally, settings: &Settings) -> String {
    let list = |counts: &BTreeMap<String, usize>| -> String {
        counts
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let verdict = |name: &str| tally.verdicts.get(name).copied().unwrap_or(0);
    let other: usize = tally
        .verdicts
        .iter()
        .filter(|(name, _)| !["artificial", "human"].contains(&name.as_str()))
        .map(|(_, n)| n)
        .sum();
    let summary = html! {
        section #summary {
            h2 { "Summary" }
            div.counts {
                div.count.artificial data-count="artificial" { strong { (verdict("artificial")) } "artificial" }
                div.count.human data-count="human" { strong { (verdict("human")) } "human" }
                @if other > 0 { div.count data-count="other" { strong { (other) } "other verdicts" } }
                div.count.failed data-count="failed" { strong { (tally.failed) } "failed" }
                @if tally.waiting > 0 { div.count.waiting data-count="waiting" { strong { (tally.waiting) } "waiting" } }
                @if tally.unfinished > 0 { div.count.waiting data-count="unfinished" { strong { (tally.unfinished) } "not finished" } }
            }
            p data-count="nsfw" { "NSFW: " (tally.nsfw) }
            p data-count="c2pa" { "C2PA: " @if tally.c2pa.is_empty() { "no results" } @else { (list(&tally.c2pa)) } }
            p data-count="kinds" { "Kinds: " @if tally.kinds.is_empty() { "none known" } @else { (list(&tally.kinds)) } }
            @if settings.heatmaps { p { "Heatmaps shown: " (tally.heatmaps) } }
            p.meta { "The run ended: " (tally.cards) " card(s), in input order below." }
        }
    };
    let footer = html! {
        footer {
            "Written by the identifai command. Everything is in this file; the only links go to the \
             identifAI dashboard."
        }
    };
    format!(
        "</main>\n{}\n{}\n</body>\n</html>\n",
        summary.into_string(),
        footer.into_string()
    )
}

/// The CSS class of a classification.
fn class_of(classification: Option<&Classification>) -> &'static str {
    match classification {
        Some(Classification::Artificial) => "artificial",
        Some(Classification::Human) => "human",
        _ => "other",
    }
}

/// A link to the vendor's dashboard: only http(s) URLs become links.
fn dashboard(url: Option<&str>) -> Option<&str> {
    url.filter(|u| {
        let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
        lower.starts_with("https://") || lower.starts_with("http://")
    })
}

fn card_html(card: &Card, pictures: &Pictures) -> String {
    let (status, class) = match &card.outcome {
        Outcome::Done(analysis) => (
            analysis.status().map_or("done", |s| s.as_str()).to_string(),
            class_of(analysis.classification().as_ref()),
        ),
        Outcome::Failed(problem, _) => (problem.parts().0.to_string(), "failed"),
        Outcome::Submitted(_) => ("submitted".to_string(), "waiting"),
        Outcome::Pending(_) => ("pending".to_string(), "waiting"),
        Outcome::NotSubmitted => ("not-submitted".to_string(), "waiting"),
        Outcome::Unanswered => ("unknown".to_string(), "waiting"),
    };
    let kind = kind_of(&card.outcome);
    let markup = html! {
        article.card.(class) id=(format!("input-{}", card.index)) data-index=(card.index)
            data-status=(status) style=(format!("order:{}", card.index)) {
            h2 title=(card.label) { (card.label) }
            (pictures_html(pictures, kind, &card.label))
            @match &card.outcome {
                Outcome::Done(analysis) => (done_html(analysis)),
                Outcome::Failed(problem, kind) => {
                    @let (status, message, identifier, _) = problem.parts();
                    div.verdict { (status) }
                    p.error { (message) }
                    dl {
                        @if let Some(kind) = kind { dt { "kind" } dd { (kind.to_string()) } }
                        @if let Some(id) = identifier { dt { "identifier" } dd { code { (id) } } }
                    }
                }
                Outcome::Submitted(s) | Outcome::Pending(s) => {
                    div.verdict { (status) }
                    p.note { "Not ready: fetch it with identifai result --kind " (s.kind.to_string()) " " (s.identifier) }
                    dl { dt { "identifier" } dd { code { (s.identifier) } } }
                }
                Outcome::NotSubmitted => {
                    div.verdict { "not submitted" }
                    p.note { "The run was stopped before it was submitted." }
                }
                Outcome::Unanswered => {
                    div.verdict { "unknown" }
                    p.note { "Its upload was under way when the run was stopped: the service may have accepted it, and no identifier came back." }
                }
            }
        }
    };
    let mut text = markup.into_string();
    text.push('\n');
    text
}

fn pictures_html(pictures: &Pictures, kind: Option<MediaKind>, label: &str) -> Markup {
    let figure = |picture: &Result<String, String>, caption: &str| -> Markup {
        html! {
            @match picture {
                Ok(uri) => figure { img src=(uri) alt=(format!("{caption}: {label}")); figcaption { (caption) } },
                Err(why) => p.note { (why) },
            }
        }
    };
    html! {
        @if pictures.thumbnail.is_some() || pictures.overlay.is_some() {
            div.pictures {
                @if let Some(thumbnail) = &pictures.thumbnail { (figure(thumbnail, "image")) }
                @if let Some(overlay) = &pictures.overlay { (figure(overlay, "heatmap")) }
            }
        } @else if let Some(kind) = kind.filter(|k| *k != MediaKind::Image) {
            div.pictures { div.placeholder { (kind.to_string()) } }
        }
    }
}

fn done_html(analysis: &Analysis) -> Markup {
    let classification = analysis.classification();
    let class = class_of(classification.as_ref());
    let verdict = classification
        .as_ref()
        .map_or("no verdict".to_string(), |c| c.as_str().to_string());
    let confidence = analysis.confidence().filter(|c| c.is_finite());
    html! {
        div.(class) {
            div.verdict.(class) data-verdict=(verdict) {
                (verdict)
                @if analysis.forced_classification().is_some() { span.tag { "overridden" } }
                @if analysis.is_nsfw() == Some(true) { span.tag.nsfw { "NSFW" } }
            }
            @if let Some(c) = confidence {
                div.confidence title="confidence" {
                    div.bar { span style=(format!("width:{:.0}%", c.clamp(0.0, 1.0) * 100.0)) {} }
                    span.value { (format!("{c:.2}")) }
                }
            }
        }
        dl {
            dt { "kind" } dd { (analysis.kind().to_string()) }
            @if let Some(h) = analysis.heuristic() { dt { "heuristic" } dd { (h) } }
            dt { "C2PA" } dd data-c2pa=(analysis.c2pa_state().unwrap_or("none")) { (analysis.c2pa_state().unwrap_or("none")) }
            dt { "NSFW" } dd { (match analysis.is_nsfw() { Some(true) => "yes", Some(false) => "no", None => "not checked" }) }
            @if let Some(id) = analysis.identifier() { dt { "identifier" } dd { code { (id) } } }
        }
        (models_html(&analysis.model_scores(), analysis.kind() == MediaKind::Video))
        @if !analysis.frames().is_empty() {
            div.strip title="per-frame verdicts" data-strip="frames" {
                @for (i, frame) in analysis.frames().iter().enumerate() {
                    @let verdict = frame.verdict.as_ref();
                    @let label = verdict.and_then(|v| v.classification.as_ref());
                    span.(class_of(label)) title=(format!(
                        "frame {}: {}{}",
                        i + 1,
                        label.map_or("no verdict", |l| l.as_str()),
                        verdict.and_then(|v| v.confidence).map(|c| format!(" ({c:.2})")).unwrap_or_default()
                    )) {}
                }
            }
        }
        @if !analysis.chunks().is_empty() {
            div.strip title="per-piece verdicts" data-strip="pieces" {
                @for chunk in analysis.chunks() {
                    @let label = chunk.verdict.as_ref().and_then(|v| v.classification.as_ref());
                    span.(class_of(label)) title=(format!(
                        "{}–{} s: {}",
                        chunk.start.unwrap_or_default(),
                        chunk.end.unwrap_or_default(),
                        label.map_or("no verdict", |l| l.as_str())
                    )) {}
                }
            }
        }
        @if let Some(url) = dashboard(analysis.result_url()) {
            a href=(url) rel="noopener noreferrer" { "Open in the identifAI dashboard" }
        }
    }
}

/// A model's scores by label: their sum and count.
type Sums<'a> = BTreeMap<&'a str, (f64, usize)>;

/// Each model's score per label (a video's: the mean over its frames).
fn models_html(scores: &[ModelScore], video: bool) -> Markup {
    let mut labels: Vec<&str> = Vec::new();
    let mut models: Vec<(&str, Sums)> = Vec::new();
    for score in scores {
        let label = score.label.as_str();
        if !labels.contains(&label) {
            labels.push(label);
        }
        let at = match models.iter().position(|(m, _)| *m == score.model) {
            Some(at) => at,
            None => {
                models.push((&score.model, BTreeMap::new()));
                models.len() - 1
            }
        };
        let entry = models[at].1.entry(label).or_default();
        entry.0 += score.score;
        entry.1 += 1;
    }
    if models.is_empty() {
        return PreEscaped(String::new());
    }
    html! {
        table.models {
            @if video { caption { "mean over the frames" } }
            tr { th { "model" } @for label in &labels { th { (label) } } }
            @for (model, by_label) in &models {
                tr {
                    td { (model) }
                    @for label in &labels {
                        td.score {
                            @if let Some((sum, n)) = by_label.get(label) { (format!("{:.2}", sum / *n as f64)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Problem;

    #[test]
    fn only_web_links_reach_the_page() {
        assert_eq!(
            dashboard(Some("https://app.identifai.net/r/1")),
            Some("https://app.identifai.net/r/1")
        );
        assert_eq!(dashboard(Some("HTTP://x")), Some("HTTP://x"));
        for url in [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "",
        ] {
            assert_eq!(dashboard(Some(url)), None, "{url}");
        }
    }

    #[test]
    fn messages_from_the_service_are_text() {
        let card = Card {
            index: 7,
            label: "a&b.png".into(),
            preview: None,
            outcome: Outcome::Failed(
                Problem::from_parts(
                    "errored",
                    "<script>alert('x')</script> & \"more\"".into(),
                    Some("id\"><b>".into()),
                    6,
                ),
                Some(MediaKind::Image),
            ),
        };
        let html = card_html(&card, &Pictures::default());
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;more&quot;"));
        assert!(html.contains("a&amp;b.png"));
        assert!(html.contains("style=\"order:7\""));
    }
}
