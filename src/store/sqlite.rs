//! SQLite: the embedded default, one file, WAL mode.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::sql::impl_sql_store;

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
}

impl_sql_store! {
    store: SqliteStore,
    tx: SqliteTx,
    db: sqlx::Sqlite,
    // Take the write lock up front: a read-then-write transaction that upgrades later
    // can fail with SQLITE_BUSY when another writer got in between.
    begin: "BEGIN IMMEDIATE",
    claim_lock: "",
    migrator: sqlx::migrate!("migrations/sqlite"),
}
