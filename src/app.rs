//! `baton run` and the operator commands around it.

use std::io::Write;
use std::process::ExitCode;

use crate::settings::Settings;
use crate::store::{Destination, Store, StoreResult};

/// Starts every configured chat adapter.
///
/// # Errors
/// When an adapter cannot start.
pub async fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let mut unavailable = Vec::new();
    if settings.slack.is_configured() {
        unavailable.push("Slack");
    }
    if settings.matrix.is_configured() {
        unavailable.push("Matrix");
    }
    if unavailable.is_empty() {
        eprintln!(
            "No chat adapter is configured, so there is nothing to run.\n\
             Set BATON_SLACK__BOT_TOKEN and BATON_SLACK__APP_TOKEN for Slack, or\n\
             BATON_MATRIX__HOMESERVER, BATON_MATRIX__USER and BATON_MATRIX__PASSWORD for Matrix.\n\
             To try Baton without a chat server: baton console"
        );
    } else {
        eprintln!(
            "{} is configured, but this build of Baton has no {} adapter yet.\n\
             To try Baton without a chat server: baton console",
            unavailable.join(" and "),
            unavailable.join(" or ")
        );
    }
    Ok(ExitCode::from(2))
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("REDACTED"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// `baton outbox`: one line per message, the newest last.
///
/// # Errors
/// When the store fails or `out` cannot be written.
pub async fn print_outbox(
    store: &dyn Store,
    failed_only: bool,
    limit: i64,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let messages = outbox(store, failed_only, limit).await?;
    if messages.is_empty() {
        writeln!(
            out,
            "{}",
            if failed_only {
                "No failed messages."
            } else {
                "The outbox is empty."
            }
        )?;
        return Ok(());
    }
    for m in messages {
        let to = match &m.destination {
            Destination::Dm(person) => format!("DM {}", person.as_str()),
            Destination::Room {
                room,
                thread_task: Some(task),
            } => format!("{room} thread {task}"),
            Destination::Room {
                room,
                thread_task: None,
            } => room.clone(),
        };
        let first_line = m.body.lines().next().unwrap_or("");
        writeln!(
            out,
            "#{} {:?} attempts={} to={to} created={} {first_line}",
            m.id,
            m.status,
            m.attempts,
            m.created_at.format("%Y-%m-%d %H:%M:%S")
        )?;
        if let Some(error) = &m.last_error {
            writeln!(out, "    reason: {error}")?;
        }
    }
    Ok(())
}

async fn outbox(
    store: &dyn Store,
    failed_only: bool,
    limit: i64,
) -> StoreResult<Vec<crate::store::OutboxMessage>> {
    store.outbox(failed_only, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://baton:s3cret@db:5432/baton"),
            "postgres://baton:REDACTED@db:5432/baton"
        );
        assert_eq!(redact_url("sqlite://baton.db"), "sqlite://baton.db");
    }
}
