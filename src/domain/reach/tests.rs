//! The counting engine against plain references: a breadth-first search from
//! every root, Kahn's algorithm over the map itself, chains kept in a map by key.
//! The references and the random graphs serve the digest's tests too.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use super::count::{PASS_BYTES, WaitingCounter};
use super::wait_graph::WaitGraph;
use super::{downstream, rank_roots};
use crate::domain::TaskKey;

/// As many roots as a digest shows (`digest::ROOTS_SHOWN`). The engine ranks any
/// number; the rules are not imported, so that no module, tests included, points
/// from the engine back to them.
const ROOTS_SHOWN: usize = 10;

pub(crate) fn t(n: u64) -> TaskKey {
    TaskKey::new(n)
}

fn waiting_counts(roots: &[TaskKey], graph: &WaitGraph, pass_bytes: usize) -> Vec<usize> {
    WaitingCounter::new(graph, pass_bytes, roots.len()).count(roots)
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
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
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
pub(crate) fn random_waiters(
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

pub(crate) fn roots_of(waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> Vec<TaskKey> {
    let blocked: HashSet<TaskKey> = waiters.values().flatten().copied().collect();
    waiters
        .keys()
        .filter(|key| !blocked.contains(key))
        .copied()
        .collect()
}

/// The reference count: a breadth-first search from `root`, each task once.
pub(crate) fn reached_from(root: TaskKey, waiters: &BTreeMap<TaskKey, Vec<TaskKey>>) -> usize {
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
pub(crate) fn longest_by_keys(
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

pub(crate) fn chain_by_keys(
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
