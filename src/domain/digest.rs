//! The daily digest's content: what is stuck, why, and what moved.
//!
//! Pure: the engine loads a room's open tasks and open dependency edges, this
//! module ranks and explains them.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use chrono::{DateTime, Datelike, Utc};

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
    let graph = WaitGraph::new(waiters);
    let longest = graph.longest_chains();
    rank_roots(candidates, &graph, &longest, k, PASS_BYTES)
        .into_iter()
        .map(|(waiting, key)| RootBlocker {
            key,
            waiting,
            chain: graph.chain(key, &longest),
        })
        .collect()
}

/// The `k` of `roots` with the most tasks waiting on them, most first (the smaller
/// key on a tie), with their counts.
///
/// Counting is what costs, so not every root is counted. Everything waiting on a
/// task has a shorter longest chain than the task itself, so a root whose longest
/// chain is `h` long has at most as many tasks waiting on it as there are tasks
/// whose chains are shorter than `h`. Roots are counted a pass at a time in order
/// of that bound, highest first, and counting stops once the bound of the next is
/// below the `k`-th best count so far: none left can make the list. In a room
/// where work piles up behind a few old blockers, those have the longest chains,
/// and the thousands of small roots are never counted.
fn rank_roots(
    roots: &[TaskKey],
    graph: &WaitGraph,
    longest: &[(usize, Next)],
    k: usize,
    pass_bytes: usize,
) -> Vec<(usize, TaskKey)> {
    if k == 0 || roots.is_empty() {
        return Vec::new();
    }
    // `shorter[h]`: how many tasks have a longest chain shorter than `h`.
    let tallest = longest.iter().map(|(h, _)| *h).max().unwrap_or(0);
    let mut shorter = vec![0usize; tallest + 2];
    for (h, _) in longest {
        if let Some(slot) = shorter.get_mut(h + 1) {
            *slot += 1;
        }
    }
    let mut so_far = 0;
    for slot in &mut shorter {
        so_far += *slot;
        *slot = so_far;
    }
    let bound = |key: &TaskKey| {
        graph
            .row(key)
            .and_then(|row| longest.get(row))
            .and_then(|(h, _)| shorter.get(*h))
            .copied()
            .unwrap_or(0)
    };
    // Highest first, and the smaller key on a tie: for bounds and for counts.
    let most_first = |a: &(usize, TaskKey), b: &(usize, TaskKey)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    let mut by_bound: Vec<(usize, TaskKey)> = roots.iter().map(|key| (bound(key), *key)).collect();
    by_bound.sort_unstable_by(most_first);

    let mut counter = WaitingCounter::new(graph, pass_bytes, roots.len());
    let mut best: Vec<(usize, TaskKey)> = Vec::with_capacity(k + counter.roots_per_pass());
    let mut left = by_bound.as_slice();
    loop {
        // A root bounded below the k-th best count cannot make the list; one
        // bounded at it could still tie and win on its key.
        let least = if best.len() == k {
            best.last().map(|(count, _)| *count)
        } else {
            None
        };
        let can_make_it = |(bound, _): &(usize, TaskKey)| least.is_none_or(|least| *bound >= least);
        let pass: Vec<TaskKey> = left
            .iter()
            .take(counter.roots_per_pass())
            .take_while(|root| can_make_it(*root))
            .map(|(_, key)| *key)
            .collect();
        if pass.is_empty() {
            break;
        }
        left = left.get(pass.len()..).unwrap_or_default();
        best.extend(counter.count(&pass).into_iter().zip(pass));
        best.sort_unstable_by(most_first);
        best.truncate(k);
    }
    best
}

/// Hashes a task key with a rotation and a multiplication (as rustc's FxHash
/// does). The keys are numbers the store hands out, not input chosen to collide,
/// and with SipHash numbering the tasks would cost more than ordering them.
#[derive(Debug, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type KeyMap<V> = HashMap<TaskKey, V, BuildHasherDefault<KeyHasher>>;

/// Marks a task left out of the topological order.
const NO_ROW: u32 = u32::MAX;

/// The waiting relation with tasks numbered by their place in the topological
/// order (a task's *row*), built once so the passes of [`WaitingCounter`] and the
/// longest chains index vectors instead of looking keys up in maps for every edge.
/// Rows are `u32` to keep the adjacency small: a room has far fewer tasks.
struct WaitGraph {
    /// Row `i` is task `order[i]`; every task comes before the tasks waiting on it.
    order: Vec<TaskKey>,
    /// Every task's number in `row_of`.
    ids: KeyMap<u32>,
    /// Each numbered task's row, [`NO_ROW`] if it is left out of the order.
    row_of: Vec<u32>,
    /// The rows waiting on row `i` are `targets[offsets[i]..offsets[i + 1]]`, each
    /// after `i`.
    offsets: Vec<usize>,
    targets: Vec<u32>,
    /// For a row with waiters left out of the order (they sit on or below a
    /// cycle), the smallest of them: it counts for nothing, but a chain still
    /// steps onto it.
    outside: HashMap<usize, TaskKey>,
}

/// Where the longest chain below a task goes next.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// Nothing waits on the task: the chain ends with it.
    End,
    /// The waiting task in this row.
    Row(u32),
    /// A waiting task left out of the order, where the chain ends.
    Outside(TaskKey),
}

impl WaitGraph {
    fn new(waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> Self {
        // Number the tasks as they come, and list each one's waiters by number.
        let mut ids = KeyMap::with_capacity_and_hasher(waiters.len() * 2, Default::default());
        let mut keys: Vec<TaskKey> = Vec::with_capacity(waiters.len() * 2);
        let mut number = |key: TaskKey| -> u32 {
            *ids.entry(key).or_insert_with(|| {
                keys.push(key);
                (keys.len() - 1) as u32
            })
        };
        let mut lists: Vec<(u32, Range<usize>)> = Vec::with_capacity(waiters.len());
        let mut listed: Vec<u32> = Vec::with_capacity(waiters.values().map(Vec::len).sum());
        for (blocker, list) in waiters {
            let blocker = number(*blocker);
            let start = listed.len();
            listed.extend(list.iter().map(|waiter| number(*waiter)));
            lists.push((blocker, start..listed.len()));
        }
        let mut spans: Vec<Range<usize>> = vec![0..0; keys.len()];
        for (blocker, span) in lists {
            if let Some(slot) = spans.get_mut(blocker as usize) {
                *slot = span;
            }
        }
        let waiting = |id: u32| -> &[u32] {
            spans
                .get(id as usize)
                .and_then(|span| listed.get(span.clone()))
                .unwrap_or_default()
        };

        let order_ids = topological_order(keys.len(), waiting);
        let mut row_of = vec![NO_ROW; keys.len()];
        for (row, id) in (0..).zip(&order_ids) {
            if let Some(slot) = row_of.get_mut(*id as usize) {
                *slot = row;
            }
        }
        let mut offsets = Vec::with_capacity(order_ids.len() + 1);
        let mut targets = Vec::with_capacity(listed.len());
        let mut outside: HashMap<usize, TaskKey> = HashMap::new();
        offsets.push(0);
        for (row, id) in order_ids.iter().enumerate() {
            for waiter in waiting(*id) {
                match row_of.get(*waiter as usize) {
                    Some(&to) if to != NO_ROW => targets.push(to),
                    _ => {
                        if let Some(key) = keys.get(*waiter as usize) {
                            let least = outside.entry(row).or_insert(*key);
                            *least = (*least).min(*key);
                        }
                    }
                }
            }
            offsets.push(targets.len());
        }
        let order = order_ids
            .iter()
            .filter_map(|id| keys.get(*id as usize).copied())
            .collect();
        Self {
            order,
            ids,
            row_of,
            offsets,
            targets,
            outside,
        }
    }

    /// How many tasks are in the order.
    fn len(&self) -> usize {
        self.order.len()
    }

    /// The row of `key`, if it is in the order.
    fn row(&self, key: &TaskKey) -> Option<usize> {
        let id = self.ids.get(key)?;
        let row = *self.row_of.get(*id as usize)?;
        (row != NO_ROW).then_some(row as usize)
    }

    /// The rows waiting on `row`.
    fn waiters_of(&self, row: usize) -> &[u32] {
        let start = self.offsets.get(row).copied().unwrap_or(0);
        let end = self.offsets.get(row + 1).copied().unwrap_or(start);
        self.targets.get(start..end).unwrap_or_default()
    }

    /// For every row, the length of the longest chain of waiting tasks that starts
    /// with it and where that chain goes next: the waiter with the longest chain,
    /// the smaller key on a tie. Filled from the last row back, so a task's
    /// waiters are done before it and long chains need no recursion.
    fn longest_chains(&self) -> Vec<(usize, Next)> {
        let mut longest = vec![(1, Next::End); self.len()];
        for row in (0..self.len()).rev() {
            // A waiter outside the order has no chain of its own below it.
            let mut best: Option<(usize, TaskKey, Next)> = self
                .outside
                .get(&row)
                .map(|key| (2, *key, Next::Outside(*key)));
            for to in self.waiters_of(row) {
                let (Some((depth, _)), Some(key)) =
                    (longest.get(*to as usize), self.order.get(*to as usize))
                else {
                    continue;
                };
                let depth = depth + 1;
                if best.is_none_or(|(d, k, _)| depth > d || (depth == d && *key < k)) {
                    best = Some((depth, *key, Next::Row(*to)));
                }
            }
            if let (Some((depth, _, next)), Some(slot)) = (best, longest.get_mut(row)) {
                *slot = (depth, next);
            }
        }
        longest
    }

    /// The longest chain of waiting tasks ending at `root`, written from the
    /// farthest waiting task down to the root: `[T-4, T-3, T-2, T-1]`.
    fn chain(&self, root: TaskKey, longest: &[(usize, Next)]) -> Vec<TaskKey> {
        let mut chain = vec![root];
        let mut at = self.row(&root);
        while let Some((_, next)) = at.and_then(|row| longest.get(row)) {
            at = None;
            match *next {
                Next::End => {}
                Next::Row(row) => {
                    chain.extend(self.order.get(row as usize));
                    at = Some(row as usize);
                }
                Next::Outside(key) => chain.push(key),
            }
        }
        chain.reverse();
        chain
    }
}

/// The tasks numbered `0..tasks`, ordered so that every task comes before the
/// tasks waiting on it (Kahn's algorithm; iterative, so long chains cannot
/// exhaust the stack). Tasks on a cycle, and those waiting on them, are left out.
fn topological_order<'a>(tasks: usize, waiting: impl Fn(u32) -> &'a [u32]) -> Vec<u32> {
    let mut blockers_left = vec![0usize; tasks];
    for id in (0..).take(tasks) {
        for waiter in waiting(id) {
            if let Some(left) = blockers_left.get_mut(*waiter as usize) {
                *left += 1;
            }
        }
    }
    let mut ready: VecDeque<u32> = (0..)
        .zip(&blockers_left)
        .filter(|(_, left)| **left == 0)
        .map(|(id, _)| id)
        .collect();
    let mut order = Vec::with_capacity(tasks);
    while let Some(id) = ready.pop_front() {
        order.push(id);
        for waiter in waiting(id) {
            if let Some(left) = blockers_left.get_mut(*waiter as usize) {
                *left -= 1;
                if *left == 0 {
                    ready.push_back(*waiter);
                }
            }
        }
    }
    order
}

/// Memory for one pass of a [`WaitingCounter`]: bounds the bits a task gets. Small
/// enough for a pass's bits to stay in a server's last-level cache while they are
/// ORed along the edges (passes of 64 MiB were slower, not faster).
const PASS_BYTES: usize = 16 << 20;

/// Tasks a [`WaitingCounter`] adds up at once: what [`Counters::add`] takes.
const BLOCK: usize = 16;

/// Counts how many tasks wait on each of a list of roots, directly or not,
/// counting a task reached along several paths once.
///
/// Each task gets a bit per root; walking the tasks in topological order, every
/// task passes its bits on to the tasks waiting on it, so a task ends up with the
/// bits of every root above it. Roots are taken `64 × words` at a time (a pass),
/// with words as `pass_bytes` allows, up to 64 (4,096 roots). A root's count is
/// then how many tasks hold its bit, and where tasks wait on thousands of roots
/// each, those bits number hundreds of millions: rather than visit every set bit,
/// each block of [`BLOCK`] tasks is added into bit-sliced counters ([`Counters`]),
/// a few bitwise operations per word for 64 roots at once. The cost is a pass's
/// words ORed along the edges of the tasks it reaches, plus those tasks' words
/// added up, where one breadth-first search per root would revisit shared
/// descendants for every root.
///
/// One buffer serves every pass, and every call, so that [`rank_roots`] can count
/// a pass at a time: a task's bits are cleared once it has passed them on and been
/// counted, and blocks of tasks no root of the pass reaches are skipped.
struct WaitingCounter<'g> {
    graph: &'g WaitGraph,
    /// Words of bits a task gets in a pass: 64 roots each.
    words: usize,
    /// `words` a row; all zero between passes.
    bits: Vec<u64>,
    /// Whether a root of the pass reaches the row: exactly the rows with bits set.
    reached: Vec<bool>,
}

impl<'g> WaitingCounter<'g> {
    /// A counter for up to `most` roots at a time, with passes of at most
    /// `pass_bytes` of bits.
    fn new(graph: &'g WaitGraph, pass_bytes: usize, most: usize) -> Self {
        let rows = graph.len();
        let words = (pass_bytes / (rows.max(1) * 8))
            .clamp(1, 64)
            .min(most.div_ceil(64).max(1));
        Self {
            graph,
            words,
            bits: vec![0; rows * words],
            reached: vec![false; rows],
        }
    }

    /// How many roots one pass counts.
    fn roots_per_pass(&self) -> usize {
        64 * self.words
    }

    /// How many tasks wait on each of `roots`, in the same order.
    fn count(&mut self, roots: &[TaskKey]) -> Vec<usize> {
        let graph = self.graph;
        let rows = graph.len();
        let mut counts = vec![0; roots.len()];
        if rows == 0 {
            return counts;
        }
        let (bits, reached) = (&mut self.bits, &mut self.reached);
        let per_pass = 64 * self.words;
        for (pass, counts) in roots.chunks(per_pass).zip(counts.chunks_mut(per_pass)) {
            // The last pass may need fewer words a row.
            let stride = pass.len().div_ceil(64);
            let mut counters = Counters::new(stride, rows);
            for (bit, root) in pass.iter().enumerate() {
                if let Some(row) = graph.row(root) {
                    bits[row * stride + bit / 64] |= 1 << (bit % 64);
                    reached[row] = true;
                }
            }
            for start in (0..rows).step_by(BLOCK) {
                let end = (start + BLOCK).min(rows);
                if !reached[start..end].contains(&true) {
                    continue;
                }
                for row in start..end {
                    if !reached[row] {
                        continue;
                    }
                    // Topological order puts every waiter after what it waits on, so
                    // a row's bits are complete when the walk gets to it.
                    let (done, rest) = bits.split_at_mut((row + 1) * stride);
                    let from = &done[row * stride..];
                    for to in graph.waiters_of(row) {
                        let to = *to as usize;
                        let Some(into) = to
                            .checked_sub(row + 1)
                            .and_then(|skip| rest.get_mut(skip * stride..(skip + 1) * stride))
                        else {
                            continue;
                        };
                        for (into, word) in into.iter_mut().zip(from) {
                            *into |= *word;
                        }
                        reached[to] = true;
                    }
                }
                // Only earlier rows write to a row, so the block's bits are final.
                let block = &mut bits[start * stride..end * stride];
                counters.add(block);
                block.fill(0);
                reached[start..end].fill(false);
            }
            debug_assert!(
                bits.iter().all(|word| *word == 0),
                "every pass clears its bits"
            );
            for (bit, count) in counts.iter_mut().enumerate() {
                // A root's own bit is set on itself.
                *count = counters.count(bit / 64, bit % 64).saturating_sub(1);
            }
        }
        counts
    }
}

/// One counter per bit of `columns` words, kept bit-sliced: bit `b` of plane `p`
/// of a column is bit `p` of that column's counter `b`, so adding a word to 64
/// counters is a binary addition done with bitwise operations on whole planes.
///
/// Rows of words come in [`BLOCK`] at a time and first go through a tree of
/// carry-save adders (Harley–Seal): the low four planes each take pairs of rows and
/// leave half as many rows of carries for the next, a full adder per word, and
/// only the one row of carries left at the end ripples into the higher planes.
/// That makes a dense word cost a handful of operations, shared by 64 counters
/// and over all of a row's words at once, where counting its set bits one by one
/// costs a step per bit.
#[derive(Debug, Clone)]
struct Counters {
    columns: usize,
    /// Plane `p` of column `c`, of weight `2^p`, is `planes[p * columns + c]`.
    planes: Vec<u64>,
    /// The rows of carries between the levels of the tree: 8, 4, 2 and 1.
    carries: Vec<u64>,
    /// A last block of fewer than [`BLOCK`] rows, padded with zeros.
    padded: Vec<u64>,
}

impl Counters {
    /// Counters for `columns` words a row that never overflow while they count
    /// at most `most` rows.
    fn new(columns: usize, most: usize) -> Self {
        // Bits for `most`, and at least the four planes of the tree.
        let planes = ((usize::BITS - most.leading_zeros()) as usize).max(4) + 1;
        Self {
            columns,
            planes: vec![0; planes * columns],
            carries: vec![0; (BLOCK - 1) * columns],
            padded: vec![0; BLOCK * columns],
        }
    }

    /// Adds up to [`BLOCK`] rows of words, row after row.
    fn add(&mut self, block: &[u64]) {
        let columns = self.columns;
        let block = if block.len() == BLOCK * columns {
            block
        } else {
            let (rows, zeros) = self.padded.split_at_mut(block.len().min(BLOCK * columns));
            rows.copy_from_slice(&block[..rows.len()]);
            zeros.fill(0);
            &self.padded
        };
        let (twos, rest) = self.carries.split_at_mut(8 * columns);
        let (fours, rest) = rest.split_at_mut(4 * columns);
        let (eights, sixteens) = rest.split_at_mut(2 * columns);
        let (ones, rest) = self.planes.split_at_mut(columns);
        let (plane_twos, rest) = rest.split_at_mut(columns);
        let (plane_fours, rest) = rest.split_at_mut(columns);
        let (plane_eights, high) = rest.split_at_mut(columns);
        carry_save_rows(ones, block, twos);
        carry_save_rows(plane_twos, twos, fours);
        carry_save_rows(plane_fours, fours, eights);
        carry_save_rows(plane_eights, eights, sixteens);
        for (column, carry) in sixteens.iter().enumerate() {
            let mut carry = *carry;
            for plane in high.iter_mut().skip(column).step_by(columns) {
                if carry == 0 {
                    break;
                }
                let next = *plane & carry;
                *plane ^= carry;
                carry = next;
            }
            debug_assert_eq!(carry, 0, "the counters hold every count");
        }
    }

    /// Counter `bit` of column `column`.
    fn count(&self, column: usize, bit: usize) -> usize {
        self.planes
            .iter()
            .skip(column)
            .step_by(self.columns)
            .enumerate()
            .map(|(weight, plane)| (((plane >> bit) & 1) as usize) << weight)
            .sum()
    }
}

/// Adds the rows of `from`, two at a time, into `plane` with a full adder per bit
/// (`plane + a + b == sum + 2 × carry`), leaving the sum in `plane` and a row of
/// carries in `into` for each pair.
fn carry_save_rows(plane: &mut [u64], from: &[u64], into: &mut [u64]) {
    let columns = plane.len();
    for (pair, carries) in from
        .chunks_exact(2 * columns)
        .zip(into.chunks_exact_mut(columns))
    {
        let (a, b) = pair.split_at(columns);
        for (((sum, carry), a), b) in plane.iter_mut().zip(carries).zip(a).zip(b) {
            let half = a ^ b;
            *carry = (a & b) | (half & *sum);
            *sum ^= half;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::task::tests::task;
    use super::*;

    fn t(n: u64) -> TaskKey {
        TaskKey::new(n)
    }

    /// Every root counted, in passes of at most `pass_bytes`.
    fn waiting_counts(roots: &[TaskKey], graph: &WaitGraph, pass_bytes: usize) -> Vec<usize> {
        WaitingCounter::new(graph, pass_bytes, roots.len()).count(roots)
    }

    fn work(edges: &[(u64, u64)], tasks: &[Task]) -> RoomWork {
        RoomWork::new(
            tasks
                .iter()
                .filter(|t| !t.status.is_resolved())
                .map(OpenTask::from)
                .collect(),
            edges.iter().map(|(a, b)| (t(*a), t(*b))).collect(),
        )
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
        let counts = waiting_counts(&roots, &WaitGraph::new(&waiters), PASS_BYTES);
        for (root, count) in roots.into_iter().zip(counts) {
            assert_eq!(count, downstream(root, &waiters).count(), "{root}");
        }
    }

    /// xorshift64: a tiny seeded generator for random graphs.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, bound: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % bound
        }
    }

    /// A random DAG of `tasks` tasks: task `n` waits on `blockers[i]` of the
    /// `reach` tasks before it with `i` drawn uniformly (repeats kept, as repeated
    /// edges would be), and keys are shuffled so their order says nothing about
    /// the graph's.
    fn random_waiters(
        seed: u64,
        tasks: u64,
        reach: u64,
        blockers: &[u64],
    ) -> BTreeMap<TaskKey, Vec<TaskKey>> {
        let mut rng = Rng(seed);
        let mut keys: Vec<u64> = (1..=tasks).collect();
        for i in (1..keys.len()).rev() {
            keys.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut waiters: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
        for n in 1..tasks {
            let count = blockers[rng.below(blockers.len() as u64) as usize];
            for _ in 0..count {
                let blocker = n - 1 - rng.below(n.min(reach));
                waiters
                    .entry(t(keys[blocker as usize]))
                    .or_default()
                    .push(t(keys[n as usize]));
            }
        }
        waiters
    }

    fn roots_of(waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> Vec<TaskKey> {
        let blocked: HashSet<TaskKey> = waiters.values().flatten().copied().collect();
        waiters
            .keys()
            .filter(|key| !blocked.contains(key))
            .copied()
            .collect()
    }

    /// The reference count: a breadth-first search from `root`, each task once.
    fn reached_from(root: TaskKey, waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> usize {
        let mut seen = HashSet::from([root]);
        let mut queue = VecDeque::from([root]);
        while let Some(key) = queue.pop_front() {
            for waiter in waiters.get(&key).into_iter().flatten() {
                if seen.insert(*waiter) {
                    queue.push_back(*waiter);
                }
            }
        }
        seen.len() - 1
    }

    /// The reference order: Kahn's algorithm over the map itself.
    fn order_by_keys(waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> Vec<TaskKey> {
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
        let mut order = Vec::new();
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

    /// The reference for chains: the longest chain below every task, kept in a map
    /// by key and filled from the last task of the order back.
    fn longest_by_keys(
        waiters: &BTreeMap<TaskKey, Vec<TaskKey>>,
    ) -> HashMap<TaskKey, (usize, Option<TaskKey>)> {
        let mut longest: HashMap<TaskKey, (usize, Option<TaskKey>)> = HashMap::new();
        for key in order_by_keys(waiters).iter().rev() {
            let mut best: (usize, Option<TaskKey>) = (1, None);
            for waiter in waiters.get(key).into_iter().flatten() {
                let depth = longest.get(waiter).map_or(1, |(d, _)| *d) + 1;
                if depth > best.0 || (depth == best.0 && best.1.is_some_and(|b| *waiter < b)) {
                    best = (depth, Some(*waiter));
                }
            }
            longest.insert(*key, best);
        }
        longest
    }

    fn chain_by_keys(
        root: TaskKey,
        longest: &HashMap<TaskKey, (usize, Option<TaskKey>)>,
    ) -> Vec<TaskKey> {
        let mut chain = vec![root];
        let mut at = root;
        while let Some((_, Some(next))) = longest.get(&at) {
            chain.push(*next);
            at = *next;
        }
        chain.reverse();
        chain
    }

    /// Counts and chains of every root of `waiters` against the references, with
    /// passes of `pass_bytes`.
    fn assert_matches_references(waiters: &BTreeMap<TaskKey, Vec<TaskKey>>, pass_bytes: usize) {
        let roots = roots_of(waiters);
        let graph = WaitGraph::new(waiters);
        let mut ordered = graph.order.clone();
        let mut expected = order_by_keys(waiters);
        ordered.sort();
        expected.sort();
        assert_eq!(
            ordered, expected,
            "the same tasks are left out of the order"
        );
        for row in 0..graph.len() {
            assert!(graph.waiters_of(row).iter().all(|to| *to as usize > row));
        }
        let counts = waiting_counts(&roots, &graph, pass_bytes);
        assert_eq!(counts.len(), roots.len());
        let longest = graph.longest_chains();
        let reference = longest_by_keys(waiters);
        for (root, count) in roots.iter().zip(counts) {
            assert_eq!(count, reached_from(*root, waiters), "{root}");
            assert_eq!(
                graph.chain(*root, &longest),
                chain_by_keys(*root, &reference),
                "{root}"
            );
        }
    }

    #[test]
    fn bit_sliced_counts_match_a_search_from_each_root() {
        // Chains and diamonds everywhere: each task waits on up to three of the
        // 40 before it, so most tasks wait on most earlier roots.
        let dense = random_waiters(7, 3000, 40, &[0, 1, 2, 3]);
        let roots = roots_of(&dense).len();
        assert!(roots > 64 * 3, "roots span several words: {roots}");
        let rows = WaitGraph::new(&dense).len();
        // One pass; then three words a pass, so several passes and a short last one.
        assert_matches_references(&dense, PASS_BYTES);
        assert_matches_references(&dense, rows * 8 * 3);
        // One word a pass.
        assert_matches_references(&dense, 1);

        // Sparse work with thousands of roots: more than one full pass of 4,096.
        let sparse = random_waiters(11, 30_000, 200, &[0, 0, 1, 1, 2]);
        let roots = roots_of(&sparse).len();
        assert!(roots > 64 * 64, "roots fill more than one pass: {roots}");
        assert_matches_references(&sparse, PASS_BYTES);
        let rows = WaitGraph::new(&sparse).len();
        assert_matches_references(&sparse, rows * 8 * 5);

        for seed in 1..=4 {
            let waiters = random_waiters(seed * 101, 500 + seed * 300, seed * 10, &[0, 1, 2, 4]);
            assert_matches_references(&waiters, 1);
            assert_matches_references(&waiters, PASS_BYTES);
        }
    }

    #[test]
    fn the_digest_ranks_like_a_search_from_each_root() {
        let waiters = random_waiters(3, 2000, 30, &[0, 1, 2, 3]);
        let mut open_edges: Vec<(TaskKey, TaskKey)> = waiters
            .iter()
            .flat_map(|(blocker, list)| list.iter().map(|task| (*task, *blocker)))
            .collect();
        let mut rng = Rng(5);
        for i in (1..open_edges.len()).rev() {
            open_edges.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let now = Utc::now();
        let in_room = waiters.values().flatten().map(|key| OpenTask {
            key: *key,
            owned: true,
            blocked_externally: false,
            in_progress: None,
        });
        let work = RoomWork::new(in_room.collect(), open_edges);
        let digest = digest(&work, Changes::default(), now);

        let mut ranked: Vec<(usize, TaskKey)> = roots_of(&waiters)
            .into_iter()
            .map(|root| (reached_from(root, &waiters), root))
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(digest.root_count, ranked.len());
        let longest = longest_by_keys(&waiters);
        let expected: Vec<RootBlocker> = ranked
            .into_iter()
            .take(ROOTS_SHOWN)
            .map(|(waiting, key)| RootBlocker {
                key,
                waiting,
                chain: chain_by_keys(key, &longest),
            })
            .collect();
        assert_eq!(digest.roots, expected);
    }

    /// Ranking counts roots a pass at a time, highest bound first, and stops when
    /// none left can make the list: with passes of 64 roots, and graphs of many
    /// roots (and, in the lone chains, many ties), it must still agree with a
    /// search from every root.
    #[test]
    fn ranking_by_bounds_agrees_with_counting_every_root() {
        let mut lone_chains: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
        for chain in 0..300 {
            let length = 1 + chain % 4;
            for step in 0..length {
                let at = 1000 + chain * 10 + step;
                lone_chains.insert(t(at), vec![t(at + 1)]);
            }
        }
        for waiters in [
            random_waiters(11, 3000, 40, &[0, 0, 1, 2, 3]),
            random_waiters(12, 3000, 3000, &[0, 0, 0, 1]),
            lone_chains,
        ] {
            let roots = roots_of(&waiters);
            assert!(roots.len() > 200, "several passes: {}", roots.len());
            let mut expected: Vec<(usize, TaskKey)> = roots
                .iter()
                .map(|root| (reached_from(*root, &waiters), *root))
                .collect();
            expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            expected.truncate(ROOTS_SHOWN);
            let graph = WaitGraph::new(&waiters);
            let longest = graph.longest_chains();
            let one_word_a_task = graph.len() * 8;
            assert_eq!(
                rank_roots(&roots, &graph, &longest, ROOTS_SHOWN, one_word_a_task),
                expected
            );
        }
    }

    #[test]
    fn counts_of_lone_roots_and_diamonds() {
        // A root nothing waits on, and one outside the graph.
        let lone = BTreeMap::from([(t(1), Vec::new())]);
        let graph = WaitGraph::new(&lone);
        assert_eq!(waiting_counts(&[t(1), t(9)], &graph, PASS_BYTES), [0, 0]);
        assert_eq!(graph.chain(t(1), &graph.longest_chains()), [t(1)]);
        let empty = WaitGraph::new(&BTreeMap::new());
        assert_eq!(waiting_counts(&[t(1)], &empty, PASS_BYTES), [0]);
        assert!(waiting_counts(&[], &graph, PASS_BYTES).is_empty());

        // T-2 and T-3 wait on T-1, T-4 on both: T-4 counts once.
        let diamond = BTreeMap::from([
            (t(1), vec![t(2), t(3)]),
            (t(2), vec![t(4)]),
            (t(3), vec![t(4)]),
        ]);
        let graph = WaitGraph::new(&diamond);
        assert_eq!(waiting_counts(&[t(1)], &graph, PASS_BYTES), [3]);
        assert_eq!(
            graph.chain(t(1), &graph.longest_chains()),
            [t(4), t(2), t(1)]
        );

        // A diamond with arms of 20 tasks, longer than a block of rows, meeting at
        // T-100 with five more below: 40 + 1 + 5.
        let mut wide: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
        for (first, last) in [(10, 29), (40, 59)] {
            wide.entry(t(1)).or_default().push(t(first));
            for n in first..last {
                wide.entry(t(n)).or_default().push(t(n + 1));
            }
            wide.entry(t(last)).or_default().push(t(100));
        }
        for n in 100..105 {
            wide.entry(t(n)).or_default().push(t(n + 1));
        }
        assert_eq!(waiting_counts(&[t(1)], &WaitGraph::new(&wide), 1), [46]);
        assert_matches_references(&wide, 1);

        // 200 roots, all waited on by one task: one each, across words and passes.
        let fan_in: BTreeMap<TaskKey, Vec<TaskKey>> =
            (1..=200).map(|n| (t(n), vec![t(1000)])).collect();
        let roots = roots_of(&fan_in);
        assert_eq!(
            waiting_counts(&roots, &WaitGraph::new(&fan_in), 1),
            [1; 200]
        );
        assert_matches_references(&fan_in, PASS_BYTES);
    }

    #[test]
    fn chains_take_the_longest_way_and_the_smaller_key_on_a_tie() {
        let tie = BTreeMap::from([(t(1), vec![t(3), t(2)])]);
        let graph = WaitGraph::new(&tie);
        assert_eq!(graph.chain(t(1), &graph.longest_chains()), [t(2), t(1)]);
        let longer = BTreeMap::from([(t(1), vec![t(2), t(3)]), (t(3), vec![t(4)])]);
        let graph = WaitGraph::new(&longer);
        assert_eq!(
            graph.chain(t(1), &graph.longest_chains()),
            [t(4), t(3), t(1)]
        );
    }

    #[test]
    fn tasks_on_a_cycle_stay_out_of_counts_but_end_chains_as_before() {
        // T-2 and T-3 wait on each other, so neither gets a place in the order.
        let cycle = BTreeMap::from([
            (t(1), vec![t(5), t(2)]),
            (t(2), vec![t(3)]),
            (t(3), vec![t(2)]),
        ]);
        let graph = WaitGraph::new(&cycle);
        assert_eq!(waiting_counts(&[t(1)], &graph, PASS_BYTES), [1]);
        let chain = graph.chain(t(1), &graph.longest_chains());
        assert_eq!(chain, [t(2), t(1)]);
        assert_eq!(chain, chain_by_keys(t(1), &longest_by_keys(&cycle)));
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
