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

#[cfg(test)]
mod checks;
mod kind;
mod limited;
mod prepare;
mod sniff;
mod source;
#[cfg(test)]
mod tests;

pub use kind::MediaKind;
use limited::*;
pub(crate) use prepare::{Prepared, prepare};
use sniff::*;
use source::*;
pub use source::{Media, redact_url};
