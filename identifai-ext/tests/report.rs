//! `identifai classify --report`: the HTML report, read with an HTML parser
//! as a browser would (one card per input, nothing external, names
//! escaped, the summary), while the run goes on and after kill -9, with
//! `--journal`, the heatmaps it downloads, and rendered by a headless
//! Chromium.
#![cfg(all(feature = "cli", unix))]

use crate::util::{SAMPLE, records, variants};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use identifai_ext::RateLimits;
use identifai_ext::overlay::image::{self, RgbaImage};
use identifai_ext::sandbox::{Sandbox, SandboxConfig};
use scraper::{ElementRef, Html, Selector};

/// The binary with a clean environment, its output captured.
fn identifai() -> Command {
    let mut cmd = crate::util::identifai_process();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The binary against `sandbox`, which outlives the run, its output
/// captured.
fn against(sandbox: &Sandbox) -> Command {
    let mut cmd = crate::util::identifai_against(sandbox);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd`: its exit code, stdout and stderr.
fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().expect("the binary runs");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).unwrap(),
        stderr,
    )
}

fn select<'a>(root: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap();
    root.select(&selector).collect()
}

fn within<'a>(element: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap();
    element.select(&selector).collect()
}

fn text(element: ElementRef<'_>) -> String {
    element.text().collect::<String>().trim().to_string()
}

fn read_report(path: &Path) -> Html {
    Html::parse_document(&std::fs::read_to_string(path).expect("the report"))
}

/// The cards, by input index (each index once).
fn cards(html: &Html) -> Vec<ElementRef<'_>> {
    let mut cards = select(html, "article.card");
    cards.sort_by_key(|c| index_of(*c));
    let indexes: Vec<usize> = cards.iter().map(|c| index_of(*c)).collect();
    let mut unique = indexes.clone();
    unique.dedup();
    assert_eq!(indexes, unique, "one card per input");
    cards
}

fn index_of(card: ElementRef<'_>) -> usize {
    card.attr("data-index").unwrap().parse().unwrap()
}

/// The image of a data URI.
fn embedded(uri: &str) -> RgbaImage {
    let data = uri
        .strip_prefix("data:image/jpeg;base64,")
        .unwrap_or_else(|| panic!("not an embedded JPEG: {}", &uri[..40.min(uri.len())]));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    image::load_from_memory(&bytes).unwrap().to_rgba8()
}

/// Checks that the page loads nothing from outside itself.
fn assert_self_contained(html: &Html) {
    for tag in [
        "script", "link", "iframe", "frame", "object", "embed", "video", "audio", "source",
        "track", "base", "form", "svg",
    ] {
        assert!(select(html, tag).is_empty(), "a <{tag}> element");
    }
    for element in select(html, "*") {
        for (name, value) in element.value().attrs() {
            let name = name.to_ascii_lowercase();
            assert!(!name.starts_with("on"), "an event handler: {name}={value}");
            match name.as_str() {
                "src" => assert!(value.starts_with("data:image/"), "src={value}"),
                "srcset" | "poster" | "background" | "action" | "formaction" | "xlink:href" => {
                    panic!("{name}={value}")
                }
                "href" => {
                    assert_eq!(element.value().name(), "a");
                    assert!(
                        value.starts_with("https://") || value.starts_with("http://"),
                        "a link: {value}"
                    );
                }
                "style" => assert!(!value.contains("url("), "style={value}"),
                _ => {}
            }
        }
    }
    for style in select(html, "style") {
        let css = text(style);
        assert!(!css.contains("url(") && !css.contains("@import"), "{css}");
    }
    let csp = select(html, "meta[http-equiv=\"Content-Security-Policy\"]");
    assert!(
        csp[0]
            .attr("content")
            .unwrap()
            .contains("default-src 'none'"),
        "a policy that forbids loading anything"
    );
}

/// A video and a speech recording the sandbox accepts.
fn media(dir: &Path) -> (PathBuf, PathBuf) {
    let mut mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    mp4.extend_from_slice(&[0u8; 64]);
    let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x44\xac\x00\x00\x88\x58\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00".to_vec();
    wav.extend_from_slice(&[0u8; 64]);
    let (video, speech) = (dir.join("clip.mp4"), dir.join("voice.wav"));
    std::fs::write(&video, mp4).unwrap();
    std::fs::write(&speech, wav).unwrap();
    (video, speech)
}

#[test]
fn the_report_has_a_card_per_input_nothing_external_and_every_name_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let image = variants(dir.path(), 1).remove(0);
    // A file name that would be markup if it were not escaped.
    let evil = dir
        .path()
        .join("<img src=x onerror=alert(1)> & <b>\"bold\" 'quoted'.png");
    std::fs::copy(SAMPLE, &evil).unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not an image").unwrap();
    let missing = dir.path().join("missing.png");
    let inputs = [&image, &evil, &notes, &missing];
    let report = dir.path().join("report.html");

    let (code, stdout, stderr) = run(identifai()
        .args([
            "--sandbox",
            "classify",
            "--heatmap",
            "-o",
            "jsonl",
            "--report",
        ])
        .arg(&report)
        .args(inputs));
    assert_eq!(code, 3, "two inputs fail: {stderr}");
    let records = records(&stdout);
    let html = read_report(&report);
    assert_self_contained(&html);

    let cards = cards(&html);
    assert_eq!(cards.len(), inputs.len(), "one card per input");
    for (i, (card, record)) in cards.iter().zip(&records).enumerate() {
        assert_eq!(index_of(*card), i);
        // The name shown is the input as given, as text.
        let heading = within(*card, "h2")[0];
        assert_eq!(text(heading), inputs[i].display().to_string());
        assert_eq!(
            heading.attr("title"),
            Some(inputs[i].display().to_string().as_str())
        );
        assert!(within(heading, "*").is_empty(), "markup in a name");
        assert_eq!(card.attr("data-status"), record["status"].as_str());
    }
    // The evil name made no element of its own.
    assert_eq!(
        select(&html, "img")
            .iter()
            .filter(|i| i.attr("src") == Some("x"))
            .count(),
        0
    );
    assert!(select(&html, "b").is_empty());

    // Images: a thumbnail and the heatmap over it, each a small JPEG.
    for card in &cards[..2] {
        let record = &records[index_of(*card)];
        let verdict = within(*card, "[data-verdict]")[0];
        assert_eq!(verdict.attr("data-verdict"), record["verdict"].as_str());
        let pictures = within(*card, "figure img");
        assert_eq!(pictures.len(), 2, "thumbnail and heatmap");
        let thumbnail = embedded(pictures[0].attr("src").unwrap());
        let overlay = embedded(pictures[1].attr("src").unwrap());
        assert_eq!(thumbnail.dimensions(), (64, 64), "the sample is 64×64");
        assert_eq!(overlay.dimensions(), thumbnail.dimensions());
        let changed = thumbnail
            .pixels()
            .zip(overlay.pixels())
            .filter(|(a, b)| (0..3).any(|c| a[c].abs_diff(b[c]) > 24))
            .count();
        assert!(changed > 64 * 64 / 4, "the heatmap shows: {changed} pixels");
        assert_eq!(text(within(*card, "figcaption")[1]), "heatmap");
        // Confidence bar, heuristic, per-model scores, C2PA, the dashboard.
        assert_eq!(within(*card, ".confidence .bar span").len(), 1);
        let confidence = text(within(*card, ".confidence .value")[0]);
        assert_eq!(
            confidence,
            format!("{:.2}", record["confidence"].as_f64().unwrap())
        );
        let models = within(*card, "table.models tr");
        assert_eq!(models.len(), 3, "a header and two sandbox models");
        assert!(text(models[1]).starts_with("SANDBOX-"));
        let c2pa = within(*card, "dd[data-c2pa]")[0].attr("data-c2pa").unwrap();
        assert_eq!(c2pa, record["c2pa"].as_str().unwrap_or("none"));
        let link = within(*card, "a[href]")[0].attr("href").unwrap();
        assert!(
            link.starts_with("https://sandbox.identifai.invalid/"),
            "{link}"
        );
    }
    // Failed inputs: the error, in their place.
    for card in &cards[2..] {
        assert_eq!(card.attr("data-status"), Some("failed"));
        let error = text(within(*card, ".error")[0]);
        assert!(
            error.contains(".txt") || error.contains("missing.png"),
            "{error}"
        );
    }

    // The summary, written last, agrees with the records.
    let count = |name: &str| -> usize {
        let found = select(&html, &format!("#summary [data-count={name}] strong"));
        text(found[0]).parse().unwrap()
    };
    let verdicts = |v: &str| records.iter().filter(|r| r["verdict"] == v).count();
    assert_eq!(count("artificial"), verdicts("artificial"));
    assert_eq!(count("human"), verdicts("human"));
    assert_eq!(count("failed"), 2);
    assert!(text(select(&html, "#summary [data-count=c2pa]")[0]).starts_with("C2PA: "));
    assert!(text(select(&html, ".simulated")[0]).contains("Simulated"));
}

#[test]
fn a_video_shows_its_frames_verdicts_and_speech_its_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let (video, speech) = media(dir.path());
    let report = dir.path().join("report.html");
    let (code, stdout, stderr) = run(identifai()
        .args(["--sandbox", "classify", "-o", "jsonl", "--report"])
        .arg(&report)
        .args([&video, &speech]));
    assert_eq!(code, 0, "{stderr}");
    let records = records(&stdout);
    let html = read_report(&report);
    assert_self_contained(&html);
    let cards = cards(&html);
    assert_eq!(cards.len(), 2);
    let frames = within(cards[0], "[data-strip=frames] span");
    assert_eq!(frames.len(), 5, "one per frame (the sandbox analyses 5)");
    for (i, frame) in frames.iter().enumerate() {
        let title = frame.attr("title").unwrap();
        assert!(title.starts_with(&format!("frame {}: ", i + 1)), "{title}");
        let verdict = title.split(": ").nth(1).unwrap().split(' ').next().unwrap();
        assert!(frame.value().classes().any(|c| c == verdict), "{title}");
    }
    assert_eq!(text(within(cards[0], ".placeholder")[0]), "video");
    assert_eq!(
        text(within(cards[0], "table.models caption")[0]),
        "mean over the frames"
    );
    assert_eq!(within(cards[1], "[data-strip=pieces] span").len(), 3);
    assert_eq!(text(within(cards[1], ".placeholder")[0]), "speech");
    for (card, record) in cards.iter().zip(&records) {
        let verdict = within(*card, "[data-verdict]")[0].attr("data-verdict");
        assert_eq!(verdict, record["verdict"].as_str());
    }
    let kinds = text(select(&html, "#summary [data-count=kinds]")[0]);
    assert!(
        kinds.contains("speech 1") && kinds.contains("video 1"),
        "{kinds}"
    );
}

#[test]
fn a_large_image_is_shown_as_a_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.png");
    let photo = RgbaImage::from_fn(1600, 1000, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8, 255])
    });
    photo.save(&big).unwrap();
    let report = dir.path().join("report.html");
    let (code, _, stderr) = run(identifai()
        .args(["--sandbox", "classify", "--report"])
        .arg(&report)
        .arg(&big));
    assert_eq!(code, 0, "{stderr}");
    let html = read_report(&report);
    let thumbnail = embedded(select(&html, "figure img")[0].attr("src").unwrap());
    assert_eq!(
        thumbnail.dimensions(),
        (240, 150),
        "at most 240 a side, the aspect kept"
    );
    let size = std::fs::metadata(&report).unwrap().len();
    assert!(size < 64 * 1024, "the report is {size} bytes");
    // No --heatmap: no heatmap asked for, none shown.
    assert!(
        select(&html, "figcaption")
            .iter()
            .all(|c| text(*c) != "heatmap")
    );
}

#[test]
fn heatmaps_are_downloaded_only_with_heatmap_and_within_the_get_budget() {
    // The sandbox refuses what passes the documented limits.
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().with_rate_limits(RateLimits::default()))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let images = variants(dir.path(), 3);
    let report = dir.path().join("report.html");
    let (code, _, stderr) = run(against(&sandbox)
        .args(["classify", "--heatmap", "--report"])
        .arg(&report)
        .args(&images));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(sandbox.heatmaps(), 3, "one per image");
    assert_eq!(sandbox.rate_limited(), 0, "paced with the rest");
    assert_eq!(select(&read_report(&report), "figure img").len(), 6);

    // Without --report, or without --heatmap: none.
    let (code, _, stderr) = run(against(&sandbox)
        .args(["classify", "--heatmap"])
        .args(&images));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(against(&sandbox)
        .args(["classify", "--report"])
        .arg(&report)
        .args(&images));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(sandbox.heatmaps(), 3);
    assert_eq!(select(&read_report(&report), "figure img").len(), 3);
}

#[test]
fn a_report_that_cannot_be_written_is_refused_before_anything_is_sent() {
    let sandbox = Sandbox::start().unwrap();
    let (code, _, stderr) = run(against(&sandbox).args([
        "classify",
        "--report",
        "/nonexistent/folder/report.html",
        SAMPLE,
    ]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("cannot write the report /nonexistent/folder/report.html"));
    assert_eq!(sandbox.requests(), 0);
}

/// Waits (30 s at most) until `ready` holds.
fn until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_report_is_readable_while_the_run_goes_on_and_after_kill_9() {
    // Results that take an hour: the run waits, and only the input that
    // fails at once has its card.
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().processing_time(Duration::from_secs(3600)))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let image = variants(dir.path(), 1).remove(0);
    let missing = dir.path().join("missing.png");
    let report = dir.path().join("report.html");
    let mut child: Child = against(&sandbox)
        .args(["classify", "--report"])
        .arg(&report)
        .arg(&image)
        .arg(&missing)
        .spawn()
        .unwrap();
    until("the first card", || {
        std::fs::read_to_string(&report).is_ok_and(|t| t.contains("</article>"))
    });
    until("a poll", || {
        sandbox.submissions() == 1 && sandbox.requests() > 1
    });
    assert!(child.try_wait().unwrap().is_none(), "the run goes on");
    let check = |html: &Html| {
        let cards = cards(html);
        assert_eq!(cards.len(), 1);
        assert_eq!(index_of(cards[0]), 1);
        assert_eq!(cards[0].attr("data-status"), Some("failed"));
        assert!(
            select(html, "#summary").is_empty(),
            "the summary comes last"
        );
        assert_eq!(
            select(html, "#progress").len(),
            1,
            "says it is not complete"
        );
        assert_eq!(select(html, "h1").len(), 1);
        assert_self_contained(html);
    };
    check(&read_report(&report));
    child.kill().unwrap();
    child.wait().unwrap();
    check(&read_report(&report));
}

#[test]
fn a_resumed_run_reports_every_input_and_submits_nothing_twice() {
    let sandbox = Sandbox::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let images = variants(dir.path(), 3);
    let journal = dir.path().join("run.journal");
    let report = dir.path().join("report.html");
    // Two submitted only; then a run that waits for them, submits the third
    // and reports all three; then one that has everything in its journal.
    let (code, _, stderr) = run(against(&sandbox)
        .args(["classify", "--heatmap", "--no-wait", "--journal"])
        .arg(&journal)
        .args(&images[..2]));
    assert_eq!(code, 0, "{stderr}");
    for _ in 0..2 {
        let (code, stdout, stderr) = run(against(&sandbox)
            .args(["classify", "--heatmap", "--journal"])
            .arg(&journal)
            .arg("--report")
            .arg(&report)
            .args(&images));
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(sandbox.submissions(), 3, "nothing submitted twice");
        let records = records(&stdout);
        let html = read_report(&report);
        let cards = cards(&html);
        assert_eq!(cards.len(), 3);
        for (card, record) in cards.iter().zip(&records) {
            assert_eq!(card.attr("data-status"), Some("done"));
            let verdict = within(*card, "[data-verdict]")[0].attr("data-verdict");
            assert_eq!(verdict, record["verdict"].as_str());
            assert_eq!(within(*card, "figure img").len(), 2, "with its heatmap");
        }
        assert_eq!(select(&html, "#summary").len(), 1);
    }
}

/// A headless Chromium, or why there is none.
fn chromium() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let path = dir.join(name);
            if path.is_file() {
                return Ok(path);
            }
        }
    }
    Err("no chromium on PATH (.ci/run installs Debian's; or set CHROMIUM)".into())
}

/// Takes a screenshot of `page` (a local file): the PNG's bytes.
fn screenshot(browser: &Path, page: &Path, dir: &Path) -> Result<Vec<u8>, String> {
    let shot = dir.join("screenshot.png");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            "--virtual-time-budget=3000",
            "--window-size=1200,900",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", browser.display()))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            return Err("chromium did not finish in 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut stderr).ok();
    }
    match std::fs::read(&shot) {
        Ok(png) if status.success() => Ok(png),
        Ok(_) | Err(_) => Err(format!("chromium failed ({status}): {stderr}")),
    }
}

#[test]
fn the_report_renders_in_a_headless_browser() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let dir = tempfile::tempdir().unwrap();
    let images = variants(dir.path(), 4);
    let report = dir.path().join("report.html");
    let (code, _, stderr) = run(identifai()
        .args(["--sandbox", "classify", "--heatmap", "--report"])
        .arg(&report)
        .args(&images));
    assert_eq!(code, 0, "{stderr}");
    let shot = chromium().and_then(|browser| screenshot(&browser, &report, dir.path()));
    let png = match shot {
        Ok(png) => png,
        Err(why) if ci => panic!("CI=true, and the browser check cannot run: {why}"),
        Err(why) => {
            eprintln!("skipped: the browser check cannot run here: {why}");
            return;
        }
    };
    let shot = image::load_from_memory(&png)
        .expect("the screenshot is an image")
        .to_rgba8();
    assert_eq!(shot.dimensions(), (1200, 900));
    let first = shot.get_pixel(0, 0);
    assert!(shot.pixels().any(|p| p != first), "a blank screenshot");
    // The page's own colours: the "simulated" banner and the cards'
    // verdict borders, so the CSS was applied and the cards drawn.
    let colour = |rgb: [u8; 3]| shot.pixels().filter(|p| p.0[..3] == rgb).count();
    let banner = colour([0xfd, 0xeb, 0xd0]);
    assert!(banner > 1_000, "the simulated banner: {banner} pixels");
    let verdicts = colour([0xc0, 0x39, 0x2b]) + colour([0x1e, 0x84, 0x49]);
    assert!(verdicts > 500, "verdict colours: {verdicts} pixels");
    let distinct: std::collections::HashSet<[u8; 4]> = shot.pixels().map(|p| p.0).collect();
    assert!(
        distinct.len() > 100,
        "thumbnails drawn: {} colours",
        distinct.len()
    );
}
