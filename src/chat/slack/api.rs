//! The Slack Web API calls Baton makes, each with a timeout, and what their
//! failures mean for delivery.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use crate::outbox::DeliveryError;

/// No Web API call waits longer than this.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors after which retrying the same call cannot succeed.
const PERMANENT_ERRORS: [&str; 12] = [
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "user_not_found",
    "users_not_found",
    "account_inactive",
    "user_disabled",
    "cannot_dm_bot",
    "msg_too_long",
    "no_text",
    "invalid_blocks",
    "restricted_action",
];

/// Errors that mean the bot's token is wrong: retrying cannot help, and the
/// operator must act.
const TOKEN_ERRORS: [&str; 5] = [
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "missing_scope",
];

/// Why a Web API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Slack did not answer {method} within {seconds} s", seconds = CALL_TIMEOUT.as_secs())]
    Timeout { method: &'static str },
    #[error("Slack refused {method}")]
    Slack {
        method: &'static str,
        #[source]
        source: SlackClientError,
    },
}

impl ApiError {
    /// Slack's error code (`channel_not_found`), when Slack answered `ok: false`.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Slack {
                source: SlackClientError::ApiError(api),
                ..
            } => Some(api.code.as_str()),
            _ => None,
        }
    }

    /// Whether sharing a file failed without an answer (a timeout, a 5xx): the
    /// file may be in the channel already, so falling back to text would say it
    /// twice.
    pub fn is_unanswered_share(&self) -> bool {
        match self {
            ApiError::Timeout { method } => *method == "files.completeUploadExternal",
            ApiError::Slack { method, .. } => {
                *method == "files.completeUploadExternal" && self.code().is_none()
            }
        }
    }

    /// Whether the failure is the token's (wrong, revoked, lacking a scope).
    pub fn is_auth(&self) -> bool {
        self.code().is_some_and(|code| TOKEN_ERRORS.contains(&code))
    }

    /// What the outbox should do about it.
    pub fn for_delivery(&self) -> DeliveryError {
        let reason = match self.code() {
            Some(code) => format!("Slack {}: {code}", self.method()),
            None => crate::error_chain::error_chain(self),
        };
        match self {
            ApiError::Slack {
                source: SlackClientError::RateLimitError(limit),
                ..
            } => DeliveryError::Transient {
                reason,
                retry_after: limit.retry_after.or(Some(Duration::from_secs(1))),
            },
            _ if self
                .code()
                .is_some_and(|c| PERMANENT_ERRORS.contains(&c) || TOKEN_ERRORS.contains(&c)) =>
            {
                DeliveryError::Permanent { reason }
            }
            _ => DeliveryError::Transient {
                reason,
                retry_after: None,
            },
        }
    }

    fn method(&self) -> &'static str {
        match self {
            ApiError::Timeout { method } | ApiError::Slack { method, .. } => method,
        }
    }
}

/// What Baton reads of `auth.test`. Only the user id is required: a proxy or a
/// test double that leaves out the rest still works.
#[derive(Debug, serde::Deserialize)]
pub struct AuthIdentity {
    pub user_id: String,
    pub team_id: Option<String>,
    pub team: Option<String>,
    pub bot_id: Option<String>,
}

/// What Baton reads of `chat.postMessage`'s answer: the new message's `ts`.
#[derive(serde::Deserialize)]
struct PostedMessage {
    ts: String,
}

/// What Baton reads of `conversations.info`: whether only members may read it.
#[derive(serde::Deserialize)]
struct ChannelInfo {
    channel: ChannelFlags,
}

#[derive(serde::Deserialize)]
struct ChannelFlags {
    #[serde(default)]
    is_private: bool,
    #[serde(default)]
    is_im: bool,
    #[serde(default)]
    is_mpim: bool,
    #[serde(default)]
    is_group: bool,
}

/// What Baton reads of a page of `conversations.members`.
#[derive(serde::Deserialize)]
struct MembersPage {
    members: Vec<String>,
    response_metadata: Option<NextCursor>,
}

#[derive(serde::Deserialize)]
struct NextCursor {
    #[serde(default)]
    next_cursor: String,
}

/// Members per page of `conversations.members` (Slack allows up to 1,000 and
/// recommends no more than 200).
const MEMBERS_PAGE: &str = "200";

/// Pages of `conversations.members` read at most: 200,000 members, a bound on a
/// misbehaving cursor.
const MEMBERS_PAGES_MAX: usize = 1_000;

/// What Baton reads of a page of `conversations.history` or `.replies`.
#[derive(serde::Deserialize)]
struct HistoryPage {
    #[serde(default)]
    messages: Vec<SentMessage>,
    #[serde(default)]
    has_more: bool,
    response_metadata: Option<NextCursor>,
}

/// A message of a page, as far as finding Baton's own posts goes.
#[derive(serde::Deserialize)]
struct SentMessage {
    ts: String,
    metadata: Option<SentMetadata>,
    /// Files shared with the message: a shared picture has no metadata, but its
    /// name carries the outbox id.
    #[serde(default)]
    files: Vec<SentFile>,
}

#[derive(serde::Deserialize)]
struct SentFile {
    name: Option<String>,
}

#[derive(serde::Deserialize)]
struct SentMetadata {
    event_type: String,
    #[serde(default)]
    event_payload: std::collections::HashMap<String, serde_json::Value>,
}

impl SentMessage {
    /// The part number, when this is a part of outbox message `outbox_id`.
    fn part_of(self, outbox_id: &str) -> Option<(usize, String)> {
        // A shared picture is the message's first part (`outlet.rs`).
        if self
            .files
            .iter()
            .filter_map(|f| f.name.as_deref())
            .any(|name| super::is_picture_of(name, outbox_id))
        {
            return Some((0, self.ts));
        }
        let metadata = self.metadata?;
        let payload = &metadata.event_payload;
        let part = payload.get(super::METADATA_PART)?.as_str()?.parse().ok()?;
        (metadata.event_type == super::METADATA_EVENT
            && payload.get(super::METADATA_OUTBOX_ID)?.as_str()? == outbox_id)
            .then_some((part, self.ts))
    }
}

/// Messages per page of history read when looking for an earlier attempt.
const HISTORY_PAGE: &str = "200";

/// Pages of history read at most when looking for an earlier attempt: 10,000
/// messages since it was queued.
const HISTORY_PAGES_MAX: usize = 50;

/// A file to share in a channel, with its message.
pub struct FileShare<'a> {
    pub channel: &'a str,
    pub thread_ts: Option<&'a str>,
    /// The file's name; it carries the outbox id (see `outlet.rs`).
    pub file_name: String,
    pub title: &'a str,
    /// What a screen reader says for the image.
    pub alt_text: &'a str,
    /// The message the file is shared with.
    pub comment: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// Slack reads at most this much alt text.
const ALT_TEXT_CHARS: usize = 1000;

/// The bot's view of the Web API: one client, one bot token.
#[derive(Clone)]
pub struct SlackApi {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
}

impl std::fmt::Debug for SlackApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackApi { token: [redacted] }")
    }
}

impl SlackApi {
    pub fn new(client: Arc<SlackHyperClient>, bot_token: &SecretString) -> Self {
        Self {
            client,
            token: SlackApiToken::new(bot_token.expose_secret().into()),
        }
    }

    pub fn client(&self) -> &Arc<SlackHyperClient> {
        &self.client
    }

    async fn call<T, F>(&self, method: &'static str, call: F) -> Result<T, ApiError>
    where
        F: std::future::Future<Output = ClientResult<T>>,
    {
        let started = std::time::Instant::now();
        let result = tokio::time::timeout(CALL_TIMEOUT, call).await;
        metrics::histogram!("baton_platform_api_seconds", "platform" => "slack", "method" => method)
            .record(started.elapsed().as_secs_f64());
        match result {
            Err(_) => Err(ApiError::Timeout { method }),
            Ok(Err(source)) => Err(ApiError::Slack { method, source }),
            Ok(Ok(value)) => Ok(value),
        }
    }

    /// Who the bot is: `auth.test`.
    pub async fn auth_test(&self) -> Result<AuthIdentity, ApiError> {
        let session = self.client.open_session(&self.token);
        let params: Vec<(&str, Option<&str>)> = Vec::new();
        self.call(
            "auth.test",
            session
                .http_session_api
                .http_get("auth.test", &params, None),
        )
        .await
    }

    /// The DM channel with `user`: `conversations.open`.
    pub async fn open_dm(&self, user: &str) -> Result<String, ApiError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiConversationsOpenRequest::new().with_users(vec![user.into()]);
        let opened = self
            .call("conversations.open", session.conversations_open(&request))
            .await?;
        Ok(opened.channel.id.to_string())
    }

    /// A person's profile: `users.info`.
    pub async fn user_info(&self, user: &str) -> Result<SlackUser, ApiError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiUsersInfoRequest::new(user.into());
        Ok(self
            .call("users.info", session.users_info(&request))
            .await?
            .user)
    }

    /// Whether only a channel's members may read it (a private channel, a DM, a
    /// group DM): `conversations.info`.
    pub async fn channel_is_private(&self, channel: &str) -> Result<bool, ApiError> {
        let session = self.client.open_session(&self.token);
        let params = vec![("channel", Some(channel))];
        let info: ChannelInfo = self
            .call(
                "conversations.info",
                session
                    .http_session_api
                    .http_get("conversations.info", &params, None),
            )
            .await?;
        let flags = info.channel;
        Ok(flags.is_private || flags.is_im || flags.is_mpim || flags.is_group)
    }

    /// Every member of a channel, page by page: `conversations.members`.
    pub async fn channel_members(&self, channel: &str) -> Result<Vec<String>, ApiError> {
        let session = self.client.open_session(&self.token);
        let mut members = Vec::new();
        let mut cursor = String::new();
        for _ in 0..MEMBERS_PAGES_MAX {
            let mut params = vec![("channel", Some(channel)), ("limit", Some(MEMBERS_PAGE))];
            if !cursor.is_empty() {
                params.push(("cursor", Some(cursor.as_str())));
            }
            let page: MembersPage = self
                .call(
                    "conversations.members",
                    session
                        .http_session_api
                        .http_get("conversations.members", &params, None),
                )
                .await?;
            members.extend(page.members);
            cursor = page
                .response_metadata
                .map(|m| m.next_cursor)
                .unwrap_or_default();
            if cursor.is_empty() {
                break;
            }
        }
        Ok(members)
    }

    /// A link to a message: `chat.getPermalink`.
    pub async fn permalink(&self, channel: &str, ts: &str) -> Result<String, ApiError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiChatGetPermalinkRequest::new(channel.into(), ts.into());
        let found = self
            .call("chat.getPermalink", session.chat_get_permalink(&request))
            .await?;
        Ok(found.permalink.to_string())
    }

    /// Posts a message; its `ts`: `chat.postMessage`.
    pub async fn post(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        content: SlackMessageContent,
    ) -> Result<String, ApiError> {
        let session = self.client.open_session(&self.token);
        let mut request = SlackApiChatPostMessageRequest::new(channel.into(), content);
        if let Some(thread) = thread_ts {
            request = request.with_thread_ts(thread.into());
        }
        let posted: PostedMessage = self
            .call(
                "chat.postMessage",
                session
                    .http_session_api
                    .http_post("chat.postMessage", &request, None),
            )
            .await?;
        Ok(posted.ts)
    }

    /// Shows a message to `user` alone in `channel`: `chat.postEphemeral`.
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        thread_ts: Option<&str>,
        content: SlackMessageContent,
    ) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.token);
        let mut request =
            SlackApiChatPostEphemeralRequest::new(channel.into(), user.into(), content);
        if let Some(thread) = thread_ts {
            request = request.with_thread_ts(thread.into());
        }
        self.call("chat.postEphemeral", session.chat_post_ephemeral(&request))
            .await?;
        Ok(())
    }

    /// The parts already posted of outbox message `outbox_id`, with their `ts`: the
    /// messages of `channel` (or the thread) since `oldest`, page by page, whose
    /// metadata says so. Only the window since the message was queued is read, so
    /// the check holds however busy the channel is.
    pub async fn find_sent(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        outbox_id: &str,
        oldest: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<(usize, String)>, ApiError> {
        let session = self.client.open_session(&self.token);
        // Slack's `ts` is seconds with six decimals.
        let oldest = format!(
            "{}.{:06}",
            oldest.timestamp(),
            oldest.timestamp_subsec_micros()
        );
        let (method, extra) = match thread_ts {
            Some(thread) => ("conversations.replies", Some(("ts", thread))),
            None => ("conversations.history", None),
        };
        let mut found = Vec::new();
        let mut cursor = String::new();
        for _ in 0..HISTORY_PAGES_MAX {
            // By hand: slack-morphism's request types lack `include_all_metadata`,
            // without which Slack leaves the metadata out.
            let mut params = vec![
                ("channel", Some(channel)),
                ("oldest", Some(oldest.as_str())),
                ("limit", Some(HISTORY_PAGE)),
                ("include_all_metadata", Some("true")),
            ];
            if let Some((name, value)) = extra {
                params.push((name, Some(value)));
            }
            if !cursor.is_empty() {
                params.push(("cursor", Some(cursor.as_str())));
            }
            let page: HistoryPage = self
                .call(
                    method,
                    session.http_session_api.http_get(method, &params, None),
                )
                .await?;
            found.extend(
                page.messages
                    .into_iter()
                    .filter_map(|message| message.part_of(outbox_id)),
            );
            cursor = page
                .response_metadata
                .map(|m| m.next_cursor)
                .unwrap_or_default();
            if !page.has_more || cursor.is_empty() {
                break;
            }
        }
        Ok(found)
    }

    /// Uploads a file and shares it, the way Slack supports today: ask for an
    /// upload URL (`files.getUploadURLExternal`), send the bytes there, then
    /// share it in the channel (`files.completeUploadExternal`).
    pub async fn share_file(&self, share: FileShare<'_>) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.token);
        let alt_text: String = share.alt_text.chars().take(ALT_TEXT_CHARS).collect();
        let request =
            SlackApiFilesGetUploadUrlExternalRequest::new(share.file_name, share.bytes.len())
                .with_alt_txt(alt_text);
        let upload = self
            .call(
                "files.getUploadURLExternal",
                session.get_upload_url_external(&request),
            )
            .await?;
        let bytes = SlackApiFilesUploadViaUrlRequest::new(
            upload.upload_url,
            share.bytes,
            share.content_type.to_owned(),
        );
        self.call("files.upload", session.files_upload_via_url(&bytes))
            .await?;
        let mut complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![
            SlackApiFilesComplete::new(upload.file_id).with_title(share.title.to_owned()),
        ])
        .with_channel_id(share.channel.into())
        .with_initial_comment(share.comment);
        if let Some(thread) = share.thread_ts {
            complete = complete.with_thread_ts(thread.into());
        }
        self.call(
            "files.completeUploadExternal",
            session.files_complete_upload_external(&complete),
        )
        .await?;
        Ok(())
    }

    /// Replaces a person's App Home: `views.publish`.
    pub async fn publish_home(&self, user: &str, blocks: Vec<SlackBlock>) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiViewsPublishRequest::new(
            user.into(),
            SlackView::Home(SlackHomeView::new(blocks)),
        );
        self.call("views.publish", session.views_publish(&request))
            .await?;
        Ok(())
    }
}
