//! What the homeserver says of a room, recorded for the privacy rule: whether it is
//! public (its join rule), and who has joined it.
//!
//! Nearly every Matrix room is not public, so what decides whether a person gets a
//! room's notes in a DM is membership: the room's joined members, read from the
//! SDK's room state when the process first meets the room, then kept current by
//! the `m.room.member` events the sync delivers, in order with the messages.

use std::collections::HashSet;
use std::sync::Mutex;

use matrix_sdk::ruma::events::room::member::{MembershipState, OriginalSyncRoomMemberEvent};
use matrix_sdk::{Room, RoomMemberships};

use super::{person_of, room_of};
use crate::domain::{PersonId, RoomPrivacy};
use crate::engine::{Engine, EngineError};
use crate::error_chain::error_chain;

/// The room's privacy: a DM or a room that is not public is private; a room whose
/// join rule the SDK does not know yet is [`RoomPrivacy::Unknown`].
pub(super) async fn privacy(room: &Room) -> RoomPrivacy {
    if room.is_direct().await.unwrap_or(false) {
        return RoomPrivacy::Private;
    }
    match room.is_public() {
        Some(public) => RoomPrivacy::from_private(!public),
        None => RoomPrivacy::Unknown,
    }
}

/// Rooms whose whole membership this process has recorded.
#[derive(Default)]
pub(super) struct Memberships {
    recorded: Mutex<HashSet<String>>,
}

impl Memberships {
    /// Records the room's privacy and, the first time this process meets it, its
    /// joined members. A failure is logged and tried again with the next event.
    pub(super) async fn record(&self, engine: &Engine, room: &Room, name: &str) -> RoomPrivacy {
        let privacy = privacy(room).await;
        let key = room_of(room.room_id().as_str());
        if self.is_recorded(&key) {
            return privacy;
        }
        let members = match room.members(RoomMemberships::JOIN).await {
            Ok(members) => members
                .iter()
                .map(|m| person_of(m.user_id().as_str()))
                .collect::<Vec<PersonId>>(),
            Err(error) => {
                tracing::warn!(room = %key, error = %error_chain(&error), "cannot read a room's members");
                return privacy;
            }
        };
        match engine.sync_room(&key, name, privacy, Some(&members)).await {
            Ok(()) => {
                self.recorded
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key);
            }
            Err(error) => {
                tracing::warn!(room = %key, error = %error_chain(&error), "cannot record a room's members")
            }
        }
        privacy
    }

    fn is_recorded(&self, room: &str) -> bool {
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(room)
    }
}

/// A membership change from the sync: joined (`true`) or gone (left, kicked,
/// banned: `false`); invitations and knocks change nothing.
///
/// # Errors
/// When the store fails.
pub(super) async fn apply_change(
    engine: &Engine,
    event: &OriginalSyncRoomMemberEvent,
    room: &Room,
) -> Result<(), EngineError> {
    let joined = match event.content.membership {
        MembershipState::Join => true,
        MembershipState::Leave | MembershipState::Ban => false,
        _ => return Ok(()),
    };
    engine
        .set_room_member(
            &room_of(room.room_id().as_str()),
            &person_of(event.state_key.as_str()),
            joined,
        )
        .await
}
