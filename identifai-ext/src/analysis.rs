//! Typed results: one [`Analysis`] for an image, a video or a speech
//! recording, with the questions callers ask of it.

use identifai_api::types::{
    self, AudioChunk, AudioClassification, Classification, ClassificationStatus,
    ImageClassification, VideoClassification,
};

use crate::media::MediaKind;

/// The result of one classification.
///
/// Helpers read it the same way whatever the media; the generated type is
/// always at hand through the variants (or `as_*`), with every field the
/// server sent. Values the server adds later (a new status or label) are
/// kept, never an error.
///
/// ```
/// use identifai_ext::{Analysis, types::Classification};
///
/// let result = serde_json::from_str(r#"{
///     "identifier": "2acb569d",
///     "status": "done",
///     "verdict": {"heuristic": "Average", "confidence": 0.97, "classification": "artificial", "models": ["V011"]},
///     "results": [{"model": "V011", "classification": [{"label": "artificial", "score": 0.97}]}]
/// }"#)?;
/// let analysis = Analysis::Image(result);
/// assert!(analysis.is_final());
/// assert!(analysis.is_artificial());
/// assert_eq!(analysis.confidence(), Some(0.97));
/// assert_eq!(analysis.model_scores()[0].label, Classification::Artificial);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
// Stored as `{"kind": "image", "result": {…the service's JSON…}}`.
#[serde(tag = "kind", content = "result", rename_all = "lowercase")]
// One value per result, moved rarely: boxing the variants would only add
// an indirection to every helper and to pattern matching by users.
#[allow(clippy::large_enum_variant)]
pub enum Analysis {
    /// An image's result.
    Image(ImageClassification),
    /// A video's result, frame by frame.
    Video(VideoClassification),
    /// A speech recording's result, piece by piece.
    Speech(AudioClassification),
}

/// The overall verdict, as helpers read it.
#[derive(Clone, Debug, PartialEq)]
pub struct VerdictSummary {
    /// Human, artificial, or a value this version does not know.
    pub classification: Option<Classification>,
    /// How sure the verdict is.
    pub confidence: Option<f64>,
    /// The heuristic that produced it.
    pub heuristic: Option<String>,
    /// The models it was drawn from.
    pub models: Vec<String>,
}

/// One model's score for one label.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelScore {
    /// The model's name.
    pub model: String,
    /// The label scored.
    pub label: Classification,
    /// The score.
    pub score: f64,
}

impl Analysis {
    /// The kind of media.
    pub fn kind(&self) -> MediaKind {
        match self {
            Self::Image(_) => MediaKind::Image,
            Self::Video(_) => MediaKind::Video,
            Self::Speech(_) => MediaKind::Speech,
        }
    }

    /// The classification's identifier.
    pub fn identifier(&self) -> Option<&str> {
        match self {
            Self::Image(r) => r.identifier.as_deref(),
            Self::Video(r) => r.identifier.as_deref(),
            Self::Speech(r) => r.identifier.as_deref(),
        }
    }

    /// The SHA-256 of the file: what overrides are addressed by.
    pub fn hash(&self) -> Option<&str> {
        match self {
            Self::Image(r) => r.hash.as_deref(),
            Self::Video(r) => r.hash.as_deref(),
            Self::Speech(r) => r.hash.as_deref(),
        }
    }

    /// The processing status, when the server sends one.
    pub fn status(&self) -> Option<&ClassificationStatus> {
        match self {
            Self::Image(r) => r.status.as_ref(),
            Self::Video(r) => r.status.as_ref(),
            Self::Speech(r) => r.status.as_ref(),
        }
    }

    /// Whether the result is final: done or errored, or (for a server that
    /// sends no status) carrying a verdict. Any other status, including one
    /// this version does not know, means "not yet".
    pub fn is_final(&self) -> bool {
        match self.status() {
            Some(ClassificationStatus::Done | ClassificationStatus::Errored) => true,
            Some(_) => false,
            None => self.verdict().is_some(),
        }
    }

    /// The server's error message, when the status is `errored`.
    pub fn error_message(&self) -> Option<&str> {
        if self.status() != Some(&ClassificationStatus::Errored) {
            return None;
        }
        let errors = match self {
            Self::Image(r) => r.errors.as_deref(),
            Self::Video(r) => r.errors.as_deref(),
            Self::Speech(r) => r.errors.as_deref(),
        };
        Some(errors.unwrap_or("(no message)"))
    }

    /// The verdict under the user's default heuristic.
    pub fn verdict(&self) -> Option<VerdictSummary> {
        match self {
            Self::Image(r) => r.verdict.as_ref().map(summary),
            Self::Speech(r) => r.verdict.as_ref().map(summary),
            Self::Video(r) => r.verdict.as_ref().map(|v| VerdictSummary {
                classification: v.classification.clone(),
                confidence: v.confidence,
                heuristic: v.heuristic.clone(),
                models: v.models.clone(),
            }),
        }
    }

    /// The verdicts under every heuristic.
    pub fn verdicts(&self) -> Vec<VerdictSummary> {
        match self {
            Self::Image(r) => r.verdicts.iter().map(summary).collect(),
            Self::Speech(r) => r.verdicts.iter().map(summary).collect(),
            Self::Video(r) => r
                .verdicts
                .iter()
                .map(|v| VerdictSummary {
                    classification: v.classification.clone(),
                    confidence: v.confidence,
                    heuristic: v.heuristic.clone(),
                    models: v.models.clone(),
                })
                .collect(),
        }
    }

    /// The classification the user forced by an override, if any.
    pub fn forced_classification(&self) -> Option<&Classification> {
        match self {
            Self::Image(r) => r.force_classification.as_ref(),
            Self::Video(r) => r.force_classification.as_ref(),
            Self::Speech(r) => r.force_classification.as_ref(),
        }
    }

    /// The classification that counts: the user's override when there is
    /// one, else the verdict's.
    pub fn classification(&self) -> Option<Classification> {
        self.forced_classification()
            .cloned()
            .or_else(|| self.verdict().and_then(|v| v.classification))
    }

    /// Whether the media was judged made or altered by AI (an override by
    /// the user counts). `false` when there is no verdict yet or the label
    /// is one this version does not know; see [`Analysis::classification`]
    /// to tell those apart.
    pub fn is_artificial(&self) -> bool {
        self.classification() == Some(Classification::Artificial)
    }

    /// The verdict's confidence.
    pub fn confidence(&self) -> Option<f64> {
        self.verdict().and_then(|v| v.confidence)
    }

    /// The heuristic of the verdict.
    pub fn heuristic(&self) -> Option<String> {
        self.verdict().and_then(|v| v.heuristic)
    }

    /// Every model's score for every label (for a video, those of its
    /// frames, in order).
    pub fn model_scores(&self) -> Vec<ModelScore> {
        let results: Vec<&types::ModelResult> = match self {
            Self::Image(r) => r.results.iter().collect(),
            Self::Speech(r) => r.results.iter().collect(),
            Self::Video(r) => frames_of(r).iter().flat_map(|f| f.results.iter()).collect(),
        };
        results.into_iter().flat_map(scores).collect()
    }

    /// A video's analysed frames, in order (empty for other media).
    pub fn frames(&self) -> &[ImageClassification] {
        match self {
            Self::Video(r) => frames_of(r),
            _ => &[],
        }
    }

    /// A recording's analysed pieces (empty for other media). The server
    /// sends them as `chunk_details` or as `details.clips`; either is read.
    pub fn chunks(&self) -> &[AudioChunk] {
        match self {
            Self::Speech(r) if !r.chunk_details.is_empty() => &r.chunk_details,
            Self::Speech(r) => r
                .details
                .as_ref()
                .map(|d| d.clips.as_slice())
                .unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The C2PA validation state of an image (such as `Valid`); `None` when
    /// it has no C2PA data. For a video, that of its first frame that has
    /// some.
    pub fn c2pa_state(&self) -> Option<&str> {
        match self {
            Self::Image(r) => r.c2pa.as_ref()?.validation_state.as_deref(),
            Self::Video(r) => frames_of(r)
                .iter()
                .find_map(|f| f.c2pa.as_ref()?.validation_state.as_deref()),
            Self::Speech(_) => None,
        }
    }

    /// Whether the C2PA data was found valid (`Valid` or `Trusted`): `None`
    /// without C2PA data.
    pub fn c2pa_valid(&self) -> Option<bool> {
        // C2PA's validation states: Invalid, Valid, and Trusted (valid and
        // signed by a trusted certificate).
        self.c2pa_state().map(|state| {
            state.eq_ignore_ascii_case("valid") || state.eq_ignore_ascii_case("trusted")
        })
    }

    /// Whether NSFW content was found, when that check was made.
    pub fn is_nsfw(&self) -> Option<bool> {
        match self {
            Self::Image(r) => r.is_nsfw,
            Self::Video(r) => r.is_nsfw.or_else(|| {
                let flags: Vec<bool> = frames_of(r).iter().filter_map(|f| f.is_nsfw).collect();
                (!flags.is_empty()).then(|| flags.contains(&true))
            }),
            Self::Speech(_) => None,
        }
    }

    /// Whether an AI heatmap can be downloaded for this image.
    pub fn has_heatmap(&self) -> bool {
        matches!(self, Self::Image(r) if r.has_heatmap == Some(true))
    }

    /// Where the result can be seen on the vendor's dashboard.
    pub fn result_url(&self) -> Option<&str> {
        match self {
            Self::Image(r) => r.result_url.as_deref(),
            Self::Video(r) => r.result_url.as_deref(),
            Self::Speech(r) => r.result_url.as_deref(),
        }
    }

    /// The image result, if this is one.
    pub fn as_image(&self) -> Option<&ImageClassification> {
        match self {
            Self::Image(r) => Some(r),
            _ => None,
        }
    }

    /// The video result, if this is one.
    pub fn as_video(&self) -> Option<&VideoClassification> {
        match self {
            Self::Video(r) => Some(r),
            _ => None,
        }
    }

    /// The speech result, if this is one.
    pub fn as_speech(&self) -> Option<&AudioClassification> {
        match self {
            Self::Speech(r) => Some(r),
            _ => None,
        }
    }
}

fn summary(v: &types::Verdict) -> VerdictSummary {
    VerdictSummary {
        classification: v.classification.clone(),
        confidence: v.confidence,
        heuristic: v.heuristic.clone(),
        models: v.models.clone(),
    }
}

fn frames_of(video: &VideoClassification) -> &[ImageClassification] {
    video
        .results
        .as_ref()
        .map(|r| r.images.as_slice())
        .unwrap_or(&[])
}

fn scores(result: &types::ModelResult) -> impl Iterator<Item = ModelScore> + '_ {
    result.classification.iter().filter_map(move |s| {
        Some(ModelScore {
            model: result.model.clone().unwrap_or_default(),
            label: s.label.clone()?,
            score: s.score?,
        })
    })
}
