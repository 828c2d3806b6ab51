//! The Slack adapter: Socket Mode or the HTTP Events API in, the Web API out.
//!
//! Events become [`Inbound`]s for the engine; the engine's replies and DMs reach
//! Slack through the outbox and [`SlackOutlet`]. Baton's names for Slack things:
//! a channel is the room `slack:C123`, a person `slack:@U123` (written `@U123` in
//! Baton's text, which the outlet turns back into a real mention).
//!
//! Every event is acknowledged only after the engine committed it, so a crash
//! makes Slack deliver it again; the engine's dedup makes that harmless. Messages
//! are deduplicated by channel and `ts`, not by event id, because one message can
//! arrive twice as different events (`message` and `app_mention`).

mod api;
mod format;
mod home;
mod http;
mod outlet;
mod people;
mod rooms;
mod socket;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use chrono::Utc;
use regex::Regex;
use slack_morphism::prelude::*;

pub use api::{ApiError, SlackApi};
pub use http::routes as http_routes;
pub use outlet::SlackOutlet;
pub use socket::run as run_socket_mode;

use crate::domain::{PersonId, TaskKey};
use crate::engine::{Engine, EngineError, Inbound, InboundKind, Outcome};
use crate::error_chain::error_chain;
use rooms::SlackRooms;

/// The metadata event type on every message Baton posts.
const METADATA_EVENT: &str = "baton_outbox";
/// The metadata field with the outbox id.
const METADATA_OUTBOX_ID: &str = "outbox_id";
/// The metadata field with the part number of a message sent in several parts.
const METADATA_PART: &str = "part";

/// The name a picture of outbox message `outbox_id` is shared under,
/// `graph-T-7-baton42.png`: a shared file has no metadata, so its name is what
/// finds it again before a retry.
fn picture_file_name(name: &str, outbox_id: &str) -> String {
    format!("{name}-baton{outbox_id}.png")
}

/// Whether a shared file's name is that of outbox message `outbox_id`'s picture.
fn is_picture_of(file_name: &str, outbox_id: &str) -> bool {
    file_name.ends_with(&format!("-baton{outbox_id}.png"))
}

/// `<@U123|alice>`: Slack's escaped mention with a label; Baton keeps the id.
static LABELLED_MENTION: LazyLock<Regex> =
    LazyLock::new(|| crate::chat::pattern(r"<@([UW][A-Z0-9]+)\|[^>]*>"));
/// `<@U123>` anywhere in a message: people whose profiles are worth reading.
static MENTION: LazyLock<Regex> = LazyLock::new(|| crate::chat::pattern(r"<@([UW][A-Z0-9]+)>"));

/// Builds the Web API client, with its base URL (a fake's, in tests).
///
/// HTTPS only, unless the URL itself is plain `http://` (a local fake or proxy that
/// the operator chose); Slack's own API is always HTTPS.
///
/// # Errors
/// When the TLS roots cannot be loaded.
pub fn client(api_url: &str) -> std::io::Result<Arc<SlackHyperClient>> {
    let roots = hyper_rustls::HttpsConnectorBuilder::new().with_native_roots()?;
    let https = if api_url.starts_with("http://") {
        roots.https_or_http().enable_http1().enable_http2().build()
    } else {
        roots.https_only().enable_http1().enable_http2().build()
    };
    let connector = SlackClientHyperConnector::with_connector(https)
        .with_slack_api_url(api_url.trim_end_matches('/'));
    Ok(Arc::new(SlackClient::new(connector)))
}

/// The Slack room of a channel.
pub fn room_of(channel: &str) -> String {
    format!("slack:{channel}")
}

/// The channel of a Slack room; `None` for another platform's room.
pub fn channel_of(room: &str) -> Option<&str> {
    room.strip_prefix("slack:")
}

/// The person a Slack user is.
pub fn person_of(user: &str) -> PersonId {
    PersonId::new("slack", &format!("@{user}"))
}

/// The Slack user a person is; `None` for another platform's person.
pub fn user_of(person: &PersonId) -> Option<&str> {
    (person.platform() == "slack").then(|| person.handle().trim_start_matches('@'))
}

/// Who the bot is in its workspace, from `auth.test`.
#[derive(Debug, Clone)]
pub struct BotIdentity {
    pub user_id: String,
    pub bot_id: Option<String>,
    pub team_id: String,
    pub team: String,
}

/// Connects to Slack: `auth.test` says who the bot is.
///
/// # Errors
/// When Slack refuses the token or cannot be reached.
pub async fn identify(api: &SlackApi) -> Result<BotIdentity, ApiError> {
    let me = api.auth_test().await?;
    Ok(BotIdentity {
        user_id: me.user_id,
        bot_id: me.bot_id,
        team_id: me.team_id.unwrap_or_default(),
        team: me.team.unwrap_or_else(|| "(unnamed workspace)".to_owned()),
    })
}

/// A slash command, from Socket Mode or the HTTP endpoint.
#[derive(Debug, Clone)]
pub struct SlashCommand {
    /// Unique per invocation: Slack's `trigger_id`.
    pub id: String,
    pub channel: String,
    /// `privategroup`, `directmessage`, or the channel's name.
    pub channel_name: Option<String>,
    pub user: String,
    /// The command as the workspace named it (`/baton`, `/tasks`): all are Baton's.
    pub command: String,
    pub text: String,
}

impl From<SlackCommandEvent> for SlashCommand {
    fn from(event: SlackCommandEvent) -> Self {
        Self {
            id: event.trigger_id.to_string(),
            channel: event.channel_id.to_string(),
            channel_name: event.channel_name,
            user: event.user_id.to_string(),
            command: event.command.to_string(),
            text: event.text.unwrap_or_default(),
        }
    }
}

/// Why an event was not handled; Slack delivers it again later.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// Baton has not identified itself to Slack yet (`auth.test`): it cannot tell
    /// its own messages from people's.
    #[error("Baton has not reached Slack yet")]
    NotConnected,
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<crate::store::StoreError> for SlackError {
    fn from(error: crate::store::StoreError) -> Self {
        SlackError::Engine(EngineError::Store(error))
    }
}

/// The first wait before trying `auth.test` again; each further one twice as long.
const CONNECT_FIRST_WAIT: Duration = Duration::from_secs(1);
/// No wait between attempts at reaching Slack is longer than this.
const CONNECT_MAX_WAIT: Duration = Duration::from_secs(60);

/// Slack's inbound side: turns events into [`Inbound`]s and hands them to the engine.
pub struct SlackBot {
    api: SlackApi,
    engine: Engine,
    /// Who the bot is, once `auth.test` answered ([`SlackBot::connect`]).
    me: OnceLock<BotIdentity>,
    /// Why Slack cannot be reached, while it cannot: for `/readyz`.
    unreachable: Arc<Mutex<Option<String>>>,
    /// People whose profile and App Home wait for a refresh.
    people: people::PeopleRefresher,
    /// Channels' privacy and members, from Slack.
    rooms: SlackRooms,
    /// Whether Socket Mode is connected (or HTTP mode, which needs no connection).
    connected: Arc<AtomicBool>,
}

impl SlackBot {
    /// A bot that does not know who it is yet ([`SlackBot::connect`]);
    /// `membership_max_age`: how long a private channel's member list is trusted.
    pub fn new(api: SlackApi, engine: Engine, membership_max_age: std::time::Duration) -> Self {
        Self {
            rooms: SlackRooms::new(api.clone(), engine.clone(), membership_max_age),
            people: people::PeopleRefresher::new(api.clone(), engine.clone()),
            api,
            engine,
            me: OnceLock::new(),
            unreachable: Arc::default(),
            connected: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Set while the adapter can receive events: `/readyz` reads it.
    pub fn connected(&self) -> Arc<AtomicBool> {
        self.connected.clone()
    }

    /// Why Slack cannot be reached, while it cannot: `/readyz` says it.
    pub fn unreachable(&self) -> Arc<Mutex<Option<String>>> {
        self.unreachable.clone()
    }

    fn mark_connected(&self) {
        if self.me.get().is_some() && !self.connected.swap(true, Ordering::Relaxed) {
            tracing::info!("Slack connected");
        }
    }

    /// Who the bot is, once known.
    fn me(&self) -> Result<&BotIdentity, SlackError> {
        self.me.get().ok_or(SlackError::NotConnected)
    }

    /// Learns who the bot is (`auth.test`), trying again with growing waits
    /// while Slack cannot be reached (its API down, the network away), as for
    /// the database: `/readyz` says why meanwhile. `events_need_socket`: Socket
    /// Mode says when it is connected; the HTTP Events API needs nothing more.
    ///
    /// # Errors
    /// When Slack refuses the token: retrying cannot help.
    pub async fn connect(
        &self,
        events_need_socket: bool,
        shutdown: &tokio_util::sync::CancellationToken,
    ) -> Result<(), ApiError> {
        let mut wait = CONNECT_FIRST_WAIT;
        loop {
            match identify(&self.api).await {
                Ok(me) => {
                    tracing::info!(team = %me.team, team_id = %me.team_id, bot_user = %me.user_id, "connected to Slack");
                    let _ = self.me.set(me);
                    *self.lock_unreachable() = None;
                    if !events_need_socket {
                        self.mark_connected();
                    }
                    return Ok(());
                }
                Err(error) if error.is_auth() => return Err(error),
                Err(error) => {
                    tracing::warn!(error = %error_chain(&error), wait = ?wait, "cannot reach Slack; trying again");
                    *self.lock_unreachable() = Some(format!("cannot reach Slack: {error}"));
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                () = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(CONNECT_MAX_WAIT);
        }
    }

    fn lock_unreachable(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.unreachable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// An Events API event (from Socket Mode or HTTP).
    ///
    /// # Errors
    /// When the engine cannot store it; the event should then be redelivered.
    #[tracing::instrument(skip_all, fields(platform = "slack", event_id = %callback.event_id))]
    pub async fn handle_event(&self, callback: SlackPushEventCallback) -> Result<(), SlackError> {
        match callback.event {
            SlackEventCallbackBody::Message(message) => {
                if message.subtype.as_ref().is_some_and(|s| {
                    !matches!(
                        s,
                        SlackMessageEventType::ThreadBroadcast | SlackMessageEventType::FileShare
                    )
                }) {
                    return Ok(()); // edits, deletions, joins, bot messages
                }
                let (Some(user), Some(channel)) = (message.sender.user, message.origin.channel)
                else {
                    return Ok(());
                };
                if message.sender.bot_id.is_some() {
                    return Ok(());
                }
                let text = message.content.and_then(|c| c.text).unwrap_or_default();
                let kind = message.origin.channel_type.as_ref().map(|t| t.to_string());
                self.message(
                    user.as_ref(),
                    channel.as_ref(),
                    kind.as_deref(),
                    &text,
                    message.origin.ts.as_ref(),
                    message.origin.thread_ts.map(|t| t.to_string()).as_deref(),
                )
                .await
            }
            SlackEventCallbackBody::AppMention(mention) => {
                let text = mention.content.text.unwrap_or_default();
                self.message(
                    mention.user.as_ref(),
                    mention.channel.as_ref(),
                    None,
                    &text,
                    mention.origin.ts.as_ref(),
                    mention.origin.thread_ts.map(|t| t.to_string()).as_deref(),
                )
                .await
            }
            SlackEventCallbackBody::ReactionAdded(reaction) => {
                let SlackReactionsItem::Message(item) = reaction.item else {
                    return Ok(());
                };
                let Some(channel) = item.origin.channel else {
                    return Ok(());
                };
                let (user, channel) = (reaction.user.to_string(), channel.to_string());
                if user == self.me()?.user_id {
                    return Ok(());
                }
                let room = room_of(&channel);
                let ts = item.origin.ts.to_string();
                let Some(task) = self.engine.task_of_card(&room, &ts).await? else {
                    return Ok(()); // a reaction on something other than a card
                };
                let inbound = Inbound {
                    event_id: format!("slack:{}", callback.event_id),
                    platform: "slack".to_owned(),
                    room,
                    room_name: format::room_name(&channel),
                    room_privacy: self.rooms.privacy(&channel).await,
                    author: person_of(&user),
                    kind: InboundKind::Reaction {
                        emoji: crate::chat::normalize::plain(&format!(":{}:", reaction.reaction)),
                        task,
                    },
                    message_id: Some(ts),
                    permalink: None,
                    at: Utc::now(),
                };
                self.apply(&inbound, &[user]).await
            }
            SlackEventCallbackBody::MemberJoinedChannel(joined) => self
                .rooms
                .member_changed(joined.channel.as_ref(), joined.user.as_ref(), true)
                .await
                .map_err(SlackError::from),
            SlackEventCallbackBody::MemberLeftChannel(left) => self
                .rooms
                .member_changed(left.channel.as_ref(), left.user.as_ref(), false)
                .await
                .map_err(SlackError::from),
            SlackEventCallbackBody::AppHomeOpened(opened) => {
                self.people.push(opened.user.as_ref());
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// A `/baton ...` slash command.
    ///
    /// # Errors
    /// When the engine cannot store it.
    #[tracing::instrument(skip_all, fields(platform = "slack", event_id = %command.id))]
    pub async fn handle_command(&self, command: SlashCommand) -> Result<(), SlackError> {
        let SlashCommand {
            id,
            channel,
            channel_name: _,
            user,
            command: _,
            text,
        } = command;
        // Slack sends only the app's own commands, whatever the workspace named
        // them (`/baton`, `/tasks`): each is addressed to Baton.
        let text = format!("/baton {text}");
        let inbound = Inbound {
            event_id: format!("slack:command:{id}"),
            platform: "slack".to_owned(),
            room: room_of(&channel),
            room_name: format::room_name(&channel),
            room_privacy: self.rooms.privacy(&channel).await,
            author: person_of(&user),
            kind: InboundKind::Message {
                text: self.normalize(&text)?,
                thread_task: None,
                dm: channel.starts_with('D'),
            },
            message_id: None,
            permalink: None,
            at: Utc::now(),
        };
        self.apply(&inbound, &mentioned(&user, &text)).await
    }

    /// A click on a task card's button: the command it stands for, by the clicker.
    ///
    /// # Errors
    /// When the engine cannot store it.
    pub async fn handle_interaction(&self, event: SlackInteractionEvent) -> Result<(), SlackError> {
        let SlackInteractionEvent::BlockActions(click) = event else {
            return Ok(());
        };
        let (Some(user), Some(channel)) = (click.user, click.channel) else {
            return Ok(());
        };
        let (user, channel) = (user.id.to_string(), channel.id.to_string());
        for action in click.actions.unwrap_or_default() {
            let task = action.value.as_deref().unwrap_or_default();
            let Some(text) = format::command_for_action(action.action_id.as_ref(), task) else {
                continue;
            };
            let inbound = Inbound {
                event_id: format!("slack:action:{}:{}", click.trigger_id, action.action_id),
                platform: "slack".to_owned(),
                room: room_of(&channel),
                room_name: format::room_name(&channel),
                room_privacy: self.rooms.privacy(&channel).await,
                author: person_of(&user),
                kind: InboundKind::Message {
                    text,
                    thread_task: None,
                    dm: false,
                },
                message_id: None,
                permalink: None,
                at: Utc::now(),
            };
            self.apply(&inbound, std::slice::from_ref(&user)).await?;
        }
        Ok(())
    }

    /// A message in a channel, a thread or a DM.
    async fn message(
        &self,
        user: &str,
        channel: &str,
        channel_type: Option<&str>,
        text: &str,
        ts: &str,
        thread_ts: Option<&str>,
    ) -> Result<(), SlackError> {
        if user == self.me()?.user_id {
            return Ok(());
        }
        let room = room_of(channel);
        let thread_task: Option<TaskKey> = match thread_ts.filter(|t| *t != ts) {
            Some(thread) => self.engine.task_of_card(&room, thread).await?,
            None => None,
        };
        let inbound = Inbound {
            event_id: format!("slack:{channel}:{ts}"),
            platform: "slack".to_owned(),
            room,
            room_name: format::room_name(channel),
            room_privacy: self.rooms.privacy(channel).await,
            author: person_of(user),
            kind: InboundKind::Message {
                text: self.normalize(text)?,
                thread_task,
                dm: channel_type == Some("im") || channel.starts_with('D'),
            },
            message_id: Some(ts.to_owned()),
            permalink: None,
            // Baton's clock, not the message's `ts`: a skewed or replayed `ts` must
            // not schedule anything in the past or the future.
            at: Utc::now(),
        };
        self.apply(&inbound, &mentioned(user, text)).await
    }

    /// Slack mrkdwn → the parser's dialect; people stay ids (`@U123`), the bot is
    /// `@baton`.
    fn normalize(&self, text: &str) -> Result<String, SlackError> {
        let me = self.me()?;
        let text = LABELLED_MENTION.replace_all(text, "<@$1>");
        Ok(crate::chat::normalize::slack(&text, |id| {
            (id == me.user_id).then(|| "baton".to_owned())
        }))
    }

    /// Hands an inbound event to the engine; afterwards reads unknown profiles and
    /// refreshes the App Home of the people involved.
    async fn apply(&self, inbound: &Inbound, people: &[String]) -> Result<(), SlackError> {
        let me = self.me()?;
        self.mark_connected();
        let outcome = self.engine.handle(inbound).await?;
        if outcome == Outcome::Handled {
            for user in people.iter().filter(|u| **u != me.user_id) {
                self.people.push(user);
            }
        }
        Ok(())
    }

    /// Refreshes the profiles and App Homes of the people events named, one at
    /// a time, until `shutdown` (run beside the connection).
    pub async fn refresh_people(&self, shutdown: &tokio_util::sync::CancellationToken) {
        self.people.run(shutdown).await;
    }
}

/// The author and everyone mentioned in a message.
fn mentioned(author: &str, text: &str) -> Vec<String> {
    let mut people = vec![author.to_owned()];
    for found in MENTION.captures_iter(&LABELLED_MENTION.replace_all(text, "<@$1>")) {
        let user = found[1].to_owned();
        if !people.contains(&user) {
            people.push(user);
        }
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_and_rooms_round_trip() {
        let person = person_of("U0BOB");
        assert_eq!(person.as_str(), "slack:@U0BOB");
        assert_eq!(user_of(&person), Some("U0BOB"));
        assert_eq!(user_of(&PersonId::new("console", "@bob")), None);
        assert_eq!(channel_of(&room_of("C1")), Some("C1"));
        assert_eq!(channel_of("matrix:!abc"), None);
    }

    #[test]
    fn mentions_name_everyone_once() {
        assert_eq!(
            mentioned("U1", "add x for <@U2|bob> after <@U2> and <@U3>"),
            vec!["U1", "U2", "U3"]
        );
    }
}
