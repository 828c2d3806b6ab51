//! The digest's rules on small rooms, and its ranking of a whole room against a
//! search from every root (the references come from the engine's tests).

use super::super::reach::tests::{
    Rng, chain_by_keys, longest_by_keys, random_waiters, reached_from, roots_of, t,
};
use super::super::task::tests::task;
use super::*;

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
