//! Two `baton run` replicas on one Postgres behave like one, even when one of them
//! dies with SIGKILL in the middle of the work.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Service, TestDb};
use crate::slack_fake::{self, FakeSlack};

const CAROL: &str = "U0CAROL";
const ALICE: &str = "U0ALICE";
const BOB: &str = "U0BOB";
const CHANNEL: &str = "C0BILLING";
/// Pairs of tasks: bob's second of each waits on alice's first.
const PAIRS: usize = 8;

async fn start(db: &TestDb, fake: &FakeSlack) -> Service {
    let (url, env) = (db.url.clone(), fake.env(false));
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Service::start_with(&url, &env)
    })
    .await
    .unwrap()
}

/// Sends `text` from `user` as an `app_mention` event to `service`, signed; whether
/// the replica accepted it (a dead one does not answer).
async fn mention(service: &Service, n: usize, user: &str, text: &str) -> bool {
    let callback = slack_fake::event_callback(
        &format!("Ev-{n}"),
        json!({"type": "app_mention", "channel": CHANNEL, "user": user,
               "text": format!("<@U0BATON> {text}"), "ts": format!("1800000000.{n:06}")}),
    );
    let body = callback.to_string();
    let (ts, signature) = slack_fake::sign(&body, chrono::Utc::now().timestamp());
    let sent = reqwest::Client::new()
        .post(service.url("/slack/events"))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", signature)
        .timeout(Duration::from_secs(10))
        .body(body)
        .send()
        .await;
    sent.is_ok_and(|r| r.status().is_success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_apply_every_command_once_and_deliver_every_dm_once_when_one_is_killed() {
    let Some(db) = TestDb::postgres().await else {
        return; // no Postgres outside CI
    };
    let fake = FakeSlack::start(&[(CAROL, "carol"), (ALICE, "alice"), (BOB, "bob")]).await;
    let first = start(&db, &fake).await;
    let second = start(&db, &fake).await;
    let mut replicas = [Some(first), Some(second)];

    // Commands go to the replicas in turn, as a load balancer would send them.
    let mut commands: Vec<(&str, String)> = Vec::new();
    for pair in 0..PAIRS {
        let upstream = 2 * pair + 1;
        commands.push((CAROL, format!("add Upstream {pair} for <@{ALICE}>")));
        commands.push((
            CAROL,
            format!("add Downstream {pair} for <@{BOB}> after T-{upstream}"),
        ));
    }
    for pair in 0..PAIRS {
        commands.push((ALICE, format!("done T-{}", 2 * pair + 1)));
    }
    let kill_at = commands.len() - PAIRS / 2;
    for (n, (user, text)) in commands.iter().enumerate() {
        if n == kill_at {
            // In the middle of the `done`s, with DMs being delivered: SIGKILL.
            let victim = replicas[0].take().expect("the first replica");
            victim.kill();
        }
        let mut delivered = false;
        // Slack retries an event the app did not acknowledge: at the other replica.
        for attempt in 0..4 {
            let Some(replica) = replicas[(n + attempt) % 2].as_ref() else {
                continue;
            };
            if mention(replica, n, user, text).await {
                delivered = true;
                if attempt == 0 && n % 3 == 0 {
                    // And sometimes Slack retries one that was acknowledged too.
                    let other = replicas[(n + 1) % 2].as_ref().unwrap_or(replica);
                    mention(other, n, user, text).await;
                }
                break;
            }
        }
        assert!(delivered, "no replica took `{text}`");
    }

    // Every DM exactly once: a message claimed by the killed replica is claimed
    // again when its lease runs out, after a look at the channel for an earlier post.
    let all_dms = |f: &FakeSlack| f.dms_to(BOB).len() >= PAIRS;
    assert!(
        fake.wait_until(Duration::from_secs(150), all_dms).await,
        "bob got {} of {PAIRS} DMs",
        fake.dms_to(BOB).len()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let dms = fake.dms_to(BOB);
    assert_eq!(dms.len(), PAIRS, "{dms:#?}");
    for pair in 0..PAIRS {
        let ready = format!("Downstream {pair} is ready for you");
        let about: Vec<_> = dms.iter().filter(|d| d.text.contains(&ready)).collect();
        assert_eq!(about.len(), 1, "one DM saying {ready}: {dms:#?}");
    }

    // Every command applied once: each task exists once, each upstream is done
    // with exactly one `done` event.
    let export = crate::helpers::baton(&["export", "--database-url", &db.url], b"");
    let export = String::from_utf8_lossy(&export.stdout).into_owned();
    let tasks: Vec<serde_json::Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(tasks.len(), 2 * PAIRS, "{export}");
    for task in tasks.iter().step_by(2) {
        assert_eq!(task["status"], "done", "{task}");
        let dones = task["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "done" || e["kind"] == "done")
            .count();
        assert_eq!(dones, 1, "{task}");
    }

    let survivor = replicas[1].take().unwrap();
    assert!(survivor.terminate().status.success());
}
