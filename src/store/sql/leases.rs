//! The SQL of leases and adapter state.

/// Implements [`LeaseStore`](crate::store::LeaseStore) for `$store`.
macro_rules! impl_leases_sql {
    (
        store: $store:ident $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod leases_sql {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};

        use crate::store::rows::millis;
        use crate::store::{LeaseStore, StoreResult};

        use super::$store;

        #[async_trait]
        impl LeaseStore for $store {
            async fn acquire_lease(
                &self,
                name: &str,
                holder: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> StoreResult<bool> {
                // One statement: the row lock of the upsert makes two replicas that
                // race for an expired lease agree on one winner.
                let won: Option<String> = sqlx::query_scalar(
                    "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                     WHERE leases.holder = excluded.holder OR leases.expires_at < $4 \
                     RETURNING holder",
                )
                .bind(name)
                .bind(holder)
                .bind(millis(until))
                .bind(millis(now))
                .fetch_optional(&self.pool)
                .await?;
                Ok(won.as_deref() == Some(holder))
            }

            async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
                    .bind(name)
                    .bind(holder)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn adapter_state(&self, name: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM adapter_state WHERE name = $1")
                    .bind(name)
                    .fetch_optional(self.reader())
                    .await?)
            }

            async fn set_adapter_state(
                &self,
                name: &str,
                value: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO adapter_state (name, value, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(name)
                .bind(value)
                .bind(millis(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
        }
    };
}

pub(crate) use impl_leases_sql;
