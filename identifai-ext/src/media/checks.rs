//! Media input (the crate's own tests of its internals): what `prepare` refuses before a byte is sent (and how it
//! says so), the kind and MIME type sniffed from real headers, and parts
//! that reach a mock server intact, once or again.
//!
//! The headers are built here, a few bytes each; the oversize files are
//! sparse, so no test writes megabytes to disk.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use super::prepare::{Prepared, Upload, prepare};
use super::{Media, MediaKind};
use crate::{Error, InputError};
use bytes::Bytes;
use futures_util::stream;
use httpmock::MockServer;
use identifai_api::Client;
use identifai_api::mock::MockServerExt;

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

const IDENTIFIER: &str = r#"{"identifier": "8d64370a87b8"}"#;

// Helpers.

/// A directory of its own under the temporary directory, removed when
/// dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("identifai-media-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("the temporary directory is created");
        Self(path)
    }

    fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("the file is written");
        path
    }

    /// A file that starts with `head` and is `len` bytes long, without
    /// writing them: the rest is a hole.
    fn sparse(&self, name: &str, head: &[u8], len: u64) -> PathBuf {
        let path = self.file(name, head);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_len(len))
            .expect("the file is extended");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

async fn accepted(media: Media) -> Upload {
    match prepare(media).await {
        Ok(Prepared::Upload(upload)) => upload,
        other => panic!("expected an upload, got {other:?}"),
    }
}

async fn refused(media: Media) -> InputError {
    match prepare(media).await {
        Err(Error::InvalidInput(error)) => error,
        other => panic!("expected an input error, got {other:?}"),
    }
}

fn assert_mentions(problem: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            problem.contains(part),
            "{problem:?} does not mention {part:?}"
        );
    }
}

fn client(server: &MockServer) -> Client {
    Client::with_api_key(&server.base_url(), "k").expect("a loopback URL is accepted")
}

// Headers: just enough of each format for a sniffer, then filler.

/// `head` followed by filler bytes, `len` bytes in all.
fn padded(head: &[u8], len: usize) -> Vec<u8> {
    let mut data = head.to_vec();
    data.extend((data.len()..len).map(|i| (i % 251) as u8));
    data
}

fn png() -> Vec<u8> {
    padded(
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0",
        64,
    )
}

fn jpeg() -> Vec<u8> {
    padded(
        b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0",
        64,
    )
}

fn gif() -> Vec<u8> {
    padded(b"GIF89a\x01\0\x01\0\x80\0\0", 64)
}

/// A RIFF file of form `form` whose first chunk is `chunk`.
fn riff(form: &[u8; 4], chunk: &[u8; 4]) -> Vec<u8> {
    let mut data = b"RIFF".to_vec();
    data.extend_from_slice(&56u32.to_le_bytes());
    data.extend_from_slice(form);
    data.extend_from_slice(chunk);
    padded(&data, 64)
}

fn webp() -> Vec<u8> {
    riff(b"WEBP", b"VP8 ")
}

fn wav() -> Vec<u8> {
    riff(b"WAVE", b"fmt ")
}

fn tiff_little_endian() -> Vec<u8> {
    padded(b"II*\0\x08\0\0\0\0\0", 64)
}

fn tiff_big_endian() -> Vec<u8> {
    padded(b"MM\0*\0\0\0\x08\0\0", 64)
}

fn bmp() -> Vec<u8> {
    padded(b"BM\x46\0\0\0\0\0\0\0\x36\0\0\0", 64)
}

fn mp3_id3() -> Vec<u8> {
    padded(b"ID3\x04\0\0\0\0\0\0\xFF\xFB\x90\x64", 64)
}

fn mp3_frame() -> Vec<u8> {
    padded(b"\xFF\xFB\x90\x64\0\0\0\0", 64)
}

/// An MPEG-1 layer III frame with a CRC, which `infer` alone misses.
fn mp3_frame_with_crc() -> Vec<u8> {
    padded(b"\xFF\xFA\x90\x64\0\0\0\0", 64)
}

/// An OGG page whose first packet starts with `codec`.
fn ogg(codec: &[u8]) -> Vec<u8> {
    let mut data = b"OggS\0\x02".to_vec();
    data.resize(28, 0);
    data.extend_from_slice(codec);
    padded(&data, 64)
}

fn flac() -> Vec<u8> {
    padded(b"fLaC\0\0\0\x22", 64)
}

fn aac() -> Vec<u8> {
    padded(b"\xFF\xF1\x50\x80\x02\x1F\xFC", 64)
}

/// An ISO media file (MP4 and relatives) with this major brand.
fn ftyp(brand: &[u8; 4]) -> Vec<u8> {
    let mut data = vec![0, 0, 0, 0x18];
    data.extend_from_slice(b"ftyp");
    data.extend_from_slice(brand);
    data.extend_from_slice(&[0, 0, 2, 0]);
    data.extend_from_slice(b"isommp41");
    padded(&data, 64)
}

fn mp4() -> Vec<u8> {
    ftyp(b"isom")
}

fn webm() -> Vec<u8> {
    padded(
        b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\x82\x84webm",
        300,
    )
}

// What is refused, and how.

#[tokio::test]
async fn a_missing_file_is_refused_with_its_path() {
    let dir = TempDir::new("missing");
    let path = dir.0.join("nowhere.png");
    let error = refused(Media::path(&path)).await;
    assert_eq!(error.subject, shown(&path));
    assert_mentions(&error.problem, &["no such file"]);
    assert_eq!(
        error.to_string(),
        format!("{}: {}", shown(&path), error.problem)
    );
}

#[tokio::test]
async fn a_directory_is_refused_with_a_pointer_to_batches() {
    let dir = TempDir::new("directory");
    let error = refused(Media::path(&dir.0)).await;
    assert_eq!(error.subject, shown(&dir.0));
    assert_mentions(
        &error.problem,
        &["is a directory", "pass a file", "use a batch"],
    );
}

#[tokio::test]
async fn an_empty_file_is_refused() {
    let dir = TempDir::new("empty");
    let path = dir.file("blank.png", b"");
    let error = refused(Media::path(&path)).await;
    assert_eq!(error.subject, shown(&path));
    assert_mentions(&error.problem, &["is empty (0 bytes)"]);
}

#[cfg(unix)]
#[tokio::test]
async fn an_unreadable_file_is_an_io_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new("unreadable");
    let path = dir.file("secret.png", &png());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::File::open(&path).is_ok() {
        // Running as root: permissions do not stop reading.
        eprintln!("skipped: this user can read a file with mode 000");
        return;
    }
    match prepare(Media::path(&path)).await {
        Err(error @ Error::Io { .. }) => {
            let Error::Io {
                action,
                path: failed,
                ..
            } = &error
            else {
                unreachable!()
            };
            assert_eq!(*action, "read");
            assert_eq!(failed, &path);
            assert!(error.to_string().contains(&shown(&path)), "{error}");
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_text_file_named_png_is_refused_listing_what_is_accepted() {
    let dir = TempDir::new("text");
    let path = dir.file("photo.png", b"Hello, I am not a picture.\nReally not.\n");
    let error = refused(Media::path(&path)).await;
    assert_eq!(error.subject, shown(&path));
    assert_mentions(
        &error.problem,
        &[
            "its content is not an image, video or speech format identifAI accepts",
            "(it looks like text)",
            "images PNG, JPEG, GIF, WebP, TIFF",
            "video any video format",
            "speech MP3, WAV, OGG, FLAC, AAC, 3GP, M4A, MP4",
        ],
    );
}

#[tokio::test]
async fn binary_content_of_no_known_format_is_refused() {
    let error = refused(Media::bytes(vec![0u8, 1, 2, 3, 250, 251, 252], "blob.jpg")).await;
    assert_eq!(error.subject, "blob.jpg");
    assert_mentions(
        &error.problem,
        &[
            "its first bytes match no known format",
            "accepted: images PNG",
        ],
    );
}

#[tokio::test]
async fn a_known_format_the_service_does_not_take_is_named_in_the_refusal() {
    let error = refused(Media::bytes(bmp(), "scan.bmp")).await;
    assert_mentions(
        &error.problem,
        &[
            "not an image, video or speech format",
            "BMP image, image/bmp",
            "PNG, JPEG",
        ],
    );
    let error = refused(Media::bytes(padded(b"%PDF-1.7\n", 64), "scan.pdf")).await;
    assert_mentions(&error.problem, &["application/pdf"]);
}

#[tokio::test]
async fn an_image_over_50_mb_is_refused_with_its_size_and_the_limit() {
    let dir = TempDir::new("big-image");
    let path = dir.sparse("huge.png", &png(), 60 * MIB);
    let error = refused(Media::path(&path)).await;
    assert_eq!(error.subject, shown(&path));
    assert_eq!(error.problem, "is 60.0 MB; the limit for images is 50 MB");
}

#[tokio::test]
async fn an_image_of_exactly_50_mb_is_accepted() {
    let dir = TempDir::new("limit-image");
    let path = dir.sparse("edge.png", &png(), 50 * MIB);
    let upload = accepted(Media::path(&path)).await;
    assert_eq!(upload.kind, MediaKind::Image);
    assert_eq!(upload.len, Some(50 * MIB));
}

#[tokio::test]
async fn one_byte_over_the_limit_is_shown_in_bytes() {
    let dir = TempDir::new("big-speech");
    let path = dir.sparse("call.wav", &wav(), 50 * MIB + 1);
    let error = refused(Media::path(&path)).await;
    assert_eq!(
        error.problem,
        "is 52428801 bytes; the limit for speech recordings is 50 MB (52428800 bytes)"
    );
}

#[tokio::test]
async fn a_video_over_5_gb_is_refused() {
    let dir = TempDir::new("big-video");
    let path = dir.sparse("film.mp4", &mp4(), 6 * GIB);
    let error = refused(Media::path(&path)).await;
    assert_eq!(error.problem, "is 6.0 GB; the limit for videos is 5 GB");

    // The same size is fine for nothing else, and 60 MB is fine for video.
    let path = dir.sparse("clip.mp4", &mp4(), 60 * MIB);
    let upload = accepted(Media::path(&path)).await;
    assert_eq!(
        (upload.kind, upload.len),
        (MediaKind::Video, Some(60 * MIB))
    );
}

#[tokio::test]
async fn a_reader_whose_given_length_is_over_the_limit_is_refused() {
    let content = padded(&png(), 16 * 1024);
    let error = refused(Media::reader(
        Cursor::new(content),
        "big.png",
        Some(60 * MIB),
    ))
    .await;
    assert_eq!(error.subject, "big.png");
    assert_eq!(error.problem, "is 60.0 MB; the limit for images is 50 MB");
}

#[tokio::test]
async fn with_a_kind_given_an_oversize_length_is_refused_before_reading() {
    // Reading this stream would fail: the refusal comes first.
    let failing = stream::iter(vec![Err::<Bytes, _>(std::io::Error::other("not read"))]);
    let media = Media::stream(failing, "film.mp4", Some(6 * GIB)).kind(MediaKind::Video);
    let error = refused(media).await;
    assert_eq!(error.problem, "is 6.0 GB; the limit for videos is 5 GB");
}

#[tokio::test]
async fn a_kind_given_against_the_content_is_refused_naming_both() {
    let error = refused(Media::bytes(wav(), "voice.wav").kind(MediaKind::Image)).await;
    assert_eq!(error.subject, "voice.wav");
    assert_mentions(
        &error.problem,
        &[
            "was given as an image (MediaKind::Image)",
            "its content is WAV audio (audio/x-wav)",
            "accepted images: PNG, JPEG, GIF, WebP, TIFF",
            "leave out .kind(MediaKind::Image) to send it as speech",
        ],
    );

    let error = refused(Media::bytes(ftyp(b"qt  "), "call.mov").kind(MediaKind::Speech)).await;
    assert_mentions(
        &error.problem,
        &[
            "was given as speech",
            "MOV video (video/quicktime)",
            "accepted speech: MP3, WAV, OGG, FLAC, AAC, 3GP, M4A, MP4",
            "to send it as a video",
        ],
    );

    let error = refused(Media::bytes(ftyp(b"M4A "), "song.m4a").kind(MediaKind::Video)).await;
    assert_mentions(
        &error.problem,
        &["was given as a video", "M4A audio", "accepted video"],
    );

    let error = refused(Media::bytes(png(), "still.png").kind(MediaKind::Video)).await;
    assert_mentions(
        &error.problem,
        &["PNG image (image/png)", "to send it as an image"],
    );
}

#[tokio::test]
async fn a_kind_given_for_unrecognised_content_says_what_that_kind_accepts() {
    let media = Media::bytes(&b"just some words"[..], "notes.mp4").kind(MediaKind::Video);
    let error = refused(media).await;
    assert_mentions(
        &error.problem,
        &[
            "was given as a video, but its content is not a video format identifAI accepts",
            "it looks like text",
            "accepted video: any video format",
        ],
    );
}

#[tokio::test]
async fn empty_bytes_readers_and_streams_are_refused() {
    let error = refused(Media::bytes(Vec::<u8>::new(), "nothing.png")).await;
    assert_eq!(error.subject, "nothing.png");
    assert_mentions(&error.problem, &["is empty (0 bytes)"]);

    let error = refused(Media::reader(Cursor::new(Vec::<u8>::new()), "in.wav", None)).await;
    assert_eq!(error.subject, "in.wav");
    assert_mentions(&error.problem, &["is empty (0 bytes)"]);

    let empty = stream::iter(Vec::<std::io::Result<Bytes>>::new());
    let error = refused(Media::stream(empty, "feed.mp4", None)).await;
    assert_mentions(&error.problem, &["is empty (0 bytes)"]);

    let error = refused(Media::reader(Cursor::new(png()), "zero.png", Some(0))).await;
    assert_mentions(&error.problem, &["is empty (0 bytes)"]);
}

#[tokio::test]
async fn a_short_stream_with_the_wrong_length_is_refused() {
    let content = png();
    let error = refused(Media::reader(
        Cursor::new(content.clone()),
        "a.png",
        Some(1000),
    ))
    .await;
    assert_eq!(
        error.problem,
        format!(
            "holds {} bytes, but its length was given as 1000; pass its exact length, or None \
             when it is not known",
            content.len()
        )
    );
}

#[tokio::test]
async fn a_stream_that_fails_while_sniffed_is_an_io_error() {
    let failing = stream::iter(vec![
        Ok(Bytes::from(png())),
        Err(std::io::Error::other("connection reset")),
    ]);
    match prepare(Media::stream(failing, "camera-feed", None)).await {
        Err(Error::Io {
            action,
            path,
            source,
        }) => {
            assert_eq!(action, "read");
            assert_eq!(path, PathBuf::from("camera-feed"));
            assert_eq!(source.to_string(), "connection reset");
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[tokio::test]
async fn urls_must_be_absolute_http_or_https() {
    for (url, says) in [
        ("ftp://files.example.com/clip.mp4", "its scheme is `ftp`"),
        ("file:///home/me/photo.png", "its scheme is `file`"),
        ("photo.jpg", "relative URL without a base"),
        ("https://", "empty host"),
        ("not a url at all", "relative URL without a base"),
    ] {
        let error = refused(Media::url(url, MediaKind::Image)).await;
        assert_eq!(error.subject, url);
        assert_mentions(
            &error.problem,
            &[
                "is not an http(s) URL",
                says,
                "https://example.com/photo.jpg",
            ],
        );
    }
    let error = refused(Media::url("", MediaKind::Video)).await;
    assert_eq!(error.subject, "(empty URL)");
}

#[tokio::test]
async fn a_url_is_passed_on_with_its_kind_and_nothing_downloaded() {
    // Nothing listens on this port: a download would fail.
    let url = "http://127.0.0.1:9/media/clip one.mp4?sig=a%2Fb";
    match prepare(Media::url(url, MediaKind::Video)).await {
        Ok(Prepared::Url { url, kind }) => {
            assert_eq!(url, "http://127.0.0.1:9/media/clip%20one.mp4?sig=a%2Fb");
            assert_eq!(kind, MediaKind::Video);
        }
        other => panic!("expected a URL, got {other:?}"),
    }
    let media =
        Media::url("https://example.com/call.mp4", MediaKind::Video).kind(MediaKind::Speech);
    let prepared = prepare(media).await.expect("a valid URL");
    assert!(
        matches!(
            prepared,
            Prepared::Url {
                kind: MediaKind::Speech,
                ..
            }
        ),
        "{prepared:?}"
    );
}

// Sniffing.

#[tokio::test]
async fn formats_are_sniffed_from_real_headers() {
    let cases: Vec<(&str, Vec<u8>, MediaKind, &str)> = vec![
        ("PNG", png(), MediaKind::Image, "image/png"),
        ("JPEG", jpeg(), MediaKind::Image, "image/jpeg"),
        ("GIF", gif(), MediaKind::Image, "image/gif"),
        ("WebP", webp(), MediaKind::Image, "image/webp"),
        (
            "TIFF (II)",
            tiff_little_endian(),
            MediaKind::Image,
            "image/tiff",
        ),
        (
            "TIFF (MM)",
            tiff_big_endian(),
            MediaKind::Image,
            "image/tiff",
        ),
        ("MP3 (ID3)", mp3_id3(), MediaKind::Speech, "audio/mpeg"),
        (
            "MP3 (frame sync)",
            mp3_frame(),
            MediaKind::Speech,
            "audio/mpeg",
        ),
        (
            "MP3 (frame with CRC)",
            mp3_frame_with_crc(),
            MediaKind::Speech,
            "audio/mpeg",
        ),
        ("WAV", wav(), MediaKind::Speech, "audio/wav"),
        (
            "OGG Vorbis",
            ogg(b"\x01vorbis"),
            MediaKind::Speech,
            "audio/ogg",
        ),
        ("OGG Opus", ogg(b"OpusHead"), MediaKind::Speech, "audio/ogg"),
        ("FLAC", flac(), MediaKind::Speech, "audio/flac"),
        ("AAC (ADTS)", aac(), MediaKind::Speech, "audio/aac"),
        ("M4A", ftyp(b"M4A "), MediaKind::Speech, "audio/m4a"),
        ("3GP", ftyp(b"3gp4"), MediaKind::Speech, "audio/3gpp"),
        ("MP4 (isom)", mp4(), MediaKind::Video, "video/mp4"),
        ("MP4 (mp42)", ftyp(b"mp42"), MediaKind::Video, "video/mp4"),
        ("MOV", ftyp(b"qt  "), MediaKind::Video, "video/quicktime"),
        ("WebM", webm(), MediaKind::Video, "video/webm"),
        (
            "AVI",
            riff(b"AVI ", b"LIST"),
            MediaKind::Video,
            "video/x-msvideo",
        ),
    ];
    for (format, data, kind, mime) in cases {
        let len = data.len() as u64;
        let upload = accepted(Media::bytes(data, "upload.bin")).await;
        assert_eq!(
            (upload.kind, upload.mime.as_str()),
            (kind, mime),
            "{format} is sniffed wrongly"
        );
        assert_eq!(upload.name, "upload.bin", "{format}");
        assert_eq!(upload.len, Some(len), "{format}");
    }
}

#[tokio::test]
async fn the_kind_comes_from_the_content_not_the_extension() {
    let dir = TempDir::new("extension");
    let path = dir.file("photo.mp3", &png());
    let upload = accepted(Media::path(&path)).await;
    assert_eq!(upload.kind, MediaKind::Image);
    assert_eq!(upload.mime, "image/png");
    assert_eq!(upload.name, "photo.mp3", "the name is the file's, as it is");
    assert_eq!(upload.len, Some(png().len() as u64));

    let upload = accepted(Media::bytes(wav(), "clip.mp4")).await;
    assert_eq!(
        (upload.kind, upload.mime.as_str()),
        (MediaKind::Speech, "audio/wav")
    );
}

#[tokio::test]
async fn an_mp4_is_a_video_unless_speech_is_asked_for() {
    let as_video = accepted(Media::bytes(mp4(), "call.mp4")).await;
    assert_eq!(
        (as_video.kind, as_video.mime.as_str()),
        (MediaKind::Video, "video/mp4")
    );

    let as_speech = accepted(Media::bytes(mp4(), "call.mp4").kind(MediaKind::Speech)).await;
    assert_eq!(as_speech.kind, MediaKind::Speech);
    assert_eq!(as_speech.mime, "video/mp4");
}

#[tokio::test]
async fn a_3gp_is_speech_unless_video_is_asked_for() {
    let as_video = accepted(Media::bytes(ftyp(b"3gp5"), "clip.3gp").kind(MediaKind::Video)).await;
    assert_eq!(
        (as_video.kind, as_video.mime.as_str()),
        (MediaKind::Video, "video/3gpp")
    );
}

#[tokio::test]
async fn a_kind_given_that_fits_the_content_is_kept() {
    let speech = accepted(Media::bytes(wav(), "a.wav").kind(MediaKind::Speech)).await;
    assert_eq!(
        (speech.kind, speech.mime.as_str()),
        (MediaKind::Speech, "audio/wav")
    );
    let image = accepted(Media::bytes(jpeg(), "a.jpg").kind(MediaKind::Image)).await;
    assert_eq!(
        (image.kind, image.mime.as_str()),
        (MediaKind::Image, "image/jpeg")
    );
}

#[tokio::test]
async fn a_stream_sniffed_across_small_chunks() {
    // The header arrives a few bytes at a time; all of it is sniffed.
    let content = png();
    let chunks: Vec<std::io::Result<Bytes>> = content
        .chunks(3)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let upload = accepted(Media::stream(stream::iter(chunks), "tiles.png", None)).await;
    assert_eq!(upload.kind, MediaKind::Image);
    assert_eq!(
        upload.len,
        Some(content.len() as u64),
        "a stream that ends while sniffed has a known length"
    );
}

// Parts, once or again.

#[tokio::test]
async fn paths_and_bytes_are_replayable_readers_and_streams_are_not() {
    let dir = TempDir::new("replayable");
    let path = dir.file("a.png", &png());
    assert!(accepted(Media::path(&path)).await.replayable());
    assert!(accepted(Media::bytes(png(), "a.png")).await.replayable());
    assert!(
        !accepted(Media::reader(Cursor::new(png()), "a.png", None))
            .await
            .replayable()
    );
    let chunks = stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from(png()))]);
    assert!(
        !accepted(Media::stream(chunks, "a.png", None))
            .await
            .replayable()
    );
}

#[tokio::test]
async fn a_file_is_opened_again_for_every_part_and_sent_whole_each_time() {
    // Several read chunks long, with every byte value.
    let content = padded(&png(), 200_000);
    let dir = TempDir::new("twice");
    let path = dir.file("portrait.png", &content);
    let server = MockServer::start_async().await;
    let mock = server.classify_image(|when, then| {
        when.image(content.clone())
            .image_file_name("portrait.png")
            .image_content_type("image/png");
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .body(IDENTIFIER);
    });
    let client = client(&server);

    let mut upload = accepted(Media::path(&path)).await;
    for attempt in 1..=2 {
        let part = upload.file_part().await.expect("the part is built");
        assert_eq!(part.len(), Some(content.len() as u64));
        assert_eq!(part.get_file_name(), Some("portrait.png"));
        assert_eq!(part.get_content_type(), Some("image/png"));
        client
            .classify_image()
            .image(part)
            .send()
            .await
            .unwrap_or_else(|e| panic!("attempt {attempt} fails: {e}"));
    }
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn bytes_give_a_fresh_part_every_time() {
    let content = jpeg();
    let server = MockServer::start_async().await;
    let mock = server.classify_image(|when, then| {
        when.image(content.clone())
            .image_file_name("face.jpg")
            .image_content_type("image/jpeg");
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .body(IDENTIFIER);
    });
    let client = client(&server);

    let mut upload = accepted(Media::bytes(content.clone(), "face.jpg")).await;
    for _ in 0..2 {
        let part = upload.file_part().await.expect("the part is built");
        client
            .classify_image()
            .image(part)
            .send()
            .await
            .expect("sent");
    }
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn a_reader_is_sent_once_head_and_rest_together() {
    // Longer than the sniffed head, so the head is sent first and the rest
    // is read while sending.
    let content = padded(&wav(), 100_000);
    let server = MockServer::start_async().await;
    let mock = server.classify_audio(|when, then| {
        when.audio(content.clone())
            .audio_file_name("call.wav")
            .audio_content_type("audio/wav");
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .body(IDENTIFIER);
    });

    let mut upload = accepted(Media::reader(
        Cursor::new(content.clone()),
        "call.wav",
        None,
    ))
    .await;
    assert_eq!(upload.kind, MediaKind::Speech);
    assert_eq!(upload.len, None, "the length is not known before the end");
    let part = upload.file_part().await.expect("the first part");
    client(&server)
        .classify_audio()
        .audio(part)
        .send()
        .await
        .expect("sent");
    mock.assert_async().await;

    match upload.file_part().await {
        Err(Error::InvalidInput(error)) => {
            assert_eq!(error.subject, "call.wav");
            assert_mentions(
                &error.problem,
                &["was already sent once", "Media::path or Media::bytes"],
            );
        }
        other => panic!("expected a refusal to send again, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stream_of_known_length_is_sent_with_it() {
    let content = padded(&mp4(), 50_000);
    let chunks: Vec<std::io::Result<Bytes>> = content
        .chunks(7_000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let server = MockServer::start_async().await;
    let mock = server.classify_video(|when, then| {
        when.video(content.clone())
            .video_file_name("clip.mp4")
            .video_content_type("video/mp4");
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .body(IDENTIFIER);
    });
    let media = Media::stream(stream::iter(chunks), "clip.mp4", Some(content.len() as u64));
    let mut upload = accepted(media).await;
    assert_eq!(upload.len, Some(content.len() as u64));
    let part = upload.file_part().await.expect("the part");
    assert_eq!(part.len(), Some(content.len() as u64));
    client(&server)
        .classify_video()
        .video(part)
        .send()
        .await
        .expect("sent");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_stream_longer_than_its_given_length_fails_while_sending() {
    let content = padded(&png(), 40_000);
    let server = MockServer::start_async().await;
    server.classify_image(|_, then| {
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .body(IDENTIFIER);
    });
    let media = Media::reader(Cursor::new(content), "long.png", Some(20_000));
    let mut upload = accepted(media).await;
    let part = upload.file_part().await.expect("the part");
    let error = client(&server)
        .classify_image()
        .image(part)
        .send()
        .await
        .expect_err("the body fails");
    let mut chain = Vec::new();
    let mut cause: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = cause {
        chain.push(e.to_string());
        cause = e.source();
    }
    assert!(
        chain
            .iter()
            .any(|m| m.contains("long.png: is longer than its given length of 20000")),
        "{chain:?}"
    );
}

// Names, descriptions, debug output.

#[test]
fn media_describe_themselves_by_path_name_or_url() {
    assert_eq!(Media::path("/data/in/a.png").describe(), "/data/in/a.png");
    assert_eq!(Media::bytes(png(), "a.png").describe(), "a.png");
    assert_eq!(Media::bytes(png(), "").describe(), "(unnamed input)");
    assert_eq!(
        Media::reader(Cursor::new(png()), "pipe.png", None).describe(),
        "pipe.png"
    );
    assert_eq!(
        Media::url("https://example.com/a.png", MediaKind::Image).describe(),
        "https://example.com/a.png"
    );
}

#[tokio::test]
async fn an_unnamed_input_is_sent_as_file() {
    let upload = accepted(Media::bytes(png(), "")).await;
    assert_eq!(upload.name, "file");
}

#[test]
fn debug_output_never_dumps_the_content() {
    let media = Media::bytes(vec![0xABu8; 1000], "secret.png");
    let shown = format!("{media:?}");
    assert!(
        shown.contains("secret.png") && shown.contains("1000"),
        "{shown}"
    );
    assert!(!shown.contains("171"), "the bytes leak: {shown}");

    let shown = format!(
        "{:?}",
        Media::reader(Cursor::new(vec![0xABu8; 10]), "r", Some(10))
    );
    assert!(!shown.contains("171"), "{shown}");
}

#[tokio::test]
async fn upload_debug_output_never_dumps_the_content() {
    let upload = accepted(Media::bytes(padded(&png(), 1000), "p.png")).await;
    let shown = format!("{upload:?}");
    assert!(shown.contains("1000 bytes in memory"), "{shown}");
    assert!(!shown.contains("137"), "the bytes leak: {shown}");
}

#[test]
fn kinds_have_their_limits_and_names() {
    assert_eq!(MediaKind::Image.max_bytes(), 52_428_800);
    assert_eq!(MediaKind::Speech.max_bytes(), 52_428_800);
    assert_eq!(MediaKind::Video.max_bytes(), 5_368_709_120);
    assert_eq!(MediaKind::Image.limit_text(), "50 MB");
    assert_eq!(MediaKind::Speech.limit_text(), "50 MB");
    assert_eq!(MediaKind::Video.limit_text(), "5 GB");
    assert_eq!(MediaKind::Image.to_string(), "image");
    assert_eq!(MediaKind::Video.to_string(), "video");
    assert_eq!(MediaKind::Speech.to_string(), "speech");
}

#[test]
fn media_and_uploads_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Media>();
    send_sync::<Upload>();
    send_sync::<Prepared>();
}
