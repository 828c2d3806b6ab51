//! Tasks and their graph: the projection rows, the dependencies between them and
//! each task's history of events.

use async_trait::async_trait;

use crate::domain::{NewEvent, PersonId, Task, TaskKey};
use crate::store::{StoreResult, StoredEvent};

/// The first items of a longer list, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub total: usize,
    pub items: Vec<T>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            total: 0,
            items: Vec::new(),
        }
    }
}

/// A person's open tasks by `mine`'s sections (see [`TaskTx::owned_work`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedWork {
    pub ready: Page<Task>,
    pub in_progress: Page<Task>,
    pub blocked: Page<(Task, Vec<Task>)>,
}

/// Task cards, outside any command: which task a chat message is about, and where
/// a task's card is.
///
/// Used by the chat adapters: `chat/slack/mod.rs` and `chat/matrix/mod.rs` (a
/// reply in a card's thread, or a reaction on it, is about its task),
/// `chat/slack/outlet.rs` and `chat/matrix/outlet.rs` (replies about a task go
/// to its card's thread).
#[async_trait]
pub trait CardStore: Send + Sync {
    /// The task whose card is message `thread` in `room`: a reply in that thread, or
    /// a reaction on the card, is about this task.
    async fn task_with_card(&self, room: &str, thread: &str) -> StoreResult<Option<TaskKey>>;

    /// Where a task's card was posted: its home room and, once delivered, the card's
    /// platform message id (the thread replies about the task go to).
    async fn card_of(&self, task: TaskKey) -> StoreResult<Option<(String, Option<String>)>>;
}

/// Tasks, dependencies and events inside a command: what the engine reads to
/// decide and writes to record it.
///
/// Used by the engine: `engine/command/mod.rs` (every command), `engine/mod.rs`
/// (`mine`, lookups), `engine/sight.rs` and `engine/digest.rs` (the tasks a
/// reply or digest shows).
#[async_trait]
pub trait TaskTx: Send {
    /// The key the next new task gets.
    async fn next_task_key(&mut self) -> StoreResult<TaskKey>;

    async fn insert_task(&mut self, task: &Task) -> StoreResult<()>;

    /// Inserts a new task under the next free key (`task.key` is ignored) and
    /// returns that key: one round trip where taking the key first would be two,
    /// and a command's time goes mostly to round trips.
    async fn insert_new_task(&mut self, task: &Task) -> StoreResult<TaskKey>;

    /// Writes a task's projection row back.
    async fn update_task(&mut self, task: &Task) -> StoreResult<()>;

    async fn task(&mut self, key: TaskKey) -> StoreResult<Option<Task>>;

    /// The tasks among `keys` that exist, by number. Keep `keys` to a page: each
    /// is a query parameter.
    async fn tasks(&mut self, keys: &[TaskKey]) -> StoreResult<Vec<Task>>;

    /// The tasks `key` depends on directly.
    async fn blockers_of(&mut self, key: TaskKey) -> StoreResult<Vec<Task>>;

    /// The tasks that depend directly on `key`.
    async fn dependents_of(&mut self, key: TaskKey) -> StoreResult<Vec<Task>>;

    /// Every `(task, blocker)` edge reachable from `key` along "depends on": what a
    /// new dependency on `key` could close a cycle with.
    async fn upstream_edges(&mut self, key: TaskKey) -> StoreResult<Vec<(TaskKey, TaskKey)>>;

    async fn add_dependency(&mut self, task: TaskKey, blocker: TaskKey) -> StoreResult<()>;

    /// Removes a dependency; `false` when there was none.
    async fn remove_dependency(&mut self, task: TaskKey, blocker: TaskKey) -> StoreResult<bool>;

    async fn append_event(&mut self, event: &NewEvent) -> StoreResult<()>;

    /// Appends events in one statement, in order.
    async fn append_events(&mut self, events: &[NewEvent]) -> StoreResult<()>;

    /// A task's events, oldest first.
    async fn events_of(&mut self, key: TaskKey) -> StoreResult<Vec<StoredEvent>>;

    /// `person`'s open and in-progress tasks as `mine` lists them: ready, in
    /// progress, and blocked (waiting on an open task or something outside Baton),
    /// each section counted in full with its first `limit` tasks, oldest first; the
    /// blocked ones with their open blockers. A person can own thousands of tasks;
    /// only what the reply shows is loaded.
    async fn owned_work(&mut self, person: &PersonId, limit: i64) -> StoreResult<OwnedWork>;

    /// Open and in-progress tasks whose home is `room`, oldest first.
    async fn active_tasks_in(&mut self, room: &str) -> StoreResult<Vec<Task>>;

    /// The room's blocked tasks for `blocked`: how many there are, and the first
    /// `limit` of them (oldest first) each with its open blockers (from any room),
    /// blocker by blocker number. A task is blocked when it is open or in progress,
    /// its home is `room`, and it waits on an open or in-progress task or on
    /// something outside Baton.
    ///
    /// Only the page is loaded: a room can hold 100,000 open tasks, and the reply
    /// lists 30 of them and counts the rest.
    async fn blocked_in_room(
        &mut self,
        room: &str,
        limit: i64,
    ) -> StoreResult<(i64, Vec<(Task, Vec<Task>)>)>;
}
