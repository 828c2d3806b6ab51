//! Import and export against a real SQLite file.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::*;
use crate::store::StoreResult;

fn t(n: u64) -> TaskKey {
    TaskKey::new(n)
}

/// What an import did to its transaction.
#[derive(Debug, Default)]
struct Done {
    /// The keys of each inserted batch.
    batches: Vec<Vec<TaskKey>>,
    /// Each `insert_dependencies` call, with how many tasks were inserted by then.
    edges: Vec<(usize, Vec<(TaskKey, TaskKey)>)>,
    committed: bool,
}

/// An import's transaction on a database that holds the tasks `taken`.
struct FakeTx {
    taken: HashSet<TaskKey>,
    done: Arc<Mutex<Done>>,
}

#[async_trait]
impl ImportTx for FakeTx {
    async fn insert(&mut self, tasks: &[ImportedTask]) -> StoreResult<()> {
        let keys = tasks.iter().map(|t| t.task.key).collect();
        self.done.lock().unwrap().batches.push(keys);
        Ok(())
    }

    async fn insert_dependencies(&mut self, edges: &[(TaskKey, TaskKey)]) -> StoreResult<()> {
        let mut done = self.done.lock().unwrap();
        let inserted: usize = done.batches.iter().map(Vec::len).sum();
        done.edges.push((inserted, edges.to_vec()));
        Ok(())
    }

    async fn existing(&mut self, keys: &[TaskKey]) -> StoreResult<Vec<TaskKey>> {
        Ok(keys
            .iter()
            .copied()
            .filter(|key| self.taken.contains(key))
            .collect())
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.done.lock().unwrap().committed = true;
        Ok(())
    }
}

/// Imports `lines`, `batch` tasks at a time, into a database holding `taken`.
async fn run(lines: &[&str], taken: &[u64], batch: usize) -> (Result<usize, ImportError>, Done) {
    let done = Arc::new(Mutex::new(Done::default()));
    let tx = Box::new(FakeTx {
        taken: taken.iter().copied().map(TaskKey::new).collect(),
        done: Arc::clone(&done),
    });
    let input = lines.join("\n");
    let result = import_into(tx, input.as_bytes(), Utc::now(), batch).await;
    let done = std::mem::take(&mut *done.lock().unwrap());
    (result, done)
}

#[test]
fn owners_without_a_platform_are_console_people() {
    assert_eq!(person_of("user17").as_str(), "console:@user17");
    assert_eq!(person_of("@alice").as_str(), "console:@alice");
    assert_eq!(person_of("slack:T1:U2").as_str(), "slack:T1:U2");
    assert_eq!(owner_of(&person_of("user17")), "user17");
    assert_eq!(owner_of(&person_of("slack:T1:U2")), "slack:T1:U2");
}

#[test]
fn a_contract_line_reads_with_defaults() {
    let line: TaskLine = serde_json::from_str(
        r#"{"key": "T-1", "title": "Ship it", "owner": "user17", "depends_on": ["T-0"]}"#,
    )
    .unwrap();
    let task = imported(line, Utc::now());
    assert_eq!(task.task.status, Status::Open);
    assert_eq!(task.events.len(), 2, "created + dependency added");
    assert!(matches!(
        task.events[1].kind,
        EventKind::DependencyAdded { blocker } if blocker == TaskKey::new(0)
    ));
}

#[tokio::test]
async fn batches_stream_and_dependencies_follow_every_task() {
    let (result, done) = run(
        &[
            r#"{"key": "T-1", "title": "A", "depends_on": ["T-3"]}"#,
            r#"{"key": "T-2", "title": "B"}"#,
            "",
            r#"{"key": "T-3", "title": "C", "depends_on": ["T-2", "T-9"]}"#,
        ],
        &[9],
        2,
    )
    .await;
    assert_eq!(result.unwrap(), 3);
    assert_eq!(done.batches, [vec![t(1), t(2)], vec![t(3)]]);
    assert_eq!(
        done.edges,
        [
            (3, vec![(t(1), t(3)), (t(3), t(2))]),
            (3, vec![(t(3), t(9))])
        ],
        "T-1 waits on T-3 of a later batch: edges go in once every task is in"
    );
    assert!(done.committed);
}

#[tokio::test]
async fn a_key_already_taken_refuses_the_import() {
    let (result, done) = run(
        &[
            r#"{"key": "T-1", "title": "A"}"#,
            r#"{"key": "T-2", "title": "B"}"#,
            r#"{"key": "T-3", "title": "C"}"#,
            r#"{"key": "T-4", "title": "D"}"#,
        ],
        &[4, 3],
        2,
    )
    .await;
    assert_eq!(
        result.unwrap_err().to_string(),
        "T-3 already exists in the database; import into a fresh database"
    );
    assert_eq!(
        done.batches,
        [vec![t(1), t(2)]],
        "the batch with T-3 is not inserted"
    );
    assert!(done.edges.is_empty());
    assert!(!done.committed, "the first batch rolls back");
}

#[tokio::test]
async fn the_first_unknown_blocker_is_named() {
    let (result, done) = run(
        &[
            r#"{"key": "T-1", "title": "A", "depends_on": ["T-7"]}"#,
            r#"{"key": "T-2", "title": "B", "depends_on": ["T-1", "T-8"]}"#,
            r#"{"key": "T-3", "title": "C", "depends_on": ["T-6"]}"#,
        ],
        &[7],
        2,
    )
    .await;
    assert_eq!(
        result.unwrap_err().to_string(),
        "T-2 depends on T-8, which is neither in the file nor in the database"
    );
    assert!(done.edges.is_empty());
    assert!(!done.committed);
}

#[tokio::test]
async fn a_cycle_across_batches_is_refused() {
    let (result, done) = run(
        &[
            r#"{"key": "T-1", "title": "A", "depends_on": ["T-2"]}"#,
            r#"{"key": "T-2", "title": "B", "depends_on": ["T-1"]}"#,
        ],
        &[],
        1,
    )
    .await;
    let message = result.unwrap_err().to_string();
    assert!(
        message.starts_with("the dependencies form a cycle: ")
            && message.contains("T-1")
            && message.contains("T-2"),
        "{message}"
    );
    assert!(done.edges.is_empty());
    assert!(!done.committed);
}

#[tokio::test]
async fn bad_lines_and_duplicates_are_named() {
    let ok = r#"{"key": "T-1", "title": "A"}"#;
    let (result, _) = run(&[ok, "", "{not json"], &[], 2).await;
    assert!(result.unwrap_err().to_string().starts_with("line 3: "));
    let (result, _) = run(&[ok, r#"{"key": "T-2", "title": " "}"#], &[], 2).await;
    assert_eq!(
        result.unwrap_err().to_string(),
        "line 2: the title is empty"
    );
    let (result, done) = run(&[ok, r#"{"key": "t-1", "title": "B"}"#], &[], 2).await;
    assert_eq!(result.unwrap_err().to_string(), "T-1 appears twice");
    assert!(!done.committed);
}

#[tokio::test]
async fn an_empty_input_imports_nothing() {
    let (result, done) = run(&[], &[], 2).await;
    assert_eq!(result.unwrap(), 0);
    assert!(done.batches.is_empty() && done.edges.is_empty());
    assert!(done.committed);
}

#[test]
fn only_an_edge_up_or_to_itself_can_close_a_cycle() {
    assert!(check_cycles(&[(t(3), t(2)), (t(2), t(1)), (t(3), t(1))]).is_ok());
    assert!(
        check_cycles(&[(t(1), t(2)), (t(3), t(1))]).is_ok(),
        "up, but no cycle"
    );
    assert_eq!(
        check_cycles(&[(t(2), t(1)), (t(4), t(4))])
            .unwrap_err()
            .to_string(),
        "the dependencies form a cycle: T-4 → T-4"
    );
}
