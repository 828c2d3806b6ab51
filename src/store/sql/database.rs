//! The database's own SQL: migrations, beginning and committing transactions,
//! health checks.

/// Implements [`Store`](crate::store::Store)'s own methods (migrations, transactions,
/// health) for `$store` and [`StoreTx::commit`](crate::store::StoreTx::commit) for `$tx`.
/// `begin` starts a command's transaction, `begin_plain` the readiness probe's,
/// `begin_read` a transaction that only reads (on the readers).
macro_rules! impl_database_sql {
    (
        store: $store:ident,
        tx: $tx:ident,
        begin: $begin:literal,
        begin_plain: $begin_plain:literal,
        begin_read: $begin_read:literal,
        migrator: $migrator:expr $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod database_sql {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};

        use crate::store::rows::millis;
        use crate::store::{Store, StoreResult, StoreTx};

        use super::{$store, $tx};

        #[async_trait]
        impl Store for $store {
            async fn migrate(&self) -> StoreResult<()> {
                $migrator.run(&self.pool).await?;
                Ok(())
            }

            async fn pending_migrations(&self) -> StoreResult<usize> {
                use sqlx::migrate::Migrate;
                let migrator = $migrator;
                let mut conn = self.pool.acquire().await?;
                conn.ensure_migrations_table(&migrator.table_name).await?;
                let applied = conn.list_applied_migrations(&migrator.table_name).await?;
                Ok(migrator
                    .iter()
                    .filter(|m| !applied.iter().any(|a| a.version == m.version))
                    .count())
            }

            async fn begin(&self) -> StoreResult<Box<dyn StoreTx>> {
                let tx = self.begin_tx($begin).await?;
                Ok(Box::new($tx { tx }))
            }

            async fn begin_read(&self) -> StoreResult<Box<dyn StoreTx>> {
                let tx = self.reader().begin_with($begin_read).await?;
                Ok(Box::new($tx { tx }))
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await?;
                Ok(())
            }

            async fn probe_write(&self, now: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_tx($begin_plain).await?;
                sqlx::query(
                    "INSERT INTO adapter_state (name, value, updated_at) VALUES ('readiness', $1, $2) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(now.to_rfc3339())
                .bind(millis(now))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                // A small write can fit in space the database already holds (a
                // WAL's old frames) while a command's cannot.
                match self.disk_problem() {
                    Some(problem) => Err(problem),
                    None => Ok(()),
                }
            }
        }

        #[async_trait]
        impl StoreTx for $tx {
            async fn commit(self: Box<Self>) -> StoreResult<()> {
                self.tx.commit().await?;
                Ok(())
            }
        }
        }
    };
}

pub(crate) use impl_database_sql;
