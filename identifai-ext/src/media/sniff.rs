//! The format and kind of content, from its first bytes.

use super::*;

/// A format recognised from the first bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Sniffed {
    /// The MIME type as the sniffer names it, such as `audio/x-wav`.
    mime: &'static str,
    /// For messages, such as "WAV audio".
    label: String,
}

/// The format of the content whose first bytes are `head`, if known.
pub(super) fn sniff(head: &[u8]) -> Option<Sniffed> {
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
pub(super) fn is_mp3_frame(head: &[u8]) -> bool {
    if head.len() < 4 || head[0] != 0xFF || head[1] & 0xE0 != 0xE0 {
        return false;
    }
    let version = (head[1] >> 3) & 0b11;
    let layer = (head[1] >> 1) & 0b11;
    let bitrate = head[2] >> 4;
    let sample_rate = (head[2] >> 2) & 0b11;
    version != 0b01 && layer == 0b01 && bitrate != 0b1111 && sample_rate != 0b11
}

pub(super) fn format_name(extension: &str) -> String {
    match extension {
        "jpg" => "JPEG".to_string(),
        "tif" => "TIFF".to_string(),
        "webp" => "WebP".to_string(),
        other => other.to_ascii_uppercase(),
    }
}

pub(super) fn matcher_noun(kind: infer::MatcherType) -> &'static str {
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
pub(super) fn looks_like_text(head: &[u8]) -> bool {
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
pub(super) fn mime_for(kind: MediaKind, mime: &'static str) -> Option<&'static str> {
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
pub(super) fn natural_kind(mime: &'static str) -> Option<MediaKind> {
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
pub(super) fn resolve(
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

pub(super) fn not_accepted(subject: &str, detected: &str) -> InputError {
    InputError::new(
        subject,
        format!(
            "its content is not an image, video or speech format identifAI accepts \
             ({detected}); {ACCEPTED_ALL}"
        ),
    )
}
