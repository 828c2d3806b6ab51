//! The SQL of proposals and the `summaries` room setting.

/// Implements [`AssistantTx`](crate::store::AssistantTx) for `$tx`.
macro_rules! impl_assistant_sql {
    (
        tx: $tx:ident $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod assistant_sql {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};

            use crate::domain::PersonId;
            use crate::store::rows::millis;
            use crate::store::{AssistantTx, StoreResult};

            use super::$tx;

            #[async_trait]
            impl AssistantTx for $tx {
                async fn put_proposal(
                    &mut self,
                    room: &str,
                    person: &PersonId,
                    command: &str,
                    expires_at: DateTime<Utc>,
                ) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO proposals (room, person, command, expires_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (room, person) DO UPDATE \
                         SET command = excluded.command, expires_at = excluded.expires_at",
                    )
                    .bind(room)
                    .bind(person.as_str())
                    .bind(command)
                    .bind(millis(expires_at))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn take_proposal(
                    &mut self,
                    room: &str,
                    person: &PersonId,
                    command: Option<&str>,
                    now: DateTime<Utc>,
                ) -> StoreResult<Option<String>> {
                    let taken: Option<(String, i64)> = sqlx::query_as(
                        "DELETE FROM proposals WHERE room = $1 AND person = $2 \
                         AND command = COALESCE($3, command) RETURNING command, expires_at",
                    )
                    .bind(room)
                    .bind(person.as_str())
                    .bind(command)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                    Ok(taken
                        .filter(|(_, expires_at)| *expires_at > millis(now))
                        .map(|(command, _)| command))
                }

                async fn proposal_waiting(
                    &mut self,
                    room: &str,
                    person: &PersonId,
                    now: DateTime<Utc>,
                ) -> StoreResult<bool> {
                    let waiting: Option<i64> = sqlx::query_scalar(
                        "SELECT expires_at FROM proposals WHERE room = $1 AND person = $2 \
                         AND expires_at > $3",
                    )
                    .bind(room)
                    .bind(person.as_str())
                    .bind(millis(now))
                    .fetch_optional(&mut *self.tx)
                    .await?;
                    Ok(waiting.is_some())
                }

                async fn room_summaries_off(&mut self, room: &str) -> StoreResult<bool> {
                    let off: Option<bool> =
                        sqlx::query_scalar("SELECT summaries_off FROM rooms WHERE id = $1")
                            .bind(room)
                            .fetch_optional(&mut *self.tx)
                            .await?;
                    Ok(off.unwrap_or(false))
                }

                async fn set_room_summaries_off(
                    &mut self,
                    room: &str,
                    off: bool,
                ) -> StoreResult<()> {
                    sqlx::query("UPDATE rooms SET summaries_off = $2 WHERE id = $1")
                        .bind(room)
                        .bind(off)
                        .execute(&mut *self.tx)
                        .await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use impl_assistant_sql;
