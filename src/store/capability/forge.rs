//! Code forges: who a forge account is in chat, the changes (pull and merge
//! requests) that link tasks, and a room's `done-on` setting.

use async_trait::async_trait;

use crate::domain::{DoneOn, Forge, PersonId, TrackedChange};
use crate::store::StoreResult;

/// Forge state inside a command's transaction: a forge event and the chat
/// commands `link github LOGIN` and `settings done-on` read and write it there.
///
/// Used by the engine (`engine/command/forge.rs`, `engine/command/settings.rs`,
/// `engine/digest.rs`).
#[async_trait]
pub trait ForgeTx: Send {
    /// The chat person who linked `login` on `forge`, if anyone did.
    async fn forge_person(&mut self, forge: Forge, login: &str) -> StoreResult<Option<PersonId>>;

    /// Links `person` to `login` on `forge`, replacing their earlier link and
    /// anyone else's link to that login.
    async fn link_forge_account(
        &mut self,
        forge: Forge,
        login: &str,
        person: &PersonId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;

    /// Removes `person`'s link on `forge`; the login they had, if any.
    async fn unlink_forge_account(
        &mut self,
        forge: Forge,
        person: &PersonId,
    ) -> StoreResult<Option<String>>;

    /// `person`'s linked accounts, by forge.
    async fn forge_accounts_of(&mut self, person: &PersonId) -> StoreResult<Vec<(Forge, String)>>;

    /// A change Baton has seen before.
    async fn tracked_change(
        &mut self,
        forge: Forge,
        repo: &str,
        number: u64,
    ) -> StoreResult<Option<TrackedChange>>;

    /// The changes whose head or merge commit is `sha`.
    async fn tracked_changes_at(
        &mut self,
        forge: Forge,
        repo: &str,
        sha: &str,
    ) -> StoreResult<Vec<TrackedChange>>;

    /// Inserts or replaces what is remembered of a change.
    async fn save_tracked_change(&mut self, change: &TrackedChange) -> StoreResult<()>;

    /// Open changes waiting on a review, oldest request first, at most `limit`.
    async fn changes_awaiting_review(&mut self, limit: i64) -> StoreResult<Vec<TrackedChange>>;

    /// A room's `done-on` setting (the default when it set none).
    async fn room_done_on(&mut self, room: &str) -> StoreResult<DoneOn>;

    async fn set_room_done_on(&mut self, room: &str, done_on: DoneOn) -> StoreResult<()>;
}
