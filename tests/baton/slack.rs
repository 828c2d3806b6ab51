//! `baton run` against the fake Slack: the HTTP Events API with real request
//! signing, and Socket Mode through slack-morphism's own client.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Service, TestDb};
use crate::slack_fake::{self, Failure, FakeSlack};

const CAROL: &str = "U0CAROL";
const ALICE: &str = "U0ALICE";
const BOB: &str = "U0BOB";
const DAN: &str = "U0DAN";
const CHANNEL: &str = "C0BILLING";
const PR: &str = "https://github.com/acme/api/pull/1";
/// Generous: the outbox worker polls every few seconds, and CI machines are slow.
const PATIENCE: Duration = Duration::from_secs(30);

async fn fake() -> FakeSlack {
    FakeSlack::start(&[
        (CAROL, "carol"),
        (ALICE, "alice"),
        (BOB, "bob"),
        (DAN, "dan"),
    ])
    .await
}

/// `baton run` against the fake, started off the async runtime (it polls).
pub(crate) async fn start(db: &TestDb, fake: &FakeSlack, socket_mode: bool) -> Service {
    let url = db.url.clone();
    let env = fake.env(socket_mode);
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Service::start_with(&url, &env)
    })
    .await
    .unwrap()
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// POSTs a signed request the way Slack does.
pub(crate) async fn post_signed(
    service: &Service,
    path: &str,
    content_type: &str,
    body: &str,
    timestamp: i64,
) -> reqwest::Response {
    let (ts, signature) = slack_fake::sign(body, timestamp);
    reqwest::Client::new()
        .post(service.url(path))
        .header("content-type", content_type)
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn slash(service: &Service, user: &str, text: &str, trigger: &str) -> reqwest::Response {
    post_command(service, &slack_fake::command(user, CHANNEL, text, trigger)).await
}

/// POSTs a slash command's fields (see [`slack_fake::command`]), form-encoded and
/// signed, as Slack does.
pub(crate) async fn post_command(service: &Service, fields: &Value) -> reqwest::Response {
    let form: Vec<(String, String)> = fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let body = serde_urlencoded::to_string(&form).unwrap();
    post_signed(
        service,
        "/slack/commands",
        "application/x-www-form-urlencoded",
        &body,
        now(),
    )
    .await
}

pub(crate) async fn event(service: &Service, callback: &Value) -> reqwest::Response {
    post_signed(
        service,
        "/slack/events",
        "application/json",
        &callback.to_string(),
        now(),
    )
    .await
}

/// A slash command in `channel`, answered when Baton has stored it.
pub(crate) async fn slash_in(service: &Service, user: &str, channel: &str, text: &str) {
    let trigger = format!("trigger-{}", trigger_tag());
    let response = post_command(service, &slack_fake::command(user, channel, text, &trigger)).await;
    assert!(response.status().is_success(), "{}", service.log());
}

fn trigger_tag() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The handoff story's commands: three tasks in a chain, then alice finishes T-1.
const STORY: [(&str, &str); 4] = [
    (CAROL, "add Design the billing API for <@U0ALICE|alice>"),
    (
        CAROL,
        "add Implement billing client for <@U0BOB|bob> after T-1",
    ),
    (CAROL, "add Write the billing docs for <@U0DAN> after T-2"),
    (ALICE, "done T-1 https://github.com/acme/api/pull/1"),
];

/// Waits for bob's DM, gives a duplicate time to show up, then checks it.
async fn expect_one_handoff_to_bob(fake: &FakeSlack, service: &Service) {
    assert!(
        fake.wait_until(PATIENCE, |f| !f.dms_to(BOB).is_empty())
            .await,
        "bob got no DM:\n{}",
        service.log()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_one_handoff_to_bob(fake);
}

fn assert_one_handoff_to_bob(fake: &FakeSlack) {
    let dms = fake.dms_to(BOB);
    assert_eq!(dms.len(), 1, "one DM to bob: {dms:#?}");
    let text = &dms[0].text;
    for needle in ["T-2", "T-1", PR] {
        assert!(text.contains(needle), "the DM names {needle}: {text}");
    }
    assert!(fake.dms_to(DAN).is_empty(), "dan's task is still blocked");
    assert!(
        fake.dms_to(ALICE).is_empty(),
        "nobody is told of their own work"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_events_api_runs_the_handoff_story_and_refuses_unsigned_requests() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    // Baton learns who it is in the background, once it is listening.
    assert!(
        fake.wait_until(PATIENCE, |f| f.calls_of("auth.test") >= 1)
            .await,
        "Baton asked who it is:\n{}",
        service.log()
    );

    // Unsigned, wrongly signed, stale and oversized requests change nothing.
    let add = slack_fake::command(CAROL, CHANNEL, "add Sneaky task", "trigger-sneaky");
    let body = serde_urlencoded::to_string(
        add.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let client = reqwest::Client::new();
    let unsigned = client
        .post(service.url("/slack/commands"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    let (ts, _) = slack_fake::sign(&body, now());
    let forged = client
        .post(service.url("/slack/commands"))
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", "v0=0123456789abcdef")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let stale = post_signed(
        &service,
        "/slack/commands",
        "application/x-www-form-urlencoded",
        &body,
        now() - 10 * 60,
    )
    .await;
    assert_eq!(stale.status(), 401);
    let huge = "x".repeat(2 * 1024 * 1024);
    let oversized = post_signed(&service, "/slack/events", "application/json", &huge, now()).await;
    assert_eq!(oversized.status(), 413);
    let garbage = post_signed(
        &service,
        "/slack/events",
        "application/json",
        "{not json",
        now(),
    )
    .await;
    assert_eq!(
        garbage.status(),
        200,
        "signed nonsense is not retried forever"
    );

    // Slack's URL check.
    let challenge = event(
        &service,
        &json!({"type": "url_verification", "token": "t", "challenge": "c-123"}),
    )
    .await;
    assert_eq!(challenge.status(), 200);
    let answer: Value = challenge.json().await.unwrap();
    assert_eq!(answer["challenge"], "c-123");

    // The story, as slash commands.
    for (i, (user, text)) in STORY.iter().enumerate() {
        if i == 3 {
            // Every card is out; the next post reaches Slack but its answer is lost,
            // as if Baton crashed mid-send: the retry must not post it again.
            assert!(fake.wait_until(PATIENCE, |f| f.posted().len() >= 3).await);
            fake.fail_next("chat.postMessage", Failure::AnswerLost);
        }
        let response = slash(&service, user, text, &format!("trigger-{i}")).await;
        assert_eq!(response.status(), 200, "{text}");
    }
    // Slack retries a command whose answer it did not see: nothing happens twice.
    let again = slash(&service, ALICE, STORY[3].1, "trigger-3").await;
    assert_eq!(again.status(), 200);
    expect_one_handoff_to_bob(&fake, &service).await;
    let bob_dm = &fake.dms_to(BOB)[0].text;
    assert!(
        bob_dm.contains("https://fake.slack.com/archives/C0BILLING/p"),
        "the DM links to the card: {bob_dm}"
    );
    assert!(
        fake.wait_until(PATIENCE, |f| f.calls_of("conversations.history") >= 1)
            .await,
        "the retry of the lost post looked for it first:\n{}",
        service.log()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let posted = fake.posted();
    for (i, post) in posted.iter().enumerate() {
        let again = posted[i + 1..]
            .iter()
            .any(|p| p.channel == post.channel && p.text == post.text);
        assert!(!again, "posted twice: {post:#?}");
    }
    let sneaky = fake.posted().into_iter().any(|p| p.text.contains("Sneaky"));
    assert!(!sneaky, "the refused requests created nothing");

    // Every card went to the channel, once, and its ts became the task's thread:
    // bob's reply in T-2's thread is understood without `/baton`.
    let cards: Vec<_> = fake
        .posted()
        .into_iter()
        .filter(|p| p.channel == CHANNEL && p.thread_ts.is_none())
        .collect();
    let card = cards
        .iter()
        .find(|p| p.text.contains("T-2") && p.text.contains("Implement billing client"))
        .expect("T-2's card");
    let reply = event_callback_message("Ev-reply", BOB, "started on this", Some(&card.ts));
    let before = fake.posted().len();
    assert_eq!(event(&service, &reply).await.status(), 200);
    // The same event again, as Slack retries it: handled once.
    assert_eq!(event(&service, &reply).await.status(), 200);
    assert!(
        fake.wait_until(PATIENCE, |f| f.posted().len() > before)
            .await,
        "no answer to the thread reply:\n{}",
        service.log()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let answers: Vec<_> = fake.posted().into_iter().skip(before).collect();
    assert_eq!(answers.len(), 1, "one answer to one event: {answers:#?}");
    assert_eq!(answers[0].thread_ts.as_deref(), Some(card.ts.as_str()));
    assert!(answers[0].text.contains("T-2"), "{answers:#?}");

    // Help and refusals are for the asker's eyes only.
    let before = fake.posted().len();
    assert_eq!(
        slash(&service, CAROL, "help", "trigger-help")
            .await
            .status(),
        200
    );
    assert_eq!(
        slash(&service, CAROL, "done T-99", "trigger-99")
            .await
            .status(),
        200
    );
    assert!(
        fake.wait_until(PATIENCE, |f| f.ephemeral_to(CAROL).len() >= 2)
            .await,
        "no private answers:\n{}",
        service.log()
    );
    let private = fake.ephemeral_to(CAROL);
    assert!(
        private[0].contains("`add ") && private[0].contains("`done T-1"),
        "{private:#?}"
    );
    assert!(private[1].contains("T-99"), "{private:#?}");
    assert_eq!(fake.posted().len(), before, "nothing for the whole channel");

    // Slack's latency and refused requests show in the metrics.
    let metrics = reqwest::get(service.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("baton_platform_api_seconds")
            && metrics.contains("method=\"chat.postMessage\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("baton_slack_requests_refused_total"),
        "{metrics}"
    );

    // A channel Baton was removed from: the reply is given up on at once, with
    // Slack's reason kept for `baton outbox --failed`, not retried forever.
    fake.fail_next("chat.postMessage", Failure::Error("channel_not_found"));
    let calls = fake.calls_of("chat.postMessage");
    assert_eq!(
        slash(&service, CAROL, "show T-1", "trigger-show")
            .await
            .status(),
        200
    );
    let failed = || {
        let output = crate::helpers::baton(&["outbox", "--failed", "--database-url", &db.url], b"");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let deadline = std::time::Instant::now() + PATIENCE;
    while !failed().contains("channel_not_found") && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(failed().contains("channel_not_found"), "{}", failed());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(fake.calls_of("chat.postMessage"), calls + 1, "tried once");

    // The process stops cleanly, and its log never held a secret.
    let output = service.terminate();
    assert!(output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    for secret in [slack_fake::BOT_TOKEN, slack_fake::SIGNING_SECRET] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}

/// A Slack message event (a `message` in the channel, maybe in a thread).
fn event_callback_message(event_id: &str, user: &str, text: &str, thread: Option<&str>) -> Value {
    let ts = format!("1800000000.{:06}", event_id.len());
    let mut message = json!({
        "type": "message", "channel": CHANNEL, "channel_type": "channel",
        "user": user, "text": text, "ts": ts,
    });
    if let Some(thread) = thread {
        message["thread_ts"] = json!(thread);
    }
    slack_fake::event_callback(event_id, message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_mode_runs_the_handoff_story_through_rate_limits_and_reconnects() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, true).await;
    assert!(
        fake.wait_until(PATIENCE, |f| f.connections() >= 1).await,
        "Baton did not open Socket Mode:\n{}",
        service.log()
    );
    assert!(
        service.wait_for("/readyz", "HTTP/1.1 200", PATIENCE),
        "not ready once connected:\n{}",
        service.log()
    );

    // The first DM attempt is rate limited; the outbox waits and tries again.
    fake.fail_next(
        "conversations.open",
        Failure::RateLimited {
            retry_after_seconds: 1,
        },
    );
    for (i, (user, text)) in STORY.iter().enumerate() {
        let payload = slack_fake::command(user, CHANNEL, text, &format!("trigger-{i}"));
        let envelope = fake.send_envelope("slash_commands", payload);
        assert!(
            fake.wait_until(PATIENCE, |f| f.acked(&envelope)).await,
            "{text} was not acknowledged:\n{}",
            service.log()
        );
    }
    assert!(
        fake.wait_until(PATIENCE, |f| !f.dms_to(BOB).is_empty())
            .await,
        "bob got no DM:\n{}",
        service.log()
    );
    assert!(
        fake.calls_of("conversations.open") >= 2,
        "the 429 was retried"
    );
    // Bob's App Home shows his ready task.
    assert!(
        fake.wait_until(PATIENCE, |f| f
            .home_of(BOB)
            .is_some_and(|home| home.contains("My work") && home.contains("T-2")))
            .await,
        "bob's Home tab: {:?}",
        fake.home_of(BOB)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_one_handoff_to_bob(&fake);

    // Slack drops the connection right after sending bob's "done T-2"; Baton
    // reconnects, Slack sends the event again, and it is applied once: one DM to dan.
    let done = slack_fake::event_callback(
        "Ev-done-2",
        json!({"type": "app_mention", "channel": CHANNEL, "user": BOB,
               "text": "<@U0BATON> done T-2", "ts": "1800000000.000200"}),
    );
    let before = fake.connections();
    let envelope = fake.send_envelope("events_api", done.clone());
    fake.disconnect_all(false);
    assert!(
        fake.wait_until(PATIENCE, |f| f.connections() > before)
            .await,
        "Baton did not reconnect:\n{}",
        service.log()
    );
    fake.resend_envelope(&envelope, "events_api", done.clone());
    assert!(
        fake.wait_until(PATIENCE, |f| f.acked(&envelope)).await,
        "the redelivered event was not acknowledged:\n{}",
        service.log()
    );
    // Slack asks for a fresh connection; the same message also arrives as a
    // `message` event: still once.
    fake.disconnect_all(true);
    let before = fake.connections();
    assert!(
        fake.wait_until(PATIENCE, |f| f.connections() > before)
            .await,
        "Baton did not reconnect after `disconnect`:\n{}",
        service.log()
    );
    let same_message = slack_fake::event_callback(
        "Ev-done-2-message",
        json!({"type": "message", "channel": CHANNEL, "channel_type": "channel", "user": BOB,
               "text": "<@U0BATON> done T-2", "ts": "1800000000.000200"}),
    );
    let envelope = fake.send_envelope("events_api", same_message);
    assert!(fake.wait_until(PATIENCE, |f| f.acked(&envelope)).await);
    assert!(
        fake.wait_until(PATIENCE, |f| !f.dms_to(DAN).is_empty())
            .await,
        "dan got no DM:\n{}\n{}",
        service.log(),
        String::from_utf8_lossy(
            &crate::helpers::baton(&["outbox", "--database-url", &db.url], b"").stdout
        )
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let to_dan = fake.dms_to(DAN);
    assert_eq!(to_dan.len(), 1, "{to_dan:#?}");
    assert!(to_dan[0].text.contains("T-3") && to_dan[0].text.contains("T-2"));
    assert_eq!(fake.dms_to(BOB).len(), 1, "bob is not told again");

    // A ✅ on T-3's card finishes it; Slack reports the reaction by card ts.
    let card = fake
        .posted()
        .into_iter()
        .find(|p| {
            p.channel == CHANNEL
                && p.thread_ts.is_none()
                && p.text.contains("Write the billing docs")
        })
        .expect("T-3's card");
    let reaction = slack_fake::event_callback(
        "Ev-react",
        json!({"type": "reaction_added", "user": DAN, "reaction": "white_check_mark",
               "item": {"type": "message", "channel": CHANNEL, "ts": card.ts},
               "event_ts": "1800000000.000300"}),
    );
    let before = fake.posted().len();
    let envelope = fake.send_envelope("events_api", reaction);
    assert!(fake.wait_until(PATIENCE, |f| f.acked(&envelope)).await);
    assert!(
        fake.wait_until(PATIENCE, |f| f.posted().len() > before)
            .await,
        "no answer to the reaction:\n{}",
        service.log()
    );
    let export = crate::helpers::baton(&["export", "--database-url", &db.url], b"");
    let export = String::from_utf8_lossy(&export.stdout).into_owned();
    let t3 = export
        .lines()
        .find(|l| l.contains("\"T-3\""))
        .expect("T-3 exported");
    assert!(t3.contains("\"status\":\"done\""), "{t3}");

    assert!(service.terminate().status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_slack_token_with_auth_test() {
    let fake = fake().await;
    let db = TestDb::sqlite().await;
    let doctor = |token: &'static str| {
        let (api_url, url) = (fake.api_url(), db.url.clone());
        tokio::task::spawn_blocking(move || {
            crate::helpers::baton_command()
                .args(["doctor", "--database-url", &url])
                .env("BATON_SLACK__BOT_TOKEN", token)
                .env("BATON_SLACK__APP_TOKEN", slack_fake::APP_TOKEN)
                .env("BATON_SLACK__API_URL", api_url)
                .output()
                .unwrap()
        })
    };
    let good = doctor(slack_fake::BOT_TOKEN).await.unwrap();
    let report = String::from_utf8_lossy(&good.stdout);
    assert!(good.status.success(), "{report}");
    assert!(report.contains("Fake Team"), "{report}");

    let wrong = doctor("xoxb-revoked-long-ago").await.unwrap();
    let report = String::from_utf8_lossy(&wrong.stdout);
    assert!(!wrong.status.success(), "{report}");
    assert!(
        report.contains("FAIL  slack")
            && report.contains("invalid_auth")
            && report.contains("Fix:"),
        "{report}"
    );
    assert!(
        !report.contains("xoxb-revoked"),
        "the token is never printed: {report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_bones_fake_and_bare_bones_commands_are_enough() {
    let db = TestDb::sqlite().await;
    let fake = FakeSlack::start_minimal(&[(CAROL, "carol"), (ALICE, "alice"), (BOB, "bob")]).await;
    let service = start(&db, &fake, false).await;
    // Commands with only the fields Baton needs: no trigger id, team or response URL.
    for (user, text) in &STORY[..2] {
        let body = serde_urlencoded::to_string([
            ("command", "/baton"),
            ("channel_id", CHANNEL),
            ("user_id", user),
            ("text", text),
        ])
        .unwrap();
        let response = post_signed(
            &service,
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &body,
            now(),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    // An event without the envelope fields Baton does not use.
    let done = json!({"type": "event_callback", "event": {
        "type": "app_mention", "channel": CHANNEL, "user": ALICE,
        "text": format!("<@U0BATON> done T-1 {PR}"), "ts": "1800000000.000900"}});
    assert_eq!(event(&service, &done).await.status(), 200);
    assert!(
        fake.wait_until(PATIENCE, |f| !f.dms_to(BOB).is_empty())
            .await,
        "bob got no DM:\n{}",
        service.log()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let dms = fake.dms_to(BOB);
    assert_eq!(dms.len(), 1, "{dms:#?}");
    for needle in ["T-2", "T-1", PR] {
        assert!(dms[0].text.contains(needle), "{needle}: {dms:#?}");
    }
    assert!(service.terminate().status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_leaves_undelivered_dms_pending_and_the_next_start_delivers_them() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    for (i, (user, text)) in STORY[..3].iter().enumerate() {
        assert_eq!(
            slash(&service, user, text, &format!("trigger-{i}"))
                .await
                .status(),
            200
        );
    }
    assert!(fake.wait_until(PATIENCE, |f| f.posted().len() >= 3).await);
    // Bob's DM is rate limited for a few seconds, longer than the 2 s grace.
    fake.fail_next(
        "conversations.open",
        Failure::RateLimited {
            retry_after_seconds: 4,
        },
    );
    assert_eq!(
        slash(&service, ALICE, STORY[3].1, "trigger-3")
            .await
            .status(),
        200
    );
    assert!(
        fake.wait_until(PATIENCE, |f| f.calls_of("conversations.open") >= 1)
            .await
    );
    let stopping = std::time::Instant::now();
    let output = service.terminate();
    assert!(output.status.success(), "exit 0 on SIGTERM");
    assert!(
        stopping.elapsed() < Duration::from_secs(6),
        "stopped within the grace period: {:?}",
        stopping.elapsed()
    );
    assert!(fake.dms_to(BOB).is_empty());
    let outbox = crate::helpers::baton(&["outbox", "--database-url", &db.url], b"");
    let outbox = String::from_utf8_lossy(&outbox.stdout).into_owned();
    let to_bob = outbox
        .lines()
        .find(|l| l.contains("DM slack:@U0BOB"))
        .unwrap_or_else(|| panic!("bob's DM is kept: {outbox}"));
    assert!(to_bob.contains("Pending"), "{to_bob}");

    // The next start delivers it, once.
    let service = start(&db, &fake, false).await;
    expect_one_handoff_to_bob(&fake, &service).await;
    assert!(service.terminate().status.success());
}

/// Slack's `block_actions` payload for a click on a button under an ephemeral
/// message (which Slack does not echo back), as its documentation shows one.
fn block_actions(user: &str, channel: &str, action_id: &str, value: &str) -> Value {
    json!({
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T0TEAM"},
        "api_app_id": "A0BATON",
        "token": "9s8d9as89d8as9d8as989",
        "container": {
            "type": "message",
            "message_ts": "1548261231.000200",
            "channel_id": channel,
            "is_ephemeral": true
        },
        "trigger_id": format!("12321423423.333649436676.{}", trigger_tag()),
        "team": {"id": "T0TEAM", "domain": "acme"},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": channel, "name": "billing"},
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/A0BATON/1232321423432/D09sSasdasdAS9091209",
        "actions": [{
            "action_id": action_id,
            "block_id": "=qXel",
            "text": {"type": "plain_text", "text": "Yes, do it", "emoji": true},
            "value": value,
            "type": "button",
            "action_ts": "1548426417.840180"
        }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_models_proposal_comes_with_a_button_that_confirms_it() {
    use crate::model_fake::{Answer, FakeModel, Script};
    let model = FakeModel::start(Script {
        summary: Answer::Status(500),
        proposal: Answer::Text(r#"{"intent":"done","tasks":["T-1"]}"#.to_owned()),
    });
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let url = db.url.clone();
    let mut env = fake.env(false);
    env.push(("BATON_MODEL__URL", model.base_url.clone()));
    let service = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Service::start_with(&url, &env)
    })
    .await
    .unwrap();
    assert!(
        fake.wait_until(PATIENCE, |f| f.calls_of("auth.test") >= 1)
            .await,
        "{}",
        service.log()
    );
    for (user, text) in &STORY[..2] {
        slash_in(&service, user, CHANNEL, text).await;
    }
    slash_in(&service, ALICE, CHANNEL, "zorp T-1 pls").await;
    assert!(
        fake.wait_until(PATIENCE, |f| f
            .ephemeral_to(ALICE)
            .iter()
            .any(|t| t.contains("may mean")))
            .await,
        "{:#?}\n{}",
        fake.ephemeral_to(ALICE),
        service.log()
    );
    let buttons = fake.ephemeral_actions_to(ALICE);
    assert_eq!(buttons.last().unwrap(), &["baton_confirm"], "{buttons:?}");
    let click = |user: &'static str, value: &'static str| {
        let payload = block_actions(user, CHANNEL, "baton_confirm", value).to_string();
        let form = serde_urlencoded::to_string([("payload", payload)]).unwrap();
        let service = &service;
        async move {
            let response = post_signed(
                service,
                "/slack/interactivity",
                "application/x-www-form-urlencoded",
                &form,
                now(),
            )
            .await;
            assert!(response.status().is_success(), "{}", service.log());
        }
    };
    // Someone else's click, and a button for another command, confirm nothing.
    click(BOB, "done T-1").await;
    click(ALICE, "done T-2").await;
    assert!(
        fake.wait_until(PATIENCE, |f| f
            .ephemeral_to(BOB)
            .iter()
            .any(|t| t.contains("not waiting any more")))
            .await,
        "{:#?}",
        fake.ephemeral_to(BOB)
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(fake.dms_to(BOB).is_empty(), "{}", service.log());
    assert!(
        fake.ephemeral_to(ALICE)
            .iter()
            .any(|t| t.contains("not waiting any more")),
        "{:#?}",
        fake.ephemeral_to(ALICE)
    );

    click(ALICE, "done T-1").await;
    assert!(
        fake.wait_until(PATIENCE, |f| f.dms_to(BOB).len() == 1)
            .await,
        "{}",
        service.log()
    );
    assert!(fake.dms_to(BOB)[0].text.contains("T-2"));
}
