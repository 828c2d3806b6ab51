//! Leases and adapter state: what a chat adapter keeps in the database so that
//! replicas take turns and a restart resumes where it left off.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::store::StoreResult;

/// Leases (one replica at a time holds a name) and adapter state (JSON saved
/// under a name), outside any command.
///
/// Used by the Matrix adapter: `chat/matrix/runner.rs` holds the sync lease;
/// `chat/matrix/mod.rs` and `chat/matrix/session.rs` keep the sync checkpoint and
/// the session.
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes or renews lease `name` for `holder` until `until`; `false` while
    /// another holder's lease has not expired at `now`.
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Gives a lease up (at shutdown), so another replica need not wait it out.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;

    /// Adapter state saved under `name` (JSON), if any.
    async fn adapter_state(&self, name: &str) -> StoreResult<Option<String>>;

    /// Saves adapter state under `name`, replacing what was there.
    async fn set_adapter_state(
        &self,
        name: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}
