//! Inbound platform events: which ones Baton accepted already, so a redelivered or
//! edited event does not run its command twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::StoreResult;

/// Asking, outside any command, whether an event was accepted.
///
/// Used by the Matrix adapter (`chat/matrix/mod.rs`: an edit of an accepted
/// message is not a new command).
#[async_trait]
pub trait InboundStore: Send + Sync {
    /// Whether an inbound platform event was accepted before (an edit of it must not
    /// run its command again).
    async fn inbound_seen(&self, event_id: &str) -> StoreResult<bool>;
}

/// Recording an event in the transaction of the command it carries, so the two
/// commit together.
///
/// Used by the engine (`engine/command/mod.rs`).
#[async_trait]
pub trait InboundTx: Send {
    /// Records an inbound platform event id; `false` when it was seen before.
    async fn record_inbound(&mut self, event_id: &str, at: DateTime<Utc>) -> StoreResult<bool>;
}
