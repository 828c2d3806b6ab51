//! The outbox: messages a command queued, delivered after it committed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::PersonId;
use crate::store::{NewOutboxMessage, OutboxMessage, StoreResult};

/// Claiming, delivering and listing queued messages, outside any command.
///
/// Used by the outbox worker (`outbox.rs`: claims, deliveries, retries, giving
/// up, draining at shutdown), `baton outbox` (`app.rs`: the listing) and the
/// outbox gauges (`app.rs`: depth and oldest message).
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims the oldest due outbox message for one of `platforms` for `lease`, so
    /// no other worker takes it meanwhile; a worker that dies leaves it to be
    /// claimed again when the lease ends.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        platforms: &[&str],
    ) -> StoreResult<Option<OutboxMessage>>;

    /// Records a delivery; for a task card, its message becomes the task's thread.
    async fn mark_delivered(
        &self,
        id: i64,
        now: DateTime<Utc>,
        platform_message_id: Option<&str>,
    ) -> StoreResult<()>;

    /// Puts a message back for another attempt at `next_attempt`; with `refund`,
    /// the attempt just made is not counted.
    async fn schedule_retry(
        &self,
        id: i64,
        next_attempt: DateTime<Utc>,
        error: &str,
        refund: bool,
    ) -> StoreResult<()>;

    /// Gives up on a message, keeping why (`baton outbox --failed`).
    async fn mark_failed(&self, id: i64, error: &str) -> StoreResult<()>;

    /// Outbox messages, newest last; only failed ones with `failed_only`.
    async fn outbox(&self, failed_only: bool, limit: i64) -> StoreResult<Vec<OutboxMessage>>;

    /// Messages not yet delivered nor given up on.
    async fn pending_count(&self) -> StoreResult<i64>;

    /// When the oldest of those was queued: how far behind delivery is.
    async fn oldest_pending_at(&self) -> StoreResult<Option<DateTime<Utc>>>;
}

/// Queueing messages inside a command's transaction, so they are sent only if it
/// commits.
///
/// Used by the engine's commands (`engine/command`: replies, cards, handoff DMs)
/// and the scheduler (`scheduler.rs`: digests).
#[async_trait]
pub trait OutboxTx: Send {
    /// Queues a message; a second message with the same idempotency key is dropped.
    async fn enqueue(&mut self, message: &NewOutboxMessage) -> StoreResult<()>;

    /// Appends `body` to a handoff DM already held for `person` until `not_before`,
    /// if the merged text stays within `max_chars`; `false` when there is no such
    /// DM (the caller queues a new message).
    async fn merge_held_handoff(
        &mut self,
        person: &PersonId,
        not_before: DateTime<Utc>,
        body: &str,
        max_chars: usize,
    ) -> StoreResult<bool>;
}
