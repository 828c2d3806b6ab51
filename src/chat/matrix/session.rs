//! Logging in, and staying the same device across restarts.
//!
//! The session (user, device id, access token) is kept in Baton's database; the
//! SDK's own store (sync token, encryption keys) in `BATON_MATRIX__STORE_DIR`. With
//! both, a restart restores the same device and its keys. When the store is gone,
//! the old device's keys are gone with it: Baton logs in as a new device and says
//! so. Baton never deletes a store: only when the homeserver says the session is
//! over (`M_UNKNOWN_TOKEN`) does it set the store aside, renamed, and log in anew;
//! a session it cannot read, or a store that does not match it, stops the start
//! with an error saying what to do. Cross-signing is bootstrapped at the first
//! login, so clients that only share keys with verified devices still share them
//! with the bot.

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
/// refuses the password; when the saved session cannot be read, or does not match
/// the store (the operator decides: the error says how). The store is only set
/// aside (renamed, never deleted) when the homeserver said the saved session is
/// over, or when there is no saved session for it.
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

    let saved = saved_session(store, store_dir).await?;
    let store_exists = has_files(store_dir).await?;
    let had_session = saved.is_some();
    if let Some(session) = saved.filter(|_| store_exists) {
        let device = session.meta.device_id.clone();
        match restore(homeserver, store_dir, passphrase.as_deref(), session).await? {
            Some(client) => {
                tracing::info!(%device, "restored the Matrix session");
                return Ok(client);
            }
            None => {
                let aside = set_aside(store_dir).await?;
                tracing::warn!(%device, old_store = %aside.display(), "the homeserver says the saved Matrix session is over; logging in as a new device (the old store is kept aside)");
            }
        }
    } else if store_exists {
        let aside = set_aside(store_dir).await?;
        tracing::warn!(store = %store_dir.display(), old_store = %aside.display(), "no saved Matrix session for this store; logging in as a new device (the old store is kept aside)");
    } else if had_session {
        tracing::warn!(store = %store_dir.display(), "the Matrix store is gone: logging in as a new device; messages encrypted for the old device cannot be read");
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
/// `None` when the homeserver says the session is over (`M_UNKNOWN_TOKEN`): only
/// then may the store be replaced.
///
/// # Errors
/// Anything else (the homeserver is down, the store cannot be opened or belongs
/// to another session): the store and its keys are kept as they are.
async fn restore(
    homeserver: &str,
    store_dir: &Path,
    passphrase: Option<&str>,
    session: MatrixSession,
) -> anyhow::Result<Option<Client>> {
    use matrix_sdk::ruma::api::error::ErrorKind;
    use matrix_sdk::store::StateStoreDataKey;
    let (user, device) = (session.meta.user_id.clone(), session.meta.device_id.clone());
    let client = build(homeserver, store_dir, passphrase).await?;
    // Baton syncs from its own checkpoint, which can be behind the SDK's sync
    // token; the SDK drops a sync response that ends at the token it holds ("the
    // same sync response twice"), and with it the events Baton has yet to apply.
    // So the restored client starts without one: the token is loaded at restore.
    client
        .state_store()
        .remove_kv_data(StateStoreDataKey::SyncToken)
        .await
        .with_context(|| format!("cannot open the Matrix store {}", store_dir.display()))?;
    if let Err(error) = client.restore_session(session).await {
        return Err(anyhow::Error::new(error).context(format!(
            "the Matrix store {} does not match the saved session (user {user}, device {device}); Baton left both as they are. \
             Point BATON_MATRIX__STORE_DIR at this device's store (and check BATON_MATRIX__STORE_PASSPHRASE), \
             or move the store away to log in as a new device (messages encrypted for the old device can then no longer be read)",
            store_dir.display()
        )));
    }
    match client.whoami().await {
        Ok(_) => Ok(Some(client)),
        Err(error)
            if matches!(
                error.client_api_error_kind(),
                Some(ErrorKind::UnknownToken { .. })
            ) =>
        {
            Ok(None)
        }
        Err(error) => Err(anyhow::Error::new(error)
            .context("cannot check the saved Matrix session with the homeserver")),
    }
}

/// The session saved in Baton's database; `None` when there is none.
///
/// # Errors
/// When it cannot be read or parsed: a new device would lose the old one's keys,
/// so the operator decides (the error says how).
async fn saved_session(
    store: &Arc<dyn Store>,
    store_dir: &Path,
) -> anyhow::Result<Option<MatrixSession>> {
    let Some(json) = store
        .adapter_state(SESSION_KEY)
        .await
        .context("cannot read the saved Matrix session from Baton's database")?
    else {
        return Ok(None);
    };
    match serde_json::from_str(&json) {
        Ok(session) => Ok(Some(session)),
        Err(error) => Err(anyhow::Error::new(error).context(format!(
            "the saved Matrix session (`{SESSION_KEY}` in the database's adapter_state table) cannot be parsed; \
             Baton changed nothing and kept the encryption store {} as it is. \
             To log in as a new device (messages encrypted for the old device can then no longer be read), \
             stop Baton, move that directory away, and delete the saved session: \
             DELETE FROM adapter_state WHERE name = '{SESSION_KEY}'",
            store_dir.display()
        ))),
    }
}

/// Renames the store to `<store>.replaced-<UTC time>` next to it, keeping the old
/// device's keys; the new path.
async fn set_aside(store_dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let name = store_dir.file_name().map_or_else(
        || "matrix-store".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let aside = store_dir.with_file_name(format!("{name}.replaced-{stamp}"));
    tokio::fs::rename(store_dir, &aside)
        .await
        .with_context(|| {
            format!(
                "cannot move the Matrix store {} aside to {}",
                store_dir.display(),
                aside.display()
            )
        })?;
    Ok(aside)
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

/// Whether `dir` holds anything; a missing directory holds nothing.
async fn has_files(dir: &Path) -> anyhow::Result<bool> {
    match tokio::fs::read_dir(dir).await {
        Ok(mut entries) => Ok(entries
            .next_entry()
            .await
            .with_context(|| format!("cannot read the Matrix store {}", dir.display()))?
            .is_some()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(anyhow::Error::new(error)
            .context(format!("cannot read the Matrix store {}", dir.display()))),
    }
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
