//! The daily digest's content: what is stuck, why, and what moved.
//!
//! Pure: the engine loads a room's open tasks and open dependency edges, this
//! module ranks and explains them.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Datelike, Utc};

use super::{Readiness, Status, Task, TaskKey};

/// How many root blockers a digest ranks and explains.
pub const ROOTS_SHOWN: usize = 10;

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
    let mut waiters: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
    let mut blocked: BTreeSet<TaskKey> = BTreeSet::new();
    for (task, blocker) in &work.open_edges {
        waiters.entry(*blocker).or_default().push(*task);
        blocked.insert(*task);
    }
    let candidates: Vec<TaskKey> = waiters
        .keys()
        .filter(|key| !blocked.contains(key))
        .filter(|key| touches_room(work, **key, &waiters))
        .copied()
        .collect();
    let root_count = candidates.len();
    let roots = top_roots(&candidates, &waiters, ROOTS_SHOWN);

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

/// The `k` roots with the most tasks waiting on them, with exact counts and their
/// longest chains.
fn top_roots(
    candidates: &[TaskKey],
    waiters: &BTreeMap<TaskKey, Vec<TaskKey>>,
    k: usize,
) -> Vec<RootBlocker> {
    let order = topological_order(waiters);
    let counts = waiting_counts(candidates, &order, waiters);
    // The longest chain below each task, from the waiting end back up.
    let mut longest: HashMap<TaskKey, (usize, Option<TaskKey>)> =
        HashMap::with_capacity(order.len());
    for key in order.iter().rev() {
        let mut best: (usize, Option<TaskKey>) = (1, None);
        for waiter in waiters.get(key).into_iter().flatten() {
            let depth = longest.get(waiter).map_or(1, |(d, _)| *d) + 1;
            if depth > best.0 || (depth == best.0 && best.1.is_some_and(|b| *waiter < b)) {
                best = (depth, Some(*waiter));
            }
        }
        longest.insert(*key, best);
    }
    let mut ranked: Vec<(usize, TaskKey)> = candidates
        .iter()
        .map(|key| (counts.get(key).copied().unwrap_or(0), *key))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .take(k)
        .map(|(waiting, key)| RootBlocker {
            key,
            waiting,
            chain: chain_from(key, &longest),
        })
        .collect()
}

/// Memory for one pass of [`waiting_counts`]: bounds the bits a task gets.
const PASS_BYTES: usize = 64 << 20;

/// How many tasks wait on each root, directly or not, counting a task reached
/// along several paths once.
///
/// Each task gets a bit per root; walking the tasks in topological order, every
/// task passes its bits on to the tasks waiting on it, so a task ends up with the
/// bits of every root above it. Roots are taken a few thousand at a time to bound
/// memory: the cost is (edges × 64 words + set bits) a pass, where one
/// breadth-first search per root would revisit shared descendants for every root.
fn waiting_counts(
    roots: &[TaskKey],
    order: &[TaskKey],
    waiters: &BTreeMap<TaskKey, Vec<TaskKey>>,
) -> HashMap<TaskKey, usize> {
    let position: HashMap<TaskKey, usize> =
        order.iter().enumerate().map(|(i, key)| (*key, i)).collect();
    let mut counts = HashMap::with_capacity(roots.len());
    // Up to 64 words (4,096 roots) a task, as memory allows and the roots need.
    let words = (PASS_BYTES / (order.len().max(1) * 8))
        .clamp(1, 64)
        .min(roots.len().div_ceil(64).max(1));
    for pass in roots.chunks(64 * words) {
        let mut bits = vec![0u64; order.len() * words];
        for (bit, root) in pass.iter().enumerate() {
            if let Some(row) = position.get(root) {
                bits[row * words + bit / 64] |= 1 << (bit % 64);
            }
        }
        for (row, key) in order.iter().enumerate() {
            for waiter in waiters.get(key).into_iter().flatten() {
                let Some(&to) = position.get(waiter) else {
                    continue;
                };
                // Topological order puts every waiter after what it waits on.
                let (before, after) = bits.split_at_mut(to * words);
                let from = &before[row * words..(row + 1) * words];
                for (into, word) in after[..words].iter_mut().zip(from) {
                    *into |= *word;
                }
            }
        }
        let mut reached = vec![0usize; pass.len()];
        for task_bits in bits.chunks(words) {
            for (index, word) in task_bits.iter().enumerate() {
                let mut word = *word;
                while word != 0 {
                    reached[index * 64 + word.trailing_zeros() as usize] += 1;
                    word &= word - 1;
                }
            }
        }
        for (root, reached) in pass.iter().zip(reached) {
            // A root's own bit is set on itself.
            counts.insert(*root, reached.saturating_sub(1));
        }
    }
    counts
}

/// Tasks ordered so that every task comes before the tasks waiting on it (Kahn's
/// algorithm; iterative, so long chains cannot exhaust the stack).
fn topological_order(waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> Vec<TaskKey> {
    let mut blockers_left: HashMap<TaskKey, usize> = HashMap::new();
    for (blocker, list) in waiters {
        blockers_left.entry(*blocker).or_insert(0);
        for waiter in list {
            *blockers_left.entry(*waiter).or_insert(0) += 1;
        }
    }
    let mut ready: VecDeque<TaskKey> = blockers_left
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| *k)
        .collect();
    let mut order = Vec::with_capacity(blockers_left.len());
    while let Some(key) = ready.pop_front() {
        order.push(key);
        for waiter in waiters.get(&key).into_iter().flatten() {
            if let Some(left) = blockers_left.get_mut(waiter) {
                *left -= 1;
                if *left == 0 {
                    ready.push_back(*waiter);
                }
            }
        }
    }
    order
}

/// The longest chain of waiting tasks ending at `root`, written from the farthest
/// waiting task down to the root: `[T-4, T-3, T-2, T-1]`.
fn chain_from(root: TaskKey, longest: &HashMap<TaskKey, (usize, Option<TaskKey>)>) -> Vec<TaskKey> {
    let mut chain = vec![root];
    let mut at = root;
    while let Some((_, Some(next))) = longest.get(&at) {
        chain.push(*next);
        at = *next;
    }
    chain.reverse();
    chain
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
    fn only_the_largest_roots_are_ranked_and_all_are_counted() {
        // 30 small roots with one waiter each, and one root with a long chain.
        let mut edges: Vec<(u64, u64)> = (0..30).map(|i| (6000 + i, 5000 + i)).collect();
        edges.extend((2..=2000).map(|n| (n, n - 1)));
        let tasks: Vec<Task> = edges
            .iter()
            .flat_map(|(a, b)| [*a, *b])
            .map(|n| task(n, None))
            .collect();
        let digest = digest(
            &work(&edges, &tasks),
            Changes::default(),
            tasks[0].created_at,
        );
        assert_eq!(digest.root_count, 31);
        assert_eq!(digest.roots.len(), ROOTS_SHOWN);
        assert_eq!(digest.roots[0].key, t(1));
        assert_eq!(digest.roots[0].waiting, 1999);
        assert_eq!(
            digest.roots[0].chain.len(),
            2000,
            "a long chain, walked without recursion"
        );
        assert!(digest.roots[1..].iter().all(|r| r.waiting == 1));
    }

    #[test]
    fn bit_counting_agrees_with_walking_each_root() {
        // A random DAG with a few hundred roots: edges only point from later tasks
        // to earlier ones, some tasks wait on nothing.
        let mut seed = 42u64;
        let mut next = |bound: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % bound
        };
        let mut waiters: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
        let mut blocked = BTreeSet::new();
        for n in 2..1500u64 {
            for _ in 0..next(3) {
                let blocker = t(n - 1 - next(n.min(40) - 1));
                waiters.entry(blocker).or_default().push(t(n));
                blocked.insert(t(n));
            }
        }
        for list in waiters.values_mut() {
            list.sort();
            list.dedup();
        }
        let roots: Vec<TaskKey> = waiters
            .keys()
            .filter(|k| !blocked.contains(k))
            .copied()
            .collect();
        assert!(
            roots.len() > 64,
            "roots span several words: {}",
            roots.len()
        );
        let counts = waiting_counts(&roots, &topological_order(&waiters), &waiters);
        for root in roots {
            assert_eq!(counts[&root], downstream(root, &waiters).count(), "{root}");
        }
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
