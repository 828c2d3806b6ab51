//! The engine: applies what a message asks for.
//!
//! For each inbound message: parse it, then in ONE store transaction record its
//! platform event id (so a redelivery changes nothing), check permissions, append
//! events, update projections and queue every reply and notification in the outbox.
//! Nothing is sent from here: the outbox worker delivers after the commit.

mod command;
mod digest;
mod presence;
mod render;
mod scene;
mod sight;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::assistant::Assistant;
use crate::domain::{ForgeEvent, PersonId, Reader, RoomPrivacy, TaskKey};
use crate::parser::{self, Intent, Message, Parsed};
use crate::store::{Store, StoreError, StoreTx};

use command::Assist;
pub use command::forge::ForgeOutcome;
pub use digest::{ComposedDigest, compose as compose_digest};
pub use render::{help_text, proposed_command};
pub use scene::{GraphRequestError, graph_request};

pub use crate::domain::Defaults;

/// A message or reaction from a chat platform, as the adapter hands it over.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The platform's id for this event: the dedup key.
    pub event_id: String,
    /// `console`, `slack` or `matrix`.
    pub platform: String,
    /// The room id (`console:#general`); for a DM, the DM room's id.
    pub room: String,
    /// The room's display name (`#general`).
    pub room_name: String,
    /// What the platform says of the room's privacy (a DM, a private channel and
    /// a room not known yet are private): what is said there reaches only its
    /// members.
    pub room_privacy: RoomPrivacy,
    pub author: PersonId,
    pub kind: InboundKind,
    /// The platform's id of the message, if it has one.
    pub message_id: Option<String>,
    /// A link back to the message, if the platform has one.
    pub permalink: Option<String>,
    pub at: DateTime<Utc>,
}

/// What arrived.
#[derive(Debug, Clone)]
pub enum InboundKind {
    /// A message; `thread_task` when it is a reply in a task's thread, `dm` when it
    /// is a direct message to the bot.
    Message {
        text: String,
        thread_task: Option<TaskKey>,
        dm: bool,
    },
    /// A reaction on a task's card.
    Reaction { emoji: String, task: TaskKey },
}

/// What became of an inbound event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not addressed to Baton: nothing recorded.
    Ignored,
    /// Seen before (a platform redelivery): nothing changed.
    Duplicate,
    /// Applied (or refused with a reply), committed.
    Handled,
}

/// An internal failure; the user is not shown its text.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the store failed while handling an inbound event")]
    Store(#[from] StoreError),
}

/// Reactions that mark a task done when put on its card.
const DONE_REACTIONS: [&str; 4] = ["✅", "✔️", "☑️", ":white_check_mark:"];

/// How long a command keeps retrying when other transactions conflict with it
/// (Postgres serialization failures under concurrent commands): within Slack's
/// 3 s, with room for the answer.
const CONFLICT_BUDGET: std::time::Duration = std::time::Duration::from_millis(2_000);
/// The first pause after a conflict; each further one up to twice as long.
const CONFLICT_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);
/// No pause after a conflict is longer than this.
const CONFLICT_MAX_PAUSE: std::time::Duration = std::time::Duration::from_millis(200);

/// Applies inbound events; shared by every adapter.
#[derive(Clone)]
pub struct Engine {
    store: Arc<dyn Store>,
    outbox_ready: Arc<Notify>,
    defaults: Arc<Defaults>,
    presences: Arc<presence::RecordedPresences>,
    /// The language model, when one is configured: proposals for messages the
    /// grammar does not understand.
    assistant: Option<Arc<Assistant>>,
}

impl Engine {
    /// An engine writing to `store`, waking `outbox_ready` after each commit.
    pub fn new(store: Arc<dyn Store>, outbox_ready: Arc<Notify>, defaults: Defaults) -> Self {
        Self {
            store,
            outbox_ready,
            defaults: Arc::new(defaults),
            presences: Arc::default(),
            assistant: None,
        }
    }

    /// Offers `assistant`'s proposals for messages the grammar does not understand.
    #[must_use]
    pub fn with_assistant(mut self, assistant: Option<Arc<Assistant>>) -> Self {
        self.assistant = assistant;
        self
    }

    /// What the model contributes to `inbound`, asked before its transaction so
    /// that no transaction waits on a model: nothing without one, a confirmation
    /// for a `yes`, a proposal for an addressed message the grammar did not
    /// understand (asked once: a redelivered message is not sent again, and never
    /// from a room that said `settings summaries off`).
    async fn assist(&self, inbound: &Inbound, parsed: &Parsed) -> Result<Assist, EngineError> {
        let (Some(assistant), InboundKind::Message { text, .. }) = (&self.assistant, &inbound.kind)
        else {
            return Ok(Assist::None);
        };
        if let Some(confirmation) = crate::assistant::proposal::confirmation(text) {
            // Only a `yes` with a proposal waiting is one: any other is chat.
            let waiting = self
                .store
                .begin_read()
                .await?
                .proposal_waiting(&inbound.room, &inbound.author, inbound.at)
                .await?;
            return Ok(match (waiting, confirmation.command) {
                (true, command) => Assist::Confirm(command),
                // A button under an offer that is gone: said so, never read as
                // the command it names.
                (false, Some(_)) => Assist::Stale,
                (false, None) => Assist::None,
            });
        }
        if !matches!(parsed.intent, Intent::Unknown { .. })
            || self.store.inbound_seen(&inbound.event_id).await?
            || self
                .store
                .begin_read()
                .await?
                .room_summaries_off(&inbound.room)
                .await?
        {
            return Ok(Assist::None);
        }
        Ok(assistant
            .propose(&inbound.room, inbound.author.handle(), text, &parsed.links)
            .await
            .map_or(Assist::None, Assist::Propose))
    }

    /// Handles one inbound event end to end.
    ///
    /// # Errors
    /// [`EngineError`] when the store fails; nothing of the event is then kept, and
    /// the platform's redelivery (or the user) can try again.
    #[tracing::instrument(skip_all, fields(platform = %inbound.platform, room = %inbound.room, event_id = %inbound.event_id))]
    pub async fn handle(&self, inbound: &Inbound) -> Result<Outcome, EngineError> {
        let parsed = understand(inbound);
        let assist = self.assist(inbound, &parsed).await?;
        if parsed.intent == Intent::None && matches!(assist, Assist::None | Assist::Propose(_)) {
            return Ok(Outcome::Ignored);
        }
        let started = std::time::Instant::now();
        metrics::counter!(
            "baton_inbound_events_total",
            "platform" => inbound.platform.clone(),
            "intent" => parsed.intent.name()
        )
        .increment(1);
        if matches!(parsed.intent, Intent::Unknown { .. }) {
            metrics::counter!("baton_parse_failures_total").increment(1);
        }
        tracing::debug!(intent = parsed.intent.name(), "applying");
        let outcome = retrying_conflicts(|| {
            command::apply(
                self.store.as_ref(),
                &self.defaults,
                &self.presences,
                inbound,
                &parsed,
                &assist,
            )
        })
        .await?;
        if outcome == Outcome::Handled {
            self.outbox_ready.notify_one();
        }
        if outcome == Outcome::Duplicate {
            metrics::counter!("baton_inbound_duplicates_total").increment(1);
        }
        metrics::histogram!("baton_command_seconds").record(started.elapsed().as_secs_f64());
        Ok(outcome)
    }

    /// Applies one forge webhook delivery: its pull or merge request's tasks are
    /// started, finished or told, in one transaction with what that sends.
    ///
    /// # Errors
    /// [`EngineError`] when the store fails; nothing of the delivery is then kept.
    #[tracing::instrument(skip_all, fields(forge = %event.forge.as_str(), delivery = %event.delivery, kind = event.signal.kind()))]
    pub async fn apply_forge(&self, event: &ForgeEvent) -> Result<ForgeOutcome, EngineError> {
        let now = Utc::now();
        let outcome = retrying_conflicts(|| {
            command::forge::apply(self.store.as_ref(), &self.defaults, event, now)
        })
        .await?;
        if let ForgeOutcome::Applied(_) = outcome {
            self.outbox_ready.notify_one();
        }
        Ok(outcome)
    }
}

/// Runs `attempt` again while it fails because another transaction conflicted
/// with it (Postgres serialization failures under concurrent commands), within
/// [`CONFLICT_BUDGET`].
async fn retrying_conflicts<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let started = std::time::Instant::now();
    let mut tries: u32 = 0;
    loop {
        match attempt().await {
            Err(e) if e.is_conflict() && started.elapsed() < CONFLICT_BUDGET => {
                tries += 1;
                tracing::debug!(attempt = tries, "conflicting transaction; retrying");
                metrics::counter!("baton_command_conflicts_total").increment(1);
                tokio::time::sleep(conflict_pause(tries)).await;
            }
            result => return result,
        }
    }
}

impl Engine {
    /// Records what the platform says of a room: its privacy and, when given, its
    /// whole membership (adapters call this when they first see a room and when
    /// their view of it is refreshed).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn sync_room(
        &self,
        room: &str,
        room_name: &str,
        privacy: RoomPrivacy,
        members: Option<&[PersonId]>,
    ) -> Result<(), EngineError> {
        self.store
            .sync_room(room, room_name, privacy, members)
            .await?;
        Ok(())
    }

    /// Records that `person` joined (`true`) or left (`false`) `room`.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn set_room_member(
        &self,
        room: &str,
        person: &PersonId,
        member: bool,
    ) -> Result<(), EngineError> {
        self.store.set_room_member(room, person, member).await?;
        Ok(())
    }

    /// Queues a notice for a room that is no command's answer (an adapter
    /// explaining what it could not do), once per `idempotency_key`: it goes out
    /// through the outbox like every message, so it is retried, rate limited and
    /// never sent twice.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn notice_in_room(
        &self,
        platform: &str,
        room: &str,
        body: String,
        idempotency_key: String,
    ) -> Result<(), EngineError> {
        let now = chrono::Utc::now();
        let mut tx = self.store.begin().await?;
        tx.enqueue(&crate::store::NewOutboxMessage {
            idempotency_key,
            platform: platform.to_owned(),
            destination: crate::store::Destination::Room {
                room: room.to_owned(),
                thread_task: None,
            },
            card_for: None,
            kind: crate::store::OutboxKind::Message,
            body,
            picture: None,
            summary_source: None,
            only_for: None,
            not_before: now,
            created_at: now,
        })
        .await?;
        tx.commit().await?;
        self.outbox_ready.notify_one();
        Ok(())
    }

    /// The task whose card is the message `thread` in `room`: replies and
    /// reactions there are about it.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn task_of_card(
        &self,
        room: &str,
        thread: &str,
    ) -> Result<Option<TaskKey>, EngineError> {
        Ok(self.store.task_with_card(room, thread).await?)
    }

    /// Whether the platform event `event_id` was handled before (an edit of a
    /// handled command must not run it again).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn was_handled(&self, event_id: &str) -> Result<bool, EngineError> {
        Ok(self.store.inbound_seen(event_id).await?)
    }

    /// `person`'s open work as `mine` lists it, for views outside a conversation
    /// (Slack's App Home).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn work_of(&self, person: &PersonId) -> Result<String, EngineError> {
        Ok(my_work(self.store.as_ref(), person).await?)
    }

    /// What the platform says of a person: display name and timezone (see
    /// [`crate::store::PeopleStore::remember_profile`]).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn remember_profile(
        &self,
        person: &PersonId,
        display_name: Option<&str>,
        timezone: Option<&str>,
    ) -> Result<(), EngineError> {
        self.store
            .remember_profile(person, display_name, timezone)
            .await?;
        Ok(())
    }

    /// Whether `room` is recorded as private; `None` when Baton has no record of it.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn recorded_privacy(&self, room: &str) -> Result<Option<bool>, EngineError> {
        let mut tx = self.store.begin().await?;
        Ok(match tx.room_facts(room, None).await? {
            crate::domain::RoomFacts::Unrecorded => None,
            crate::domain::RoomFacts::Recorded { private, .. } => Some(private),
        })
    }
}

/// The pause before retry `attempt` of a conflicting command: exponential with
/// full jitter (a random part of the doubling cap), so the commands that met do
/// not meet again at the same moment.
fn conflict_pause(attempt: u32) -> std::time::Duration {
    let cap = CONFLICT_FIRST_PAUSE
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(CONFLICT_MAX_PAUSE);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let cap_micros = u32::try_from(cap.as_micros()).unwrap_or(u32::MAX).max(1);
    std::time::Duration::from_micros(u64::from(1 + nanos % cap_micros))
}

/// Turns an inbound event into what it asks for.
fn understand(inbound: &Inbound) -> Parsed {
    match &inbound.kind {
        InboundKind::Message {
            text,
            thread_task,
            dm,
        } => parser::parse(&Message {
            text,
            author: inbound.author.handle(),
            thread_task: *thread_task,
            dm: *dm,
        }),
        InboundKind::Reaction { emoji, task } => Parsed {
            intent: if DONE_REACTIONS.contains(&emoji.as_str()) {
                Intent::Done { tasks: vec![*task] }
            } else {
                Intent::None
            },
            links: Vec::new(),
        },
    }
}

/// A person's open work as `mine` lists it: ready, in progress, and blocked with
/// what each waits on. For views outside a conversation (Slack's App Home).
///
/// # Errors
/// When the store fails.
pub async fn my_work(store: &dyn Store, person: &PersonId) -> Result<String, StoreError> {
    let mut tx = store.begin_read().await?;
    let mut sight = sight::Sight::new(Reader::Person(person.clone()));
    mine(tx.as_mut(), &mut sight, person).await
}

/// `mine`'s text for `person`, read in `tx` and shown as `sight`'s reader may see
/// it: a page of each section.
async fn mine(
    tx: &mut dyn StoreTx,
    sight: &mut sight::Sight,
    person: &PersonId,
) -> Result<String, StoreError> {
    let limit = i64::try_from(render::LIST_LIMIT).unwrap_or(i64::MAX);
    let mut work = tx.owned_work(person, limit).await?;
    work.ready.items = sight
        .tasks(tx, std::mem::take(&mut work.ready.items))
        .await?;
    work.in_progress.items = sight
        .tasks(tx, std::mem::take(&mut work.in_progress.items))
        .await?;
    let mut blocked = Vec::with_capacity(work.blocked.items.len());
    for (task, blockers) in std::mem::take(&mut work.blocked.items) {
        blocked.push((
            sight.task(tx, task).await?,
            sight.tasks(tx, blockers).await?,
        ));
    }
    work.blocked.items = blocked;
    Ok(render::mine(person, &work))
}
