//! The SQL of `baton export`, and the entry to `baton import` (whose bulk inserts
//! are each backend's own, in `sqlite.rs` and `postgres.rs`).

/// Implements [`TransferStore`](crate::store::TransferStore) for `$store`. Each
/// backend brings its own `import_tx`: bulk inserts are where the two differ most.
macro_rules! impl_transfer_sql {
    (
        store: $store:ident $(,)?
    ) => {
        // A module of its own, so these imports do not clash with the backend's.
        mod transfer_sql {
            use std::collections::BTreeMap;

            use async_trait::async_trait;

            use crate::domain::TaskKey;
            use crate::store::rows::{
                self, EventRow, TaskRow, event_columns, key_of, number_of, task_columns,
            };
            use crate::store::{ExportedTask, ImportTx, StoreResult, StoredEvent, TransferStore};

            use super::$store;

            #[async_trait]
            impl TransferStore for $store {
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
                        "SELECT ",
                        task_columns!(),
                        " FROM tasks WHERE number > $1 ORDER BY number LIMIT $2"
                    ))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(self.reader())
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
                    .fetch_all(self.reader())
                    .await?;
                    let events: Vec<EventRow> = sqlx::query_as(concat!(
                        "SELECT ",
                        event_columns!(),
                        " FROM events WHERE task > $1 AND task <= $2 ORDER BY task, id"
                    ))
                    .bind(after)
                    .bind(last)
                    .fetch_all(self.reader())
                    .await?;
                    let mut depends_on: BTreeMap<TaskKey, Vec<TaskKey>> = BTreeMap::new();
                    for (task, blocker) in edges {
                        depends_on
                            .entry(key_of(task)?)
                            .or_default()
                            .push(key_of(blocker)?);
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
            }
        }
    };
}

pub(crate) use impl_transfer_sql;
