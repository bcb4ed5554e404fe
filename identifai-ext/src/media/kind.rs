//! The kinds of media, their limits, and how they are named in messages.

use super::*;

/// What kind of media: decides the operation, the formats and the limit.
/// It serialises in lowercase, as it displays (`image`, `video`, `speech`).
///
/// `Speech` is what the API calls `audio` (`/api/classification_audio`,
/// [`crate::types::AudioClassification`], [`crate::types::ApiMediaKind::Audio`]):
/// the service judges voices, not music or other sound. The generated
/// [`crate::types::ApiMediaKind`] is the API's own field (it may hold a
/// kind this SDK does not know); use this one everywhere else.
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
    pub(super) fn plural(self) -> &'static str {
        match self {
            Self::Image => "images",
            Self::Video => "videos",
            Self::Speech => "speech recordings",
        }
    }

    /// "given as an image", as in messages.
    pub(super) fn given_as(self) -> &'static str {
        match self {
            Self::Image => "an image",
            Self::Video => "a video",
            Self::Speech => "speech",
        }
    }

    /// "not an image format", as in messages.
    pub(super) fn format_noun(self) -> &'static str {
        match self {
            Self::Image => "an image",
            Self::Video => "a video",
            Self::Speech => "a speech",
        }
    }

    /// The formats accepted for this kind.
    pub(super) fn accepted(self) -> &'static str {
        match self {
            Self::Image => "accepted images: PNG, JPEG, GIF, WebP, TIFF",
            Self::Video => "accepted video: any video format (MP4, MOV, WebM, MKV, AVI …)",
            Self::Speech => "accepted speech: MP3, WAV, OGG, FLAC, AAC, 3GP, M4A, MP4",
        }
    }

    /// The variant's name, as the caller writes it.
    pub(super) fn variant(self) -> &'static str {
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
