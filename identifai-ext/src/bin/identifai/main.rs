//! `identifai`: the identifAI API from a shell or a CI pipeline.
//!
//! ```text
//! identifai --sandbox classify samples/sample.png     # offline, simulated
//! identifai classify photos/ 'scans/*.jpg' -o jsonl   # IDENTIFAI_API_KEY set
//! identifai classify clip.mp4 --no-wait               # prints identifiers
//! identifai result --kind video ID                    # waits for them later
//! ```
//!
//! Results go to stdout only (a table on a terminal, JSON lines otherwise;
//! `--output table|json|jsonl|csv`); progress bars, notices and errors go
//! to stderr. A closed stdout (`| head -1`) is not an error.
//!
//! Exit codes:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a `--fail-on` condition matched |
//! | 2 | usage error (wrong option or value, malformed config file) |
//! | 3 | input error: missing file, unsupported format, refused by the service, unknown identifier |
//! | 4 | authentication: no API key, a refused key, a config file others can read |
//! | 5 | rate limited, or not enough credits |
//! | 6 | the service failed or answered unexpectedly (a classification that errored too) |
//! | 7 | timeout: results not ready in time (their identifiers are printed) |
//! | 8 | transport: the service could not be reached |
//! | 130, 143 | stopped by SIGINT (Ctrl-C) or SIGTERM: what is pending is printed |
//!
//! When several inputs fail, the most severe code counts: 4, 5, 8, 6, 7, 3,
//! then 1.

mod args;
mod classify;
mod commands;
mod config;
mod exit;
mod inputs;
mod journal;
mod output;
mod records;
mod report;
mod serve;
mod signals;
mod warnings;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::{Cli, Command, FailOn};
use crate::config::Session;
use crate::exit::{Failure, SERVER};

fn main() -> ExitCode {
    let cli = Cli::parse();
    warnings::install();
    let code = match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            eprintln_safe(&format!("error: {}", failure.message));
            failure.code
        }
    };
    ExitCode::from(code)
}

/// What every command runs with.
pub struct Context {
    pub session: Session,
    pub runtime: tokio::runtime::Runtime,
    pub fail_on: Vec<FailOn>,
    pub quiet: bool,
    pub sandboxed: bool,
    /// Whether errors of single inputs are also written on stderr (they are
    /// in the table's notes already).
    pub echo_item_errors: bool,
    progress: bool,
}

impl Context {
    /// A progress bar on stderr when it is a terminal (hidden otherwise).
    pub fn bar(&self, len: u64, message: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(len), self.target());
        let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(message.to_string());
        bar
    }

    /// A spinner on stderr when it is a terminal (hidden otherwise).
    pub fn spinner(&self, message: String) -> ProgressBar {
        let spinner = ProgressBar::with_draw_target(None, self.target());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            spinner.set_style(style);
        }
        spinner.set_message(message);
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }

    /// A notice on stderr, unless `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln_safe(&format!("note: {text}"));
        }
    }

    /// The error of one input, on stderr when the table does not show it.
    pub fn item_error(&self, message: &str) {
        if self.echo_item_errors {
            eprintln_safe(&format!("error: {message}"));
        }
    }
}

/// Writes a line on stderr; a closed stderr is ignored, never a panic.
/// Writes a line to stderr, control characters (but line breaks) made
/// harmless: server messages and file names reach it.
fn eprintln_safe(text: &str) {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let global = cli.global;
    let format = output::format(global.output);
    let colour = output::colour();
    // The sandbox server needs no key, config or client of its own.
    let cli = match cli.command {
        Command::Sandbox(args::SandboxCommand::Serve(serve)) => {
            return serve::serve(serve, global.quiet);
        }
        command => Cli { global, command },
    };
    let global = cli.global;
    let session = config::session(&global)?;
    if global.sandbox && !global.quiet {
        eprintln_safe(
            "note: --sandbox: running against a local simulation of identifAI; every result is \
             simulated, not a real verdict",
        );
        if matches!(
            cli.command,
            Command::Result(_) | Command::Heatmap(_) | Command::Override(_)
        ) {
            eprintln_safe(
                "note: each --sandbox run starts a new simulation, which knows only what the same \
                 run submitted: identifiers and hashes from other runs are unknown to it; \
                 `identifai sandbox serve` runs one that lasts across commands",
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .map_err(|e| Failure::new(SERVER, format!("cannot start the async runtime: {e}")))?;
    let ctx = Context {
        session,
        runtime,
        fail_on: global.fail_on,
        quiet: global.quiet,
        sandboxed: global.sandbox,
        echo_item_errors: format != args::Format::Table,
        progress: !global.quiet && std::io::stderr().is_terminal(),
    };

    let (report, code) = match cli.command {
        Command::Classify(args) => {
            if args.inputs.iter().filter(|i| *i == "-").count() > 1 {
                return Err(Failure::new(exit::USAGE, "`-` (stdin) can be given once"));
            }
            // Its records are written as they come.
            return classify::classify(&ctx, args, format, colour);
        }
        // `users list` writes each page as it comes.
        Command::Users(users) => return commands::users(&ctx, users, format, colour),
        // Served above, before any client is set up.
        Command::Sandbox(_) => return Ok(exit::OK),
        Command::Result(args) => classify::result(&ctx, args),
        Command::Heatmap(args) => (commands::heatmap(&ctx, args)?, exit::OK),
        Command::Override(args) => (commands::override_verdict(&ctx, args)?, exit::OK),
        Command::Credits => (commands::credits(&ctx)?, exit::OK),
    };
    output::write(&report, format, colour)
        .map_err(|e| Failure::new(exit::INPUT, format!("cannot write the results: {e}")))?;
    Ok(code)
}
