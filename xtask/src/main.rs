//! `cargo xtask <task>`: keep the vendored identifAI spec in step with the
//! vendor's documentation.
//!
//! - `regen [--from SOURCE]`: rebuild `openapi/identifai.yaml` from the
//!   vendor's pages and print what changed;
//! - `diff OLD NEW`: what changed between two specs, breaking changes first;
//! - `check`: the spec is normalised, the overlay still applies, the client
//!   generates (run by CI);
//! - `bench [--quick]`: the benchmarks (`identifai-bench`, release build),
//!   see BENCHMARKS.md.
//!
//! Exit codes: 0 success, 1 failure, 2 bad usage, 3 breaking changes found
//! by `diff --fail-on-breaking`; `bench` exits with the benchmark's status
//! (3: a target missed).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use xtask::regen::{self, Source};
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
        /// folder of saved pages, or one OpenAPI file.
        #[arg(long, default_value = regen::DEFAULT_INDEX)]
        from: String,
        /// The spec file to write.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The overlay applied to both specs for the report of changes.
        #[arg(long)]
        overlay: Option<PathBuf>,
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
        /// Apply this overlay to both specs first: the changes as users of
        /// the generated client see them.
        #[arg(long)]
        overlay: Option<PathBuf>,
    },
    /// Check that the vendored spec and overlay are consistent.
    Check {
        #[arg(long)]
        spec: Option<PathBuf>,
        #[arg(long)]
        overlay: Option<PathBuf>,
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
        } => regen_task(
            &from,
            &in_openapi(spec, "identifai.yaml")?,
            &in_openapi(overlay, "overlay.yaml")?,
        ),
        Task::Diff {
            old,
            new,
            format,
            fail_on_breaking,
            overlay,
        } => diff_task(&old, &new, format, fail_on_breaking, overlay.as_deref()),
        Task::Check { spec, overlay } => check_task(
            &in_openapi(spec, "identifai.yaml")?,
            &in_openapi(overlay, "overlay.yaml")?,
        ),
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

fn regen_task(
    from: &str,
    spec_path: &std::path::Path,
    overlay_path: &std::path::Path,
) -> Result<ExitCode, String> {
    let source = Source::parse(from)?;
    let mut progress = Bar::default();
    // The report shows the changes through our overlay, when there is one.
    let overlay = spec::load(overlay_path).ok();
    let outcome = regen::regenerate(&source, spec_path, overlay.as_ref(), &mut progress)?;
    match outcome.report {
        None => out(&format!("{} is unchanged\n", spec_path.display()))?,
        Some(report) => out(&format!(
            "wrote {}\n{}",
            spec_path.display(),
            report.to_text()
        ))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn diff_task(
    old: &std::path::Path,
    new: &std::path::Path,
    format: Format,
    fail_on_breaking: bool,
    overlay: Option<&std::path::Path>,
) -> Result<ExitCode, String> {
    let overlay = overlay.map(spec::load).transpose()?;
    let report = xtask::diff_as_client_sees(&spec::load(old)?, &spec::load(new)?, overlay.as_ref());
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
    spec_path: &std::path::Path,
    overlay_path: &std::path::Path,
) -> Result<ExitCode, String> {
    let findings = check::run(spec_path, overlay_path);
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
fn bench_task(root: &std::path::Path, quick: bool) -> Result<ExitCode, String> {
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

/// A progress bar on stderr when more than a handful of pages are read
/// (indicatif hides it when stderr is not a terminal).
#[derive(Default)]
struct Bar(Option<indicatif::ProgressBar>);

impl regen::Progress for Bar {
    fn start(&mut self, pages: usize) {
        if pages > 5 {
            let bar = indicatif::ProgressBar::new(pages as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            {
                bar.set_style(style);
            }
            self.0 = Some(bar);
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
