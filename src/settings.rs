//! Configuration: defaults, then `baton.toml` (or `--config FILE`), then `BATON_*`
//! environment variables (`__` nests: `BATON_SLACK__BOT_TOKEN` is `slack.bot_token`).
//!
//! Secrets are [`SecretString`]s, so `Debug` output and logs show `[REDACTED]`.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use secrecy::SecretString;
use serde::Deserialize;

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "baton.toml";

/// Everything Baton can be configured with.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `sqlite://FILE` (the default, `sqlite://baton.db`) or `postgres://...`.
    pub database_url: String,
    /// `pretty` (the default) or `json`.
    pub log_format: LogFormat,
    /// The timezone of people and rooms that set none (`Europe/Berlin`). Empty (the
    /// default): UTC for digests, and quiet hours only for people whose own
    /// timezone Baton knows, since holding a DM on a guessed clock helps nobody.
    pub timezone: String,
    /// Working hours of people who set none; DMs wait outside them. Empty: none.
    pub working_hours: String,
    /// The digest of rooms that set none: `09:30 [Area/City] [mon-fri]`, or `off`.
    pub digest: String,
    /// Post a digest even when nothing is blocked and nothing changed.
    #[serde(deserialize_with = "bool_from_text")]
    pub post_quiet_digests: bool,
    /// How long a stopping process keeps delivering queued messages (`10s`).
    pub shutdown_grace: String,
    pub http: HttpSettings,
    pub slack: SlackSettings,
    pub matrix: MatrixSettings,
    pub github: GitHubSettings,
    pub gitlab: GitLabSettings,
    pub forge: ForgeSettings,
    pub model: ModelSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://baton.db".to_owned(),
            log_format: LogFormat::Pretty,
            timezone: String::new(),
            working_hours: "09:00-18:00".to_owned(),
            digest: "09:30 mon-fri".to_owned(),
            post_quiet_digests: false,
            shutdown_grace: "10s".to_owned(),
            http: HttpSettings::default(),
            slack: SlackSettings::default(),
            matrix: MatrixSettings::default(),
            github: GitHubSettings::default(),
            gitlab: GitLabSettings::default(),
            forge: ForgeSettings::default(),
            model: ModelSettings::default(),
        }
    }
}

/// `true`/`false` from a TOML boolean or an environment variable's text.
fn bool_from_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrText {
        Bool(bool),
        Text(String),
    }
    match BoolOrText::deserialize(deserializer)? {
        BoolOrText::Bool(b) => Ok(b),
        BoolOrText::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(true),
            "false" | "no" | "0" | "off" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "`{other}` is not true or false"
            ))),
        },
    }
}

/// A whole number from a TOML integer or an environment variable's text.
fn count_from_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum CountOrText {
        Count(usize),
        Text(String),
    }
    match CountOrText::deserialize(deserializer)? {
        CountOrText::Count(count) => Ok(count),
        CountOrText::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a whole number"))),
    }
}

impl Settings {
    /// The defaults for people and rooms, checked.
    ///
    /// # Errors
    /// A message naming the setting that does not parse.
    pub fn defaults(&self) -> Result<crate::domain::Defaults, String> {
        use crate::domain::{DigestSchedule, parse_hours};
        let timezone_known = !self.timezone.trim().is_empty();
        let timezone: chrono_tz::Tz = if timezone_known {
            self.timezone.trim().parse().map_err(|_| {
                format!(
                    "timezone `{}` is not a timezone like `Europe/Berlin`",
                    self.timezone
                )
            })?
        } else {
            chrono_tz::Tz::UTC
        };
        let working_hours = if self.working_hours.trim().is_empty() {
            None
        } else {
            Some(parse_hours(&self.working_hours).ok_or_else(|| {
                format!(
                    "working_hours `{}` is not a span like `09:00-18:00`",
                    self.working_hours
                )
            })?)
        };
        let base = DigestSchedule::weekday_mornings(timezone);
        let words: Vec<&str> = self.digest.split_whitespace().collect();
        let digest = DigestSchedule::parse_setting(&words, &base)
            .map_err(|e| format!("digest `{}`: {e}", self.digest))?;
        Ok(crate::domain::Defaults {
            timezone,
            timezone_known,
            working_hours,
            digest,
            post_quiet_digests: self.post_quiet_digests,
            summaries: self
                .model
                .is_configured()
                .then_some(crate::domain::SummaryThreshold {
                    min_notes: self.model.summary_min_notes,
                    min_chars: self.model.summary_min_chars,
                }),
        })
    }
}

pub use crate::telemetry::LogFormat;

/// HTTP connections open at once unless `http.max_connections` says otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Where health, metrics and the Slack HTTP endpoints listen.
    pub listen: String,
    /// Connections open at once (the HTTP listener lowers it to fit the open-file
    /// limit).
    #[serde(deserialize_with = "count_from_text")]
    pub max_connections: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SlackSettings {
    /// `xoxb-...`: the bot's Web API token.
    pub bot_token: Option<SecretString>,
    /// `xapp-...`: the app-level token for Socket Mode (the default mode).
    pub app_token: Option<SecretString>,
    /// For the HTTP Events API mode instead of Socket Mode.
    pub signing_secret: Option<SecretString>,
    /// Slack's Web API base URL; tests point it at a local fake.
    pub api_url: String,
    /// How long a private channel's member list (`conversations.members`) is
    /// trusted before it is read again; join and leave events keep it current in
    /// between. `30m`, `1h`, `1day`.
    #[serde(with = "humantime_serde")]
    pub membership_max_age: std::time::Duration,
}

impl Default for SlackSettings {
    fn default() -> Self {
        Self {
            bot_token: None,
            app_token: None,
            signing_secret: None,
            api_url: "https://slack.com/api/".to_owned(),
            membership_max_age: std::time::Duration::from_secs(60 * 60),
        }
    }
}

impl SlackSettings {
    pub fn is_configured(&self) -> bool {
        self.bot_token.is_some()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MatrixSettings {
    pub homeserver: Option<String>,
    /// `@baton:example.org` or a localpart.
    pub user: Option<String>,
    pub password: Option<SecretString>,
    /// Where the Matrix SDK keeps its state and encryption keys.
    pub store_dir: PathBuf,
    /// Encrypts the SDK's store at rest; unset: the store is not encrypted.
    pub store_passphrase: Option<SecretString>,
    /// Who may invite the bot into rooms: comma-separated user ids with `*`
    /// wildcards (`@*:example.org, @ops:partner.org`). Unset: anyone on the bot's
    /// own homeserver.
    pub allowed_inviters: String,
}

impl Default for MatrixSettings {
    fn default() -> Self {
        Self {
            homeserver: None,
            user: None,
            password: None,
            store_dir: PathBuf::from("matrix-store"),
            store_passphrase: None,
            allowed_inviters: String::new(),
        }
    }
}

impl MatrixSettings {
    pub fn is_configured(&self) -> bool {
        self.homeserver.is_some()
    }
}

/// GitHub's webhooks (`POST /forge/github`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GitHubSettings {
    /// The webhook's secret, as entered in GitHub: deliveries are verified by
    /// their `X-Hub-Signature-256`. Unset: the endpoint answers 404.
    pub webhook_secret: Option<SecretString>,
}

/// GitLab's webhooks (`POST /forge/gitlab`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GitLabSettings {
    /// The webhook's secret token, as entered in GitLab (`X-Gitlab-Token`).
    /// Unset: the endpoint answers 404.
    pub webhook_token: Option<SecretString>,
}

/// What both forges share.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ForgeSettings {
    /// The repositories whose events count, comma-separated, `*` a wildcard
    /// (`acme/*, tools/cli`). Empty: every repository that sends them.
    pub repos: String,
}

/// An optional language model behind an OpenAI-compatible chat-completions API
/// (Ollama, llama.cpp's server, vLLM, a hosted one). Unset `url`: no model, and
/// Baton makes no call anywhere. README *Use a language model*.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ModelSettings {
    /// The API's base URL, the part before `/chat/completions`
    /// (`http://127.0.0.1:11434/v1` for Ollama).
    pub url: Option<String>,
    /// The model's name as the server knows it (`llama3.2`).
    pub name: String,
    /// Sent as a bearer token; never logged.
    pub api_key: Option<SecretString>,
    /// How long one call may take; a handoff DM waits at most this long for its
    /// summary, then goes out without one.
    #[serde(with = "humantime_serde")]
    pub timeout: std::time::Duration,
    /// A handoff's upstream notes are summarised when there are more than this many…
    #[serde(deserialize_with = "count_from_text")]
    pub summary_min_notes: usize,
    /// …or when they are longer than this many characters together.
    #[serde(deserialize_with = "count_from_text")]
    pub summary_min_chars: usize,
    /// Calls one person may cause per hour: proposals for their messages and
    /// summaries for their handoffs.
    #[serde(deserialize_with = "count_from_text")]
    pub calls_per_person_per_hour: usize,
    /// Calls one room's messages may cause per hour (proposals).
    #[serde(deserialize_with = "count_from_text")]
    pub calls_per_room_per_hour: usize,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            url: None,
            name: "llama3.2".to_owned(),
            api_key: None,
            timeout: std::time::Duration::from_secs(5),
            summary_min_notes: 8,
            summary_min_chars: 1_500,
            calls_per_person_per_hour: 30,
            calls_per_room_per_hour: 120,
        }
    }
}

impl ModelSettings {
    /// Whether a model is configured: a `url` that is not blank.
    pub fn is_configured(&self) -> bool {
        self.url
            .as_deref()
            .is_some_and(|url| !url.trim().is_empty())
    }
}

/// Every key a `BATON_` variable may set, dotted (`slack.bot_token`).
const KNOWN_KEYS: &[&str] = &[
    "database_url",
    "log_format",
    "timezone",
    "working_hours",
    "digest",
    "post_quiet_digests",
    "shutdown_grace",
    "http.listen",
    "http.max_connections",
    "slack.bot_token",
    "slack.app_token",
    "slack.signing_secret",
    "slack.api_url",
    "matrix.homeserver",
    "matrix.user",
    "matrix.password",
    "matrix.store_dir",
    "matrix.store_passphrase",
    "matrix.allowed_inviters",
    "github.webhook_secret",
    "gitlab.webhook_token",
    "forge.repos",
    "model.url",
    "model.name",
    "model.api_key",
    "model.timeout",
    "model.summary_min_notes",
    "model.summary_min_chars",
    "model.calls_per_person_per_hour",
    "model.calls_per_room_per_hour",
];

/// Settings with the warnings found while loading them (logged once logging is up).
#[derive(Debug)]
pub struct Loaded {
    pub settings: Settings,
    pub warnings: Vec<String>,
}

/// Why settings could not be loaded; its `Display` tells the operator what to fix.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
}

/// Loads settings from defaults, the config file and the environment `env`.
///
/// # Errors
/// When `config` names a file that does not exist, or a value has the wrong shape.
pub fn load(
    config: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Loaded, SettingsError> {
    // Defaults come from `Settings: Default` through `#[serde(default)]`.
    let mut figment = Figment::new();
    match config {
        Some(path) if !path.exists() => return Err(SettingsError::MissingFile(path.to_owned())),
        Some(path) => figment = figment.merge(Toml::file(path)),
        None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
    }
    let vars: Vec<(String, String)> = env.into_iter().collect();
    let baton_vars: Vec<(String, String)> = vars
        .iter()
        .filter(|(k, _)| k.starts_with("BATON_"))
        .cloned()
        .collect();
    figment = figment.merge(env_provider(baton_vars.clone()));
    let settings: Settings = figment.extract().map_err(Box::new)?;
    let warnings = unknown_variables(baton_vars.iter().map(|(k, _)| k.as_str()))
        .into_iter()
        .map(|var| format!("ignoring unknown environment variable {var}"))
        .collect();
    Ok(Loaded { settings, warnings })
}

/// `BATON_*` variables as a figment provider, from an explicit list so tests do not
/// depend on the process environment.
fn env_provider(vars: Vec<(String, String)>) -> figment::providers::Serialized<serde_json::Value> {
    let mut root = serde_json::Map::new();
    for (name, value) in vars {
        let Some(key) = key_of(&name) else { continue };
        if !KNOWN_KEYS.contains(&key.as_str()) {
            continue;
        }
        let value = serde_json::Value::String(value);
        match key.split_once('.') {
            None => {
                root.insert(key, value);
            }
            Some((section, field)) => {
                let section = root
                    .entry(section.to_owned())
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                if let serde_json::Value::Object(fields) = section {
                    fields.insert(field.to_owned(), value);
                }
            }
        }
    }
    Serialized::defaults(serde_json::Value::Object(root))
}

/// `BATON_SLACK__BOT_TOKEN` → `slack.bot_token`.
fn key_of(var: &str) -> Option<String> {
    let rest = var.strip_prefix("BATON_")?;
    Some(rest.to_lowercase().replace("__", "."))
}

/// The `BATON_` variables that set nothing Baton knows (typos, old names).
pub fn unknown_variables<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    names
        .into_iter()
        .filter(|name| key_of(name).is_some_and(|key| !KNOWN_KEYS.contains(&key.as_str())))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn load_env(vars: &[(&str, &str)]) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        std::fs::write(&missing, "").unwrap();
        load(Some(&missing), env(vars)).unwrap()
    }

    #[test]
    fn defaults_use_an_embedded_sqlite_file() {
        let loaded = load_env(&[]);
        assert_eq!(loaded.settings.database_url, "sqlite://baton.db");
        assert_eq!(loaded.settings.http.listen, "127.0.0.1:8080");
        assert!(!loaded.settings.slack.is_configured());
    }

    #[test]
    fn environment_variables_nest_with_double_underscores() {
        let loaded = load_env(&[
            ("BATON_DATABASE_URL", "postgres://db/baton"),
            ("BATON_SLACK__BOT_TOKEN", "xoxb-1"),
            ("BATON_MATRIX__HOMESERVER", "https://matrix.example.org"),
        ]);
        assert_eq!(loaded.settings.database_url, "postgres://db/baton");
        assert!(loaded.settings.slack.is_configured());
        assert_eq!(
            loaded.settings.matrix.homeserver.as_deref(),
            Some("https://matrix.example.org")
        );
    }

    #[test]
    fn default_quiet_hours_wait_for_a_known_timezone() {
        let defaults = load_env(&[]).settings.defaults().unwrap();
        assert!(defaults.working_hours_for(None, None).is_none());
        let hours = defaults
            .working_hours_for(Some("Asia/Tokyo"), None)
            .unwrap();
        assert_eq!(hours.tz, chrono_tz::Asia::Tokyo);
        assert!(
            defaults
                .working_hours_for(None, Some("08:00-16:00"))
                .is_some()
        );
    }

    #[test]
    fn defaults_for_people_and_rooms_are_checked() {
        let loaded = load_env(&[
            ("BATON_TIMEZONE", "Europe/Berlin"),
            ("BATON_POST_QUIET_DIGESTS", "true"),
        ]);
        let defaults = loaded.settings.defaults().unwrap();
        assert_eq!(defaults.timezone, chrono_tz::Europe::Berlin);
        assert!(defaults.working_hours_for(None, None).is_some());
        assert!(defaults.post_quiet_digests);
        assert_eq!(
            defaults.digest.unwrap().to_setting(),
            "09:30 Europe/Berlin mon,tue,wed,thu,fri"
        );
        let bad = load_env(&[("BATON_WORKING_HOURS", "late")])
            .settings
            .defaults()
            .unwrap_err();
        assert!(bad.contains("working_hours"), "{bad}");
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("baton.toml");
        std::fs::write(
            &file,
            "database_url = \"sqlite://file.db\"\n[http]\nlisten = \"0.0.0.0:9000\"\n",
        )
        .unwrap();
        let loaded = load(
            Some(&file),
            env(&[("BATON_DATABASE_URL", "sqlite://env.db")]),
        )
        .unwrap();
        assert_eq!(loaded.settings.database_url, "sqlite://env.db");
        assert_eq!(loaded.settings.http.listen, "0.0.0.0:9000");
    }

    #[test]
    fn the_connection_cap_comes_from_the_environment_as_text() {
        assert_eq!(load_env(&[]).settings.http.max_connections, 512);
        let loaded = load_env(&[("BATON_HTTP__MAX_CONNECTIONS", "64")]);
        assert_eq!(loaded.settings.http.max_connections, 64);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }

    #[test]
    fn unknown_baton_variables_are_warned_about() {
        let loaded = load_env(&[("BATON_SLACK__BOT_TOKN", "x"), ("HOME", "/root")]);
        assert_eq!(
            loaded.warnings,
            ["ignoring unknown environment variable BATON_SLACK__BOT_TOKN"]
        );
    }

    #[test]
    fn a_missing_config_file_is_an_error_that_names_it() {
        let err = load(Some(Path::new("/nonexistent/baton.toml")), env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the configuration file /nonexistent/baton.toml does not exist"
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let loaded = load_env(&[
            ("BATON_SLACK__BOT_TOKEN", "xoxb-very-secret"),
            ("BATON_SLACK__APP_TOKEN", "xapp-very-secret"),
            ("BATON_SLACK__SIGNING_SECRET", "signing-very-secret"),
            ("BATON_MATRIX__PASSWORD", "hunter2-very-secret"),
        ]);
        let debug = format!("{:?}", loaded.settings);
        assert!(!debug.contains("very-secret"), "a secret leaked: {debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
    }
}
