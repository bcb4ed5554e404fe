//! Unit tests of the media internals.

use super::prepare::size_text;
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
