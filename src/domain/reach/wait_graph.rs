//! The waiting relation numbered for counting: tasks in topological order, edges
//! as rows, and the longest chain below every task.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use crate::domain::TaskKey;

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
///
/// [`WaitingCounter`]: super::count::WaitingCounter
pub(super) struct WaitGraph {
    /// Row `i` is task `order[i]`; every task comes before the tasks waiting on it.
    /// Read by the tests, to compare with a reference order.
    pub(super) order: Vec<TaskKey>,
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
pub(super) enum Next {
    /// Nothing waits on the task: the chain ends with it.
    End,
    /// The waiting task in this row.
    Row(u32),
    /// A waiting task left out of the order, where the chain ends.
    Outside(TaskKey),
}

impl WaitGraph {
    pub(super) fn new(waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> Self {
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
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    /// The row of `key`, if it is in the order.
    #[inline]
    pub(super) fn row(&self, key: &TaskKey) -> Option<usize> {
        let id = self.ids.get(key)?;
        let row = *self.row_of.get(*id as usize)?;
        (row != NO_ROW).then_some(row as usize)
    }

    /// The rows waiting on `row`. Inline: the counter, in another module, asks
    /// for every row it walks.
    #[inline]
    pub(super) fn waiters_of(&self, row: usize) -> &[u32] {
        let start = self.offsets.get(row).copied().unwrap_or(0);
        let end = self.offsets.get(row + 1).copied().unwrap_or(start);
        self.targets.get(start..end).unwrap_or_default()
    }

    /// For every row, the length of the longest chain of waiting tasks that starts
    /// with it and where that chain goes next: the waiter with the longest chain,
    /// the smaller key on a tie. Filled from the last row back, so a task's
    /// waiters are done before it and long chains need no recursion.
    pub(super) fn longest_chains(&self) -> Vec<(usize, Next)> {
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
    pub(super) fn chain(&self, root: TaskKey, longest: &[(usize, Next)]) -> Vec<TaskKey> {
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
