//! The daily digest's content: what is stuck, why, and what moved.
//!
//! Pure: the engine loads a room's open tasks and open dependency edges, this
//! module ranks and explains them.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Datelike, Utc};

use super::{Readiness, Status, Task, TaskKey};

/// In progress without activity for this many working days is stale.
pub const STALE_AFTER_WORKING_DAYS: i64 = 3;

/// A room's open work as the digest sees it.
#[derive(Debug, Clone, Default)]
pub struct RoomWork {
    /// The room's open and in-progress tasks, and open blockers of them elsewhere.
    pub tasks: HashMap<TaskKey, Task>,
    /// `(task, blocker)` for every dependency whose blocker is still open.
    pub open_edges: Vec<(TaskKey, TaskKey)>,
    /// The room's own open tasks (the others in `tasks` live elsewhere).
    pub in_room: BTreeSet<TaskKey>,
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
    /// Ranked by how much waits on them, most first.
    pub roots: Vec<RootBlocker>,
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
    let mut waiters: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
    let mut blocked: BTreeSet<TaskKey> = BTreeSet::new();
    for (task, blocker) in &work.open_edges {
        waiters.entry(*blocker).or_default().push(*task);
        blocked.insert(*task);
    }
    let mut roots: Vec<RootBlocker> = waiters
        .keys()
        .filter(|key| !blocked.contains(key))
        .filter(|key| touches_room(work, **key, &waiters))
        .map(|key| RootBlocker {
            key: *key,
            waiting: count_waiting(*key, &waiters),
            chain: longest_chain(*key, &waiters),
        })
        .collect();
    roots.sort_by(|a, b| b.waiting.cmp(&a.waiting).then(a.key.cmp(&b.key)));

    let room_tasks = || work.in_room.iter().filter_map(|key| work.tasks.get(key));
    let external = room_tasks()
        .filter(|t| t.external_blocker.is_some())
        .map(|t| t.key)
        .collect();
    let stale = room_tasks()
        .filter(|t| t.status == Status::InProgress)
        .filter(|t| working_days_between(t.last_activity_at, now) >= STALE_AFTER_WORKING_DAYS)
        .map(|t| t.key)
        .collect();
    let unowned_ready = room_tasks()
        .filter(|t| t.owner.is_none() && !blocked.contains(&t.key) && t.external_blocker.is_none())
        .filter(|t| t.readiness([]) == Readiness::Ready)
        .map(|t| t.key)
        .collect();
    Digest {
        roots,
        external,
        stale,
        unowned_ready,
        changes,
    }
}

/// Whether a root holds up at least one task of the room (roots elsewhere that only
/// block other rooms' work belong in those rooms' digests).
fn touches_room(work: &RoomWork, root: TaskKey, waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> bool {
    work.in_room.contains(&root) || downstream(root, waiters).any(|k| work.in_room.contains(&k))
}

fn downstream<'a>(
    root: TaskKey,
    waiters: &'a BTreeMap<TaskKey, Vec<TaskKey>>,
) -> impl Iterator<Item = TaskKey> + 'a {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<TaskKey> = waiters.get(&root).into_iter().flatten().copied().collect();
    std::iter::from_fn(move || {
        while let Some(key) = queue.pop_front() {
            if seen.insert(key) {
                queue.extend(waiters.get(&key).into_iter().flatten().copied());
                return Some(key);
            }
        }
        None
    })
}

fn count_waiting(root: TaskKey, waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> usize {
    downstream(root, waiters).count()
}

/// The longest path of waiting tasks ending at `root`, written from the farthest
/// waiting task down to the root: `[T-4, T-3, T-2, T-1]`.
fn longest_chain(root: TaskKey, waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> Vec<TaskKey> {
    // Longest path in a DAG: memoised depth-first search over the waiters.
    fn depth(
        key: TaskKey,
        waiters: &BTreeMap<TaskKey, Vec<TaskKey>>,
        memo: &mut HashMap<TaskKey, Vec<TaskKey>>,
    ) -> Vec<TaskKey> {
        if let Some(path) = memo.get(&key) {
            return path.clone();
        }
        let mut best: Vec<TaskKey> = Vec::new();
        for waiter in waiters.get(&key).into_iter().flatten() {
            let path = depth(*waiter, waiters, memo);
            if path.len() > best.len() {
                best = path;
            }
        }
        best.push(key);
        memo.insert(key, best.clone());
        best
    }
    depth(root, waiters, &mut HashMap::new())
}

#[cfg(test)]
mod tests {
    use super::super::task::tests::task;
    use super::*;

    fn t(n: u64) -> TaskKey {
        TaskKey::new(n)
    }

    fn work(edges: &[(u64, u64)], tasks: &[Task]) -> RoomWork {
        RoomWork {
            tasks: tasks.iter().map(|t| (t.key, t.clone())).collect(),
            open_edges: edges.iter().map(|(a, b)| (t(*a), t(*b))).collect(),
            in_room: tasks.iter().map(|t| t.key).collect(),
        }
    }

    #[test]
    fn root_blockers_rank_by_everything_waiting_on_them() {
        // T-1 ← T-2 ← T-3 ← T-4 and T-1 ← T-5; T-6 ← T-7.
        let tasks: Vec<Task> = (1..=7).map(|n| task(n, Some("@bob"))).collect();
        let edges = [(2, 1), (3, 2), (4, 3), (5, 1), (7, 6)];
        let digest = digest(
            &work(&edges, &tasks),
            Changes::default(),
            tasks[0].created_at,
        );
        assert_eq!(digest.roots.len(), 2);
        assert_eq!(digest.roots[0].key, t(1));
        assert_eq!(digest.roots[0].waiting, 4);
        assert_eq!(digest.roots[0].chain, [t(4), t(3), t(2), t(1)]);
        assert_eq!(digest.roots[1].waiting, 1);
    }

    #[test]
    fn diamonds_count_each_waiting_task_once() {
        let tasks: Vec<Task> = (1..=4).map(|n| task(n, None)).collect();
        let edges = [(2, 1), (3, 1), (4, 2), (4, 3)];
        let digest = digest(
            &work(&edges, &tasks),
            Changes::default(),
            tasks[0].created_at,
        );
        assert_eq!(digest.roots[0].waiting, 3);
    }

    #[test]
    fn external_stale_and_unowned_work_is_listed() {
        let mut external = task(1, Some("@hana"));
        external.external_blocker = Some("legal review".into());
        let mut stale = task(2, Some("@bob"));
        stale.status = Status::InProgress;
        let unowned = task(3, None);
        let now = stale.last_activity_at + chrono::Duration::days(7);
        let digest = digest(
            &work(&[], &[external, stale, unowned]),
            Changes::default(),
            now,
        );
        assert_eq!(digest.external, [t(1)]);
        assert_eq!(digest.stale, [t(2)]);
        assert_eq!(digest.unowned_ready, [t(3)]);
    }

    #[test]
    fn a_room_with_nothing_stuck_and_nothing_new_is_quiet() {
        let tasks = [task(1, Some("@bob"))];
        assert!(digest(&work(&[], &tasks), Changes::default(), tasks[0].created_at).is_quiet());
    }

    #[test]
    fn working_days_skip_weekends() {
        let friday = DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            working_days_between(friday, friday + chrono::Duration::days(3)),
            1
        );
        assert_eq!(
            working_days_between(friday, friday + chrono::Duration::days(5)),
            3
        );
    }
}
