//! Postgres: for teams that run several replicas or already run Postgres.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::rows::{key_of, millis, number_of, task_columns};
use super::sql::{
    impl_assistant_sql, impl_database_sql, impl_digests_sql, impl_forge_sql, impl_inbound_sql,
    impl_leases_sql, impl_outbox_sql, impl_people_sql, impl_tasks_sql, impl_transfer_sql,
};
use super::{ImportTx, ImportedTask, StoreResult};
use crate::domain::{NewEvent, Task, TaskKey};

/// The store on a Postgres database.
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Postgres's disk is the server's, which it reports itself by failing writes.
    #[expect(clippy::unused_self, reason = "the SQLite backend's has a self")]
    fn disk_problem(&self) -> Option<super::StoreError> {
        None
    }

    /// Connects to the Postgres database at `url`.
    ///
    /// # Errors
    /// When the URL is malformed or the server cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        // During an outage a command fails in about 2 s, not the pool's default
        // 30: soon enough that Slack (3 s) sees a 5xx and delivers it again.
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(2))
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    /// Begins a transaction with `statement`.
    async fn begin_tx(
        &self,
        statement: &'static str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin_with(statement).await
    }

    /// Where reads outside transactions go: the one pool (Postgres readers never
    /// wait behind writers).
    fn reader(&self) -> &sqlx::PgPool {
        &self.pool
    }

    /// The connection pool, for measurements beside the store (`baton bench`).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl PgStore {
    /// Starts an import's one transaction, serializable like every command's: the
    /// dependency trigger counts each blocker's status as it reads it, and a
    /// command finishing that blocker meanwhile must conflict with the import
    /// rather than leave a task's count of open blockers off by one. (With the
    /// count triggers, the 100,000-task import went from 5.0–6.3 s to 5.8–7.9 s.)
    async fn import_tx(&self) -> StoreResult<Box<dyn ImportTx>> {
        let tx = self.begin_tx("BEGIN ISOLATION LEVEL SERIALIZABLE").await?;
        Ok(Box::new(PgImport {
            tx,
            pool: self.pool.clone(),
            inserted: false,
        }))
    }
}

/// An import's transaction on Postgres: one `INSERT ... SELECT FROM UNNEST(...)` per
/// table and batch, a column per array parameter, so the statement stays small
/// however many rows there are (multi-row `VALUES` with thousands of parameters
/// planned slowly).
struct PgImport {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    /// For the `VACUUM` after the commit, which no transaction can run.
    pool: sqlx::PgPool,
    /// Whether any task was inserted: only then does the sequence need moving.
    inserted: bool,
}

#[async_trait]
impl ImportTx for PgImport {
    async fn insert(&mut self, tasks: &[ImportedTask]) -> StoreResult<()> {
        if tasks.is_empty() {
            return Ok(());
        }
        let column =
            |f: &dyn Fn(&Task) -> i64| tasks.iter().map(|t| f(&t.task)).collect::<Vec<i64>>();
        let text = |f: &dyn Fn(&Task) -> Option<String>| {
            tasks.iter().map(|t| f(&t.task)).collect::<Vec<_>>()
        };
        sqlx::query(concat!(
            "INSERT INTO tasks (",
            task_columns!(),
            ") SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[])"
        ))
        .bind(column(&|t| number_of(t.key)))
        .bind(text(&|t| Some(t.title.clone())))
        .bind(text(&|t| t.owner.as_ref().map(|o| o.as_str().to_owned())))
        .bind(text(&|t| Some(t.status.as_str().to_owned())))
        .bind(text(&|t| t.external_blocker.clone()))
        .bind(text(&|t| Some(t.home_room.clone())))
        .bind(text(&|t| t.home_thread.clone()))
        .bind(text(&|t| Some(t.created_by.as_str().to_owned())))
        .bind(column(&|t| millis(t.created_at)))
        .bind(column(&|t| millis(t.updated_at)))
        .bind(tasks.iter().map(|t| t.task.done_at.map(millis)).collect::<Vec<Option<i64>>>())
        .bind(column(&|t| millis(t.last_activity_at)))
        .execute(&mut *self.tx)
        .await?;
        self.inserted = true;

        let events: Vec<&NewEvent> = tasks.iter().flat_map(|t| &t.events).collect();
        let each = |f: &dyn Fn(&NewEvent) -> Option<String>| {
            events.iter().map(|e| f(e)).collect::<Vec<_>>()
        };
        sqlx::query(
            "INSERT INTO events (task, kind, payload, actor, at, platform, room, message_id, \
             permalink, platform_event_id) SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], \
             $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])",
        )
        .bind(events.iter().map(|e| number_of(e.task)).collect::<Vec<i64>>())
        .bind(each(&|e| Some(e.kind.name().to_owned())))
        .bind(each(&|e| serde_json::to_string(&e.kind).ok()))
        .bind(each(&|e| Some(e.actor.as_str().to_owned())))
        .bind(events.iter().map(|e| millis(e.at)).collect::<Vec<i64>>())
        .bind(each(&|e| Some(e.source.platform.clone())))
        .bind(each(&|e| Some(e.source.room.clone())))
        .bind(each(&|e| e.source.message_id.clone()))
        .bind(each(&|e| e.source.permalink.clone()))
        .bind(each(&|e| e.source.event_id.clone()))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn insert_dependencies(&mut self, edges: &[(TaskKey, TaskKey)]) -> StoreResult<()> {
        if edges.is_empty() {
            return Ok(());
        }
        let (dependents, blockers): (Vec<i64>, Vec<i64>) = edges
            .iter()
            .map(|(task, blocker)| (number_of(*task), number_of(*blocker)))
            .unzip();
        // A line may name the same blocker twice.
        sqlx::query(
            "INSERT INTO dependencies (task, blocker) SELECT * FROM UNNEST($1::bigint[], $2::bigint[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(dependents)
        .bind(blockers)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn existing(&mut self, keys: &[TaskKey]) -> StoreResult<Vec<TaskKey>> {
        // One array parameter, however many keys.
        let numbers: Vec<i64> = keys.iter().map(|k| number_of(*k)).collect();
        let found: Vec<i64> = sqlx::query_scalar("SELECT number FROM tasks WHERE number = ANY($1)")
            .bind(numbers)
            .fetch_all(&mut *self.tx)
            .await?;
        found.into_iter().map(key_of).collect()
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        let PgImport {
            mut tx,
            pool,
            inserted,
        } = *self;
        if !inserted {
            tx.commit().await?;
            return Ok(());
        }
        // New tasks are numbered after the imported ones.
        sqlx::query("SELECT setval('task_numbers', (SELECT MAX(number) FROM tasks) + 1, false)")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // Fresh statistics: after a bulk load the planner would otherwise plan the
        // next commands for the tables as they were (often empty) and scan where an
        // index lookup is due. And a visibility map: until the new rows are
        // vacuumed, an index-only scan reads every row it finds (`mine`'s query
        // for someone with 2,000 tasks: 14 ms, 1.6 ms once vacuumed). Autovacuum would
        // get round to both, later. The import has committed by now: a failure
        // here leaves only that wait, so it is logged, not returned.
        if let Err(e) = sqlx::query("VACUUM (ANALYZE) tasks, dependencies, events")
            .execute(&pool)
            .await
        {
            tracing::warn!(
                error = %crate::error_chain::error_chain(&e),
                "the import committed, but vacuuming the tables after it failed; queries may be slow until autovacuum runs"
            );
        }
        Ok(())
    }
}

/// A command's transaction on Postgres.
struct PgTx {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
}

impl_database_sql! {
    store: PgStore,
    tx: PgTx,
    // Serializable, so two replicas deciding "was that the last blocker?" at once
    // cannot both miss the handoff; the engine retries a serialization conflict.
    begin: "BEGIN ISOLATION LEVEL SERIALIZABLE",
    // For the few writes that cannot conflict (see `mark_delivered`).
    begin_plain: "BEGIN",
    begin_read: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    migrator: sqlx::migrate!("migrations/postgres"),
}

impl_tasks_sql! {
    store: PgStore,
    tx: PgTx,
    db: sqlx::Postgres,
    next_task_number: "SELECT nextval('task_numbers')",
}

impl_outbox_sql! {
    store: PgStore,
    tx: PgTx,
    // For the few writes that cannot conflict (see `mark_delivered`).
    begin_plain: "BEGIN",
    // Replicas share the outbox: each claims a different row.
    claim_lock: "FOR UPDATE SKIP LOCKED",
}

impl_digests_sql! {
    store: PgStore,
    tx: PgTx,
    db: sqlx::Postgres,
}

impl_people_sql! {
    store: PgStore,
    tx: PgTx,
    db: sqlx::Postgres,
    // Serializable, as a command's transaction (see `impl_database_sql!`).
    begin: "BEGIN ISOLATION LEVEL SERIALIZABLE",
}

impl_leases_sql! {
    store: PgStore,
}

impl_assistant_sql! {
    tx: PgTx,
}

impl_forge_sql! {
    tx: PgTx,
}

impl_inbound_sql! {
    store: PgStore,
    tx: PgTx,
}

impl_transfer_sql! {
    store: PgStore,
}
