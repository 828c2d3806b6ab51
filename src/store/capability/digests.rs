//! Digests and their schedules: which rooms get a digest, when, whether today's
//! went out, and what goes in it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{RoomWork, TaskKey};
use crate::store::{RoomInfo, StoreResult, StoredEvent};

/// The rooms a digest can be due in, outside any command.
///
/// Used by the scheduler (`scheduler.rs`).
#[async_trait]
pub trait DigestStore: Send + Sync {
    /// Rooms that are home to at least one task: the digest scheduler's rooms.
    async fn rooms_with_tasks(&self) -> StoreResult<Vec<RoomInfo>>;
}

/// A room's digest inside a command: its schedule, the claim on a day's digest,
/// and what the digest reports.
///
/// Used by the scheduler (`scheduler.rs`: claiming a day, the last digest), the
/// engine's digests (`engine/digest.rs`: events, open work, resolved edges), its
/// commands (`engine/command/mod.rs`: the digest on demand) and settings
/// (`engine/command/settings.rs`: the schedule).
#[async_trait]
pub trait DigestTx: Send {
    /// A room's digest schedule as set (`09:30 Europe/Berlin mon-fri` or `off`).
    async fn room_digest(&mut self, room: &str) -> StoreResult<Option<String>>;

    async fn set_room_digest(&mut self, room: &str, digest: &str) -> StoreResult<()>;

    /// Records that `room`'s digest for local `day` is being posted; `false` when it
    /// already was (by this process before a restart, or by another replica).
    async fn claim_digest(&mut self, room: &str, day: &str, at: DateTime<Utc>)
    -> StoreResult<bool>;

    /// When the room's last digest was posted.
    async fn last_digest_at(&mut self, room: &str) -> StoreResult<Option<DateTime<Utc>>>;

    /// Events of the tasks whose home is `room`, after `since`, oldest first.
    async fn room_events_since(
        &mut self,
        room: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<StoredEvent>>;

    /// The room's open and in-progress tasks as the digest sorts them (only what
    /// decides their lists, not their titles), with every dependency of theirs
    /// whose blocker, in this room or another, is still open.
    async fn open_work_in(&mut self, room: &str) -> StoreResult<RoomWork>;

    /// `(task, blocker)` for the room's open tasks whose blocker was finished or
    /// cancelled after `since`.
    async fn room_resolved_edges_since(
        &mut self,
        room: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(TaskKey, TaskKey)>>;
}
