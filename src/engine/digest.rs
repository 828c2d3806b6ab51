//! Composing a room's digest from the store: load the room's open work and what
//! changed, let the domain rank it, render it.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::render;
use crate::domain::{self, Changes, EventKind, Readiness, RoomWork, Task, TaskKey};
use crate::store::{StoreResult, StoreTx};

/// The digest of `room` at `now`, with the changes since `since` (the last digest).
/// `None` when there is nothing to say and `post_quiet` is off.
///
/// # Errors
/// When the store fails.
pub async fn compose(
    tx: &mut dyn StoreTx,
    room: &str,
    room_name: &str,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    post_quiet: bool,
) -> StoreResult<Option<String>> {
    let work = room_work(tx, room).await?;
    let changes = match since {
        Some(since) => changes_since(tx, room, &work, since).await?,
        None => Changes::default(),
    };
    let digest = domain::digest(&work, changes, now);
    if digest.is_quiet() && !post_quiet {
        return Ok(None);
    }
    // Tasks the changes name that are no longer open (done ones) are not loaded yet.
    let mut tasks = work.tasks;
    for key in digest
        .changes
        .done
        .iter()
        .chain(&digest.changes.newly_ready)
    {
        if !tasks.contains_key(key)
            && let Some(task) = tx.task(*key).await?
        {
            tasks.insert(*key, task);
        }
    }
    let mut blocked_since = HashMap::new();
    for key in &digest.external {
        let events = tx.events_of(*key).await?;
        if let Some(at) = events
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::Blocked { .. }))
            .map(|e| e.at)
        {
            blocked_since.insert(*key, at);
        }
    }
    Ok(Some(render::digest(
        room_name,
        &digest,
        &tasks,
        &blocked_since,
        now,
    )))
}

/// The room's open tasks, the open edges among them, and open blockers elsewhere.
async fn room_work(tx: &mut dyn StoreTx, room: &str) -> StoreResult<RoomWork> {
    let tasks = tx.active_tasks_in(room).await?;
    let in_room: BTreeSet<TaskKey> = tasks.iter().map(|t| t.key).collect();
    let mut tasks: HashMap<TaskKey, Task> = tasks.into_iter().map(|t| (t.key, t)).collect();
    let open_edges = tx.room_open_edges(room).await?;
    for (_, blocker) in &open_edges {
        if !tasks.contains_key(blocker)
            && let Some(task) = tx.task(*blocker).await?
        {
            tasks.insert(*blocker, task);
        }
    }
    Ok(RoomWork {
        tasks,
        open_edges,
        in_room,
    })
}

/// Done, newly ready and newly blocked since `since`, from the room's events.
async fn changes_since(
    tx: &mut dyn StoreTx,
    room: &str,
    work: &RoomWork,
    since: DateTime<Utc>,
) -> StoreResult<Changes> {
    let blocked: BTreeSet<TaskKey> = work.open_edges.iter().map(|(task, _)| *task).collect();
    let is_blocked_now = |key: &TaskKey| {
        blocked.contains(key)
            || work
                .tasks
                .get(key)
                .is_some_and(|t| t.external_blocker.is_some())
    };
    let is_ready_now = |key: &TaskKey| {
        work.in_room.contains(key)
            && !blocked.contains(key)
            && work
                .tasks
                .get(key)
                .is_some_and(|t| t.readiness([]) == Readiness::Ready)
    };
    let mut done = BTreeSet::new();
    let mut newly_blocked = BTreeSet::new();
    let mut newly_ready = BTreeSet::new();
    for event in tx.room_events_since(room, since).await? {
        match event.kind {
            EventKind::Done { .. } => {
                done.insert(event.task);
            }
            EventKind::Blocked { .. } | EventKind::DependencyAdded { .. }
                if is_blocked_now(&event.task) =>
            {
                newly_blocked.insert(event.task);
            }
            EventKind::Unblocked | EventKind::DependencyRemoved { .. }
                if is_ready_now(&event.task) =>
            {
                newly_ready.insert(event.task);
            }
            _ => {}
        }
    }
    for (task, _) in tx.room_resolved_edges_since(room, since).await? {
        if is_ready_now(&task) {
            newly_ready.insert(task);
        }
    }
    // Created already blocked is not news about blocking; created is not "newly ready".
    Ok(Changes {
        done: done.into_iter().collect(),
        newly_ready: newly_ready.into_iter().collect(),
        newly_blocked: newly_blocked.into_iter().collect(),
    })
}
