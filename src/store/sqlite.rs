//! SQLite: the embedded default, one file, WAL mode.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use sqlx::QueryBuilder;

use super::rows::{millis, number_of, task_columns};
use super::sql::impl_sql_store;
use super::{ImportedTask, StoreResult};
use crate::domain::NewEvent;

/// Rows per multi-row `INSERT` in imports; well under SQLite's bind limit.
const IMPORT_CHUNK: usize = 1000;

/// The store on a SQLite file.
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the SQLite database at `url`, e.g. `sqlite://baton.db`.
    ///
    /// # Errors
    /// When the URL is malformed or the file cannot be opened.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL is durable across process crashes; only an OS crash can lose
            // the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// The connection pool, for measurements beside the store (`baton bench`).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl SqliteStore {
    /// Imports with multi-row `INSERT`s, a thousand rows each, in one transaction.
    async fn import_batch(&self, tasks: &[ImportedTask]) -> StoreResult<()> {
        // Plain isolation: an import only inserts new rows, and on Postgres a
        // serializable transaction's predicate locks would triple its cost.
        let mut tx = self.pool.begin().await?;
        for chunk in tasks.chunks(IMPORT_CHUNK) {
            let mut insert = QueryBuilder::<sqlx::Sqlite>::new(concat!(
                "INSERT INTO tasks (",
                task_columns!(),
                ") "
            ));
            insert.push_values(chunk, |mut row, imported| {
                let t = &imported.task;
                row.push_bind(number_of(t.key))
                    .push_bind(t.title.clone())
                    .push_bind(t.owner.as_ref().map(|o| o.as_str().to_owned()))
                    .push_bind(t.status.as_str())
                    .push_bind(t.external_blocker.clone())
                    .push_bind(t.home_room.clone())
                    .push_bind(t.home_thread.clone())
                    .push_bind(t.created_by.as_str().to_owned())
                    .push_bind(millis(t.created_at))
                    .push_bind(millis(t.updated_at))
                    .push_bind(t.done_at.map(millis))
                    .push_bind(millis(t.last_activity_at));
            });
            insert.build().execute(&mut *tx).await?;
        }
        let edges: Vec<(i64, i64)> = tasks
            .iter()
            .flat_map(|t| {
                t.depends_on
                    .iter()
                    .map(|b| (number_of(t.task.key), number_of(*b)))
            })
            .collect();
        for chunk in edges.chunks(IMPORT_CHUNK) {
            let mut insert =
                QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO dependencies (task, blocker) ");
            insert.push_values(chunk, |mut row, (task, blocker)| {
                row.push_bind(*task).push_bind(*blocker);
            });
            insert.push(" ON CONFLICT DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
        let events: Vec<&NewEvent> = tasks.iter().flat_map(|t| &t.events).collect();
        for chunk in events.chunks(IMPORT_CHUNK) {
            let mut insert = QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO events (task, kind, payload, actor, at, platform, room, \
                 message_id, permalink, platform_event_id) ",
            );
            insert.push_values(chunk, |mut row, e| {
                row.push_bind(number_of(e.task))
                    .push_bind(e.kind.name())
                    .push_bind(serde_json::to_string(&e.kind).unwrap_or_default())
                    .push_bind(e.actor.as_str().to_owned())
                    .push_bind(millis(e.at))
                    .push_bind(e.source.platform.clone())
                    .push_bind(e.source.room.clone())
                    .push_bind(e.source.message_id.clone())
                    .push_bind(e.source.permalink.clone())
                    .push_bind(e.source.event_id.clone());
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl_sql_store! {
    store: SqliteStore,
    tx: SqliteTx,
    db: sqlx::Sqlite,
    // Take the write lock up front: a read-then-write transaction that upgrades later
    // can fail with SQLITE_BUSY when another writer got in between.
    begin: "BEGIN IMMEDIATE",
    claim_lock: "",
    // One writer at a time (`BEGIN IMMEDIATE`): the next number cannot be taken twice.
    next_task_number: "SELECT COALESCE(MAX(number), 0) + 1 FROM tasks",
    migrator: sqlx::migrate!("migrations/sqlite"),
}
