//! Baton's integration tests: one binary, a module per concern.

mod helpers;

mod cli;
mod console;
mod digests;
mod engine_story;
mod outbox_worker;
mod store_story;
