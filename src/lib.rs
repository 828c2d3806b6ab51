//! # Baton
//!
//! A chat-ops bot that moves work between people.
//!
//! # Layout
//! Data flows one way: adapter → parser → engine + store → outbox → adapter.
#![forbid(unsafe_code)]

pub mod domain;
pub mod store;
