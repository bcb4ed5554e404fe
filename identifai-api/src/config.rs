//! Building a [`Client`]: base URL, API key, timeouts.
//!
//! The API key travels as the `X-Api-Key` header, marked sensitive so that
//! it never shows in `Debug` output, and only to the base URL's origin:
//! redirects are followed within that origin and returned as they are
//! otherwise.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::Client;

/// Where the identifAI API is served.
pub const DEFAULT_BASE_URL: &str = "https://backend.identifai.net";

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// An identifAI API key. Its `Debug` and `Display` never show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for the rare code that must send it elsewhere.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        Self(key)
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        Self(key.to_string())
    }
}

impl From<&String> for ApiKey {
    fn from(key: &String) -> Self {
        Self(key.clone())
    }
}

/// Why a [`Client`] could not be built. Never contains the API key.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The API key is empty or only white space.
    EmptyApiKey,
    /// The API key holds characters an HTTP header cannot carry.
    InvalidApiKey,
    /// The base URL does not parse, or is not an http(s) URL.
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Plain `http://` to a host other than loopback would expose the key.
    InsecureBaseUrl {
        /// The URL as given.
        url: String,
    },
    /// The HTTP client could not be set up (for example, no TLS roots).
    Http(reqwest::Error),
    /// TLS could not be set up (the platform's trust store could not be
    /// read, or the crate was built without a TLS feature and the base URL
    /// is `https://`).
    Tls(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyApiKey => f.write_str(
                "the identifAI API key is empty: pass the key from your identifAI account \
                 (user menu, \"API Key\")",
            ),
            Self::InvalidApiKey => f.write_str(
                "the identifAI API key contains characters that cannot be sent in a header \
                 (control characters or non-ASCII); check that it was copied whole and alone",
            ),
            Self::InvalidBaseUrl { url, reason } => {
                write!(f, "the base URL `{url}` is not usable: {reason}")
            }
            Self::InsecureBaseUrl { url } => write!(
                f,
                "the base URL `{url}` uses plain http, which would send the API key unencrypted; \
                 use https (plain http is allowed only for loopback hosts such as 127.0.0.1)"
            ),
            Self::Http(e) => write!(f, "the HTTP client could not be built: {e}"),
            Self::Tls(reason) => write!(f, "TLS could not be set up: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Http(e) => Some(e),
            _ => None,
        }
    }
}

/// Timeouts and limits the client applies to every request; kept inside the
/// [`Client`] (progenitor's "inner" value) for the request hooks.
#[derive(Clone, Debug)]
pub struct Transport {
    pub(crate) request_timeout: Duration,
    pub(crate) min_upload_rate: u64,
    pub(crate) max_upload_time: Duration,
    /// The key, to remove it from error bodies should a server echo it.
    pub(crate) api_key: Option<ApiKey>,
    /// The largest answer read, in bytes.
    pub(crate) max_response_bytes: u64,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(60),
            min_upload_rate: 256 * 1024,
            max_upload_time: Duration::from_secs(6 * 60 * 60),
            api_key: None,
            max_response_bytes: crate::body::DEFAULT_MAX_RESPONSE,
        }
    }
}

impl Transport {
    /// The largest answer the client reads, in bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// The deadline of a request whose body is `body_len` bytes long (`None`
    /// when unknown): the request timeout, plus the time to send the body at
    /// the slowest accepted rate, capped by the longest upload allowed.
    pub fn deadline(&self, body_len: Option<u64>) -> Duration {
        let cap = self.max_upload_time.max(self.request_timeout);
        match body_len {
            Some(len) => {
                let seconds = len as f64 / self.min_upload_rate.max(1) as f64;
                let send = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
                self.request_timeout.saturating_add(send).min(cap)
            }
            None => cap,
        }
    }
}

/// Settings for a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use identifai_api::ClientConfig;
///
/// let client = ClientConfig::new("my-api-key")
///     .base_url("https://backend.identifai.net")
///     .request_timeout(Duration::from_secs(30))
///     .build()?;
/// # Ok::<(), identifai_api::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClientConfig {
    base_url: String,
    api_key: ApiKey,
    connect_timeout: Duration,
    transport: Transport,
    user_agent: String,
}

impl ClientConfig {
    /// Settings with this key and the defaults: the vendor's base URL, a
    /// 10 s connect timeout, a 60 s request timeout, uploads allowed to run
    /// as slowly as 256 KiB/s, for at most 6 hours (a 5 GB video at that
    /// rate takes 5.7 hours).
    pub fn new(api_key: impl Into<ApiKey>) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key: api_key.into(),
            connect_timeout: Duration::from_secs(10),
            transport: Transport::default(),
            user_agent: concat!("identifai-api-rs/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }

    /// Sends requests to this base URL instead (scheme, host, optional port
    /// and path prefix).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How long to wait for a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a request may take, body upload excluded.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.transport.request_timeout = timeout;
        self
    }

    /// The slowest upload rate, in bytes per second, that still counts as
    /// progress: a request with an `n`-byte body may take the request
    /// timeout plus `n / rate` seconds.
    pub fn min_upload_rate(mut self, bytes_per_second: u64) -> Self {
        self.transport.min_upload_rate = bytes_per_second.max(1);
        self
    }

    /// The longest any upload may take, also the deadline of a streamed
    /// body of unknown length.
    pub fn max_upload_time(mut self, timeout: Duration) -> Self {
        self.transport.max_upload_time = timeout;
        self
    }

    /// The largest answer the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE`](crate::body::DEFAULT_MAX_RESPONSE), 32 MiB):
    /// one that announces more is refused unread, one that sends more is cut
    /// off; either is an error whose source is
    /// [`TooLarge`](crate::body::TooLarge).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.transport.max_response_bytes = limit.max(1);
        self
    }

    /// Replaces the `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let key = self.api_key.expose().trim();
        if key.is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        // Visible ASCII only: `HeaderValue` would take other bytes and send
        // them raw, which no server reads as the key that was meant.
        if !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(ConfigError::InvalidApiKey);
        }
        let mut key = HeaderValue::from_str(key).map_err(|_| ConfigError::InvalidApiKey)?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(API_KEY_HEADER, key);

        let base_url = checked_base_url(&self.base_url)?;
        if crate::tls::TLS_STACK.is_none() && base_url.starts_with("https:") {
            return Err(ConfigError::Tls(format!(
                "{base_url} needs TLS, but identifai-api was built without a TLS feature: \
                 enable `rustls-ring` (the default), `rustls-aws-lc` or `native-tls`"
            )));
        }
        let mut http = crate::tls::configure(reqwest::Client::builder())?;
        if url::Url::parse(&base_url).is_ok_and(|u| is_loopback(&u)) {
            // A proxy from the environment would see a plain-http loopback
            // request, key included, in clear.
            http = http.no_proxy();
        }
        let http = http
            .default_headers(headers)
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .redirect(same_origin_redirects())
            .build()
            .map_err(ConfigError::Http)?;
        let mut transport = self.transport;
        transport.api_key = Some(self.api_key);
        Ok(Client::new_with_client(&base_url, http, transport))
    }
}

impl Client {
    /// A client for `base_url` that authenticates with `api_key`, with the
    /// default timeouts of [`ClientConfig`].
    ///
    /// ```
    /// let client = identifai_api::Client::with_api_key("https://backend.identifai.net", "my-api-key")?;
    /// # Ok::<(), identifai_api::ConfigError>(())
    /// ```
    pub fn with_api_key(base_url: &str, api_key: impl Into<ApiKey>) -> Result<Self, ConfigError> {
        ClientConfig::new(api_key).base_url(base_url).build()
    }
}

/// Checks the base URL and returns it without a trailing slash.
fn checked_base_url(raw: &str) -> Result<String, ConfigError> {
    // What is echoed in errors: the URL without credentials, and nothing
    // at all for a value that is not URL-like (an API key passed in the
    // wrong place must not end up in a log).
    let shown = match url::Url::parse(raw.trim()) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) if raw.contains("://") => raw.to_string(),
        Err(_) => {
            "(not shown: it is not URL-like; are the base URL and the key swapped?)".to_string()
        }
    };
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: shown.clone(),
        reason: reason.to_string(),
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not carry credentials"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(ConfigError::InsecureBaseUrl {
                url: raw.to_string(),
            });
        }
        other => {
            return Err(invalid(&format!(
                "the scheme `{other}` is not http or https"
            )));
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Follows redirects only within the origin of the first request, so the
/// API key (a default header) never reaches another host, port or scheme.
/// A redirect elsewhere comes back to the caller as the 3xx response.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > 5 {
            attempt.error("more than 5 redirects")
        } else {
            attempt.follow()
        }
    })
}
