//! # Baton
//!
//! A self-hosted chat-ops bot that moves work between people: tasks and their
//! dependencies are captured in chat, and when a task's last blocker finishes its
//! owner gets a DM with everything they need to start.
//!
//! # Layout
//! Data flows one way: adapter → parser → engine + store → outbox → adapter. Each
//! layer imports only the ones below it (no module imports one that imports it).
//!
//! - [`domain`]: pure rules, no I/O. Tasks and their graph, events, who hears of
//!   what (`notify`), who may read what (`privacy`), typed settings changes and the
//!   policy defaults; the digest's rules (`digest`) apart from its counting engine
//!   (`reach`).
//! - [`picture`]: the dependency graph drawn: a scene the engine chose, laid out
//!   and written as SVG, PNG, DOT or text. Pure, like `domain`.
//! - [`parser`]: chat text → [`parser::Intent`]. `context` is what every rule sees;
//!   the rule files (`create`, `verbs`, `relations`, `queries`) build on it; the
//!   `grammar` orders them.
//! - [`assistant`]: the optional language model (`model.url`): summaries of long
//!   upstream threads for handoff DMs, and proposals, checked against the
//!   grammar, for messages it did not understand. Nothing calls out without it.
//! - [`store`]: capability traits (`store::capability`: tasks, transfer, outbox,
//!   digests, people and rooms, leases, inbound, forge) composed into [`store::Store`] and
//!   [`store::StoreTx`]; one small SQL macro per capability (`store::sql`) expanded
//!   for SQLite and Postgres.
//! - [`engine`]: applies an intent in one store transaction: `command` (the
//!   transaction and permissions, a file per family of verbs, `messages` for what a
//!   command sends), `sight` (the privacy rule applied to each reader), `render`
//!   (the texts), `digest` (composing a room's digest), `scene` (what a picture
//!   of the graph shows).
//! - [`outbox`]: delivers queued messages through the adapters, each destination
//!   in order, several destinations at once.
//! - [`scheduler`]: posts each room's daily digest once.
//! - [`chat`]: the adapters (`console`, `slack`, `matrix`), their `normalize`d text
//!   in, and one `chunk` rule for long messages out.
//! - [`forge`]: GitHub's and GitLab's webhooks: verified, read into a
//!   [`domain::ForgeEvent`], applied by the engine.
//! - [`transfer`]: `baton import` / `baton export`.
//! - [`http`]: the listener with its limits: health, readiness, metrics and the
//!   Slack and forge endpoints.
//! - [`settings`], [`telemetry`], [`error_chain`], [`clock`]: configuration,
//!   logging, errors as one line, time.
//! - [`app`], [`doctor`], [`bench`]: `baton run`, `baton doctor`, `baton bench`.
#![forbid(unsafe_code)]
// No panicking shortcuts outside tests (clippy.toml allows them in tests).
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// In reading order (blank lines keep rustfmt from sorting them).
pub mod domain;

pub mod picture;

pub mod parser;

pub mod assistant;

pub mod store;

pub mod engine;

pub mod outbox;

pub mod scheduler;

pub mod chat;

pub mod forge;

pub mod transfer;

pub mod app;
pub mod bench;
pub mod clock;
pub mod doctor;
pub mod error_chain;
pub mod http;
pub mod settings;
pub mod telemetry;
