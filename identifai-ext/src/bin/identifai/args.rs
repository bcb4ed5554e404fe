//! The command line: every command, option and help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

/// Tells whether images, videos and speech recordings were made or altered
/// by AI, with the identifAI API.
#[derive(Debug, Parser)]
#[command(
    name = "identifai",
    version,
    about,
    long_about = "Tells whether images, videos and speech recordings were made or altered by AI, \
                  with the identifAI API.\n\nTry it without an API key: \
                  `identifai --sandbox classify photo.png` runs against a local simulation.",
    after_help = EXIT_CODES_HELP,
    after_long_help = EXIT_CODES_HELP,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Run against a simulated identifAI started in this process: no key and
    /// no network needed; every verdict is simulated, never a real one.
    #[arg(long, global = true)]
    pub sandbox: bool,

    /// The API key (from the identifAI dashboard's "API Key" menu).
    #[arg(
        long,
        global = true,
        env = "IDENTIFAI_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,

    /// Another base URL than the service's (http only to loopback).
    #[arg(long, global = true, env = "IDENTIFAI_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// Share pacing with every other process that uses this API key through
    /// the Redis at URL (`redis://[:password@]host:port`): together they keep
    /// to the key's limits. Without Redis during a run each process paces
    /// itself at its share of the limits until Redis is back.
    #[arg(
        long,
        global = true,
        env = "IDENTIFAI_SHARED_PACING",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub shared_pacing: Option<String>,

    /// A config file with `api_key = "…"` and `base_url = "…"` lines; it must
    /// be readable by its owner only (chmod 600). [default:
    /// $XDG_CONFIG_HOME/identifai/config.toml, else
    /// ~/.config/identifai/config.toml]
    #[arg(long, global = true, env = "IDENTIFAI_CONFIG", value_name = "FILE")]
    pub config: Option<std::ffi::OsString>,

    /// How results are written on stdout [default: table on a terminal,
    /// jsonl otherwise].
    #[arg(short, long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<Format>,

    /// Exit with code 1 when a result matches (repeatable, or comma
    /// separated).
    #[arg(
        long,
        global = true,
        value_enum,
        value_delimiter = ',',
        value_name = "CONDITION"
    )]
    pub fail_on: Vec<FailOn>,

    /// No progress bars, notices or hints on stderr; errors are still shown.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns, for people.
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// A condition that makes the exit code 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// The media was judged made or altered by AI.
    Artificial,
    /// NSFW content was found.
    Nsfw,
    /// C2PA data was found and is not valid.
    #[value(name = "c2pa-invalid")]
    C2paInvalid,
}

/// A kind of media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// A still image.
    Image,
    /// A video.
    Video,
    /// A speech recording.
    Speech,
}

impl From<Kind> for identifai_ext::MediaKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Image => Self::Image,
            Kind::Video => Self::Video,
            Kind::Speech => Self::Speech,
        }
    }
}

/// A verdict to force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Verdict {
    /// Made by people.
    Human,
    /// Made or altered by AI.
    Artificial,
}

/// How key frames are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KeyFramesMethod {
    /// The video's I-frames (the service's default).
    Iframes,
    /// The stillest frame of each shot.
    Flow,
    /// The average frame of each shot, by colour.
    Color,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify files, folders, glob patterns, URLs or stdin.
    #[command(
        long_about = "Classify media: submits every input (a few at a time) and waits for the \
                      verdicts, written in input order. A failed input is reported in its place \
                      and sets the exit code.\n\nInputs: files; folders (every file inside, \
                      sorted); glob patterns such as 'photos/*.jpg' (expanded here, sorted); \
                      http(s) URLs, which the service downloads (give --kind unless they are \
                      images); `-` for stdin. The kind of a file is read from its content."
    )]
    Classify(Classify),

    /// Fetch the results of earlier submissions, waiting for them.
    #[command(
        long_about = "Fetch the results of earlier submissions by identifier (printed by \
                      `classify --no-wait`, or by a `classify` that timed out): waits until they \
                      are ready (see --timeout), or fetches once with --no-wait. An unknown \
                      identifier is an input error (exit code 3)."
    )]
    Result(ResultArgs),

    /// Download the AI heatmap of an image submitted with --heatmap.
    Heatmap(Heatmap),

    /// Record your own verdict for a file, by its SHA-256 hash.
    #[command(
        long_about = "Record your own verdict for a file, by its SHA-256 hash (the `hash` of \
                      its result): every later submission of the same file gets it."
    )]
    Override(Override),

    /// Show the credits left and spent.
    Credits,

    /// Manage the users of your partnership.
    #[command(subcommand)]
    Users(Users),

    /// Run the sandbox, a simulated identifAI, as a server of its own.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
}

/// `identifai sandbox …`.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox on 127.0.0.1 until Ctrl-C, for any client.
    #[command(
        long_about = "Serve the sandbox, a simulated identifAI, on 127.0.0.1 until Ctrl-C (or \
                      SIGTERM). It prints its base URL and key, and an `export` line for \
                      IDENTIFAI_BASE_URL and IDENTIFAI_API_KEY. Its state lives as long as it \
                      does: `identifai classify --no-wait`, then `result`, `heatmap` and \
                      `override` from other commands (or curl, or another language's client) \
                      see the same submissions. Every result is simulated."
    )]
    Serve(SandboxServe),
}

/// Options of `identifai sandbox serve`.
#[derive(Debug, Args)]
pub struct SandboxServe {
    /// The port on 127.0.0.1 [default: a free one, printed].
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,

    /// The API key it accepts.
    #[arg(long, value_name = "K", default_value = "sandbox-key")]
    pub key: String,

    /// `documented`: answer 429 past the documented rate limits (POST 1/s
    /// and 30/min, GET 2/s and 60/min); `off`: no limits.
    #[arg(long, value_enum, value_name = "LIMITS", default_value = "off")]
    pub rate_limits: SandboxLimits,
}

/// The rate limits the served sandbox enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SandboxLimits {
    /// None.
    Off,
    /// The documented ones, as sliding windows.
    Documented,
}

/// Options of a submission.
#[derive(Debug, Args)]
pub struct Classify {
    /// Files, folders, glob patterns, http(s) URLs, or `-` for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// The kind of media: required to be this (a file's kind is otherwise
    /// read from its content); the kind of URLs [default for URLs: image].
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,

    /// Wait for the verdicts (the default).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,

    /// Only submit: print the identifiers, to fetch with `identifai result`.
    #[arg(long, overrides_with = "wait")]
    pub no_wait: bool,

    /// How many submissions are in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// How long to wait for the verdicts, in seconds [default: 600].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,

    /// Write down every submission in FILE as it happens, and resume from
    /// it: a re-run with the same FILE submits only the inputs it does not
    /// hold yet and waits for those still pending, so a stopped run loses
    /// no identifier and pays for nothing twice.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<std::path::PathBuf>,

    /// Also write an HTML report to FILE, to look at the batch in a
    /// browser: a card per input (thumbnail, verdict, confidence, models,
    /// C2PA, the heatmap over the image with --heatmap) and a summary. One
    /// self-contained file, readable while the run goes on.
    #[arg(long, value_name = "FILE")]
    pub report: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub options: SubmitArgs,
}

/// The options of each submission; one that does not apply to an input's
/// kind is refused for that input.
#[derive(Debug, Args)]
#[command(next_help_heading = "Submission options")]
pub struct SubmitArgs {
    /// A reference of your own, returned with the result.
    #[arg(long, value_name = "TEXT")]
    pub ref_id: Option<String>,

    /// Also make an AI heatmap (images).
    #[arg(long)]
    pub heatmap: bool,

    /// Also look for morphed faces (images, videos).
    #[arg(long)]
    pub morphing: bool,

    /// Also look for tampering done without AI (images, video URLs).
    #[arg(long)]
    pub tampering: bool,

    /// Classify again even if the same file was classified before (may cost
    /// credits; not for uploaded videos).
    #[arg(long)]
    pub no_cache: bool,

    /// A C2PA signature no longer forces the verdict to artificial.
    #[arg(long)]
    pub prevent_c2pa_forces: bool,

    /// Analyse at most this many frames (videos).
    #[arg(long, value_name = "N", value_parser = ["5", "10", "30"])]
    pub frames: Option<String>,

    /// Analyse key frames instead of evenly spaced ones (videos).
    #[arg(long)]
    pub key_frames: bool,

    /// How key frames are found (videos).
    #[arg(long, value_enum, value_name = "METHOD")]
    pub key_frames_method: Option<KeyFramesMethod>,

    /// Where the result is also posted when ready (if webhooks are enabled
    /// for the account).
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
}

/// `identifai result`.
#[derive(Debug, Args)]
pub struct ResultArgs {
    /// The identifiers of the submissions.
    #[arg(required = true, value_name = "IDENTIFIER")]
    pub identifiers: Vec<String>,

    /// The kind of media they are.
    #[arg(long, value_enum, default_value = "image")]
    pub kind: Kind,

    /// Wait for results that are not ready (the default).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,

    /// Fetch once; a result not ready yet is reported as `pending`.
    #[arg(long, overrides_with = "wait")]
    pub no_wait: bool,

    /// How long to wait, in seconds [default: 600].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,

    /// How many results are fetched at once.
    #[arg(long, default_value_t = 4, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// `identifai heatmap`.
#[derive(Debug, Args)]
pub struct Heatmap {
    /// The identifier of an image submitted with --heatmap.
    #[arg(value_name = "IDENTIFIER")]
    pub identifier: String,

    /// Where to save the PNG (written whole or not at all) [default:
    /// heatmap-IDENTIFIER.png]. Named --file: --output is the output format.
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Save the heatmap blended over this image (the one submitted), as a
    /// PNG of the image's dimensions, upright.
    #[arg(long, value_name = "IMAGE")]
    pub overlay: Option<PathBuf>,

    /// How much the heatmap covers the image where it is hottest, from 0 to
    /// 1 (with --overlay).
    #[arg(long, value_name = "0..1", default_value_t = 0.6, requires = "overlay",
          value_parser = parse_opacity)]
    pub opacity: f32,
}

/// `identifai override`.
#[derive(Debug, Args)]
pub struct Override {
    /// The file's SHA-256, as in the `hash` of its result.
    #[arg(value_name = "HASH")]
    pub hash: String,

    /// The kind of media.
    #[arg(long, value_enum)]
    pub kind: Kind,

    /// The verdict to record.
    #[arg(long = "as", value_enum, value_name = "VERDICT")]
    pub verdict: Verdict,
}

/// `identifai users …`.
#[derive(Debug, Subcommand)]
pub enum Users {
    /// List the users (every page).
    List {
        /// Users fetched per request.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..=1000))]
        per_page: Option<i64>,
        /// Only users on this pricing plan.
        #[arg(long, value_name = "ID")]
        pricing_id: Option<i64>,
    },
    /// Create a user.
    Create(CreateUser),
    /// Send a user the email that lets them set a password and log in.
    SendEmail {
        /// The user's id.
        #[arg(value_name = "ID")]
        id: i64,
    },
}

/// `identifai users create`.
#[derive(Debug, Args)]
pub struct CreateUser {
    /// Full name.
    #[arg(long)]
    pub name: String,
    /// Email address.
    #[arg(long)]
    pub email: String,
    /// The heuristic of the user's verdicts, such as Average.
    #[arg(long)]
    pub heuristic: String,
    /// The pricing plan.
    #[arg(long, value_name = "ID")]
    pub pricing_id: i64,
    /// Read a password from the first line of stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// The user may only read results.
    #[arg(long)]
    pub readonly: bool,
    /// The user takes the newsletter.
    #[arg(long)]
    pub newsletter: bool,
    /// The user may keep submitted files.
    #[arg(long)]
    pub save_files: bool,
}

/// An opacity: from 0 to 1.
fn parse_opacity(text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(o) if (0.0..=1.0).contains(&o) => Ok(o),
        Ok(_) => Err("must be from 0 to 1".into()),
        Err(_) => Err(format!("`{text}` is not a number from 0 to 1")),
    }
}

/// Seconds, fractions allowed: more than 0, at most a day.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(s),
        Ok(_) => Err("must be more than 0 and at most 86400 seconds".into()),
        Err(_) => Err(format!("`{text}` is not a number of seconds")),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
