//! The SQL of digests and their schedules: which rooms get one, when, and what
//! goes in it.

/// Implements [`DigestStore`](crate::store::DigestStore) for `$store` and
/// [`DigestTx`](crate::store::DigestTx) for `$tx`, on database `$db`.
macro_rules! impl_digests_sql {
    (
        store: $store:ident,
        tx: $tx:ident,
        db: $db:ty $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod digests_sql {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};

        use crate::domain::{RoomWork, TaskKey};
        use crate::store::rows::{self, EventRow, event_columns, key_of, millis, number_of};
        use crate::store::{DigestStore, DigestTx, RoomInfo, StoreResult, StoredEvent};

        use super::{$store, $tx};

        #[async_trait]
        impl DigestStore for $store {
            async fn rooms_with_tasks(&self) -> StoreResult<Vec<RoomInfo>> {
                self.rooms_with_tasks_impl().await
            }
        }

        impl $store {
            async fn rooms_with_tasks_impl(&self) -> StoreResult<Vec<RoomInfo>> {
                Ok(sqlx::query_as(
                    "SELECT r.id, r.name, r.digest, \
                       (SELECT MIN(t.created_at) FROM tasks t WHERE t.home_room = r.id) AS first_task_at \
                     FROM rooms r \
                     WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.home_room = r.id) ORDER BY r.id",
                )
                .fetch_all(self.reader())
                .await?)
            }
        }

        #[async_trait]
        impl DigestTx for $tx {
            async fn room_digest(&mut self, room: &str) -> StoreResult<Option<String>> {
                let digest: Option<Option<String>> = sqlx::query_scalar("SELECT digest FROM rooms WHERE id = $1")
                    .bind(room)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(digest.flatten())
            }

            async fn set_room_digest(&mut self, room: &str, digest: &str) -> StoreResult<()> {
                sqlx::query("UPDATE rooms SET digest = $2 WHERE id = $1")
                    .bind(room)
                    .bind(digest)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn claim_digest(&mut self, room: &str, day: &str, at: DateTime<Utc>) -> StoreResult<bool> {
                let result = sqlx::query(
                    "INSERT INTO digests (room, day, posted_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(room)
                .bind(day)
                .bind(millis(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(result.rows_affected() == 1)
            }

            async fn last_digest_at(&mut self, room: &str) -> StoreResult<Option<DateTime<Utc>>> {
                let at: Option<i64> = sqlx::query_scalar("SELECT MAX(posted_at) FROM digests WHERE room = $1")
                    .bind(room)
                    .fetch_one(&mut *self.tx)
                    .await?;
                at.map(rows::from_millis).transpose()
            }

            async fn room_events_since(
                &mut self,
                room: &str,
                since: DateTime<Utc>,
            ) -> StoreResult<Vec<StoredEvent>> {
                // `events` and `tasks` share no column names, so the join needs no prefixes.
                let rows: Vec<EventRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    event_columns!(),
                    " FROM events JOIN tasks ON tasks.number = events.task \
                     WHERE events.at > $2 AND tasks.home_room = $1 ORDER BY events.id"
                ))
                .bind(room)
                .bind(millis(since))
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter().map(StoredEvent::try_from).collect()
            }

            async fn open_work_in(&mut self, room: &str) -> StoreResult<RoomWork> {
                // A room can hold 100,000 open tasks and 150,000 open edges: each
                // query packs its answer into text values (`rows::packed_*`), since a
                // row costs far more to hand over than its numbers cost to print and
                // parse, and building text costs the database little only when there
                // is little of it. So a task that is open, owned and not blocked
                // outside Baton (most of them) is just its number.
                let packed: Option<String> = sqlx::query_scalar(
                    "SELECT string_agg(CASE \
                       WHEN owner IS NULL OR external_blocker IS NOT NULL OR status = 'in_progress' \
                       THEN CAST(number AS TEXT) || ' ' \
                         || CASE WHEN owner IS NULL THEN '-' ELSE 'o' END \
                         || CASE WHEN external_blocker IS NULL THEN '-' ELSE 'x' END \
                         || CASE WHEN status = 'in_progress' THEN 'p' ELSE '-' END \
                         || ' ' || CAST(last_activity_at AS TEXT) \
                       ELSE CAST(number AS TEXT) END, ',') \
                     FROM tasks WHERE home_room = $1 AND status IN ('open', 'in_progress')",
                )
                .bind(room)
                .fetch_one(&mut *self.tx)
                .await?;
                let tasks = rows::packed_open_tasks(packed.as_deref().unwrap_or_default())?;
                // Two aggregates over the same rows step in the same order, so the
                // n-th waiting task and the n-th blocker are one edge.
                let (waiting, blockers): (Option<String>, Option<String>) = sqlx::query_as(
                    "SELECT string_agg(CAST(d.task AS TEXT), ','), \
                       string_agg(CAST(d.blocker AS TEXT), ',') \
                     FROM tasks t JOIN dependencies d ON d.task = t.number \
                     WHERE t.home_room = $1 AND t.status IN ('open', 'in_progress')",
                )
                .bind(room)
                .fetch_one(&mut *self.tx)
                .await?;
                let edges = rows::packed_edges(
                    waiting.as_deref().unwrap_or_default(),
                    blockers.as_deref().unwrap_or_default(),
                )?;
                let work = RoomWork::new(tasks, Vec::new());
                // A blocker among the room's open tasks is open. Only the others
                // (finished ones, other rooms') are looked up, rather than joining
                // every edge to its blocker's row.
                let mut elsewhere: Vec<TaskKey> = edges
                    .iter()
                    .map(|(_, blocker)| *blocker)
                    .filter(|blocker| !work.is_in_room(*blocker))
                    .collect();
                elsewhere.sort_unstable();
                elsewhere.dedup();
                let mut open_elsewhere = Vec::new();
                for chunk in elsewhere.chunks(rows::LOOKUP_CHUNK) {
                    let mut select = sqlx::QueryBuilder::<$db>::new(
                        "SELECT string_agg(CAST(number AS TEXT), ',') FROM tasks \
                         WHERE status IN ('open', 'in_progress') AND number IN (",
                    );
                    {
                        let mut list = select.separated(", ");
                        for key in chunk {
                            list.push_bind(number_of(*key));
                        }
                        list.push_unseparated(")");
                    }
                    let packed: Option<String> =
                        select.build_query_scalar().fetch_one(&mut *self.tx).await?;
                    open_elsewhere.extend(rows::packed_keys(packed.as_deref().unwrap_or_default())?);
                }
                open_elsewhere.sort_unstable();
                let open_edges = edges
                    .into_iter()
                    .filter(|(_, blocker)| {
                        work.is_in_room(*blocker) || open_elsewhere.binary_search(blocker).is_ok()
                    })
                    .collect();
                Ok(work.with_open_edges(open_edges))
            }

            async fn room_resolved_edges_since(
                &mut self,
                room: &str,
                since: DateTime<Utc>,
            ) -> StoreResult<Vec<(TaskKey, TaskKey)>> {
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT d.task, d.blocker FROM dependencies d \
                     JOIN tasks t ON t.number = d.task JOIN tasks b ON b.number = d.blocker \
                     WHERE t.home_room = $1 AND t.status IN ('open', 'in_progress') \
                       AND b.status IN ('done', 'cancelled') AND b.done_at > $2",
                )
                .bind(room)
                .bind(millis(since))
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter().map(|(t, b)| Ok((key_of(t)?, key_of(b)?))).collect()
            }
        }
        }
    };
}

pub(crate) use impl_digests_sql;
