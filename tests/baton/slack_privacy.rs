//! Privacy on Slack, against the fake: a private channel with a modern `C` id,
//! known private only from `conversations.info`, its members only from
//! `conversations.members`; tasks made by slash command, notes by `app_mention`
//! (which carries no `channel_type`) and by thread replies.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Service, TestDb};
use crate::slack::{event, slash_in as slash, start};
use crate::slack_fake::{self, BOT_USER, FakeSlack};

const CAROL: &str = "U0CAROL";
const ALICE: &str = "U0ALICE";
const BOB: &str = "U0BOB";
const MIA: &str = "U0MIA";
/// A private channel: its id looks like any public channel's.
const SECRET: &str = "C0SECRET";
const PUBLIC: &str = "C0BILLING";
const PATIENCE: Duration = Duration::from_secs(30);

/// T-1's title, a note said by mention, a note said in its thread, its reason.
const SECRETS: [&str; 4] = [
    "payroll key",
    "ops/payroll-7",
    "rotate it on Friday",
    "bank fraud team",
];

/// Slack's documented `app_mention` event, in `channel` (no `channel_type`).
fn app_mention(event_id: &str, user: &str, channel: &str, text: &str, ts: &str) -> Value {
    slack_fake::event_callback(
        event_id,
        json!({
            "type": "app_mention", "user": user, "text": format!("<@{BOT_USER}> {text}"),
            "ts": ts, "channel": channel, "event_ts": ts,
            "blocks": [{"type": "rich_text", "block_id": "BsB8m", "elements": [
                {"type": "rich_text_section", "elements": [
                    {"type": "user", "user_id": BOT_USER},
                    {"type": "text", "text": format!(" {text}")}]}]}],
            "team": slack_fake::TEAM,
        }),
    )
}

/// A reply in a thread, as a `message` event says it.
fn thread_reply(event_id: &str, user: &str, channel: &str, text: &str, thread: &str) -> Value {
    slack_fake::event_callback(
        event_id,
        json!({
            "type": "message", "channel": channel, "channel_type": "channel",
            "user": user, "text": text, "ts": format!("1800000001.{:06}", event_id.len()),
            "thread_ts": thread, "team": slack_fake::TEAM,
        }),
    )
}

/// What Baton posted after the first `before` posts, once it posted something.
async fn posted_since(fake: &FakeSlack, before: usize, service: &Service) -> Vec<String> {
    assert!(
        fake.wait_until(PATIENCE, |f| f.posted().len() > before)
            .await,
        "no answer:\n{}",
        service.log()
    );
    // Longer answers may come in parts: give them a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    fake.posted()[before..]
        .iter()
        .map(|p| p.text.clone())
        .collect()
}

/// The story up to T-1's completion: T-1 in the private channel with notes by
/// mention and in its thread; T-2 (bob, no member) and T-3 (mia, a member who
/// never spoke) in a public channel, waiting on T-1.
async fn set_up(fake: &FakeSlack, service: &Service) {
    slash(
        service,
        CAROL,
        SECRET,
        "add Rotate the payroll key for <@U0ALICE|alice>",
    )
    .await;
    assert!(
        fake.wait_until(PATIENCE, |f| f.posted().iter().any(|p| p.channel == SECRET))
            .await,
        "{}",
        service.log()
    );
    let card = fake
        .posted()
        .into_iter()
        .find(|p| p.channel == SECRET)
        .unwrap();
    let mention = app_mention(
        "Ev0MENTION",
        ALICE,
        SECRET,
        "note T-1 the old key is in vault path ops/payroll-7",
        "1800000000.000100",
    );
    assert!(event(service, &mention).await.status().is_success());
    let reply = thread_reply(
        "Ev0THREAD",
        ALICE,
        SECRET,
        "we rotate it on Friday",
        &card.ts,
    );
    assert!(event(service, &reply).await.status().is_success());
    slash(
        service,
        ALICE,
        SECRET,
        "blocked T-1 waiting on the bank fraud team",
    )
    .await;
    slash(
        service,
        CAROL,
        PUBLIC,
        "add Ship payroll v2 for <@U0BOB|bob> after T-1",
    )
    .await;
    slash(
        service,
        CAROL,
        PUBLIC,
        "add Tell the auditors for <@U0MIA|mia> after T-1",
    )
    .await;
    // Three cards, "Noted on T-1." and "T-1 is blocked: …" (a thread reply is
    // kept without an answer).
    assert!(
        fake.wait_until(PATIENCE, |f| f.posted().len() >= 5).await,
        "{}",
        service.log()
    );
}

async fn private_channel_story() -> (TestDb, FakeSlack, Service) {
    let db = TestDb::sqlite().await;
    let fake = FakeSlack::start(&[
        (CAROL, "carol"),
        (ALICE, "alice"),
        (BOB, "bob"),
        (MIA, "mia"),
    ])
    .await;
    fake.make_private(SECRET, &[CAROL, ALICE, MIA, BOT_USER]);
    let service = start(&db, &fake, false).await;
    set_up(&fake, &service).await;
    (db, fake, service)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_from_a_private_channel_quotes_its_notes_to_members_only() {
    let (_db, fake, service) = private_channel_story().await;

    slash(&service, ALICE, SECRET, "unblock T-1").await;
    slash(&service, ALICE, SECRET, "done T-1").await;

    assert!(
        fake.wait_until(PATIENCE, |f| !f.dms_to(BOB).is_empty()
            && !f.dms_to(MIA).is_empty())
            .await,
        "{}",
        service.log()
    );
    let to_mia = &fake.dms_to(MIA)[0].text;
    for note in ["ops/payroll-7", "rotate it on Friday"] {
        assert!(to_mia.contains(note), "mia is a member: {to_mia}");
    }
    let to_bob = &fake.dms_to(BOB)[0].text;
    assert!(to_bob.contains("T-2"), "{to_bob}");
    for secret in SECRETS {
        assert!(!to_bob.contains(secret), "bob read {secret}: {to_bob}");
    }
    assert!(to_bob.contains("More context on T-1 is in"), "{to_bob}");
    assert!(fake.calls_of("conversations.info") >= 1);
    assert!(fake.calls_of("conversations.members") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_verb_on_slack_keeps_a_private_channels_words_among_its_members() {
    let (_db, fake, service) = private_channel_story().await;
    let dm = |user: &str| format!("D{user}");
    // (who asks, in which channel, whether they may read the secrets there)
    let askers = [
        (ALICE, SECRET.to_owned(), true),
        (ALICE, PUBLIC.to_owned(), false),
        (ALICE, dm(ALICE), true),
        (MIA, dm(MIA), true),
        (BOB, PUBLIC.to_owned(), false),
        (BOB, dm(BOB), false),
    ];
    let reads = [
        "show T-1",
        "who owns T-1?",
        "T-1",
        "mine",
        "blocked",
        "graph T-2",
        "digest",
    ];
    for (who, channel, may_see) in &askers {
        let mut seen = String::new();
        for read in reads {
            let before = fake.posted().len();
            slash(&service, who, channel, read).await;
            let answer = posted_since(&fake, before, &service).await.join("\n");
            if !may_see {
                for secret in SECRETS {
                    assert!(
                        !answer.contains(secret),
                        "{who} in {channel} read {secret} with `{read}`: {answer}"
                    );
                }
            }
            seen.push_str(&answer);
        }
        if *may_see {
            for secret in SECRETS {
                assert!(
                    seen.contains(secret),
                    "{who} in {channel} misses {secret}: {seen}"
                );
            }
        } else {
            assert!(seen.contains("in a private room"), "{seen}");
        }
    }
}
