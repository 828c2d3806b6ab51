//! Who this process has already recorded in which room.
//!
//! Every command records that its author was seen in its room (the rule that keeps
//! private rooms' notes out of other people's DMs). That is three upserts, and
//! nearly always they change nothing: the same people talk in the same rooms. The
//! rows are only ever added to, so once this process has committed a presence it
//! can skip writing the same one again. A restart, or another replica, starts with
//! an empty memory and simply writes once more.

use std::collections::HashSet;
use std::sync::Mutex;

use crate::domain::{PersonId, RoomPrivacy};

/// Presences beyond this many are forgotten all at once: the memory stays small,
/// and forgetting costs only a few upserts.
const REMEMBERED: usize = 50_000;

/// One recorded presence: a person in a room, with the room's name and privacy as
/// they were written (a renamed room, or one whose privacy changed, is written again).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Presence {
    person: PersonId,
    room: String,
    room_name: String,
    privacy: RoomPrivacy,
}

impl Presence {
    pub(super) fn new(
        person: &PersonId,
        room: &str,
        room_name: &str,
        privacy: RoomPrivacy,
    ) -> Self {
        Self {
            person: person.clone(),
            room: room.to_owned(),
            room_name: room_name.to_owned(),
            privacy,
        }
    }
}

/// Presences this process has committed.
#[derive(Debug, Default)]
pub(super) struct RecordedPresences {
    seen: Mutex<HashSet<Presence>>,
}

impl RecordedPresences {
    /// Whether `presence` was committed before by this process.
    pub(super) fn contains(&self, presence: &Presence) -> bool {
        self.seen.lock().is_ok_and(|seen| seen.contains(presence))
    }

    /// Remembers a presence once the transaction that wrote it has committed.
    pub(super) fn remember(&self, presence: Presence) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() >= REMEMBERED {
                seen.clear();
            }
            seen.insert(presence);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_presence_is_known_once_remembered_and_a_rename_is_new() {
        let alice = PersonId::new("console", "@alice");
        let recorded = RecordedPresences::default();
        let general = Presence::new(&alice, "console:#general", "#general", RoomPrivacy::Public);
        assert!(!recorded.contains(&general));
        recorded.remember(general.clone());
        assert!(recorded.contains(&general));
        let renamed = Presence::new(&alice, "console:#general", "#team", RoomPrivacy::Public);
        assert!(!recorded.contains(&renamed));
        let now_private =
            Presence::new(&alice, "console:#general", "#general", RoomPrivacy::Private);
        assert!(!recorded.contains(&now_private));
    }
}
