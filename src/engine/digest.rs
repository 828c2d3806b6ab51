//! Composing a room's digest from the store: load the room's open work and what
//! changed, let the domain rank it, render it.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::render;
use super::scene;
use super::sight::Sight;
use crate::domain::{self, Changes, EventKind, Reader, RoomWork, Task, TaskKey};
use crate::store::{Picture, StoreResult, StoreTx};

/// A digest ready to post: its text, and the picture of its top blocker chain
/// when something waits on another task.
#[derive(Debug, Clone)]
pub struct ComposedDigest {
    pub text: String,
    pub picture: Option<Picture>,
}

/// The digest of `room` at `now`, with the changes since `since` (the last digest),
/// as `reader` (the room, or the person asking in a DM) may see it.
/// `None` when there is nothing to say and `post_quiet` is off.
///
/// # Errors
/// When the store fails.
pub async fn compose(
    tx: &mut dyn StoreTx,
    reader: &Reader,
    room: &str,
    room_name: &str,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    post_quiet: bool,
) -> StoreResult<Option<ComposedDigest>> {
    // Lean facts for every open task and the open edges, to rank and sort; full
    // rows only for the few dozen tasks the message names.
    let work = tx.open_work_in(room).await?;
    let changes = match since {
        Some(since) => changes_since(tx, room, &work, since).await?,
        None => Changes::default(),
    };
    let digest = domain::digest(&work, changes, now);
    let reviews = waiting_reviews(tx, room, now).await?;
    if digest.is_quiet() && reviews.is_empty() && !post_quiet {
        return Ok(None);
    }
    let named = render::digest_names(&digest);
    let named = tx.tasks(&named).await?;
    let mut sight = Sight::new(reader.clone());
    let tasks: HashMap<TaskKey, Task> = sight
        .tasks(tx, named)
        .await?
        .into_iter()
        .map(|t| (t.key, t))
        .collect();
    let mut blocked_since = HashMap::new();
    for key in digest.external.iter().filter(|key| tasks.contains_key(key)) {
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
    let mut text = render::digest(room_name, &digest, &tasks, &blocked_since, now);
    for line in reviews {
        text.push('\n');
        text.push_str(&line);
    }
    let picture = if digest.roots.is_empty() {
        None
    } else {
        let scene = scene::chains(tx, &mut sight, &work, &digest, room_name, 1).await?;
        Some(Picture {
            name: scene::file_name("blockers", room_name),
            svg: scene.svg(),
        })
    };
    Ok(Some(ComposedDigest { text, picture }))
}

/// Most changes waiting on review a digest names; the rest are counted.
const REVIEWS_SHOWN: usize = 10;
/// Most waiting changes read to find a room's.
const REVIEWS_READ: i64 = 500;

/// The digest's lines for pull and merge requests waiting on a review that
/// finish tasks of `room`, oldest request first, each with how many unfinished
/// tasks wait on its tasks.
async fn waiting_reviews(
    tx: &mut dyn StoreTx,
    room: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<String>> {
    let mut lines = Vec::new();
    let mut total = 0;
    for change in tx.changes_awaiting_review(REVIEWS_READ).await? {
        let mut keys = Vec::new();
        let mut downstream = BTreeSet::new();
        for key in &change.links.closes {
            let Some(task) = tx.task(*key).await? else {
                continue;
            };
            if task.home_room != room || task.status.is_resolved() {
                continue;
            }
            keys.push(task.key);
            for waiting in tx.dependents_of(task.key).await? {
                if !waiting.status.is_resolved() {
                    downstream.insert(waiting.key);
                }
            }
        }
        if keys.is_empty() {
            continue;
        }
        total += 1;
        if lines.len() < REVIEWS_SHOWN {
            let name = render::forge::ChangeName {
                forge: change.forge,
                number: change.number,
                title: &change.title,
                url: &change.url,
            };
            let asked = change
                .review_requested_at
                .map_or_else(String::new, |at| render::ago(at, now));
            let line = render::forge::waiting_review(&name, &keys, &asked);
            lines.push((line, downstream.len()));
        }
    }
    Ok(render::forge::waiting_reviews(&lines, total))
}

/// Done, newly ready and newly blocked since `since`, from the room's events.
async fn changes_since(
    tx: &mut dyn StoreTx,
    room: &str,
    work: &RoomWork,
    since: DateTime<Utc>,
) -> StoreResult<Changes> {
    let waits_on_a_task = |key: &TaskKey| work.waits_on_a_task(*key);
    let is_blocked_now = |key: &TaskKey| {
        waits_on_a_task(key) || work.task(*key).is_some_and(|t| t.blocked_externally)
    };
    let is_ready_now = |key: &TaskKey| {
        !waits_on_a_task(key) && work.task(*key).is_some_and(|t| !t.blocked_externally)
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
