//! identifai-ext's integration tests, as one binary (one link, one run of
//! the harness), in the way of ripgrep's `tests/tests.rs`: one module per
//! area, and what they share in `util`.
//!
//! Run one area with a filter, e.g.
//! `cargo test -p identifai-ext --all-features --test integration pipeline::`.

mod util;

mod cli;
mod client;
mod contract;
mod faults;
mod flows;
mod overlay;
mod pipeline;
mod report;
mod resilience;
mod sandbox;
#[cfg(feature = "redis")]
mod shared_pacing;
mod stopping;
