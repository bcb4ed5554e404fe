//! Reading the body of an error answer: at most [`MAX_ERROR_BODY`] bytes,
//! and never the API key.
//!
//! The generated client reads every 4xx/5xx body this way before decoding
//! it; code that sends requests of its own with the same key (such as a
//! `next_page_url` fetched as is) should too, so that its errors are cut and
//! cleaned alike.

use http_body_util::BodyExt;

use crate::ApiKey;

/// How much of an error body is kept; reading stops once this much has
/// come, and the rest is never read.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// What the API key is replaced with.
const REDACTED: &[u8] = b"[redacted]";

/// A key shorter than this is not looked for: replacing one or two common
/// characters would garble the body and protect nothing.
const MIN_REDACTED_KEY: usize = 4;

/// Reads an error answer's body (`reqwest::Body::from(response)`), at most
/// [`MAX_ERROR_BODY`] bytes of it, with every occurrence of `api_key`
/// (trimmed, as it is sent) replaced by `[redacted]`, so that a server that
/// echoes the key ("invalid key sk-…") does not put it into an error the
/// caller may log.
///
/// A body that breaks off is kept as far as it came: for an error answer the
/// status is what matters.
pub async fn read_error_body(body: reqwest::Body, api_key: Option<&ApiKey>) -> Vec<u8> {
    let key = api_key
        .map(|k| k.expose().trim().as_bytes())
        .filter(|k| k.len() >= MIN_REDACTED_KEY);
    // A key that straddles the cut is read whole, so that no part of it is
    // left once the body is cut.
    let limit = MAX_ERROR_BODY + key.map_or(0, |k| k.len() - 1);
    let mut body = body;
    let mut data = Vec::new();
    while data.len() < limit {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(chunk) = frame.into_data() {
                    data.extend_from_slice(&chunk);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    data.truncate(limit);
    if let Some(key) = key {
        data = redact(&data, key);
    }
    data.truncate(MAX_ERROR_BODY);
    data
}

/// `data` with every occurrence of `key` replaced, left to right.
fn redact(data: &[u8], key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(at) = rest.windows(key.len()).position(|w| w == key) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(REDACTED);
        rest = &rest[at + key.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The largest answer the client reads by default: far above any real
/// result (a 30-frame video result is about 200 KB), far below what would
/// strain a small machine.
pub const DEFAULT_MAX_RESPONSE: u64 = 32 * 1024 * 1024;

/// An answer larger than the client accepts
/// ([`ClientConfig::max_response_bytes`](crate::ClientConfig::max_response_bytes)).
/// It is the source, somewhere in the chain, of the error the call returns
/// (progenitor's `Error::ResponseBodyError` for a typed answer, a stream
/// error for a streamed one): find it with [`too_large`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// The limit, in bytes.
    pub limit: u64,
    /// The length the answer announced (`Content-Length`), when it did.
    pub announced: Option<u64>,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.announced {
            Some(len) if len > self.limit => write!(
                f,
                "the answer announces {len} bytes, more than the limit of {} bytes; it was not read",
                self.limit
            ),
            _ => write!(
                f,
                "the answer is larger than the limit of {} bytes; reading stopped there",
                self.limit
            ),
        }
    }
}

impl std::error::Error for TooLarge {}

/// The [`TooLarge`] behind an error, if it is one: walks the chain of
/// sources.
///
/// ```
/// use identifai_api::body::{TooLarge, too_large};
/// let error = TooLarge { limit: 10, announced: Some(20) };
/// assert_eq!(too_large(&error), Some(&error));
/// ```
pub fn too_large<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e TooLarge> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<TooLarge>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The answer with its body read through a cap of `limit` bytes: one that
/// announces more is refused before any of its body is read; one that
/// sends more fails as soon as it passes the limit.
pub fn capped(response: reqwest::Response, limit: u64) -> reqwest::Response {
    use futures_util::StreamExt;
    let announced = response.content_length();
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, body) = response.into_parts();
    let too_large = TooLarge { limit, announced };
    let body = if announced.is_some_and(|len| len > limit) {
        // The body is dropped unread (and its connection with it).
        drop(body);
        reqwest::Body::wrap_stream(futures_util::stream::once(async move {
            Err::<bytes::Bytes, BoxError>(Box::new(too_large))
        }))
    } else {
        let mut seen: u64 = 0;
        reqwest::Body::wrap_stream(body.into_data_stream().map(move |chunk| {
            let chunk = chunk.map_err(|e| Box::new(e) as BoxError)?;
            seen = seen.saturating_add(chunk.len() as u64);
            if seen > limit {
                Err(Box::new(too_large) as BoxError)
            } else {
                Ok(chunk)
            }
        }))
    };
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(body: impl Into<reqwest::Body>, key: &str) -> Vec<u8> {
        read_error_body(body.into(), Some(&ApiKey::new(key))).await
    }

    #[tokio::test]
    async fn the_key_is_replaced_wherever_it_stands() {
        assert_eq!(
            read("bad key sk-123 (sk-123)", " sk-123\n").await,
            b"bad key [redacted] ([redacted])"
        );
        assert_eq!(
            read(&b"\xffsk-123\xfe"[..], "sk-123").await,
            b"\xff[redacted]\xfe"
        );
        assert_eq!(read("no key here", "sk-123").await, b"no key here");
    }

    #[tokio::test]
    async fn a_short_key_is_left_alone() {
        assert_eq!(read("a b c", "a").await, b"a b c");
        assert_eq!(read("", "").await, b"");
    }

    #[tokio::test]
    async fn a_long_body_is_cut_and_a_key_across_the_cut_goes_whole() {
        let body = vec![b'x'; 3 * MAX_ERROR_BODY];
        assert_eq!(read(body, "sk-123").await.len(), MAX_ERROR_BODY);

        let mut body = vec![b'x'; MAX_ERROR_BODY - 3];
        body.extend_from_slice(b"sk-123tail");
        let cut = read(body, "sk-123").await;
        assert_eq!(cut.len(), MAX_ERROR_BODY);
        assert!(cut.ends_with(b"xxx[re"), "no piece of the key is left");
    }
}
