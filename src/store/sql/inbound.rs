//! The SQL of inbound platform events: which ones were accepted already.

/// Implements [`InboundStore`](crate::store::InboundStore) for `$store` and
/// [`InboundTx`](crate::store::InboundTx) for `$tx`.
macro_rules! impl_inbound_sql {
    (
        store: $store:ident,
        tx: $tx:ident $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod inbound_sql {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};

            use crate::store::rows::millis;
            use crate::store::{InboundStore, InboundTx, StoreResult};

            use super::{$store, $tx};

            #[async_trait]
            impl InboundStore for $store {
                async fn inbound_seen(&self, event_id: &str) -> StoreResult<bool> {
                    let seen: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM inbound WHERE platform_event_id = $1",
                    )
                    .bind(event_id)
                    .fetch_one(self.reader())
                    .await?;
                    Ok(seen > 0)
                }
            }

            #[async_trait]
            impl InboundTx for $tx {
                async fn record_inbound(
                    &mut self,
                    event_id: &str,
                    at: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    let result = sqlx::query(
                        "INSERT INTO inbound (platform_event_id, received_at) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                    )
                    .bind(event_id)
                    .bind(millis(at))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(result.rows_affected() == 1)
                }
            }
        }
    };
}

pub(crate) use impl_inbound_sql;
