//! Persistence: one [`Store`] trait, a SQLite and a Postgres implementation.
//!
//! The backend is picked once, from the database URL's scheme ([`connect`]). Every
//! command runs in one [`StoreTx`]: its inbound dedup record, events, projection
//! updates and outbox rows commit together or not at all.

mod postgres;
mod rows;
mod sql;
mod sqlite;
mod url;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{NewEvent, PersonId, RoomFacts, RoomPrivacy, RoomWork, Task, TaskKey};

pub use postgres::PgStore;
pub use rows::{
    Destination, NewOutboxMessage, OutboxKind, OutboxMessage, OutboxStatus, PersonSettings,
    RoomInfo, StoredEvent,
};
pub use sqlite::SqliteStore;
pub use url::redact_url;

/// A failure of the database; never shown in chat, logged with its cause chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("could not apply database migrations")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database holds a value Baton cannot read: {0}")]
    Corrupt(String),
    #[error(
        "unsupported database URL `{0}`: use sqlite://FILE (e.g. sqlite://baton.db) or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl(String),
    #[error("the database did not answer in time")]
    Timeout,
}

impl StoreError {
    /// Whether another transaction got there first (a unique key or a serialization
    /// conflict): the command can simply be run again.
    pub fn is_conflict(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                e.is_unique_violation() || matches!(e.code().as_deref(), Some("40001" | "40P01"))
            }
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Opens the store a database URL names and runs its migrations.
///
/// # Errors
/// When the URL's scheme is neither `sqlite:` nor `postgres:`/`postgresql:`, or the
/// database cannot be reached or migrated.
pub async fn connect(url: &str) -> StoreResult<Box<dyn Store>> {
    let store = open(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// Opens the store a database URL names without migrating it (`baton doctor`).
///
/// # Errors
/// As [`connect`], but a database that is not migrated yet is not an error.
pub async fn open(url: &str) -> StoreResult<Box<dyn Store>> {
    let store: Box<dyn Store> = if url.starts_with("sqlite:") {
        Box::new(SqliteStore::connect(url).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Box::new(PgStore::connect(url).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(redact_url(url)));
    };
    Ok(store)
}

/// The first items of a longer list, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub total: usize,
    pub items: Vec<T>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            total: 0,
            items: Vec::new(),
        }
    }
}

/// A person's open tasks by `mine`'s sections (see `StoreTx::owned_work`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedWork {
    pub ready: Page<Task>,
    pub in_progress: Page<Task>,
    pub blocked: Page<(Task, Vec<Task>)>,
}

/// A task to import with its key kept (`baton import`). Its dependencies travel
/// apart, in [`ImportTx::insert_dependencies`]: a task may depend on one further on
/// in the file, which is not in the database yet when the task is inserted.
#[derive(Debug, Clone)]
pub struct ImportedTask {
    pub task: Task,
    pub events: Vec<NewEvent>,
}

/// A whole import's one transaction (`baton import`): every batch of the file goes
/// into it, so the import is all or nothing even when the database fails midway.
/// Dropped without [`ImportTx::commit`], it rolls back.
#[async_trait]
pub trait ImportTx: Send {
    /// Inserts a batch of tasks with their events.
    async fn insert(&mut self, tasks: &[ImportedTask]) -> StoreResult<()>;

    /// Inserts `(task, blocker)` edges, once every task of the import is inserted:
    /// the foreign keys are checked statement by statement, and a task may depend
    /// on one further on in the file.
    async fn insert_dependencies(&mut self, edges: &[(TaskKey, TaskKey)]) -> StoreResult<()>;

    /// Which of `keys` are taken: before this import's own inserts, those that were
    /// in the database already. Any number of keys; the backend splits them to stay
    /// within its limit on query parameters.
    async fn existing(&mut self, keys: &[TaskKey]) -> StoreResult<Vec<TaskKey>>;

    /// Finishes the import (on Postgres, moves the task number sequence past the
    /// imported keys, so new tasks do not collide with them) and commits.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// A task with its dependencies and history (`baton export`).
#[derive(Debug, Clone)]
pub struct ExportedTask {
    pub task: Task,
    pub depends_on: Vec<TaskKey>,
    pub events: Vec<StoredEvent>,
}

/// The database: opened once, shared by the engine, the outbox worker and the CLI.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Applies the embedded migrations that have not run yet.
    async fn migrate(&self) -> StoreResult<()>;

    /// How many embedded migrations have not run yet.
    async fn pending_migrations(&self) -> StoreResult<usize>;

    /// Starts the transaction one command runs in.
    async fn begin(&self) -> StoreResult<Box<dyn StoreTx>>;

    /// Whether the database answers (`baton doctor`).
    async fn ping(&self) -> StoreResult<()>;

    /// Whether the database takes a write, the way a command writes: in a
    /// transaction, committed (`/readyz`). A database that answers but cannot
    /// write (a full disk, a read-only replica) is not ready for commands.
    async fn probe_write(&self, now: DateTime<Utc>) -> StoreResult<()>;

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

    /// Starts an import: one transaction for the whole file, held while it is read
    /// in batches, so a failure at any point leaves nothing imported.
    async fn begin_import(&self) -> StoreResult<Box<dyn ImportTx>>;

    /// Up to `limit` tasks with their dependencies and events, in key order, the
    /// first after `after` (from the first task when `None`): `baton export`.
    async fn export_page(
        &self,
        after: Option<TaskKey>,
        limit: i64,
    ) -> StoreResult<Vec<ExportedTask>>;

    /// Rooms that are home to at least one task: the digest scheduler's rooms.
    async fn rooms_with_tasks(&self) -> StoreResult<Vec<RoomInfo>>;

    /// The task whose card is message `thread` in `room`: a reply in that thread, or
    /// a reaction on the card, is about this task.
    async fn task_with_card(&self, room: &str, thread: &str) -> StoreResult<Option<TaskKey>>;

    /// Where a task's card was posted: its home room and, once delivered, the card's
    /// platform message id (the thread replies about the task go to).
    async fn card_of(&self, task: TaskKey) -> StoreResult<Option<(String, Option<String>)>>;

    /// The DM room the adapter opened with a person before, if any.
    async fn dm_room(&self, person: &PersonId) -> StoreResult<Option<String>>;

    /// Remembers the DM room with a person, so later DMs reuse it.
    async fn set_dm_room(&self, person: &PersonId, room: &str) -> StoreResult<()>;

    /// What the platform says about a person: the display name replaces the old one,
    /// the timezone only fills a gap (a timezone the person set stays).
    async fn remember_profile(
        &self,
        person: &PersonId,
        display_name: Option<&str>,
        timezone: Option<&str>,
    ) -> StoreResult<()>;

    /// A person's display name, when the platform told us one.
    async fn display_name(&self, person: &PersonId) -> StoreResult<Option<String>>;

    /// What the platform says of a room: its name, its privacy (as in
    /// [`StoreTx::note_presence`]) and, when `members` is given, the whole list of
    /// its members, replacing the recorded one.
    async fn sync_room(
        &self,
        room: &str,
        room_name: &str,
        privacy: RoomPrivacy,
        members: Option<&[PersonId]>,
    ) -> StoreResult<()>;

    /// A person joined (`true`) or left (`false`) a room, as the platform said.
    async fn set_room_member(&self, room: &str, person: &PersonId, member: bool)
    -> StoreResult<()>;

    /// Whether an inbound platform event was accepted before (an edit of it must not
    /// run its command again).
    async fn inbound_seen(&self, event_id: &str) -> StoreResult<bool>;

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

/// One command's transaction. Dropped without [`StoreTx::commit`], it rolls back.
#[async_trait]
pub trait StoreTx: Send {
    /// Records an inbound platform event id; `false` when it was seen before.
    async fn record_inbound(&mut self, event_id: &str, at: DateTime<Utc>) -> StoreResult<bool>;

    /// The key the next new task gets.
    async fn next_task_key(&mut self) -> StoreResult<TaskKey>;

    async fn insert_task(&mut self, task: &Task) -> StoreResult<()>;

    /// Inserts a new task under the next free key (`task.key` is ignored) and
    /// returns that key: one round trip where taking the key first would be two,
    /// and a command's time goes mostly to round trips.
    async fn insert_new_task(&mut self, task: &Task) -> StoreResult<TaskKey>;

    /// Writes a task's projection row back.
    async fn update_task(&mut self, task: &Task) -> StoreResult<()>;

    async fn task(&mut self, key: TaskKey) -> StoreResult<Option<Task>>;

    /// The tasks `key` depends on directly.
    async fn blockers_of(&mut self, key: TaskKey) -> StoreResult<Vec<Task>>;

    /// The tasks that depend directly on `key`.
    async fn dependents_of(&mut self, key: TaskKey) -> StoreResult<Vec<Task>>;

    /// Every `(task, blocker)` edge reachable from `key` along "depends on": what a
    /// new dependency on `key` could close a cycle with.
    async fn upstream_edges(&mut self, key: TaskKey) -> StoreResult<Vec<(TaskKey, TaskKey)>>;

    async fn add_dependency(&mut self, task: TaskKey, blocker: TaskKey) -> StoreResult<()>;

    /// Removes a dependency; `false` when there was none.
    async fn remove_dependency(&mut self, task: TaskKey, blocker: TaskKey) -> StoreResult<bool>;

    async fn append_event(&mut self, event: &NewEvent) -> StoreResult<()>;

    /// Appends events in one statement, in order.
    async fn append_events(&mut self, events: &[NewEvent]) -> StoreResult<()>;

    /// A task's events, oldest first.
    async fn events_of(&mut self, key: TaskKey) -> StoreResult<Vec<StoredEvent>>;

    /// Queues a message; a second message with the same idempotency key is dropped.
    async fn enqueue(&mut self, message: &NewOutboxMessage) -> StoreResult<()>;

    /// `person`'s open and in-progress tasks as `mine` lists them: ready, in
    /// progress, and blocked (waiting on an open task or something outside Baton),
    /// each section counted in full with its first `limit` tasks, oldest first; the
    /// blocked ones with their open blockers. A person can own thousands of tasks;
    /// only what the reply shows is loaded.
    async fn owned_work(&mut self, person: &PersonId, limit: i64) -> StoreResult<OwnedWork>;

    /// Open and in-progress tasks whose home is `room`, oldest first.
    async fn active_tasks_in(&mut self, room: &str) -> StoreResult<Vec<Task>>;

    /// The room's blocked tasks for `blocked`: how many there are, and the first
    /// `limit` of them (oldest first) each with its open blockers (from any room),
    /// blocker by blocker number. A task is blocked when it is open or in progress,
    /// its home is `room`, and it waits on an open or in-progress task or on
    /// something outside Baton.
    ///
    /// Only the page is loaded: a room can hold 100,000 open tasks, and the reply
    /// lists 30 of them and counts the rest.
    async fn blocked_in_room(
        &mut self,
        room: &str,
        limit: i64,
    ) -> StoreResult<(i64, Vec<(Task, Vec<Task>)>)>;

    /// Remembers that `person` was seen in `room` (named `room_name`), so they are
    /// one of its members, and what the platform says of the room's privacy: a
    /// known privacy replaces the recorded one; [`RoomPrivacy::Unknown`] records a
    /// new room as private and leaves a known room as it was.
    async fn note_presence(
        &mut self,
        person: &PersonId,
        room: &str,
        room_name: &str,
        privacy: RoomPrivacy,
    ) -> StoreResult<()>;

    /// What the privacy rule needs to know of `room`: whether it is recorded,
    /// private, and whether `person` (if the reader is one) is a member.
    async fn room_facts(&mut self, room: &str, person: Option<&PersonId>)
    -> StoreResult<RoomFacts>;

    /// A room's display name (`#general`), if the room is known.
    async fn room_name(&mut self, room: &str) -> StoreResult<Option<String>>;

    /// A person's own timezone and working hours, if they set them.
    async fn person_settings(&mut self, person: &PersonId) -> StoreResult<PersonSettings>;

    async fn set_person_timezone(&mut self, person: &PersonId, timezone: &str) -> StoreResult<()>;

    async fn set_person_hours(&mut self, person: &PersonId, hours: &str) -> StoreResult<()>;

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

    /// The tasks among `keys` that exist, by number. Keep `keys` to a page: each
    /// is a query parameter.
    async fn tasks(&mut self, keys: &[TaskKey]) -> StoreResult<Vec<Task>>;

    /// `(task, blocker)` for the room's open tasks whose blocker was finished or
    /// cancelled after `since`.
    async fn room_resolved_edges_since(
        &mut self,
        room: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(TaskKey, TaskKey)>>;

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

    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
