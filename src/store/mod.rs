//! Persistence: one [`Store`] trait, a SQLite and a Postgres implementation.
//!
//! The backend is picked once, from the database URL's scheme ([`connect`]). Every
//! command runs in one [`StoreTx`]: its inbound dedup record, events, projection
//! updates and outbox rows commit together or not at all.
//!
//! What the store can do is split by capability ([`capability`]): tasks and their
//! graph, the outbox, digests, people and rooms, leases and adapter state, inbound
//! events, import and export, each a trait (or a pair: outside and inside a
//! command) in a file of its own, with its SQL beside it under `sql/`. [`Store`]
//! and [`StoreTx`] are all of them at once.

pub mod capability;
mod postgres;
mod rows;
mod sql;
mod sqlite;
mod url;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use capability::{
    AssistantTx, CardStore, DigestStore, DigestTx, ExportedTask, ForgeTx, ImportTx, ImportedTask,
    InboundStore, InboundTx, LeaseStore, OutboxStore, OutboxTx, OwnedWork, Page, PeopleStore,
    PeopleTx, TaskTx, TransferStore,
};
pub use postgres::PgStore;
pub use rows::{
    Destination, NewOutboxMessage, OutboxKind, OutboxMessage, OutboxStatus, PersonSettings,
    Picture, RoomInfo, StoredEvent,
};
pub use sqlite::{SqliteStore, database_directory};
pub use url::redact_url;

/// A failure of the database; never shown in chat, logged with its cause chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("could not apply database migrations")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database holds a value Baton cannot read: {0}")]
    Corrupt(String),
    #[error(
        "unsupported database URL `{0}`: use sqlite://FILE (e.g. sqlite://baton.db) or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl(String),
    #[error("the database did not answer in time")]
    Timeout,
    #[error("the database's disk is full ({0} bytes left)")]
    DiskFull(u64),
}

impl StoreError {
    /// Whether another transaction got there first (a unique key or a serialization
    /// conflict): the command can simply be run again.
    pub fn is_conflict(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                e.is_unique_violation() || matches!(e.code().as_deref(), Some("40001" | "40P01"))
            }
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Opens the store a database URL names and runs its migrations.
///
/// # Errors
/// When the URL's scheme is neither `sqlite:` nor `postgres:`/`postgresql:`, or the
/// database cannot be reached or migrated.
pub async fn connect(url: &str) -> StoreResult<Box<dyn Store>> {
    let store = open(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// Opens the store a database URL names without migrating it (`baton doctor`).
///
/// # Errors
/// As [`connect`], but a database that is not migrated yet is not an error.
pub async fn open(url: &str) -> StoreResult<Box<dyn Store>> {
    let store: Box<dyn Store> = if url.starts_with("sqlite:") {
        Box::new(SqliteStore::connect(url).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Box::new(PgStore::connect(url).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(redact_url(url)));
    };
    Ok(store)
}

/// The database: opened once, shared by the engine, the outbox worker and the CLI.
///
/// Its own methods are the database's: migrations, transactions, health. Everything
/// else it does comes from its capabilities, the supertraits, each of which says
/// which part of the program uses it; on a `dyn Store` their methods are called as
/// its own.
///
/// Who uses these: `app.rs` and `main.rs` open and migrate ([`connect`]),
/// `doctor.rs` counts pending migrations, `http.rs` probes writes (`/readyz`), and
/// the engine, the scheduler and `bench.rs` begin transactions.
#[async_trait]
pub trait Store:
    CardStore
    + TransferStore
    + OutboxStore
    + DigestStore
    + PeopleStore
    + LeaseStore
    + InboundStore
    + Send
    + Sync
    + 'static
{
    /// Applies the embedded migrations that have not run yet.
    async fn migrate(&self) -> StoreResult<()>;

    /// How many embedded migrations have not run yet.
    async fn pending_migrations(&self) -> StoreResult<usize>;

    /// Starts the transaction one command runs in.
    async fn begin(&self) -> StoreResult<Box<dyn StoreTx>>;

    /// Begins a transaction that only reads, beside the writer: it never waits
    /// behind a command (views outside a conversation, such as the App Home).
    async fn begin_read(&self) -> StoreResult<Box<dyn StoreTx>>;

    /// Whether the database answers (`baton doctor`).
    async fn ping(&self) -> StoreResult<()>;

    /// Whether the database takes a write, the way a command writes: in a
    /// transaction, committed (`/readyz`). A database that answers but cannot
    /// write (a full disk, a read-only replica) is not ready for commands.
    async fn probe_write(&self, now: DateTime<Utc>) -> StoreResult<()>;
}

/// One command's transaction. Dropped without [`StoreTx::commit`], it rolls back.
///
/// Every capability a command can use inside its transaction, the supertraits; its
/// own method is the commit, for whoever began it (the engine, the scheduler,
/// `bench.rs`).
#[async_trait]
pub trait StoreTx:
    TaskTx + OutboxTx + DigestTx + PeopleTx + InboundTx + ForgeTx + AssistantTx + Send
{
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
