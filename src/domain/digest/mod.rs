//! The daily digest's content: what is stuck, why, and what moved.
//!
//! Pure: the engine loads a room's open tasks and open dependency edges, this
//! module ranks and explains them.
//!
//! These are the product rules, what a digest says: which tasks are root blockers
//! (they hold up work of this room and wait on no open task themselves), how many
//! are shown, what counts as stale, which ready tasks nobody owns. Counting what
//! waits on each root is the expensive part, and it lives apart in
//! [`super::reach`]: that engine is handed who waits on whom as plain keys and
//! answers with counts and chains, knowing nothing of rooms or digests, so either
//! side can change without reading the other.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};

use super::reach::{Reach, downstream};
use super::{Status, Task, TaskKey};

/// How many root blockers a digest ranks and explains.
pub const ROOTS_SHOWN: usize = 10;

/// In progress without activity for this many working days is stale.
pub const STALE_AFTER_WORKING_DAYS: i64 = 3;

/// A room's open work as the digest sees it.
#[derive(Debug, Clone, Default)]
pub struct RoomWork {
    /// The room's own open and in-progress tasks, by key.
    tasks: Vec<OpenTask>,
    /// `(task, blocker)` for every dependency of those tasks whose blocker (in this
    /// room or another) is still open.
    open_edges: Vec<(TaskKey, TaskKey)>,
    /// The tasks of `open_edges` that wait, sorted and once each: derived here
    /// once, since the digest and its changes both ask of thousands of tasks.
    waiting: Vec<TaskKey>,
}

impl RoomWork {
    /// `tasks` in any order.
    pub fn new(mut tasks: Vec<OpenTask>, open_edges: Vec<(TaskKey, TaskKey)>) -> Self {
        tasks.sort_unstable_by_key(|t| t.key);
        tasks.dedup_by_key(|t| t.key);
        RoomWork {
            tasks,
            ..RoomWork::default()
        }
        .with_open_edges(open_edges)
    }

    /// The same tasks with these open edges instead: for a store that needs the
    /// room's tasks to tell which edges are open.
    pub fn with_open_edges(mut self, open_edges: Vec<(TaskKey, TaskKey)>) -> Self {
        let mut waiting: Vec<TaskKey> = open_edges.iter().map(|(task, _)| *task).collect();
        waiting.sort_unstable();
        waiting.dedup();
        self.open_edges = open_edges;
        self.waiting = waiting;
        self
    }

    /// The room's open tasks, by key.
    pub fn tasks(&self) -> &[OpenTask] {
        &self.tasks
    }

    /// `(task, blocker)` for every dependency of the room's tasks whose blocker is
    /// still open.
    pub fn open_edges(&self) -> &[(TaskKey, TaskKey)] {
        &self.open_edges
    }

    /// Whether `key` waits on an open task.
    pub fn waits_on_a_task(&self, key: TaskKey) -> bool {
        self.waiting.binary_search(&key).is_ok()
    }

    /// The room's open task `key`; `None` for a task of another room or a closed one.
    pub fn task(&self, key: TaskKey) -> Option<&OpenTask> {
        let at = self.tasks.binary_search_by_key(&key, |t| t.key).ok()?;
        self.tasks.get(at)
    }

    pub fn is_in_room(&self, key: TaskKey) -> bool {
        self.task(key).is_some()
    }
}

/// What the digest needs to know of one open task to sort it into its lists. Not
/// the task itself: a room can hold 100,000 open tasks and the digest names a few
/// dozen, whose full rows are loaded once they are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenTask {
    pub key: TaskKey,
    pub owned: bool,
    /// Something outside Baton holds it up.
    pub blocked_externally: bool,
    /// Its last activity when it is in progress: in progress too long without any
    /// is stale. `None` when it is open.
    pub in_progress: Option<DateTime<Utc>>,
}

impl From<&Task> for OpenTask {
    fn from(task: &Task) -> Self {
        OpenTask {
            key: task.key,
            owned: task.owner.is_some(),
            blocked_externally: task.external_blocker.is_some(),
            in_progress: (task.status == Status::InProgress).then_some(task.last_activity_at),
        }
    }
}

/// A task that holds others up without waiting on another open task itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootBlocker {
    pub key: TaskKey,
    /// Open tasks that wait on it, directly or through others.
    pub waiting: usize,
    /// The longest chain of waiting tasks, from the farthest one down to the root.
    pub chain: Vec<TaskKey>,
}

/// What changed since the last digest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub done: Vec<TaskKey>,
    pub newly_ready: Vec<TaskKey>,
    pub newly_blocked: Vec<TaskKey>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.done.is_empty() && self.newly_ready.is_empty() && self.newly_blocked.is_empty()
    }
}

/// The digest of one room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Digest {
    /// The [`ROOTS_SHOWN`] root blockers that hold up most, most first.
    pub roots: Vec<RootBlocker>,
    /// How many root blockers there are in all.
    pub root_count: usize,
    /// Tasks held up by something outside Baton.
    pub external: Vec<TaskKey>,
    /// In progress with no activity for [`STALE_AFTER_WORKING_DAYS`].
    pub stale: Vec<TaskKey>,
    /// Ready, and nobody owns them.
    pub unowned_ready: Vec<TaskKey>,
    pub changes: Changes,
}

impl Digest {
    /// Nothing blocked and nothing changed: not worth a post.
    pub fn is_quiet(&self) -> bool {
        self.roots.is_empty()
            && self.external.is_empty()
            && self.stale.is_empty()
            && self.unowned_ready.is_empty()
            && self.changes.is_empty()
    }
}

/// Working days (Monday to Friday) from `since` to `now`.
pub fn working_days_between(since: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let mut day = since.date_naive();
    let end = now.date_naive();
    let mut count = 0;
    while day < end {
        day = day.succ_opt().unwrap_or(end);
        if day.weekday().number_from_monday() <= 5 {
            count += 1;
        }
    }
    count
}

/// Builds the digest of `work` at `now`; `changes` are computed by the caller from
/// the events since the last digest.
pub fn digest(work: &RoomWork, changes: Changes, now: DateTime<Utc>) -> Digest {
    // Sorted, then built in bulk: in a large room that takes half the time of a
    // map insert per edge. The sort is stable, so each list keeps the edges' order.
    let mut by_blocker: Vec<(TaskKey, TaskKey)> = work
        .open_edges
        .iter()
        .map(|(task, blocker)| (*blocker, *task))
        .collect();
    by_blocker.sort_by_key(|(blocker, _)| *blocker);
    let waiters: BTreeMap<TaskKey, Vec<TaskKey>> = by_blocker
        .chunk_by(|a, b| a.0 == b.0)
        .filter_map(|edges| {
            let (blocker, _) = edges.first()?;
            Some((*blocker, edges.iter().map(|(_, task)| *task).collect()))
        })
        .collect();
    let is_blocked = |key: &TaskKey| work.waits_on_a_task(*key);
    let candidates: Vec<TaskKey> = waiters
        .keys()
        .filter(|key| !is_blocked(key))
        .filter(|key| touches_room(work, **key, &waiters))
        .copied()
        .collect();
    let root_count = candidates.len();
    let roots = top_roots(&candidates, &waiters, ROOTS_SHOWN);

    // One walk over the room's tasks for all three lists.
    let mut external = Vec::new();
    let mut stale = Vec::new();
    let mut unowned_ready = Vec::new();
    for t in &work.tasks {
        if t.blocked_externally {
            external.push(t.key);
        }
        if t.in_progress
            .is_some_and(|last| working_days_between(last, now) >= STALE_AFTER_WORKING_DAYS)
        {
            stale.push(t.key);
        }
        if !t.owned && !t.blocked_externally && !is_blocked(&t.key) {
            unowned_ready.push(t.key);
        }
    }
    Digest {
        roots,
        root_count,
        external,
        stale,
        unowned_ready,
        changes,
    }
}

/// Whether a root holds up at least one task of the room (roots elsewhere that only
/// block other rooms' work belong in those rooms' digests).
fn touches_room(work: &RoomWork, root: TaskKey, waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> bool {
    work.is_in_room(root) || downstream(root, waiters).any(|k| work.is_in_room(k))
}

/// The `k` roots with the most tasks waiting on them, with exact counts and their
/// longest chains.
fn top_roots(
    candidates: &[TaskKey],
    waiters: &BTreeMap<TaskKey, Vec<TaskKey>>,
    k: usize,
) -> Vec<RootBlocker> {
    let reach = Reach::new(waiters);
    reach
        .most_waited_on(candidates, k)
        .into_iter()
        .map(|(waiting, key)| RootBlocker {
            key,
            waiting,
            chain: reach.longest_chain(key),
        })
        .collect()
}

#[cfg(test)]
mod tests;
