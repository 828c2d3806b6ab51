//! What a command sends: replies, notices and handoff DMs, queued in the
//! outbox in the command's transaction (delivered after it commits).

use super::*;

impl Command<'_> {
    pub(super) async fn queue(
        &mut self,
        destination: Destination,
        body: String,
        card_for: Option<TaskKey>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let mut message = self.message(destination, body, OutboxKind::Message, now);
        message.card_for = card_for;
        self.tx.enqueue(&message).await
    }

    /// Queues a message that is not to be delivered before `not_before`.
    pub(super) async fn queue_at(
        &mut self,
        destination: Destination,
        body: String,
        kind: OutboxKind,
        not_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let message = self.message(destination, body, kind, not_before);
        self.tx.enqueue(&message).await
    }

    /// Every message a command queues is made here: its idempotency key is the
    /// inbound event id and the message's number within the command.
    fn message(
        &mut self,
        destination: Destination,
        body: String,
        kind: OutboxKind,
        not_before: DateTime<Utc>,
    ) -> NewOutboxMessage {
        self.queued += 1;
        NewOutboxMessage {
            idempotency_key: format!("{}#{}", self.inbound.event_id, self.queued),
            platform: self.inbound.platform.clone(),
            destination,
            card_for: None,
            kind,
            body,
            picture: None,
            summary_source: None,
            only_for: None,
            not_before,
            created_at: self.now(),
        }
    }

    /// Answers where the message came from: the DM, the thread, or the room.
    pub(super) async fn reply(&mut self, reply: impl Into<Reply>) -> Result<(), StoreError> {
        self.answer(reply.into(), false).await
    }

    /// Answers the asker alone where the platform can show a message to one person
    /// in a room (help, refusals): the others need not read it.
    pub(super) async fn reply_privately(&mut self, body: String) -> Result<(), StoreError> {
        self.answer(Reply::from(body), true).await
    }

    /// Offers a proposal to the asker alone, marked so that an adapter can add a
    /// button that confirms it.
    pub(super) async fn offer_privately(&mut self, body: String) -> Result<(), StoreError> {
        self.answer_as(Reply::from(body), true, OutboxKind::Proposal)
            .await
    }

    async fn answer(&mut self, reply: Reply, privately: bool) -> Result<(), StoreError> {
        self.answer_as(reply, privately, OutboxKind::Message).await
    }

    async fn answer_as(
        &mut self,
        reply: Reply,
        privately: bool,
        kind: OutboxKind,
    ) -> Result<(), StoreError> {
        let body = bounded_reply(reply.text);
        let destination = if self.is_dm() {
            Destination::Dm(self.actor().clone())
        } else {
            Destination::Room {
                room: self.inbound.room.clone(),
                thread_task: self.thread_task(),
            }
        };
        let now = self.now();
        let mut message = self.message(destination, body, kind, now);
        message.only_for = (privately && !self.is_dm()).then(|| self.actor().clone());
        message.picture = reply.picture;
        self.tx.enqueue(&message).await
    }

    /// Renders and queues the notices a change caused.
    pub(super) async fn notify(&mut self, notices: Vec<Notice>) -> Result<(), StoreError> {
        for notice in notices {
            match notice {
                Notice::HandoffDm { to, handoff } => {
                    let mut sight = Sight::new(Reader::Person(to.clone()));
                    let mut items = Vec::new();
                    for task in self.existing(&handoff.tasks).await? {
                        items.push(self.handoff_item(task, &mut sight).await?);
                    }
                    if !items.is_empty() {
                        let body = render::handoff_dm(&items, self.now());
                        let source = self.defaults.summaries.and_then(|threshold| {
                            let source = render::summary_source(&items);
                            source.is_long(threshold).then_some(source)
                        });
                        self.queue_handoff_dm(to, body, source).await?;
                    }
                }
                Notice::HandoffInThread { task } => {
                    for task in self.existing(&[task]).await? {
                        let body = render::ready_unowned(&task);
                        self.queue(self.home_thread_of(&task), body, None).await?;
                    }
                }
                Notice::ReblockDm { to, reblock } => {
                    let mut sight = Sight::new(Reader::Person(to.clone()));
                    let tasks = self.existing(&reblock.tasks).await?;
                    let tasks = sight.tasks(self.tx.as_mut(), tasks).await?;
                    if let Some(by) = self.tx.task(reblock.by).await? {
                        let by = sight.task(self.tx.as_mut(), by).await?;
                        let body = render::reblocked(&tasks, &by, self.actor());
                        self.queue_dm(to, body, OutboxKind::Message).await?;
                    }
                }
                Notice::ReblockInThread { task, by } => {
                    let (Some(task), Some(by)) =
                        (self.tx.task(task).await?, self.tx.task(by).await?)
                    else {
                        continue;
                    };
                    let mut sight = Sight::new(Reader::Room(task.home_room.clone()));
                    let by = sight.task(self.tx.as_mut(), by).await?;
                    let body = render::reblocked(std::slice::from_ref(&task), &by, self.actor());
                    self.queue(self.home_thread_of(&task), body, None).await?;
                }
            }
        }
        Ok(())
    }

    /// Queues a handoff DM; one whose notes are to be summarised carries them
    /// (`source`) and goes out on its own, merged with no other.
    async fn queue_handoff_dm(
        &mut self,
        to: PersonId,
        body: String,
        source: Option<SummarySource>,
    ) -> Result<(), StoreError> {
        let Some(source) = source else {
            return self.queue_dm(to, body, OutboxKind::Handoff).await;
        };
        metrics::counter!("baton_handoff_dms_total").increment(1);
        let release = self.release_for(&to).await?;
        let mut message = self.message(Destination::Dm(to), body, OutboxKind::Handoff, release);
        message.summary_source = serde_json::to_string(&source).ok();
        self.tx.enqueue(&message).await
    }

    /// When a DM to `to` may go out: now, or when their working hours start.
    async fn release_for(&mut self, to: &PersonId) -> Result<DateTime<Utc>, StoreError> {
        let mine = self.tx.person_settings(to).await?;
        let hours = self
            .defaults
            .working_hours_for(mine.timezone.as_deref(), mine.working_hours.as_deref());
        let now = self.now();
        Ok(hours.map_or(now, |h| h.release_at(now)))
    }

    /// Queues a notice DM, held until the person's working hours start. Handoffs
    /// held for the same morning merge into one message.
    pub(super) async fn queue_dm(
        &mut self,
        to: PersonId,
        body: String,
        kind: OutboxKind,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let release = self.release_for(&to).await?;
        if kind == OutboxKind::Handoff {
            metrics::counter!("baton_handoff_dms_total").increment(1);
        }
        if release > now
            && kind == OutboxKind::Handoff
            && self
                .tx
                .merge_held_handoff(&to, release, &body, MAX_MERGED_DM_CHARS)
                .await?
        {
            return Ok(());
        }
        self.queue_at(Destination::Dm(to), body, kind, release)
            .await
    }

    /// The tasks of `keys` that exist (notices name tasks this transaction has
    /// just read, so normally all of them).
    pub(super) async fn existing(&mut self, keys: &[TaskKey]) -> Result<Vec<Task>, StoreError> {
        let mut tasks = Vec::with_capacity(keys.len());
        for key in keys {
            tasks.extend(self.tx.task(*key).await?);
        }
        Ok(tasks)
    }

    pub(super) fn home_thread_of(&self, task: &Task) -> Destination {
        Destination::Room {
            room: task.home_room.clone(),
            thread_task: Some(task.key),
        }
    }

    /// Whether `room` said `settings summaries off`, looked up once per handoff.
    async fn summaries_off(
        &mut self,
        known: &mut BTreeMap<String, bool>,
        room: &str,
    ) -> Result<bool, StoreError> {
        if let Some(off) = known.get(room) {
            return Ok(*off);
        }
        let off = self.tx.room_summaries_off(room).await?;
        known.insert(room.to_owned(), off);
        Ok(off)
    }

    /// Everything the owner of a task that just became ready needs: each resolved
    /// blocker with who finished it, evidence and notes they may see (`sight` is
    /// theirs), and who waits downstream.
    pub(super) async fn handoff_item(
        &mut self,
        task: Task,
        sight: &mut Sight,
    ) -> Result<HandoffItem, StoreError> {
        let key = task.key;
        let mut blockers = Vec::new();
        // Rooms that said `settings summaries off`, looked up once each.
        let mut summaries_off: BTreeMap<String, bool> = BTreeMap::new();
        for blocker in self.tx.blockers_of(key).await? {
            let events = self.tx.events_of(blocker.key).await?;
            let home_off = self
                .summaries_off(&mut summaries_off, &blocker.home_room)
                .await?;
            let mut context = BlockerContext::new(sight.task(self.tx.as_mut(), blocker).await?);
            context.summarisable = !home_off;
            for event in events {
                let said_where_readable =
                    sight.may_read(self.tx.as_mut(), &event.source.room).await?;
                match event.kind {
                    EventKind::Done { links } => {
                        if self
                            .summaries_off(&mut summaries_off, &event.source.room)
                            .await?
                        {
                            context.summarisable = false;
                        }
                        context.finished_by = Some(event.actor);
                        context.finished_at = Some(event.at);
                        context.evidence = if said_where_readable {
                            links
                        } else {
                            Vec::new()
                        };
                    }
                    EventKind::Cancelled => {
                        context.finished_by = Some(event.actor);
                        context.finished_at = Some(event.at);
                        context.evidence.clear();
                    }
                    EventKind::NoteAdded { text, .. } if said_where_readable => {
                        let off = self
                            .summaries_off(&mut summaries_off, &event.source.room)
                            .await?;
                        context.notes.push(Note {
                            author: event.actor,
                            text,
                            summarisable: !off,
                        });
                    }
                    EventKind::NoteAdded { .. } | EventKind::Blocked { .. } => {
                        let room = self.tx.room_name(&event.source.room).await?;
                        let room = room.unwrap_or(event.source.room);
                        if !said_where_readable && !context.hidden_rooms.contains(&room) {
                            context.hidden_rooms.push(room);
                        }
                    }
                    _ => {}
                }
            }
            blockers.push(context);
        }
        let downstream = self.tx.dependents_of(key).await?;
        let downstream = sight.tasks(self.tx.as_mut(), downstream).await?;
        let task = sight.task(self.tx.as_mut(), task).await?;
        Ok(HandoffItem {
            task,
            blockers,
            downstream,
        })
    }
}

/// Several assignments in one command to the same person make one handoff DM.
pub(super) fn merge_handoffs(notices: Vec<Notice>) -> Vec<Notice> {
    let mut merged: Vec<Notice> = Vec::new();
    for notice in notices {
        if let Notice::HandoffDm { to, handoff } = &notice
            && let Some(Notice::HandoffDm { handoff: into, .. }) = merged
                .iter_mut()
                .find(|n| matches!(n, Notice::HandoffDm { to: t, .. } if t == to))
        {
            into.tasks.extend(handoff.tasks.iter().copied());
            continue;
        }
        merged.push(notice);
    }
    merged
}

/// A reply cut to [`MAX_REPLY_CHARS`], saying so: whatever a command asks, the
/// answer stays a few chat messages long.
fn bounded_reply(body: String) -> String {
    if body.chars().count() <= MAX_REPLY_CHARS {
        return body;
    }
    let cut = truncate(&body, MAX_REPLY_CHARS);
    format!("{cut}\n(That is as much as fits; ask about fewer tasks to see the rest.)")
}
