//! Messages Baton cannot decrypt yet: kept, tried again when room keys arrive, and
//! explained to their sender when they still cannot be read after a minute.
//!
//! A room key often reaches the bot's device a little after the message it
//! unlocks (to-device messages and room messages travel separately), so a message
//! that cannot be decrypted on arrival is not lost: it waits here, and each room
//! key the SDK reports retries the messages of its session. A message decrypted
//! in time joins the worker's queue like any other, so it is applied in order and
//! deduplicated by event id. One that is still unreadable at the deadline is
//! logged at WARN and answered in its room, so its sender is not left waiting for
//! a reply that never comes.
//!
//! What waits here lives in memory: a restart forgets it (the sync checkpoint is
//! already past it). The explanation is sent with a transaction id derived from
//! the event id, so the same message is explained once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use matrix_sdk::deserialized_responses::{TimelineEventKind, UnableToDecryptReason};
use matrix_sdk::ruma::events::room::encrypted::{
    EncryptedEventScheme, OriginalSyncRoomEncryptedEvent,
};
use matrix_sdk::ruma::events::{
    AnySyncMessageLikeEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId};
use matrix_sdk::stream::{BoxStream, StreamExt};
use matrix_sdk::{Client, Room, RoomState};
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Arrived;
use crate::engine::Engine;
use crate::error_chain::error_chain;

/// How long a message may wait for its key before its sender is told.
pub(super) const DEADLINE: Duration = Duration::from_secs(60);
/// Messages kept waiting at most; beyond, the oldest is given up on (logged): a
/// flood of unreadable messages must not grow memory without bound.
const CAPACITY: usize = 1_000;
/// How often deadlines are checked (and everything is retried once more).
const TICK: Duration = Duration::from_secs(5);
/// One explanation per sender per room in this long: a person whose device does
/// not share keys with Baton gets one notice, not one per message.
const QUIET: Duration = Duration::from_secs(600);

/// Room keys the SDK reports: each key's room and session, or `None` when the
/// report lagged and some keys were missed (then everything is retried).
pub(super) type RoomKeys = BoxStream<'static, Option<Vec<(OwnedRoomId, String)>>>;

/// Subscribes to the room keys the bot's device receives; before syncing, so no
/// key is missed. `None` when the client has no encryption.
pub(super) async fn room_keys(client: &Client) -> Option<RoomKeys> {
    let stream = client.encryption().room_keys_received_stream().await?;
    Some(
        stream
            .map(|keys| {
                keys.ok().map(|keys| {
                    keys.into_iter()
                        .map(|key| (key.room_id, key.session_id))
                        .collect()
                })
            })
            .boxed(),
    )
}

/// A message waiting for its key.
struct Waiting {
    event_id: OwnedEventId,
    raw: Raw<OriginalSyncRoomEncryptedEvent>,
    room: Room,
    sender: OwnedUserId,
    session_id: Option<String>,
    arrived: Instant,
    /// Why it could not be decrypted, last time it was tried.
    reason: String,
}

#[derive(Default)]
struct State {
    /// In arrival order.
    waiting: Vec<Waiting>,
    /// When each (room, sender) was last told.
    told: HashMap<(OwnedRoomId, OwnedUserId), Instant>,
}

/// The messages waiting for their keys.
#[derive(Default)]
pub(super) struct Undecrypted {
    state: Mutex<State>,
    /// Wakes the watcher for a message that just arrived.
    arrived: Notify,
}

impl Undecrypted {
    /// Keeps a message the SDK could not decrypt (called from the event handler).
    pub(super) fn keep(
        &self,
        raw: Raw<OriginalSyncRoomEncryptedEvent>,
        room: Room,
        me: &OwnedUserId,
    ) {
        let event = match raw.deserialize() {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(room = %room.room_id(), %error, "an encrypted event is malformed; skipped");
                return;
            }
        };
        // Baton's own messages need no answer; neither do rooms it is not in.
        if &event.sender == me || room.state() != RoomState::Joined {
            return;
        }
        let session_id = match &event.content.scheme {
            EncryptedEventScheme::MegolmV1AesSha2(content) => Some(content.session_id.clone()),
            _ => None,
        };
        {
            let mut state = self.lock();
            // A replayed sync brings the same event again.
            if state.waiting.iter().any(|w| w.event_id == event.event_id) {
                return;
            }
            if state.waiting.len() >= CAPACITY {
                let oldest = state.waiting.remove(0);
                tracing::warn!(room = %oldest.room.room_id(), event_id = %oldest.event_id, "too many messages waiting for their keys; gave up on the oldest");
            }
            state.waiting.push(Waiting {
                event_id: event.event_id,
                raw,
                room,
                sender: event.sender,
                session_id,
                arrived: Instant::now(),
                reason: "not tried yet".to_owned(),
            });
        }
        // The key may have come in the same sync, before the message.
        self.arrived.notify_one();
    }

    /// Retries the waiting messages when keys arrive, and answers those past the
    /// deadline, until `shutdown`. Decrypted messages go onto `queue`.
    pub(super) async fn watch(
        self: Arc<Self>,
        client: Client,
        engine: Engine,
        keys: Option<RoomKeys>,
        queue: mpsc::UnboundedSender<Arrived>,
        shutdown: CancellationToken,
    ) {
        let mut keys = keys;
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // Which waiting messages to try: those of the sessions whose keys came,
            // or all of them.
            let sessions: Option<Vec<(OwnedRoomId, String)>> = tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.arrived.notified() => None,
                _ = tick.tick() => None,
                report = next_keys(&mut keys) => match report {
                    Some(report) => report,
                    None => { keys = None; continue; } // the stream ended
                },
            };
            self.retry(sessions.as_deref(), &queue).await;
            self.answer_overdue(&client, &engine).await;
        }
    }

    /// Tries to decrypt the waiting messages (only those of `sessions` when given);
    /// queues the ones that now decrypt.
    async fn retry(
        &self,
        sessions: Option<&[(OwnedRoomId, String)]>,
        queue: &mpsc::UnboundedSender<Arrived>,
    ) {
        let candidates: Vec<(OwnedEventId, Raw<OriginalSyncRoomEncryptedEvent>, Room)> = {
            let state = self.lock();
            state
                .waiting
                .iter()
                .filter(|w| {
                    sessions.is_none_or(|sessions| {
                        sessions.iter().any(|(room, session)| {
                            room == w.room.room_id() && Some(session) == w.session_id.as_ref()
                        })
                    })
                })
                .map(|w| (w.event_id.clone(), w.raw.clone(), w.room.clone()))
                .collect()
        };
        for (event_id, raw, room) in candidates {
            let outcome = match room.decrypt_event(&raw, None).await {
                Ok(event) => match event.kind {
                    TimelineEventKind::UnableToDecrypt { utd_info, .. } => {
                        Err(describe(&utd_info.reason))
                    }
                    kind => Ok(kind.raw().deserialize()),
                },
                Err(error) => Err(format!("decryption failed: {}", error_chain(&error))),
            };
            let mut state = self.lock();
            let Some(at) = state.waiting.iter().position(|w| w.event_id == event_id) else {
                continue;
            };
            match outcome {
                Err(reason) => state.waiting[at].reason = reason,
                Ok(decrypted) => {
                    state.waiting.remove(at);
                    drop(state);
                    tracing::info!(room = %room.room_id(), %event_id, "decrypted a message once its key arrived");
                    if let Some(arrived) = arrival(decrypted, room) {
                        let _ = queue.send(arrived);
                    }
                }
            }
        }
    }

    /// Gives up on the messages past the deadline: logs each, and tells its
    /// sender (once per [`QUIET`] per room).
    async fn answer_overdue(&self, client: &Client, engine: &Engine) {
        let now = Instant::now();
        let overdue: Vec<(Waiting, bool)> = {
            let mut state = self.lock();
            state.told.retain(|_, at| now.duration_since(*at) < QUIET);
            let (overdue, waiting): (Vec<Waiting>, Vec<Waiting>) =
                std::mem::take(&mut state.waiting)
                    .into_iter()
                    .partition(|w| now.duration_since(w.arrived) >= DEADLINE);
            state.waiting = waiting;
            overdue
                .into_iter()
                .map(|w| {
                    let key = (w.room.room_id().to_owned(), w.sender.clone());
                    let tell = !state.told.contains_key(&key);
                    if tell {
                        state.told.insert(key, now);
                    }
                    (w, tell)
                })
                .collect()
        };
        let device = client
            .device_id()
            .map_or_else(|| "its device".to_owned(), |d| format!("its device {d}"));
        for (waiting, tell) in overdue {
            tracing::warn!(room = %waiting.room.room_id(), event_id = %waiting.event_id, sender = %waiting.sender, reason = %waiting.reason, "cannot decrypt a message");
            if !tell {
                continue;
            }
            let text = format!(
                "{}: Baton could not decrypt your message ({}), so it did nothing with it. To fix it, verify Baton ({device}) from your client, or let your client share keys with unverified devices, then send the message again.",
                waiting.sender, waiting.reason
            );
            // Through the outbox, keyed by the event: explained once.
            let queued = engine
                .notice_in_room(
                    "matrix",
                    &super::room_of(waiting.room.room_id().as_str()),
                    text,
                    format!("matrix:undecrypted:{}", waiting.event_id),
                )
                .await;
            if let Err(error) = queued {
                tracing::warn!(room = %waiting.room.room_id(), error = %error_chain(&error), "cannot explain an undecryptable message");
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The next report of room keys; never, when there is no stream. `None` when the
/// stream ended.
async fn next_keys(keys: &mut Option<RoomKeys>) -> Option<Option<Vec<(OwnedRoomId, String)>>> {
    match keys {
        Some(keys) => keys.next().await,
        None => std::future::pending().await,
    }
}

/// A decrypted event as the worker's arrival; `None` for what Baton ignores.
fn arrival(
    decrypted: Result<AnySyncTimelineEvent, serde_json::Error>,
    room: Room,
) -> Option<Arrived> {
    match decrypted {
        Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
            SyncMessageLikeEvent::Original(message),
        ))) => Some(Arrived::Message(Box::new(message), room)),
        Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::Reaction(
            SyncMessageLikeEvent::Original(reaction),
        ))) => Some(Arrived::Reaction(Box::new(reaction), room)),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(room = %room.room_id(), %error, "a decrypted event is malformed; skipped");
            None
        }
    }
}

/// Why a message cannot be decrypted, for its sender.
fn describe(reason: &UnableToDecryptReason) -> String {
    match reason {
        UnableToDecryptReason::MissingMegolmSession {
            withheld_code: Some(code),
        } => format!("your device did not send Baton the key: {code}"),
        UnableToDecryptReason::MissingMegolmSession {
            withheld_code: None,
        } => "its key never reached Baton's device".to_owned(),
        UnableToDecryptReason::UnknownMegolmMessageIndex => {
            "Baton's device only has a later part of its key".to_owned()
        }
        UnableToDecryptReason::SenderIdentityNotTrusted(_) => {
            "your identity is not trusted by Baton's settings".to_owned()
        }
        UnableToDecryptReason::MismatchedIdentityKeys => {
            "the keys it was sent with do not match your device".to_owned()
        }
        _ => "it is malformed or was encrypted with a broken key".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_explained_in_plain_words() {
        assert!(
            describe(&UnableToDecryptReason::MissingMegolmSession {
                withheld_code: None
            })
            .contains("never reached")
        );
        assert!(describe(&UnableToDecryptReason::Unknown).contains("malformed"));
    }
}
