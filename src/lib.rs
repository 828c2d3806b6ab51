//! # Baton
//!
//! A self-hosted chat-ops bot that moves work between people: tasks and their
//! dependencies are captured in chat, and when a task's last blocker finishes its
//! owner gets a DM with everything they need to start.
//!
//! # Layout
//! Data flows one way: adapter → parser → engine + store → outbox → adapter.
//!
//! - [`domain`]: tasks, the dependency graph, events, notification rules (pure).
//! - [`parser`]: chat text → [`parser::Intent`].
//! - [`store`]: the [`store::Store`] trait, SQLite and Postgres.
//! - [`engine`]: applies an intent in one store transaction, queueing messages.
//! - [`outbox`]: delivers queued messages through the adapters.
//! - [`scheduler`]: posts each room's daily digest once.
//! - [`chat`]: the adapters (`console`).
//! - [`transfer`]: `baton import` / `baton export`.
//! - [`http`]: health, readiness and metrics.
//! - [`settings`], [`telemetry`], [`clock`], [`app`]: configuration, logging, time,
//!   and the `baton run` entry point.
#![forbid(unsafe_code)]
// No panicking shortcuts outside tests (clippy.toml allows them in tests).
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// In reading order (blank lines keep rustfmt from sorting them).
pub mod domain;

pub mod parser;

pub mod store;

pub mod engine;

pub mod outbox;

pub mod scheduler;

pub mod chat;

pub mod transfer;

pub mod app;
pub mod bench;
pub mod clock;
pub mod doctor;
pub mod error_chain;
pub mod http;
pub mod settings;
pub mod telemetry;
