//! Baton's integration tests: one binary, a module per concern.

mod helpers;

mod cli;
mod console;
mod digests;
mod engine_story;
mod manifests;
mod matrix;
mod outbox_worker;
mod replicas;
mod slack;
mod slack_fake;
mod store_story;
