//! Scripted submissions: the answers one submission gets, in order, for
//! tests that need a particular sequence (a 429, two `new` polls, then
//! `errored`) instead of the simulation's.

use std::collections::VecDeque;
use std::time::Duration;

use identifai_api::types::ClassificationStatus;

/// The answers one submission gets, in order (see
/// [`SandboxConfig::script`](super::SandboxConfig::script)).
///
/// A script is tied to a submission by its `ref_id` or, when no script is
/// named after its `ref_id`, by its file name (an upload's file name, or
/// the last segment of a URL's path). Its steps are taken one per request
/// about that submission:
///
/// - **the POST**: each POST takes a leading refusal
///   ([`refuse`](Script::refuse), [`rate_limited`](Script::rate_limited))
///   and is answered with it (nothing charged, no identifier); the first
///   POST that meets no refusal is accepted, taking no step;
/// - **each poll** (`GET …/{identifier}`, or the submission's entry in a list
///   request) takes the next step: a [`status`](Script::status) is what the
///   result reads (`done` comes with the simulated verdict, `errored` with
///   the simulated failure); a refusal answers that poll with an error (in a
///   list request, the whole request);
/// - when the steps run out, the last one repeats; a script with no step
///   after its refusals leaves the polls to the simulation
///   ([`SandboxConfig::ready_after_polls`](super::SandboxConfig::ready_after_polls)).
///
/// ```
/// use std::time::Duration;
/// use identifai_ext::sandbox::{SandboxConfig, Script};
/// use identifai_ext::types::ClassificationStatus;
///
/// // A 429 for the upload, then `new` twice, then `errored`.
/// let script = Script::new()
///     .rate_limited(Duration::ZERO)
///     .status(ClassificationStatus::New)
///     .status(ClassificationStatus::New)
///     .status(ClassificationStatus::Errored);
/// let config = SandboxConfig::default().script("broken.png", script);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Script {
    pub(super) steps: VecDeque<Step>,
}

/// One answer of a script.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Step {
    /// An error with this status and a JSON `{"message": …}` body; a 429
    /// also says `Retry-After`.
    Refuse { status: u16, retry_after: Duration },
    /// A poll's result reads this status.
    Status(ClassificationStatus),
}

impl Script {
    /// An empty script: every answer as the simulation gives it.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next request is refused with `status` (4xx or 5xx; checked when
    /// the sandbox starts) and a JSON error body.
    pub fn refuse(mut self, status: u16) -> Self {
        self.steps.push_back(Step::Refuse {
            status,
            retry_after: Duration::ZERO,
        });
        self
    }

    /// The next request is refused with 429 and `Retry-After` (in whole
    /// seconds, rounded up), as the service answers past its rate limits.
    pub fn rate_limited(mut self, retry_after: Duration) -> Self {
        self.steps.push_back(Step::Refuse {
            status: 429,
            retry_after,
        });
        self
    }

    /// The next poll reads this status.
    pub fn status(mut self, status: ClassificationStatus) -> Self {
        self.steps.push_back(Step::Status(status));
        self
    }

    /// The next poll reads `done`, with the simulated verdict.
    pub fn done(self) -> Self {
        self.status(ClassificationStatus::Done)
    }

    /// The next poll reads `errored`, with the simulated failure.
    pub fn errored(self) -> Self {
        self.status(ClassificationStatus::Errored)
    }

    /// A refusal whose status is not an error, said as the sandbox's
    /// configuration error.
    pub(super) fn check(&self, key: &str) -> Result<(), String> {
        for step in &self.steps {
            if let Step::Refuse { status, .. } = step
                && !(400..=599).contains(status)
            {
                return Err(format!(
                    "the script for `{key}` refuses with status {status}; a refusal is a 4xx or \
                     5xx status"
                ));
            }
        }
        Ok(())
    }

    /// Takes the leading refusal, if the next step is one (a POST's turn).
    pub(super) fn take_refusal(&mut self) -> Option<Step> {
        match self.steps.front() {
            Some(Step::Refuse { .. }) => self.steps.pop_front(),
            _ => None,
        }
    }
}

/// What is left of a script once its submission is accepted: the polls'
/// steps, and the last one taken (which repeats).
#[derive(Clone, Debug)]
pub(super) struct Polls {
    steps: VecDeque<Step>,
    last: Option<Step>,
}

impl Polls {
    /// The polls' part of a script; `None` when it has none.
    pub(super) fn from(script: Script) -> Option<Self> {
        (!script.steps.is_empty()).then_some(Self {
            steps: script.steps,
            last: None,
        })
    }

    /// The step the next poll would take.
    pub(super) fn peek(&self) -> Option<&Step> {
        self.steps.front().or(self.last.as_ref())
    }

    /// Takes the next poll's step.
    pub(super) fn next(&mut self) -> Option<Step> {
        if let Some(step) = self.steps.pop_front() {
            self.last = Some(step);
        }
        self.last.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_take_only_the_leading_refusals_and_polls_repeat_the_last_step() {
        let mut script = Script::new()
            .refuse(503)
            .rate_limited(Duration::from_secs(1))
            .status(ClassificationStatus::New)
            .refuse(500)
            .done();
        assert!(matches!(
            script.take_refusal(),
            Some(Step::Refuse { status: 503, .. })
        ));
        assert!(matches!(
            script.take_refusal(),
            Some(Step::Refuse { status: 429, .. })
        ));
        assert_eq!(
            script.take_refusal(),
            None,
            "a status step accepts the POST"
        );

        let mut polls = Polls::from(script).expect("steps are left for the polls");
        assert_eq!(polls.next(), Some(Step::Status(ClassificationStatus::New)));
        assert!(matches!(
            polls.peek(),
            Some(Step::Refuse { status: 500, .. })
        ));
        assert!(matches!(
            polls.next(),
            Some(Step::Refuse { status: 500, .. })
        ));
        let done = Some(Step::Status(ClassificationStatus::Done));
        assert_eq!(polls.next(), done);
        assert_eq!(polls.next(), done, "the last step repeats");
        assert_eq!(polls.peek(), done.as_ref());
    }

    #[test]
    fn a_script_of_refusals_only_leaves_the_polls_to_the_simulation() {
        let mut script = Script::new().refuse(429);
        assert!(script.take_refusal().is_some());
        assert!(Polls::from(script).is_none());
    }

    #[test]
    fn a_refusal_that_is_not_an_error_is_a_configuration_error() {
        let error = Script::new().refuse(200).check("a.png").unwrap_err();
        assert!(
            error.contains("`a.png`") && error.contains("200"),
            "{error}"
        );
        assert!(Script::new().refuse(404).refuse(599).check("b").is_ok());
    }
}
