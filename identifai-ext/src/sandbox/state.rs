//! The sandbox's state, behind one mutex: its settings, the submissions,
//! the overrides, the credits, the partner users and the rate windows.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use identifai_api::types::{self, Classification};

use super::SandboxConfig;
use super::limits::Windows;
use super::results;
use super::script::{Polls, Script};
use crate::media::MediaKind;

/// One submission.
#[derive(Clone, Debug)]
pub(super) struct Record {
    pub kind: MediaKind,
    pub identifier: String,
    pub hash: [u8; 32],
    pub name: String,
    pub ref_id: Option<String>,
    pub heatmap: bool,
    pub frames: u32,
    pub errored: bool,
    pub polls: u32,
    pub submitted_at: Instant,
    /// What is left of its script, when one plays for it.
    pub script: Option<Polls>,
}

/// Everything the sandbox remembers between requests.
#[derive(Debug)]
pub(super) struct State {
    pub config: SandboxConfig,
    /// Every request received, admitted or not.
    pub requests: u64,
    /// How many requests were refused with 429.
    pub rate_limited: u64,
    /// How many submissions were answered with an identifier.
    pub submissions: u64,
    /// How many heatmaps were sent.
    pub heatmaps: u64,
    pub credits: f64,
    pub spent: f64,
    /// The submissions by identifier.
    pub records: HashMap<String, Record>,
    /// The overridden verdicts by kind and file hash (hex).
    pub overrides: HashMap<(MediaKind, String), Classification>,
    pub users: Vec<types::User>,
    /// The rate windows, when the sandbox enforces limits.
    pub windows: Option<Windows>,
    /// The scripts not yet tied to a submission, by `ref_id` or file name.
    pub scripts: HashMap<String, Script>,
}

impl State {
    pub(super) fn new(config: SandboxConfig) -> Self {
        let users = (1..=config.users as i64)
            .map(results::seeded_user)
            .collect();
        Self {
            credits: config.initial_credits,
            windows: config.rate_limits.as_ref().map(Windows::new),
            scripts: config.scripts.clone().into_iter().collect(),
            config,
            requests: 0,
            rate_limited: 0,
            submissions: 0,
            heatmaps: 0,
            spent: 0.0,
            records: HashMap::new(),
            overrides: HashMap::new(),
            users,
        }
    }
}

impl State {
    /// The key of the script for a submission: its `ref_id` when a script
    /// has it, else its file name when one has that.
    pub(super) fn script_key(&self, ref_id: Option<&str>, name: &str) -> Option<String> {
        ref_id
            .filter(|r| self.scripts.contains_key(*r))
            .or(Some(name).filter(|n| self.scripts.contains_key(*n)))
            .map(str::to_string)
    }
}

/// The state, even after a handler panicked while holding it.
pub(super) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
