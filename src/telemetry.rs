//! Logging: `tracing` to stderr, pretty or JSON, filtered by `RUST_LOG`.

use tracing_subscriber::EnvFilter;

use serde::{Deserialize, Serialize};

/// How log lines are written: for people (`pretty`) or for a log collector (`json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// What matrix-sdk logs in a healthy run, quieted by default so that an ERROR in
/// Baton's log always means something (`RUST_LOG` brings it back):
/// - `matrix_sdk::http_client` logs every failed request at ERROR, the 404s the SDK
///   expects among them (`account_data/m.secret_storage.default_key`,
///   `account_data/m.direct`); failures that matter come back to Baton as errors,
///   and Baton logs them with their context.
/// - `matrix_sdk::sync` logs "room not found" at ERROR for a refused invite (the
///   SDK forgets the room, then syncs its leave); its other ERROR repeats a sync
///   failure Baton logs itself.
/// - `matrix_sdk_crypto::backups` warns for every room key that no key backup is
///   set up; Baton does not use server-side key backup.
/// - `matrix_sdk_base::room::room_info` warns that it "defaults to the rules for
///   room version 11" for a room whose create event it never saw (a refused
///   invite); its other warnings are about room tags, pins and latest events,
///   which Baton does not use.
const QUIET_BY_DEFAULT: &str = "matrix_sdk::http_client=off,matrix_sdk::sync=off,\
    matrix_sdk_crypto::backups=error,matrix_sdk_base::room::room_info=error";

/// The filter when `RUST_LOG` is unset: `level` (e.g. `info`), with matrix-sdk's
/// expected noise quieted.
fn default_directives(level: &str) -> String {
    format!("{level},{QUIET_BY_DEFAULT}")
}

/// Starts logging to stderr. `default_filter` applies when `RUST_LOG` is unset.
pub fn init(format: LogFormat, default_filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_directives(default_filter)));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests, embedding) keeps the first subscriber.
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Describes Baton's metric families and registers each at zero, so `/metrics`
/// lists them all from the start.
pub fn register_metrics() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    let counters = [
        (
            "baton_inbound_events_total",
            "Addressed inbound events, by platform and intent.",
        ),
        (
            "baton_forge_events_total",
            "Forge webhook deliveries, by forge, kind and outcome (applied, unlinked, duplicate, ignored_repository, unauthorized, bad_request, failed).",
        ),
        (
            "baton_inbound_duplicates_total",
            "Redelivered inbound events that changed nothing.",
        ),
        (
            "baton_parse_failures_total",
            "Addressed messages that were not understood.",
        ),
        (
            "baton_commands_refused_total",
            "Commands refused with a reply (unknown task, not allowed, cycle...).",
        ),
        ("baton_handoff_dms_total", "Handoff DMs queued."),
        (
            "baton_deliveries_total",
            "Outbox delivery attempts, by platform and outcome.",
        ),
        ("baton_digests_posted_total", "Daily digests posted."),
    ];
    for (name, help) in counters {
        describe_counter!(name, help);
        metrics::counter!(name).increment(0);
    }
    describe_gauge!("baton_outbox_depth", "Messages waiting in the outbox.");
    metrics::gauge!("baton_outbox_depth").set(0.0);
    describe_gauge!(
        "baton_outbox_oldest_pending_seconds",
        Unit::Seconds,
        "Age of the oldest message waiting in the outbox (0 when it is empty)."
    );
    metrics::gauge!("baton_outbox_oldest_pending_seconds").set(0.0);
    describe_counter!(
        "baton_delivery_failures_total",
        "Failed deliveries, by platform and reason (rate_limited, transient, permanent)."
    );
    describe_counter!(
        "baton_slack_requests_refused_total",
        "Slack HTTP requests refused: unsigned, wrongly signed or stale."
    );
    describe_histogram!(
        "baton_platform_api_seconds",
        Unit::Seconds,
        "Chat platform API call latency, by platform and method."
    );
    describe_histogram!(
        "baton_command_seconds",
        Unit::Seconds,
        "Time to apply a command, store transaction included."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_filter_quiets_the_sdk_but_not_baton() {
        let directives = default_directives("info");
        assert!(EnvFilter::try_new(&directives).is_ok(), "{directives}");
        assert!(directives.starts_with("info,"));
        assert!(
            !directives.contains("baton"),
            "Baton's own logs stay at the level"
        );
    }
}
