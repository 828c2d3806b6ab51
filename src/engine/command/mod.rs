//! Applying one intent inside one store transaction.

mod settings;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};

use super::presence::{Presence, RecordedPresences};
use super::render::{self, BlockerContext, HandoffItem, Note};
use super::sight::Sight;
use super::{Defaults, Inbound, InboundKind, Outcome};
use crate::domain::{
    Cycle, DependencyGraph, Dependent, EventKind, NewEvent, Notice, PersonId, Reader, Readiness,
    Source, Status, Task, TaskKey, after_assign, after_reopen, after_resolution, handoffs,
};
use crate::parser::{Intent, Parsed};
use crate::store::{Destination, NewOutboxMessage, OutboxKind, Store, StoreError, StoreTx};

/// Longest task title accepted; longer ones are refused with a reply, not cut.
const MAX_TITLE_CHARS: usize = 300;
/// Longest note or external-blocker reason kept.
const MAX_NOTE_CHARS: usize = 4000;
/// The longest reply to a command: a few chat messages.
const MAX_REPLY_CHARS: usize = 30_000;
/// Most tasks one command may name: every reply stays a readable size.
const MAX_KEYS_PER_COMMAND: usize = 20;
/// Handoffs held for the same morning merge into one DM up to this size; then a
/// new one starts, so a busy night does not make one message without bound.
const MAX_MERGED_DM_CHARS: usize = 12_000;

/// Why a command was not applied; its `Display` is the reply the user reads.
#[derive(Debug)]
pub(super) enum Refusal {
    NoSuchTask(TaskKey),
    NotAllowed {
        task: TaskKey,
        verb: &'static str,
        owner: PersonId,
        creator: PersonId,
    },
    Cycle(Cycle),
    Invalid(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoSuchTask(key) => write!(
                f,
                "I can't find {key}. `!baton mine` lists your tasks, `!baton blocked` this room's blocked ones."
            ),
            Refusal::NotAllowed {
                task,
                verb,
                owner,
                creator,
            } => {
                if owner == creator {
                    write!(f, "Sorry, only {owner} (the owner) can {verb} {task}.")
                } else {
                    write!(
                        f,
                        "Sorry, only {owner} (the owner) or {creator} (who created it) can {verb} {task}."
                    )
                }
            }
            Refusal::Cycle(cycle) => write!(
                f,
                "I can't add that dependency: it would make a cycle, {}. Nothing changed.",
                cycle.spelled()
            ),
            Refusal::Invalid(text) => f.write_str(text),
        }
    }
}

/// A command either fails for the user (a refusal) or internally (the store).
#[derive(Debug)]
pub(super) enum Failure {
    Refused(Refusal),
    Store(StoreError),
}

impl From<Refusal> for Failure {
    fn from(r: Refusal) -> Self {
        Failure::Refused(r)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

type CommandResult<T> = Result<T, Failure>;

/// Applies `parsed` for `inbound` in one transaction. A refusal rolls back whatever
/// the command had written and commits only the dedup record and the reply.
pub(super) async fn apply(
    store: &dyn Store,
    defaults: &Defaults,
    presences: &RecordedPresences,
    inbound: &Inbound,
    parsed: &Parsed,
) -> Result<Outcome, StoreError> {
    let mut tx = store.begin().await?;
    let first_time = tx.record_inbound(&inbound.event_id, inbound.at).await?;
    // Who spoke where, and the room's privacy, are recorded even from a duplicate
    // copy of an event: the copy may be the one that knows the room is private.
    let presence = Presence::new(
        &inbound.author,
        &inbound.room,
        &inbound.room_name,
        inbound.room_privacy,
    );
    let presence_is_new = !presences.contains(&presence);
    if presence_is_new {
        tx.note_presence(
            &inbound.author,
            &inbound.room,
            &inbound.room_name,
            inbound.room_privacy,
        )
        .await?;
    }
    if !first_time {
        if presence_is_new {
            tx.commit().await?;
            presences.remember(presence);
        }
        return Ok(Outcome::Duplicate);
    }
    let mut command = Command::new(tx, defaults, inbound, &parsed.links);
    match command.run(&parsed.intent).await {
        Ok(reply) => {
            // The answer to the command first, then the DMs it caused.
            if let Some(reply) = reply {
                // Help and "I don't know that word" concern only the asker.
                if matches!(parsed.intent, Intent::Help { .. } | Intent::Unknown { .. }) {
                    command.reply_privately(reply).await?;
                } else {
                    command.reply(reply).await?;
                }
            }
            let notices = std::mem::take(&mut command.notices);
            command.notify(notices).await?;
            command.tx.commit().await?;
            if presence_is_new {
                presences.remember(presence);
            }
        }
        Err(Failure::Refused(refusal)) => {
            metrics::counter!("baton_commands_refused_total").increment(1);
            drop(command);
            let mut tx = store.begin().await?;
            if !tx.record_inbound(&inbound.event_id, inbound.at).await? {
                return Ok(Outcome::Duplicate);
            }
            let mut command = Command::new(tx, defaults, inbound, &parsed.links);
            command.reply_privately(refusal.to_string()).await?;
            command.tx.commit().await?;
        }
        Err(Failure::Store(e)) => return Err(e),
    }
    Ok(Outcome::Handled)
}

struct Command<'a> {
    tx: Box<dyn StoreTx>,
    defaults: &'a Defaults,
    inbound: &'a Inbound,
    links: &'a [String],
    /// Messages queued so far: numbers their idempotency keys.
    queued: usize,
    /// Notices the change causes, sent after the reply to the command.
    notices: Vec<Notice>,
    /// What the readers of the reply may see: everyone in the room, or the asker
    /// alone in a DM.
    sight: Sight,
}

impl<'a> Command<'a> {
    fn new(
        tx: Box<dyn StoreTx>,
        defaults: &'a Defaults,
        inbound: &'a Inbound,
        links: &'a [String],
    ) -> Self {
        Self {
            tx,
            defaults,
            inbound,
            links,
            queued: 0,
            notices: Vec::new(),
            sight: Sight::new(reply_reader(inbound)),
        }
    }

    /// `task` as the readers of the reply may see it.
    async fn seen(&mut self, task: Task) -> Result<Task, StoreError> {
        self.sight.task(self.tx.as_mut(), task).await
    }

    /// `tasks` as the readers of the reply may see them.
    async fn seen_all(&mut self, tasks: Vec<Task>) -> Result<Vec<Task>, StoreError> {
        self.sight.tasks(self.tx.as_mut(), tasks).await
    }

    fn actor(&self) -> &PersonId {
        &self.inbound.author
    }

    fn now(&self) -> DateTime<Utc> {
        self.inbound.at
    }

    fn person(&self, handle: &str) -> PersonId {
        PersonId::new(&self.inbound.platform, handle)
    }

    fn thread_task(&self) -> Option<TaskKey> {
        match &self.inbound.kind {
            InboundKind::Message { thread_task, .. } => *thread_task,
            InboundKind::Reaction { .. } => None,
        }
    }

    fn is_dm(&self) -> bool {
        matches!(self.inbound.kind, InboundKind::Message { dm: true, .. })
    }

    async fn run(&mut self, intent: &Intent) -> CommandResult<Option<String>> {
        let named = intent.tasks().len() + blockers_of_intent(intent).len();
        if named > MAX_KEYS_PER_COMMAND {
            return Err(Refusal::Invalid(format!(
                "That names {named} tasks; one command takes at most {MAX_KEYS_PER_COMMAND}. Split it into several."
            ))
            .into());
        }
        match intent {
            Intent::Create {
                title,
                owner,
                blockers,
            } => self.create(title, owner.as_deref(), blockers).await,
            Intent::Done { tasks } => self.resolve(tasks, Status::Done).await,
            Intent::Cancel { tasks } => self.resolve(tasks, Status::Cancelled).await,
            Intent::Start { tasks } => self.start(tasks).await,
            Intent::Depend { tasks, blockers } => self.depend(tasks, blockers).await,
            Intent::Undepend { tasks, blockers } => self.undepend(tasks, blockers).await,
            Intent::Block { tasks, reason } => self.block(tasks, reason).await,
            Intent::Unblock { tasks } => self.unblock(tasks).await,
            Intent::Assign { tasks, owner } => self.assign(tasks, owner).await,
            Intent::Note { tasks, text } => self.note(tasks, text).await,
            Intent::Show { tasks } => self.show(tasks).await,
            Intent::Reopen { tasks } => self.reopen(tasks).await,
            Intent::Snooze { tasks } => self.snooze(tasks).await,
            Intent::Mine => self.mine().await,
            Intent::Blocked => self.blocked().await,
            Intent::Graph { tasks } => self.graph(tasks).await,
            Intent::Digest => self.digest().await,
            Intent::Settings { change } => self.settings(change).await,
            Intent::Help { topic } => Ok(Some(render::help_text(topic.as_deref()))),
            Intent::Unknown { word, suggestions } => Ok(Some(render::unknown(word, suggestions))),
            Intent::None => Ok(None),
        }
    }

    // ---- verbs -------------------------------------------------------------------

    async fn create(
        &mut self,
        title: &str,
        owner: Option<&str>,
        blockers: &[TaskKey],
    ) -> CommandResult<Option<String>> {
        let title = title.trim();
        if title.is_empty() {
            return Err(Refusal::Invalid(
                "What should the task be called? Try `!baton add Write the release notes for @alice`.".into(),
            )
            .into());
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(Refusal::Invalid(format!(
                "That title is too long (at most {MAX_TITLE_CHARS} characters). Put the details in a note on the task."
            ))
            .into());
        }
        let blocker_tasks = self.load_all(blockers).await?;
        let now = self.now();
        let mut task = Task {
            // The store gives the key as it inserts.
            key: TaskKey::new(0),
            title: title.to_owned(),
            owner: owner.map(|h| self.person(h)),
            status: Status::Open,
            external_blocker: None,
            home_room: self.inbound.room.clone(),
            home_thread: None,
            created_by: self.actor().clone(),
            created_at: now,
            updated_at: now,
            done_at: None,
            last_activity_at: now,
        };
        let key = self.tx.insert_new_task(&task).await?;
        task.key = key;
        let mut events = vec![self.new_event(
            key,
            EventKind::Created {
                title: task.title.clone(),
                owner: task.owner.clone(),
            },
        )];
        for blocker in blockers {
            self.tx.add_dependency(key, *blocker).await?;
            events.push(self.new_event(key, EventKind::DependencyAdded { blocker: *blocker }));
        }
        // One statement for all of them: adding tasks is the busiest path.
        self.tx.append_events(&events).await?;
        let card = render::card(&task, &blocker_tasks);
        let destination = if self.is_dm() {
            Destination::Dm(self.actor().clone())
        } else {
            Destination::Room {
                room: self.inbound.room.clone(),
                thread_task: None,
            }
        };
        self.queue(destination, card, Some(key)).await?;
        Ok(None)
    }

    /// Marks tasks done or cancelled and hands off what became ready.
    async fn resolve(&mut self, keys: &[TaskKey], to: Status) -> CommandResult<Option<String>> {
        let verb = if to == Status::Done {
            "finish"
        } else {
            "cancel"
        };
        let tasks = self.load_changeable(keys, verb).await?;
        let mut changed = Vec::new();
        let mut unchanged = Vec::new();
        for mut task in tasks {
            if task.status == to {
                unchanged.push(format!("{} was already {}.", task.key, to));
                continue;
            }
            if task.status.is_resolved() {
                unchanged.push(format!(
                    "{} is {}; reopen it first with `!baton reopen {}`.",
                    task.key, task.status, task.key
                ));
                continue;
            }
            task.status = to;
            task.done_at = Some(self.now());
            self.touch_and_save(&mut task).await?;
            let kind = match to {
                Status::Done => EventKind::Done {
                    links: self.links.to_vec(),
                },
                _ => EventKind::Cancelled,
            };
            self.event(task.key, kind).await?;
            changed.push(task);
        }
        let changed_keys: Vec<TaskKey> = changed.iter().map(|t| t.key).collect();
        let dependents = self.dependents_of_all(&changed_keys).await?;
        let notices = after_resolution(self.actor(), &dependents);
        self.notices.extend(notices);
        let mut lines = Vec::with_capacity(changed.len());
        for task in self.seen_all(changed).await? {
            lines.push(render::resolved_confirmation(
                &task,
                &dependents,
                self.links,
            ));
        }
        lines.extend(unchanged);
        Ok(Some(lines.join("\n")))
    }

    async fn start(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let tasks = self.load_changeable(keys, "start").await?;
        let mut lines = Vec::new();
        for mut task in tasks {
            match task.status {
                Status::InProgress => lines.push(format!("{} is already in progress.", task.key)),
                Status::Done | Status::Cancelled => lines.push(format!(
                    "{} is {}; reopen it first with `!baton reopen {}`.",
                    task.key, task.status, task.key
                )),
                Status::Open => {
                    task.status = Status::InProgress;
                    self.touch_and_save(&mut task).await?;
                    self.event(task.key, EventKind::Started).await?;
                    let blockers = self.tx.blockers_of(task.key).await?;
                    let task = self.seen(task).await?;
                    lines.push(render::started(&task, &blockers));
                }
            }
        }
        Ok(Some(lines.join("\n")))
    }

    async fn depend(
        &mut self,
        keys: &[TaskKey],
        blockers: &[TaskKey],
    ) -> CommandResult<Option<String>> {
        if blockers.is_empty() {
            return Err(Refusal::Invalid(
                "Which task does it wait on? Try `!baton T-2 depends on T-1`.".into(),
            )
            .into());
        }
        let tasks = self.load_all(keys).await?;
        let blocker_tasks = self.load_all(blockers).await?;
        let blocker_tasks = self.seen_all(blocker_tasks).await?;
        let mut graph = DependencyGraph::default();
        for blocker in blockers {
            let upstream = self.tx.upstream_edges(*blocker).await?;
            graph.extend(upstream);
        }
        let mut lines = Vec::new();
        for task in &tasks {
            let mut added = Vec::new();
            for blocker in &blocker_tasks {
                if graph.depends_directly(task.key, blocker.key) {
                    lines.push(format!("{} already waits on {}.", task.key, blocker.key));
                    continue;
                }
                graph
                    .add_dependency(task.key, blocker.key)
                    .map_err(Refusal::Cycle)?;
                self.tx.add_dependency(task.key, blocker.key).await?;
                self.event(
                    task.key,
                    EventKind::DependencyAdded {
                        blocker: blocker.key,
                    },
                )
                .await?;
                added.push(blocker);
            }
            if !added.is_empty() {
                lines.push(render::now_waits_on(task, &added));
            }
        }
        Ok(Some(lines.join("\n")))
    }

    async fn undepend(
        &mut self,
        keys: &[TaskKey],
        blockers: &[TaskKey],
    ) -> CommandResult<Option<String>> {
        let tasks = self.load_all(keys).await?;
        self.load_all(blockers).await?;
        let mut lines = Vec::new();
        let mut became_ready = Vec::new();
        for mut task in tasks {
            for blocker in blockers {
                if self.tx.remove_dependency(task.key, *blocker).await? {
                    self.event(task.key, EventKind::DependencyRemoved { blocker: *blocker })
                        .await?;
                    lines.push(format!("{} no longer waits on {}.", task.key, blocker));
                } else {
                    lines.push(format!("{} did not wait on {}.", task.key, blocker));
                }
            }
            self.touch_and_save(&mut task).await?;
            if self.readiness(&task).await? == Readiness::Ready {
                lines.push(format!("{} is ready to work on.", task.key));
                became_ready.push(task);
            }
        }
        let notices = handoffs(self.actor(), &became_ready);
        self.notices.extend(notices);
        Ok(Some(lines.join("\n")))
    }

    async fn block(&mut self, keys: &[TaskKey], reason: &str) -> CommandResult<Option<String>> {
        let reason = required_text(
            reason,
            "What is it waiting on? Try `!baton blocked T-4 waiting on legal review`.",
        )?;
        let tasks = self.load_all(keys).await?;
        let mut lines = Vec::new();
        for mut task in tasks {
            task.external_blocker = Some(reason.clone());
            self.touch_and_save(&mut task).await?;
            self.event(
                task.key,
                EventKind::Blocked {
                    reason: reason.clone(),
                },
            )
            .await?;
            lines.push(format!("{} is blocked: {reason}.", task.key));
        }
        Ok(Some(lines.join("\n")))
    }

    async fn unblock(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let tasks = self.load_changeable(keys, "unblock").await?;
        let mut lines = Vec::new();
        let mut became_ready = Vec::new();
        for mut task in tasks {
            if task.external_blocker.is_none() {
                lines.push(format!("{} had no external blocker.", task.key));
                continue;
            }
            task.external_blocker = None;
            self.touch_and_save(&mut task).await?;
            self.event(task.key, EventKind::Unblocked).await?;
            match self.readiness(&task).await? {
                Readiness::Ready => {
                    lines.push(format!("{} is unblocked and ready to work on.", task.key));
                    became_ready.push(task);
                }
                Readiness::Blocked { open_blockers, .. } => lines.push(format!(
                    "{} is unblocked, but still waits on {}.",
                    task.key,
                    render::keys(&open_blockers)
                )),
                Readiness::Closed => lines.push(format!("{} is unblocked.", task.key)),
            }
        }
        let notices = handoffs(self.actor(), &became_ready);
        self.notices.extend(notices);
        Ok(Some(lines.join("\n")))
    }

    async fn assign(&mut self, keys: &[TaskKey], owner: &str) -> CommandResult<Option<String>> {
        let new_owner = self.person(owner);
        let tasks = self.load_changeable(keys, "reassign").await?;
        let mut lines = Vec::new();
        let mut notices = Vec::new();
        for mut task in tasks {
            if task.owner.as_ref() == Some(&new_owner) {
                lines.push(format!("{} is already {}'s.", task.key, new_owner));
                continue;
            }
            task.owner = Some(new_owner.clone());
            self.touch_and_save(&mut task).await?;
            self.event(
                task.key,
                EventKind::Assigned {
                    owner: Some(new_owner.clone()),
                },
            )
            .await?;
            let readiness = self.readiness(&task).await?;
            notices.extend(after_assign(&task, &readiness, self.actor()));
            let task = self.seen(task).await?;
            lines.push(format!(
                "{} {} is now {}'s.",
                task.key, task.title, new_owner
            ));
        }
        self.notices.extend(merge_handoffs(notices));
        Ok(Some(lines.join("\n")))
    }

    async fn note(&mut self, keys: &[TaskKey], text: &str) -> CommandResult<Option<String>> {
        let text = required_text(
            text,
            "What should the note say? Try `!baton note T-4 creds are in the vault`.",
        )?;
        let tasks = self.load_all(keys).await?;
        for mut task in tasks {
            self.touch_and_save(&mut task).await?;
            self.event(
                task.key,
                EventKind::NoteAdded {
                    text: text.clone(),
                    links: self.links.to_vec(),
                },
            )
            .await?;
        }
        // A reply in the task's own thread is conversation, kept as context without
        // an answer; an explicit `note` elsewhere is confirmed.
        if keys.len() == 1 && self.thread_task() == Some(keys[0]) {
            Ok(None)
        } else {
            Ok(Some(format!("Noted on {}.", render::keys(keys))))
        }
    }

    async fn reopen(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let tasks = self.load_changeable(keys, "reopen").await?;
        let mut lines = Vec::new();
        let mut notices = Vec::new();
        for mut task in tasks {
            if !task.status.is_resolved() {
                lines.push(format!("{} is {}, not finished.", task.key, task.status));
                continue;
            }
            task.status = Status::Open;
            task.done_at = None;
            self.touch_and_save(&mut task).await?;
            self.event(task.key, EventKind::Reopened).await?;
            let dependents = self.dependents_of_all(&[task.key]).await?;
            notices.extend(after_reopen(task.key, self.actor(), &dependents));
            let task = self.seen(task).await?;
            lines.push(format!("Reopened {} {}.", task.key, task.title));
        }
        self.notices.extend(notices);
        Ok(Some(lines.join("\n")))
    }

    async fn show(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        if keys.is_empty() {
            return Err(Refusal::Invalid("Which task? Try `!baton show T-4`.".into()).into());
        }
        let mut parts = Vec::new();
        for task in self.load_all(keys).await? {
            let blockers = self.tx.blockers_of(task.key).await?;
            let blockers = self.seen_all(blockers).await?;
            let dependents = self.tx.dependents_of(task.key).await?;
            let dependents = self.seen_all(dependents).await?;
            let whole = self
                .sight
                .may_read(self.tx.as_mut(), &task.home_room)
                .await?;
            let events = if whole {
                let events = self.tx.events_of(task.key).await?;
                self.sight.events(self.tx.as_mut(), events).await?
            } else {
                Vec::new()
            };
            let task = self.seen(task).await?;
            parts.push(render::show(
                &task,
                &blockers,
                &dependents,
                &events,
                self.now(),
            ));
        }
        Ok(Some(parts.join("\n\n")))
    }

    async fn mine(&mut self) -> CommandResult<Option<String>> {
        let actor = self.actor().clone();
        Ok(Some(
            super::mine(self.tx.as_mut(), &mut self.sight, &actor).await?,
        ))
    }

    /// `blocked`: loads only what the reply shows — the count of the room's blocked
    /// tasks and the first [`render::LIST_LIMIT`] of them with their open blockers —
    /// since a room can hold 100,000 open tasks and the reply lists 30.
    async fn blocked(&mut self) -> CommandResult<Option<String>> {
        let room = self.inbound.room.clone();
        let limit = i64::try_from(render::LIST_LIMIT).unwrap_or(i64::MAX);
        let (total, blocked) = self.tx.blocked_in_room(&room, limit).await?;
        let total = usize::try_from(total).unwrap_or_default();
        let mut seen = Vec::with_capacity(blocked.len());
        for (task, blockers) in blocked {
            seen.push((self.seen(task).await?, self.seen_all(blockers).await?));
        }
        let blocked = seen;
        Ok(Some(render::blocked(
            &self.inbound.room_name,
            total,
            &blocked,
        )))
    }

    /// `graph`: "task → what it waits on" lines, a page of them and a count of
    /// the rest. Without a task, the room's open dependencies, from the same lean
    /// facts the digest reads (a room can hold 100,000 tasks); with tasks, what
    /// each waits on and what waits on it.
    async fn graph(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let mut edges: Vec<(TaskKey, TaskKey)> = Vec::new();
        let tasks_named: Vec<TaskKey>;
        if keys.is_empty() {
            let work = self.tx.open_work_in(&self.inbound.room).await?;
            tasks_named = work.tasks().iter().map(|t| t.key).collect();
            edges.extend_from_slice(work.open_edges());
        } else {
            tasks_named = keys.to_vec();
            for task in self.load_all(keys).await? {
                for blocker in self.tx.blockers_of(task.key).await? {
                    edges.push((task.key, blocker.key));
                }
                for dependent in self.tx.dependents_of(task.key).await? {
                    edges.push((dependent.key, task.key));
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let shown = &edges[..edges.len().min(render::LIST_LIMIT)];
        let mut blockers: Vec<TaskKey> = shown.iter().map(|(_, blocker)| *blocker).collect();
        blockers.sort_unstable();
        blockers.dedup();
        let statuses: BTreeMap<TaskKey, Status> = self
            .tx
            .tasks(&blockers)
            .await?
            .into_iter()
            .map(|t| (t.key, t.status))
            .collect();
        let lines: Vec<(TaskKey, TaskKey, Option<Status>)> = shown
            .iter()
            .map(|(task, blocker)| (*task, *blocker, statuses.get(blocker).copied()))
            .collect();
        Ok(Some(render::graph(
            &self.inbound.room_name,
            &tasks_named,
            &lines,
            edges.len(),
        )))
    }

    /// `snooze`: the owner gets the task handed to them again when their next
    /// working day starts.
    async fn snooze(&mut self, keys: &[TaskKey]) -> CommandResult<Option<String>> {
        let actor = self.actor().clone();
        let tasks = self.load_all(keys).await?;
        if let Some(task) = tasks.iter().find(|t| t.owner.as_ref() != Some(&actor)) {
            let whose = task
                .owner
                .as_ref()
                .map_or_else(|| "nobody yet".to_owned(), ToString::to_string);
            return Err(Refusal::Invalid(format!(
                "Only a task's owner can snooze it; {} is {whose}'s. Take it first with `!baton I'll take {}`.",
                task.key, task.key
            ))
            .into());
        }
        let mine = self.tx.person_settings(&actor).await?;
        let hours = self
            .defaults
            .working_hours_for(mine.timezone.as_deref(), mine.working_hours.as_deref())
            .unwrap_or_else(|| self.defaults.office_hours(mine.timezone.as_deref()));
        let remind_at = hours.next_morning(self.now());
        let mut lines = Vec::new();
        for task in tasks {
            if task.status.is_resolved() {
                lines.push(format!(
                    "{} is {}; there is nothing to snooze.",
                    task.key, task.status
                ));
                continue;
            }
            let mut sight = Sight::new(Reader::Person(actor.clone()));
            let body = render::reminder(&sight.task(self.tx.as_mut(), task.clone()).await?);
            self.queue_at(
                Destination::Dm(actor.clone()),
                body,
                OutboxKind::Message,
                remind_at,
            )
            .await?;
            lines.push(format!(
                "Snoozed {} until {}; I'll hand it to you again then.",
                task.key,
                remind_at
                    .with_timezone(&hours.tz)
                    .format("%a %d %b %H:%M %Z")
            ));
        }
        Ok(Some(lines.join("\n")))
    }

    /// `digest`: the room's digest, now, even when it would be quiet.
    async fn digest(&mut self) -> CommandResult<Option<String>> {
        let (inbound, now) = (self.inbound, self.now());
        let since = self.tx.last_digest_at(&inbound.room).await?;
        let body = super::digest::compose(
            self.tx.as_mut(),
            &reply_reader(inbound),
            &inbound.room,
            &inbound.room_name,
            since,
            now,
            true,
        )
        .await?;
        Ok(body)
    }

    // ---- helpers -----------------------------------------------------------------

    async fn load_all(&mut self, keys: &[TaskKey]) -> CommandResult<Vec<Task>> {
        let mut tasks = Vec::with_capacity(keys.len());
        for key in keys {
            match self.tx.task(*key).await? {
                Some(task) => tasks.push(task),
                None => return Err(Refusal::NoSuchTask(*key).into()),
            }
        }
        Ok(tasks)
    }

    /// Loads tasks the actor wants to finish, start, cancel, reopen, reassign or
    /// unblock, refusing if they may not.
    async fn load_changeable(
        &mut self,
        keys: &[TaskKey],
        verb: &'static str,
    ) -> CommandResult<Vec<Task>> {
        if keys.is_empty() {
            return Err(Refusal::Invalid(format!(
                "Which task should I {verb}? Name it like `T-4`."
            ))
            .into());
        }
        let tasks = self.load_all(keys).await?;
        for task in &tasks {
            if !task.may_be_changed_by(self.actor()) {
                return Err(Refusal::NotAllowed {
                    task: task.key,
                    verb,
                    owner: task
                        .owner
                        .clone()
                        .unwrap_or_else(|| task.created_by.clone()),
                    creator: task.created_by.clone(),
                }
                .into());
            }
        }
        Ok(tasks)
    }

    async fn readiness(&mut self, task: &Task) -> CommandResult<Readiness> {
        let blockers = self.tx.blockers_of(task.key).await?;
        Ok(task.readiness(&blockers))
    }

    /// The open and in-progress tasks depending on any of `keys`, each with all its
    /// blockers as they are now.
    async fn dependents_of_all(&mut self, keys: &[TaskKey]) -> CommandResult<Vec<Dependent>> {
        let mut dependents: BTreeMap<TaskKey, Task> = BTreeMap::new();
        for key in keys.iter().copied() {
            for task in self.tx.dependents_of(key).await? {
                if !task.status.is_resolved() {
                    dependents.insert(task.key, task);
                }
            }
        }
        let mut out = Vec::with_capacity(dependents.len());
        for (key, task) in dependents {
            let blockers = self.tx.blockers_of(key).await?;
            out.push(Dependent { task, blockers });
        }
        Ok(out)
    }

    async fn touch_and_save(&mut self, task: &mut Task) -> CommandResult<()> {
        task.updated_at = self.now();
        task.last_activity_at = self.now();
        self.tx.update_task(task).await?;
        Ok(())
    }

    fn source(&self) -> Source {
        Source {
            platform: self.inbound.platform.clone(),
            room: self.inbound.room.clone(),
            message_id: self.inbound.message_id.clone(),
            permalink: self.inbound.permalink.clone(),
            event_id: Some(self.inbound.event_id.clone()),
        }
    }

    fn new_event(&self, task: TaskKey, kind: EventKind) -> NewEvent {
        NewEvent {
            task,
            kind,
            actor: self.actor().clone(),
            at: self.now(),
            source: self.source(),
        }
    }

    async fn event(&mut self, task: TaskKey, kind: EventKind) -> CommandResult<()> {
        let event = self.new_event(task, kind);
        self.tx.append_event(&event).await?;
        Ok(())
    }

    async fn queue(
        &mut self,
        destination: Destination,
        body: String,
        card_for: Option<TaskKey>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        self.enqueue(destination, body, card_for, OutboxKind::Message, now, None)
            .await
    }

    /// Queues a message that is not to be delivered before `not_before`.
    async fn queue_at(
        &mut self,
        destination: Destination,
        body: String,
        kind: OutboxKind,
        not_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.enqueue(destination, body, None, kind, not_before, None)
            .await
    }

    /// Every message a command queues goes through here: its idempotency key is the
    /// inbound event id and the message's number within the command.
    async fn enqueue(
        &mut self,
        destination: Destination,
        body: String,
        card_for: Option<TaskKey>,
        kind: OutboxKind,
        not_before: DateTime<Utc>,
        only_for: Option<PersonId>,
    ) -> Result<(), StoreError> {
        self.queued += 1;
        let message = NewOutboxMessage {
            idempotency_key: format!("{}#{}", self.inbound.event_id, self.queued),
            platform: self.inbound.platform.clone(),
            destination,
            card_for,
            kind,
            body,
            only_for,
            not_before,
            created_at: self.now(),
        };
        self.tx.enqueue(&message).await
    }

    /// Answers where the message came from: the DM, the thread, or the room.
    async fn reply(&mut self, body: String) -> Result<(), StoreError> {
        self.answer(body, false).await
    }

    /// Answers the asker alone where the platform can show a message to one person
    /// in a room (help, refusals): the others need not read it.
    async fn reply_privately(&mut self, body: String) -> Result<(), StoreError> {
        self.answer(body, true).await
    }

    async fn answer(&mut self, body: String, privately: bool) -> Result<(), StoreError> {
        let body = bounded_reply(body);
        let destination = if self.is_dm() {
            Destination::Dm(self.actor().clone())
        } else {
            Destination::Room {
                room: self.inbound.room.clone(),
                thread_task: self.thread_task(),
            }
        };
        let only_for = (privately && !self.is_dm()).then(|| self.actor().clone());
        let now = self.now();
        self.enqueue(destination, body, None, OutboxKind::Message, now, only_for)
            .await
    }

    /// Renders and queues the notices a change caused.
    async fn notify(&mut self, notices: Vec<Notice>) -> Result<(), StoreError> {
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
                        self.queue_dm(to, body, OutboxKind::Handoff).await?;
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

    /// Queues a notice DM, held until the person's working hours start. Handoffs
    /// held for the same morning merge into one message.
    async fn queue_dm(
        &mut self,
        to: PersonId,
        body: String,
        kind: OutboxKind,
    ) -> Result<(), StoreError> {
        let mine = self.tx.person_settings(&to).await?;
        let hours = self
            .defaults
            .working_hours_for(mine.timezone.as_deref(), mine.working_hours.as_deref());
        let now = self.now();
        let release = hours.map_or(now, |h| h.release_at(now));
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
    async fn existing(&mut self, keys: &[TaskKey]) -> Result<Vec<Task>, StoreError> {
        let mut tasks = Vec::with_capacity(keys.len());
        for key in keys {
            tasks.extend(self.tx.task(*key).await?);
        }
        Ok(tasks)
    }

    fn home_thread_of(&self, task: &Task) -> Destination {
        Destination::Room {
            room: task.home_room.clone(),
            thread_task: Some(task.key),
        }
    }

    /// Everything the owner of a task that just became ready needs: each resolved
    /// blocker with who finished it, evidence and notes they may see (`sight` is
    /// theirs), and who waits downstream.
    async fn handoff_item(
        &mut self,
        task: Task,
        sight: &mut Sight,
    ) -> Result<HandoffItem, StoreError> {
        let key = task.key;
        let mut blockers = Vec::new();
        for blocker in self.tx.blockers_of(key).await? {
            let events = self.tx.events_of(blocker.key).await?;
            let mut context = BlockerContext::new(sight.task(self.tx.as_mut(), blocker).await?);
            for event in events {
                let said_where_readable =
                    sight.may_read(self.tx.as_mut(), &event.source.room).await?;
                match event.kind {
                    EventKind::Done { links } => {
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
                        context.notes.push(Note {
                            author: event.actor,
                            text,
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

/// Who reads the answer to `inbound`: the asker in a DM, else the room.
fn reply_reader(inbound: &Inbound) -> Reader {
    match inbound.kind {
        InboundKind::Message { dm: true, .. } => Reader::Person(inbound.author.clone()),
        _ => Reader::Room(inbound.room.clone()),
    }
}

/// The tasks an intent's subject waits on, for the limit on keys per command.
fn blockers_of_intent(intent: &Intent) -> &[TaskKey] {
    match intent {
        Intent::Create { blockers, .. }
        | Intent::Depend { blockers, .. }
        | Intent::Undepend { blockers, .. } => blockers,
        _ => &[],
    }
}

/// Several assignments in one command to the same person make one handoff DM.
fn merge_handoffs(notices: Vec<Notice>) -> Vec<Notice> {
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

/// `text` trimmed and cut to [`MAX_NOTE_CHARS`]; empty text is refused with `hint`.
fn required_text(text: &str, hint: &str) -> Result<String, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal::Invalid(hint.to_owned()));
    }
    Ok(truncate(text, MAX_NOTE_CHARS))
}

/// `text` cut to at most `max` characters, on a character boundary.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
