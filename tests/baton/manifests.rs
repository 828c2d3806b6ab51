//! The files operators deploy from must agree with the code: the Slack app
//! manifest asks for what the adapter uses.

use serde_yaml::Value;

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_slack_manifest_asks_for_what_the_adapter_uses() {
    let manifest = load("manifests/slack-app.yaml");
    let features = &manifest["features"];
    let command = &features["slash_commands"][0];
    assert_eq!(command["command"].as_str(), Some("/baton"));
    assert_eq!(
        command["should_escape"].as_bool(),
        Some(true),
        "mentions must arrive as user ids"
    );
    assert_eq!(
        features["app_home"]["home_tab_enabled"].as_bool(),
        Some(true)
    );

    let scopes = strings(&manifest["oauth_config"]["scopes"]["bot"]);
    for (scope, why) in [
        ("commands", "/baton"),
        ("app_mentions:read", "app_mention events"),
        ("chat:write", "chat.postMessage"),
        ("im:write", "conversations.open for handoff DMs"),
        ("users:read", "users.info"),
        ("reactions:read", "reaction_added"),
        ("channels:history", "thread replies and resend checks"),
        ("groups:history", "private channels"),
        ("im:history", "DMs to the bot"),
    ] {
        assert!(
            scopes.contains(&scope.to_owned()),
            "{scope} ({why}) is missing"
        );
    }

    let settings = &manifest["settings"];
    let events = strings(&settings["event_subscriptions"]["bot_events"]);
    for event in [
        "app_mention",
        "app_home_opened",
        "message.channels",
        "message.groups",
        "message.im",
        "reaction_added",
    ] {
        assert!(
            events.contains(&event.to_owned()),
            "{event} is not subscribed"
        );
    }
    assert_eq!(
        settings["interactivity"]["is_enabled"].as_bool(),
        Some(true)
    );
    assert_eq!(settings["socket_mode_enabled"].as_bool(), Some(true));
}
