//! The store story: the same steps on SQLite and on Postgres.

use chrono::{DateTime, Duration, Utc};

use baton::domain::{EventKind, NewEvent, PersonId, Source, Status, Task, TaskKey};
use baton::store::{
    Destination, ImportedTask, NewOutboxMessage, OutboxKind, OutboxStatus, OwnedWork, Store,
    StoreTx,
};

use crate::helpers::{TestDb, on_both_backends};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000 + seconds, 0).unwrap()
}

fn carol() -> PersonId {
    PersonId::new("console", "@carol")
}

fn task(n: u64, owner: Option<&str>) -> Task {
    Task {
        key: TaskKey::new(n),
        title: format!("Task number {n}"),
        owner: owner.map(|h| PersonId::new("console", h)),
        status: Status::Open,
        external_blocker: None,
        home_room: "console:#general".into(),
        home_thread: None,
        created_by: carol(),
        created_at: at(0),
        updated_at: at(0),
        done_at: None,
        last_activity_at: at(0),
    }
}

fn created(n: u64) -> NewEvent {
    NewEvent {
        task: TaskKey::new(n),
        kind: EventKind::Created {
            title: format!("Task number {n}"),
            owner: None,
        },
        actor: carol(),
        at: at(0),
        source: Source {
            platform: "console".into(),
            room: "console:#general".into(),
            event_id: Some(format!("e{n}")),
            ..Source::default()
        },
    }
}

fn message(key: &str, to: Destination, card_for: Option<TaskKey>) -> NewOutboxMessage {
    NewOutboxMessage {
        idempotency_key: key.into(),
        platform: "console".into(),
        destination: to,
        card_for,
        kind: OutboxKind::Message,
        body: format!("body of {key}"),
        picture: None,
        summary_source: None,
        only_for: None,
        not_before: at(0),
        created_at: at(0),
    }
}

on_both_backends!(
    a_command_commits_all_or_nothing_and_redeliveries_are_recognised,
    dependencies_are_walked_in_both_directions,
    the_outbox_delivers_retries_and_keeps_failures,
    migrations_run_twice_without_harm,
    an_owners_work_comes_by_section_a_page_each,
    a_rooms_open_work_loads_lean_and_whole,
    a_task_waits_exactly_while_a_blocker_is_open,
    reads_do_not_wait_behind_a_write_in_progress,
);

async fn reads_do_not_wait_behind_a_write_in_progress(db: TestDb) {
    let mut setup = db.store.begin().await.unwrap();
    setup.insert_task(&task(1, Some("@alice"))).await.unwrap();
    setup.commit().await.unwrap();

    // A command's transaction holds the writer (on SQLite, the write lock).
    let mut writing = db.store.begin().await.unwrap();
    writing.insert_task(&task(2, Some("@bob"))).await.unwrap();
    let read = tokio::time::timeout(std::time::Duration::from_secs(3), async {
        let mut reading = db.store.begin_read().await.unwrap();
        let seen = reading.task(TaskKey::new(1)).await.unwrap();
        let unseen = reading.task(TaskKey::new(2)).await.unwrap();
        let pending = db.store.pending_count().await.unwrap();
        (seen, unseen, pending)
    })
    .await;
    writing.commit().await.unwrap();

    let (seen, unseen, pending) = read.expect("a read waited behind the write");
    assert_eq!(seen.map(|t| t.key), Some(TaskKey::new(1)));
    assert!(unseen.is_none(), "nothing uncommitted is read");
    assert_eq!(pending, 0);
}

async fn an_owners_work_comes_by_section_a_page_each(db: TestDb) {
    let mut tx = db.store.begin().await.unwrap();
    let mut done = task(1, Some("@alice"));
    done.status = Status::Done;
    tx.insert_task(&done).await.unwrap();
    tx.insert_task(&task(2, Some("@alice"))).await.unwrap();
    tx.insert_task(&task(3, Some("@bob"))).await.unwrap();
    tx.insert_task(&task(4, Some("@carol"))).await.unwrap();
    let mut started = task(5, Some("@bob"));
    started.status = Status::InProgress;
    tx.insert_task(&started).await.unwrap();
    let mut vendor = task(6, Some("@bob"));
    vendor.external_blocker = Some("vendor quote".into());
    tx.insert_task(&vendor).await.unwrap();
    for n in 7..=10 {
        tx.insert_task(&task(n, Some("@bob"))).await.unwrap();
    }
    // @bob's T-3 waits on T-1 (done) and T-2 (open); T-10 only on T-1; @carol's
    // T-4 waits on T-2.
    for (t, b) in [(3, 1), (3, 2), (10, 1), (4, 2)] {
        tx.add_dependency(TaskKey::new(t), TaskKey::new(b))
            .await
            .unwrap();
    }

    let bob = tx
        .owned_work(&PersonId::new("console", "@bob"), 2)
        .await
        .unwrap();

    let numbers = |tasks: &[Task]| tasks.iter().map(|t| t.key.number()).collect::<Vec<_>>();
    assert_eq!(
        bob.ready.total, 4,
        "T-7..T-10: a done blocker holds nothing up"
    );
    assert_eq!(numbers(&bob.ready.items), [7, 8], "the oldest two");
    assert_eq!(bob.in_progress.total, 1);
    assert_eq!(numbers(&bob.in_progress.items), [5]);
    assert_eq!(bob.blocked.total, 2, "T-3 on T-2, T-6 outside Baton");
    let blocked: Vec<(u64, Vec<u64>)> = bob
        .blocked
        .items
        .iter()
        .map(|(t, blockers)| (t.key.number(), numbers(blockers)))
        .collect();
    assert_eq!(blocked, [(3, vec![2]), (6, vec![])], "only open blockers");
    assert_eq!(bob.blocked.items[0].1[0], task(2, Some("@alice")));

    let nobody = tx
        .owned_work(&PersonId::new("console", "@dave"), 2)
        .await
        .unwrap();
    assert_eq!(nobody, OwnedWork::default());
}

async fn a_rooms_open_work_loads_lean_and_whole(db: TestDb) {
    let mut tx = db.store.begin().await.unwrap();
    let mut done = task(1, Some("@alice"));
    done.status = Status::Done;
    tx.insert_task(&done).await.unwrap();
    let mut started = task(2, None);
    started.status = Status::InProgress;
    started.last_activity_at = at(7_000);
    tx.insert_task(&started).await.unwrap();
    let mut vendor = task(3, Some("@bob"));
    vendor.external_blocker = Some("vendor quote".into());
    tx.insert_task(&vendor).await.unwrap();
    let mut elsewhere = task(4, Some("@bob"));
    elsewhere.home_room = "console:#ops".into();
    tx.insert_task(&elsewhere).await.unwrap();
    tx.insert_task(&task(5, Some("@bob"))).await.unwrap();
    // T-5 waits on T-1 (done), T-2 and T-4 (another room's); T-4 waits on T-3.
    for (t, b) in [(5, 1), (5, 2), (5, 4), (4, 3)] {
        tx.add_dependency(TaskKey::new(t), TaskKey::new(b))
            .await
            .unwrap();
    }

    let work = tx.open_work_in("console:#general").await.unwrap();

    let facts: Vec<_> = work
        .tasks()
        .iter()
        .map(|t| (t.key.number(), t.owned, t.blocked_externally, t.in_progress))
        .collect();
    assert_eq!(
        facts,
        [
            (2, false, false, Some(at(7_000))),
            (3, true, true, None),
            (5, true, false, None),
        ]
    );
    let mut edges: Vec<(u64, u64)> = work
        .open_edges()
        .iter()
        .map(|(t, b)| (t.number(), b.number()))
        .collect();
    edges.sort();
    assert_eq!(
        edges,
        [(5, 2), (5, 4)],
        "open blockers of the room's tasks, from any room"
    );
    let empty = tx.open_work_in("console:#empty").await.unwrap();
    assert!(empty.tasks().is_empty() && empty.open_edges().is_empty());

    let keys = [TaskKey::new(4), TaskKey::new(1), TaskKey::new(99)];
    let loaded = tx.tasks(&keys).await.unwrap();
    assert_eq!(loaded, [done, elsewhere], "the ones that exist, by number");
    assert!(tx.tasks(&[]).await.unwrap().is_empty());
}

/// The tasks `mine` lists as blocked for @alice, and how many `blocked` counts in
/// the room: the two read the same stored count of open blockers.
async fn alices_blocked(tx: &mut dyn StoreTx) -> Vec<u64> {
    let work = tx
        .owned_work(&PersonId::new("console", "@alice"), 100)
        .await
        .unwrap();
    let mine: Vec<u64> = work
        .blocked
        .items
        .iter()
        .map(|(t, _)| t.key.number())
        .collect();
    let (total, page) = tx.blocked_in_room("console:#general", 100).await.unwrap();
    let room: Vec<u64> = page.iter().map(|(t, _)| t.key.number()).collect();
    assert_eq!(mine, room, "mine and blocked agree");
    assert_eq!(usize::try_from(total).unwrap(), room.len());
    mine
}

async fn set_status(tx: &mut dyn StoreTx, n: u64, status: Status) {
    let mut task = tx.task(TaskKey::new(n)).await.unwrap().unwrap();
    task.status = status;
    tx.update_task(&task).await.unwrap();
}

/// Whether a task waits is a count the database keeps as blockers are added,
/// removed, finished, cancelled, reopened and imported: each step here changes it,
/// and `mine` and `blocked` must follow.
async fn a_task_waits_exactly_while_a_blocker_is_open(db: TestDb) {
    let mut tx = db.store.begin().await.unwrap();
    for n in 1..=4 {
        tx.insert_task(&task(n, Some("@alice"))).await.unwrap();
    }
    let edge = |t: u64, b: u64| (TaskKey::new(t), TaskKey::new(b));
    for (t, b) in [edge(4, 1), edge(4, 2)] {
        tx.add_dependency(t, b).await.unwrap();
    }
    assert_eq!(alices_blocked(tx.as_mut()).await, [4]);
    set_status(tx.as_mut(), 1, Status::Done).await;
    assert_eq!(alices_blocked(tx.as_mut()).await, [4], "T-2 is still open");
    set_status(tx.as_mut(), 2, Status::InProgress).await;
    assert_eq!(
        alices_blocked(tx.as_mut()).await,
        [4],
        "in progress is not done"
    );
    set_status(tx.as_mut(), 2, Status::Cancelled).await;
    assert_eq!(alices_blocked(tx.as_mut()).await, Vec::<u64>::new());
    set_status(tx.as_mut(), 1, Status::Open).await;
    assert_eq!(alices_blocked(tx.as_mut()).await, [4], "T-1 reopened");
    assert!(
        tx.remove_dependency(edge(4, 1).0, edge(4, 1).1)
            .await
            .unwrap()
    );
    assert_eq!(alices_blocked(tx.as_mut()).await, Vec::<u64>::new());
    // Added twice, counted once.
    tx.add_dependency(TaskKey::new(4), TaskKey::new(3))
        .await
        .unwrap();
    tx.add_dependency(TaskKey::new(4), TaskKey::new(3))
        .await
        .unwrap();
    assert_eq!(alices_blocked(tx.as_mut()).await, [4]);
    set_status(tx.as_mut(), 3, Status::Done).await;
    assert_eq!(alices_blocked(tx.as_mut()).await, Vec::<u64>::new());
    // A finished blocker added later holds nothing up.
    tx.add_dependency(TaskKey::new(3), TaskKey::new(2))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // An import: T-12 waits on T-10 (open) and T-11 (done), T-13 only on T-11,
    // T-14 on T-3 (done before the import) and T-1 (open).
    let mut import = db.store.begin_import().await.unwrap();
    let mut imported: Vec<ImportedTask> = (10..=14)
        .map(|n| ImportedTask {
            task: task(n, Some("@alice")),
            events: vec![created(n)],
        })
        .collect();
    imported[1].task.status = Status::Done;
    import.insert(&imported).await.unwrap();
    import
        .insert_dependencies(&[
            edge(12, 10),
            edge(12, 11),
            edge(13, 11),
            edge(14, 3),
            edge(14, 1),
        ])
        .await
        .unwrap();
    import.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(alices_blocked(tx.as_mut()).await, [12, 14]);
    set_status(tx.as_mut(), 10, Status::Done).await;
    set_status(tx.as_mut(), 1, Status::Cancelled).await;
    assert_eq!(alices_blocked(tx.as_mut()).await, Vec::<u64>::new());
}

async fn a_command_commits_all_or_nothing_and_redeliveries_are_recognised(db: TestDb) {
    // Arrange + Act: one command's dedup record, task, event and message commit together.
    let mut tx = db.store.begin().await.unwrap();
    assert!(tx.record_inbound("slack:Ev1", at(0)).await.unwrap());
    let key = tx.next_task_key().await.unwrap();
    assert_eq!(key, TaskKey::new(1));
    tx.insert_task(&task(1, Some("@alice"))).await.unwrap();
    tx.append_event(&created(1)).await.unwrap();
    let room = Destination::Room {
        room: "console:#general".into(),
        thread_task: None,
    };
    tx.enqueue(&message("Ev1#1", room.clone(), Some(key)))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A redelivery of the same platform event is recognised.
    let mut tx = db.store.begin().await.unwrap();
    assert!(!tx.record_inbound("slack:Ev1", at(1)).await.unwrap());
    drop(tx);

    // A transaction dropped without commit leaves nothing behind.
    let mut tx = db.store.begin().await.unwrap();
    assert!(tx.record_inbound("slack:Ev2", at(2)).await.unwrap());
    tx.insert_task(&task(2, None)).await.unwrap();
    tx.enqueue(&message("Ev2#1", room, None)).await.unwrap();
    drop(tx);

    let mut tx = db.store.begin().await.unwrap();
    assert!(
        tx.task(TaskKey::new(2)).await.unwrap().is_none(),
        "rolled back"
    );
    assert!(
        tx.record_inbound("slack:Ev2", at(3)).await.unwrap(),
        "its dedup record rolled back too"
    );
    let stored = tx
        .task(TaskKey::new(1))
        .await
        .unwrap()
        .expect("T-1 committed");
    assert_eq!(stored, task(1, Some("@alice")));
    let events = tx.events_of(TaskKey::new(1)).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, created(1).kind);
    assert_eq!(tx.next_task_key().await.unwrap(), TaskKey::new(2));
    drop(tx);
    assert_eq!(
        db.store.pending_count().await.unwrap(),
        1,
        "only the committed message is queued"
    );
}

async fn dependencies_are_walked_in_both_directions(db: TestDb) {
    let mut tx = db.store.begin().await.unwrap();
    for n in 1..=4 {
        tx.insert_task(&task(n, None)).await.unwrap();
    }
    // T-2 and T-3 depend on T-1; T-4 depends on T-2 and T-3.
    for (t, b) in [(2, 1), (3, 1), (4, 2), (4, 3)] {
        tx.add_dependency(TaskKey::new(t), TaskKey::new(b))
            .await
            .unwrap();
    }
    tx.add_dependency(TaskKey::new(2), TaskKey::new(1))
        .await
        .unwrap(); // repeated: no error
    let keys = |tasks: Vec<Task>| {
        tasks
            .into_iter()
            .map(|t| t.key.number())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(tx.blockers_of(TaskKey::new(4)).await.unwrap()), [2, 3]);
    assert_eq!(
        keys(tx.dependents_of(TaskKey::new(1)).await.unwrap()),
        [2, 3]
    );
    let mut upstream = tx.upstream_edges(TaskKey::new(4)).await.unwrap();
    upstream.sort();
    let upstream: Vec<(u64, u64)> = upstream
        .into_iter()
        .map(|(a, b)| (a.number(), b.number()))
        .collect();
    assert_eq!(upstream, [(2, 1), (3, 1), (4, 2), (4, 3)]);
    assert!(
        tx.remove_dependency(TaskKey::new(4), TaskKey::new(3))
            .await
            .unwrap()
    );
    assert!(
        !tx.remove_dependency(TaskKey::new(4), TaskKey::new(3))
            .await
            .unwrap()
    );
    assert_eq!(keys(tx.blockers_of(TaskKey::new(4)).await.unwrap()), [2]);
    tx.commit().await.unwrap();
}

async fn the_outbox_delivers_retries_and_keeps_failures(db: TestDb) {
    let mut tx = db.store.begin().await.unwrap();
    tx.insert_task(&task(1, None)).await.unwrap();
    let room = Destination::Room {
        room: "console:#general".into(),
        thread_task: None,
    };
    tx.enqueue(&message("card", room.clone(), Some(TaskKey::new(1))))
        .await
        .unwrap();
    tx.enqueue(&message("card", room.clone(), Some(TaskKey::new(1))))
        .await
        .unwrap(); // same key: one message
    tx.enqueue(&message("dm", Destination::Dm(carol()), None))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A worker claims only messages for the platforms it delivers to.
    assert!(
        db.store
            .claim_due(at(10), Duration::seconds(60), &["slack"])
            .await
            .unwrap()
            .is_none()
    );

    // Delivering the card makes its message the task's thread.
    let lease = Duration::seconds(60);
    let card = db
        .store
        .claim_due(at(10), lease, &["console"])
        .await
        .unwrap()
        .expect("due");
    assert_eq!(card.idempotency_key, "card");
    assert_eq!(card.attempts, 1);
    db.store
        .mark_delivered(card.id, at(11), Some("1790000011.000100"))
        .await
        .unwrap();
    let mut tx = db.store.begin().await.unwrap();
    let home = tx.task(TaskKey::new(1)).await.unwrap().unwrap().home_thread;
    assert_eq!(home.as_deref(), Some("1790000011.000100"));
    drop(tx);

    // A claimed message is not handed to a second worker during its lease...
    let dm = db
        .store
        .claim_due(at(12), lease, &["console"])
        .await
        .unwrap()
        .expect("dm due");
    assert_eq!(dm.destination, Destination::Dm(carol()));
    assert!(
        db.store
            .claim_due(at(13), lease, &["console"])
            .await
            .unwrap()
            .is_none()
    );
    // ...a retry waits for its time...
    db.store
        .schedule_retry(dm.id, at(100), "timeout", false)
        .await
        .unwrap();
    assert!(
        db.store
            .claim_due(at(50), lease, &["console"])
            .await
            .unwrap()
            .is_none()
    );
    let again = db
        .store
        .claim_due(at(100), lease, &["console"])
        .await
        .unwrap()
        .expect("due again");
    assert_eq!(again.attempts, 2);
    assert_eq!(again.last_error.as_deref(), Some("timeout"));
    // ...and a permanent failure is kept with its reason.
    db.store
        .mark_failed(again.id, "channel_not_found")
        .await
        .unwrap();
    let failed = db.store.outbox(true, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, OutboxStatus::Failed);
    assert_eq!(failed[0].last_error.as_deref(), Some("channel_not_found"));
    assert_eq!(db.store.outbox(false, 10).await.unwrap().len(), 2);
    assert_eq!(db.store.pending_count().await.unwrap(), 0);
}

async fn migrations_run_twice_without_harm(db: TestDb) {
    db.store.migrate().await.unwrap();
    let again = baton::store::connect(&db.url).await.unwrap();
    again.migrate().await.unwrap();
}

/// Commands never checkpoint SQLite's WAL themselves (that was the tail of their
/// latency); a task of the store does it beside them. Without it the database
/// file would never receive what was committed, and the WAL would grow forever.
#[tokio::test]
async fn sqlite_commits_reach_the_database_file_without_a_command_checkpointing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let store = baton::store::SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let before = std::fs::metadata(&path).unwrap().len();
    let mut tx = store.begin().await.unwrap();
    for n in 1..=2000 {
        tx.insert_task(&task(n, Some("@alice"))).await.unwrap();
    }
    tx.commit().await.unwrap();

    // Polled, not timed: the checkpointer runs every half second.
    let mut size = before;
    for _ in 0..200 {
        size = std::fs::metadata(&path).unwrap().len();
        if size > before + 100_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        size > before + 100_000,
        "2,000 tasks never left the WAL: the database file stayed at {size} bytes"
    );
    drop(store);
}

/// A database from before the stored counts of open blockers (migration 6) gets
/// them from the dependencies it already holds when it upgrades: its blocked tasks
/// stay blocked.
async fn an_upgrade_counts_the_open_blockers_already_there(url: &str, dialect: &str) {
    let earlier = tempfile::tempdir().unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    for entry in std::fs::read_dir(&migrations).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "0006" {
            std::fs::copy(&path, earlier.path().join(&name)).unwrap();
        }
    }
    let migrator = sqlx::migrate::Migrator::new(earlier.path()).await.unwrap();
    if dialect == "sqlite" {
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .unwrap()
            .create_if_missing(true);
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options)
            .await
            .unwrap();
        migrator.run(&mut conn).await.unwrap();
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        migrator.run(&mut conn).await.unwrap();
    }
    // Written as Baton wrote before: the store's writes name no column of 0006.
    let store = baton::store::open(url).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    for n in 1..=4 {
        tx.insert_task(&task(n, Some("@alice"))).await.unwrap();
    }
    let mut done = task(5, Some("@alice"));
    done.status = Status::Done;
    tx.insert_task(&done).await.unwrap();
    // T-2 waits on T-1, T-3 on the done T-5, T-4 on T-1 and T-5.
    for (t, b) in [(2, 1), (3, 5), (4, 1), (4, 5)] {
        tx.add_dependency(TaskKey::new(t), TaskKey::new(b))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    drop(store);

    let store = baton::store::connect(url).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(alices_blocked(tx.as_mut()).await, [2, 4]);
    set_status(tx.as_mut(), 1, Status::Done).await;
    assert_eq!(alices_blocked(tx.as_mut()).await, Vec::<u64>::new());
}

#[tokio::test]
async fn an_upgraded_sqlite_database_counts_the_open_blockers_already_there() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    an_upgrade_counts_the_open_blockers_already_there(&url, "sqlite").await;
}

#[tokio::test]
async fn an_upgraded_postgres_database_counts_the_open_blockers_already_there() {
    let Some(url) = crate::helpers::fresh_postgres_database().await else {
        return;
    };
    an_upgrade_counts_the_open_blockers_already_there(&url, "postgres").await;
    crate::helpers::drop_postgres_database(url.rsplit('/').next().unwrap().to_owned());
}
