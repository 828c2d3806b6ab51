//! An optional language model, for two jobs the rules do badly: summarising a
//! long upstream thread in a handoff, and proposing a command for a message the
//! grammar did not understand. The rules still decide every change: a summary
//! only adds lines to a DM, and a proposal changes nothing until its author
//! confirms it.
//!
//! Off unless `model.url` is set: without it no [`Assistant`] exists and nothing
//! calls out. What is sent: for a summary, the upstream notes, titles and
//! evidence the DM's recipient may read, from rooms that allow summaries; for a
//! proposal, the message itself, unless its room said `settings summaries off`.

mod client;
mod limits;
pub mod proposal;
pub mod summary;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use client::{ChatClient, ModelError, Purpose};
pub use proposal::Proposal;

use crate::domain::SummarySource;
use crate::error_chain::error_chain;
use crate::settings::ModelSettings;
use limits::RateLimits;

/// Summaries kept for reuse (a retried delivery, the same notes handed to two
/// people); past this many the cache starts over.
const MAX_CACHED_SUMMARIES: usize = 512;
/// The longest a handoff waits for its summary, whatever `model.timeout` says:
/// well inside the outbox's 60 s claim on the message.
const MAX_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a proposal is waited for: Slack wants a slash command or an event
/// acknowledged within 3 s, and the command's own transaction comes after.
const PROPOSAL_PATIENCE: Duration = Duration::from_secs(2);
/// Longer messages are not sent for a proposal: a pasted log is no command.
const MAX_PROPOSAL_CHARS: usize = 2_000;

/// The configured model, its limits and its cache of summaries.
#[derive(Debug)]
pub struct Assistant {
    client: ChatClient,
    limits: RateLimits,
    /// By the hash of their source, with the source itself: a hash collision
    /// must never hand one person a summary of someone else's notes.
    summaries: Mutex<HashMap<u64, (SummarySource, String)>>,
}

impl Assistant {
    /// The assistant `settings` describe, or `None` when no `model.url` is set.
    ///
    /// # Errors
    /// When the URL is not an http(s) URL or the HTTP client cannot be built.
    pub fn from_settings(settings: &ModelSettings) -> anyhow::Result<Option<Assistant>> {
        let Some(url) = settings
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        let shown = crate::store::redact_url(url);
        let parsed = url::Url::parse(url)
            .map_err(|e| anyhow::anyhow!("model.url `{shown}` is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!("model.url `{shown}` must start with http:// or https://");
        }
        if settings.timeout > MAX_TIMEOUT {
            tracing::warn!(timeout = ?settings.timeout, max = ?MAX_TIMEOUT, "model.timeout is longer than a delivery may wait; using the maximum");
        }
        let client = ChatClient::new(
            url,
            &settings.name,
            settings.api_key.clone(),
            settings.timeout.min(MAX_TIMEOUT),
        )?;
        Ok(Some(Assistant {
            client,
            limits: RateLimits::new(
                settings.calls_per_room_per_hour,
                settings.calls_per_person_per_hour,
            ),
            summaries: Mutex::new(HashMap::new()),
        }))
    }

    /// The longest a call waits.
    pub fn timeout(&self) -> std::time::Duration {
        self.client.timeout()
    }

    /// A few lines summarising `source` for the handoff DM to `recipient` (a
    /// handle, `@bob`), or `None` when the model fails, is slow or is over its
    /// limit: the DM then goes out without one.
    pub async fn summarise(&self, source: &SummarySource, recipient: &str) -> Option<String> {
        let key = cache_key(source);
        if let Some(summary) = self.cached(key, source) {
            metrics::counter!("baton_model_summary_cache_hits_total").increment(1);
            return Some(summary);
        }
        if !self.limits.allow(None, Some(recipient), Instant::now()) {
            return None;
        }
        let prompt = summary::prompt(source);
        match self
            .client
            .complete(Purpose::Summary, summary::SYSTEM, &prompt, false)
            .await
        {
            Ok(answer) => {
                let summary = summary::tidy(&answer)?;
                self.remember(key, source, &summary);
                Some(summary)
            }
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "no summary for a handoff; it goes out without one");
                None
            }
        }
    }

    /// A command for `text`, which the grammar did not understand, said by
    /// `author` in `room` (with `links`, kept as a `done`'s evidence); `None` when the model has none, answers outside the
    /// schema, fails, or the room or person is over their limit.
    pub async fn propose(
        &self,
        room: &str,
        author: &str,
        text: &str,
        links: &[String],
    ) -> Option<Proposal> {
        if text.chars().count() > MAX_PROPOSAL_CHARS
            || !self.limits.allow(Some(room), Some(author), Instant::now())
        {
            return None;
        }
        let patience = self.client.timeout().min(PROPOSAL_PATIENCE);
        let call = self
            .client
            .complete(Purpose::Proposal, proposal::SYSTEM, text, true);
        let answer = match tokio::time::timeout(patience, call).await {
            Ok(Ok(answer)) => answer,
            Err(_) => {
                metrics::counter!("baton_model_calls_total", "purpose" => "proposal", "outcome" => "timeout").increment(1);
                tracing::warn!(
                    ?patience,
                    "no proposal in time for a message the grammar did not understand"
                );
                return None;
            }
            Ok(Err(error)) => {
                tracing::warn!(error = %error_chain(&error), "no proposal for a message the grammar did not understand");
                return None;
            }
        };
        match proposal::from_answer(&answer, author, links) {
            Ok(proposal) => Some(proposal),
            Err(invalid) => {
                metrics::counter!("baton_model_answers_discarded_total").increment(1);
                tracing::debug!(reason = %invalid, "discarded the model's proposal");
                None
            }
        }
    }

    fn cached(&self, key: u64, source: &SummarySource) -> Option<String> {
        self.summaries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .filter(|(cached, _)| cached == source)
            .map(|(_, summary)| summary.clone())
    }

    fn remember(&self, key: u64, source: &SummarySource, summary: &str) {
        let mut cache = self
            .summaries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= MAX_CACHED_SUMMARIES {
            cache.clear();
        }
        cache.insert(key, (source.clone(), summary.to_owned()));
    }
}

/// The same notes of the same tasks make the same summary.
fn cache_key(source: &SummarySource) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut hasher);
    hasher.finish()
}
