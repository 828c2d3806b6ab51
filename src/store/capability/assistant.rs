//! What the optional language model needs kept: proposals waiting for their
//! author's `yes`, and the rooms that keep their words away from any model.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::PersonId;
use crate::store::StoreResult;

/// Proposals and the `summaries` room setting, inside a command.
///
/// Used by the engine: `engine/command/proposal.rs` keeps and takes proposals;
/// `engine/command/messages.rs` leaves out what rooms with summaries off said.
#[async_trait]
pub trait AssistantTx: Send {
    /// Keeps `command` as `person`'s proposal in `room` until `expires_at`,
    /// replacing an earlier one.
    async fn put_proposal(
        &mut self,
        room: &str,
        person: &PersonId,
        command: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Removes `person`'s proposal in `room` (when `command` is given, only if it
    /// is that one) and returns it if it had not expired at `now`: a proposal is
    /// confirmed once, and an expired one is dropped.
    async fn take_proposal(
        &mut self,
        room: &str,
        person: &PersonId,
        command: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<String>>;

    /// Whether `person` has a proposal in `room` that has not expired at `now`.
    async fn proposal_waiting(
        &mut self,
        room: &str,
        person: &PersonId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Whether `room` said `settings summaries off`.
    async fn room_summaries_off(&mut self, room: &str) -> StoreResult<bool>;

    async fn set_room_summaries_off(&mut self, room: &str, off: bool) -> StoreResult<()>;
}
