//! SQLite: the embedded default, one file, WAL mode.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::ConnectOptions;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};

use sqlx::QueryBuilder;

use super::rows::{LOOKUP_CHUNK, key_of, millis, number_of, task_columns};
use super::sql::{
    impl_assistant_sql, impl_database_sql, impl_digests_sql, impl_forge_sql, impl_inbound_sql,
    impl_leases_sql, impl_outbox_sql, impl_people_sql, impl_tasks_sql, impl_transfer_sql,
};
use super::{ImportTx, ImportedTask, StoreResult};
use crate::domain::{NewEvent, TaskKey};

/// Rows per multi-row `INSERT` in imports; well under SQLite's bind limit.
const IMPORT_CHUNK: usize = 1000;

/// Read-only connections beside the writer.
const READERS: u32 = 4;

/// How often the WAL is copied back into the database file, off the command path.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// The store on a SQLite file.
pub struct SqliteStore {
    /// The one writer: every transaction that writes takes it in turn.
    pool: SqlitePool,
    /// Readers beside it (WAL lets them read while it writes), so that queries
    /// outside commands (card lookups, the App Home, `baton outbox`, the gauges)
    /// never wait behind a write. They cannot write (`query_only`).
    readers: SqlitePool,
    /// Checkpoints the WAL on a connection of its own; stops with the store.
    _checkpointer: StopOnDrop,
    /// The directory of the database file, whose free space `/readyz` watches.
    directory: Option<std::path::PathBuf>,
}

/// Below this much free space the database's disk counts as full.
const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// Free space for unprivileged writers on the filesystem of `path`.
#[cfg(unix)]
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(path).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_path: &std::path::Path) -> Option<u64> {
    None
}

/// The directory that holds the database file of `options` (`.` for a bare name).
fn directory_of(options: &SqliteConnectOptions) -> Option<std::path::PathBuf> {
    let parent = options.get_filename().parent()?.to_path_buf();
    Some(if parent.as_os_str().is_empty() {
        std::path::PathBuf::from(".")
    } else {
        parent
    })
}

/// The directory of the SQLite database at `url`; `None` for another database.
pub fn database_directory(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") {
        return None;
    }
    directory_of(&SqliteConnectOptions::from_str(url).ok()?)
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
            .busy_timeout(Duration::from_secs(10))
            .pragma("mmap_size", "268435456")
            .pragma("cache_size", "-32768");
        // Commands never checkpoint: by default the commit that takes the WAL past
        // 1,000 pages copies them into the database and waits for two fsyncs, which
        // was one command in fifty and the whole of the handoff latency's tail.
        // `checkpoint_wal` does it instead, beside them.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
            .await?;
        // Readers and the checkpointer open their connections when first needed:
        // a short command (`baton console < script`) then opens one connection,
        // not six. The writer above has already proved the file opens.
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_lazy_with(options.clone().pragma("query_only", "ON"));
        let checkpointer = tokio::spawn(checkpoint_wal(options.clone()));
        let directory = directory_of(&options);
        Ok(Self {
            pool,
            readers,
            _checkpointer: StopOnDrop(checkpointer.abort_handle()),
            directory,
        })
    }

    /// The disk under the database is full (less than [`MIN_FREE_BYTES`] left):
    /// commands will fail to write even when a small probe still fits.
    fn disk_problem(&self) -> Option<super::StoreError> {
        let free = free_bytes(self.directory.as_deref()?)?;
        (free < MIN_FREE_BYTES).then_some(super::StoreError::DiskFull(free))
    }

    /// The connection pool, for measurements beside the store (`baton bench`).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Where reads outside transactions go.
    fn reader(&self) -> &SqlitePool {
        &self.readers
    }
}

/// Copies the WAL back into the database every [`CHECKPOINT_EVERY`], on its own
/// connection. `PASSIVE` takes no lock that writers wait for: it copies what no
/// reader still needs, and the next commit after a complete pass starts the WAL
/// over, so it stays small.
async fn checkpoint_wal(options: SqliteConnectOptions) {
    let start = tokio::time::Instant::now() + CHECKPOINT_EVERY;
    let mut tick = tokio::time::interval_at(start, CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut connection: Option<SqliteConnection> = None;
    loop {
        tick.tick().await;
        let open = match connection.as_mut() {
            Some(open) => open,
            None => match options.connect().await {
                Ok(opened) => connection.insert(opened),
                Err(error) => {
                    tracing::warn!(error = %error, "cannot open SQLite for WAL checkpoints; will retry");
                    continue;
                }
            },
        };
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(open)
            .await
        {
            tracing::warn!(error = %error, "SQLite WAL checkpoint failed; will retry");
        }
    }
}

/// Aborts a background task when its owner is dropped.
struct StopOnDrop(tokio::task::AbortHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl SqliteStore {
    /// Begins a transaction with `statement`, replacing the connection first when
    /// a failed transaction left it unusable.
    ///
    /// When SQLite rolls a transaction back by itself (a full disk, an I/O error)
    /// the driver still counts it as open, and refuses every later `BEGIN` on that
    /// connection. The connection is then closed and the pool opens a new one, so
    /// commands work again as soon as the cause is gone, without a restart.
    async fn begin_tx(
        &self,
        statement: &'static str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        match self.pool.begin_with(statement).await {
            Err(sqlx::Error::InvalidSavePointStatement) => {
                tracing::warn!(
                    "the SQLite connection was left inside a failed transaction; replacing it"
                );
                metrics::counter!("baton_store_connections_replaced_total").increment(1);
                self.pool.acquire().await?.close().await?;
                self.pool.begin_with(statement).await
            }
            other => other,
        }
    }

    /// Starts an import's one transaction. `BEGIN IMMEDIATE`, like every write here:
    /// the import reads (which keys are taken) before it writes, and a transaction
    /// that upgrades to writing later can fail with SQLITE_BUSY. Other writers wait
    /// (up to the busy timeout) until the import ends.
    async fn import_tx(&self) -> StoreResult<Box<dyn ImportTx>> {
        let tx = self.begin_tx("BEGIN IMMEDIATE").await?;
        Ok(Box::new(SqliteImport {
            tx,
            pool: self.pool.clone(),
        }))
    }
}

/// An import's transaction on SQLite: multi-row `INSERT`s, a thousand rows each.
struct SqliteImport {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    pool: SqlitePool,
}

#[async_trait]
impl ImportTx for SqliteImport {
    async fn insert(&mut self, tasks: &[ImportedTask]) -> StoreResult<()> {
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
            insert.build().execute(&mut *self.tx).await?;
        }
        let events: Vec<&NewEvent> = tasks.iter().flat_map(|t| &t.events).collect();
        for chunk in events.chunks(IMPORT_CHUNK) {
            tasks_sql::insert_events(chunk.iter().copied())?
                .build()
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    async fn insert_dependencies(&mut self, edges: &[(TaskKey, TaskKey)]) -> StoreResult<()> {
        for chunk in edges.chunks(IMPORT_CHUNK) {
            let mut insert =
                QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO dependencies (task, blocker) ");
            insert.push_values(chunk, |mut row, (task, blocker)| {
                row.push_bind(number_of(*task))
                    .push_bind(number_of(*blocker));
            });
            // A line may name the same blocker twice.
            insert.push(" ON CONFLICT DO NOTHING");
            insert.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    async fn existing(&mut self, keys: &[TaskKey]) -> StoreResult<Vec<TaskKey>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(LOOKUP_CHUNK) {
            let mut select =
                QueryBuilder::<sqlx::Sqlite>::new("SELECT number FROM tasks WHERE number IN (");
            {
                let mut list = select.separated(", ");
                for key in chunk {
                    list.push_bind(number_of(*key));
                }
                list.push_unseparated(")");
            }
            let numbers: Vec<i64> = select.build_query_scalar().fetch_all(&mut *self.tx).await?;
            for number in numbers {
                found.push(key_of(number)?);
            }
        }
        Ok(found)
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.tx.commit().await?;
        // The import's pages go into the database file now, while it is still the
        // import's time, rather than in the background under the next commands.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A command's transaction on SQLite.
struct SqliteTx {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
}

// Take the write lock up front, in every transaction (`begin`, and `begin_plain` for
// the few writes that cannot conflict): a read-then-write transaction that upgrades
// later can fail with SQLITE_BUSY when another writer got in between.
impl_database_sql! {
    store: SqliteStore,
    tx: SqliteTx,
    begin: "BEGIN IMMEDIATE",
    begin_plain: "BEGIN IMMEDIATE",
    begin_read: "BEGIN",
    migrator: sqlx::migrate!("migrations/sqlite"),
}

impl_tasks_sql! {
    store: SqliteStore,
    tx: SqliteTx,
    db: sqlx::Sqlite,
    // One writer at a time (`BEGIN IMMEDIATE`): the next number cannot be taken twice.
    next_task_number: "SELECT COALESCE(MAX(number), 0) + 1 FROM tasks",
}

impl_outbox_sql! {
    store: SqliteStore,
    tx: SqliteTx,
    begin_plain: "BEGIN IMMEDIATE",
    // SQLite has no row locks (nor `FOR UPDATE`): writers take turns.
    claim_lock: "",
}

impl_digests_sql! {
    store: SqliteStore,
    tx: SqliteTx,
    db: sqlx::Sqlite,
}

impl_people_sql! {
    store: SqliteStore,
    tx: SqliteTx,
    db: sqlx::Sqlite,
    begin: "BEGIN IMMEDIATE",
}

impl_leases_sql! {
    store: SqliteStore,
}

impl_assistant_sql! {
    tx: SqliteTx,
}

impl_forge_sql! {
    tx: SqliteTx,
}

impl_inbound_sql! {
    store: SqliteStore,
    tx: SqliteTx,
}

impl_transfer_sql! {
    store: SqliteStore,
}
