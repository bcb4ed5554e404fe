//! Every check that can be made before a byte is sent, and the parts each
//! attempt of an upload sends.

use super::*;

/// Media that passed every check, ready to be sent.
#[derive(Debug)]
pub(crate) enum Prepared {
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

/// Content to upload: its kind, MIME type, file name and length, and where
/// its bytes come from.
pub(crate) struct Upload {
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

pub(super) enum UploadSource {
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
pub(crate) async fn prepare(media: Media) -> Result<Prepared, Error> {
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

pub(super) fn prepare_url(
    subject: String,
    url: &str,
    kind: MediaKind,
) -> Result<Prepared, InputError> {
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

pub(super) async fn prepare_path(
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

pub(super) async fn prepare_stream(
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
pub(super) fn file_name_or_default(name: String) -> String {
    if name.is_empty() {
        "file".to_string()
    } else {
        name
    }
}

pub(super) fn no_such_file(subject: String) -> InputError {
    InputError::new(subject, "no such file; check the path")
}

pub(super) fn empty(subject: &str) -> InputError {
    InputError::new(subject, "is empty (0 bytes): there is nothing to classify")
}

/// Refuses a length over the kind's limit.
pub(super) fn check_len(subject: &str, kind: MediaKind, len: u64) -> Result<(), InputError> {
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
pub(super) fn size_text(len: u64) -> String {
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
