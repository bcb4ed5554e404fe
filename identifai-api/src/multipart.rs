//! File parts of multipart requests.

use std::path::Path;

use bytes::Bytes;

/// How much of a file is read at a time while it is uploaded. Every read is
/// a trip through tokio's blocking pool and a wake-up of the connection, so
/// small reads cost more than the copying: a 1 GiB upload over loopback
/// takes about 8 s in 4 KiB reads, 0.8 s in 64 KiB reads and 0.45 s in
/// 256 KiB reads, for less than 1 MiB more memory (BENCHMARKS.md).
const FILE_CHUNK: usize = 256 * 1024;

/// A file to upload in a multipart operation: its content, file name and
/// content type.
///
/// The content is streamed: a file opened with [`FilePart::open`] is read
/// from disk while it is sent, never held in memory whole.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use identifai_api::multipart::FilePart;
///
/// let from_disk = FilePart::open("photo.png").await?;
/// let in_memory = FilePart::bytes(vec![0x89, b'P', b'N', b'G'])
///     .file_name("photo.png")
///     .content_type("image/png");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FilePart {
    body: Content,
    file_name: Option<String>,
    content_type: Option<String>,
}

enum Content {
    Bytes(Bytes),
    Stream {
        body: reqwest::Body,
        len: Option<u64>,
    },
}

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::Stream { len: Some(len), .. } => write!(f, "Stream({len} bytes)"),
            Self::Stream { len: None, .. } => f.write_str("Stream(unknown length)"),
        }
    }
}

impl FilePart {
    /// A part holding these bytes.
    pub fn bytes(data: impl Into<Bytes>) -> Self {
        Self {
            body: Content::Bytes(data.into()),
            file_name: None,
            content_type: None,
        }
    }

    /// A part streamed from `body`, of `len` bytes when known. Knowing the
    /// length lets the request carry a `Content-Length`.
    pub fn stream(body: impl Into<reqwest::Body>, len: Option<u64>) -> Self {
        Self {
            body: Content::Stream {
                body: body.into(),
                len,
            },
            file_name: None,
            content_type: None,
        }
    }

    /// A part streamed from the file at `path`, named after it.
    pub async fn open(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let file = tokio::fs::File::open(path).await?;
        let len = file.metadata().await?.len();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, FILE_CHUNK);
        let mut part = Self::stream(reqwest::Body::wrap_stream(stream), Some(len));
        part.file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Ok(part)
    }

    /// Sets the file name sent with the part.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the part's content type, such as `image/png`.
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    /// The length of the content, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.body {
            Content::Bytes(b) => Some(b.len() as u64),
            Content::Stream { len, .. } => *len,
        }
    }

    /// Whether the content is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The file name sent with the part.
    pub fn get_file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The content type sent with the part.
    pub fn get_content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    #[doc(hidden)]
    pub fn into_part(self) -> Result<reqwest::multipart::Part, String> {
        let mut part = match self.body {
            Content::Bytes(b) => {
                let len = b.len() as u64;
                reqwest::multipart::Part::stream_with_length(reqwest::Body::from(b), len)
            }
            Content::Stream {
                body,
                len: Some(len),
            } => reqwest::multipart::Part::stream_with_length(body, len),
            Content::Stream { body, len: None } => reqwest::multipart::Part::stream(body),
        };
        // A file part always carries a file name: servers tell files from
        // text fields by it.
        part = part.file_name(safe_file_name(self.file_name.as_deref()));
        if let Some(mime) = self.content_type {
            part = part
                .mime_str(&mime)
                .map_err(|_| format!("`{mime}` is not a valid content type"))?;
        }
        Ok(part)
    }
}

impl From<Vec<u8>> for FilePart {
    fn from(data: Vec<u8>) -> Self {
        Self::bytes(data)
    }
}

impl From<Bytes> for FilePart {
    fn from(data: Bytes) -> Self {
        Self::bytes(data)
    }
}

impl From<&'static [u8]> for FilePart {
    fn from(data: &'static [u8]) -> Self {
        Self::bytes(data)
    }
}

/// The file name as sent: control characters, quotes and backslashes would
/// break the part's header, so they become `_`; an empty name is `file`.
fn safe_file_name(name: Option<&str>) -> String {
    let cleaned: String = name
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_control() || c == '"' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_cannot_inject_part_headers() {
        assert_eq!(
            safe_file_name(Some("a\r\nContent-Type: x\".png")),
            "a__Content-Type: x_.png"
        );
        assert_eq!(safe_file_name(Some("photo.png")), "photo.png");
        assert_eq!(safe_file_name(None), "file");
        assert_eq!(safe_file_name(Some(" ")), "file");
    }
}
