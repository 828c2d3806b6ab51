//! The privacy rule ([`crate::domain::may_read`]) applied to what one reader is
//! about to read: every reply, DM, digest and view passes the tasks and events it
//! shows through the [`Sight`] of its reader, so no read path decides for itself.

use std::collections::HashMap;

use crate::domain::{Reader, Task, may_read, seen_from_outside};
use crate::store::{StoreResult, StoreTx, StoredEvent};

/// What one reader may read, room by room, asked of the store once per room.
pub(super) struct Sight {
    reader: Reader,
    /// Rooms asked about so far: whether the reader may read them.
    rooms: HashMap<String, bool>,
}

impl Sight {
    pub(super) fn new(reader: Reader) -> Self {
        Self {
            reader,
            rooms: HashMap::new(),
        }
    }

    /// Whether the reader may read what was said in `room`.
    pub(super) async fn may_read(&mut self, tx: &mut dyn StoreTx, room: &str) -> StoreResult<bool> {
        if let Some(known) = self.rooms.get(room) {
            return Ok(*known);
        }
        let person = match &self.reader {
            Reader::Person(person) => Some(person),
            Reader::Room(_) => None,
        };
        let facts = tx.room_facts(room, person).await?;
        let allowed = may_read(&self.reader, room, facts);
        self.rooms.insert(room.to_owned(), allowed);
        Ok(allowed)
    }

    /// `task` as the reader may see it: whole, or seen from outside its room.
    pub(super) async fn task(&mut self, tx: &mut dyn StoreTx, task: Task) -> StoreResult<Task> {
        Ok(if self.may_read(tx, &task.home_room).await? {
            task
        } else {
            seen_from_outside(&task)
        })
    }

    /// Each of `tasks` as the reader may see it.
    pub(super) async fn tasks(
        &mut self,
        tx: &mut dyn StoreTx,
        tasks: Vec<Task>,
    ) -> StoreResult<Vec<Task>> {
        let mut seen = Vec::with_capacity(tasks.len());
        for task in tasks {
            seen.push(self.task(tx, task).await?);
        }
        Ok(seen)
    }

    /// The events of `events` said where the reader may read: the others' notes,
    /// reasons and links stay in their rooms.
    pub(super) async fn events(
        &mut self,
        tx: &mut dyn StoreTx,
        events: Vec<StoredEvent>,
    ) -> StoreResult<Vec<StoredEvent>> {
        let mut kept = Vec::with_capacity(events.len());
        for event in events {
            if self.may_read(tx, &event.source.room).await? {
                kept.push(event);
            }
        }
        Ok(kept)
    }
}
