//! Realistic answers for every operation, as the vendor documents them,
//! for mocks: `then.success(200, …)` with one of these, or parse one into
//! its type to start from a complete value. They are composed from the
//! fields and examples of the vendor's reference pages, not taken from
//! live traffic; the crate's own tests decode each into its generated
//! type, so they stay in step with the spec.
//!
//! ```
//! use identifai_api::{mock::answers, types};
//! let credits: types::GetCreditsResponse = serde_json::from_str(answers::CREDITS).unwrap();
//! assert!(credits.available_credits.is_some());
//! ```

/// A speech result (`get_audio_classification`), with `chunk_details[]` as the single-result page shows it.
pub const AUDIO_CLASSIFICATION: &str = include_str!("answers/audio_classification.json");

/// A page of speech results (`list_audio_classifications`), with `details.clips[]` as the list page shows it.
pub const AUDIO_CLASSIFICATIONS: &str = include_str!("answers/audio_classifications.json");

/// What `get_credits` answers (the documented example).
pub const CREDITS: &str = include_str!("answers/credits.json");

/// What the six `classify_*` submissions answer: the documented identifier example.
pub const IDENTIFIER: &str = include_str!("answers/identifier.json");

/// An image result (`get_image_classification`): the documented fields, with a C2PA block (manifests keyed by URN, `validation_status`, `validation_results`).
pub const IMAGE_CLASSIFICATION: &str = include_str!("answers/image_classification.json");

/// A page of image results (`list_image_classifications`): the image above, a human photo without C2PA, and an overridden result (`force_classification`).
pub const IMAGE_CLASSIFICATIONS: &str = include_str!("answers/image_classifications.json");

/// What `override_audio_classification` answers (the documented example).
pub const OVERRIDE_AUDIO: &str = include_str!("answers/override_audio.json");

/// What `override_image_classification` answers (the documented example).
pub const OVERRIDE_IMAGE: &str = include_str!("answers/override_image.json");

/// What `override_video_classification` answers (the documented example).
pub const OVERRIDE_VIDEO: &str = include_str!("answers/override_video.json");

/// A page of partner users (`list_partner_users`).
pub const PARTNER_USERS: &str = include_str!("answers/partner_users.json");

/// What `list_pricings` answers. **Assumed**: the docs show no answer; this is a list of the `Pricing` objects users carry.
pub const PRICINGS: &str = include_str!("answers/pricings.json");

/// What `upsert_partner_user` and `send_creation_email` answer: the send-creation-email page's example, a user inside `{"data": …}`.
pub const USER: &str = include_str!("answers/user.json");

/// A video result (`get_video_classification`): three frames under `results.images`, each with `details[].detections[]`.
pub const VIDEO_CLASSIFICATION: &str = include_str!("answers/video_classification.json");

/// A page of video results (`list_video_classifications`): the video above, one still `new`, one `errored`.
pub const VIDEO_CLASSIFICATIONS: &str = include_str!("answers/video_classifications.json");

/// A heatmap as `get_image_heatmap` answers it: a small grayscale PNG, to
/// serve with `content-type: image/png`.
pub const HEATMAP_PNG: &[u8] = include_bytes!("answers/heatmap.png");
