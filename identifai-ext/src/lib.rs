//! Hand-written ergonomics over the generated [`identifai_api`] client.
//!
//! For now this crate re-exports the generated client, so that a downstream
//! crate can depend on `identifai-ext` alone.

pub use identifai_api as api;
pub use identifai_api::*;
