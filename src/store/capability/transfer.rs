//! Import and export: every task with its dependencies and history, in and out of
//! the database in bulk.

use async_trait::async_trait;

use crate::domain::{NewEvent, Task, TaskKey};
use crate::store::{StoreResult, StoredEvent};

/// A task to import with its key kept (`baton import`). Its dependencies travel
/// apart, in [`ImportTx::insert_dependencies`]: a task may depend on one further on
/// in the file, which is not in the database yet when the task is inserted.
#[derive(Debug, Clone)]
pub struct ImportedTask {
    pub task: Task,
    pub events: Vec<NewEvent>,
}

/// A whole import's one transaction (`baton import`): every batch of the file goes
/// into it, so the import is all or nothing even when the database fails midway.
/// Dropped without [`ImportTx::commit`], it rolls back.
#[async_trait]
pub trait ImportTx: Send {
    /// Inserts a batch of tasks with their events.
    async fn insert(&mut self, tasks: &[ImportedTask]) -> StoreResult<()>;

    /// Inserts `(task, blocker)` edges, once every task of the import is inserted:
    /// the foreign keys are checked statement by statement, and a task may depend
    /// on one further on in the file.
    async fn insert_dependencies(&mut self, edges: &[(TaskKey, TaskKey)]) -> StoreResult<()>;

    /// Which of `keys` are taken: before this import's own inserts, those that were
    /// in the database already. Any number of keys; the backend splits them to stay
    /// within its limit on query parameters.
    async fn existing(&mut self, keys: &[TaskKey]) -> StoreResult<Vec<TaskKey>>;

    /// Finishes the import (on Postgres, moves the task number sequence past the
    /// imported keys, so new tasks do not collide with them) and commits.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// A task with its dependencies and history (`baton export`).
#[derive(Debug, Clone)]
pub struct ExportedTask {
    pub task: Task,
    pub depends_on: Vec<TaskKey>,
    pub events: Vec<StoredEvent>,
}

/// Bulk import and export, each in a transaction or pages of its own rather than
/// a command's.
///
/// Used by `baton import` and `baton export` (`transfer.rs`).
#[async_trait]
pub trait TransferStore: Send + Sync {
    /// Starts an import: one transaction for the whole file, held while it is read
    /// in batches, so a failure at any point leaves nothing imported.
    async fn begin_import(&self) -> StoreResult<Box<dyn ImportTx>>;

    /// Up to `limit` tasks with their dependencies and events, in key order, the
    /// first after `after` (from the first task when `None`): `baton export`.
    async fn export_page(
        &self,
        after: Option<TaskKey>,
        limit: i64,
    ) -> StoreResult<Vec<ExportedTask>>;
}
