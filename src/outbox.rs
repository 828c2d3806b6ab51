//! The outbox worker: delivers queued messages through the platform adapters.
//!
//! At least once: a message is claimed for a lease, delivered, then marked. A worker
//! that dies mid-delivery leaves the claim to expire and the message is delivered
//! again; adapters use the message's idempotency key so that a retry does not show
//! twice. Transient failures back off; permanent ones are kept with their reason
//! (`baton outbox --failed`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::assistant::Assistant;
use crate::clock::Clock;
use crate::domain::SummarySource;
use crate::error_chain::error_chain;
use crate::store::{Destination, OutboxMessage, Store, StoreError};

/// How long a claimed message is reserved for its worker.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// Attempts before a transiently failing message is given up on.
pub const MAX_ATTEMPTS: i64 = 8;
/// The first retry waits this long; each further one twice as long.
const FIRST_BACKOFF: Duration = Duration::from_secs(2);
/// No retry waits longer than this.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// How long a delivered message's record is retried when the store fails.
const MARK_PATIENCE: Duration = Duration::from_secs(30);
/// How often the worker looks for due messages when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);

/// What a platform said about a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The platform's id of the posted message (a Slack `ts`, a Matrix event id).
    pub platform_message_id: Option<String>,
}

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying: a timeout, a 5xx, a rate limit (with its hint).
    #[error("{reason}")]
    Transient {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help: the channel is gone, the user does not exist.
    #[error("{reason}")]
    Permanent { reason: String },
}

impl DeliveryError {
    /// The store failed while a delivery was being prepared: worth retrying.
    pub fn store(error: &StoreError) -> Self {
        DeliveryError::Transient {
            reason: format!("the store failed: {}", error_chain(error)),
            retry_after: None,
        }
    }

    /// The `reason` label of `baton_delivery_failures_total`.
    fn kind(&self) -> &'static str {
        match self {
            DeliveryError::Transient {
                retry_after: Some(_),
                ..
            } => "rate_limited",
            DeliveryError::Transient { .. } => "transient",
            DeliveryError::Permanent { .. } => "permanent",
        }
    }
}

/// A platform adapter's sending side.
#[async_trait]
pub trait Outlet: Send + Sync {
    /// Delivers one message.
    ///
    /// # Errors
    /// [`DeliveryError`] saying whether a retry can help.
    async fn deliver(&self, message: &OutboxMessage) -> Result<Delivered, DeliveryError>;

    /// Whether this process delivers for the platform now. A replica that is not
    /// the Matrix leader leaves Matrix messages to the leader instead of failing them.
    fn is_active(&self) -> bool {
        true
    }
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered(i64),
    WillRetry(i64),
    GaveUp(i64),
}

/// Delivers the outbox through the adapters, one platform each.
pub struct OutboxWorker {
    store: Arc<dyn Store>,
    outlets: HashMap<String, Arc<dyn Outlet>>,
    clock: Arc<dyn Clock>,
    /// Summarises long handoffs when a language model is configured.
    assistant: Option<Arc<Assistant>>,
}

impl OutboxWorker {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            outlets: HashMap::new(),
            clock,
            assistant: None,
        }
    }

    /// Starts long handoff DMs with a summary by `assistant`'s model.
    #[must_use]
    pub fn with_assistant(mut self, assistant: Option<Arc<Assistant>>) -> Self {
        self.assistant = assistant;
        self
    }

    /// `message`, starting with a summary of its upstream notes when it carries
    /// them and the model gives one within its timeout; as queued otherwise. The
    /// summary is not kept: a retry asks again (and finds it in the cache).
    async fn with_summary<'m>(
        &self,
        message: &'m OutboxMessage,
    ) -> std::borrow::Cow<'m, OutboxMessage> {
        use std::borrow::Cow;
        let (Some(assistant), Some(source), Destination::Dm(recipient)) = (
            &self.assistant,
            &message.summary_source,
            &message.destination,
        ) else {
            return Cow::Borrowed(message);
        };
        let Ok(source) = serde_json::from_str::<SummarySource>(source) else {
            tracing::warn!(
                id = message.id,
                "a handoff's summary source does not read; it goes out without a summary"
            );
            return Cow::Borrowed(message);
        };
        // The client has the same timeout; this one also bounds reading the answer.
        let patience = assistant.timeout() + Duration::from_millis(250);
        let summary =
            tokio::time::timeout(patience, assistant.summarise(&source, recipient.handle())).await;
        let Ok(Some(summary)) = summary else {
            metrics::counter!("baton_handoff_summaries_total", "outcome" => "missing").increment(1);
            return Cow::Borrowed(message);
        };
        metrics::counter!("baton_handoff_summaries_total", "outcome" => "added").increment(1);
        let mut summarised = message.clone();
        summarised.body = format!(
            "In short (summarised by a language model from the notes below):\n{summary}\n\n{}",
            message.body
        );
        Cow::Owned(summarised)
    }

    /// Routes messages for `platform` to `outlet`.
    #[must_use]
    pub fn with_outlet(mut self, platform: &str, outlet: Arc<dyn Outlet>) -> Self {
        self.outlets.insert(platform.to_owned(), outlet);
        self
    }

    /// Claims and delivers the oldest due message, if there is one.
    ///
    /// # Errors
    /// When the store fails; the message then stays claimed until its lease ends.
    #[tracing::instrument(skip_all)]
    pub async fn try_deliver_one(&self) -> Result<Option<Attempt>, StoreError> {
        let now = self.clock.now();
        let platforms: Vec<&str> = self
            .outlets
            .iter()
            .filter(|(_, outlet)| outlet.is_active())
            .map(|(platform, _)| platform.as_str())
            .collect();
        if platforms.is_empty() {
            return Ok(None);
        }
        let Some(message) = self.store.claim_due(now, LEASE, &platforms).await? else {
            return Ok(None);
        };
        let result = match self.outlets.get(&message.platform) {
            Some(outlet) => outlet.deliver(&*self.with_summary(&message).await).await,
            None => Err(DeliveryError::Permanent {
                reason: format!("no {} adapter is running", message.platform),
            }),
        };
        if let Err(error) = &result {
            metrics::counter!("baton_delivery_failures_total", "platform" => message.platform.clone(), "reason" => error.kind())
                .increment(1);
        }
        let attempt = match result {
            Ok(delivered) => {
                self.record_delivery(&message, &delivered).await?;
                Attempt::Delivered(message.id)
            }
            // A platform that says when to come back (a rate limit, another
            // replica's turn) did not refuse the message: that wait does not use
            // up one of its attempts.
            Err(DeliveryError::Transient {
                reason,
                retry_after,
            }) if message.attempts < MAX_ATTEMPTS || retry_after.is_some() => {
                let wait = retry_after.unwrap_or_else(|| backoff(message.attempts));
                tracing::warn!(id = message.id, attempts = message.attempts, %reason, "delivery failed; will retry");
                let next = self.clock.now() + chrono::Duration::from_std(wait).unwrap_or(LEASE);
                self.store
                    .schedule_retry(message.id, next, &reason, retry_after.is_some())
                    .await?;
                metrics::counter!("baton_deliveries_total", "platform" => message.platform.clone(), "outcome" => "retry").increment(1);
                Attempt::WillRetry(message.id)
            }
            Err(error) => {
                let reason = match &error {
                    DeliveryError::Transient { reason, .. } => {
                        format!("gave up after {} attempts: {reason}", message.attempts)
                    }
                    DeliveryError::Permanent { reason } => reason.clone(),
                };
                tracing::error!(id = message.id, %reason, "delivery failed permanently");
                self.store.mark_failed(message.id, &reason).await?;
                metrics::counter!("baton_deliveries_total", "platform" => message.platform.clone(), "outcome" => "failed").increment(1);
                Attempt::GaveUp(message.id)
            }
        };
        Ok(Some(attempt))
    }

    /// Marks a message the platform accepted as delivered, trying again for a
    /// while when the store fails (a full disk, a failover): until it is marked,
    /// its claim holds up the later messages to the same place.
    ///
    /// # Errors
    /// When the store still fails after [`MARK_PATIENCE`]; the claim then runs out
    /// and the next attempt finds the message already posted.
    async fn record_delivery(
        &self,
        message: &OutboxMessage,
        delivered: &Delivered,
    ) -> Result<(), StoreError> {
        let id = delivered.platform_message_id.as_deref();
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            match self
                .store
                .mark_delivered(message.id, self.clock.now(), id)
                .await
            {
                Ok(()) => return Ok(()),
                Err(error) if started.elapsed() < MARK_PATIENCE => {
                    tracing::warn!(id = message.id, error = %error_chain(&error), "delivered, but cannot record it yet; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Delivers every message that is due now; returns how many attempts it made.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn drain(&self) -> Result<usize, StoreError> {
        let mut attempts = 0;
        while self.try_deliver_one().await?.is_some() {
            attempts += 1;
        }
        Ok(attempts)
    }

    /// Delivers until `shutdown` fires, woken by `ready` after each commit and
    /// polling for retries that came due; then delivers what is due until `grace`
    /// has passed (what is left stays queued for the next start).
    ///
    /// `LANES` deliveries run at once, each to a different destination (the
    /// store hands out a destination's messages one at a time, in order), so a
    /// slow or rate-limited room does not hold up everyone's DMs. Shutdown is
    /// looked at between messages, never during one: a delivery is not cut in
    /// half.
    pub async fn run(self, ready: Arc<Notify>, shutdown: CancellationToken, grace: Duration) {
        let worker = Arc::new(self);
        let deadline = Arc::new(tokio::sync::OnceCell::<tokio::time::Instant>::new());
        let wake = Arc::new(Notify::new());
        let mut lanes = tokio::task::JoinSet::new();
        for _ in 0..LANES {
            let lane = Lane {
                worker: worker.clone(),
                ready: ready.clone(),
                wake: wake.clone(),
                shutdown: shutdown.clone(),
                deadline: deadline.clone(),
                grace,
            };
            lanes.spawn(lane.run());
        }
        while lanes.join_next().await.is_some() {}
        if worker.store.pending_count().await.unwrap_or(0) > 0 {
            tracing::info!("messages are still queued; the next start delivers them");
        }
    }
}

/// How long one delivery may take at most (its API calls time out before): what
/// shutdown waits beyond the grace period for deliveries under way.
pub const LONGEST_DELIVERY: Duration = Duration::from_secs(30);

/// How many deliveries run at once (to different destinations).
const LANES: usize = 4;

/// One of the worker's concurrent deliverers.
struct Lane {
    worker: Arc<OutboxWorker>,
    ready: Arc<Notify>,
    /// Wakes the other lanes when this one found work: there may be more.
    wake: Arc<Notify>,
    shutdown: CancellationToken,
    /// When delivery stops after shutdown: set once, by the first lane to see it.
    deadline: Arc<tokio::sync::OnceCell<tokio::time::Instant>>,
    grace: Duration,
}

impl Lane {
    async fn run(self) {
        loop {
            if self.shutdown.is_cancelled() {
                let grace = self.grace;
                let deadline = *self
                    .deadline
                    .get_or_init(|| async move { tokio::time::Instant::now() + grace })
                    .await;
                if tokio::time::Instant::now() >= deadline {
                    return;
                }
            }
            match self.worker.try_deliver_one().await {
                Ok(Some(_)) => {
                    self.wake.notify_waiters();
                    continue;
                }
                Ok(None) if self.shutdown.is_cancelled() => return,
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "outbox delivery failed");
                }
            }
            tokio::select! {
                () = self.shutdown.cancelled(), if !self.shutdown.is_cancelled() => {}
                () = self.ready.notified() => self.wake.notify_waiters(),
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// How long to wait before attempt `attempts + 1`: 2 s, 4 s, 8 s, ... capped.
fn backoff(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    FIRST_BACKOFF
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(4), Duration::from_secs(16));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
