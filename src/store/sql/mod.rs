//! The SQL both backends share.
//!
//! SQLite and Postgres run the same statements here (both accept `$n` parameters,
//! `RETURNING`, `ON CONFLICT` and recursive CTEs); what differs — how a write
//! transaction begins, row locking for the outbox, how the next task number is
//! taken, the migrations — is passed in. sqlx's executors are concrete per
//! database, so the shared code is macros that each backend expands over its own
//! types rather than generics with a wall of higher-ranked bounds: one small macro
//! per capability (see [`crate::store::capability`]), each in its own file, each
//! given only the backend's literals it needs:
//!
//! | macro                | implements                      | literals                           |
//! |----------------------|---------------------------------|------------------------------------|
//! | `impl_database_sql!` | `Store`'s own methods, `commit` | `begin`, `begin_plain`, `migrator` |
//! | `impl_tasks_sql!`    | `TaskTx`, `CardStore`           | `next_task_number`                 |
//! | `impl_outbox_sql!`   | `OutboxStore`, `OutboxTx`       | `begin_plain`, `claim_lock`        |
//! | `impl_digests_sql!`  | `DigestStore`, `DigestTx`       |                                    |
//! | `impl_people_sql!`   | `PeopleStore`, `PeopleTx`       | `begin`                            |
//! | `impl_leases_sql!`   | `LeaseStore`                    |                                    |
//! | `impl_inbound_sql!`  | `InboundStore`, `InboundTx`     |                                    |
//! | `impl_forge_sql!`    | `ForgeTx`                       |                                    |
//! | `impl_transfer_sql!` | `TransferStore`                 |                                    |
//! | `impl_assistant_sql!`| `AssistantTx`                   |                                    |
//!
//! Each expands into a module of its own inside the backend's (`tasks_sql`,
//! `outbox_sql`, …), which sees the backend's private fields (`pool`, `tx`) and
//! helpers (`begin_tx`, `import_tx`).

mod assistant;
mod database;
mod digests;
mod forge;
mod inbound;
mod leases;
mod outbox;
mod people;
mod tasks;
mod transfer;

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

/// What makes task `t` one of room `$1`'s blocked tasks (`TaskTx::blocked_in_room`):
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

pub(super) use assistant::impl_assistant_sql;
pub(super) use blocked_task_filter;
pub(super) use database::impl_database_sql;
pub(super) use digests::impl_digests_sql;
pub(super) use forge::impl_forge_sql;
pub(super) use inbound::impl_inbound_sql;
pub(super) use leases::impl_leases_sql;
pub(super) use outbox::impl_outbox_sql;
pub(super) use people::impl_people_sql;
pub(super) use task_waits;
pub(super) use tasks::impl_tasks_sql;
pub(super) use transfer::impl_transfer_sql;
