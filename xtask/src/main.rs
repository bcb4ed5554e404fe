//! `cargo xtask <task>`: keep the vendored identifAI spec in step with the
//! vendor's documentation.
//!
//! - `regen [--from SOURCE] [--dry-run] [--fail-on-breaking]`: rebuild
//!   `openapi/identifai.yaml` from the vendor's pages and print what changed;
//! - `diff OLD NEW`: what changed between two specs as users of the client
//!   see them (through `openapi/overlay.yaml` unless `--no-overlay`),
//!   breaking changes first;
//! - `check [--no-build]`: the spec is normalised, every overlay action
//!   still corrects what the vendor lacks, the client generates and
//!   identifai-ext builds against it (run by CI);
//! - `bench [--quick]`: the benchmarks (`identifai-bench`, release build),
//!   see BENCHMARKS.md.
//!
//! The checkout worked on is the one xtask is run in (see
//! [`xtask::workspace_root`]).
//!
//! Exit codes: 0 success, 1 failure, 2 bad usage, 3 breaking changes found
//! by `diff --fail-on-breaking` or `regen --fail-on-breaking`; `bench` exits with the benchmark's status
//! (3: a target missed).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::Value;
use xtask::regen::{self, Outcome, Source};
use xtask::{check, spec, workspace_root};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer tasks for identifai-rs")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Rebuild openapi/identifai.yaml from the vendor's documentation.
    Regen {
        /// The docs index URL, a saved index file (its pages beside it), a
        /// folder of saved pages (subfolders too), or one OpenAPI file.
        #[arg(long, default_value = regen::DEFAULT_INDEX)]
        from: String,
        /// The spec file to write.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The overlay applied to both specs for the report of changes
        /// (default: openapi/overlay.yaml).
        #[arg(long, conflicts_with = "no_overlay")]
        overlay: Option<PathBuf>,
        /// Report the changes of the raw specs, without the overlay.
        #[arg(long)]
        no_overlay: bool,
        /// Print what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write nothing and exit with status 3 when a change is breaking
        /// (an operation removed, a field changed).
        #[arg(long)]
        fail_on_breaking: bool,
        /// Seconds one attempt at a page may take (a page that times out,
        /// answers 5xx or drops the connection is tried once more).
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Report what changed between two specs, for a client's users.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit with status 3 when a change is breaking.
        #[arg(long)]
        fail_on_breaking: bool,
        /// The overlay applied to both specs first, so that the changes are
        /// those users of the generated client see (default:
        /// openapi/overlay.yaml).
        #[arg(long, conflicts_with = "no_overlay")]
        overlay: Option<PathBuf>,
        /// Compare the raw specs, without the overlay.
        #[arg(long)]
        no_overlay: bool,
    },
    /// Check that the vendored spec and overlay are consistent, that every
    /// overlay action corrects what the vendor still lacks, that the client
    /// generates and that identifai-ext builds against it.
    Check {
        #[arg(long)]
        spec: Option<PathBuf>,
        #[arg(long)]
        overlay: Option<PathBuf>,
        /// Skip building the public surface (`cargo check -p identifai-ext
        /// --all-features`).
        #[arg(long)]
        no_build: bool,
    },
    /// Print the effective spec: the vendored spec with the overlay applied,
    /// in normal form, before the build's progenitor-specific rewrites. This
    /// is what other OpenAPI tools (Prism, schemathesis, other generators)
    /// should read.
    Effective {
        /// The vendored spec (default: openapi/identifai.yaml).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The overlay (default: openapi/overlay.yaml).
        #[arg(long)]
        overlay: Option<PathBuf>,
        /// Write it to this file (atomically) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run the benchmarks (a release build of identifai-bench) and print the
    /// table of figures; see BENCHMARKS.md.
    Bench {
        /// Smaller sizes and fewer rounds: a smoke run of about ten seconds.
        #[arg(long)]
        quick: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.task) {
        Ok(code) => code,
        // The reader went away (`cargo xtask diff … | head`): not an error.
        Err(message) if message == BROKEN_PIPE => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `path` when given, else `file` in the checkout's `openapi/` folder.
fn in_openapi(path: Option<PathBuf>, file: &str) -> Result<PathBuf, String> {
    match path {
        Some(path) => Ok(path),
        None => Ok(workspace_root()?.join("openapi").join(file)),
    }
}

fn run(task: Task) -> Result<ExitCode, String> {
    match task {
        Task::Regen {
            from,
            spec,
            overlay,
            no_overlay,
            dry_run,
            fail_on_breaking,
            timeout,
        } => {
            let overlay = load_overlay(overlay, no_overlay)?;
            let options = regen::Options {
                overlay: overlay.as_ref(),
                dry_run,
                fail_on_breaking,
                fetch: regen::Fetch {
                    timeout: Duration::from_secs(timeout.max(1)),
                    ..regen::Fetch::default()
                },
            };
            regen_task(&from, &in_openapi(spec, "identifai.yaml")?, &options)
        }
        Task::Diff {
            old,
            new,
            format,
            fail_on_breaking,
            overlay,
            no_overlay,
        } => {
            let overlay = load_overlay(overlay, no_overlay)?;
            diff_task(&old, &new, format, fail_on_breaking, overlay.as_ref())
        }
        Task::Check {
            spec,
            overlay,
            no_build,
        } => {
            let options = check::Options {
                build: if no_build {
                    None
                } else {
                    Some(workspace_root()?)
                },
            };
            check_task(
                &in_openapi(spec, "identifai.yaml")?,
                &in_openapi(overlay, "overlay.yaml")?,
                &options,
            )
        }
        Task::Effective {
            spec: spec_path,
            overlay,
            out: out_path,
        } => {
            let text = xtask::effective_yaml(
                &spec::load(&in_openapi(spec_path, "identifai.yaml")?)?,
                &spec::load(&in_openapi(overlay, "overlay.yaml")?)?,
            )?;
            match out_path {
                Some(path) => spec::write_atomically(&path, &text)?,
                None => out(&text)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Task::Bench { quick } => bench_task(&workspace_root()?, quick),
    }
}

const BROKEN_PIPE: &str = "broken pipe";

/// Prints to stdout; a closed pipe ends the task quietly.
fn out(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(BROKEN_PIPE.into()),
        Err(e) => Err(format!("cannot write the output: {e}")),
    }
}

/// The overlay to see specs through: none with `--no-overlay`, else the one
/// named or the checkout's; one that cannot be read or is malformed is an
/// error, never skipped.
fn load_overlay(path: Option<PathBuf>, no_overlay: bool) -> Result<Option<Value>, String> {
    if no_overlay {
        return Ok(None);
    }
    let path = in_openapi(path, "overlay.yaml")?;
    let overlay = spec::load(&path)?;
    xtask::overlay::apply(&mut Value::Object(Default::default()), &overlay)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(overlay))
}

fn regen_task(from: &str, spec_path: &Path, options: &regen::Options) -> Result<ExitCode, String> {
    let source = Source::parse(from)?;
    let mut progress = progress();
    let outcome = regen::regenerate(&source, spec_path, options, &mut *progress)?;
    let spec = spec_path.display();
    let changes = |report: &xtask::diff::Report| {
        if report.is_empty() {
            "No changes for the client's users (only text such as descriptions or examples).\n"
                .to_string()
        } else {
            report.to_text()
        }
    };
    match &outcome {
        Outcome::Unchanged => out(&format!("{spec} is unchanged\n"))?,
        Outcome::Written(report) => out(&format!("wrote {spec}\n{}", changes(report)))?,
        Outcome::DryRun(report) => out(&format!(
            "{spec} would change (dry run: nothing written)\n{}",
            changes(report)
        ))?,
        Outcome::Refused(report) => {
            out(&changes(report))?;
            eprintln!(
                "error: breaking changes: {spec} was not written (--fail-on-breaking); read them \
                 above, then run regen without the flag to accept them"
            );
            return Ok(ExitCode::from(3));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A bar on a terminal; a line per page elsewhere (CI logs).
fn progress() -> Box<dyn regen::Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar::default())
    } else {
        Box::new(regen::Lines::new(std::io::stderr()))
    }
}

fn diff_task(
    old: &Path,
    new: &Path,
    format: Format,
    fail_on_breaking: bool,
    overlay: Option<&Value>,
) -> Result<ExitCode, String> {
    let report = xtask::diff_as_client_sees(&spec::load(old)?, &spec::load(new)?, overlay)?;
    let text = match format {
        Format::Text => report.to_text(),
        Format::Markdown => report.to_markdown(),
        Format::Json => report.to_json(),
    };
    out(&text)?;
    if !text.ends_with('\n') {
        out("\n")?;
    }
    Ok(if fail_on_breaking && report.has_breaking() {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

fn check_task(
    spec_path: &Path,
    overlay_path: &Path,
    options: &check::Options,
) -> Result<ExitCode, String> {
    let findings = check::run(spec_path, overlay_path, options);
    for note in &findings.notes {
        out(&format!("ok: {note}\n"))?;
    }
    if findings.problems.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &findings.problems {
        eprintln!("problem: {problem}");
    }
    Err(format!(
        "check found {} problem(s)",
        findings.problems.len()
    ))
}

/// `cargo run --release -p identifai-bench -- [--quick]`, with this
/// process's stdin, stdout and stderr; its exit status is ours.
fn bench_task(root: &Path, quick: bool) -> Result<ExitCode, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .current_dir(root)
        .args(["run", "--release", "-p", "identifai-bench", "--"]);
    if quick {
        command.arg("--quick");
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // Ended by a signal.
        None => ExitCode::FAILURE,
    })
}

/// A progress bar on stderr, for a terminal.
#[derive(Default)]
struct Bar(Option<indicatif::ProgressBar>);

impl regen::Progress for Bar {
    fn start(&mut self, pages: usize) {
        let bar = indicatif::ProgressBar::new(pages as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        self.0 = Some(bar);
    }
    fn retrying(&mut self, origin: &str, why: &str) {
        let line = format!("retrying {origin}: {why}");
        match &self.0 {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
    fn page_done(&mut self, origin: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(origin.rsplit('/').next().unwrap_or(origin).to_string());
            bar.inc(1);
        }
    }
    fn finish(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}
