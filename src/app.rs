//! `baton run` and the operator commands around it.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::chat;
use crate::clock::{Clock, SystemClock};
use crate::engine::Engine;
use crate::http;
use crate::outbox::{OutboxWorker, Outlet};
use crate::scheduler::Scheduler;
use crate::settings::Settings;
use crate::store::{Destination, Store};

pub use crate::store::redact_url;

/// Runs the bot: every configured chat adapter, the outbox worker, the digest
/// scheduler and the HTTP listener, until SIGTERM or SIGINT.
///
/// Every long-lived task is supervised: if one ends on its own, the process says
/// which and exits non-zero so that the orchestrator restarts it.
///
/// # Errors
/// When the settings are invalid, or the database or the listener cannot be opened.
pub async fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let defaults = settings.defaults().map_err(anyhow::Error::msg)?;
    let grace = parse_grace(&settings.shutdown_grace).map_err(anyhow::Error::msg)?;
    if !settings.slack.is_configured() && !settings.matrix.is_configured() {
        tracing::warn!(
            "no chat adapter is configured (set BATON_SLACK__BOT_TOKEN or BATON_MATRIX__HOMESERVER); \
             serving health and metrics only. To try Baton without a chat server: baton console"
        );
    }

    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    crate::telemetry::register_metrics();
    let store: Arc<dyn Store> = Arc::from(
        crate::store::connect(&settings.database_url)
            .await
            .with_context(|| {
                format!(
                    "cannot open the database {}",
                    redact_url(&settings.database_url)
                )
            })?,
    );
    let listener = tokio::net::TcpListener::bind(&settings.http.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.http.listen))?;
    tracing::info!(address = %settings.http.listen, "listening for /healthz, /readyz and /metrics");

    let shutdown = CancellationToken::new();
    let outbox_ready = Arc::new(Notify::new());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let assistant = crate::assistant::Assistant::from_settings(&settings.model)?.map(Arc::new);
    if assistant.is_some() {
        tracing::info!(model = %settings.model.name, "a language model summarises long handoffs and proposes commands");
    }
    let engine = Engine::new(store.clone(), outbox_ready.clone(), defaults.clone())
        .with_assistant(assistant.clone());
    let mut worker = OutboxWorker::new(store.clone(), clock.clone()).with_assistant(assistant);
    let scheduler = Scheduler::new(store.clone(), defaults, clock);
    let mut adapters = Vec::new();
    let mut slack_routes = None;
    let mut slack_connection = None;
    if settings.slack.is_configured() {
        let slack = start_slack(&settings, store.clone(), engine.clone())?;
        worker = worker.with_outlet("slack", slack.outlet);
        adapters.push(http::AdapterHealth {
            name: "slack",
            connected: slack.bot.connected(),
            problem: slack.bot.unreachable(),
        });
        slack_routes = slack.routes;
        slack_connection = Some(slack.connection);
    }
    let mut matrix = None;
    if settings.matrix.is_configured() {
        let outlet = Arc::new(chat::matrix::MatrixOutletSlot::default());
        worker = worker.with_outlet("matrix", outlet.clone());
        let connected = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let problem: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
        adapters.push(http::AdapterHealth {
            name: "matrix",
            connected: connected.clone(),
            problem: problem.clone(),
        });
        // Replicas share Postgres and take turns; SQLite means one process.
        let lease_holder = settings
            .database_url
            .starts_with("postgres")
            .then(|| format!("{}-{}", hostname(), std::process::id()));
        matrix = Some(chat::matrix::MatrixRunner {
            settings: settings.matrix.clone(),
            store: store.clone(),
            engine: engine.clone(),
            outlet,
            connected,
            problem,
            lease_holder,
        });
    }
    let mut router = http::router(http::HttpState {
        store: store.clone(),
        metrics,
        adapters,
    });
    if settings.github.webhook_secret.is_some() || settings.gitlab.webhook_token.is_some() {
        router = router.merge(crate::forge::routes(crate::forge::ForgeWebhooks {
            engine: engine.clone(),
            github_secret: settings.github.webhook_secret.clone(),
            gitlab_token: settings.gitlab.webhook_token.clone(),
            repos: crate::forge::RepoFilter::new(&settings.forge.repos),
        }));
        for (forge, on) in [
            ("GitHub", settings.github.webhook_secret.is_some()),
            ("GitLab", settings.gitlab.webhook_token.is_some()),
        ] {
            if on {
                tracing::info!("{forge} webhooks at /forge/{}", forge.to_lowercase());
            }
        }
    }
    if let Some(routes) = slack_routes {
        router = router.merge(routes);
        tracing::info!(
            "Slack HTTP Events API at /slack/events, /slack/commands and /slack/interactivity"
        );
    }

    let http_limits = http::Limits {
        max_connections: settings.http.max_connections,
        ..http::Limits::default()
    };
    let mut tasks: JoinSet<(&'static str, anyhow::Result<()>)> = JoinSet::new();
    let token = shutdown.clone();
    tasks.spawn(async move {
        (
            "http listener",
            http::serve(listener, router, http_limits, token)
                .await
                .map_err(Into::into),
        )
    });
    let (token, ready) = (shutdown.clone(), outbox_ready.clone());
    tasks.spawn(async move {
        worker.run(ready, token, grace).await;
        ("outbox worker", Ok(()))
    });
    let (token, ready) = (shutdown.clone(), outbox_ready.clone());
    tasks.spawn(async move {
        scheduler.run(ready, token).await;
        ("digest scheduler", Ok(()))
    });
    if let Some(runner) = matrix {
        let token = shutdown.clone();
        tasks.spawn(async move { ("Matrix", runner.run(token).await) });
    }
    if let Some(slack) = slack_connection {
        let token = shutdown.clone();
        tasks.spawn(async move { ("Slack", slack.run(token).await) });
    }
    let token = shutdown.clone();
    tasks.spawn(async move {
        report_outbox_depth(store, token).await;
        ("outbox gauge", Ok(()))
    });

    tokio::select! {
        signal = shutdown_signal() => {
            tracing::info!(signal, "shutting down: finishing work in flight, delivering what is queued");
        }
        Some(ended) = tasks.join_next() => {
            let (name, result) = ended.unwrap_or(("a task", Err(anyhow::anyhow!("it panicked"))));
            match result {
                Ok(()) => tracing::error!(task = name, "a long-lived task stopped on its own; exiting"),
                Err(error) => tracing::error!(task = name, error = %format!("{error:#}"), "a long-lived task failed; exiting"),
            }
            shutdown.cancel();
            return Ok(ExitCode::FAILURE);
        }
    }
    shutdown.cancel();
    // The outbox worker starts no delivery after `grace`, and finishes the ones
    // under way: give it that long.
    let finished = tokio::time::timeout(grace + crate::outbox::LONGEST_DELIVERY, async {
        while let Some(ended) = tasks.join_next().await {
            if let Ok((name, Err(error))) = ended {
                tracing::error!(task = name, error = %format!("{error:#}"), "failed while shutting down");
            }
        }
    })
    .await;
    if finished.is_err() {
        tracing::warn!(
            "shutdown grace period over; undelivered messages stay queued for the next start"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The Slack adapter: what `run` wires into the outbox, the HTTP listener and
/// its supervised tasks.
struct SlackParts {
    bot: Arc<chat::slack::SlackBot>,
    outlet: Arc<dyn Outlet>,
    routes: Option<axum::Router>,
    connection: SlackConnection,
}

/// The supervised task that reaches Slack and, in Socket Mode, listens.
struct SlackConnection {
    bot: Arc<chat::slack::SlackBot>,
    socket_mode: Option<secrecy::SecretString>,
}

impl SlackConnection {
    /// Reaches Slack (retrying while it cannot be reached), then listens in
    /// Socket Mode or waits while the HTTP routes receive events.
    ///
    /// # Errors
    /// When Slack refuses the token, or Socket Mode cannot start.
    async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        self.bot
            .connect(self.socket_mode.is_some(), &shutdown)
            .await
            .map_err(|error| {
                anyhow::Error::new(error).context(
                    "Slack refused the bot token; check BATON_SLACK__BOT_TOKEN: it should be the bot token (xoxb-...) of an installed app",
                )
            })?;
        let refreshing = self.bot.refresh_people(&shutdown);
        let listening = async {
            match self.socket_mode {
                Some(app_token) if !shutdown.is_cancelled() => {
                    chat::slack::run_socket_mode(self.bot.clone(), app_token, shutdown.clone())
                        .await
                }
                _ => {
                    shutdown.cancelled().await;
                    Ok(())
                }
            }
        };
        let ((), listened) = tokio::join!(refreshing, listening);
        listened
    }
}

/// Prepares the Slack adapter: the Web API client, Socket Mode and/or the HTTP
/// routes. It reaches Slack in its supervised task, so a Slack that cannot be
/// reached at start is tried again while `/readyz` says why.
fn start_slack(
    settings: &Settings,
    store: Arc<dyn Store>,
    engine: Engine,
) -> anyhow::Result<SlackParts> {
    let config = &settings.slack;
    let Some(bot_token) = config.bot_token.as_ref() else {
        anyhow::bail!("BATON_SLACK__BOT_TOKEN is not set");
    };
    if config.app_token.is_none() && config.signing_secret.is_none() {
        anyhow::bail!(
            "Slack needs a way to receive events: set BATON_SLACK__APP_TOKEN (xapp-..., Socket Mode) \
             or BATON_SLACK__SIGNING_SECRET (the HTTP Events API)"
        );
    }
    let client = chat::slack::client(&config.api_url).context("cannot set up the Slack client")?;
    let api = chat::slack::SlackApi::new(client, bot_token);
    let outlet: Arc<dyn Outlet> =
        Arc::new(chat::slack::SlackOutlet::new(api.clone(), store.clone()));
    let bot = Arc::new(chat::slack::SlackBot::new(
        api,
        engine,
        config.membership_max_age,
    ));
    let routes = config
        .signing_secret
        .as_ref()
        .map(|secret| chat::slack::http_routes(bot.clone(), secret));
    let connection = SlackConnection {
        bot: bot.clone(),
        socket_mode: config.app_token.clone(),
    };
    Ok(SlackParts {
        bot,
        outlet,
        routes,
        connection,
    })
}

/// This machine's name, for telling replicas apart in the lease table.
fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "baton".to_owned())
}

/// `10`, `10s` or `500ms`.
fn parse_grace(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("shutdown_grace `{text}` is not a duration like `10s` or `500ms`");
    if let Some(ms) = text.strip_suffix("ms") {
        return ms
            .trim()
            .parse()
            .map(Duration::from_millis)
            .map_err(|_| bad());
    }
    let seconds = text.strip_suffix('s').unwrap_or(text);
    seconds
        .trim()
        .parse()
        .map(Duration::from_secs)
        .map_err(|_| bad())
}

/// Resolves on SIGTERM or SIGINT, naming which.
async fn shutdown_signal() -> &'static str {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
        "SIGTERM"
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<&'static str>();
    tokio::select! {
        name = interrupt => name,
        name = terminate => name,
    }
}

/// Keeps the outbox gauges (depth, oldest message's age) current.
async fn report_outbox_depth(store: Arc<dyn Store>, shutdown: CancellationToken) {
    loop {
        match store.oldest_pending_at().await {
            Ok(oldest) => {
                let age = oldest.map_or(0.0, |at| {
                    (chrono::Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0
                });
                metrics::gauge!("baton_outbox_oldest_pending_seconds").set(age);
            }
            Err(error) => {
                tracing::warn!(error = %crate::error_chain::error_chain(&error), "cannot read the outbox's oldest message")
            }
        }
        match store.pending_count().await {
            Ok(depth) => metrics::gauge!("baton_outbox_depth").set(depth as f64),
            Err(error) => {
                tracing::warn!(error = %crate::error_chain::error_chain(&error), "cannot read the outbox depth")
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(Duration::from_secs(15)) => {}
        }
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
    let messages = store.outbox(failed_only, limit).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_periods_read_seconds_or_milliseconds() {
        assert_eq!(parse_grace("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_grace("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_grace("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_grace("soon").is_err());
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://baton:s3cret@db:5432/baton"),
            "postgres://baton:REDACTED@db:5432/baton"
        );
        assert_eq!(redact_url("sqlite://baton.db"), "sqlite://baton.db");
    }
}
