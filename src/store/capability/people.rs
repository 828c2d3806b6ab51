//! People and rooms: who someone is on the platform, their settings, and which
//! rooms exist, how private they are and who is in them.

use async_trait::async_trait;

use crate::domain::{PersonId, RoomFacts, RoomPrivacy};
use crate::store::{PersonSettings, StoreResult};

/// What the platform says of people and rooms, recorded outside any command.
///
/// Used by the chat adapters: their outlets (`chat/*/outlet.rs`: DM rooms), Slack
/// (`chat/slack/mod.rs`: profiles; `chat/slack/rooms.rs`: rooms and members),
/// Matrix (`chat/matrix/mod.rs`: display names; `chat/matrix/members.rs`: rooms
/// and members), the console (`chat/console.rs`: members); and by the engine
/// (`engine/mod.rs`: room syncs and membership changes it is handed).
#[async_trait]
pub trait PeopleStore: Send + Sync {
    /// The DM room the adapter opened with a person before, if any.
    async fn dm_room(&self, person: &PersonId) -> StoreResult<Option<String>>;

    /// Remembers the DM room with a person, so later DMs reuse it.
    async fn set_dm_room(&self, person: &PersonId, room: &str) -> StoreResult<()>;

    /// What the platform says about a person: the display name replaces the old one,
    /// the timezone only fills a gap (a timezone the person set stays).
    async fn remember_profile(
        &self,
        person: &PersonId,
        display_name: Option<&str>,
        timezone: Option<&str>,
    ) -> StoreResult<()>;

    /// A person's display name, when the platform told us one.
    async fn display_name(&self, person: &PersonId) -> StoreResult<Option<String>>;

    /// What the platform says of a room: its name, its privacy (as in
    /// [`PeopleTx::note_presence`]) and, when `members` is given, the whole list of
    /// its members, replacing the recorded one.
    async fn sync_room(
        &self,
        room: &str,
        room_name: &str,
        privacy: RoomPrivacy,
        members: Option<&[PersonId]>,
    ) -> StoreResult<()>;

    /// A person joined (`true`) or left (`false`) a room, as the platform said.
    async fn set_room_member(&self, room: &str, person: &PersonId, member: bool)
    -> StoreResult<()>;
}

/// People and rooms inside a command: presence, the privacy rule's facts, room
/// names and a person's settings.
///
/// Used by the engine: `engine/command/mod.rs` (presence, room names, a person's
/// timezone and hours), `engine/command/settings.rs` (setting them),
/// `engine/sight.rs` and `engine/mod.rs` (who may see a room's tasks).
#[async_trait]
pub trait PeopleTx: Send {
    /// Remembers that `person` was seen in `room` (named `room_name`), so they are
    /// one of its members, and what the platform says of the room's privacy: a
    /// known privacy replaces the recorded one; [`RoomPrivacy::Unknown`] records a
    /// new room as private and leaves a known room as it was.
    async fn note_presence(
        &mut self,
        person: &PersonId,
        room: &str,
        room_name: &str,
        privacy: RoomPrivacy,
    ) -> StoreResult<()>;

    /// What the privacy rule needs to know of `room`: whether it is recorded,
    /// private, and whether `person` (if the reader is one) is a member.
    async fn room_facts(&mut self, room: &str, person: Option<&PersonId>)
    -> StoreResult<RoomFacts>;

    /// A room's display name (`#general`), if the room is known.
    async fn room_name(&mut self, room: &str) -> StoreResult<Option<String>>;

    /// A person's own timezone and working hours, if they set them.
    async fn person_settings(&mut self, person: &PersonId) -> StoreResult<PersonSettings>;

    async fn set_person_timezone(&mut self, person: &PersonId, timezone: &str) -> StoreResult<()>;

    async fn set_person_hours(&mut self, person: &PersonId, hours: &str) -> StoreResult<()>;
}
