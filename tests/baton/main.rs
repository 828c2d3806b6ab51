//! Baton's integration tests: one binary, a module per concern.

// matrix-sdk's sync futures are deep: proving them `Send` needs more room.
#![recursion_limit = "256"]

mod helpers;

mod bench_delivery;
mod cli;
mod console;
mod digests;
mod disk_full;
mod engine_story;
mod forge;
mod forge_run;
mod graph_cli;
mod http_limits;
mod manifests;
mod matrix;
mod model;
mod model_fake;
mod outbox_worker;
mod privacy;
mod replicas;
mod slack;
mod slack_delivery;
mod slack_fake;
mod slack_picture;
mod slack_privacy;
mod store_story;
mod text_safety;
