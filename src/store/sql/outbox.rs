//! The outbox's SQL: queueing messages inside a command, and claiming,
//! delivering, retrying and listing them outside one.

/// Implements [`OutboxStore`](crate::store::OutboxStore) for `$store` and
/// [`OutboxTx`](crate::store::OutboxTx) for `$tx`. `begin_plain` begins a delivery's
/// transaction (see `mark_delivered`); `claim_lock` ends the claim's subquery.
macro_rules! impl_outbox_sql {
    (
        store: $store:ident,
        tx: $tx:ident,
        begin_plain: $begin_plain:literal,
        claim_lock: $claim_lock:literal $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod outbox_sql {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};

        use crate::domain::PersonId;
        use crate::store::rows::{OutboxRow, millis, number_of, outbox_columns};
        use crate::store::{
            Destination, NewOutboxMessage, OutboxMessage, OutboxStatus, OutboxStore, OutboxTx,
            StoreResult,
        };

        use super::{$store, $tx};

        #[async_trait]
        impl OutboxStore for $store {
            async fn claim_due(
                &self,
                now: DateTime<Utc>,
                lease: chrono::Duration,
                platforms: &[&str],
            ) -> StoreResult<Option<OutboxMessage>> {
                // `,console,slack,` LIKE `%,slack,%`: one text parameter works on both
                // databases, where array parameters would not.
                let platforms = format!(",{},", platforms.join(","));
                // Each destination (a DM or a room, whatever the thread: a card
                // comes before the replies in its thread) in order: a message is
                // claimed only when no earlier due message to the same place is
                // still pending, in flight elsewhere or not yet tried.
                let row: Option<OutboxRow> = sqlx::query_as(concat!(
                    "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1 \
                     WHERE id = (SELECT o.id FROM outbox o \
                       WHERE o.status = 'pending' AND o.not_before <= $2 \
                         AND (o.claimed_until IS NULL OR o.claimed_until < $2) \
                         AND $3 LIKE '%,' || o.platform || ',%' \
                         AND NOT EXISTS (SELECT 1 FROM outbox e \
                           WHERE e.status = 'pending' AND e.not_before <= $2 AND e.id < o.id \
                             AND e.platform = o.platform \
                             AND e.dm_to IS NOT DISTINCT FROM o.dm_to \
                             AND e.room IS NOT DISTINCT FROM o.room) \
                       ORDER BY o.id LIMIT 1 ",
                    $claim_lock,
                    ") RETURNING ",
                    outbox_columns!()
                ))
                .bind(millis(now + lease))
                .bind(millis(now))
                .bind(platforms)
                .fetch_optional(&self.pool)
                .await?;
                row.map(OutboxMessage::try_from).transpose()
            }

            async fn mark_delivered(
                &self,
                id: i64,
                now: DateTime<Utc>,
                platform_message_id: Option<&str>,
            ) -> StoreResult<()> {
                // Not serializable, unlike commands: two statements that cannot
                // conflict. A serialization failure here would leave the message
                // claimed and post it again. The card's thread is set first and
                // only once, so it is always the first post's: after a crash
                // between the two, the redelivery finds that post and says so.
                let mut tx = self.begin_tx($begin_plain).await?;
                if let Some(thread) = platform_message_id {
                    sqlx::query(
                        "UPDATE tasks SET home_thread = $1 WHERE home_thread IS NULL \
                         AND number = (SELECT card_for FROM outbox WHERE id = $2)",
                    )
                    .bind(thread)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "UPDATE outbox SET status = 'delivered', delivered_at = $1, \
                     platform_message_id = $2, claimed_until = NULL, last_error = NULL, \
                     summary_source = NULL WHERE id = $3",
                )
                .bind(millis(now))
                .bind(platform_message_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn schedule_retry(
                &self,
                id: i64,
                next_attempt: DateTime<Utc>,
                error: &str,
                refund: bool,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE outbox SET not_before = $1, claimed_until = NULL, last_error = $2, \
                     attempts = attempts - $4 WHERE id = $3",
                )
                .bind(millis(next_attempt))
                .bind(error)
                .bind(id)
                .bind(i64::from(refund))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn mark_failed(&self, id: i64, error: &str) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE outbox SET status = 'failed', claimed_until = NULL, last_error = $1 \
                     WHERE id = $2",
                )
                .bind(error)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn outbox(&self, failed_only: bool, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
                let rows: Vec<OutboxRow> = if failed_only {
                    sqlx::query_as(concat!(
                        "SELECT * FROM (SELECT ",
                        outbox_columns!(),
                        " FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT $1) AS o ORDER BY id"
                    ))
                    .bind(limit)
                    .fetch_all(self.reader())
                    .await?
                } else {
                    sqlx::query_as(concat!(
                        "SELECT * FROM (SELECT ",
                        outbox_columns!(),
                        " FROM outbox ORDER BY id DESC LIMIT $1) AS o ORDER BY id"
                    ))
                    .bind(limit)
                    .fetch_all(self.reader())
                    .await?
                };
                rows.into_iter().map(OutboxMessage::try_from).collect()
            }

            async fn oldest_pending_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
                let oldest: Option<i64> =
                    sqlx::query_scalar("SELECT MIN(created_at) FROM outbox WHERE status = 'pending'")
                        .fetch_one(self.reader())
                        .await?;
                Ok(oldest.and_then(DateTime::from_timestamp_millis))
            }

            async fn pending_count(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                    .fetch_one(self.reader())
                    .await?)
            }
        }

        #[async_trait]
        impl OutboxTx for $tx {
            async fn enqueue(&mut self, m: &NewOutboxMessage) -> StoreResult<()> {
                let (dm_to, room, thread_task) = match &m.destination {
                    Destination::Dm(person) => (Some(person.as_str()), None, None),
                    Destination::Room { room, thread_task } => {
                        (None, Some(room.as_str()), thread_task.map(number_of))
                    }
                };
                sqlx::query(
                    "INSERT INTO outbox (idempotency_key, platform, dm_to, room, thread_task, \
                     card_for, body, status, not_before, created_at, kind, only_for, picture_name, \
                     picture_svg, summary_source) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&m.idempotency_key)
                .bind(&m.platform)
                .bind(dm_to)
                .bind(room)
                .bind(thread_task)
                .bind(m.card_for.map(number_of))
                .bind(&m.body)
                .bind(OutboxStatus::Pending.as_str())
                .bind(millis(m.not_before))
                .bind(millis(m.created_at))
                .bind(m.kind.as_str())
                .bind(m.only_for.as_ref().map(PersonId::as_str))
                .bind(m.picture.as_ref().map(|p| p.name.as_str()))
                .bind(m.picture.as_ref().map(|p| p.svg.as_str()))
                .bind(m.summary_source.as_deref())
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn merge_held_handoff(
                &mut self,
                person: &PersonId,
                not_before: DateTime<Utc>,
                body: &str,
                max_chars: usize,
            ) -> StoreResult<bool> {
                let addition = format!("\n\n{body}");
                // Room left in the held DM for the addition.
                let fits = i64::try_from(max_chars.saturating_sub(addition.chars().count()))
                    .unwrap_or(i64::MAX);
                let result = sqlx::query(
                    "UPDATE outbox SET body = body || $3 WHERE id = (SELECT id FROM outbox \
                       WHERE dm_to = $1 AND status = 'pending' AND kind = 'handoff' \
                         AND not_before = $2 AND claimed_until IS NULL \
                         AND summary_source IS NULL AND LENGTH(body) <= $4 ORDER BY id LIMIT 1)",
                )
                .bind(person.as_str())
                .bind(millis(not_before))
                .bind(addition)
                .bind(fits)
                .execute(&mut *self.tx)
                .await?;
                Ok(result.rows_affected() > 0)
            }
        }
        }
    };
}

pub(crate) use impl_outbox_sql;
