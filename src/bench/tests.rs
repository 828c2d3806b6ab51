//! The workload and the benchmark's helpers.

use super::*;

#[test]
fn the_same_seed_gives_the_same_workload() {
    let a: Vec<String> = workload(200, 7)
        .map(|t| serde_json::to_string(&t).unwrap())
        .collect();
    let b: Vec<String> = workload(200, 7)
        .map(|t| serde_json::to_string(&t).unwrap())
        .collect();
    let c: Vec<String> = workload(200, 8)
        .map(|t| serde_json::to_string(&t).unwrap())
        .collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn dependencies_point_back_and_stay_within_three() {
    for task in workload(2000, 1) {
        assert!(task.depends_on.len() <= 3);
        assert!(
            task.depends_on
                .iter()
                .all(|d| *d < task.key && d.number() >= 1),
            "{task:?}"
        );
    }
    let owners: BTreeSet<_> = workload(2000, 1).filter_map(|t| t.owner).collect();
    assert_eq!(owners.len(), OWNERS as usize);
}
