//! Retries: which failures are retried, how long to wait, and the budget.
//!
//! A GET is retried on 429, 408, 5xx and transport failures. A POST is
//! retried only when the server cannot have processed it: on 429 (the
//! server turned it away) and when the connection was refused before
//! anything was sent; never after its body may have reached the server, so
//! no file is ever submitted twice by the SDK. 429 and 503 wait as long as
//! `Retry-After` says (seconds or an HTTP date).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::ApiError;

/// Setters named after a config struct's fields, so that a struct marked
/// `#[non_exhaustive]` (free to grow) is still built in one expression:
/// `RetryPolicy::default().max_retries(2)`.
macro_rules! setters {
    ($config:ident { $( $field:ident: $ty:ty ),* $(,)? }) => {
        impl $config {
            $(
                #[doc = concat!("Sets [`", stringify!($config), "::", stringify!($field), "`].")]
                pub fn $field(mut self, value: $ty) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}
pub(crate) use setters;

/// How failures are retried.
///
/// ```
/// use std::time::Duration;
/// use identifai_ext::RetryPolicy;
/// let policy = RetryPolicy::default().max_retries(2).max_backoff(Duration::from_secs(5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt, at most.
    pub max_retries: u32,
    /// The first backoff; it doubles with each retry.
    pub initial_backoff: Duration,
    /// The longest backoff between two attempts (a longer `Retry-After`
    /// from the server is still honoured).
    pub max_backoff: Duration,
    /// The most time one call may spend waiting between its attempts.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    /// 4 retries, backoff from 500 ms doubling up to 30 s, 2 minutes of
    /// waiting at most per call.
    fn default() -> Self {
        Self {
            max_retries: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(120),
        }
    }
}

setters!(RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_total_wait: Duration,
});

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (from 1): exponential, with
    /// "equal jitter" (half fixed, half random) so that clients spread out.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        backoff(self.initial_backoff, self.max_backoff, retry, 0.5)
    }
}

/// Exponential backoff with jitter, for every wait that grows: `initial`
/// doubled for each step after the first (`n` counts from 1), at most `max`;
/// then up to the fraction `jitter` (0 to 1) of it is taken off at random,
/// so that clients that wait alike spread out.
pub(crate) fn backoff(initial: Duration, max: Duration, n: u32, jitter: f64) -> Duration {
    let full = initial
        .saturating_mul(1u32 << n.saturating_sub(1).min(16))
        .min(max);
    // Through `try_`: a fraction of a huge duration must not panic.
    let spread = Duration::try_from_secs_f64(full.as_secs_f64() * jitter.clamp(0.0, 1.0))
        .map_or(full, |spread| spread.min(full));
    full.saturating_sub(spread)
        .saturating_add(spread.mul_f64(fastrand::f64()))
}

/// The kind of request, which decides what may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
}

/// Whether a failed attempt may be tried again, and after how long the
/// server asked to wait.
pub(crate) enum Decision {
    Retry { after: Option<Duration> },
    Stop,
}

pub(crate) fn decide(error: &ApiError, method: Method) -> Decision {
    use identifai_api::Error as E;
    match error {
        E::ErrorResponse(answer) => {
            let status = answer.status().as_u16();
            let after = retry_after(answer.headers());
            match (status, method) {
                (429, _) => Decision::Retry { after },
                (503, Method::Get) => Decision::Retry { after },
                (408 | 500 | 502 | 504, Method::Get) => Decision::Retry { after: None },
                _ => Decision::Stop,
            }
        }
        // Too large once is too large again.
        E::CommunicationError(e) | E::ResponseBodyError(e)
            if identifai_api::body::too_large(e).is_some() =>
        {
            Decision::Stop
        }
        E::CommunicationError(e) if e.is_connect() => Decision::Retry { after: None },
        E::CommunicationError(_) | E::ResponseBodyError(_) if method == Method::Get => {
            Decision::Retry { after: None }
        }
        // Cut off, not JSON, an HTML page: asking again may get the real
        // answer. JSON of another shape will not change by asking again.
        E::InvalidResponsePayload(_, e)
            if method == Method::Get
                && !matches!(e.classify(), serde_json::error::Category::Data) =>
        {
            Decision::Retry { after: None }
        }
        _ => Decision::Stop,
    }
}

const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// `Retry-After` as a duration: seconds, or an HTTP date from now.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let after = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let date = httpdate::parse_http_date(value).ok()?;
            date.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        }
    };
    // A server's number is untrusted: a day at most (the call's retry
    // budget decides whether it is waited at all).
    Some(after.min(MAX_RETRY_AFTER))
}

/// Whether the answer says the key has no requests left in the window
/// (`X-RateLimit-Remaining: 0`, as Laravel sends).
pub(crate) fn budget_spent(headers: &HeaderMap) -> bool {
    headers
        .get("x-ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        == Some(0)
}

/// `X-RateLimit-Reset` as a duration from now: a Unix time (Laravel's
/// form) or, when too small to be one, a number of seconds.
pub(crate) fn rate_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    let value: u64 = headers
        .get("x-ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    // Any Unix time since 2001 is past a billion seconds.
    let after = if value >= 1_000_000_000 {
        (SystemTime::UNIX_EPOCH + Duration::from_secs(value))
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    } else {
        Duration::from_secs(value)
    };
    Some(after.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));

        let later = SystemTime::now() + Duration::from_secs(90);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let after = retry_after(&headers).unwrap();
        assert!(
            after > Duration::from_secs(85) && after <= Duration::from_secs(90),
            "{after:?}"
        );

        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a past date means now"
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("18446744073709551615"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(MAX_RETRY_AFTER),
            "capped, no overflow later"
        );
    }

    #[test]
    fn rate_limit_headers_are_read_as_laravel_sends_them() {
        let mut headers = HeaderMap::new();
        assert!(!budget_spent(&headers));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("3"));
        assert!(!budget_spent(&headers));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        assert!(budget_spent(&headers));

        assert_eq!(rate_limit_reset(&headers), None);
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("7"));
        assert_eq!(rate_limit_reset(&headers), Some(Duration::from_secs(7)));
        let in_a_minute = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 60;
        headers.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&in_a_minute.to_string()).unwrap(),
        );
        let reset = rate_limit_reset(&headers).unwrap();
        assert!(
            reset > Duration::from_secs(55) && reset <= Duration::from_secs(60),
            "{reset:?}"
        );
    }

    #[test]
    fn backoff_takes_off_at_most_its_jitter_and_never_overflows() {
        let (initial, max) = (Duration::from_secs(1), Duration::from_secs(15));
        for n in [0, 1, 2, 3, 4, 5, 40, u32::MAX] {
            let full = (initial * (1 << n.saturating_sub(1).min(4))).min(max);
            let delay = backoff(initial, max, n, 0.25);
            assert!(
                delay >= full - full / 4 && delay <= full,
                "step {n}: {delay:?} vs {full:?}"
            );
        }
        assert_eq!(backoff(initial, max, 3, 0.0), Duration::from_secs(4));
        assert_eq!(
            backoff(Duration::MAX, Duration::MAX, 20, 0.0),
            Duration::MAX
        );
    }

    #[test]
    fn backoff_doubles_within_its_cap_with_jitter() {
        let policy = RetryPolicy::default();
        for retry in 1..=10 {
            let full = (policy.initial_backoff * (1 << (retry - 1))).min(policy.max_backoff);
            let delay = policy.backoff(retry);
            assert!(
                delay >= full / 2 && delay <= full,
                "retry {retry}: {delay:?} vs {full:?}"
            );
        }
    }
}
