//! `identifai sandbox serve`: the sandbox as a server of its own, until
//! Ctrl-C or SIGTERM, for clients in other processes and languages.

use std::io::Write;

use identifai_ext::RateLimits;
use identifai_ext::sandbox::{Sandbox, SandboxConfig};

use crate::args::{SandboxLimits, SandboxServe};
use crate::exit::{Failure, INPUT, OK, SERVER};
use crate::signals::Signals;

/// Serves until a signal; returns the exit code (0: stopped as asked).
pub fn serve(args: SandboxServe, quiet: bool) -> Result<u8, Failure> {
    if args.key.trim().is_empty() || args.key.chars().any(char::is_control) {
        return Err(Failure::new(
            INPUT,
            "--key must be printable text (the key clients send in X-Api-Key)",
        ));
    }
    let mut config = SandboxConfig::default().api_key(args.key.clone());
    if let Some(port) = args.port {
        config = config.port(port);
    }
    if args.rate_limits == SandboxLimits::Documented {
        config = config.with_rate_limits(RateLimits::default());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(SERVER, format!("cannot start the async runtime: {e}")))?;
    let sandbox = Sandbox::start_with(config).map_err(|e| {
        Failure::new(
            SERVER,
            format!("{e} (another server may hold the port: choose one with --port, or leave it out for a free one)"),
        )
    })?;
    let mut signals = runtime
        .block_on(async { Signals::new() })
        .map_err(|e| Failure::new(SERVER, format!("cannot watch for Ctrl-C: {e}")))?;
    let url = sandbox.base_url();
    // The key is the sandbox's own, made up for it: printing it is the point.
    let text = format!(
        "export IDENTIFAI_BASE_URL={url} IDENTIFAI_API_KEY={key}\n",
        key = shell_word(&args.key)
    );
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    drop(out);
    if !quiet {
        let limits = match args.rate_limits {
            SandboxLimits::Documented => "the documented rate limits",
            SandboxLimits::Off => "no rate limits",
        };
        crate::eprintln_safe(&format!(
            "identifai sandbox: serving a simulated identifAI at {url} (key {}), with {limits}; \
             every result is simulated. Ctrl-C stops it.",
            args.key
        ));
    }
    runtime.block_on(signals.next());
    drop(sandbox);
    Ok(OK)
}

/// `text` as one word for a POSIX shell.
fn shell_word(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
