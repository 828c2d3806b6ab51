//! Socket Mode: Slack pushes events over a WebSocket the bot opens, so no public URL
//! is needed. slack-morphism keeps the connections (two, for overlap), reconnects
//! when Slack asks or the socket drops, and acknowledges each envelope after its
//! callback returns; a callback that fails leaves the envelope unacknowledged, and
//! Slack delivers it again.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;
use tokio_util::sync::CancellationToken;

use super::SlackBot;

/// Listens until `shutdown`.
///
/// # Errors
/// When the app-level token cannot be registered.
pub async fn run(
    bot: Arc<SlackBot>,
    app_token: SecretString,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let environment = Arc::new(
        SlackClientEventsListenerEnvironment::new(bot.api.client().clone())
            .with_error_handler(on_error)
            .with_user_state(bot.clone()),
    );
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_hello_events(on_hello)
        .with_command_events(on_command)
        .with_interaction_events(on_interaction)
        .with_push_events(on_event);
    let listener = SlackClientSocketModeListener::new(
        &SlackClientSocketModeConfig::new(),
        environment,
        callbacks,
    );
    let token = SlackApiToken::new(app_token.expose_secret().into());
    listener.listen_for(&token).await?;
    listener.start().await;
    tracing::info!("Slack Socket Mode started");
    shutdown.cancelled().await;
    listener.shutdown().await;
    Ok(())
}

async fn bot_of(states: &SlackClientEventsUserState) -> Option<Arc<SlackBot>> {
    states
        .read()
        .await
        .get_user_state::<Arc<SlackBot>>()
        .cloned()
}

/// Slack's `hello` on a new connection. Generic over the event because
/// slack-morphism does not export the hello event's type.
async fn on_hello<Hello>(
    _event: Hello,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) {
    if let Some(bot) = bot_of(&states).await {
        bot.mark_connected();
    }
}

async fn on_event(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let Some(bot) = bot_of(&states).await else {
        return Ok(());
    };
    bot.handle_event(event).await?;
    Ok(())
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    if let Some(bot) = bot_of(&states).await {
        bot.handle_command(event.into()).await?;
    }
    // The reply comes through the outbox, in the channel: the acknowledgement
    // itself stays empty.
    Ok(SlackCommandEventResponse::new(SlackMessageContent::new()))
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    if let Some(bot) = bot_of(&states).await {
        bot.handle_interaction(event).await?;
    }
    Ok(())
}

/// A callback failed (the store, most likely): log it and leave the envelope
/// unacknowledged so that Slack delivers it again.
fn on_error(
    error: Box<dyn std::error::Error + Send + Sync + 'static>,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    tracing::error!(error = %crate::error_chain::error_chain(error.as_ref()), "a Slack event failed; Slack will deliver it again");
    HttpStatusCode::INTERNAL_SERVER_ERROR
}
