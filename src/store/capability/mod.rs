//! What the store can do, one capability per file.
//!
//! Each capability is a pair of traits at most: `…Store` for what runs on the
//! shared pool, outside any command's transaction, and `…Tx` for what runs inside
//! one. [`Store`](super::Store) and [`StoreTx`](super::StoreTx) are every
//! capability at once; a part of the program that needs only one can ask for just
//! that one (`&dyn OutboxStore`, `impl TaskTx + DigestTx`), and a `dyn Store` or
//! `dyn StoreTx` is one.
//!
//! | capability | outside a command | inside a command | used by |
//! |---|---|---|---|
//! | tasks and graph | [`CardStore`] | [`TaskTx`] | the engine; chat adapters (task cards) |
//! | import and export | [`TransferStore`] | | `baton import`, `baton export` |
//! | outbox | [`OutboxStore`] | [`OutboxTx`] | the outbox worker, `baton outbox`, metrics; the engine and scheduler queue |
//! | digests and schedules | [`DigestStore`] | [`DigestTx`] | the scheduler; the engine's digests and settings |
//! | people and rooms | [`PeopleStore`] | [`PeopleTx`] | chat adapters; the engine (privacy, settings) |
//! | leases and adapter state | [`LeaseStore`] | | the Matrix adapter |
//! | inbound events | [`InboundStore`] | [`InboundTx`] | the engine (dedup); the Matrix adapter (edits) |
//! | code forges | | [`ForgeTx`] | the engine (forge events, `link github`, `done-on`) |
//! | a language model | | [`AssistantTx`] | the engine (proposals, `settings summaries`) |

mod assistant;
mod digests;
mod forge;
mod inbound;
mod leases;
mod outbox;
mod people;
mod tasks;
mod transfer;

pub use assistant::AssistantTx;
pub use digests::{DigestStore, DigestTx};
pub use forge::ForgeTx;
pub use inbound::{InboundStore, InboundTx};
pub use leases::LeaseStore;
pub use outbox::{OutboxStore, OutboxTx};
pub use people::{PeopleStore, PeopleTx};
pub use tasks::{CardStore, OwnedWork, Page, TaskTx};
pub use transfer::{ExportedTask, ImportTx, ImportedTask, TransferStore};
