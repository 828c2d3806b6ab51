//! Logging in, and staying the same device across restarts.
//!
//! The session (user, device id, access token) is kept in Baton's database; the
//! SDK's own store (sync token, encryption keys) in `BATON_MATRIX__STORE_DIR`. With
//! both, a restart restores the same device and its keys. When the store is gone,
//! the old device's keys are gone with it: Baton logs in as a new device and says
//! so. Cross-signing is bootstrapped at the first login, so clients that only share
//! keys with verified devices still share them with the bot.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::encryption::EncryptionSettings;
use secrecy::ExposeSecret;

use crate::settings::MatrixSettings;
use crate::store::Store;

/// Where the session lives in Baton's database.
const SESSION_KEY: &str = "matrix.session";

/// Who may invite the bot: user id patterns with `*` wildcards.
#[derive(Debug, Clone)]
pub struct InviterRules {
    patterns: Vec<regex::Regex>,
}

impl InviterRules {
    /// From `@*:example.org, @ops:partner.org`; empty: anyone on `home_server`.
    pub fn new(setting: &str, home_server: &str) -> Self {
        let setting = if setting.trim().is_empty() {
            format!("@*:{home_server}")
        } else {
            setting.to_owned()
        };
        let patterns = setting
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .filter_map(|p| {
                let escaped = regex::escape(p).replace(r"\*", ".*");
                regex::Regex::new(&format!("^{escaped}$")).ok()
            })
            .collect();
        Self { patterns }
    }

    pub fn allows(&self, user: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(user))
    }
}

/// A logged-in client: the saved session restored, or a new device.
///
/// # Errors
/// When the settings are incomplete, the homeserver cannot be reached, or it
/// refuses the password. The store is only cleared when the homeserver said the
/// saved session is over, never because it could not be reached.
pub async fn connect(settings: &MatrixSettings, store: &Arc<dyn Store>) -> anyhow::Result<Client> {
    let homeserver = settings
        .homeserver
        .as_deref()
        .context("BATON_MATRIX__HOMESERVER is not set")?;
    let user = settings
        .user
        .as_deref()
        .context("BATON_MATRIX__USER is not set (the bot's user id, e.g. @baton:example.org)")?;
    let password = settings
        .password
        .as_ref()
        .context("BATON_MATRIX__PASSWORD is not set")?;
    let store_dir = &settings.store_dir;
    let passphrase = settings
        .store_passphrase
        .as_ref()
        .map(|p| p.expose_secret().to_owned());

    let saved: Option<MatrixSession> = match store.adapter_state(SESSION_KEY).await? {
        Some(json) => serde_json::from_str(&json).ok(),
        None => None,
    };
    let store_exists = has_files(store_dir);
    let had_session = saved.is_some();
    if let Some(session) = saved.filter(|_| store_exists) {
        let device = session.meta.device_id.clone();
        match restore(homeserver, store_dir, passphrase.as_deref(), session).await? {
            Some(client) => {
                tracing::info!(%device, "restored the Matrix session");
                return Ok(client);
            }
            None => tracing::warn!(
                "the saved Matrix session is over (or belongs to another store); logging in as a new device"
            ),
        }
    } else if store_exists {
        tracing::warn!(store = %store_dir.display(), "no saved Matrix session for this store; logging in as a new device");
    } else if had_session {
        tracing::warn!(store = %store_dir.display(), "the Matrix store is gone: logging in as a new device; messages encrypted for the old device cannot be read");
    }

    // A fresh login needs an empty store: the old one is bound to the old device.
    if store_dir.exists() {
        std::fs::remove_dir_all(store_dir)
            .with_context(|| format!("cannot clear the Matrix store {}", store_dir.display()))?;
    }
    let client = build(homeserver, store_dir, passphrase.as_deref()).await?;
    let login = client
        .matrix_auth()
        .login_username(user, password.expose_secret())
        .initial_device_display_name("Baton")
        .send()
        .await
        .context(
            "the homeserver refused the login: check BATON_MATRIX__USER and BATON_MATRIX__PASSWORD",
        )?;
    tracing::info!(user = %login.user_id, device = %login.device_id, "logged in to Matrix as a new device");
    let session = client
        .matrix_auth()
        .session()
        .context("no session after logging in")?;
    store
        .set_adapter_state(
            SESSION_KEY,
            &serde_json::to_string(&session)?,
            chrono::Utc::now(),
        )
        .await?;
    client
        .encryption()
        .wait_for_e2ee_initialization_tasks()
        .await;
    match client.encryption().cross_signing_status().await {
        Some(status) if status.has_master && status.has_self_signing => {
            tracing::info!("cross-signing is set up");
        }
        other => tracing::warn!(
            ?other,
            "cross-signing is not set up; clients that exclude unverified devices will not share keys with Baton"
        ),
    }
    Ok(client)
}

/// A client on the existing store with the saved session, checked with the server;
/// `None` when the session is over (the token was revoked, or the store belongs to
/// another device): only then may the store be replaced.
///
/// # Errors
/// Anything else (the homeserver is down, the store cannot be opened): the store
/// and its keys are kept for the next try.
async fn restore(
    homeserver: &str,
    store_dir: &Path,
    passphrase: Option<&str>,
    session: MatrixSession,
) -> anyhow::Result<Option<Client>> {
    use matrix_sdk::ruma::api::error::ErrorKind;
    let client = build(homeserver, store_dir, passphrase).await?;
    if let Err(error) = client.restore_session(session).await {
        tracing::warn!(error = %crate::telemetry::error_chain(&error), "the Matrix store does not match the saved session");
        return Ok(None);
    }
    match client.whoami().await {
        Ok(_) => Ok(Some(client)),
        Err(error)
            if matches!(
                error.client_api_error_kind(),
                Some(ErrorKind::UnknownToken { .. } | ErrorKind::Forbidden { .. })
            ) =>
        {
            Ok(None)
        }
        Err(error) => Err(anyhow::Error::new(error)
            .context("cannot check the saved Matrix session with the homeserver")),
    }
}

async fn build(
    homeserver: &str,
    store_dir: &Path,
    passphrase: Option<&str>,
) -> anyhow::Result<Client> {
    Client::builder()
        .homeserver_url(homeserver)
        .sqlite_store(store_dir, passphrase)
        // The SDK retries rate limits for up to 15 minutes by default, which looks
        // like a hang; the outbox retries deliveries itself.
        .request_config(
            RequestConfig::new()
                .retry_limit(3)
                .timeout(Duration::from_secs(30)),
        )
        .with_encryption_settings(EncryptionSettings {
            auto_enable_cross_signing: true,
            ..Default::default()
        })
        .build()
        .await
        .with_context(|| format!("cannot set up the Matrix client for {homeserver}"))
}

fn has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inviters_default_to_the_bots_homeserver() {
        let rules = InviterRules::new("", "example.org");
        assert!(rules.allows("@carol:example.org"));
        assert!(!rules.allows("@mallory:evil.example"));
        let rules = InviterRules::new("@*:example.org, @ops:partner.org", "x");
        assert!(rules.allows("@ops:partner.org"));
        assert!(!rules.allows("@dev:partner.org"));
        assert!(!rules.allows("@carol:example.org.evil"));
    }
}
