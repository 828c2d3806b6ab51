//! `baton doctor`: checks the configuration and everything it points at, and says
//! how to fix each problem.

use std::net::SocketAddr;

use secrecy::ExposeSecret;

use crate::app::redact_url;
use crate::error_chain::error_chain;
use crate::settings::Settings;

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: &'static str,
    /// `None` when all is well; else what is wrong and how to fix it.
    pub problem: Option<String>,
    pub detail: String,
}

impl Finding {
    fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            problem: None,
            detail: detail.into(),
        }
    }

    fn bad(check: &'static str, problem: impl Into<String>) -> Self {
        Self {
            check,
            problem: Some(problem.into()),
            detail: String::new(),
        }
    }
}

/// Runs every check.
pub async fn examine(settings: &Settings, warnings: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.push(match settings.defaults() {
        Ok(_) if warnings.is_empty() => Finding::ok("configuration", "valid"),
        Ok(_) => Finding::bad(
            "configuration",
            format!(
                "{}. Fix: remove or correct the variable (see the README's configuration table).",
                warnings.join("; ")
            ),
        ),
        Err(e) => Finding::bad(
            "configuration",
            format!("{e}. Fix: correct it in baton.toml or the BATON_ variable."),
        ),
    });
    findings.push(match settings.http.listen.parse::<SocketAddr>() {
        Ok(address) => Finding::ok("http listener", address.to_string()),
        Err(_) => Finding::bad(
            "http listener",
            format!("`{}` is not an address. Fix: set BATON_HTTP__LISTEN to HOST:PORT, e.g. 0.0.0.0:8080.", settings.http.listen),
        ),
    });
    findings.push(database(&settings.database_url).await);
    if let Some(finding) = slack(settings).await {
        findings.push(finding);
    }
    if settings.matrix.is_configured() {
        findings.extend(matrix(&settings.matrix).await);
    }
    findings.push(forge(
        "github webhooks",
        settings.github.webhook_secret.as_ref(),
        "/forge/github",
        "BATON_GITHUB__WEBHOOK_SECRET",
        &settings.forge.repos,
    ));
    findings.push(forge(
        "gitlab webhooks",
        settings.gitlab.webhook_token.as_ref(),
        "/forge/gitlab",
        "BATON_GITLAB__WEBHOOK_TOKEN",
        &settings.forge.repos,
    ));
    findings
}

/// Shortest forge secret doctor accepts: a guessable one lets anyone finish tasks.
const MIN_FORGE_SECRET_CHARS: usize = 16;

/// Whether a forge's webhook endpoint is on, and with a secret worth having.
fn forge(
    check: &'static str,
    secret: Option<&secrecy::SecretString>,
    path: &str,
    variable: &str,
    repos: &str,
) -> Finding {
    let Some(secret) = secret else {
        return Finding::ok(
            check,
            format!(
                "not configured (set {variable} to take pull and merge request signals at POST {path})"
            ),
        );
    };
    let length = secret.expose_secret().chars().count();
    if length < MIN_FORGE_SECRET_CHARS {
        return Finding::bad(
            check,
            format!(
                "{variable} is only {length} characters, easy to guess. Fix: use a random secret of at least {MIN_FORGE_SECRET_CHARS} characters (`openssl rand -hex 32`) here and in the forge's webhook settings."
            ),
        );
    }
    let repos = if repos.trim().is_empty() {
        "from any repository".to_owned()
    } else {
        format!("from {}", repos.trim())
    };
    Finding::ok(check, format!("configured at POST {path}, {repos}"))
}

async fn database(url: &str) -> Finding {
    let shown = redact_url(url);
    let store = match crate::store::open(url).await {
        Ok(store) => store,
        Err(e) => {
            return Finding::bad(
                "database",
                format!(
                    "cannot open {shown}: {}. Fix: check BATON_DATABASE_URL (sqlite://FILE or postgres://USER@HOST:PORT/DB), that the server runs and that the user may connect.",
                    error_chain(&e)
                ),
            );
        }
    };
    match store.pending_migrations().await {
        Ok(0) => Finding::ok("database", format!("{shown}: reachable, migrated")),
        Ok(n) => Finding::bad(
            "database",
            format!(
                "{shown} lacks {n} migration(s). Fix: run `baton migrate` (every start also migrates)."
            ),
        ),
        Err(e) => Finding::bad(
            "database",
            format!("{shown}: cannot read its migrations: {}", error_chain(&e)),
        ),
    }
}

async fn slack(settings: &Settings) -> Option<Finding> {
    let slack = &settings.slack;
    if !slack.is_configured() && slack.app_token.is_none() && slack.signing_secret.is_none() {
        return None;
    }
    let bot_token = slack
        .bot_token
        .as_ref()
        .filter(|t| t.expose_secret().starts_with("xoxb-"));
    let Some(bot_token) = bot_token else {
        return Some(Finding::bad(
            "slack",
            "BATON_SLACK__BOT_TOKEN is missing or is not a bot token (they start with `xoxb-`). Fix: copy the Bot User OAuth Token from the app's OAuth & Permissions page.",
        ));
    };
    if let Some(app) = &slack.app_token
        && !app.expose_secret().starts_with("xapp-")
    {
        return Some(Finding::bad(
            "slack",
            "BATON_SLACK__APP_TOKEN is not an app-level token (they start with `xapp-`). Fix: create one with the connections:write scope under Basic Information.",
        ));
    }
    if slack.app_token.is_none() && slack.signing_secret.is_none() {
        return Some(Finding::bad(
            "slack",
            "Slack cannot reach Baton: neither BATON_SLACK__APP_TOKEN (Socket Mode) nor BATON_SLACK__SIGNING_SECRET (HTTP Events API) is set. Fix: set one of them (see \"Set up Baton in Slack\" in the README).",
        ));
    }
    let client = match crate::chat::slack::client(&slack.api_url) {
        Ok(client) => client,
        Err(e) => {
            return Some(Finding::bad(
                "slack",
                format!("cannot set up TLS: {e}. Fix: install the system's CA certificates."),
            ));
        }
    };
    let api = crate::chat::slack::SlackApi::new(client, bot_token);
    Some(match crate::chat::slack::identify(&api).await {
        Ok(me) => {
            let mode = if slack.app_token.is_some() {
                "Socket Mode"
            } else {
                "HTTP Events API at /slack/events"
            };
            Finding::ok(
                "slack",
                format!(
                    "the bot token works: workspace {} ({}), bot user {}; {mode}",
                    me.team, me.team_id, me.user_id
                ),
            )
        }
        Err(e) if e.is_auth() => Finding::bad(
            "slack",
            format!(
                "Slack refused the bot token ({}). Fix: copy the Bot User OAuth Token (xoxb-...) again from the app's OAuth & Permissions page, and reinstall the app if it was revoked.",
                e.code().unwrap_or("invalid_auth")
            ),
        ),
        Err(e) => Finding::bad(
            "slack",
            format!(
                "cannot reach Slack at {}: {}. Fix: check the network, a proxy, or BATON_SLACK__API_URL.",
                slack.api_url,
                error_chain(&e)
            ),
        ),
    })
}

/// The homeserver answers, the credentials are set, the store can be written.
/// Logging in is left to `baton run`: each login is a new device.
async fn matrix(matrix: &crate::settings::MatrixSettings) -> Vec<Finding> {
    let mut findings = Vec::new();
    let homeserver = matrix.homeserver.as_deref().unwrap_or_default();
    let missing: Vec<&str> = [
        ("BATON_MATRIX__USER", matrix.user.is_none()),
        ("BATON_MATRIX__PASSWORD", matrix.password.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, missing)| missing.then_some(name))
    .collect();
    if !missing.is_empty() {
        findings.push(Finding::bad(
            "matrix",
            format!(
                "{} not set. Fix: set the bot account's user id (@baton:example.org) and password.",
                missing.join(" and ")
            ),
        ));
    }
    let reached = match matrix_sdk::Client::builder()
        .homeserver_url(homeserver)
        .build()
        .await
    {
        Ok(client) => client
            .server_versions()
            .await
            .map(|versions| versions.len())
            .map_err(|e| error_chain(&e)),
        Err(e) => Err(error_chain(&e)),
    };
    findings.push(match reached {
        Ok(_) => Finding::ok("matrix homeserver", format!("{homeserver} answers")),
        Err(e) => Finding::bad(
            "matrix homeserver",
            format!("cannot reach {homeserver}: {e}. Fix: check BATON_MATRIX__HOMESERVER (e.g. https://matrix.example.org) and the network."),
        ),
    });
    let store = &matrix.store_dir;
    let writable = std::fs::create_dir_all(store).and_then(|()| {
        let probe = store.join(".baton-doctor");
        std::fs::write(&probe, b"ok")?;
        std::fs::remove_file(probe)
    });
    findings.push(match writable {
        Ok(()) => Finding::ok("matrix store", format!("{} is writable", store.display())),
        Err(e) => Finding::bad(
            "matrix store",
            format!("cannot write {}: {e}. Fix: point BATON_MATRIX__STORE_DIR at a writable, persistent directory (it holds the encryption keys).", store.display()),
        ),
    });
    findings
}

/// Prints the findings; true when nothing is wrong.
pub fn report(findings: &[Finding], out: &mut dyn std::io::Write) -> std::io::Result<bool> {
    let mut healthy = true;
    for finding in findings {
        match &finding.problem {
            None => writeln!(out, "ok    {}: {}", finding.check, finding.detail)?,
            Some(problem) => {
                healthy = false;
                writeln!(out, "FAIL  {}: {problem}", finding.check)?;
            }
        }
    }
    writeln!(
        out,
        "{}",
        if healthy {
            "Everything looks right."
        } else {
            "Some checks failed; see above."
        }
    )?;
    Ok(healthy)
}
