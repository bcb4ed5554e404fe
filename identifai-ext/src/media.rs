//! Media to classify: a file, bytes in memory, a reader or a stream, or a
//! URL that the service downloads; and every check that can be made before
//! a byte is sent.
//!
//! The kind of media (image, video, speech) and its MIME type come from the
//! content, never from the file name: the first few KiB are sniffed. A
//! caller may insist on a kind with [`Media::kind`] (an MP4 file that holds a
//! speech recording), which is checked against the content too.
//!
//! Uploads stream: a file is read from disk while it is sent, a reader or a
//! stream is passed on chunk by chunk, and a reader or stream of unknown
//! length is stopped with an error as soon as it grows past the limit of
//! its kind.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use identifai_api::multipart::FilePart;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::{Error, InputError};

/// How many bytes of the content are read to tell its format.
const SNIFF_LEN: usize = 8 * 1024;
/// The chunk size when reading from a reader.
const READ_CHUNK: usize = 64 * 1024;
const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// The image formats the service accepts, as MIME types.
const IMAGE_MIMES: [&str; 5] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
];

/// Every accepted format, for messages about content that fits no kind.
const ACCEPTED_ALL: &str = "accepted: images PNG, JPEG, GIF, WebP, TIFF; video any video format; \
                            speech MP3, WAV, OGG, FLAC, AAC, 3GP, M4A, MP4";

/// What kind of media: decides the operation, the formats and the limit.
/// It serialises in lowercase, as it displays (`image`, `video`, `speech`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// A still image: PNG, JPEG, GIF, WebP or TIFF, up to 50 MB.
    Image,
    /// A video in any video format, up to 5 GB.
    Video,
    /// A speech recording: MP3, WAV, OGG, FLAC, AAC, 3GP, M4A or MP4, up to
    /// 50 MB.
    Speech,
}

impl MediaKind {
    /// The largest upload the service accepts for this kind, in bytes:
    /// 50 MiB for images and speech, 5 GiB for video.
    pub fn max_bytes(self) -> u64 {
        match self {
            Self::Image | Self::Speech => 50 * MIB,
            Self::Video => 5 * GIB,
        }
    }

    /// [`max_bytes`](Self::max_bytes) as the vendor's documentation writes
    /// it: `"50 MB"` or `"5 GB"`.
    pub fn limit_text(self) -> &'static str {
        match self {
            Self::Image | Self::Speech => "50 MB",
            Self::Video => "5 GB",
        }
    }

    /// "the limit for images", as in messages.
    fn plural(self) -> &'static str {
        match self {
            Self::Image => "images",
            Self::Video => "videos",
            Self::Speech => "speech recordings",
        }
    }

    /// "given as an image", as in messages.
    fn given_as(self) -> &'static str {
        match self {
            Self::Image => "an image",
            Self::Video => "a video",
            Self::Speech => "speech",
        }
    }

    /// "not an image format", as in messages.
    fn format_noun(self) -> &'static str {
        match self {
            Self::Image => "an image",
            Self::Video => "a video",
            Self::Speech => "a speech",
        }
    }

    /// The formats accepted for this kind.
    fn accepted(self) -> &'static str {
        match self {
            Self::Image => "accepted images: PNG, JPEG, GIF, WebP, TIFF",
            Self::Video => "accepted video: any video format (MP4, MOV, WebM, MKV, AVI …)",
            Self::Speech => "accepted speech: MP3, WAV, OGG, FLAC, AAC, 3GP, M4A, MP4",
        }
    }

    /// The variant's name, as the caller writes it.
    fn variant(self) -> &'static str {
        match self {
            Self::Image => "MediaKind::Image",
            Self::Video => "MediaKind::Video",
            Self::Speech => "MediaKind::Speech",
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Speech => "speech",
        })
    }
}

/// A stream of the content's bytes.
type ByteStream = BoxStream<'static, io::Result<Bytes>>;

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
    source: Source,
    /// The kind the caller insisted on, if any.
    kind: Option<MediaKind>,
}

enum Source {
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

    fn from_stream(stream: ByteStream, name: String, len: Option<u64>) -> Self {
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

/// Media that passed every check, ready to be sent.
#[doc(hidden)]
#[derive(Debug)]
pub enum Prepared {
    /// Content to upload.
    Upload(Upload),
    /// A URL for the service to download.
    Url {
        /// The URL, as parsed and serialised again.
        url: String,
        /// The kind given by the caller.
        kind: MediaKind,
    },
}

impl Prepared {
    /// The kind of media, which decides the operation.
    pub fn kind(&self) -> MediaKind {
        match self {
            Self::Upload(upload) => upload.kind,
            Self::Url { kind, .. } => *kind,
        }
    }
}

/// Content to upload: its kind, MIME type, file name and length, and where
/// its bytes come from.
#[doc(hidden)]
pub struct Upload {
    /// The kind, from the content (or insisted on and checked).
    pub kind: MediaKind,
    /// The MIME type sent with the part, as the service names it.
    pub mime: String,
    /// The file name sent with the part.
    pub name: String,
    /// The length in bytes, when known.
    pub len: Option<u64>,
    /// The input as described in messages.
    subject: String,
    source: UploadSource,
}

enum UploadSource {
    Path(PathBuf),
    Bytes(Bytes),
    /// `None` once sent.
    Stream(Option<Mutex<ByteStream>>),
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            UploadSource::Path(path) => format!("file {}", path.display()),
            UploadSource::Bytes(data) => format!("{} bytes in memory", data.len()),
            UploadSource::Stream(Some(_)) => "a stream".to_string(),
            UploadSource::Stream(None) => "a stream, already sent".to_string(),
        };
        f.debug_struct("Upload")
            .field("kind", &self.kind)
            .field("mime", &self.mime)
            .field("name", &self.name)
            .field("len", &self.len)
            .field("source", &source)
            .finish()
    }
}

impl Upload {
    /// Whether [`file_part`](Self::file_part) can build the part again (for
    /// a retry): true for files and bytes, false for readers and streams.
    pub fn replayable(&self) -> bool {
        !matches!(self.source, UploadSource::Stream(_))
    }

    /// A fresh file part, with its file name and content type: the file is
    /// opened again (and streamed from disk), the bytes are shared. A reader
    /// or a stream gives its part once; later calls are an
    /// [`Error::InvalidInput`].
    pub async fn file_part(&mut self) -> Result<FilePart, Error> {
        let part = match &mut self.source {
            UploadSource::Path(path) => {
                let part = FilePart::open(&*path)
                    .await
                    .map_err(|e| Error::io("open", path.clone(), e))?;
                // The file may have changed since it was checked.
                if let Some(len) = part.len() {
                    if len == 0 {
                        return Err(empty(&self.subject).into());
                    }
                    check_len(&self.subject, self.kind, len)?;
                }
                part
            }
            UploadSource::Bytes(data) => FilePart::bytes(data.clone()),
            UploadSource::Stream(slot) => match slot.take() {
                Some(stream) => {
                    let stream = stream.into_inner().unwrap_or_else(PoisonError::into_inner);
                    FilePart::stream(reqwest::Body::wrap_stream(stream), self.len)
                }
                None => {
                    return Err(InputError::new(
                        self.subject.clone(),
                        "was already sent once, and a reader or stream cannot be sent again; \
                         use Media::path or Media::bytes for media that may need a retry",
                    )
                    .into());
                }
            },
        };
        Ok(part
            .file_name(self.name.clone())
            .content_type(self.mime.clone()))
    }
}

/// Every check that can be made before a byte is sent: the file exists and
/// is a readable, non-empty regular file; the content is a format the
/// service accepts for its kind (sniffed from the first bytes, never taken
/// from the name); its size is within the kind's limit; a URL is an
/// absolute http(s) URL.
#[doc(hidden)]
pub async fn prepare(media: Media) -> Result<Prepared, Error> {
    let subject = media.describe();
    let forced = media.kind;
    match media.source {
        Source::Url { url, kind } => Ok(prepare_url(subject, &url, kind)?),
        Source::Path(path) => prepare_path(subject, path, forced).await,
        Source::Bytes { data, name } => {
            if data.is_empty() {
                return Err(empty(&subject).into());
            }
            let head = &data[..data.len().min(SNIFF_LEN)];
            let (kind, mime) = resolve(&subject, head, forced)?;
            let len = data.len() as u64;
            check_len(&subject, kind, len)?;
            Ok(Prepared::Upload(Upload {
                kind,
                mime,
                name: file_name_or_default(name),
                len: Some(len),
                subject,
                source: UploadSource::Bytes(data),
            }))
        }
        Source::Stream { stream, name, len } => {
            let stream = stream.into_inner().unwrap_or_else(PoisonError::into_inner);
            prepare_stream(subject, stream, name, len, forced).await
        }
    }
}

fn prepare_url(subject: String, url: &str, kind: MediaKind) -> Result<Prepared, InputError> {
    const EXAMPLE: &str = "pass an absolute URL such as https://example.com/photo.jpg";
    match url::Url::parse(url.trim()) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
            Ok(Prepared::Url {
                url: parsed.into(),
                kind,
            })
        }
        Ok(parsed) => Err(InputError::new(
            subject,
            format!(
                "is not an http(s) URL (its scheme is `{}`); {EXAMPLE}, or a local file with \
                 Media::path",
                parsed.scheme()
            ),
        )),
        Err(e) => Err(InputError::new(
            subject,
            format!("is not an http(s) URL ({e}); {EXAMPLE}"),
        )),
    }
}

async fn prepare_path(
    subject: String,
    path: PathBuf,
    forced: Option<MediaKind>,
) -> Result<Prepared, Error> {
    let metadata = match tokio::fs::metadata(&path).await {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(no_such_file(subject).into()),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    if metadata.is_dir() {
        return Err(InputError::new(
            subject,
            "is a directory: pass a file; to classify a folder use a batch",
        )
        .into());
    }
    if !metadata.is_file() {
        return Err(InputError::new(
            subject,
            "is not a regular file (it is a pipe, socket or device): pass a file, or read it \
             yourself and pass it with Media::reader",
        )
        .into());
    }
    let len = metadata.len();
    if len == 0 {
        return Err(empty(&subject).into());
    }

    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(no_such_file(subject).into()),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    let mut head = Vec::with_capacity(SNIFF_LEN);
    if let Err(e) = file.take(SNIFF_LEN as u64).read_to_end(&mut head).await {
        return Err(Error::io("read", path, e));
    }

    let (kind, mime) = resolve(&subject, &head, forced)?;
    check_len(&subject, kind, len)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Prepared::Upload(Upload {
        kind,
        mime,
        name: file_name_or_default(name),
        len: Some(len),
        subject,
        source: UploadSource::Path(path),
    }))
}

async fn prepare_stream(
    subject: String,
    mut stream: ByteStream,
    name: String,
    declared: Option<u64>,
    forced: Option<MediaKind>,
) -> Result<Prepared, Error> {
    if declared == Some(0) {
        return Err(empty(&subject).into());
    }
    if let (Some(kind), Some(len)) = (forced, declared) {
        check_len(&subject, kind, len)?;
    }

    // Peek at the head, keeping every chunk read: they are sent first.
    let mut chunks = Vec::new();
    let mut head = Vec::with_capacity(SNIFF_LEN);
    let mut read: u64 = 0;
    let mut ended = false;
    while head.len() < SNIFF_LEN {
        match stream.next().await {
            Some(Ok(chunk)) => {
                let wanted = (SNIFF_LEN - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..wanted]);
                read += chunk.len() as u64;
                if !chunk.is_empty() {
                    chunks.push(chunk);
                }
            }
            Some(Err(e)) => return Err(Error::io("read", subject, e)),
            None => {
                ended = true;
                break;
            }
        }
    }

    let len = if ended {
        if read == 0 {
            return Err(empty(&subject).into());
        }
        if let Some(declared) = declared.filter(|&d| d != read) {
            return Err(InputError::new(
                subject,
                format!(
                    "holds {read} bytes, but its length was given as {declared}; pass its exact \
                     length, or None when it is not known"
                ),
            )
            .into());
        }
        Some(read)
    } else {
        declared
    };

    let (kind, mime) = resolve(&subject, &head, forced)?;
    if let Some(len) = len {
        check_len(&subject, kind, len)?;
    }

    let head = stream::iter(chunks.into_iter().map(Ok));
    // A stream that ended is not polled again.
    let body: ByteStream = if ended {
        head.boxed()
    } else {
        head.chain(stream).boxed()
    };
    let body = Limited::new(body, kind.max_bytes(), len, subject.clone(), kind);
    Ok(Prepared::Upload(Upload {
        kind,
        mime,
        name: file_name_or_default(name),
        len,
        subject,
        source: UploadSource::Stream(Some(Mutex::new(body.boxed()))),
    }))
}

/// A part always needs a file name.
fn file_name_or_default(name: String) -> String {
    if name.is_empty() {
        "file".to_string()
    } else {
        name
    }
}

fn no_such_file(subject: String) -> InputError {
    InputError::new(subject, "no such file; check the path")
}

fn empty(subject: &str) -> InputError {
    InputError::new(subject, "is empty (0 bytes): there is nothing to classify")
}

/// Refuses a length over the kind's limit.
fn check_len(subject: &str, kind: MediaKind, len: u64) -> Result<(), InputError> {
    let max = kind.max_bytes();
    if len <= max {
        return Ok(());
    }
    let size = size_text(len);
    let problem = if size == size_text(max) {
        // "50.0 MB; the limit is 50 MB" would not say what is wrong.
        format!(
            "is {len} bytes; the limit for {} is {} ({max} bytes)",
            kind.plural(),
            kind.limit_text()
        )
    } else {
        format!(
            "is {size}; the limit for {} is {}",
            kind.plural(),
            kind.limit_text()
        )
    };
    Err(InputError::new(subject, problem))
}

/// A size as people read it, in the binary units the limits use.
fn size_text(len: u64) -> String {
    let scaled = |unit: u64| len as f64 / unit as f64;
    if len >= GIB {
        format!("{:.1} GB", scaled(GIB))
    } else if len >= MIB {
        format!("{:.1} MB", scaled(MIB))
    } else if len >= KIB {
        format!("{:.1} KB", scaled(KIB))
    } else {
        format!("{len} bytes")
    }
}

/// A format recognised from the first bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sniffed {
    /// The MIME type as the sniffer names it, such as `audio/x-wav`.
    mime: &'static str,
    /// For messages, such as "WAV audio".
    label: String,
}

/// The format of the content whose first bytes are `head`, if known.
fn sniff(head: &[u8]) -> Option<Sniffed> {
    // 3GP (an MP4-like container that `infer` does not know), by its brand.
    if head.len() >= 12 && &head[4..8] == b"ftyp" && &head[8..11] == b"3gp" {
        return Some(Sniffed {
            mime: "audio/3gpp",
            label: "3GP audio/video".to_string(),
        });
    }
    if let Some(found) = infer::get(head) {
        return Some(Sniffed {
            mime: found.mime_type(),
            label: format!(
                "{} {}",
                format_name(found.extension()),
                matcher_noun(found.matcher_type())
            ),
        });
    }
    // MPEG audio layer III frames without an ID3 tag, in the variants
    // `infer` misses (with CRC, MPEG 2.5).
    if is_mp3_frame(head) {
        return Some(Sniffed {
            mime: "audio/mpeg",
            label: "MP3 audio".to_string(),
        });
    }
    None
}

/// An MPEG audio frame header, layer III, at the start.
fn is_mp3_frame(head: &[u8]) -> bool {
    if head.len() < 4 || head[0] != 0xFF || head[1] & 0xE0 != 0xE0 {
        return false;
    }
    let version = (head[1] >> 3) & 0b11;
    let layer = (head[1] >> 1) & 0b11;
    let bitrate = head[2] >> 4;
    let sample_rate = (head[2] >> 2) & 0b11;
    version != 0b01 && layer == 0b01 && bitrate != 0b1111 && sample_rate != 0b11
}

fn format_name(extension: &str) -> String {
    match extension {
        "jpg" => "JPEG".to_string(),
        "tif" => "TIFF".to_string(),
        "webp" => "WebP".to_string(),
        other => other.to_ascii_uppercase(),
    }
}

fn matcher_noun(kind: infer::MatcherType) -> &'static str {
    use infer::MatcherType as M;
    match kind {
        M::App => "program",
        M::Archive => "archive",
        M::Audio => "audio",
        M::Book => "e-book",
        M::Doc => "document",
        M::Font => "font",
        M::Image => "image",
        M::Text => "text",
        M::Video => "video",
        M::Custom => "file",
    }
}

/// Whether the first bytes read as text: UTF-8 (possibly cut in the middle
/// of a character) without control characters other than whitespace.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !text.is_empty()
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1b'))
}

/// The MIME type the service expects for content sniffed as `mime`, sent
/// as `kind`; `None` when the service does not accept it as that kind.
fn mime_for(kind: MediaKind, mime: &'static str) -> Option<&'static str> {
    match kind {
        MediaKind::Image => IMAGE_MIMES.contains(&mime).then_some(mime),
        MediaKind::Video => match mime {
            "audio/3gpp" => Some("video/3gpp"),
            _ if mime.starts_with("video/") => Some(mime),
            _ => None,
        },
        MediaKind::Speech => match mime {
            "audio/mpeg" => Some("audio/mpeg"),
            "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => Some("audio/wav"),
            // Opus is carried in an OGG container.
            "audio/ogg" | "audio/opus" => Some("audio/ogg"),
            "audio/flac" | "audio/x-flac" => Some("audio/flac"),
            "audio/aac" => Some("audio/aac"),
            "audio/3gpp" => Some("audio/3gpp"),
            "audio/m4a" | "audio/x-m4a" => Some("audio/m4a"),
            // Only when the caller insisted on speech (see `natural_kind`).
            "video/mp4" => Some("video/mp4"),
            _ => None,
        },
    }
}

/// The kind content sniffed as `mime` is sent as when the caller did not
/// insist: an MP4 file is a video unless said otherwise.
fn natural_kind(mime: &'static str) -> Option<MediaKind> {
    if mime_for(MediaKind::Image, mime).is_some() {
        Some(MediaKind::Image)
    } else if mime.starts_with("video/") {
        Some(MediaKind::Video)
    } else if mime_for(MediaKind::Speech, mime).is_some() {
        Some(MediaKind::Speech)
    } else {
        None
    }
}

/// The kind and MIME type to send, from the first bytes and the kind the
/// caller insisted on.
fn resolve(
    subject: &str,
    head: &[u8],
    forced: Option<MediaKind>,
) -> Result<(MediaKind, String), InputError> {
    let sniffed = sniff(head);
    let detected = match &sniffed {
        Some(found) => format!("detected: {}, {}", found.label, found.mime),
        None if looks_like_text(head) => "it looks like text".to_string(),
        None => "its first bytes match no known format".to_string(),
    };
    match (sniffed, forced) {
        (Some(found), None) => match natural_kind(found.mime) {
            Some(kind) => Ok((
                kind,
                mime_for(kind, found.mime).unwrap_or(found.mime).to_string(),
            )),
            None => Err(not_accepted(subject, &detected)),
        },
        (None, None) => Err(not_accepted(subject, &detected)),
        (Some(found), Some(kind)) => match mime_for(kind, found.mime) {
            Some(mime) => Ok((kind, mime.to_string())),
            None => {
                let hint = match natural_kind(found.mime) {
                    Some(natural) => format!(
                        "; leave out .kind({}) to send it as {}",
                        kind.variant(),
                        natural.given_as()
                    ),
                    None => String::new(),
                };
                Err(InputError::new(
                    subject,
                    format!(
                        "was given as {} ({}), but its content is {} ({}); {}{hint}",
                        kind.given_as(),
                        kind.variant(),
                        found.label,
                        found.mime,
                        kind.accepted()
                    ),
                ))
            }
        },
        (None, Some(kind)) => Err(InputError::new(
            subject,
            format!(
                "was given as {}, but its content is not {} format identifAI accepts \
                 ({detected}); {}",
                kind.given_as(),
                kind.format_noun(),
                kind.accepted()
            ),
        )),
    }
}

fn not_accepted(subject: &str, detected: &str) -> InputError {
    InputError::new(
        subject,
        format!(
            "its content is not an image, video or speech format identifAI accepts \
             ({detected}); {ACCEPTED_ALL}"
        ),
    )
}

/// A body stream that stops with an error once it passes `max` bytes, and
/// holds to its declared length: more bytes, or fewer at the end, are an
/// error too (the request carries that length).
struct Limited {
    inner: ByteStream,
    sent: u64,
    max: u64,
    declared: Option<u64>,
    subject: String,
    kind: MediaKind,
    done: bool,
}

impl Limited {
    fn new(
        inner: ByteStream,
        max: u64,
        declared: Option<u64>,
        subject: String,
        kind: MediaKind,
    ) -> Self {
        Self {
            inner,
            sent: 0,
            max,
            declared,
            subject,
            kind,
            done: false,
        }
    }

    fn fail(&mut self, kind: io::ErrorKind, message: String) -> Poll<Option<io::Result<Bytes>>> {
        self.done = true;
        Poll::Ready(Some(Err(io::Error::new(kind, message))))
    }
}

impl Stream for Limited {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                this.sent = this.sent.saturating_add(chunk.len() as u64);
                if this.sent > this.max {
                    let message = format!(
                        "{}: grew past the limit for {} ({}, {} bytes); sending stopped",
                        this.subject,
                        this.kind.plural(),
                        this.kind.limit_text(),
                        this.max
                    );
                    return this.fail(io::ErrorKind::FileTooLarge, message);
                }
                if let Some(declared) = this.declared.filter(|&d| this.sent > d) {
                    let message = format!(
                        "{}: is longer than its given length of {declared} bytes; pass its \
                         exact length, or None when it is not known",
                        this.subject
                    );
                    return this.fail(io::ErrorKind::InvalidData, message);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                if let Some(declared) = this.declared.filter(|&d| this.sent < d) {
                    let message = format!(
                        "{}: ended after {} bytes, but its length was given as {declared}",
                        this.subject, this.sent
                    );
                    return this.fail(io::ErrorKind::UnexpectedEof, message);
                }
                this.done = true;
                Poll::Ready(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_signatures_in_urls_are_redacted() {
        let shown = Media::url(
            "https://user:pass@example.com/a.jpg?token=t0k",
            MediaKind::Image,
        )
        .describe();
        assert!(!shown.contains("pass") && !shown.contains("t0k"), "{shown}");
        let debug = format!(
            "{:?}",
            Media::url("https://user:pass@example.com/a.jpg", MediaKind::Image)
        );
        assert!(!debug.contains("pass"), "{debug}");
        assert_eq!(
            redact_url("https://user:pass@example.com/a.jpg"),
            "https://***@example.com/a.jpg"
        );
        let shown = redact_url(
            "https://bucket.example.com/a.jpg?X-Amz-Signature=abc123&X-Amz-Security-Token=t0k&w=10",
        );
        assert!(
            !shown.contains("abc123") && !shown.contains("t0k"),
            "{shown}"
        );
        assert!(shown.contains("w=10"), "{shown}");
        assert_eq!(
            redact_url("https://example.com/a.jpg"),
            "https://example.com/a.jpg"
        );
    }

    fn chunks(sizes: &[usize]) -> ByteStream {
        let chunks: Vec<io::Result<Bytes>> = sizes
            .iter()
            .map(|&n| Ok(Bytes::from(vec![7u8; n])))
            .collect();
        stream::iter(chunks).boxed()
    }

    async fn drain(mut stream: Limited) -> (u64, Vec<io::Error>) {
        let mut passed = 0;
        let mut errors = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => passed += chunk.len() as u64,
                Err(e) => errors.push(e),
            }
        }
        (passed, errors)
    }

    fn limited(sizes: &[usize], max: u64, declared: Option<u64>) -> Limited {
        Limited::new(
            chunks(sizes),
            max,
            declared,
            "clip.mp4".to_string(),
            MediaKind::Video,
        )
    }

    #[tokio::test]
    async fn a_stream_within_the_limit_passes_whole() {
        let (passed, errors) = drain(limited(&[4, 4, 2], 10, None)).await;
        assert_eq!(passed, 10);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[tokio::test]
    async fn a_stream_past_the_limit_stops_with_an_error_naming_the_limit() {
        let (passed, errors) = drain(limited(&[4, 4, 4, 4], 10, None)).await;
        assert_eq!(
            passed, 8,
            "the chunk that crosses the limit is not passed on"
        );
        assert_eq!(errors.len(), 1, "one error, then the end: {errors:?}");
        assert_eq!(errors[0].kind(), io::ErrorKind::FileTooLarge);
        let message = errors[0].to_string();
        assert!(message.starts_with("clip.mp4: "), "{message}");
        assert!(
            message.contains("the limit for videos (5 GB, 10 bytes)"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_stream_longer_than_declared_fails() {
        let (passed, errors) = drain(limited(&[4, 4], 100, Some(6))).await;
        assert_eq!(passed, 4);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind(), io::ErrorKind::InvalidData);
        assert!(
            errors[0].to_string().contains("given length of 6 bytes"),
            "{}",
            errors[0]
        );
    }

    #[tokio::test]
    async fn a_stream_shorter_than_declared_fails_at_its_end() {
        let (passed, errors) = drain(limited(&[4], 100, Some(6))).await;
        assert_eq!(passed, 4);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind(), io::ErrorKind::UnexpectedEof);
        assert!(
            errors[0].to_string().contains("ended after 4 bytes"),
            "{}",
            errors[0]
        );
    }

    #[tokio::test]
    async fn an_error_of_the_inner_stream_passes_through_and_ends_it() {
        let inner: ByteStream = stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(io::Error::other("disk gone")),
            Ok(Bytes::from_static(b"def")),
        ])
        .boxed();
        let stream = Limited::new(inner, 100, None, "x".to_string(), MediaKind::Image);
        let (passed, errors) = drain(stream).await;
        assert_eq!(passed, 3);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].to_string(), "disk gone");
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(size_text(0), "0 bytes");
        assert_eq!(size_text(1023), "1023 bytes");
        assert_eq!(size_text(1536), "1.5 KB");
        assert_eq!(size_text(60 * MIB), "60.0 MB");
        assert_eq!(size_text(5 * GIB + GIB / 2), "5.5 GB");
    }

    #[test]
    fn text_is_told_from_binary() {
        assert!(looks_like_text(b"hello,\tworld\r\n"));
        assert!(looks_like_text("caf\u{e9} \u{2014} na\u{ef}ve".as_bytes()));
        // Cut in the middle of a two-byte character.
        assert!(looks_like_text(&"caf\u{e9}".as_bytes()[..4]));
        assert!(!looks_like_text(b"abc\0def"));
        assert!(!looks_like_text(b"\x01\x02\x03"));
        assert!(!looks_like_text(&[0xC3, 0x28, b'a']));
        assert!(!looks_like_text(b""));
    }

    #[test]
    fn mp3_frames_without_a_tag_are_recognised() {
        // MPEG-1 layer III, without and with CRC; MPEG-2.5 layer III.
        assert!(is_mp3_frame(&[0xFF, 0xFB, 0x90, 0x64]));
        assert!(is_mp3_frame(&[0xFF, 0xFA, 0x90, 0x64]));
        assert!(is_mp3_frame(&[0xFF, 0xE3, 0x18, 0xC4]));
        // AAC (ADTS, layer 0) and a reserved version are not MP3.
        assert!(!is_mp3_frame(&[0xFF, 0xF1, 0x50, 0x80]));
        assert!(!is_mp3_frame(&[0xFF, 0xEB, 0x90, 0x64]));
        assert!(!is_mp3_frame(&[0xFF, 0xFB]));
    }

    #[test]
    fn speech_mime_types_are_the_services_names() {
        assert_eq!(
            mime_for(MediaKind::Speech, "audio/x-wav"),
            Some("audio/wav")
        );
        assert_eq!(
            mime_for(MediaKind::Speech, "audio/x-flac"),
            Some("audio/flac")
        );
        assert_eq!(mime_for(MediaKind::Speech, "audio/opus"), Some("audio/ogg"));
        assert_eq!(
            mime_for(MediaKind::Speech, "audio/x-m4a"),
            Some("audio/m4a")
        );
        assert_eq!(mime_for(MediaKind::Speech, "video/quicktime"), None);
        assert_eq!(mime_for(MediaKind::Video, "audio/3gpp"), Some("video/3gpp"));
        assert_eq!(mime_for(MediaKind::Image, "image/bmp"), None);
        assert_eq!(natural_kind("video/mp4"), Some(MediaKind::Video));
        assert_eq!(natural_kind("audio/3gpp"), Some(MediaKind::Speech));
        assert_eq!(natural_kind("application/pdf"), None);
    }
}
