//! One error type for everything the SDK does.

use std::path::PathBuf;
use std::time::Duration;

use identifai_api::types::ErrorMessage;

/// What went wrong. Every variant that comes from an answer of the server
/// carries its HTTP status and the server's message; none carries the API
/// key.
#[derive(Debug, thiserror::Error)]
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
    #[error("the classification {identifier} failed: {message}")]
    ClassificationFailed {
        /// The classification's identifier.
        identifier: String,
        /// The server's message (its `errors` field).
        message: String,
    },

    /// A deadline passed. When waiting for a result, the identifier lets
    /// the caller resume waiting later.
    #[error("{}", timeout_text(.identifier.as_deref(), .waited))]
    Timeout {
        /// The classification that was not ready in time, if any.
        identifier: Option<String>,
        /// How long was waited.
        waited: Duration,
    },

    /// The request did not reach the server, or its answer did not arrive.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),

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
        source: std::io::Error,
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

fn timeout_text(identifier: Option<&str>, waited: &Duration) -> String {
    match identifier {
        Some(id) => format!(
            "no result for {id} after {:.1} s; it may still finish: wait for it again with this identifier",
            waited.as_secs_f64()
        ),
        None => format!("the request timed out after {:.1} s", waited.as_secs_f64()),
    }
}

impl Error {
    /// The HTTP status of the answer behind this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Auth { status, .. }
            | Self::InsufficientCredits { status, .. }
            | Self::Validation { status, .. }
            | Self::Server { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            Self::NotFound { .. } => Some(404),
            Self::Unexpected { status, .. } => *status,
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// The server's message, when the error comes from an answer.
    pub fn server_message(&self) -> Option<&str> {
        match self {
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

    /// The identifier of the classification the error is about, when known
    /// (a timeout while waiting, a failed classification).
    pub fn identifier(&self) -> Option<&str> {
        match self {
            Self::Timeout { identifier, .. } => identifier.as_deref(),
            Self::ClassificationFailed { identifier, .. } => Some(identifier),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: rate limits, server
    /// failures, timeouts and transport failures.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Timeout { .. }
                | Self::Transport(_)
        )
    }

    /// The same error again, for each of several items that one failed
    /// request concerned (a transport error becomes `Unexpected` with its
    /// text, since it cannot be copied).
    pub(crate) fn duplicate(&self) -> Self {
        match self {
            Self::InvalidInput(e) => Self::InvalidInput(e.clone()),
            Self::Config(m) => Self::Config(m.clone()),
            Self::Auth { status, message } => Self::Auth {
                status: *status,
                message: message.clone(),
            },
            Self::RateLimited {
                message,
                retry_after,
            } => Self::RateLimited {
                message: message.clone(),
                retry_after: *retry_after,
            },
            Self::InsufficientCredits { status, message } => Self::InsufficientCredits {
                status: *status,
                message: message.clone(),
            },
            Self::NotFound { message } => Self::NotFound {
                message: message.clone(),
            },
            Self::Validation { status, message } => Self::Validation {
                status: *status,
                message: message.clone(),
            },
            Self::Server { status, message } => Self::Server {
                status: *status,
                message: message.clone(),
            },
            Self::ClassificationFailed {
                identifier,
                message,
            } => Self::ClassificationFailed {
                identifier: identifier.clone(),
                message: message.clone(),
            },
            Self::Timeout { identifier, waited } => Self::Timeout {
                identifier: identifier.clone(),
                waited: *waited,
            },
            Self::Unexpected { status, message } => Self::Unexpected {
                status: *status,
                message: message.clone(),
            },
            other => Self::Unexpected {
                status: other.status(),
                message: other.to_string(),
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
            source,
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
                Self::Transport(e)
            }
            E::InvalidRequest(message) => Self::InvalidInput(InputError::new("request", message)),
            E::InvalidResponsePayload(body, e) => Self::Unexpected {
                status: None,
                message: format!(
                    "the answer does not decode ({e}): {}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                ),
            },
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
