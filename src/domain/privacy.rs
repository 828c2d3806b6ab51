//! Who may read what was said in a room: the one rule every read path applies.
//!
//! What is said in a private room (notes, external-blocker reasons, thread text,
//! a task's title) reaches a person only if they are a member of that room, and a
//! room only if it is that room itself. Elsewhere a private task shows as its key,
//! owner and status, "in a private room", so people still see what blocks them
//! without seeing what it is about.
//!
//! Privacy and membership come from the platform (the adapters record them); this
//! module decides from those facts alone, so it is tested without I/O.

use super::{PersonId, Task};

/// What a task from a private room is called where its title may not be read.
pub const PRIVATE_TITLE: &str = "(in a private room)";
/// What an external blocker's reason from a private room reads as elsewhere.
pub const PRIVATE_REASON: &str = "a reason given in a private room";

/// What an adapter knows of a room's privacy when one of its events arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoomPrivacy {
    /// Anyone in the workspace or on the server may read it.
    Public,
    /// Only its members may read it: private channels, DMs, invite-only rooms.
    Private,
    /// The platform has not said yet (a failed lookup): treated as private, and a
    /// room already known keeps what was known.
    Unknown,
}

impl RoomPrivacy {
    /// `Private` or `Public`, as the platform said.
    pub fn from_private(private: bool) -> Self {
        if private {
            RoomPrivacy::Private
        } else {
            RoomPrivacy::Public
        }
    }

    /// Whether a room first seen with this privacy is recorded as private.
    pub fn records_private(self) -> bool {
        !matches!(self, RoomPrivacy::Public)
    }
}

/// Who will read a message Baton sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reader {
    /// One person: a DM, or a reply only they are shown.
    Person(PersonId),
    /// Everyone in a room (by its id), in the room or one of its threads.
    Room(String),
}

/// What the store knows of a room, as far as the rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomFacts {
    /// Baton has no record of the room: nothing was said there through a chat
    /// platform (tasks imported with `baton import`), so nothing there is private.
    Unrecorded,
    /// A recorded room; `reader_is_member` when the reader is a person recorded as
    /// one of its members.
    Recorded {
        private: bool,
        reader_is_member: bool,
    },
}

/// Whether `reader` may read what was said in `room`.
pub fn may_read(reader: &Reader, room: &str, facts: RoomFacts) -> bool {
    match facts {
        RoomFacts::Unrecorded | RoomFacts::Recorded { private: false, .. } => true,
        RoomFacts::Recorded {
            private: true,
            reader_is_member,
        } => match reader {
            Reader::Room(reading) => reading == room,
            Reader::Person(_) => reader_is_member,
        },
    }
}

/// `task` as someone who may not read its home room sees it: key, owner, status
/// and whether it is blocked outside Baton, but not its title nor the reason.
pub fn seen_from_outside(task: &Task) -> Task {
    let mut seen = task.clone();
    seen.title = PRIVATE_TITLE.to_owned();
    if seen.external_blocker.is_some() {
        seen.external_blocker = Some(PRIVATE_REASON.to_owned());
    }
    seen
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::{Status, TaskKey};

    fn alice() -> PersonId {
        PersonId::new("slack", "@U1")
    }

    const PRIVATE_ROOM: &str = "slack:C1";
    const OTHER_ROOM: &str = "slack:C2";

    /// Every reader against every kind of room: the whole rule in one table.
    #[test]
    fn the_rule_over_every_reader_and_room() {
        let member = RoomFacts::Recorded {
            private: true,
            reader_is_member: true,
        };
        let outsider = RoomFacts::Recorded {
            private: true,
            reader_is_member: false,
        };
        let public = RoomFacts::Recorded {
            private: false,
            reader_is_member: false,
        };
        let person = Reader::Person(alice());
        let same_room = Reader::Room(PRIVATE_ROOM.to_owned());
        let other_room = Reader::Room(OTHER_ROOM.to_owned());
        let cases = [
            // (reader, facts, may read)
            (&person, member, true),
            (&person, outsider, false),
            (&person, public, true),
            (&person, RoomFacts::Unrecorded, true),
            (&same_room, member, true),
            (&same_room, outsider, true),
            (&same_room, public, true),
            (&other_room, member, false),
            (&other_room, outsider, false),
            (&other_room, public, true),
            (&other_room, RoomFacts::Unrecorded, true),
        ];
        for (reader, facts, expected) in cases {
            assert_eq!(
                may_read(reader, PRIVATE_ROOM, facts),
                expected,
                "{reader:?} reading {PRIVATE_ROOM} with {facts:?}"
            );
        }
    }

    #[test]
    fn an_unknown_privacy_is_recorded_as_private() {
        assert!(RoomPrivacy::Unknown.records_private());
        assert!(RoomPrivacy::Private.records_private());
        assert!(!RoomPrivacy::Public.records_private());
        assert_eq!(RoomPrivacy::from_private(true), RoomPrivacy::Private);
        assert_eq!(RoomPrivacy::from_private(false), RoomPrivacy::Public);
    }

    #[test]
    fn a_task_seen_from_outside_keeps_key_owner_and_status_only() {
        let now = Utc::now();
        let task = Task {
            key: TaskKey::new(5),
            title: "Rotate the leaked payroll key".to_owned(),
            owner: Some(alice()),
            status: Status::InProgress,
            external_blocker: Some("waiting on the bank's fraud team".to_owned()),
            home_room: PRIVATE_ROOM.to_owned(),
            home_thread: None,
            created_by: alice(),
            created_at: now,
            updated_at: now,
            done_at: None,
            last_activity_at: now,
        };
        let seen = seen_from_outside(&task);
        assert_eq!(seen.key, task.key);
        assert_eq!(seen.owner, task.owner);
        assert_eq!(seen.status, task.status);
        assert_eq!(seen.title, PRIVATE_TITLE);
        assert_eq!(seen.external_blocker.as_deref(), Some(PRIVATE_REASON));
        let unblocked = Task {
            external_blocker: None,
            ..task
        };
        assert_eq!(seen_from_outside(&unblocked).external_blocker, None);
    }
}
