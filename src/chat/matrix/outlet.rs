//! Delivering outbox messages to Matrix.
//!
//! Every send uses `baton-<outbox id>` as its transaction id: the homeserver answers
//! a repeated transaction id (same device) with the event it already made, so a
//! retry after a crash never posts twice. Handoff DMs go to one direct room per
//! person, created once (encrypted, marked in `m.direct`) and remembered.
//!
//! A picture (the graph) goes as an `m.image` with the text as its caption,
//! uploaded to the media repository (encrypted in an encrypted room: the SDK
//! does that). It takes the transaction id of the message's first part, so when
//! the upload fails and the text goes alone, the server still keeps only one.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use matrix_sdk::attachment::{AttachmentConfig, AttachmentInfo, BaseImageInfo};
use matrix_sdk::config::RequestConfig;
use matrix_sdk::room::reply::{EnforceThread, Reply};
use matrix_sdk::ruma::UInt;
use matrix_sdk::ruma::api::error::{ErrorKind, RetryAfter};
use matrix_sdk::ruma::events::Mentions;
use matrix_sdk::ruma::events::relation::Thread;
use matrix_sdk::ruma::events::room::message::{
    AddMentions, ReplyWithinThread, TextMessageEventContent,
};
use matrix_sdk::ruma::events::room::message::{Relation, RoomMessageEventContent};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedTransactionId, OwnedUserId};
use matrix_sdk::{Client, Room};

use super::format;
use crate::domain::PersonId;
use crate::error_chain::error_chain;
use crate::outbox::{Delivered, DeliveryError, Outlet};
use crate::store::{Destination, OutboxMessage, Picture, Store};

/// Matrix's sending side of the outbox.
pub struct MatrixOutlet {
    client: Client,
    store: Arc<dyn Store>,
}

impl MatrixOutlet {
    pub fn new(client: Client, store: Arc<dyn Store>) -> Self {
        Self { client, store }
    }

    /// The room a message goes to, and the card it replies under.
    async fn target(
        &self,
        destination: &Destination,
    ) -> Result<(Room, Option<OwnedEventId>), DeliveryError> {
        match destination {
            Destination::Dm(person) => Ok((self.dm_room(person).await?, None)),
            Destination::Room { room, thread_task } => {
                let room_id = super::room_id_of(room).ok_or_else(|| DeliveryError::Permanent {
                    reason: format!("{room} is not a Matrix room"),
                })?;
                let room = self.joined(room_id).await?;
                let mut root = None;
                if let Some(task) = thread_task
                    && let Some((home, Some(card))) = self
                        .store
                        .card_of(*task)
                        .await
                        .map_err(|e| DeliveryError::store(&e))?
                    && super::room_id_of(&home) == Some(room.room_id().as_str())
                {
                    root = OwnedEventId::try_from(card).ok();
                }
                Ok((room, root))
            }
        }
    }

    /// A joined room by id; joins it again if the SDK's store forgot it.
    async fn joined(&self, room_id: &str) -> Result<Room, DeliveryError> {
        let id = OwnedRoomId::try_from(room_id).map_err(|_| DeliveryError::Permanent {
            reason: format!("`{room_id}` is not a room id"),
        })?;
        if let Some(room) = self.client.get_room(&id)
            && room.state() == matrix_sdk::RoomState::Joined
        {
            return Ok(room);
        }
        self.client
            .join_room_by_id(&id)
            .await
            .map_err(|e| classify(&e, "join the room"))
    }

    /// The person's DM room: the one remembered, else a new encrypted one.
    async fn dm_room(&self, person: &PersonId) -> Result<Room, DeliveryError> {
        if let Some(room_id) = self
            .store
            .dm_room(person)
            .await
            .map_err(|e| DeliveryError::store(&e))?
        {
            return self.joined(&room_id).await;
        }
        let user = super::user_of(person)
            .and_then(|u| OwnedUserId::try_from(u).ok())
            .ok_or_else(|| DeliveryError::Permanent {
                reason: format!("{person} is not a Matrix user"),
            })?;
        let room = match self.client.get_dm_room(&user) {
            Some(room) => room,
            None => self
                .client
                .create_dm(&user)
                .await
                .map_err(|e| classify(&e, "create the DM room"))?,
        };
        self.store
            .set_dm_room(person, room.room_id().as_str())
            .await
            .map_err(|e| DeliveryError::store(&e))?;
        tracing::info!(%user, room = %room.room_id(), "opened a DM room");
        Ok(room)
    }
}

/// The most bytes of text one Matrix event carries.
const PART_BYTES: usize = 12_000;

#[async_trait]
impl Outlet for MatrixOutlet {
    #[tracing::instrument(skip_all, fields(platform = "matrix", outbox_id = message.id))]
    async fn deliver(&self, message: &OutboxMessage) -> Result<Delivered, DeliveryError> {
        let (room, thread_root) = self.target(&message.destination).await?;
        // The one chunking rule: parts small enough for the server's 64 KiB limit
        // on an event (the body, its HTML and the JSON around them).
        let body = crate::chat::normalize::without_bidi_controls(&message.body).into_owned();
        let parts = crate::chat::chunk::split(&body, PART_BYTES);
        let mut first = None;
        if let (Some(picture), Some(text)) = (&message.picture, parts.first()) {
            let txn = OwnedTransactionId::from(format!("baton-{}", message.id));
            match send_picture(&room, thread_root.as_ref(), picture, text, txn).await {
                Ok(event_id) => first = Some(event_id),
                Err(reason) => {
                    tracing::warn!(reason = %reason, "cannot send the picture; sending the text alone");
                }
            }
        }
        for (part, text) in parts.iter().enumerate() {
            if part == 0 && first.is_some() {
                continue;
            }
            let mut content =
                RoomMessageEventContent::notice_html(text.clone(), format::html(text));
            let mentioned: Vec<OwnedUserId> = format::mentioned_users(text)
                .into_iter()
                .filter_map(|u| OwnedUserId::try_from(u).ok())
                .filter(|u| Some(&**u) != self.client.user_id())
                .collect();
            content.mentions = Some(Mentions::with_user_ids(mentioned));
            if let Some(root) = &thread_root {
                content.relates_to =
                    Some(Relation::Thread(Thread::plain(root.clone(), root.clone())));
            }
            // Each part its own transaction id: a retry after a crash sends again
            // only what the server has not seen (it deduplicates transaction ids).
            let txn = match part {
                0 => OwnedTransactionId::from(format!("baton-{}", message.id)),
                n => OwnedTransactionId::from(format!("baton-{}-{n}", message.id)),
            };
            let sent = room
                .send(content)
                .with_transaction_id(txn)
                // One attempt: the outbox retries, honouring the server's hint.
                .with_request_config(RequestConfig::new().disable_retry())
                .await
                .map_err(|e| classify(&e, "send"))?;
            first.get_or_insert(sent.response.event_id.to_string());
        }
        // The first part is the message: for a card, the task's thread.
        Ok(Delivered {
            platform_message_id: first,
        })
    }
}

/// Sends `picture` as an `m.image` captioned with `text`, in the thread of
/// `thread_root` if there is one; its event id, or why not.
async fn send_picture(
    room: &Room,
    thread_root: Option<&OwnedEventId>,
    picture: &Picture,
    text: &str,
    txn: OwnedTransactionId,
) -> Result<String, String> {
    let png = crate::picture::png_from_svg(&picture.svg).map_err(|e| error_chain(&e))?;
    let info = BaseImageInfo {
        width: Some(UInt::from(png.width)),
        height: Some(UInt::from(png.height)),
        size: UInt::new(png.bytes.len() as u64),
        ..BaseImageInfo::default()
    };
    let mut config = AttachmentConfig::new()
        .txn_id(txn)
        .info(AttachmentInfo::Image(info))
        .caption(Some(TextMessageEventContent::html(
            text.to_owned(),
            format::html(text),
        )));
    if let Some(root) = thread_root {
        config = config.reply(Some(Reply {
            event_id: root.clone(),
            enforce_thread: EnforceThread::Threaded(ReplyWithinThread::No),
            add_mentions: AddMentions::No,
        }));
    }
    let sent = room
        .send_attachment(
            format!("{}.png", picture.name),
            &mime::IMAGE_PNG,
            png.bytes,
            config,
        )
        .await
        .map_err(|e| error_chain(&e))?;
    Ok(sent.event_id.to_string())
}

/// The Matrix outlet of this process, while it is connected. Under a lease only
/// the leader holds one; the others leave Matrix messages in the outbox for it.
#[derive(Default)]
pub struct MatrixOutletSlot {
    outlet: std::sync::RwLock<Option<Arc<MatrixOutlet>>>,
}

impl MatrixOutletSlot {
    pub fn set(&self, outlet: Option<MatrixOutlet>) {
        *self
            .outlet
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = outlet.map(Arc::new);
    }

    fn get(&self) -> Option<Arc<MatrixOutlet>> {
        self.outlet
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl Outlet for MatrixOutletSlot {
    async fn deliver(&self, message: &OutboxMessage) -> Result<Delivered, DeliveryError> {
        match self.get() {
            Some(outlet) => outlet.deliver(message).await,
            None => Err(DeliveryError::Transient {
                reason: "Matrix is not connected in this process".to_owned(),
                retry_after: Some(Duration::from_secs(5)),
            }),
        }
    }

    fn is_active(&self) -> bool {
        self.get().is_some()
    }
}

/// Whether a failure is worth retrying, with the server's rate-limit hint.
fn classify(error: &matrix_sdk::Error, what: &str) -> DeliveryError {
    let reason = format!("cannot {what}: {}", error_chain(error));
    match error.client_api_error_kind() {
        Some(ErrorKind::LimitExceeded(limit)) => DeliveryError::Transient {
            reason,
            retry_after: match limit.retry_after.as_ref() {
                Some(RetryAfter::Delay(delay)) => Some(*delay),
                Some(RetryAfter::DateTime(at)) => {
                    at.duration_since(std::time::SystemTime::now()).ok()
                }
                None => Some(Duration::from_secs(2)),
            },
        },
        // An expired session is renewed by logging in again: worth retrying.
        Some(ErrorKind::Forbidden | ErrorKind::NotFound) => DeliveryError::Permanent { reason },
        _ => DeliveryError::Transient {
            reason,
            retry_after: None,
        },
    }
}
