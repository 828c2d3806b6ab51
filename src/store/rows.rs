//! Row shapes shared by both backends, and their conversion to domain values.
//!
//! Both schemas use the same column names and types (`BIGINT`/`INTEGER` as `i64`,
//! times as Unix milliseconds), so one `FromRow` struct serves SQLite and Postgres.

use chrono::{DateTime, Utc};

use super::{StoreError, StoreResult};
use crate::domain::{EventKind, OpenTask, PersonId, Source, Task, TaskKey};

pub(super) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(super) fn from_millis(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt(format!("time {ms}")))
}

pub(super) fn key_of(number: i64) -> StoreResult<TaskKey> {
    u64::try_from(number)
        .map(TaskKey::new)
        .map_err(|_| StoreError::Corrupt(format!("task number {number}")))
}

pub(super) fn number_of(key: TaskKey) -> i64 {
    // Keys come from `TaskKey::from_str` (at most 15 digits) or from the store.
    i64::try_from(key.number()).unwrap_or(i64::MAX)
}

/// A blocker with the task that waits on it.
#[derive(sqlx::FromRow)]
pub(super) struct BlockerRow {
    pub(super) waiting: i64,
    #[sqlx(flatten)]
    pub(super) blocker: TaskRow,
}

#[derive(sqlx::FromRow)]
pub(super) struct TaskRow {
    number: i64,
    title: String,
    owner: Option<String>,
    status: String,
    external_blocker: Option<String>,
    home_room: String,
    home_thread: Option<String>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    done_at: Option<i64>,
    last_activity_at: i64,
}

/// The columns of `tasks`, in [`TaskRow`]'s order (a macro so `concat!` can build
/// `'static` query text, which sqlx requires).
macro_rules! task_columns {
    () => {
        "number, title, owner, status, external_blocker, home_room, home_thread, created_by, \
         created_at, updated_at, done_at, last_activity_at"
    };
}
pub(super) use task_columns;

impl TryFrom<TaskRow> for Task {
    type Error = StoreError;

    fn try_from(row: TaskRow) -> StoreResult<Task> {
        Ok(Task {
            key: key_of(row.number)?,
            title: row.title,
            owner: row.owner.map(PersonId::from_stored),
            status: row
                .status
                .parse()
                .map_err(|e: crate::domain::UnknownStatus| StoreError::Corrupt(e.to_string()))?,
            external_blocker: row.external_blocker,
            home_room: row.home_room,
            home_thread: row.home_thread,
            created_by: PersonId::from_stored(row.created_by),
            created_at: from_millis(row.created_at)?,
            updated_at: from_millis(row.updated_at)?,
            done_at: row.done_at.map(from_millis).transpose()?,
            last_activity_at: from_millis(row.last_activity_at)?,
        })
    }
}

pub(super) fn tasks(rows: Vec<TaskRow>) -> StoreResult<Vec<Task>> {
    rows.into_iter().map(Task::try_from).collect()
}

/// Keys per `IN (...)` lookup: a few thousand bound parameters a query, well under
/// SQLite's limit (32,766) and Postgres's (65,535).
pub(super) const LOOKUP_CHUNK: usize = 5000;

/// Edges packed as two aggregates over the same rows: the waiting tasks' numbers
/// and their blockers' numbers, each joined by commas, pair by pair.
pub(super) fn packed_edges(waiting: &str, blockers: &str) -> StoreResult<Vec<(TaskKey, TaskKey)>> {
    let waiting = packed_keys(waiting)?;
    let blockers = packed_keys(blockers)?;
    if waiting.len() != blockers.len() {
        return Err(StoreError::Corrupt(format!(
            "{} waiting tasks for {} blockers",
            waiting.len(),
            blockers.len()
        )));
    }
    Ok(waiting.into_iter().zip(blockers).collect())
}

/// Open tasks packed by `string_agg`, comma-separated. A task that is open, owned
/// and not blocked outside Baton is its number alone (`"42"`); any other is
/// `number flags last_activity_ms`, the flags being `o` (owned) or `-`, `x`
/// (blocked outside Baton) or `-`, and `p` (in progress) or `-`:
/// `"42 -xp 1700000000000"`.
pub(super) fn packed_open_tasks(packed: &str) -> StoreResult<Vec<OpenTask>> {
    packed
        .split(',')
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let mut fields = entry.split(' ');
            let key = packed_key(fields.next().unwrap_or_default())?;
            let Some(flags) = fields.next() else {
                return Ok(OpenTask {
                    key,
                    owned: true,
                    blocked_externally: false,
                    in_progress: None,
                });
            };
            let last_activity = fields.next().ok_or_else(|| corrupt_pack(entry))?;
            let last_activity =
                from_millis(last_activity.parse().map_err(|_| corrupt_pack(entry))?)?;
            let [owned, external, progress] = flags.as_bytes() else {
                return Err(corrupt_pack(entry));
            };
            let flag = |byte: &u8, set: u8| match *byte {
                b'-' => Ok(false),
                b if b == set => Ok(true),
                _ => Err(corrupt_pack(entry)),
            };
            Ok(OpenTask {
                key,
                owned: flag(owned, b'o')?,
                blocked_externally: flag(external, b'x')?,
                in_progress: flag(progress, b'p')?.then_some(last_activity),
            })
        })
        .collect()
}

/// Task numbers joined by commas (`"3,12,7"`), as `string_agg` packs them.
pub(super) fn packed_keys(packed: &str) -> StoreResult<Vec<TaskKey>> {
    packed
        .split(',')
        .filter(|number| !number.is_empty())
        .map(packed_key)
        .collect()
}

fn packed_key(number: &str) -> StoreResult<TaskKey> {
    key_of(number.parse().map_err(|_| corrupt_pack(number))?)
}

fn corrupt_pack(entry: &str) -> StoreError {
    StoreError::Corrupt(format!("packed row {entry:?}"))
}

/// An event read back from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub task: TaskKey,
    pub kind: EventKind,
    pub actor: PersonId,
    pub at: DateTime<Utc>,
    pub source: Source,
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    id: i64,
    task: i64,
    payload: String,
    actor: String,
    at: i64,
    platform: String,
    room: String,
    message_id: Option<String>,
    permalink: Option<String>,
    platform_event_id: Option<String>,
}

/// The columns of `events`, in [`EventRow`]'s order.
macro_rules! event_columns {
    () => {
        "id, task, payload, actor, at, platform, room, message_id, permalink, platform_event_id"
    };
}
pub(super) use event_columns;

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> StoreResult<StoredEvent> {
        Ok(StoredEvent {
            id: row.id,
            task: key_of(row.task)?,
            kind: serde_json::from_str(&row.payload)
                .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", row.id)))?,
            actor: PersonId::from_stored(row.actor),
            at: from_millis(row.at)?,
            source: Source {
                platform: row.platform,
                room: row.room,
                message_id: row.message_id,
                permalink: row.permalink,
                event_id: row.platform_event_id,
            },
        })
    }
}

/// Where an outbox message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A direct message to a person.
    Dm(PersonId),
    /// A room, or the thread of a task's card in it.
    Room {
        room: String,
        thread_task: Option<TaskKey>,
    },
}

/// What an outbox message is, where it matters for delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    /// Replies, cards, notices.
    Message,
    /// A handoff DM: those held for the same person and time merge into one.
    Handoff,
    /// A room's daily digest.
    Digest,
    /// A language model's proposal for a message the grammar did not understand:
    /// adapters that can add a button to confirm it do.
    Proposal,
}

impl OutboxKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Message => "message",
            OutboxKind::Handoff => "handoff",
            OutboxKind::Digest => "digest",
            OutboxKind::Proposal => "proposal",
        }
    }

    fn from_stored(kind: &str) -> StoreResult<Self> {
        Ok(match kind {
            "message" => OutboxKind::Message,
            "handoff" => OutboxKind::Handoff,
            "digest" => OutboxKind::Digest,
            "proposal" => OutboxKind::Proposal,
            other => return Err(StoreError::Corrupt(format!("outbox kind {other}"))),
        })
    }
}

/// A person's own settings; `None` means the configured default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonSettings {
    pub timezone: Option<String>,
    pub working_hours: Option<String>,
}

/// A room Baton knows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoomInfo {
    pub id: String,
    pub name: String,
    /// The digest schedule as set; `None` means the default.
    pub digest: Option<String>,
    /// When the room's first task was created (Unix milliseconds).
    pub first_task_at: Option<i64>,
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxMessage {
    /// Unique per message: the same key queued twice is one message.
    pub idempotency_key: String,
    pub platform: String,
    pub destination: Destination,
    /// Set when this message is the card of a task: its delivery makes the thread.
    pub card_for: Option<TaskKey>,
    pub kind: OutboxKind,
    pub body: String,
    /// A picture sent with the message; `body` is its text version.
    pub picture: Option<Picture>,
    /// For a long handoff: the upstream notes its recipient may read, as JSON
    /// (`assistant::SummarySource`), for the outbox worker to have summarised
    /// when a model is configured.
    pub summary_source: Option<String>,
    /// For a reply in a room that only this person needs to see (help, a refusal).
    pub only_for: Option<PersonId>,
    /// Not delivered before this time (quiet hours).
    pub not_before: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A picture to send with a message: the dependency graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// The file name without its extension: `graph-T-7`.
    pub name: String,
    /// The picture as SVG; adapters rasterise it (`picture::png_from_svg`).
    pub svg: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    Pending,
    Delivered,
    Failed,
}

impl OutboxStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Failed => "failed",
        }
    }
}

/// A queued message as the worker and `baton outbox` see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub idempotency_key: String,
    pub platform: String,
    pub destination: Destination,
    pub card_for: Option<TaskKey>,
    pub kind: OutboxKind,
    pub body: String,
    pub picture: Option<Picture>,
    /// See [`NewOutboxMessage::summary_source`].
    pub summary_source: Option<String>,
    /// See [`NewOutboxMessage::only_for`].
    pub only_for: Option<PersonId>,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(super) struct OutboxRow {
    id: i64,
    idempotency_key: String,
    platform: String,
    dm_to: Option<String>,
    room: Option<String>,
    thread_task: Option<i64>,
    card_for: Option<i64>,
    kind: String,
    body: String,
    picture_name: Option<String>,
    picture_svg: Option<String>,
    summary_source: Option<String>,
    only_for: Option<String>,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
}

/// The columns of `outbox`, in [`OutboxRow`]'s order.
macro_rules! outbox_columns {
    () => {
        "id, idempotency_key, platform, dm_to, room, thread_task, card_for, kind, body, picture_name, \
         picture_svg, summary_source, only_for, status, attempts, last_error, created_at"
    };
}
pub(super) use outbox_columns;

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> StoreResult<OutboxMessage> {
        let destination = match (row.dm_to, row.room) {
            (Some(person), _) => Destination::Dm(PersonId::from_stored(person)),
            (None, Some(room)) => Destination::Room {
                room,
                thread_task: row.thread_task.map(key_of).transpose()?,
            },
            (None, None) => {
                return Err(StoreError::Corrupt(format!(
                    "outbox {} has no destination",
                    row.id
                )));
            }
        };
        let status = match row.status.as_str() {
            "pending" => OutboxStatus::Pending,
            "delivered" => OutboxStatus::Delivered,
            "failed" => OutboxStatus::Failed,
            other => return Err(StoreError::Corrupt(format!("outbox status {other}"))),
        };
        Ok(OutboxMessage {
            id: row.id,
            idempotency_key: row.idempotency_key,
            platform: row.platform,
            destination,
            card_for: row.card_for.map(key_of).transpose()?,
            kind: OutboxKind::from_stored(&row.kind)?,
            body: row.body,
            picture: match (row.picture_name, row.picture_svg) {
                (Some(name), Some(svg)) => Some(Picture { name, svg }),
                _ => None,
            },
            summary_source: row.summary_source,
            only_for: row.only_for.map(PersonId::from_stored),
            status,
            attempts: row.attempts,
            last_error: row.last_error,
            created_at: from_millis(row.created_at)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_rows_parse_and_nothing_parses_as_nothing() {
        assert_eq!(packed_edges("", "").unwrap(), []);
        assert_eq!(
            packed_edges("12,13", "7,12").unwrap(),
            [
                (TaskKey::new(12), TaskKey::new(7)),
                (TaskKey::new(13), TaskKey::new(12))
            ]
        );
        assert_eq!(
            packed_keys("3,1").unwrap(),
            [TaskKey::new(3), TaskKey::new(1)]
        );
        let tasks = packed_open_tasks("42 o-p 1700000000000,7 -x- 0,9").unwrap();
        assert_eq!(
            tasks,
            [
                OpenTask {
                    key: TaskKey::new(42),
                    owned: true,
                    blocked_externally: false,
                    in_progress: Some(from_millis(1_700_000_000_000).unwrap()),
                },
                OpenTask {
                    key: TaskKey::new(7),
                    owned: false,
                    blocked_externally: true,
                    in_progress: None,
                },
                OpenTask {
                    key: TaskKey::new(9),
                    owned: true,
                    blocked_externally: false,
                    in_progress: None,
                },
            ]
        );
    }

    #[test]
    fn a_damaged_pack_is_an_error_not_a_guess() {
        assert!(packed_edges("12,13", "7").is_err());
        assert!(packed_edges("12", "x").is_err());
        assert!(packed_open_tasks("42 o--").is_err());
        assert!(packed_open_tasks("42 o- 1").is_err());
        assert!(packed_open_tasks("42 yes 1").is_err());
        assert!(packed_open_tasks("T-42").is_err());
    }
}
