//! The SQL of tasks, their dependencies and their history: the engine's reads and
//! writes inside a command, and the task cards chat adapters look up.

/// Implements [`TaskTx`](crate::store::TaskTx) for `$tx` and
/// [`CardStore`](crate::store::CardStore) for `$store`, on database `$db`.
/// `next_task_number` is the query that takes the next task number.
///
/// Also defines `tasks_sql::insert_events`, the multi-row event `INSERT` the
/// SQLite import shares.
macro_rules! impl_tasks_sql {
    (
        store: $store:ident,
        tx: $tx:ident,
        db: $db:ty,
        next_task_number: $next_task_number:literal $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod tasks_sql {
        use std::collections::BTreeMap;

        use async_trait::async_trait;

        use crate::domain::{NewEvent, PersonId, Task, TaskKey};
        use crate::store::rows::{
            self, BlockerRow, EventRow, TaskRow, event_columns, key_of, millis, number_of, task_columns,
        };
        use crate::store::sql::{blocked_task_filter, task_waits};
        use crate::store::{CardStore, OwnedWork, Page, StoreResult, StoredEvent, TaskTx};

        use super::{$store, $tx};

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
        impl TaskTx for $tx {
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
        }

        #[async_trait]
        impl CardStore for $store {
            async fn task_with_card(&self, room: &str, thread: &str) -> StoreResult<Option<TaskKey>> {
                let number: Option<i64> = sqlx::query_scalar(
                    "SELECT number FROM tasks WHERE home_room = $1 AND home_thread = $2 \
                     ORDER BY number LIMIT 1",
                )
                .bind(room)
                .bind(thread)
                .fetch_optional(self.reader())
                .await?;
                number.map(key_of).transpose()
            }

            async fn card_of(&self, task: TaskKey) -> StoreResult<Option<(String, Option<String>)>> {
                Ok(sqlx::query_as("SELECT home_room, home_thread FROM tasks WHERE number = $1")
                    .bind(number_of(task))
                    .fetch_optional(self.reader())
                    .await?)
            }
        }
        }
    };
}

pub(crate) use impl_tasks_sql;
