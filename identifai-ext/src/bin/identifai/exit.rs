//! Exit codes, and the errors that end a command.

use identifai_ext::Error;

/// The exit codes, as `--help` shows them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  a --fail-on condition matched
  2  usage error (a wrong option or value, a malformed config file)
  3  input error: missing file, unsupported format, refused by the service, unknown identifier
  4  authentication: no API key, a refused key, or a config file others can read
  5  rate limited, or not enough credits
  6  the service failed, or answered unexpectedly (a classification that errored too)
  7  timeout: the results were not ready in time; their identifiers are printed, so
     `identifai result` can wait for them later
  8  transport: the service could not be reached
  130, 143  stopped by SIGINT (Ctrl-C) or SIGTERM: every submission still pending is
     printed with its identifier, and how to resume
When several inputs fail, the most severe code counts: 4, 5, 8, 6, 7, 3, then 1.";

/// Everything went well.
pub const OK: u8 = 0;
/// A `--fail-on` condition matched.
pub const FAIL_ON: u8 = 1;
/// A usage error (clap's own code for its errors too).
pub const USAGE: u8 = 2;
/// Bad input: a file, a format, an identifier.
pub const INPUT: u8 = 3;
/// No key, or a refused one.
pub const AUTH: u8 = 4;
/// Rate limited, or out of credits.
pub const LIMIT: u8 = 5;
/// The server failed or answered what the SDK cannot read.
pub const SERVER: u8 = 6;
/// A deadline passed.
pub const TIMEOUT: u8 = 7;
/// The service could not be reached.
pub const TRANSPORT: u8 = 8;

/// How severe an exit code is, to pick one when several inputs fail.
fn severity(code: u8) -> u8 {
    match code {
        AUTH => 8,
        LIMIT => 7,
        TRANSPORT => 6,
        SERVER => 5,
        TIMEOUT => 4,
        INPUT => 3,
        USAGE => 2,
        FAIL_ON => 1,
        _ => 0,
    }
}

/// The more severe of two exit codes; the first on a tie.
pub fn worst(a: u8, b: u8) -> u8 {
    if severity(b) > severity(a) { b } else { a }
}

/// The exit code of an SDK error, by its variant (an error while waiting
/// by its cause).
pub fn code_of(error: &Error) -> u8 {
    match error.cause() {
        Error::InvalidInput(_) | Error::NotFound { .. } | Error::Validation { .. } => INPUT,
        Error::Io { .. } => INPUT,
        Error::Config(_) => USAGE,
        Error::Auth { .. } => AUTH,
        Error::RateLimited { .. } | Error::InsufficientCredits { .. } => LIMIT,
        Error::Timeout { .. } => TIMEOUT,
        Error::Transport(_) | Error::SubmissionUncertain { .. } => TRANSPORT,
        _ => SERVER,
    }
}

/// An error that ends a command: what to print, and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// The message, without the `error: ` prefix.
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::new(code_of(&error), describe(&error))
    }
}

/// An error's message with its causes, each once: "transport error: error
/// sending request …: tcp connect error: Connection refused".
pub fn describe(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_severe_code_wins() {
        assert_eq!(worst(OK, FAIL_ON), FAIL_ON);
        assert_eq!(worst(FAIL_ON, INPUT), INPUT);
        assert_eq!(worst(TIMEOUT, INPUT), TIMEOUT);
        assert_eq!(worst(INPUT, AUTH), AUTH);
        assert_eq!(worst(SERVER, TRANSPORT), TRANSPORT);
    }

    #[test]
    fn sdk_errors_have_their_codes() {
        let not_found = Error::NotFound {
            message: "no such identifier".into(),
        };
        assert_eq!(code_of(&not_found), INPUT);
        let auth = Error::Auth {
            status: 401,
            message: "Unauthenticated.".into(),
        };
        assert_eq!(code_of(&auth), AUTH);
        let submission = identifai_ext::Submission {
            identifier: "abc".into(),
            kind: identifai_ext::MediaKind::Image,
        };
        let waiting = Error::Waiting {
            submission: submission.clone(),
            cause: std::sync::Arc::new(Error::RateLimited {
                message: "rate limited".into(),
                retry_after: None,
            }),
        };
        assert_eq!(code_of(&waiting), LIMIT, "by the cause");
        let timeout = Error::Timeout {
            submission: Some(submission),
            waited: std::time::Duration::from_secs(1),
            polls: 1,
            last_failure: None,
        };
        assert_eq!(code_of(&timeout), TIMEOUT);
    }
}
