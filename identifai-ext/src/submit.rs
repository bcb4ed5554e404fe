//! Submitting media: the six submission operations behind one call.

use identifai_api::types;

use crate::client::Client;
use crate::error::{Error, InputError, Result};
use crate::media::{self, Media, MediaKind, Prepared};
use crate::retry::Method;

/// How key frames of a video are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFramesMethod {
    /// The video's I-frames (the server's default).
    Iframes,
    /// The stillest frame of each shot.
    Flow,
    /// The average frame of each shot, by colour.
    Color,
}

impl KeyFramesMethod {
    fn as_str(self) -> &'static str {
        match self {
            Self::Iframes => "iframes",
            Self::Flow => "flow",
            Self::Color => "color",
        }
    }
}

/// Options of a submission. Each applies to some kinds of media only; one
/// that does not apply to the media submitted is refused before sending.
///
/// ```
/// use identifai_ext::SubmitOptions;
/// let options = SubmitOptions::new().ref_id("order-42").with_heatmap(true);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct SubmitOptions {
    /// A reference of your own, returned with the result (all media).
    pub ref_id: Option<String>,
    /// Where the result is also posted when ready, if the vendor enabled
    /// webhooks for the account (all media).
    pub webhook_url: Option<String>,
    /// Classify again even if the same file was classified before with the
    /// same options; may cost credits (not for uploaded videos).
    pub no_cache: Option<bool>,
    /// A C2PA signature no longer forces the verdict to artificial (images,
    /// video URLs, uploaded speech).
    pub prevent_c2pa_forces: Option<bool>,
    /// Also look for morphed faces (images, videos).
    pub with_morphing: Option<bool>,
    /// Also look for tampering done without AI (images, video URLs).
    pub with_tampering: Option<bool>,
    /// Also make an AI heatmap (images).
    pub with_heatmap: Option<bool>,
    /// Analyse at most 5, 10 or 30 frames (videos).
    pub frames: Option<u8>,
    /// Analyse key frames instead of evenly spaced ones (videos).
    pub key_frames: Option<bool>,
    /// How key frames are found (videos).
    pub key_frames_method: Option<KeyFramesMethod>,
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$name = Some(value.into());
            self
        }
    };
}

impl SubmitOptions {
    /// No options: the server's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    setter!(/// Sets [`SubmitOptions::ref_id`].
        ref_id: String);
    setter!(/// Sets [`SubmitOptions::webhook_url`].
        webhook_url: String);
    setter!(/// Sets [`SubmitOptions::no_cache`].
        no_cache: bool);
    setter!(/// Sets [`SubmitOptions::prevent_c2pa_forces`].
        prevent_c2pa_forces: bool);
    setter!(/// Sets [`SubmitOptions::with_morphing`].
        with_morphing: bool);
    setter!(/// Sets [`SubmitOptions::with_tampering`].
        with_tampering: bool);
    setter!(/// Sets [`SubmitOptions::with_heatmap`].
        with_heatmap: bool);
    setter!(/// Sets [`SubmitOptions::frames`] (5, 10 or 30).
        frames: u8);
    setter!(/// Sets [`SubmitOptions::key_frames`].
        key_frames: bool);
    setter!(/// Sets [`SubmitOptions::key_frames_method`].
        key_frames_method: KeyFramesMethod);

    /// The options set, by name.
    fn set(&self) -> Vec<&'static str> {
        let mut set = Vec::new();
        let mut mark = |name, is_set: bool| {
            if is_set {
                set.push(name)
            }
        };
        mark("ref_id", self.ref_id.is_some());
        mark("webhook_url", self.webhook_url.is_some());
        mark("no_cache", self.no_cache.is_some());
        mark("prevent_c2pa_forces", self.prevent_c2pa_forces.is_some());
        mark("with_morphing", self.with_morphing.is_some());
        mark("with_tampering", self.with_tampering.is_some());
        mark("with_heatmap", self.with_heatmap.is_some());
        mark("frames", self.frames.is_some());
        mark("key_frames", self.key_frames.is_some());
        mark("key_frames_method", self.key_frames_method.is_some());
        set
    }

    /// Refuses options the operation does not take, and bad values.
    fn check(&self, operation: Operation, subject: &str) -> Result<(), InputError> {
        if let Some(name) = self.set().into_iter().find(|name| !operation.accepts(name)) {
            return Err(InputError::new(
                subject,
                format!(
                    "the option `{name}` does not apply to {}",
                    operation.describe()
                ),
            ));
        }
        if let Some(frames) = self.frames
            && ![5, 10, 30].contains(&frames)
        {
            return Err(InputError::new(
                subject,
                format!("frames must be 5, 10 or 30, not {frames}"),
            ));
        }
        for (name, url) in [("webhook_url", &self.webhook_url)] {
            if let Some(url) = url
                && !url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            {
                return Err(InputError::new(
                    subject,
                    format!("{name} `{url}` is not an http(s) URL"),
                ));
            }
        }
        Ok(())
    }
}

/// The six submission operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Image,
    ImageUrl,
    Video,
    VideoUrl,
    Speech,
    SpeechUrl,
}

impl Operation {
    fn of(kind: MediaKind, by_url: bool) -> Self {
        match (kind, by_url) {
            (MediaKind::Image, false) => Self::Image,
            (MediaKind::Image, true) => Self::ImageUrl,
            (MediaKind::Video, false) => Self::Video,
            (MediaKind::Video, true) => Self::VideoUrl,
            (MediaKind::Speech, false) => Self::Speech,
            (MediaKind::Speech, true) => Self::SpeechUrl,
        }
    }

    fn id(self) -> &'static str {
        match self {
            Self::Image => "classify_image",
            Self::ImageUrl => "classify_image_url",
            Self::Video => "classify_video",
            Self::VideoUrl => "classify_video_url",
            Self::Speech => "classify_audio",
            Self::SpeechUrl => "classify_audio_url",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Image => "an uploaded image",
            Self::ImageUrl => "an image by URL",
            Self::Video => "an uploaded video",
            Self::VideoUrl => "a video by URL",
            Self::Speech => "an uploaded speech recording",
            Self::SpeechUrl => "a speech recording by URL",
        }
    }

    /// The documented fields of each operation.
    fn accepts(self, option: &str) -> bool {
        let fields: &[&str] = match self {
            Self::Image | Self::ImageUrl => &[
                "ref_id",
                "with_morphing",
                "with_tampering",
                "with_heatmap",
                "webhook_url",
                "no_cache",
                "prevent_c2pa_forces",
            ],
            Self::Video => &[
                "ref_id",
                "frames",
                "key_frames",
                "key_frames_method",
                "with_morphing",
                "webhook_url",
            ],
            Self::VideoUrl => &[
                "ref_id",
                "frames",
                "key_frames",
                "key_frames_method",
                "with_tampering",
                "with_morphing",
                "webhook_url",
                "no_cache",
                "prevent_c2pa_forces",
            ],
            Self::Speech => &["ref_id", "webhook_url", "no_cache", "prevent_c2pa_forces"],
            Self::SpeechUrl => &["ref_id", "webhook_url", "no_cache"],
        };
        fields.contains(&option)
    }
}

/// A submitted classification: what to wait for. It serialises as
/// `{"identifier": "…", "kind": "image"}`, to be kept and waited for later.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Submission {
    /// The identifier to fetch the result with.
    pub identifier: String,
    /// The kind of media, which decides where the result is fetched.
    pub kind: MediaKind,
}

/// Sets the options that are `Some` on a generated builder; the builders
/// differ in type but share these setter names.
macro_rules! with_options {
    ($builder:expr, $options:expr, [$($field:ident),*]) => {{
        let mut builder = $builder;
        $( if let Some(value) = $options.$field.clone() { builder = builder.$field(value); } )*
        builder
    }};
}

/// Sets the video options that are not plain values (frames, key frames
/// method) on a generated video builder.
macro_rules! with_frames {
    ($builder:expr, $frames:expr, $method:expr) => {{
        let mut builder = $builder;
        if let Some(frames) = $frames {
            builder = builder.frames(frames);
        }
        if let Some(method) = $method {
            builder = builder.key_frames_method(method);
        }
        builder
    }};
}

impl Client {
    /// Submits media for classification with the server's default options;
    /// returns what to wait for.
    pub async fn submit(&self, media: Media) -> Result<Submission> {
        self.submit_with(media, &SubmitOptions::default()).await
    }

    /// Submits media for classification. Every check that can be made
    /// before sending (the file, its format and size, the options) is made
    /// first; a failure sends nothing.
    pub async fn submit_with(&self, media: Media, options: &SubmitOptions) -> Result<Submission> {
        let subject = media.describe();
        let span = tracing::info_span!("identifai.submit", media = %subject, kind = tracing::field::Empty, identifier = tracing::field::Empty);
        let prepared = media::prepare(media).await?;
        let (kind, by_url) = match &prepared {
            Prepared::Upload(upload) => (upload.kind, false),
            Prepared::Url { kind, .. } => (*kind, true),
        };
        let operation = Operation::of(kind, by_url);
        options.check(operation, &subject)?;
        span.record("kind", tracing::field::display(kind));

        let answer = tracing::Instrument::instrument(
            self.send_submission(prepared, operation, options),
            span.clone(),
        )
        .await?;
        let identifier = answer
            .identifier
            .filter(|id| !id.is_empty())
            .ok_or_else(|| Error::Unexpected {
                status: None,
                message: "the submission was answered without an identifier".into(),
            })?;
        span.record("identifier", identifier.as_str());
        tracing::debug!(parent: &span, identifier = identifier.as_str(), "submitted");
        Ok(Submission { identifier, kind })
    }

    async fn send_submission(
        &self,
        prepared: Prepared,
        operation: Operation,
        o: &SubmitOptions,
    ) -> Result<types::IdentifierResponse> {
        let frames = o.frames.map(i64::from);
        let method = o.key_frames_method.map(KeyFramesMethod::as_str);
        match prepared {
            Prepared::Url { url, .. } => {
                let url = &url;
                self.call(operation.id(), Method::Post, || {
                    let api = self.api();
                    async move {
                        match operation {
                            Operation::ImageUrl => {
                                with_options!(
                                    api.classify_image_url().file_url(url.clone()),
                                    o,
                                    [
                                        ref_id,
                                        with_morphing,
                                        with_tampering,
                                        with_heatmap,
                                        webhook_url,
                                        no_cache,
                                        prevent_c2pa_forces
                                    ]
                                )
                                .send()
                                .await
                            }
                            Operation::VideoUrl => {
                                let b = with_options!(
                                    api.classify_video_url().file_url(url.clone()),
                                    o,
                                    [
                                        ref_id,
                                        key_frames,
                                        with_tampering,
                                        with_morphing,
                                        webhook_url,
                                        no_cache,
                                        prevent_c2pa_forces
                                    ]
                                );
                                with_frames!(b, frames, method).send().await
                            }
                            _ => {
                                with_options!(
                                    api.classify_audio_url().file_url(url.clone()),
                                    o,
                                    [ref_id, webhook_url, no_cache]
                                )
                                .send()
                                .await
                            }
                        }
                    }
                })
                .await
            }
            Prepared::Upload(mut upload) => {
                let mut attempts = self.attempts(operation.id(), Method::Post, upload.replayable());
                loop {
                    let part = upload.file_part().await?;
                    attempts.before().await;
                    let api = self.api();
                    let send = async {
                        match operation {
                            Operation::Image => {
                                with_options!(
                                    api.classify_image().image(part),
                                    o,
                                    [
                                        ref_id,
                                        with_morphing,
                                        with_tampering,
                                        with_heatmap,
                                        webhook_url,
                                        no_cache,
                                        prevent_c2pa_forces
                                    ]
                                )
                                .send()
                                .await
                            }
                            Operation::Video => {
                                let b = with_options!(
                                    api.classify_video().video(part),
                                    o,
                                    [ref_id, key_frames, with_morphing, webhook_url]
                                );
                                with_frames!(b, frames, method).send().await
                            }
                            _ => {
                                with_options!(
                                    api.classify_audio().audio(part),
                                    o,
                                    [ref_id, webhook_url, no_cache, prevent_c2pa_forces]
                                )
                                .send()
                                .await
                            }
                        }
                    };
                    let result = tracing::Instrument::instrument(send, attempts.span()).await;
                    if let Some(answer) = attempts.after(result).await? {
                        return Ok(answer);
                    }
                }
            }
        }
    }
}
