//! A local fake of Slack: the Web API methods Baton calls, with Slack-shaped JSON,
//! token checks, `ok: false` errors and 429s on demand, and Socket Mode
//! (`apps.connections.open` hands out a `ws://127.0.0.1` URL; hello, envelopes,
//! acknowledgements, disconnects). The real slack-morphism client inside
//! `baton run` talks to it; tests drive it and read what Baton posted.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub const BOT_TOKEN: &str = "xoxb-fake-bot-token";
pub const APP_TOKEN: &str = "xapp-fake-app-token";
pub const SIGNING_SECRET: &str = "fake-signing-secret";
pub const BOT_USER: &str = "U0BATON";
pub const TEAM: &str = "T0FAKE";

/// A failure the fake answers one call of a method with.
#[derive(Debug, Clone)]
pub enum Failure {
    /// HTTP 429 with `Retry-After`.
    RateLimited { retry_after_seconds: u64 },
    /// `ok: false` with this error code.
    Error(&'static str),
    /// The call does what it should, then the answer is lost (HTTP 500): what the
    /// caller sees when it crashes mid-send.
    AnswerLost,
}

/// A message Baton posted.
#[derive(Debug, Clone)]
pub struct Posted {
    pub channel: String,
    pub thread_ts: Option<String>,
    pub ts: String,
    pub text: String,
    pub metadata: Option<Value>,
    /// Files shared with the message (`files.completeUploadExternal`).
    pub files: Vec<SharedFile>,
}

/// A file Baton uploaded and shared.
#[derive(Debug, Clone)]
pub struct SharedFile {
    pub id: String,
    pub name: String,
    pub title: String,
    pub alt_text: String,
    pub bytes: Vec<u8>,
}

/// A file between `files.getUploadURLExternal` and `files.completeUploadExternal`.
#[derive(Debug, Clone, Default)]
struct Upload {
    name: String,
    length: usize,
    alt_text: String,
    bytes: Option<Vec<u8>>,
}

#[derive(Default)]
struct FakeState {
    /// Answer with only the fields Slack documents as essential (a bare-bones fake).
    minimal: bool,
    users: HashMap<String, String>,
    /// Private channels (any id; modern ones start with `C`) and their members.
    /// Every other `C` channel is public, with every user a member.
    private_channels: HashMap<String, Vec<String>>,
    /// Channels where every `chat.postMessage` takes this long (a slow destination).
    slow_channels: HashMap<String, Duration>,
    dm_channels: HashMap<String, String>,
    /// Messages shown to one person: (channel, user, text).
    ephemeral: Vec<(String, String, String)>,
    /// The buttons' action ids of each message shown to one person: (user, ids).
    ephemeral_actions: Vec<(String, Vec<String>)>,
    /// Each user's App Home view, as last published.
    homes: HashMap<String, String>,
    posted: Vec<Posted>,
    uploads: HashMap<String, Upload>,
    calls: Vec<String>,
    failures: HashMap<String, VecDeque<Failure>>,
    sockets: Vec<mpsc::UnboundedSender<Message>>,
    connections: usize,
    acks: Vec<String>,
    next_ts: u64,
}

impl FakeState {
    /// A new message's `ts`: now, in microseconds, later than every earlier one.
    fn next_ts(&mut self) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros() as u64;
        self.next_ts = now.max(self.next_ts + 1);
        format!(
            "{}.{:06}",
            self.next_ts / 1_000_000,
            self.next_ts % 1_000_000
        )
    }
}

/// The fake, serving on a loopback port until dropped.
#[derive(Clone)]
pub struct FakeSlack {
    pub port: u16,
    state: Arc<Mutex<FakeState>>,
}

impl FakeSlack {
    /// Starts a fake that answers with as little as it can: `auth.test` without the
    /// workspace, `chat.postMessage` without the message.
    pub async fn start_minimal(users: &[(&str, &str)]) -> FakeSlack {
        let fake = FakeSlack::start(users).await;
        fake.state.lock().unwrap().minimal = true;
        fake
    }

    /// Starts the fake with the given users (`id`, `name`).
    pub async fn start(users: &[(&str, &str)]) -> FakeSlack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(FakeState {
            users: users
                .iter()
                .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
                .collect(),
            next_ts: 1_700_000_000,
            ..FakeState::default()
        }));
        let fake = FakeSlack { port, state };
        let router = Router::new()
            .route("/api/{method}", any(web_api))
            .route("/upload/{file}", axum::routing::post(upload))
            .route("/socket", get(socket))
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        fake
    }

    /// What `BATON_SLACK__API_URL` should be.
    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/", self.port)
    }

    /// The environment for `baton run` against this fake, in Socket Mode or HTTP mode.
    pub fn env(&self, socket_mode: bool) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("BATON_SLACK__BOT_TOKEN", BOT_TOKEN.to_owned()),
            ("BATON_SLACK__API_URL", self.api_url()),
        ];
        if socket_mode {
            env.push(("BATON_SLACK__APP_TOKEN", APP_TOKEN.to_owned()));
        } else {
            env.push(("BATON_SLACK__SIGNING_SECRET", SIGNING_SECRET.to_owned()));
        }
        env
    }

    /// Makes the next call of `method` fail this way.
    pub fn fail_next(&self, method: &str, failure: Failure) {
        let mut state = self.state.lock().unwrap();
        state
            .failures
            .entry(method.to_owned())
            .or_default()
            .push_back(failure);
    }

    /// Makes `channel` a private channel with these members, as
    /// `conversations.info` and `conversations.members` then say.
    pub fn make_private(&self, channel: &str, members: &[&str]) {
        self.state.lock().unwrap().private_channels.insert(
            channel.to_owned(),
            members.iter().map(|m| (*m).to_owned()).collect(),
        );
    }

    /// Makes every post to `channel` take `delay` before Slack answers.
    pub fn slow_down(&self, channel: &str, delay: Duration) {
        self.state
            .lock()
            .unwrap()
            .slow_channels
            .insert(channel.to_owned(), delay);
    }

    /// Other people's replies in a thread of `channel`: `count` of them, now.
    pub fn thread_chatter(&self, channel: &str, thread_ts: &str, count: usize) {
        for n in 0..count {
            let ts = self.next_ts();
            self.state.lock().unwrap().posted.push(Posted {
                channel: channel.to_owned(),
                thread_ts: Some(thread_ts.to_owned()),
                ts,
                text: format!("thread chatter {n}"),
                metadata: None,
                files: Vec::new(),
            });
        }
    }

    /// Every message posted so far.
    /// Files shared so far, with the message each was shared with.
    pub fn shared_files(&self) -> Vec<(Posted, SharedFile)> {
        let state = self.state.lock().unwrap();
        state
            .posted
            .iter()
            .flat_map(|p| p.files.iter().map(move |f| (p.clone(), f.clone())))
            .collect()
    }

    pub fn posted(&self) -> Vec<Posted> {
        self.state.lock().unwrap().posted.clone()
    }

    /// Messages shown to `user` alone (`chat.postEphemeral`).
    pub fn ephemeral_to(&self, user: &str) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .ephemeral
            .iter()
            .filter(|(_, to, _)| to == user)
            .map(|(_, _, text)| text.clone())
            .collect()
    }

    /// The buttons (action ids) under each message shown to `user` alone.
    pub fn ephemeral_actions_to(&self, user: &str) -> Vec<Vec<String>> {
        let state = self.state.lock().unwrap();
        state
            .ephemeral_actions
            .iter()
            .filter(|(to, _)| to == user)
            .map(|(_, ids)| ids.clone())
            .collect()
    }

    /// Messages posted to `user`'s DM channel.
    pub fn dms_to(&self, user: &str) -> Vec<Posted> {
        let channel = format!("D{user}");
        self.posted()
            .into_iter()
            .filter(|p| p.channel == channel)
            .collect()
    }

    /// The App Home Baton last published for `user`, as JSON text.
    pub fn home_of(&self, user: &str) -> Option<String> {
        self.state.lock().unwrap().homes.get(user).cloned()
    }

    /// How often `method` was called.
    pub fn calls_of(&self, method: &str) -> usize {
        let state = self.state.lock().unwrap();
        state.calls.iter().filter(|c| *c == method).count()
    }

    /// Waits until `check` holds, polling; false after `timeout`.
    pub async fn wait_until(&self, timeout: Duration, check: impl Fn(&FakeSlack) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if check(self) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        check(self)
    }

    /// How many Socket Mode connections were opened so far.
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Sends a new envelope on the newest open Socket Mode connection; its id.
    pub fn send_envelope(&self, kind: &str, payload: Value) -> String {
        let id = {
            let mut state = self.state.lock().unwrap();
            state.next_ts += 1;
            format!("envelope-{}", state.next_ts)
        };
        self.push_envelope(&id, kind, payload, 0);
        id
    }

    /// Sends an envelope again, as Slack does when it saw no acknowledgement.
    pub fn resend_envelope(&self, id: &str, kind: &str, payload: Value) {
        self.push_envelope(id, kind, payload, 1);
    }

    fn push_envelope(&self, id: &str, kind: &str, payload: Value, retry_attempt: u32) {
        let frame = json!({
            "envelope_id": id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind == "slash_commands",
            "retry_attempt": retry_attempt,
            "retry_reason": if retry_attempt > 0 { "timeout" } else { "" },
        });
        let mut state = self.state.lock().unwrap();
        state.sockets.retain(|socket| !socket.is_closed());
        let socket = state
            .sockets
            .last()
            .expect("an open Socket Mode connection");
        socket
            .send(Message::Text(frame.to_string().into()))
            .expect("send an envelope");
    }

    /// Whether Baton acknowledged the envelope.
    pub fn acked(&self, id: &str) -> bool {
        self.state.lock().unwrap().acks.iter().any(|a| a == id)
    }

    /// Asks every connection to reconnect (`disconnect`, as Slack does every few
    /// hours), or drops them without a word.
    pub fn disconnect_all(&self, politely: bool) {
        let mut state = self.state.lock().unwrap();
        for socket in state.sockets.drain(..) {
            let frame = if politely {
                Message::Text(
                    json!({"type": "disconnect", "reason": "refresh_requested",
                           "debug_info": {"host": "fake"}})
                    .to_string()
                    .into(),
                )
            } else {
                Message::Close(None)
            };
            let _ = socket.send(frame);
        }
    }

    /// A new message `ts`: the time now in microseconds, as Slack's are, and
    /// never the same twice.
    fn next_ts(&self) -> String {
        self.state.lock().unwrap().next_ts()
    }

    /// Other people's messages in `channel` (a busy channel): `count` of them, now.
    pub fn chatter(&self, channel: &str, count: usize) {
        for n in 0..count {
            let ts = self.next_ts();
            self.state.lock().unwrap().posted.push(Posted {
                channel: channel.to_owned(),
                thread_ts: None,
                ts,
                text: format!("chatter {n}"),
                metadata: None,
                files: Vec::new(),
            });
        }
    }
}

/// The signature headers Slack sends with an HTTP request body.
pub fn sign(body: &str, timestamp: i64) -> (String, String) {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SIGNING_SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (timestamp.to_string(), format!("v0={hex}"))
}

/// A slash command's fields, as Slack sends them.
pub fn command(user: &str, channel: &str, text: &str, trigger: &str) -> Value {
    json!({
        "team_id": TEAM,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": "billing",
        "user_id": user,
        "user_name": user.to_lowercase(),
        "command": "/baton",
        "text": text,
        "response_url": format!("https://hooks.fake.slack.com/commands/{trigger}"),
        "trigger_id": trigger,
        "api_app_id": "A0BATON",
    })
}

/// An Events API callback wrapping `event`.
pub fn event_callback(event_id: &str, event: Value) -> Value {
    json!({
        "token": "unused",
        "team_id": TEAM,
        "api_app_id": "A0BATON",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_000,
    })
}

fn ok(body: Value) -> Response {
    let mut body = body;
    body["ok"] = json!(true);
    Json(body).into_response()
}

fn refuse(code: &str) -> Response {
    Json(json!({"ok": false, "error": code})).into_response()
}

/// The upload URL `files.getUploadURLExternal` hands out: the file's bytes, as
/// the body of a POST. Slack answers with plain text, not JSON.
async fn upload(
    State(fake): State<FakeSlack>,
    Path(file): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let mut state = fake.state.lock().unwrap();
    state.calls.push("files.upload".to_owned());
    match state.uploads.get_mut(&file) {
        Some(upload) => {
            upload.bytes = Some(body.to_vec());
            (
                StatusCode::OK,
                [("content-type", "text/plain")],
                format!("OK - {}", body.len()),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Every Web API method: arguments from the query string, a form or JSON.
async fn web_api(
    State(fake): State<FakeSlack>,
    Path(method): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let mut args: Value = serde_json::from_str(&body).unwrap_or_else(|_| {
        let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
        json!(form)
    });
    for (key, value) in query {
        args[key] = json!(value);
    }
    let arg = |name: &str| -> String {
        match &args[name] {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
            _ => String::new(),
        }
    };
    let failure = {
        let mut state = fake.state.lock().unwrap();
        state.calls.push(method.clone());
        state
            .failures
            .get_mut(&method)
            .and_then(VecDeque::pop_front)
    };
    match failure {
        Some(Failure::RateLimited {
            retry_after_seconds,
        }) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", retry_after_seconds.to_string())],
                Json(json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response();
        }
        Some(Failure::Error(code)) => return refuse(code),
        Some(Failure::AnswerLost) => {
            let _ = answer(&fake, &method, &args, &arg);
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        None => {}
    }
    let expected = if method == "apps.connections.open" {
        APP_TOKEN
    } else {
        BOT_TOKEN
    };
    if token != expected {
        return refuse("invalid_auth");
    }
    if method == "chat.postMessage" {
        let delay = fake
            .state
            .lock()
            .unwrap()
            .slow_channels
            .get(&arg("channel"))
            .copied();
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
    }
    answer(&fake, &method, &args, &arg)
}

/// What Slack does and answers for `method`.
fn answer(fake: &FakeSlack, method: &str, args: &Value, arg: &dyn Fn(&str) -> String) -> Response {
    match method {
        "auth.test" if fake.state.lock().unwrap().minimal => ok(json!({ "user_id": BOT_USER })),
        "auth.test" => ok(json!({
            "url": "https://fake.slack.com/", "team": "Fake Team", "user": "baton",
            "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0BATON",
        })),
        "apps.connections.open" => ok(json!({
            "url": format!("ws://127.0.0.1:{}/socket", fake.port),
        })),
        "users.info" => {
            let user = arg("user");
            let state = fake.state.lock().unwrap();
            match state.users.get(&user) {
                Some(name) => ok(json!({"user": {
                    "id": user, "team_id": TEAM, "name": name, "real_name": name,
                    "profile": {"display_name": name, "real_name": name},
                    "is_bot": false, "deleted": false,
                }})),
                None => refuse("user_not_found"),
            }
        }
        "conversations.open" => {
            let user = arg("users");
            let mut state = fake.state.lock().unwrap();
            if !state.users.contains_key(&user) {
                return refuse("user_not_found");
            }
            let channel = format!("D{user}");
            let already = state
                .dm_channels
                .insert(user.clone(), channel.clone())
                .is_some();
            ok(json!({"channel": {"id": channel}, "already_open": already}))
        }
        "chat.postMessage" => {
            let channel = arg("channel");
            if channel.is_empty() {
                return refuse("channel_not_found");
            }
            let text = arg("text");
            if text.is_empty() && args["blocks"].is_null() {
                return refuse("no_text");
            }
            let ts = fake.next_ts();
            let thread_ts = Some(arg("thread_ts")).filter(|t| !t.is_empty());
            let metadata = Some(args["metadata"].clone()).filter(|m| !m.is_null());
            fake.state.lock().unwrap().posted.push(Posted {
                channel: channel.clone(),
                thread_ts: thread_ts.clone(),
                ts: ts.clone(),
                text: text.clone(),
                metadata: metadata.clone(),
                files: Vec::new(),
            });
            if fake.state.lock().unwrap().minimal {
                return ok(json!({"channel": channel, "ts": ts}));
            }
            ok(json!({"channel": channel, "ts": ts, "message": {
                "type": "message", "text": text, "ts": ts, "user": BOT_USER,
                "bot_id": "B0BATON", "thread_ts": thread_ts, "metadata": metadata,
            }}))
        }
        "files.getUploadURLExternal" => {
            let (name, length) = (arg("filename"), arg("length"));
            let Ok(length) = length.parse::<usize>() else {
                return refuse("invalid_arguments");
            };
            if name.is_empty() || length == 0 {
                return refuse("invalid_arguments");
            }
            let id = format!("F{}", fake.next_ts().replace('.', ""));
            fake.state.lock().unwrap().uploads.insert(
                id.clone(),
                Upload {
                    name,
                    length,
                    alt_text: arg("alt_txt"),
                    bytes: None,
                },
            );
            ok(json!({
                "upload_url": format!("http://127.0.0.1:{}/upload/{id}", fake.port),
                "file_id": id,
            }))
        }
        "files.completeUploadExternal" => {
            // As Slack does: every file must have been uploaded whole; the share
            // is a message in the channel (or thread) with the files.
            let channel = arg("channel_id");
            let files = args["files"].as_array().cloned().unwrap_or_default();
            let mut shared = Vec::new();
            let mut state = fake.state.lock().unwrap();
            for file in &files {
                let id = file["id"].as_str().unwrap_or_default();
                let Some(upload) = state.uploads.remove(id) else {
                    return refuse("file_not_found");
                };
                let Some(bytes) = upload.bytes.filter(|b| b.len() == upload.length) else {
                    return refuse("file_upload_size_mismatch");
                };
                shared.push(SharedFile {
                    id: id.to_owned(),
                    name: upload.name,
                    title: file["title"].as_str().unwrap_or_default().to_owned(),
                    alt_text: upload.alt_text,
                    bytes,
                });
            }
            if shared.is_empty() {
                return refuse("invalid_arguments");
            }
            let answer: Vec<Value> = shared
                .iter()
                .map(|f| json!({"id": f.id, "title": f.title}))
                .collect();
            if !channel.is_empty() {
                let ts = state.next_ts();
                state.posted.push(Posted {
                    channel,
                    thread_ts: Some(arg("thread_ts")).filter(|t| !t.is_empty()),
                    ts,
                    text: arg("initial_comment"),
                    metadata: None,
                    files: shared,
                });
            }
            ok(json!({"files": answer}))
        }
        "chat.postEphemeral" => {
            let (channel, user, text) = (arg("channel"), arg("user"), arg("text"));
            if channel.is_empty() || user.is_empty() {
                return refuse("channel_not_found");
            }
            // Blocks come as JSON, or as a JSON string in a form.
            let blocks = match &args["blocks"] {
                Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                other => other.clone(),
            };
            let actions: Vec<String> = blocks
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
                .filter_map(|e| e["action_id"].as_str().map(str::to_owned))
                .collect();
            {
                let mut state = fake.state.lock().unwrap();
                state.ephemeral_actions.push((user.clone(), actions));
                state.ephemeral.push((channel, user, text));
            }
            ok(json!({"message_ts": fake.next_ts()}))
        }
        "chat.getPermalink" => {
            let (channel, ts) = (arg("channel"), arg("message_ts"));
            ok(json!({
                "channel": channel,
                "permalink": format!("https://fake.slack.com/archives/{channel}/p{}", ts.replace('.', "")),
            }))
        }
        "conversations.history" | "conversations.replies" => {
            let (channel, thread) = (arg("channel"), arg("ts"));
            // As Slack does: metadata only for those who ask for it; messages after
            // `oldest`; history newest first, replies oldest first; `limit` a page
            // (history 100 by default, replies 1,000) and a cursor to the next.
            let with_metadata = arg("include_all_metadata") == "true";
            let oldest: f64 = arg("oldest").parse().unwrap_or(0.0);
            let replies = method == "conversations.replies";
            let default_limit = if replies { 1000 } else { 100 };
            let limit: usize = arg("limit").parse().unwrap_or(default_limit).clamp(1, 1000);
            let start: usize = arg("cursor")
                .strip_prefix("bmV4dF90czox")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let state = fake.state.lock().unwrap();
            let mut matching: Vec<&Posted> = state
                .posted
                .iter()
                .filter(|p| p.channel == channel)
                .filter(|p| !replies || p.thread_ts.as_deref() == Some(thread.as_str()))
                .filter(|p| p.ts.parse::<f64>().unwrap_or(0.0) > oldest)
                .collect();
            if !replies {
                matching.reverse();
            }
            let messages: Vec<Value> = matching
                .iter()
                .skip(start)
                .take(limit)
                .map(|p| {
                    let mut message = json!({"type": "message", "text": p.text, "ts": p.ts,
                           "user": BOT_USER, "bot_id": "B0BATON",
                           "metadata": if with_metadata { p.metadata.clone() } else { None }});
                    if !p.files.is_empty() {
                        message["upload"] = json!(true);
                        message["files"] = p
                            .files
                            .iter()
                            .map(|f| {
                                json!({
                                    "id": f.id, "name": f.name, "title": f.title,
                                    "mimetype": "image/png", "filetype": "png",
                                })
                            })
                            .collect();
                    }
                    message
                })
                .collect();
            let has_more = start + limit < matching.len();
            let next = if has_more {
                format!("bmV4dF90czox{}", start + limit)
            } else {
                String::new()
            };
            ok(json!({"messages": messages, "has_more": has_more,
                      "response_metadata": {"next_cursor": next}}))
        }
        "conversations.info" => {
            let channel = arg("channel");
            let state = fake.state.lock().unwrap();
            let private = state.private_channels.contains_key(&channel);
            let im = channel.starts_with('D');
            if im {
                return ok(json!({"channel": {
                    "id": channel, "created": 1_700_000_000, "is_im": true, "is_org_shared": false,
                    "context_team_id": TEAM, "updated": 1_700_000_000_000_i64,
                    "user": channel.trim_start_matches('D'), "is_user_deleted": false,
                    "priority": 0,
                }}));
            }
            // Slack's documented example of a channel, with this channel's id and privacy.
            ok(json!({"channel": {
                "id": channel, "name": format!("chan-{}", channel.to_lowercase()),
                "is_channel": true, "is_group": false, "is_im": false, "is_mpim": false,
                "is_private": private, "created": 1_449_252_889, "is_archived": false,
                "is_general": false, "unlinked": 0, "name_normalized": format!("chan-{}", channel.to_lowercase()),
                "is_shared": false, "is_org_shared": false, "is_pending_ext_shared": false,
                "pending_shared": [], "context_team_id": TEAM, "updated": 1_678_229_664_302_i64,
                "parent_conversation": null, "creator": "W012A3BCD", "is_ext_shared": false,
                "shared_team_ids": [TEAM], "pending_connected_team_ids": [], "is_member": true,
                "last_read": "1502126650.228446",
                "topic": {"value": "For public discussion of generalities", "creator": "W012A3BCD", "last_set": 1_449_709_364},
                "purpose": {"value": "This part of the workspace is for fun. Make fun here.", "creator": "W012A3BCD", "last_set": 1_449_709_364},
                "previous_names": ["specifics", "abstractions", "etc"],
                "locale": "en-US",
            }}))
        }
        "conversations.members" => {
            let channel = arg("channel");
            let state = fake.state.lock().unwrap();
            let mut members: Vec<String> = match state.private_channels.get(&channel) {
                Some(members) => members.clone(),
                None => state.users.keys().cloned().collect(),
            };
            members.sort();
            // Pages as Slack serves them: `limit` per page (default 100), an opaque
            // cursor to the next, an empty one after the last.
            let limit: usize = arg("limit").parse().unwrap_or(100).clamp(1, 1000);
            let start: usize = arg("cursor")
                .strip_prefix("dXNlcjo")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let page: Vec<String> = members.iter().skip(start).take(limit).cloned().collect();
            let next = if start + limit < members.len() {
                format!("dXNlcjo{}", start + limit)
            } else {
                String::new()
            };
            ok(json!({"members": page, "response_metadata": {"next_cursor": next}}))
        }
        "views.publish" => {
            let view = json!({"id": "V0HOME", "type": "home", "blocks": args["view"]["blocks"]});
            fake.state
                .lock()
                .unwrap()
                .homes
                .insert(arg("user_id"), args["view"].to_string());
            ok(json!({ "view": view }))
        }
        _ => refuse("unknown_method"),
    }
}

/// A Socket Mode connection: `hello`, then envelopes from the test, acks back.
async fn socket(State(fake): State<FakeSlack>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| serve_socket(fake, socket))
}

async fn serve_socket(fake: FakeSlack, mut socket: WebSocket) {
    let (sender, mut outgoing) = mpsc::unbounded_channel();
    let hello = json!({
        "type": "hello", "num_connections": 1,
        "connection_info": {"app_id": "A0BATON"},
        "debug_info": {"host": "fake", "approximate_connection_time": 18060},
    });
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    {
        let mut state = fake.state.lock().unwrap();
        state.connections += 1;
        state.sockets.push(sender);
    }
    loop {
        tokio::select! {
            frame = outgoing.recv() => {
                let Some(frame) = frame else { break };
                let closing = matches!(frame, Message::Close(_));
                if socket.send(frame).await.is_err() || closing {
                    break;
                }
            }
            received = socket.recv() => {
                match received {
                    Some(Ok(Message::Text(text))) => {
                        if let Ok(ack) = serde_json::from_str::<Value>(&text)
                            && let Some(id) = ack["envelope_id"].as_str()
                        {
                            fake.state.lock().unwrap().acks.push(id.to_owned());
                        }
                    }
                    Some(Ok(Message::Ping(data))) => {
                        let _ = socket.send(Message::Pong(data)).await;
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
        }
    }
}
