//! The counting engine behind the digest's ranking: how many tasks wait on a root,
//! directly or through others (a task reached along several paths counted once),
//! and the longest chain of them.
//!
//! Apart from the digest's rules ([`super::digest`]), which decide what a digest
//! says, and importing nothing of them: this module is given the waiting relation
//! as plain task keys, for each blocker the tasks that wait on it directly, and
//! answers questions about it. Rooms hold up to 100,000 open tasks, so how it
//! answers is about speed, and that can change here without touching the rules.
//!
//! - [`Reach`], the API the rules call: ranks roots by what waits on them, and
//!   walks a root's longest chain. [`downstream`] is a plain search beside it.
//! - `wait_graph`: the tasks numbered in topological order, and the longest
//!   chain below each.
//! - `count`: bit-sliced counters that count the tasks waiting on thousands of
//!   roots at once.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::TaskKey;

mod count;
mod wait_graph;

#[cfg(test)]
pub(super) mod tests;

use count::{PASS_BYTES, WaitingCounter};
use wait_graph::{Next, WaitGraph};

/// A room's waiting relation, numbered and measured once, so that ranking its
/// roots and walking the chains of the few shown share the work.
pub(super) struct Reach {
    graph: WaitGraph,
    longest: Vec<(usize, Next)>,
}

impl Reach {
    /// `waiters`: for each blocker, the tasks that wait on it directly. Repeats
    /// are allowed; tasks on a cycle, or waiting on one, are never counted, and a
    /// chain that reaches one ends there.
    pub(super) fn new(waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> Self {
        let graph = WaitGraph::new(waiters);
        let longest = graph.longest_chains();
        Self { graph, longest }
    }

    /// The `k` of `roots` with the most tasks waiting on them, most first (the
    /// smaller key on a tie), with their exact counts. Roots that cannot make the
    /// list are never counted: see [`rank_roots`].
    pub(super) fn most_waited_on(&self, roots: &[TaskKey], k: usize) -> Vec<(usize, TaskKey)> {
        rank_roots(roots, &self.graph, &self.longest, k, PASS_BYTES)
    }

    /// The longest chain of waiting tasks ending at `root`, written from the
    /// farthest waiting task down to the root (the smaller key where two are as
    /// long); just `[root]` when nothing waits on it.
    pub(super) fn longest_chain(&self, root: TaskKey) -> Vec<TaskKey> {
        self.graph.chain(root, &self.longest)
    }
}

/// Every task waiting on `root`, directly or through others, nearest first and each
/// once: a lazy breadth-first search over `waiters`, for a question that can
/// stop at its first answer (the digest asks whether any of them is in the
/// room), where numbering the whole graph for a [`Reach`] would cost more.
pub(super) fn downstream<'a>(
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
            .take_while(|root| can_make_it(root))
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
