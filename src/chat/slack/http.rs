//! The HTTP Events API: `/slack/events`, `/slack/commands` and
//! `/slack/interactivity` on Baton's HTTP listener.
//!
//! Every request must carry Slack's signature (HMAC-SHA256 of `v0:{ts}:{body}`
//! with the signing secret, compared in constant time) and a timestamp within five
//! minutes; anything else is answered 401 before its body is read as JSON. A body
//! that is signed but does not parse is logged and answered 200, so that Slack
//! does not send it again forever.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use slack_morphism::prelude::*;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;

use super::SlackBot;

/// Slack's own requests are small; anything bigger is not from Slack.
const BODY_LIMIT: usize = 1024 * 1024;
/// Requests signed longer ago than this are refused (replays).
const MAX_AGE_SECONDS: u64 = 5 * 60;

#[derive(Clone)]
struct SlackHttp {
    bot: Arc<SlackBot>,
    verifier: Arc<SlackEventSignatureVerifier>,
}

/// The Slack routes, verifying requests with `signing_secret`.
pub fn routes(bot: Arc<SlackBot>, signing_secret: &SecretString) -> Router {
    let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret::new(
        signing_secret.expose_secret().to_owned(),
    ));
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/commands", post(commands))
        .route("/slack/interactivity", post(interactivity))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(SlackHttp {
            bot,
            verifier: Arc::new(verifier),
        })
}

/// Checks the signature and the timestamp; the body as text when both are good.
// The refusal is the handler's answer itself, returned as it is.
#[allow(clippy::result_large_err)]
fn verified<'b>(
    state: &SlackHttp,
    headers: &HeaderMap,
    body: &'b Bytes,
) -> Result<&'b str, Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let unauthorized = |why: &str| {
        tracing::warn!(why, "refused a Slack request");
        metrics::counter!("baton_slack_requests_refused_total", "why" => why.to_owned())
            .increment(1);
        (StatusCode::UNAUTHORIZED, "invalid request signature").into_response()
    };
    let (Some(signature), Some(timestamp)) = (
        header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER),
        header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP),
    ) else {
        return Err(unauthorized("unsigned"));
    };
    let Ok(sent_at) = timestamp.parse::<i64>() else {
        return Err(unauthorized("bad timestamp"));
    };
    if chrono::Utc::now().timestamp().abs_diff(sent_at) > MAX_AGE_SECONDS {
        return Err(unauthorized("stale timestamp"));
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(unauthorized("not text"));
    };
    state
        .verifier
        .verify(signature, text, timestamp)
        .map_err(|_| unauthorized("wrong signature"))?;
    Ok(text)
}

/// Signed, but not something Baton can read: said in the log, answered 200.
fn unreadable(what: &str, error: &dyn std::error::Error) -> Response {
    tracing::warn!(what, error = %crate::error_chain::error_chain(error), "ignored an unreadable Slack request");
    StatusCode::OK.into_response()
}

/// Not handled: 5xx, and Slack retries later (the retry is deduplicated). 503
/// while Baton has not reached Slack yet, 500 when the engine failed.
fn failed(error: &super::SlackError) -> Response {
    match error {
        super::SlackError::NotConnected => {
            tracing::warn!("a Slack request came before Baton reached Slack; Slack will retry");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        super::SlackError::Engine(error) => {
            tracing::error!(error = %crate::error_chain::error_chain(error), "a Slack request failed; Slack will retry");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn events(State(state): State<SlackHttp>, headers: HeaderMap, body: Bytes) -> Response {
    let text = match verified(&state, &headers, &body) {
        Ok(text) => text,
        Err(refused) => return refused,
    };
    let event = serde_json::from_str::<serde_json::Value>(text)
        .map(with_envelope_defaults)
        .and_then(serde_json::from_value::<SlackPushEvent>);
    match event {
        Err(error) => unreadable("event", &error),
        Ok(SlackPushEvent::UrlVerification(check)) => {
            axum::Json(serde_json::json!({ "challenge": check.challenge })).into_response()
        }
        Ok(SlackPushEvent::EventCallback(callback)) => {
            match state.bot.handle_event(callback).await {
                Ok(()) => StatusCode::OK.into_response(),
                Err(error) => failed(&error),
            }
        }
        Ok(SlackPushEvent::AppRateLimited(limited)) => {
            tracing::warn!(
                ?limited,
                "Slack is dropping events: the app is rate limited"
            );
            StatusCode::OK.into_response()
        }
    }
}

/// Fills in envelope fields Baton does not use, so that a signed event from a
/// relay or a test double that leaves them out is still handled.
fn with_envelope_defaults(mut envelope: serde_json::Value) -> serde_json::Value {
    if envelope["type"] != "event_callback" {
        return envelope;
    }
    let fallback_id = format!("{:016x}", stable_hash(&envelope["event"].to_string()));
    if let Some(fields) = envelope.as_object_mut() {
        for (name, value) in [
            ("team_id", serde_json::json!("T0")),
            ("api_app_id", serde_json::json!("A0")),
            ("event_time", serde_json::json!(0)),
            ("event_id", serde_json::json!(format!("Ev{fallback_id}"))),
        ] {
            fields.entry(name).or_insert(value);
        }
    }
    envelope
}

/// The same number for the same text in every process (dedup keys are shared by
/// replicas).
fn stable_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    // `DefaultHasher::new()` is SipHash with fixed keys: stable across processes.
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// A slash command's form, as Slack posts it. Only what Baton uses is required.
#[derive(Deserialize)]
struct CommandForm {
    channel_id: String,
    user_id: String,
    #[serde(default = "default_command")]
    command: String,
    #[serde(default)]
    text: String,
    channel_name: Option<String>,
    trigger_id: Option<String>,
}

fn default_command() -> String {
    "/baton".to_owned()
}

async fn commands(State(state): State<SlackHttp>, headers: HeaderMap, body: Bytes) -> Response {
    let text = match verified(&state, &headers, &body) {
        Ok(text) => text,
        Err(refused) => return refused,
    };
    let form = match serde_urlencoded::from_str::<CommandForm>(text) {
        Ok(form) => form,
        Err(error) => return unreadable("command", &error),
    };
    let command = crate::chat::slack::SlashCommand {
        // Without a trigger id, the signed request (time and body) stands for the
        // invocation.
        id: form.trigger_id.unwrap_or_else(|| {
            let sent_at = headers
                .get(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            format!("{:016x}", stable_hash(&format!("{sent_at}:{text}")))
        }),
        channel: form.channel_id,
        channel_name: form.channel_name,
        user: form.user_id,
        command: form.command,
        text: form.text,
    };
    // The reply comes through the outbox, in the channel; Slack only needs the
    // acknowledgement within three seconds.
    match state.bot.handle_command(command).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => failed(&error),
    }
}

#[derive(Deserialize)]
struct InteractionForm {
    payload: String,
}

async fn interactivity(
    State(state): State<SlackHttp>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = match verified(&state, &headers, &body) {
        Ok(text) => text,
        Err(refused) => return refused,
    };
    let form = match serde_urlencoded::from_str::<InteractionForm>(text) {
        Ok(form) => form,
        Err(error) => return unreadable("interaction", &error),
    };
    match serde_json::from_str::<SlackInteractionEvent>(&form.payload) {
        Err(error) => unreadable("interaction", &error),
        Ok(event) => match state.bot.handle_interaction(event).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(error) => failed(&error),
        },
    }
}
