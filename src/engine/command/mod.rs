//! Applying one intent inside one store transaction.

mod dependencies;
pub(super) mod forge;
mod lifecycle;
mod messages;
mod proposal;
mod reads;
mod settings;

use std::collections::BTreeMap;

pub(super) use proposal::Assist;
use std::fmt;

use chrono::{DateTime, Utc};

use super::presence::{Presence, RecordedPresences};
use super::render::{self, BlockerContext, HandoffItem, Note};
use super::scene;
use super::sight::Sight;
use super::{Defaults, Inbound, InboundKind, Outcome};
use crate::domain::{
    Cycle, DependencyGraph, Dependent, EventKind, NewEvent, Notice, PersonId, Reader, Readiness,
    Source, Status, SummarySource, Task, TaskKey, after_assign, after_reopen, after_resolution,
    handoffs,
};
use crate::parser::{Intent, Parsed};
use crate::store::{
    Destination, NewOutboxMessage, OutboxKind, Picture, Store, StoreError, StoreTx,
};

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

/// What a command answers: text, and for `graph` a picture the text describes.
#[derive(Debug)]
pub(super) struct Reply {
    text: String,
    picture: Option<Picture>,
}

impl From<String> for Reply {
    fn from(text: String) -> Self {
        Reply {
            text,
            picture: None,
        }
    }
}

/// Applies `parsed` for `inbound` in one transaction. A refusal rolls back whatever
/// the command had written and commits only the dedup record and the reply.
/// `assist` is what the language model contributed: a proposal to offer instead
/// of "I don't know", or a `yes` that applies the author's waiting proposal.
pub(super) async fn apply(
    store: &dyn Store,
    defaults: &Defaults,
    presences: &RecordedPresences,
    inbound: &Inbound,
    parsed: &Parsed,
    assist: &Assist,
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
    let confirmed = match assist {
        Assist::Confirm(expected) => {
            proposal::take_confirmed(tx.as_mut(), inbound, expected.as_deref()).await?
        }
        Assist::None | Assist::Propose(_) | Assist::Stale => None,
    };
    // What runs: the confirmed proposal (with the links of the message it was
    // made for), or the message as parsed.
    let parsed = confirmed.as_ref().unwrap_or(parsed);
    let mut command = Command::new(tx, defaults, inbound, &parsed.links);
    // A `yes` that names a command and found it not waiting applies nothing,
    // whatever the grammar would make of its words.
    let stale = match assist {
        Assist::Stale => true,
        Assist::Confirm(Some(_)) => confirmed.is_none(),
        _ => false,
    };
    let intent = &parsed.intent;
    let result = match (assist, intent) {
        _ if stale => Ok(Some(Reply::from(render::stale_proposal()))),
        (Assist::Propose(proposal), Intent::Unknown { .. }) => command
            .propose(proposal)
            .await
            .map(|text| text.map(Reply::from)),
        _ => command.run(intent).await,
    };
    match result {
        Ok(reply) => {
            // The answer to the command first, then the DMs it caused.
            if let Some(reply) = reply {
                // Help, "I don't know that word" and proposals concern only the asker.
                if let (Assist::Propose(_), Intent::Unknown { .. }) = (assist, intent) {
                    command.offer_privately(reply.text).await?;
                } else if stale || matches!(intent, Intent::Help { .. } | Intent::Unknown { .. }) {
                    command.reply_privately(reply.text).await?;
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
    /// The change needs no permission: a forge's merge into the default branch by
    /// an account no chat person linked is its own proof (see `forge.rs`).
    proven: bool,
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
            proven: false,
        }
    }

    /// The transaction back, for the next task of a forge event.
    fn into_tx(self) -> Box<dyn StoreTx> {
        self.tx
    }

    /// `task` as the readers of the reply may see it.
    pub(super) async fn seen(&mut self, task: Task) -> Result<Task, StoreError> {
        self.sight.task(self.tx.as_mut(), task).await
    }

    /// `tasks` as the readers of the reply may see them.
    pub(super) async fn seen_all(&mut self, tasks: Vec<Task>) -> Result<Vec<Task>, StoreError> {
        self.sight.tasks(self.tx.as_mut(), tasks).await
    }

    pub(super) fn actor(&self) -> &PersonId {
        &self.inbound.author
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.inbound.at
    }

    pub(super) fn person(&self, handle: &str) -> PersonId {
        PersonId::new(&self.inbound.platform, handle)
    }

    pub(super) fn thread_task(&self) -> Option<TaskKey> {
        match &self.inbound.kind {
            InboundKind::Message { thread_task, .. } => *thread_task,
            InboundKind::Reaction { .. } => None,
        }
    }

    pub(super) fn is_dm(&self) -> bool {
        matches!(self.inbound.kind, InboundKind::Message { dm: true, .. })
    }

    pub(super) async fn run(&mut self, intent: &Intent) -> CommandResult<Option<Reply>> {
        let named = intent.tasks().len() + blockers_of_intent(intent).len();
        if named > MAX_KEYS_PER_COMMAND {
            return Err(Refusal::Invalid(format!(
                "That names {named} tasks; one command takes at most {MAX_KEYS_PER_COMMAND}. Split it into several."
            ))
            .into());
        }
        let text = match intent {
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
            Intent::Graph { tasks } => return self.graph(tasks).await.map(Some),
            Intent::Digest => return self.digest().await,
            Intent::Settings { change } => self.settings(change).await,
            Intent::Link { forge, login } => self.link(*forge, login.as_deref()).await,
            Intent::Help { topic } => Ok(Some(render::help_text(topic.as_deref()))),
            Intent::Unknown {
                word,
                rest,
                suggestions,
            } => Ok(Some(render::unknown(word, rest, suggestions))),
            Intent::None => Ok(None),
        }?;
        Ok(text.map(Reply::from))
    }

    pub(super) async fn load_all(&mut self, keys: &[TaskKey]) -> CommandResult<Vec<Task>> {
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
    pub(super) async fn load_changeable(
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
            if !self.proven && !task.may_be_changed_by(self.actor()) {
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

    pub(super) async fn readiness(&mut self, task: &Task) -> CommandResult<Readiness> {
        let blockers = self.tx.blockers_of(task.key).await?;
        Ok(task.readiness(&blockers))
    }

    /// The open and in-progress tasks depending on any of `keys`, each with all its
    /// blockers as they are now.
    pub(super) async fn dependents_of_all(
        &mut self,
        keys: &[TaskKey],
    ) -> CommandResult<Vec<Dependent>> {
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

    pub(super) async fn touch_and_save(&mut self, task: &mut Task) -> CommandResult<()> {
        task.updated_at = self.now();
        task.last_activity_at = self.now();
        self.tx.update_task(task).await?;
        Ok(())
    }

    pub(super) fn source(&self) -> Source {
        Source {
            platform: self.inbound.platform.clone(),
            room: self.inbound.room.clone(),
            message_id: self.inbound.message_id.clone(),
            permalink: self.inbound.permalink.clone(),
            event_id: Some(self.inbound.event_id.clone()),
        }
    }

    pub(super) fn new_event(&self, task: TaskKey, kind: EventKind) -> NewEvent {
        NewEvent {
            task,
            kind,
            actor: self.actor().clone(),
            at: self.now(),
            source: self.source(),
        }
    }

    pub(super) async fn event(&mut self, task: TaskKey, kind: EventKind) -> CommandResult<()> {
        let event = self.new_event(task, kind);
        self.tx.append_event(&event).await?;
        Ok(())
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
