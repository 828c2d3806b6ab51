//! The SQL both backends share.
//!
//! SQLite and Postgres run the same statements here (both accept `$n` parameters,
//! `RETURNING`, `ON CONFLICT` and recursive CTEs); what differs — how a write
//! transaction begins, row locking for the outbox — is passed in. sqlx's executors
//! are concrete per database, so the shared code is a macro that each backend expands
//! over its own types rather than a generic with a wall of higher-ranked bounds.

/// What makes open task `t` blocked: it waits on something outside Baton or on a
/// task (of any room) that is still open or in progress. `open_blockers` counts
/// the latter, kept by the database's triggers (migration 0006), so the test reads
/// only the task's own row: sorting someone's thousands of tasks, or counting a
/// room's blocked ones, probes no dependencies. A macro so `concat!` can build
/// `'static` query text.
macro_rules! task_waits {
    () => {
        "(t.external_blocker IS NOT NULL OR t.open_blockers > 0)"
    };
}

/// What makes task `t` one of room `$1`'s blocked tasks (`StoreTx::blocked_in_room`):
/// open or in progress, at home in the room, and [`task_waits`]. One text for the
/// count and the page, so the two cannot disagree; `tasks_by_room` finds the
/// room's open tasks.
macro_rules! blocked_task_filter {
    () => {
        concat!(
            "t.home_room = $1 AND t.status IN ('open', 'in_progress') AND ",
            task_waits!()
        )
    };
}

macro_rules! impl_sql_store {
    (
        store: $store:ident,
        tx: $tx:ident,
        db: $db:ty,
        begin: $begin:literal,
        begin_plain: $begin_plain:literal,
        claim_lock: $claim_lock:literal,
        next_task_number: $next_task_number:literal,
        migrator: $migrator:expr $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod shared_sql {
        use std::collections::BTreeMap;

        use async_trait::async_trait;
        use chrono::{DateTime, Utc};

        use crate::domain::{NewEvent, PersonId, RoomFacts, RoomPrivacy, RoomWork, Task, TaskKey};
        use crate::store::rows::{
            self, BlockerRow, EventRow, OutboxRow, TaskRow, event_columns, key_of, millis, number_of,
            outbox_columns, task_columns,
        };
        use crate::store::sql::{blocked_task_filter, task_waits};
        use crate::store::{
            Destination, ExportedTask, ImportTx, NewOutboxMessage, OutboxMessage, OwnedWork, Page,
            OutboxStatus, PersonSettings, RoomInfo, Store, StoreResult, StoreTx, StoredEvent,
        };

        use super::$store;

        /// A command's transaction on this backend.
        pub struct $tx {
            tx: sqlx::Transaction<'static, $db>,
        }

        /// Records a room's name and privacy: a known privacy replaces the recorded
        /// one, an unknown one makes a new room private and leaves a known one be.
        async fn upsert_room(
            conn: &mut <$db as sqlx::Database>::Connection,
            room: &str,
            room_name: &str,
            privacy: RoomPrivacy,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO rooms (id, name, private) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                   private = CASE WHEN $4 THEN excluded.private ELSE rooms.private END",
            )
            .bind(room)
            .bind(room_name)
            .bind(privacy.records_private())
            .bind(privacy != RoomPrivacy::Unknown)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

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

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
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
                Ok(())
            }

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
                     platform_message_id = $2, claimed_until = NULL, last_error = NULL \
                     WHERE id = $3",
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
                    .fetch_all(&self.pool)
                    .await?
                } else {
                    sqlx::query_as(concat!(
                        "SELECT * FROM (SELECT ",
                        outbox_columns!(),
                        " FROM outbox ORDER BY id DESC LIMIT $1) AS o ORDER BY id"
                    ))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
                };
                rows.into_iter().map(OutboxMessage::try_from).collect()
            }

            async fn task_with_card(&self, room: &str, thread: &str) -> StoreResult<Option<TaskKey>> {
                let number: Option<i64> = sqlx::query_scalar(
                    "SELECT number FROM tasks WHERE home_room = $1 AND home_thread = $2 \
                     ORDER BY number LIMIT 1",
                )
                .bind(room)
                .bind(thread)
                .fetch_optional(&self.pool)
                .await?;
                number.map(key_of).transpose()
            }

            async fn card_of(&self, task: TaskKey) -> StoreResult<Option<(String, Option<String>)>> {
                Ok(sqlx::query_as("SELECT home_room, home_thread FROM tasks WHERE number = $1")
                    .bind(number_of(task))
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn dm_room(&self, person: &PersonId) -> StoreResult<Option<String>> {
                let room: Option<Option<String>> =
                    sqlx::query_scalar("SELECT dm_room FROM people WHERE id = $1")
                        .bind(person.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(room.flatten())
            }

            async fn set_dm_room(&self, person: &PersonId, room: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO people (id, dm_room) VALUES ($1, $2) \
                     ON CONFLICT (id) DO UPDATE SET dm_room = excluded.dm_room",
                )
                .bind(person.as_str())
                .bind(room)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn remember_profile(
                &self,
                person: &PersonId,
                display_name: Option<&str>,
                timezone: Option<&str>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO people (id, display_name, timezone) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET \
                       display_name = COALESCE(excluded.display_name, people.display_name), \
                       timezone = COALESCE(people.timezone, excluded.timezone)",
                )
                .bind(person.as_str())
                .bind(display_name)
                .bind(timezone)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn sync_room(
                &self,
                room: &str,
                room_name: &str,
                privacy: RoomPrivacy,
                members: Option<&[PersonId]>,
            ) -> StoreResult<()> {
                let mut tx = self.begin_tx($begin).await?;
                upsert_room(&mut *tx, room, room_name, privacy).await?;
                if let Some(members) = members {
                    sqlx::query("DELETE FROM room_members WHERE room = $1")
                        .bind(room)
                        .execute(&mut *tx)
                        .await?;
                    for person in members {
                        sqlx::query(
                            "INSERT INTO room_members (room, person) VALUES ($1, $2) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(room)
                        .bind(person.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn set_room_member(
                &self,
                room: &str,
                person: &PersonId,
                member: bool,
            ) -> StoreResult<()> {
                let statement = if member {
                    "INSERT INTO room_members (room, person) VALUES ($1, $2) ON CONFLICT DO NOTHING"
                } else {
                    "DELETE FROM room_members WHERE room = $1 AND person = $2"
                };
                sqlx::query(statement)
                    .bind(room)
                    .bind(person.as_str())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn display_name(&self, person: &PersonId) -> StoreResult<Option<String>> {
                let name: Option<Option<String>> =
                    sqlx::query_scalar("SELECT display_name FROM people WHERE id = $1")
                        .bind(person.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(name.flatten())
            }

            async fn inbound_seen(&self, event_id: &str) -> StoreResult<bool> {
                let seen: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM inbound WHERE platform_event_id = $1",
                )
                .bind(event_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(seen > 0)
            }

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
                    .fetch_optional(&self.pool)
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

            async fn oldest_pending_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
                let oldest: Option<i64> =
                    sqlx::query_scalar("SELECT MIN(created_at) FROM outbox WHERE status = 'pending'")
                        .fetch_one(&self.pool)
                        .await?;
                Ok(oldest.and_then(DateTime::from_timestamp_millis))
            }

            async fn pending_count(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn begin_import(&self) -> StoreResult<Box<dyn ImportTx>> {
                // Bulk inserts are where the two databases differ most.
                self.import_tx().await
            }

            async fn export_page(
                &self,
                after: Option<TaskKey>,
                limit: i64,
            ) -> StoreResult<Vec<ExportedTask>> {
                let after = after.map_or(0, number_of);
                let tasks: Vec<TaskRow> = sqlx::query_as(concat!(
                    "SELECT ", task_columns!(), " FROM tasks WHERE number > $1 ORDER BY number LIMIT $2"
                ))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let tasks = rows::tasks(tasks)?;
                let Some(last) = tasks.last().map(|t| number_of(t.key)) else {
                    return Ok(Vec::new());
                };
                let edges: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT task, blocker FROM dependencies WHERE task > $1 AND task <= $2 \
                     ORDER BY task, blocker",
                )
                .bind(after)
                .bind(last)
                .fetch_all(&self.pool)
                .await?;
                let events: Vec<EventRow> = sqlx::query_as(concat!(
                    "SELECT ", event_columns!(), " FROM events WHERE task > $1 AND task <= $2 ORDER BY task, id"
                ))
                .bind(after)
                .bind(last)
                .fetch_all(&self.pool)
                .await?;
                let mut depends_on: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
                for (task, blocker) in edges {
                    depends_on.entry(key_of(task)?).or_default().push(key_of(blocker)?);
                }
                let mut history: BTreeMap<TaskKey, Vec<StoredEvent>> = BTreeMap::new();
                for row in events {
                    let event = StoredEvent::try_from(row)?;
                    history.entry(event.task).or_default().push(event);
                }
                Ok(tasks
                    .into_iter()
                    .map(|task| ExportedTask {
                        depends_on: depends_on.remove(&task.key).unwrap_or_default(),
                        events: history.remove(&task.key).unwrap_or_default(),
                        task,
                    })
                    .collect())
            }

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
                .fetch_all(&self.pool)
                .await?)
            }
        }

        /// One multi-row `INSERT` of `events`, in order (keep them to a few
        /// thousand: ten parameters each). Also the SQLite import's.
        pub(super) fn insert_events<'e>(
            events: impl IntoIterator<Item = &'e NewEvent>,
        ) -> StoreResult<sqlx::QueryBuilder<$db>> {
            let mut rows = Vec::new();
            for e in events {
                let payload = serde_json::to_string(&e.kind)
                    .map_err(|err| crate::store::StoreError::Corrupt(err.to_string()))?;
                rows.push((e, payload));
            }
            let mut insert = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO events (task, kind, payload, actor, at, platform, room, \
                 message_id, permalink, platform_event_id) ",
            );
            insert.push_values(rows, |mut row, (e, payload)| {
                row.push_bind(number_of(e.task))
                    .push_bind(e.kind.name())
                    .push_bind(payload)
                    .push_bind(e.actor.as_str().to_owned())
                    .push_bind(millis(e.at))
                    .push_bind(e.source.platform.clone())
                    .push_bind(e.source.room.clone())
                    .push_bind(e.source.message_id.clone())
                    .push_bind(e.source.permalink.clone())
                    .push_bind(e.source.event_id.clone());
            });
            Ok(insert)
        }

        impl $tx {
            /// Inserts `t` under `key`, or under the next task number when `key` is
            /// `None` (taken in the same statement: `COALESCE` evaluates the
            /// numbering subquery only when it is needed), and returns its key.
            async fn insert_task_row(&mut self, key: Option<TaskKey>, t: &Task) -> StoreResult<TaskKey> {
                let number: i64 = sqlx::query_scalar(concat!(
                    "INSERT INTO tasks (",
                    task_columns!(),
                    ") VALUES (COALESCE($1, (",
                    $next_task_number,
                    ")), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING number"
                ))
                .bind(key.map(number_of))
                .bind(&t.title)
                .bind(t.owner.as_ref().map(PersonId::as_str))
                .bind(t.status.as_str())
                .bind(&t.external_blocker)
                .bind(&t.home_room)
                .bind(&t.home_thread)
                .bind(t.created_by.as_str())
                .bind(millis(t.created_at))
                .bind(millis(t.updated_at))
                .bind(t.done_at.map(millis))
                .bind(millis(t.last_activity_at))
                .fetch_one(&mut *self.tx)
                .await?;
                key_of(number)
            }

            /// Each task of `page` with its open blockers (from any room), blocker
            /// by blocker number, in one query: the page's keys as parameters (keep
            /// it to a page), primary-key lookups in `dependencies`.
            async fn with_open_blockers(
                &mut self,
                page: Vec<Task>,
            ) -> StoreResult<Vec<(Task, Vec<Task>)>> {
                if page.is_empty() {
                    return Ok(Vec::new());
                }
                let mut select = sqlx::QueryBuilder::<$db>::new(
                    "SELECT d.task AS waiting, b.number, b.title, b.owner, b.status, \
                     b.external_blocker, b.home_room, b.home_thread, b.created_by, \
                     b.created_at, b.updated_at, b.done_at, b.last_activity_at \
                     FROM dependencies d JOIN tasks b ON b.number = d.blocker \
                     WHERE b.status IN ('open', 'in_progress') AND d.task IN (",
                );
                {
                    let mut list = select.separated(", ");
                    for task in &page {
                        list.push_bind(number_of(task.key));
                    }
                    list.push_unseparated(")");
                }
                select.push(" ORDER BY d.task, d.blocker");
                let blockers: Vec<BlockerRow> =
                    select.build_query_as().fetch_all(&mut *self.tx).await?;
                let mut waits: BTreeMap<TaskKey, Vec<Task>> = BTreeMap::new();
                for row in blockers {
                    waits
                        .entry(key_of(row.waiting)?)
                        .or_default()
                        .push(Task::try_from(row.blocker)?);
                }
                Ok(page
                    .into_iter()
                    .map(|task| {
                        let blockers = waits.remove(&task.key).unwrap_or_default();
                        (task, blockers)
                    })
                    .collect())
            }
        }

        #[async_trait]
        impl StoreTx for $tx {
            async fn record_inbound(&mut self, event_id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
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

            async fn next_task_key(&mut self) -> StoreResult<TaskKey> {
                let next: i64 = sqlx::query_scalar($next_task_number)
                    .fetch_one(&mut *self.tx)
                    .await?;
                key_of(next)
            }

            async fn insert_task(&mut self, t: &Task) -> StoreResult<()> {
                self.insert_task_row(Some(t.key), t).await.map(drop)
            }

            async fn insert_new_task(&mut self, t: &Task) -> StoreResult<TaskKey> {
                self.insert_task_row(None, t).await
            }

            async fn update_task(&mut self, t: &Task) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE tasks SET title = $2, owner = $3, status = $4, external_blocker = $5, \
                     updated_at = $6, done_at = $7, last_activity_at = $8 WHERE number = $1",
                )
                .bind(number_of(t.key))
                .bind(&t.title)
                .bind(t.owner.as_ref().map(PersonId::as_str))
                .bind(t.status.as_str())
                .bind(&t.external_blocker)
                .bind(millis(t.updated_at))
                .bind(t.done_at.map(millis))
                .bind(millis(t.last_activity_at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn task(&mut self, key: TaskKey) -> StoreResult<Option<Task>> {
                let row: Option<TaskRow> =
                    sqlx::query_as(concat!("SELECT ", task_columns!(), " FROM tasks WHERE number = $1"))
                        .bind(number_of(key))
                        .fetch_optional(&mut *self.tx)
                        .await?;
                row.map(Task::try_from).transpose()
            }

            async fn blockers_of(&mut self, key: TaskKey) -> StoreResult<Vec<Task>> {
                let rows: Vec<TaskRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    task_columns!(),
                    " FROM tasks WHERE number IN \
                     (SELECT blocker FROM dependencies WHERE task = $1) ORDER BY number"
                ))
                .bind(number_of(key))
                .fetch_all(&mut *self.tx)
                .await?;
                rows::tasks(rows)
            }

            async fn dependents_of(&mut self, key: TaskKey) -> StoreResult<Vec<Task>> {
                let rows: Vec<TaskRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    task_columns!(),
                    " FROM tasks WHERE number IN \
                     (SELECT task FROM dependencies WHERE blocker = $1) ORDER BY number"
                ))
                .bind(number_of(key))
                .fetch_all(&mut *self.tx)
                .await?;
                rows::tasks(rows)
            }

            async fn upstream_edges(&mut self, key: TaskKey) -> StoreResult<Vec<(TaskKey, TaskKey)>> {
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    "WITH RECURSIVE upstream(task) AS ( \
                       SELECT CAST($1 AS BIGINT) \
                       UNION \
                       SELECT d.blocker FROM dependencies d JOIN upstream u ON d.task = u.task \
                     ) \
                     SELECT d.task, d.blocker FROM dependencies d JOIN upstream u ON d.task = u.task",
                )
                .bind(number_of(key))
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter()
                    .map(|(task, blocker)| Ok((key_of(task)?, key_of(blocker)?)))
                    .collect()
            }

            async fn add_dependency(&mut self, task: TaskKey, blocker: TaskKey) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO dependencies (task, blocker) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(number_of(task))
                .bind(number_of(blocker))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn remove_dependency(&mut self, task: TaskKey, blocker: TaskKey) -> StoreResult<bool> {
                let result = sqlx::query("DELETE FROM dependencies WHERE task = $1 AND blocker = $2")
                    .bind(number_of(task))
                    .bind(number_of(blocker))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(result.rows_affected() > 0)
            }

            async fn append_event(&mut self, e: &NewEvent) -> StoreResult<()> {
                self.append_events(std::slice::from_ref(e)).await
            }

            async fn append_events(&mut self, events: &[NewEvent]) -> StoreResult<()> {
                if events.is_empty() {
                    return Ok(());
                }
                insert_events(events)?.build().execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn events_of(&mut self, key: TaskKey) -> StoreResult<Vec<StoredEvent>> {
                let rows: Vec<EventRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    event_columns!(),
                    " FROM events WHERE task = $1 ORDER BY id"
                ))
                .bind(number_of(key))
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter().map(StoredEvent::try_from).collect()
            }

            async fn enqueue(&mut self, m: &NewOutboxMessage) -> StoreResult<()> {
                let (dm_to, room, thread_task) = match &m.destination {
                    Destination::Dm(person) => (Some(person.as_str()), None, None),
                    Destination::Room { room, thread_task } => {
                        (None, Some(room.as_str()), thread_task.map(number_of))
                    }
                };
                sqlx::query(
                    "INSERT INTO outbox (idempotency_key, platform, dm_to, room, thread_task, \
                     card_for, body, status, not_before, created_at, kind, only_for) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
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
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn owned_work(&mut self, person: &PersonId, limit: i64) -> StoreResult<OwnedWork> {
                // One query sorts the person's open tasks into `mine`'s sections and
                // packs each section's numbers into one value (someone can own
                // thousands); then full rows for the first `limit` of each, and the
                // open blockers of the blocked ones shown.
                let sections: Vec<(String, Option<String>)> = sqlx::query_as(concat!(
                    "SELECT section, string_agg(CAST(task AS TEXT), ',') FROM \
                       (SELECT t.number AS task, CASE WHEN ",
                    task_waits!(),
                    " THEN 'blocked' WHEN t.status = 'in_progress' THEN 'in_progress' \
                         ELSE 'ready' END AS section \
                       FROM tasks t WHERE t.owner = $1 AND t.status IN ('open', 'in_progress')) owned \
                     GROUP BY section"
                ))
                .bind(person.as_str())
                .fetch_all(&mut *self.tx)
                .await?;
                let limit = usize::try_from(limit).unwrap_or_default();
                let mut work = OwnedWork::default();
                for (section, packed) in sections {
                    let mut keys = rows::packed_keys(packed.as_deref().unwrap_or_default())?;
                    keys.sort_unstable();
                    let total = keys.len();
                    keys.truncate(limit);
                    let page = self.tasks(&keys).await?;
                    match section.as_str() {
                        "ready" => work.ready = Page { total, items: page },
                        "in_progress" => work.in_progress = Page { total, items: page },
                        _ => {
                            let items = self.with_open_blockers(page).await?;
                            work.blocked = Page { total, items };
                        }
                    }
                }
                Ok(work)
            }

            async fn active_tasks_in(&mut self, room: &str) -> StoreResult<Vec<Task>> {
                let rows: Vec<TaskRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    task_columns!(),
                    " FROM tasks WHERE home_room = $1 AND status IN ('open', 'in_progress') \
                     ORDER BY number"
                ))
                .bind(room)
                .fetch_all(&mut *self.tx)
                .await?;
                rows::tasks(rows)
            }

            async fn blocked_in_room(
                &mut self,
                room: &str,
                limit: i64,
            ) -> StoreResult<(i64, Vec<(Task, Vec<Task>)>)> {
                // Three queries whatever the room's size (it can hold 100,000 open
                // tasks): the count, the page, and the page's blockers. Only the page's
                // rows leave the database.
                let total: i64 = sqlx::query_scalar(concat!(
                    "SELECT COUNT(*) FROM tasks t WHERE ",
                    blocked_task_filter!()
                ))
                .bind(room)
                .fetch_one(&mut *self.tx)
                .await?;
                // Postgres rejects a negative LIMIT, where SQLite reads it as none.
                let rows: Vec<TaskRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    task_columns!(),
                    " FROM tasks t WHERE ",
                    blocked_task_filter!(),
                    " ORDER BY t.number LIMIT $2"
                ))
                .bind(room)
                .bind(limit.max(0))
                .fetch_all(&mut *self.tx)
                .await?;
                let page = rows::tasks(rows)?;
                if page.is_empty() {
                    return Ok((total, Vec::new()));
                }
                Ok((total, self.with_open_blockers(page).await?))
            }

            async fn note_presence(
                &mut self,
                person: &PersonId,
                room: &str,
                room_name: &str,
                privacy: RoomPrivacy,
            ) -> StoreResult<()> {
                upsert_room(&mut *self.tx, room, room_name, privacy).await?;
                sqlx::query("INSERT INTO people (id) VALUES ($1) ON CONFLICT DO NOTHING")
                    .bind(person.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO room_members (room, person) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(room)
                .bind(person.as_str())
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn room_facts(
                &mut self,
                room: &str,
                person: Option<&PersonId>,
            ) -> StoreResult<RoomFacts> {
                let private: Option<bool> = sqlx::query_scalar("SELECT private FROM rooms WHERE id = $1")
                    .bind(room)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                let Some(private) = private else {
                    return Ok(RoomFacts::Unrecorded);
                };
                let reader_is_member = match person {
                    Some(person) if private => {
                        let members: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM room_members WHERE room = $1 AND person = $2",
                        )
                        .bind(room)
                        .bind(person.as_str())
                        .fetch_one(&mut *self.tx)
                        .await?;
                        members > 0
                    }
                    _ => false,
                };
                Ok(RoomFacts::Recorded { private, reader_is_member })
            }

            async fn room_name(&mut self, room: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT name FROM rooms WHERE id = $1")
                    .bind(room)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn person_settings(&mut self, person: &PersonId) -> StoreResult<PersonSettings> {
                let row: Option<(Option<String>, Option<String>)> =
                    sqlx::query_as("SELECT timezone, working_hours FROM people WHERE id = $1")
                        .bind(person.as_str())
                        .fetch_optional(&mut *self.tx)
                        .await?;
                let (timezone, working_hours) = row.unwrap_or_default();
                Ok(PersonSettings {
                    timezone,
                    working_hours,
                })
            }

            async fn set_person_timezone(&mut self, person: &PersonId, timezone: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO people (id, timezone) VALUES ($1, $2) \
                     ON CONFLICT (id) DO UPDATE SET timezone = excluded.timezone",
                )
                .bind(person.as_str())
                .bind(timezone)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn set_person_hours(&mut self, person: &PersonId, hours: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO people (id, working_hours) VALUES ($1, $2) \
                     ON CONFLICT (id) DO UPDATE SET working_hours = excluded.working_hours",
                )
                .bind(person.as_str())
                .bind(hours)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

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

            async fn tasks(&mut self, keys: &[TaskKey]) -> StoreResult<Vec<Task>> {
                if keys.is_empty() {
                    return Ok(Vec::new());
                }
                let mut select = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    task_columns!(),
                    " FROM tasks WHERE number IN ("
                ));
                {
                    let mut list = select.separated(", ");
                    for key in keys {
                        list.push_bind(number_of(*key));
                    }
                    list.push_unseparated(")");
                }
                select.push(" ORDER BY number");
                let rows: Vec<TaskRow> = select.build_query_as().fetch_all(&mut *self.tx).await?;
                rows::tasks(rows)
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
                         AND LENGTH(body) <= $4 ORDER BY id LIMIT 1)",
                )
                .bind(person.as_str())
                .bind(millis(not_before))
                .bind(addition)
                .bind(fits)
                .execute(&mut *self.tx)
                .await?;
                Ok(result.rows_affected() > 0)
            }

            async fn commit(self: Box<Self>) -> StoreResult<()> {
                self.tx.commit().await?;
                Ok(())
            }
        }
        }
    };
}

pub(super) use blocked_task_filter;
pub(super) use impl_sql_store;
pub(super) use task_waits;
