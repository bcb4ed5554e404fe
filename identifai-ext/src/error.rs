//! One error type for everything the SDK does.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use identifai_api::types::ErrorMessage;

use crate::submit::Submission;

/// What went wrong. Every variant that comes from an answer of the server
/// carries its HTTP status and the server's message; none carries the API
/// key or the bytes of an answer.
///
/// Once the service has accepted a submission, every error about it
/// carries the [`Submission`] ([`Error::submission`]): a deadline
/// ([`Error::Timeout`], with the last failure seen while waiting), a
/// classification that failed ([`Error::ClassificationFailed`]), or any
/// other failure while waiting ([`Error::Waiting`], around its cause). The
/// identifier is never lost, so the wait can be resumed.
///
/// Errors are cheap to clone (causes are shared), for batches in which one
/// failed request concerns many items.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before anything was sent.
    #[error(transparent)]
    InvalidInput(#[from] InputError),

    /// The client could not be configured.
    #[error("{0}")]
    Config(String),

    /// The API key was refused (401 or 403).
    #[error(
        "the API key was refused (HTTP {status}): {message}; check IDENTIFAI_API_KEY or the key \
         given to the client"
    )]
    Auth {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },

    /// Too many requests (429), still so after the retries allowed.
    #[error("rate limited (HTTP 429): {message}{}", retry_hint(.retry_after))]
    RateLimited {
        /// The server's message.
        message: String,
        /// How long the server asked to wait, when it said.
        retry_after: Option<Duration>,
    },

    /// The account has no credits left for this request.
    #[error("not enough credits (HTTP {status}): {message}")]
    InsufficientCredits {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },

    /// The identifier, hash or user does not exist (404).
    #[error("not found (HTTP 404): {message}")]
    NotFound {
        /// The server's message.
        message: String,
    },

    /// The server refused the request as invalid (400, 413, 415, 422 …).
    #[error("the request was refused (HTTP {status}): {message}")]
    Validation {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },

    /// The server failed (5xx), still so after the retries allowed.
    #[error("the server failed (HTTP {status}): {message}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },

    /// The classification ended with status `errored`.
    #[error("the classification {} failed: {message}", .submission.identifier)]
    ClassificationFailed {
        /// The classification.
        submission: Submission,
        /// The server's message (its `errors` field).
        message: String,
    },

    /// A deadline passed. When waiting for a result, the submission lets
    /// the caller resume waiting later.
    #[error("{}", timeout_text(.submission.as_ref(), .waited, .last_failure.as_deref()))]
    Timeout {
        /// The classification that was not ready in time, if any.
        submission: Option<Submission>,
        /// How long was waited.
        waited: Duration,
        /// How many times the result was asked for (a request retried after
        /// a transport failure counts once; 0 when the time ran out before
        /// a wait began, e.g. on a submission or a single request).
        polls: u32,
        /// The last failure seen while waiting (a 429, a 502, a reset …),
        /// if any: why it took so long.
        last_failure: Option<Arc<Error>>,
    },

    /// Waiting for an accepted submission failed for good (the key was
    /// refused, the service forgot the identifier, an answer the SDK cannot
    /// read …). The cause is the error as it would be without the wait.
    #[error("while waiting for {} ({}): {cause}", .submission.identifier, .submission.kind)]
    Waiting {
        /// What was waited for.
        submission: Submission,
        /// What went wrong.
        #[source]
        cause: Arc<Error>,
    },

    /// A submission's connection failed after its file was sent: the
    /// service may have accepted it (and charged for it) or not. It is not
    /// sent again by the SDK, so that nothing is paid for twice.
    #[error(
        "the connection failed after the file was sent ({source}): the service may have \
         accepted it; look for it in the identifAI dashboard (or with its ref_id) before \
         submitting it again"
    )]
    SubmissionUncertain {
        /// The cause.
        source: Arc<reqwest::Error>,
    },

    /// The request did not reach the server, or its answer did not arrive.
    #[error("transport error: {0}")]
    Transport(#[source] Arc<reqwest::Error>),

    /// An answer that is not the JSON expected at all: cut off, not JSON,
    /// an HTML page from a proxy. Transient: asking again may succeed.
    #[error("a malformed answer{}: {message}", status_text(.status))]
    Malformed {
        /// The HTTP status.
        status: Option<u16>,
        /// What was wrong (never the answer's bytes).
        message: String,
    },

    /// Valid JSON that does not fit the API's description: the service
    /// changed, and this version of the SDK may be out of date.
    #[error(
        "an answer that does not fit the API's description{}: {message}; this version of the \
         SDK may be out of date",
        status_text(.status)
    )]
    Incompatible {
        /// The HTTP status.
        status: Option<u16>,
        /// Where it does not fit (never the answer's values).
        message: String,
    },

    /// An answer larger than the client accepts
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)):
    /// not retried (a list request asks for fewer results instead).
    #[error("the answer is larger than the limit of {limit} bytes; it was not read")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },

    /// An answer the SDK cannot make sense of.
    #[error("unexpected answer{}: {message}", status_text(.status))]
    Unexpected {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// What was unexpected.
        message: String,
    },

    /// Reading or writing a local file failed.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Arc<std::io::Error>,
    },
}

fn retry_hint(after: &Option<Duration>) -> String {
    match after {
        Some(after) => format!(
            " (the server asks to wait {} s)",
            after.as_secs_f64().ceil()
        ),
        None => String::new(),
    }
}

fn status_text(status: &Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

fn timeout_text(
    submission: Option<&Submission>,
    waited: &Duration,
    last: Option<&Error>,
) -> String {
    let last = last
        .map(|e| format!(" (the last failure while waiting: {e})"))
        .unwrap_or_default();
    match submission {
        Some(s) => format!(
            "no result for {} ({}) after {:.1} s{last}; it may still finish: wait for it again \
             with this identifier",
            s.identifier,
            s.kind,
            waited.as_secs_f64()
        ),
        None => format!(
            "the request timed out after {:.1} s{last}",
            waited.as_secs_f64()
        ),
    }
}

impl Error {
    /// The error itself, or for [`Error::Waiting`] its cause: what to
    /// match on to tell auth, rate limits, validation … apart whether or
    /// not they happened while waiting.
    pub fn cause(&self) -> &Error {
        match self {
            Self::Waiting { cause, .. } => cause.cause(),
            other => other,
        }
    }

    /// The HTTP status of the answer behind this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self.cause() {
            Self::Auth { status, .. }
            | Self::InsufficientCredits { status, .. }
            | Self::Validation { status, .. }
            | Self::Server { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            Self::NotFound { .. } => Some(404),
            Self::Unexpected { status, .. }
            | Self::Malformed { status, .. }
            | Self::Incompatible { status, .. } => *status,
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// The server's message, when the error comes from an answer.
    pub fn server_message(&self) -> Option<&str> {
        match self.cause() {
            Self::Auth { message, .. }
            | Self::RateLimited { message, .. }
            | Self::InsufficientCredits { message, .. }
            | Self::NotFound { message }
            | Self::Validation { message, .. }
            | Self::Server { message, .. }
            | Self::ClassificationFailed { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The accepted submission the error is about, when there is one: wait
    /// for it again with [`Client::wait`](crate::Client::wait).
    pub fn submission(&self) -> Option<&Submission> {
        match self {
            Self::Timeout { submission, .. } => submission.as_ref(),
            Self::ClassificationFailed { submission, .. } | Self::Waiting { submission, .. } => {
                Some(submission)
            }
            _ => None,
        }
    }

    /// The identifier of the classification the error is about, when known.
    pub fn identifier(&self) -> Option<&str> {
        self.submission().map(|s| s.identifier.as_str())
    }

    /// Whether trying again later may succeed: rate limits, server
    /// failures, timeouts, malformed answers and transport failures.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.cause(),
            Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Timeout { .. }
                | Self::Transport(_)
                | Self::Malformed { .. }
        )
    }

    /// This error about an accepted submission: it carries the submission
    /// from now on.
    pub(crate) fn while_waiting(self, submission: &Submission) -> Self {
        match self {
            Self::Timeout {
                submission: None,
                waited,
                polls,
                last_failure,
            } => Self::Timeout {
                submission: Some(submission.clone()),
                waited,
                polls,
                last_failure,
            },
            already @ (Self::Timeout { .. }
            | Self::ClassificationFailed { .. }
            | Self::Waiting { .. }) => already,
            cause => Self::Waiting {
                submission: submission.clone(),
                cause: Arc::new(cause),
            },
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source: Arc::new(source),
        }
    }
}

/// Input refused before any request: which input, what is wrong, and the
/// limit or the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{subject}: {problem}")]
pub struct InputError {
    /// The input: a file path, a stream's name, a URL, or a field.
    pub subject: String,
    /// What is wrong and what would be right.
    pub problem: String,
}

impl InputError {
    pub(crate) fn new(subject: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            problem: problem.into(),
        }
    }
}

/// The generated client's error, as this crate receives it.
pub(crate) type ApiError = identifai_api::Error<ErrorMessage>;

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        use identifai_api::Error as E;
        match error {
            E::ErrorResponse(answer) => {
                let status = answer.status().as_u16();
                let retry_after = crate::retry::retry_after(answer.headers());
                let message = answer
                    .into_inner()
                    .message
                    .unwrap_or_else(|| "(no message)".to_string());
                from_status(status, message, retry_after)
            }
            E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
                match identifai_api::body::too_large(&e) {
                    Some(too_large) => Self::TooLarge {
                        limit: too_large.limit,
                    },
                    None => Self::Transport(Arc::new(e)),
                }
            }
            E::InvalidRequest(message) => Self::InvalidInput(InputError::new("request", message)),
            E::InvalidResponsePayload(_body, e) => undecodable(&e, None),
            E::UnexpectedResponse(response) => {
                let status = response.status();
                let message = if status.is_redirection() {
                    let to = response
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("?");
                    format!(
                        "a redirect to {to}, not followed: the API key is only sent to the base URL's origin"
                    )
                } else {
                    format!("status {status} is not documented for this operation")
                };
                Self::Unexpected {
                    status: Some(status.as_u16()),
                    message,
                }
            }
            E::Custom(message) => Self::Unexpected {
                status: None,
                message,
            },
        }
    }
}

/// An answer that did not decode: malformed (not JSON, cut off) or
/// incompatible (JSON of another shape). serde_json quotes the offending
/// values in its messages; they are left out, as the answer may hold
/// anything (a key echoed back, personal data).
pub(crate) fn undecodable(error: &serde_json::Error, status: Option<u16>) -> Error {
    use serde_json::error::Category;
    let at = format!("at line {} column {}", error.line(), error.column());
    match error.classify() {
        Category::Data => Error::Incompatible {
            status,
            message: format!("{} {at}", without_values(&error.to_string())),
        },
        Category::Eof => Error::Malformed {
            status,
            message: format!("it ends too early {at} (cut off?)"),
        },
        Category::Syntax | Category::Io => Error::Malformed {
            status,
            message: format!("it is not JSON {at} (an HTML page from a proxy?)"),
        },
    }
}

/// serde_json's message with what it quotes of the answer left out, and
/// its own position (given apart).
fn without_values(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' | '`' if !quoted => {
                quoted = true;
                out.push('\u{2026}');
            }
            '"' | '`' => quoted = false,
            _ if quoted => {}
            _ => out.push(c),
        }
    }
    out
}

/// Sorts an error answer by its status.
pub(crate) fn from_status(status: u16, message: String, retry_after: Option<Duration>) -> Error {
    let about_credits = message.to_ascii_lowercase().contains("credit");
    match status {
        402 => Error::InsufficientCredits { status, message },
        401 | 403 if about_credits => Error::InsufficientCredits { status, message },
        401 | 403 => Error::Auth { status, message },
        404 => Error::NotFound { message },
        429 => Error::RateLimited {
            message,
            retry_after,
        },
        400 if about_credits => Error::InsufficientCredits { status, message },
        400..=499 => Error::Validation { status, message },
        _ => Error::Server { status, message },
    }
}

/// The SDK's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undecodable_answers_are_told_apart_and_never_quoted() {
        let data = serde_json::from_str::<f64>("\"sk-secret\"").unwrap_err();
        let error = undecodable(&data, Some(200));
        assert!(matches!(error, Error::Incompatible { .. }), "{error:?}");
        let text = error.to_string();
        assert!(!text.contains("sk-secret"), "{text}");
        assert!(text.contains("out of date"), "{text}");
        assert!(!error.is_transient());

        let html = serde_json::from_str::<f64>("<html>sk-secret</html>").unwrap_err();
        let error = undecodable(&html, Some(200));
        assert!(matches!(error, Error::Malformed { .. }) && error.is_transient());
        assert!(!error.to_string().contains("sk-secret"));
        let cut = serde_json::from_str::<Vec<f64>>("[1, 2").unwrap_err();
        assert!(undecodable(&cut, None).to_string().contains("cut off"));
    }

    #[test]
    fn an_error_while_waiting_keeps_its_submission_and_its_cause() {
        let submission = Submission {
            identifier: "abc".into(),
            kind: crate::MediaKind::Video,
        };
        let auth = Error::Auth {
            status: 401,
            message: "Unauthenticated.".into(),
        };
        let error = auth.while_waiting(&submission);
        assert_eq!(error.submission(), Some(&submission));
        assert!(matches!(error.cause(), Error::Auth { status: 401, .. }));
        assert_eq!(error.status(), Some(401));
        assert!(error.to_string().contains("abc"));
        let timeout = Error::Timeout {
            submission: None,
            waited: Duration::from_secs(3),
            polls: 2,
            last_failure: Some(Arc::new(Error::Server {
                status: 502,
                message: "Bad Gateway".into(),
            })),
        }
        .while_waiting(&submission);
        assert_eq!(timeout.identifier(), Some("abc"));
        assert!(timeout.to_string().contains("502"), "{timeout}");
    }
}
