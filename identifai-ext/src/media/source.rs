//! `Media`: where the content comes from, and how it is shown (URL secrets redacted).

use super::*;

/// A stream of the content's bytes.
pub(super) type ByteStream = BoxStream<'static, io::Result<Bytes>>;

/// Something to classify: a file, bytes, a reader, a stream, or a URL.
///
/// ```no_run
/// use identifai_ext::media::{Media, MediaKind};
///
/// let photo = Media::path("photo.jpg");
/// let call = Media::path("call.mp4").kind(MediaKind::Speech);
/// let remote = Media::url("https://example.com/clip.mp4", MediaKind::Video);
/// let in_memory = Media::bytes(vec![0x89, b'P', b'N', b'G'], "upload.png");
/// ```
pub struct Media {
    pub(super) source: Source,
    /// The kind the caller insisted on, if any.
    pub(super) kind: Option<MediaKind>,
}

pub(super) enum Source {
    Path(PathBuf),
    Bytes {
        data: Bytes,
        name: String,
    },
    /// A reader or a stream. The mutex only makes `Media` `Sync`: the
    /// stream is never shared, only moved.
    Stream {
        stream: Mutex<ByteStream>,
        name: String,
        len: Option<u64>,
    },
    Url {
        url: String,
        kind: MediaKind,
    },
}

impl Media {
    /// The file at `path`, streamed from disk when it is sent. Its kind and
    /// format come from its content; the name sent is its file name.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Self {
            source: Source::Path(path.into()),
            kind: None,
        }
    }

    /// Content already in memory, sent under the file name `name`.
    pub fn bytes(data: impl Into<Bytes>, name: impl Into<String>) -> Self {
        Self {
            source: Source::Bytes {
                data: data.into(),
                name: name.into(),
            },
            kind: None,
        }
    }

    /// Content read from `reader` while it is sent, under the file name
    /// `name`; `len` is its length when known (it lets the request carry a
    /// `Content-Length` and the limit be checked before sending).
    ///
    /// A reader can be sent only once: a request that fails after it
    /// started is not retried. Prefer [`Media::path`] or [`Media::bytes`]
    /// when retries matter.
    pub fn reader<R: AsyncRead + Send + Unpin + 'static>(
        reader: R,
        name: impl Into<String>,
        len: Option<u64>,
    ) -> Self {
        let stream = tokio_util::io::ReaderStream::with_capacity(reader, READ_CHUNK);
        Self::from_stream(stream.boxed(), name.into(), len)
    }

    /// Content from a stream of byte chunks, under the file name `name`;
    /// `len` is its total length when known. Like a reader, a stream can be
    /// sent only once.
    pub fn stream<S>(stream: S, name: impl Into<String>, len: Option<u64>) -> Self
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        Self::from_stream(stream.boxed(), name.into(), len)
    }

    pub(super) fn from_stream(stream: ByteStream, name: String, len: Option<u64>) -> Self {
        Self {
            source: Source::Stream {
                stream: Mutex::new(stream),
                name,
                len,
            },
            kind: None,
        }
    }

    /// Media at an http(s) URL, which the service downloads itself (the
    /// `*_url` operations). Nothing is downloaded here, so the kind must be
    /// given.
    pub fn url(url: impl Into<String>, kind: MediaKind) -> Self {
        Self {
            source: Source::Url {
                url: url.into(),
                kind,
            },
            kind: None,
        }
    }

    /// Insists on a kind, such as [`MediaKind::Speech`] for an MP4 file that
    /// holds a speech recording. The content is still checked: a kind it
    /// cannot be (an image that is a WAV file) is refused. For a URL, this
    /// replaces the kind given to [`Media::url`].
    pub fn kind(mut self, kind: MediaKind) -> Self {
        match &mut self.source {
            Source::Url { kind: url_kind, .. } => *url_kind = kind,
            _ => self.kind = Some(kind),
        }
        self
    }

    /// What the media is called in messages: the path as displayed, the
    /// name given, or the URL.
    pub fn describe(&self) -> String {
        match &self.source {
            Source::Path(path) => path.display().to_string(),
            Source::Bytes { name, .. } | Source::Stream { name, .. } if name.is_empty() => {
                "(unnamed input)".to_string()
            }
            Source::Bytes { name, .. } | Source::Stream { name, .. } => name.clone(),
            Source::Url { url, .. } if url.is_empty() => "(empty URL)".to_string(),
            Source::Url { url, .. } => redact_url(url),
        }
    }
}

/// A URL as it may be shown: credentials (`user:pass@`) and the values of
/// query parameters that look like secrets (signatures, tokens, keys, as
/// presigned URLs carry) become `***`. The URL sent is the one given.
pub fn redact_url(input: &str) -> String {
    let Ok(mut url) = url::Url::parse(input) else {
        return input.to_string();
    };
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("***");
        let _ = url.set_password(None);
    }
    if url.query().is_some() {
        let secret = |name: &str| {
            let name = name.to_ascii_lowercase();
            [
                "sig",
                "token",
                "key",
                "secret",
                "credential",
                "auth",
                "pass",
                "session",
            ]
            .iter()
            .any(|word| name.contains(word))
        };
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let value = if secret(&name) {
                    "***".to_string()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

impl fmt::Debug for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Media");
        match &self.source {
            Source::Path(path) => out.field("path", path),
            Source::Bytes { data, name } => out.field("name", name).field("bytes", &data.len()),
            Source::Stream { name, len, .. } => out.field("name", name).field("stream_len", len),
            Source::Url { url, kind } => out.field("url", &redact_url(url)).field("url_kind", kind),
        };
        out.field("kind", &self.kind).finish()
    }
}
