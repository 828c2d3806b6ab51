//! Postgres: for teams that run several replicas or already run Postgres.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::sql::impl_sql_store;

/// The store on a Postgres database.
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the Postgres database at `url`.
    ///
    /// # Errors
    /// When the URL is malformed or the server cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok(Self { pool })
    }
}

impl_sql_store! {
    store: PgStore,
    tx: PgTx,
    db: sqlx::Postgres,
    // Serializable, so two replicas deciding "was that the last blocker?" at once
    // cannot both miss the handoff; the engine retries a serialization conflict.
    begin: "BEGIN ISOLATION LEVEL SERIALIZABLE",
    // Replicas share the outbox: each claims a different row.
    claim_lock: "FOR UPDATE SKIP LOCKED",
    migrator: sqlx::migrate!("migrations/postgres"),
}
