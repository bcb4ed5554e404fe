//! Waiting for results: one deadline, polls spaced by exponential backoff
//! with jitter, "not ready" told apart from failure.
//!
//! The docs do not say how an unfinished result looks. A result whose
//! status is not final (`new`, or a status this version does not know), a
//! result without status or verdict, and a 404 shortly after submission
//! all mean "not ready yet".

use std::time::Duration;

use crate::analysis::Analysis;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::media::MediaKind;
use crate::retry::Method;
use crate::submit::Submission;

/// How long and how often to poll for a result.
///
/// ```
/// use std::time::Duration;
/// use identifai_ext::WaitPolicy;
/// let policy = WaitPolicy::default().timeout(Duration::from_secs(60));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitPolicy {
    /// The deadline for the whole wait.
    pub timeout: Duration,
    /// The first pause between two polls; it doubles each time.
    pub initial_interval: Duration,
    /// The longest pause between two polls.
    pub max_interval: Duration,
    /// How long after the wait starts a 404 still means "not ready".
    pub not_found_grace: Duration,
}

impl Default for WaitPolicy {
    /// A 10-minute deadline, polls from 1 s apart up to 15 s apart, 404s
    /// tolerated for 60 s.
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            not_found_grace: Duration::from_secs(60),
        }
    }
}

crate::retry::setters!(WaitPolicy {
    timeout: Duration,
    initial_interval: Duration,
    max_interval: Duration,
    not_found_grace: Duration,
});

impl WaitPolicy {
    /// The pause after poll number `poll` (from 1), with jitter.
    pub(crate) fn interval(&self, poll: u32) -> Duration {
        crate::retry::backoff(self.initial_interval, self.max_interval, poll, 0.25)
    }
}

impl Client {
    /// Waits for a submission's result with the client's [`WaitPolicy`].
    ///
    /// A deadline that passes returns [`Error::Timeout`] with the
    /// identifier: call `wait` again later to resume. A classification that
    /// ended with status `errored` returns [`Error::ClassificationFailed`].
    pub async fn wait(&self, submission: &Submission) -> Result<Analysis> {
        self.wait_with(submission, &self.wait_policy().clone())
            .await
    }

    /// Waits for a submission's result with this policy.
    pub async fn wait_with(
        &self,
        submission: &Submission,
        policy: &WaitPolicy,
    ) -> Result<Analysis> {
        let span = tracing::info_span!("identifai.wait", identifier = submission.identifier.as_str(), kind = %submission.kind);
        tracing::Instrument::instrument(self.wait_inner(submission, policy), span).await
    }

    async fn wait_inner(&self, submission: &Submission, policy: &WaitPolicy) -> Result<Analysis> {
        let start = self.clock().elapsed();
        let deadline = start.saturating_add(policy.timeout);
        let mut poll = 0;
        let mut last_failure = None;
        loop {
            poll += 1;
            let waited = self.clock().elapsed().saturating_sub(start);
            match self
                .poll(submission, waited < policy.not_found_grace, deadline)
                .await
            {
                Ok(Some(analysis)) => return finished(analysis, submission),
                Ok(None) => {}
                // The server is busy or unreachable: the classification may
                // still finish, so keep waiting until the deadline.
                Err(e) if e.is_transient() => {
                    tracing::debug!(error = %e, "poll failed; waiting on");
                    // A poll cut short by the deadline itself says less than
                    // what went wrong before it.
                    if !(matches!(e, Error::Timeout { .. }) && last_failure.is_some()) {
                        last_failure = Some(std::sync::Arc::new(e));
                    }
                }
                Err(e) => return Err(e.while_waiting(submission)),
            }
            let waited = self.clock().elapsed().saturating_sub(start);
            if waited >= policy.timeout {
                return Err(Error::Timeout {
                    submission: Some(submission.clone()),
                    waited,
                    polls: poll,
                    last_failure,
                });
            }
            let pause = policy.interval(poll).min(policy.timeout - waited);
            tracing::debug!(poll, pause_ms = pause.as_millis() as u64, "not ready");
            self.clock().sleep(pause).await;
        }
    }

    /// One poll: the final result, or `None` when it is not ready.
    pub(crate) async fn poll(
        &self,
        submission: &Submission,
        tolerate_404: bool,
        deadline: Duration,
    ) -> Result<Option<Analysis>> {
        let id = submission.identifier.clone();
        let api = self.api();
        let fetched = match submission.kind {
            MediaKind::Image => self
                .call_until(
                    Some(deadline),
                    "get_image_classification",
                    Method::Get,
                    || api.get_image_classification().identifier(id.clone()).send(),
                )
                .await
                .map(Analysis::Image),
            MediaKind::Video => self
                .call_until(
                    Some(deadline),
                    "get_video_classification",
                    Method::Get,
                    || api.get_video_classification().identifier(id.clone()).send(),
                )
                .await
                .map(Analysis::Video),
            MediaKind::Speech => self
                .call_until(
                    Some(deadline),
                    "get_audio_classification",
                    Method::Get,
                    || api.get_audio_classification().identifier(id.clone()).send(),
                )
                .await
                .map(Analysis::Speech),
        };
        match fetched {
            Ok(analysis) if analysis.is_final() => Ok(Some(analysis)),
            Ok(_) => Ok(None),
            Err(Error::NotFound { .. }) if tolerate_404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One list request: the results of these identifiers the service has.
    pub(crate) async fn list(
        &self,
        kind: MediaKind,
        identifiers: &[&str],
        deadline: Duration,
    ) -> Result<Vec<Analysis>> {
        let ids: Vec<String> = identifiers.iter().map(|s| s.to_string()).collect();
        let api = self.api();
        Ok(match kind {
            MediaKind::Image => self
                .call_until(
                    Some(deadline),
                    "list_image_classifications",
                    Method::Get,
                    || {
                        api.list_image_classifications()
                            .identifiers(ids.clone())
                            .send()
                    },
                )
                .await?
                .into_iter()
                .map(Analysis::Image)
                .collect(),
            MediaKind::Video => self
                .call_until(
                    Some(deadline),
                    "list_video_classifications",
                    Method::Get,
                    || {
                        api.list_video_classifications()
                            .identifiers(ids.clone())
                            .send()
                    },
                )
                .await?
                .into_iter()
                .map(Analysis::Video)
                .collect(),
            MediaKind::Speech => self
                .call_until(
                    Some(deadline),
                    "list_audio_classifications",
                    Method::Get,
                    || {
                        api.list_audio_classifications()
                            .identifiers(ids.clone())
                            .send()
                    },
                )
                .await?
                .into_iter()
                .map(Analysis::Speech)
                .collect(),
        })
    }
}

/// A final result: the analysis, or the error its `errored` status means.
pub(crate) fn finished(analysis: Analysis, submission: &Submission) -> Result<Analysis> {
    match analysis.error_message() {
        Some(message) => Err(Error::ClassificationFailed {
            submission: submission.clone(),
            message: message.to_string(),
        }),
        None => Ok(analysis),
    }
}
