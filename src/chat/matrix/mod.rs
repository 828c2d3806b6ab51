//! The Matrix adapter: a matrix-sdk client that logs in as the bot, syncs, hands
//! messages, thread replies and reactions to the engine, and delivers the outbox.
//!
//! Baton's names for Matrix things: a room is `matrix:!abc` (room ids are opaque:
//! version 12 ids have no server part, so they are never parsed), a person
//! `matrix:@alice:example.org`.
//!
//! Event handlers run inside the SDK's sync loop, so they only queue what arrived;
//! one worker applies it in order. The SDK saves its own sync token before its
//! handlers run, so Baton keeps a checkpoint of its own: the token of the last sync
//! whose events were all applied, saved by the worker after them. A restart (or a
//! replica taking over) syncs from that checkpoint, so nothing queued is lost; what
//! is replayed is deduplicated by event id. (A restored client starts without the
//! SDK's token, which would make the SDK drop the replay: see `session`.)
//!
//! An event that cannot be applied (the database is away) is retried until it is,
//! never skipped: the checkpoint stays behind it, and the queue is bounded, so a
//! full queue holds the sync back instead of growing.

mod format;
mod invites;
mod members;
mod outlet;
mod runner;
mod session;
mod undecrypted;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::OwnedUserId;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::reaction::OriginalSyncReactionEvent;
use matrix_sdk::ruma::events::room::encrypted::OriginalSyncRoomEncryptedEvent;
use matrix_sdk::ruma::events::room::member::{
    MembershipState, OriginalSyncRoomMemberEvent, StrippedRoomMemberEvent,
};
use matrix_sdk::ruma::events::room::message::{
    MessageFormat, MessageType, OriginalSyncRoomMessageEvent, Relation,
};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::{Client, LoopCtrl, Room, RoomState};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use outlet::{MatrixOutlet, MatrixOutletSlot};
pub use runner::MatrixRunner;
pub use session::{InviterRules, connect};

use crate::domain::{PersonId, RoomPrivacy, TaskKey};
use crate::engine::{Engine, Inbound, InboundKind};
use crate::error_chain::error_chain;
use crate::store::Store;

/// The Matrix room of a room id.
pub fn room_of(room_id: &str) -> String {
    format!("matrix:{room_id}")
}

/// The room id of a Matrix room; `None` for another platform's room.
pub fn room_id_of(room: &str) -> Option<&str> {
    room.strip_prefix("matrix:")
}

/// The person a Matrix user is.
pub fn person_of(user: &str) -> PersonId {
    PersonId::new("matrix", user)
}

/// The Matrix user a person is; `None` for another platform's person.
pub fn user_of(person: &PersonId) -> Option<&str> {
    (person.platform() == "matrix").then(|| person.handle())
}

/// Where Baton's sync checkpoint is kept.
const CHECKPOINT: &str = "matrix.sync_token";
/// Arrivals waiting for the worker; when it is full, the sync waits.
const QUEUE: usize = 1_000;
/// The first wait after a failure to apply an event; it doubles up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(200);
const MAX_WAIT: Duration = Duration::from_secs(30);
/// An event failing this long is logged at ERROR (once): the sync is stuck behind it.
const STUCK: Duration = Duration::from_secs(120);

/// What a handler saw, queued for the worker.
enum Arrived {
    Message(Box<OriginalSyncRoomMessageEvent>, Room),
    Reaction(Box<OriginalSyncReactionEvent>, Room),
    /// Someone joined or left a room.
    Member(Box<OriginalSyncRoomMemberEvent>, Room),
    /// Every event of the sync that ended with this token is queued before it.
    Checkpoint(String),
}

/// Matrix's inbound side.
pub struct MatrixBot {
    client: Client,
    engine: Engine,
    store: Arc<dyn Store>,
    me: OwnedUserId,
    inviters: InviterRules,
    connected: Arc<AtomicBool>,
    /// Rooms whose members this process has recorded.
    memberships: members::Memberships,
}

impl MatrixBot {
    /// A bot for a logged-in client; `connected` is set once its first sync is done.
    ///
    /// # Errors
    /// When the client is not logged in ([`connect`] returns logged-in clients).
    pub fn new(
        client: Client,
        engine: Engine,
        store: Arc<dyn Store>,
        inviters: InviterRules,
        connected: Arc<AtomicBool>,
    ) -> anyhow::Result<Self> {
        let me = client
            .user_id()
            .ok_or_else(|| anyhow::anyhow!("the Matrix client is not logged in"))?
            .to_owned();
        Ok(Self {
            client,
            engine,
            store,
            me,
            inviters,
            connected,
            memberships: members::Memberships::default(),
        })
    }

    /// Syncs until `shutdown`, from Baton's checkpoint.
    ///
    /// At the bot's very first start there is no checkpoint and the rooms' history
    /// is skipped (a new bot does not answer old messages); afterwards whatever
    /// arrived since the checkpoint is handled, once.
    ///
    /// # Errors
    /// When the store fails at the start, or the homeserver no longer accepts the
    /// session (the caller logs in again).
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) -> anyhow::Result<()> {
        let client = self.client.clone();
        let mut checkpoint = self.store.adapter_state(CHECKPOINT).await?;
        if checkpoint.is_none() {
            let first = client
                .sync_once(SyncSettings::default().timeout(Duration::ZERO))
                .await?;
            self.store
                .set_adapter_state(CHECKPOINT, &first.next_batch, Utc::now())
                .await?;
            tracing::info!("first Matrix sync done; earlier messages are not answered");
            checkpoint = Some(first.next_batch);
        }
        // Bounded: the handlers wait for room, and with them the sync.
        let (sender, receiver) = mpsc::channel::<Arrived>(QUEUE);
        let queue = sender.clone();
        client.add_event_handler(move |event: OriginalSyncRoomMessageEvent, room: Room| {
            let queue = queue.clone();
            async move {
                let _ = queue.send(Arrived::Message(Box::new(event), room)).await;
            }
        });
        // Messages the SDK could not decrypt wait for their keys (see `undecrypted`).
        let keys = undecrypted::room_keys(&client).await;
        let undecrypted = Arc::new(undecrypted::Undecrypted::default());
        let (waiting, me) = (undecrypted.clone(), self.me.clone());
        client.add_event_handler(
            move |raw: Raw<OriginalSyncRoomEncryptedEvent>, room: Room| {
                waiting.keep(raw, room, &me);
                async {}
            },
        );
        // Late decryptions (few: one per waiting message) join the bounded queue.
        let (decrypted, mut late) = mpsc::unbounded_channel::<Arrived>();
        let queue = sender.clone();
        let forwarder = tokio::spawn(async move {
            while let Some(arrived) = late.recv().await {
                if queue.send(arrived).await.is_err() {
                    return;
                }
            }
        });
        let watcher = tokio::spawn(undecrypted.watch(
            client.clone(),
            self.engine.clone(),
            keys,
            decrypted,
            shutdown.clone(),
        ));
        let queue = sender.clone();
        client.add_event_handler(move |event: OriginalSyncReactionEvent, room: Room| {
            let queue = queue.clone();
            async move {
                let _ = queue.send(Arrived::Reaction(Box::new(event), room)).await;
            }
        });
        let queue = sender.clone();
        client.add_event_handler(move |event: OriginalSyncRoomMemberEvent, room: Room| {
            let queue = queue.clone();
            async move {
                let _ = queue.send(Arrived::Member(Box::new(event), room)).await;
            }
        });
        let invites = invites::Invites::new(self.inviters.clone(), shutdown.clone());
        let answering = invites.clone();
        client.add_event_handler(
            move |event: StrippedRoomMemberEvent, room: Room, client: Client| {
                let answering = answering.clone();
                async move {
                    if client.user_id() != Some(&*event.state_key)
                        || event.content.membership != MembershipState::Invite
                    {
                        return;
                    }
                    answering.answer(room, event.sender.to_string());
                }
            },
        );
        // Invites that came while Baton was away.
        for room in client.invited_rooms() {
            let inviter = match room.invite_details().await {
                Ok(details) => details.inviter.map(|m| m.user_id().to_string()),
                Err(_) => None,
            };
            invites.answer(room, inviter.unwrap_or_default());
        }

        let worker = tokio::spawn(self.clone().apply_arrivals(receiver, shutdown.clone()));
        let mut backoff = Duration::from_secs(1);
        let outcome = loop {
            let mut settings = SyncSettings::default().ignore_timeout_on_first_sync(true);
            if let Some(token) = checkpoint.take() {
                settings = settings.token(token);
            }
            let (queue, connected) = (sender.clone(), self.connected.clone());
            let synced = tokio::select! {
                () = shutdown.cancelled() => break Ok(()),
                result = client.sync_with_callback(settings, move |response| {
                    let (queue, connected) = (queue.clone(), connected.clone());
                    async move {
                        if !connected.swap(true, Ordering::Relaxed) {
                            tracing::info!("Matrix connected");
                        }
                        // After this sync's events; waits while the queue is full.
                        let _ = queue.send(Arrived::Checkpoint(response.next_batch)).await;
                        LoopCtrl::Continue
                    }
                }) => result,
            };
            // The sync loop only ends on an error: say so, wait, sync again.
            let Err(error) = synced else { continue };
            self.connected.store(false, Ordering::Relaxed);
            if matches!(
                error.client_api_error_kind(),
                Some(ErrorKind::UnknownToken { .. })
            ) {
                break Err(anyhow::Error::new(error)
                    .context("the homeserver no longer accepts Baton's session"));
            }
            tracing::warn!(error = %error_chain(&error), wait = ?backoff, "Matrix sync failed; retrying");
            tokio::select! {
                () = shutdown.cancelled() => break Ok(()),
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(60));
        };
        // The handlers hold queue senders of their own: the worker ends with
        // `shutdown` (after applying what is queued), not when the queue closes.
        shutdown.cancel();
        invites.finish().await;
        let _ = watcher.await;
        let _ = worker.await;
        forwarder.abort();
        outcome
    }

    /// Applies queued events in arrival order, and saves each checkpoint once the
    /// events before it are applied. An event that fails is retried until it is
    /// applied: nothing after it is, and no later checkpoint is saved. At
    /// `shutdown` it applies what is already queued, then stops; at the first
    /// failure then, it stops without saving later checkpoints, so the next start
    /// replays from before the event.
    async fn apply_arrivals(
        self: Arc<Self>,
        mut arrivals: mpsc::Receiver<Arrived>,
        shutdown: CancellationToken,
    ) {
        loop {
            let arrived = tokio::select! {
                biased;
                arrived = arrivals.recv() => match arrived {
                    Some(arrived) => arrived,
                    None => return,
                },
                () = shutdown.cancelled() => {
                    while let Ok(arrived) = arrivals.try_recv() {
                        if !self.apply(arrived, &shutdown).await {
                            tracing::warn!("stopping with a Matrix event not applied; the next start replays it");
                            return;
                        }
                    }
                    return;
                }
            };
            if !self.apply(arrived, &shutdown).await {
                // Only `shutdown` stops the retries: what is left is replayed at
                // the next start, from the last saved checkpoint.
                tracing::warn!(
                    "stopping with a Matrix event not applied; the next start replays it"
                );
                return;
            }
        }
    }

    /// Applies one arrival, retrying failures until it succeeds; `false` when
    /// `shutdown` came first.
    async fn apply(&self, arrived: Arrived, shutdown: &CancellationToken) -> bool {
        if let Arrived::Checkpoint(token) = &arrived {
            let saved = retried(shutdown, "the Matrix sync checkpoint", || {
                self.store.set_adapter_state(CHECKPOINT, token, Utc::now())
            })
            .await
            .is_some();
            if saved {
                tracing::debug!(%token, "saved the Matrix sync checkpoint");
            }
            return saved;
        }
        if let Arrived::Member(event, room) = &arrived {
            return retried(shutdown, "a Matrix membership change", || {
                members::apply_change(&self.engine, event, room)
            })
            .await
            .is_some();
        }
        match retried(shutdown, "a Matrix event", || self.inbound(&arrived)).await {
            None => false,
            Some(None) => true,
            Some(Some(inbound)) => {
                retried(shutdown, "a Matrix event", || self.engine.handle(&inbound))
                    .await
                    .is_some()
            }
        }
    }

    /// What an event means for the engine; `None` when it is not for Baton.
    async fn inbound(
        &self,
        arrived: &Arrived,
    ) -> Result<Option<Inbound>, crate::engine::EngineError> {
        match arrived {
            Arrived::Checkpoint(_) | Arrived::Member(..) => Ok(None),
            Arrived::Message(event, room) => self.message(event, room).await,
            Arrived::Reaction(event, room) => {
                if event.sender == self.me {
                    return Ok(None);
                }
                let room_name = room_of(room.room_id().as_str());
                let target = event.content.relates_to.event_id.to_string();
                let Some(task) = self.engine.task_of_card(&room_name, &target).await? else {
                    return Ok(None);
                };
                Ok(Some(Inbound {
                    event_id: format!("matrix:{}", event.event_id),
                    platform: "matrix".to_owned(),
                    room: room_name,
                    room_name: display_name(room).await,
                    room_privacy: self.privacy_of(room).await,
                    author: person_of(event.sender.as_str()),
                    kind: InboundKind::Reaction {
                        emoji: crate::chat::normalize::plain(&event.content.relates_to.key),
                        task,
                    },
                    message_id: Some(event.event_id.to_string()),
                    permalink: Some(format::event_link(
                        room.room_id().as_str(),
                        event.event_id.as_str(),
                    )),
                    at: Utc::now(),
                }))
            }
        }
    }

    async fn message(
        &self,
        event: &OriginalSyncRoomMessageEvent,
        room: &Room,
    ) -> Result<Option<Inbound>, crate::engine::EngineError> {
        if event.sender == self.me || room.state() != RoomState::Joined {
            return Ok(None);
        }
        let room_id = room.room_id().as_str().to_owned();
        let room_name = room_of(&room_id);
        let mut event_id = format!("matrix:{}", event.event_id);
        let mut content = event.content.msgtype.clone();
        let mut thread_task: Option<TaskKey> = None;
        match &event.content.relates_to {
            Some(Relation::Thread(thread)) => {
                thread_task = self
                    .store
                    .task_with_card(&room_name, thread.event_id.as_str())
                    .await?;
            }
            Some(Relation::Replacement(edit)) => {
                // An edit of a command that was handled must not run it again.
                let original = format!("matrix:{}", edit.event_id);
                if self.engine.was_handled(&original).await? {
                    self.note_edit_ignored(room, event).await;
                    return Ok(None);
                }
                // An edit that makes a message a command counts as the original:
                // editing it again is then a duplicate.
                event_id = original;
                content = edit.new_content.msgtype.clone();
            }
            _ => {}
        }
        let (body, html) = match &content {
            MessageType::Text(text) => (text.body.clone(), text.formatted.clone()),
            MessageType::Notice(_) => return Ok(None), // bots talk in notices
            MessageType::Emote(emote) => (emote.body.clone(), emote.formatted.clone()),
            _ => return Ok(None),
        };
        let html = html
            .filter(|f| f.format == MessageFormat::Html)
            .map(|f| f.body);
        let mut text = crate::chat::normalize::matrix(&body, html.as_deref(), self.me.as_str());
        // An intentional mention without a pill in the text still addresses Baton.
        let mentioned = event
            .content
            .mentions
            .as_ref()
            .is_some_and(|m| m.user_ids.contains(&self.me));
        if mentioned && !text.to_lowercase().contains("@baton") && !text.starts_with('!') {
            text = format!("@baton {text}");
        }
        // A DM: marked direct, or just the person and the bot. (A room the bot has
        // just joined may not know its member count yet: 0 is not 2.)
        let dm = room.is_direct().await.unwrap_or(false) || room.joined_members_count() == 2;
        Ok(Some(Inbound {
            event_id,
            platform: "matrix".to_owned(),
            room: room_name,
            room_name: display_name(room).await,
            room_privacy: if dm {
                RoomPrivacy::Private
            } else {
                self.privacy_of(room).await
            },
            author: person_of(event.sender.as_str()),
            kind: InboundKind::Message {
                text,
                thread_task,
                dm,
            },
            message_id: Some(event.event_id.to_string()),
            permalink: Some(format::event_link(&room_id, event.event_id.as_str())),
            at: Utc::now(),
        }))
    }

    /// The room's privacy, recording its members the first time this process meets it.
    async fn privacy_of(&self, room: &Room) -> RoomPrivacy {
        let name = display_name(room).await;
        self.memberships.record(&self.engine, room, &name).await
    }

    /// Answers an edit of an applied command, in the command's room: once.
    async fn note_edit_ignored(&self, room: &Room, event: &OriginalSyncRoomMessageEvent) {
        let note = "That command was already handled; editing it does not run it again. Send a new command to change something.";
        // Keyed by the edit: a replayed edit is answered once.
        let queued = self
            .engine
            .notice_in_room(
                "matrix",
                &room_of(room.room_id().as_str()),
                note.to_owned(),
                format!("matrix:edit:{}", event.event_id),
            )
            .await;
        if let Err(error) = queued {
            tracing::warn!(error = %error_chain(&error), "cannot answer an edited command");
        }
    }
}

/// Runs `step` until it succeeds, waiting longer after each failure (up to
/// [`MAX_WAIT`]); `None` when `shutdown` came first. Each failure is logged at
/// WARN with its causes; one that lasts [`STUCK`], once at ERROR.
async fn retried<T, E, Step, Attempt>(
    shutdown: &CancellationToken,
    what: &str,
    mut step: Step,
) -> Option<T>
where
    E: std::error::Error,
    Step: FnMut() -> Attempt,
    Attempt: std::future::Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let mut wait = FIRST_WAIT;
    let mut stuck_logged = false;
    let mut attempt = 0u64;
    loop {
        attempt += 1;
        let error = match step().await {
            Ok(value) => {
                if attempt > 1 {
                    tracing::info!(attempt, after = ?started.elapsed(), "applied {what} after retrying");
                }
                return Some(value);
            }
            Err(error) => error,
        };
        let failing = started.elapsed();
        if failing >= STUCK && !stuck_logged {
            stuck_logged = true;
            tracing::error!(error = %error_chain(&error), attempt, failing = ?failing, "{what} still cannot be applied; the Matrix sync waits for it");
        } else {
            tracing::warn!(error = %error_chain(&error), attempt, wait = ?wait, "cannot apply {what}; retrying");
        }
        tokio::select! {
            () = shutdown.cancelled() => return None,
            () = tokio::time::sleep(wait) => {}
        }
        wait = (wait * 2).min(MAX_WAIT);
    }
}

/// The room's name as people see it.
async fn display_name(room: &Room) -> String {
    match room.display_name().await {
        Ok(name) => name.to_string(),
        Err(_) => room.room_id().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_and_people_round_trip_without_parsing_ids() {
        let room = room_of("!0TQ9GQ1IC5OBCfGje05hMYnphXC0fvKwv_U7JG3Qz1s");
        assert_eq!(
            room_id_of(&room),
            Some("!0TQ9GQ1IC5OBCfGje05hMYnphXC0fvKwv_U7JG3Qz1s")
        );
        let bob = person_of("@bob:example.org");
        assert_eq!(bob.as_str(), "matrix:@bob:example.org");
        assert_eq!(user_of(&bob), Some("@bob:example.org"));
        assert_eq!(user_of(&PersonId::new("slack", "@U1")), None);
    }
}
