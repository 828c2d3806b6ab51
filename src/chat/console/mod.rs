//! `baton console`: the same bot in a terminal (DESIGN §4, a stable contract).
//!
//! Plain lines are messages from the current speaker in the current room; lines
//! starting with `:` move the speaker, the room, the thread or the clock. Every
//! message the bot sends is printed as a block: `>>> DM @bob`, `>>> #general` or
//! `>>> #general thread T-4`, the text, then an empty line.

use std::io::{self, BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use tokio::runtime::Handle;
use tokio::sync::Notify;

use crate::assistant::Assistant;
use crate::clock::{Clock, ManualClock};
use crate::domain::{Forge, PersonId, RoomPrivacy, TaskKey};
use crate::engine::{Defaults, Engine, ForgeOutcome, Inbound, InboundKind};
use crate::error_chain::error_chain;
use crate::outbox::OutboxWorker;
use crate::scheduler::Scheduler;
use crate::store::Store;

/// The platform name of console people and rooms (`console:@alice`).
pub const PLATFORM: &str = "console";

mod outlet;

pub use outlet::ConsoleOutlet;

const DEFAULT_SPEAKER: &str = "@you";
const DEFAULT_ROOM: &str = "#general";

const META_HELP: &str = "console commands:
  :as @alice         speak as @alice
  :in #ops           move to room #ops (default #general)
  :thread T-4        reply in T-4's thread
  :room              leave the thread (or the DM) for the room
  :dm                send DMs to the bot
  :react ✅ T-4      react to T-4's card (✅ marks it done)
  :tick 2026-11-24T09:30   move the console's clock (UTC)
  :private           make the current room private (its notes stay in it)
  :join @bob         make @bob a member of the current room (as speaking there does)
  :github EVENT FILE      feed a GitHub webhook payload (EVENT as in X-GitHub-Event,
                          e.g. pull_request) through Baton's webhook code, unsigned
  :gitlab EVENT FILE      the same for GitLab (EVENT: merge_request or pipeline)
  :help              this list
Anything else is a chat message; try `!baton help`.";

/// Where the next message is written, and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    speaker: String,
    room: String,
    thread: Option<TaskKey>,
    dm: bool,
    /// Rooms marked `:private` in this session.
    private_rooms: Vec<String>,
}

impl Default for Position {
    fn default() -> Self {
        Self {
            speaker: DEFAULT_SPEAKER.to_owned(),
            room: DEFAULT_ROOM.to_owned(),
            thread: None,
            dm: false,
            private_rooms: Vec::new(),
        }
    }
}

impl Position {
    fn prompt(&self) -> String {
        match (self.dm, self.thread) {
            (true, _) => format!("{} → DM baton › ", self.speaker),
            (false, Some(task)) => format!("{} {} thread {task} › ", self.speaker, self.room),
            (false, None) => format!("{} {} › ", self.speaker, self.room),
        }
    }
}

/// A meta line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Meta {
    As(String),
    In(String),
    Thread(TaskKey),
    Room,
    Dm,
    React {
        emoji: String,
        task: TaskKey,
    },
    Tick(DateTime<Utc>),
    Private,
    Join(String),
    /// A forge webhook payload from a file, as if delivered.
    Forge {
        forge: Forge,
        event: String,
        file: String,
    },
    Help,
}

/// Parses a line starting with `:`; the error is what the user reads.
fn parse_meta(line: &str) -> Result<Meta, String> {
    let mut words = line.split_whitespace();
    let command = words.next().unwrap_or(":");
    let args: Vec<&str> = words.collect();
    let one = |usage: &str| match args.as_slice() {
        [arg] => Ok((*arg).to_owned()),
        _ => Err(format!("usage: {usage}")),
    };
    let key = |s: &str| s.parse::<TaskKey>().map_err(|e| e.to_string());
    match command {
        ":as" => one(":as @alice").map(|who| Meta::As(with_prefix(&who, '@'))),
        ":in" => one(":in #ops").map(|room| Meta::In(with_prefix(&room, '#'))),
        ":thread" => key(&one(":thread T-4")?).map(Meta::Thread),
        ":room" => Ok(Meta::Room),
        ":dm" => Ok(Meta::Dm),
        ":react" => match args.as_slice() {
            [emoji, task] => Ok(Meta::React {
                emoji: (*emoji).to_owned(),
                task: key(task)?,
            }),
            _ => Err("usage: :react ✅ T-4".to_owned()),
        },
        ":tick" => parse_time(&args.join(" ")).map(Meta::Tick),
        ":private" => Ok(Meta::Private),
        ":join" => one(":join @bob").map(|who| Meta::Join(with_prefix(&who, '@'))),
        ":github" | ":gitlab" => match args.as_slice() {
            [event, file] => {
                let forge = if command == ":github" {
                    Forge::GitHub
                } else {
                    Forge::GitLab
                };
                Ok(Meta::Forge {
                    forge,
                    event: forge_event_name(forge, event),
                    file: (*file).to_owned(),
                })
            }
            _ => Err(format!(
                "usage: {command} EVENT FILE, e.g. :github pull_request pr.json or :gitlab merge_request mr.json"
            )),
        },
        ":help" => Ok(Meta::Help),
        other => Err(format!("unknown console command {other}; :help lists them")),
    }
}

/// The forge's own name of an event: GitLab's `X-Gitlab-Event` is `Merge Request
/// Hook`, which the console also takes as `merge_request` (its `object_kind`).
fn forge_event_name(forge: Forge, event: &str) -> String {
    match (forge, event) {
        (Forge::GitLab, "merge_request" | "mr") => "Merge Request Hook".to_owned(),
        (Forge::GitLab, "pipeline") => "Pipeline Hook".to_owned(),
        _ => event.to_owned(),
    }
}

/// A short digest of a payload, its console delivery id.
fn payload_digest(event: &str, body: &[u8]) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(event.as_bytes());
    hasher.update(body);
    hex::encode(&hasher.finalize()[..12])
}

fn with_prefix(name: &str, prefix: char) -> String {
    if name.starts_with(prefix) {
        name.to_owned()
    } else {
        format!("{prefix}{name}")
    }
}

/// `2026-11-24T09:30`, `2026-11-24 09:30[:ss]` (UTC) or RFC 3339.
fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.to_utc());
    }
    for format in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(at.and_utc());
        }
    }
    Err(format!("usage: :tick 2026-11-24T09:30 (got `{text}`)"))
}

/// Runs the console on `store` until the end of input.
///
/// # Errors
/// When reading stdin fails or the store fails while draining the outbox.
///
/// Time moves only with `:tick`: that is when held DMs come due and digests are
/// posted, so a script without ticks prints the same whenever it runs.
///
/// Pictures (`graph`) are saved in `pictures`.
pub async fn run(
    store: Arc<dyn Store>,
    defaults: Defaults,
    pictures: PathBuf,
    assistant: Option<Arc<Assistant>>,
) -> anyhow::Result<()> {
    let clock = Arc::new(ManualClock::default());
    let scheduler = Scheduler::new(store.clone(), defaults.clone(), clock.clone());
    let engine = Engine::new(store.clone(), Arc::new(Notify::new()), defaults.clone())
        .with_assistant(assistant.clone());
    let worker = OutboxWorker::new(store, clock.clone())
        .with_outlet(
            PLATFORM,
            Arc::new(ConsoleOutlet::new(io::stdout(), pictures)),
        )
        .with_assistant(assistant);
    let session = Session {
        engine,
        worker,
        scheduler,
        clock,
        position: Position::default(),
        checked_rooms: Vec::new(),
        run_id: Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        line_number: 0,
        runtime: Handle::current(),
    };
    tokio::task::spawn_blocking(move || session.read_loop()).await?
}

/// One console session: its position, clock and the bot it talks to.
struct Session {
    engine: Engine,
    worker: OutboxWorker,
    scheduler: Scheduler,
    clock: Arc<ManualClock>,
    position: Position,
    /// Rooms whose recorded privacy this run has read.
    checked_rooms: Vec<String>,
    /// Distinguishes this run's event ids from earlier runs on the same database.
    run_id: i64,
    line_number: u64,
    runtime: Handle,
}

impl Session {
    /// Reads lines until the end of input: with line editing and history on a
    /// terminal, raw bytes (any encoding) otherwise.
    fn read_loop(mut self) -> anyhow::Result<()> {
        // Deliver anything a previous run left undelivered.
        self.runtime.block_on(self.worker.drain())?;
        if io::stdin().is_terminal() {
            self.interactive()
        } else {
            let stdin = io::stdin();
            let mut input = stdin.lock();
            let mut buffer = Vec::new();
            loop {
                buffer.clear();
                if input.read_until(b'\n', &mut buffer)? == 0 {
                    return Ok(());
                }
                let line = String::from_utf8_lossy(&buffer);
                self.line(line.trim_end_matches(['\n', '\r']))?;
            }
        }
    }

    fn interactive(&mut self) -> anyhow::Result<()> {
        use rustyline::error::ReadlineError;
        let mut editor = rustyline::DefaultEditor::new()?;
        let history =
            std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".baton_history"));
        if let Some(path) = &history {
            let _ = editor.load_history(path);
        }
        eprintln!(
            "Baton console. Type `!baton help` for the bot, `:help` for the console; Ctrl-D quits."
        );
        loop {
            match editor.readline(&self.position.prompt()) {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                    }
                    self.line(&line)?;
                }
                Err(ReadlineError::Interrupted | ReadlineError::Eof) => break,
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(path) = &history {
            let _ = editor.save_history(path);
        }
        Ok(())
    }

    /// Handles one input line, then delivers what it caused.
    fn line(&mut self, line: &str) -> anyhow::Result<()> {
        self.line_number += 1;
        if line.trim().is_empty() {
            return Ok(());
        }
        if line.starts_with(':') {
            match parse_meta(line) {
                Ok(meta) => self.meta(meta),
                Err(message) => eprintln!("console: {message}"),
            }
            return Ok(());
        }
        self.learn_privacy();
        let inbound = self.inbound(InboundKind::Message {
            text: super::normalize::plain(line),
            thread_task: self.position.thread,
            dm: self.position.dm,
        });
        self.deliver(&inbound)
    }

    fn meta(&mut self, meta: Meta) {
        let position = &mut self.position;
        match meta {
            Meta::As(speaker) => position.speaker = speaker,
            Meta::In(room) => {
                position.room = room;
                position.thread = None;
                position.dm = false;
            }
            Meta::Thread(task) => {
                position.thread = Some(task);
                position.dm = false;
            }
            Meta::Room => {
                position.thread = None;
                position.dm = false;
            }
            Meta::Dm => {
                position.dm = true;
                position.thread = None;
            }
            Meta::React { emoji, task } => {
                let inbound = self.inbound(InboundKind::Reaction { emoji, task });
                if let Err(e) = self.deliver(&inbound) {
                    eprintln!("console: {e:#}");
                }
            }
            Meta::Tick(at) => {
                self.clock.set(at);
                if let Err(error) = self.runtime.block_on(self.scheduler.run_due()) {
                    tracing::error!(error = %error_chain(&error), "could not post digests");
                }
                if let Err(error) = self.runtime.block_on(self.worker.drain()) {
                    tracing::error!(error = %error_chain(&error), "could not deliver");
                }
            }
            Meta::Private => {
                if !position.private_rooms.contains(&position.room) {
                    position.private_rooms.push(position.room.clone());
                }
            }
            Meta::Join(person) => {
                let room = format!("{PLATFORM}:{}", position.room);
                let person = PersonId::new(PLATFORM, &person);
                let joined = self
                    .runtime
                    .block_on(self.engine.set_room_member(&room, &person, true));
                if let Err(error) = joined {
                    tracing::error!(error = %error_chain(&error), "could not record a member");
                }
            }
            Meta::Forge { forge, event, file } => self.forge_delivery(forge, &event, &file),
            Meta::Help => eprintln!("{META_HELP}"),
        }
    }

    /// Reads a forge payload from `file` and applies it as the webhook would (the
    /// signature aside); the delivery id is the payload's digest, so feeding the
    /// same file twice changes nothing the second time, as a redelivery would.
    fn forge_delivery(&mut self, forge: Forge, event: &str, file: &str) {
        let body = match std::fs::read(file) {
            Ok(body) => body,
            Err(error) => {
                eprintln!("console: cannot read {file}: {error}");
                return;
            }
        };
        let delivery = format!("console-{}", payload_digest(event, &body));
        let read = match forge {
            Forge::GitHub => crate::forge::github::read(event, &delivery, &body),
            Forge::GitLab => crate::forge::gitlab::read(event, &delivery, &body),
        };
        let event = match read {
            Ok(event) => event,
            Err(error) => {
                eprintln!("console: {file} is not a {forge} {event} payload: {error}");
                return;
            }
        };
        match self.runtime.block_on(self.engine.apply_forge(&event)) {
            Ok(outcome) => eprintln!(
                "console: {forge} {}: {}",
                event.signal.kind(),
                match outcome {
                    ForgeOutcome::Applied(n) => format!("applied to {n} task(s)"),
                    ForgeOutcome::Unlinked => "it links no task Baton knows".to_owned(),
                    ForgeOutcome::Duplicate => "delivered before; nothing changed".to_owned(),
                }
            ),
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "could not apply a forge payload");
                eprintln!("console: that payload could not be applied; see the log above");
            }
        }
        if let Err(error) = self.runtime.block_on(self.worker.drain()) {
            tracing::error!(error = %error_chain(&error), "could not deliver");
        }
    }

    /// A room made private in an earlier run stays private: the first time this
    /// run speaks in a room, what the database recorded is read back.
    fn learn_privacy(&mut self) {
        let position = &mut self.position;
        if position.dm || self.checked_rooms.contains(&position.room) {
            return;
        }
        self.checked_rooms.push(position.room.clone());
        let room = format!("{PLATFORM}:{}", position.room);
        match self.runtime.block_on(self.engine.recorded_privacy(&room)) {
            Ok(Some(true)) if !position.private_rooms.contains(&position.room) => {
                position.private_rooms.push(position.room.clone());
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "could not read a room's privacy");
            }
        }
    }

    fn inbound(&self, kind: InboundKind) -> Inbound {
        let position = &self.position;
        let (room, room_name, room_privacy) = if position.dm {
            let room = format!("{PLATFORM}:dm:{}", position.speaker);
            (
                room,
                format!("a DM of {}", position.speaker),
                RoomPrivacy::Private,
            )
        } else {
            let private = position.private_rooms.contains(&position.room);
            (
                format!("{PLATFORM}:{}", position.room),
                position.room.clone(),
                RoomPrivacy::from_private(private),
            )
        };
        Inbound {
            event_id: format!("{PLATFORM}:{}:{}", self.run_id, self.line_number),
            platform: PLATFORM.to_owned(),
            room,
            room_name,
            room_privacy,
            author: PersonId::new(PLATFORM, &position.speaker),
            kind,
            message_id: None,
            permalink: None,
            at: self.clock.now(),
        }
    }

    /// Hands an event to the engine and prints what it queued. An internal failure
    /// is logged and the console goes on with the next line.
    fn deliver(&self, inbound: &Inbound) -> anyhow::Result<()> {
        if let Err(error) = self.runtime.block_on(self.engine.handle(inbound)) {
            tracing::error!(error = %error_chain(&error), "could not handle a console message");
            eprintln!("console: that message could not be handled; see the log above");
        }
        self.runtime.block_on(self.worker.drain())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_lines_parse() {
        assert_eq!(parse_meta(":as @alice"), Ok(Meta::As("@alice".into())));
        assert_eq!(parse_meta(":as alice"), Ok(Meta::As("@alice".into())));
        assert_eq!(parse_meta(":in #ops"), Ok(Meta::In("#ops".into())));
        assert_eq!(parse_meta(":thread t-4"), Ok(Meta::Thread(TaskKey::new(4))));
        assert_eq!(
            parse_meta(":react ✅ T-4"),
            Ok(Meta::React {
                emoji: "✅".into(),
                task: TaskKey::new(4)
            })
        );
        let tick = parse_meta(":tick 2026-11-24T09:30").unwrap();
        assert_eq!(
            tick,
            Meta::Tick(
                DateTime::parse_from_rfc3339("2026-11-24T09:30:00Z")
                    .unwrap()
                    .to_utc()
            )
        );
    }

    #[test]
    fn bad_meta_lines_explain_themselves() {
        assert_eq!(parse_meta(":thread"), Err("usage: :thread T-4".into()));
        assert!(
            parse_meta(":thread X")
                .unwrap_err()
                .contains("task keys look like")
        );
        assert!(parse_meta(":frobnicate").unwrap_err().contains(":help"));
        assert!(
            parse_meta(":tick soon")
                .unwrap_err()
                .starts_with("usage: :tick")
        );
    }
}
