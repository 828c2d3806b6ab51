//! Delivering outbox messages to Slack.
//!
//! Every message carries its outbox id in Slack message metadata. A message that
//! was claimed before (its worker may have died after Slack accepted it, before the
//! outbox heard) is first looked for in the channel, so a restart never posts a DM
//! twice. A picture (the graph) is shared as a PNG file whose name carries the
//! outbox id, with the message's first part as its comment: a failed upload
//! falls back to the text alone.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use async_trait::async_trait;
use regex::Regex;
use slack_morphism::prelude::*;

use super::api::{ApiError, FileShare, SlackApi};
use super::{METADATA_EVENT, METADATA_OUTBOX_ID, METADATA_PART, format};
use crate::domain::{PersonId, TaskKey};
use crate::error_chain::error_chain;
use crate::outbox::{Delivered, DeliveryError, Outlet};
use crate::store::{Destination, OutboxKind, OutboxMessage, Picture, Store};

/// `chat.postEphemeral` errors after which the answer is posted for everyone.
const PUBLIC_FALLBACK: [&str; 4] = [
    "user_not_in_channel",
    "unknown_method",
    "not_allowed_token_type",
    "method_deprecated",
];

/// At most this many tasks in a DM get a link to their card.
const LINKED_TASKS: usize = 5;

static TASK_KEY: LazyLock<Regex> = LazyLock::new(|| crate::chat::pattern(r"\bT-\d+\b"));

/// Slack's sending side of the outbox.
pub struct SlackOutlet {
    api: SlackApi,
    store: Arc<dyn Store>,
    /// Card permalinks already asked for: they never change.
    permalinks: Mutex<HashMap<TaskKey, String>>,
}

impl SlackOutlet {
    pub fn new(api: SlackApi, store: Arc<dyn Store>) -> Self {
        Self {
            api,
            store,
            permalinks: Mutex::new(HashMap::new()),
        }
    }

    /// The channel and thread a message goes to.
    async fn target(
        &self,
        destination: &Destination,
    ) -> Result<(String, Option<String>), DeliveryError> {
        match destination {
            Destination::Dm(person) => Ok((self.dm_channel(person).await?, None)),
            Destination::Room { room, thread_task } => {
                let channel = super::channel_of(room).ok_or_else(|| DeliveryError::Permanent {
                    reason: format!("{room} is not a Slack channel"),
                })?;
                let thread = match thread_task {
                    Some(task) => match self
                        .store
                        .card_of(*task)
                        .await
                        .map_err(|e| DeliveryError::store(&e))?
                    {
                        Some((home, thread)) if home == *room => thread,
                        _ => None,
                    },
                    None => None,
                };
                Ok((channel.to_owned(), thread))
            }
        }
    }

    /// The DM channel with a person, opened once and remembered.
    async fn dm_channel(&self, person: &PersonId) -> Result<String, DeliveryError> {
        if let Some(channel) = self
            .store
            .dm_room(person)
            .await
            .map_err(|e| DeliveryError::store(&e))?
        {
            return Ok(channel);
        }
        let user = super::user_of(person).ok_or_else(|| DeliveryError::Permanent {
            reason: format!("{person} is not a Slack user"),
        })?;
        let channel = self.api.open_dm(user).await.map_err(|e| e.for_delivery())?;
        self.store
            .set_dm_room(person, &channel)
            .await
            .map_err(|e| DeliveryError::store(&e))?;
        Ok(channel)
    }

    /// The text with the first mention of each task (up to [`LINKED_TASKS`]) linked
    /// to its card. A link that cannot be had is left out, never a reason to fail.
    async fn with_card_links(&self, text: String) -> String {
        let mut keys: Vec<TaskKey> = Vec::new();
        for found in TASK_KEY.find_iter(&text) {
            if let Ok(key) = found.as_str().parse::<TaskKey>()
                && !keys.contains(&key)
            {
                keys.push(key);
            }
            if keys.len() == LINKED_TASKS {
                break;
            }
        }
        let mut text = text;
        for key in keys {
            let Some(link) = self.card_permalink(key).await else {
                continue;
            };
            let plain = key.to_string();
            if let Some(at) = TASK_KEY
                .find_iter(&text)
                .find(|m| m.as_str() == plain)
                .map(|m| m.range())
            {
                text.replace_range(at, &format!("<{link}|{plain}>"));
            }
        }
        text
    }

    async fn card_permalink(&self, key: TaskKey) -> Option<String> {
        if let Some(link) = self.lock_permalinks().get(&key) {
            return Some(link.clone());
        }
        let (room, thread) = self.store.card_of(key).await.ok().flatten()?;
        let channel = super::channel_of(&room)?;
        let link = match self.api.permalink(channel, thread.as_deref()?).await {
            Ok(link) => link,
            Err(error) => {
                tracing::debug!(task = %key, error = %error_chain(&error), "no permalink for a card");
                return None;
            }
        };
        self.lock_permalinks().insert(key, link.clone());
        Some(link)
    }

    fn lock_permalinks(&self) -> std::sync::MutexGuard<'_, HashMap<TaskKey, String>> {
        self.permalinks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Outlet for SlackOutlet {
    #[tracing::instrument(skip_all, fields(platform = "slack", outbox_id = message.id))]
    async fn deliver(&self, message: &OutboxMessage) -> Result<Delivered, DeliveryError> {
        let (channel, thread) = self.target(&message.destination).await?;
        if let (Some(person), Destination::Room { .. }) = (&message.only_for, &message.destination)
            && let Some(user) = super::user_of(person)
        {
            let text = format::mrkdwn(&message.body);
            let sections = format::chunk(&text).concat();
            let button = usize::from(message.kind == OutboxKind::Proposal);
            let mut blocks: Vec<_> = format::blocks(&sections, None)
                .into_iter()
                .take(format::BLOCK_LIMIT - button)
                .collect();
            if message.kind == OutboxKind::Proposal {
                blocks.extend(format::confirm_button(&message.body));
            }
            let content = SlackMessageContent::new()
                .with_text(text)
                .with_blocks(blocks);
            match self
                .api
                .post_ephemeral(&channel, user, thread.as_deref(), content)
                .await
            {
                Ok(()) => {
                    return Ok(Delivered {
                        platform_message_id: None,
                    });
                }
                // The asker cannot be shown it privately there: better seen by
                // everyone than lost.
                Err(error) if error.code().is_some_and(|c| PUBLIC_FALLBACK.contains(&c)) => {
                    tracing::warn!(error = %error_chain(&error), "cannot answer privately; answering in the channel");
                }
                // Anything else (a timeout may even have reached the asker) is
                // retried as it is, never turned public.
                Err(error) => return Err(error.for_delivery()),
            }
        }
        let outbox_id = message.id.to_string();
        let mut text = format::mrkdwn(&message.body);
        if matches!(message.destination, Destination::Dm(_)) {
            text = self.with_card_links(text).await;
        }
        let parts = format::chunk(&text);
        let mut posted: Vec<(usize, String)> = Vec::new();
        if message.attempts > 1 {
            // An earlier attempt may have reached Slack before its worker died.
            // Slack's clock may run a little behind Baton's.
            let oldest = message.created_at - chrono::Duration::minutes(5);
            match self
                .api
                .find_sent(&channel, thread.as_deref(), &outbox_id, oldest)
                .await
            {
                Ok(found) => posted = found,
                Err(error) if error.is_auth() => return Err(error.for_delivery()),
                Err(error) => {
                    tracing::warn!(error = %error_chain(&error), "cannot look for an earlier attempt; posting");
                }
            }
            if !posted.is_empty() {
                tracing::info!(
                    id = message.id,
                    parts = posted.len(),
                    "partly or wholly in Slack already; not posting that again"
                );
            }
        }
        if let Some(picture) = &message.picture
            && posted.is_empty()
            && let Some(first) = parts.first()
        {
            let share = FileShare {
                channel: &channel,
                thread_ts: thread.as_deref(),
                file_name: super::picture_file_name(&picture.name, &outbox_id),
                title: &picture.name,
                alt_text: &message.body,
                comment: first.join("\n"),
                bytes: Vec::new(),
                content_type: "image/png",
            };
            match self.share_picture(share, picture).await {
                // The share's message is the first part; no `ts` comes back.
                Ok(()) => posted.push((0, String::new())),
                // The share may have happened: the retry looks for it first.
                Err(Some(error)) if error.is_unanswered_share() => return Err(error.for_delivery()),
                Err(Some(error)) => {
                    tracing::warn!(error = %error_chain(&error), "cannot share the picture; posting the text alone");
                }
                Err(None) => {}
            }
        }
        let last = parts.len() - 1;
        for (part, sections) in parts.iter().enumerate() {
            if posted.iter().any(|(done, _)| *done == part) {
                continue;
            }
            let buttons = if part == last { message.card_for } else { None };
            let mut blocks = format::blocks(sections, buttons);
            if part == last && message.kind == OutboxKind::Proposal {
                blocks.extend(format::confirm_button(&message.body));
            }
            let payload = HashMap::from([
                (METADATA_OUTBOX_ID.to_owned(), outbox_id.clone()),
                (METADATA_PART.to_owned(), part.to_string()),
            ]);
            let content = SlackMessageContent::new()
                .with_text(sections.join("\n"))
                .with_blocks(blocks)
                .with_metadata(
                    SlackMessageMetadata::new(METADATA_EVENT.to_owned())
                        .with_event_payload(payload),
                );
            let ts = self
                .api
                .post(&channel, thread.as_deref(), content)
                .await
                .map_err(|error| error.for_delivery())?;
            posted.push((part, ts));
        }
        // The first part is the message: for a card, the task's thread.
        posted.sort();
        Ok(Delivered {
            platform_message_id: posted
                .into_iter()
                .next()
                .map(|(_, ts)| ts)
                .filter(|ts| !ts.is_empty()),
        })
    }
}

impl SlackOutlet {
    /// Rasterises `picture` and shares it. `Err(None)` when it could not be
    /// drawn (logged here), else the failed call.
    async fn share_picture(
        &self,
        mut share: FileShare<'_>,
        picture: &Picture,
    ) -> Result<(), Option<ApiError>> {
        share.bytes = crate::picture::png_from_svg(&picture.svg)
            .map(|png| png.bytes)
            .map_err(|e| {
            tracing::error!(error = %error_chain(&e), "cannot draw the picture; posting the text alone");
            None
        })?;
        self.api.share_file(share).await.map_err(Some)
    }
}
