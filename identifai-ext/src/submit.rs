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

/// Declares each typed option once: the public field (named as the form
/// field it sets in the spec), its setter, and its line in [`OPTIONS`]
/// (how its value becomes text). An option cannot be declared and then
/// forgotten on the way to the wire.
macro_rules! submit_options {
    (
        $(#[$meta:meta])*
        pub struct $options:ident {
            $( $(#[$doc:meta])* $name:ident: $ty:ty => $text:expr, )*
        }
    ) => {
        $(#[$meta])*
        pub struct $options {
            $( $(#[$doc])* pub $name: Option<$ty>, )*
            /// Fields sent as given ([`SubmitOptions::extra`]).
            extra: Vec<(String, String)>,
        }

        impl $options {
            $(
                #[doc = concat!("Sets [`SubmitOptions::", stringify!($name), "`].")]
                pub fn $name(mut self, value: impl Into<$ty>) -> Self {
                    self.$name = Some(value.into());
                    self
                }
            )*
        }

        /// Every typed option, once: the name of the form field it sets (as
        /// in the spec, and as [`SubmitOptions`] names it) and its value as
        /// text. Which operations take it is the spec's
        /// [`identifai_api::form_fields`].
        const OPTIONS: &[(&str, ToText)] = &[
            $( (stringify!($name), |o| o.$name.as_ref().map($text)), )*
        ];
    };
}

submit_options! {
    /// Options of a submission. Each applies to some kinds of media only; one
    /// that does not apply to the media submitted (the operation's fields in the
    /// spec, [`identifai_api::form_fields`]) is refused before sending.
    ///
    /// ```
    /// use identifai_ext::SubmitOptions;
    /// let options = SubmitOptions::new().ref_id("order-42").with_heatmap(true);
    /// ```
    #[derive(Clone, Debug, Default, PartialEq)]
    #[non_exhaustive]
    pub struct SubmitOptions {
        /// A reference of your own, returned with the result (all media).
        ref_id: String => String::clone,
        /// Where the result is also posted when ready, if the vendor enabled
        /// webhooks for the account (all media).
        webhook_url: String => String::clone,
        /// Classify again even if the same file was classified before with the
        /// same options; may cost credits (not for uploaded videos).
        no_cache: bool => bool::to_string,
        /// A C2PA signature no longer forces the verdict to artificial (images,
        /// video URLs, uploaded speech).
        prevent_c2pa_forces: bool => bool::to_string,
        /// Also look for morphed faces (images, videos).
        with_morphing: bool => bool::to_string,
        /// Also look for tampering done without AI (images, videos; on video
        /// uploads from an older copy of the vendor's page, see the overlay).
        with_tampering: bool => bool::to_string,
        /// Also make an AI heatmap (images).
        with_heatmap: bool => bool::to_string,
        /// Analyse at most 5, 10 or 30 frames (videos).
        frames: u8 => u8::to_string,
        /// Analyse key frames instead of evenly spaced ones (videos).
        key_frames: bool => bool::to_string,
        /// How key frames are found (videos).
        key_frames_method: KeyFramesMethod => |method| method.as_str().to_string(),
    }
}

impl SubmitOptions {
    /// No options: the server's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also sends the text field `name` with `value`, as given: for a
    /// field the server takes but the spec (and so [`SubmitOptions`]) does
    /// not know yet. It is not checked against the operation's fields; a
    /// name that a typed option sets (`ref_id`, `frames`, …) or that carries
    /// the media is refused before sending, with an [`InputError`]. Each
    /// call adds one part, after the typed options.
    ///
    /// ```
    /// use identifai_ext::SubmitOptions;
    /// let options = SubmitOptions::new().ref_id("order-42").extra("with_watermark", true);
    /// ```
    pub fn extra(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.extra.push((name.into(), value.to_string()));
        self
    }

    /// The value of each option set, by its field's name, in the order of
    /// [`OPTIONS`].
    fn set(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        OPTIONS
            .iter()
            .filter_map(|(name, value)| value(self).map(|value| (*name, value)))
    }

    /// The text fields to send: the options set, in the order the spec
    /// lists the operation's fields, then the extra fields as given.
    fn fields(&self, operation: Operation) -> Vec<(String, String)> {
        let set: Vec<(&str, String)> = self.set().collect();
        operation
            .fields()
            .iter()
            .filter_map(|field| set.iter().find(|(name, _)| name == field))
            .map(|(name, value)| (name.to_string(), value.clone()))
            .chain(self.extra.iter().cloned())
            .collect()
    }

    /// Refuses options the operation does not take, and bad values.
    fn check(&self, operation: Operation, subject: &str) -> Result<(), InputError> {
        if let Some((name, _)) = self
            .set()
            .find(|(name, _)| !operation.fields().contains(name))
        {
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
        for (name, _) in &self.extra {
            if name.is_empty() {
                return Err(InputError::new(subject, "an extra field needs a name"));
            }
            if OPTIONS.iter().any(|(option, _)| option == name) {
                return Err(InputError::new(
                    subject,
                    format!(
                        "the extra field `{name}` is a typed option: set it with \
                         SubmitOptions::{name} instead"
                    ),
                ));
            }
            if name == operation.media_field() {
                return Err(InputError::new(
                    subject,
                    format!(
                        "the extra field `{name}` carries the media of {}",
                        operation.describe()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// How an option's value becomes the text of its field.
type ToText = fn(&SubmitOptions) -> Option<String>;

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

    /// The text fields the operation takes, from the spec.
    fn fields(self) -> &'static [&'static str] {
        identifai_api::form_fields::of(self.id()).unwrap_or_default()
    }

    /// The field that carries the media (set by [`Client::submit_with`]).
    fn media_field(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Speech => "audio",
            Self::ImageUrl | Self::VideoUrl | Self::SpeechUrl => "file_url",
        }
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

/// Sets the text fields on a generated builder; the builders differ in
/// type but share the generic `field` setter.
macro_rules! with_fields {
    ($builder:expr, $fields:expr) => {{
        let mut builder = $builder;
        for (name, value) in $fields {
            builder = builder.field(name, value);
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
        let fields = &o.fields(operation);
        match prepared {
            Prepared::Url { url, .. } => {
                let url = &url;
                self.call(operation.id(), Method::Post, || {
                    let api = self.api();
                    async move {
                        match operation {
                            Operation::ImageUrl => {
                                with_fields!(api.classify_image_url().file_url(url.clone()), fields)
                                    .send()
                                    .await
                            }
                            Operation::VideoUrl => {
                                with_fields!(api.classify_video_url().file_url(url.clone()), fields)
                                    .send()
                                    .await
                            }
                            _ => {
                                with_fields!(api.classify_audio_url().file_url(url.clone()), fields)
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
                                with_fields!(api.classify_image().image(part), fields)
                                    .send()
                                    .await
                            }
                            Operation::Video => {
                                with_fields!(api.classify_video().video(part), fields)
                                    .send()
                                    .await
                            }
                            _ => {
                                with_fields!(api.classify_audio().audio(part), fields)
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
