//! Exactly once under faults, on the fake Slack with real `baton run` processes:
//! lost answers in busy channels and threads, SIGKILL mid-burst, SIGTERM with a
//! backlog, a slow channel beside DMs, and Postgres under sequential and
//! concurrent commands.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::helpers::TestDb;
use crate::slack::{slash_in as slash, start};
use crate::slack_fake::{Failure, FakeSlack};

const CAROL: &str = "U0CAROL";
const BOB: &str = "U0BOB";
const BUSY: &str = "C0BUSY";
const PATIENCE: Duration = Duration::from_secs(90);

async fn fake() -> FakeSlack {
    FakeSlack::start(&[(CAROL, "carol"), (BOB, "bob")]).await
}

/// How often each outbox message (by id) was posted, part by part.
fn posts_per_message(fake: &FakeSlack) -> HashMap<(String, String), usize> {
    let mut counts = HashMap::new();
    for posted in fake.posted() {
        let Some(metadata) = &posted.metadata else {
            continue;
        };
        let payload = &metadata["event_payload"];
        let id = payload["outbox_id"].as_str().unwrap_or_default().to_owned();
        let part = payload["part"].as_str().unwrap_or_default().to_owned();
        *counts.entry((id, part)).or_default() += 1;
    }
    counts
}

fn assert_each_posted_once(fake: &FakeSlack, service_log: &str) {
    let twice: Vec<_> = posts_per_message(fake)
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(
        twice.is_empty(),
        "posted more than once: {twice:?}\n{service_log}"
    );
}

/// Waits until the process has logged `needle`; false after [`PATIENCE`].
async fn wait_for_log(service: &crate::helpers::Service, needle: &str) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if service.log().contains(needle) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    service.log().contains(needle)
}

/// Cards posted in `channel` (Baton's posts that start with a task key).
fn cards_in(fake: &FakeSlack, channel: &str) -> usize {
    fake.posted()
        .iter()
        .filter(|p| p.channel == channel && p.metadata.is_some() && p.text.starts_with("T-"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_whose_answer_was_lost_is_found_in_a_busy_channel_and_not_posted_again() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    fake.fail_next("chat.postMessage", Failure::AnswerLost);

    slash(
        &service,
        CAROL,
        BUSY,
        "add Migrate billing for <@U0BOB|bob>",
    )
    .await;
    assert!(
        fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) == 1).await,
        "{}",
        service.log()
    );
    // The channel is busy before Baton tries again (2 s later): its first post is
    // three pages deep in the history by then.
    fake.chatter(BUSY, 450);
    assert!(
        wait_for_log(&service, "not posting that again").await,
        "{}",
        service.log()
    );

    assert_eq!(cards_in(&fake, BUSY), 1, "{}", service.log());
    assert_each_posted_once(&fake, &service.log());
    assert!(
        fake.calls_of("conversations.history") >= 3,
        "paged back: {} calls\n{}",
        fake.calls_of("conversations.history"),
        service.log()
    );
    assert!(
        service.log().contains("not posting that again"),
        "{}",
        service.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_reply_whose_answer_was_lost_is_found_after_hundreds_of_replies() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    slash(
        &service,
        CAROL,
        BUSY,
        "add Migrate billing for <@U0BOB|bob>",
    )
    .await;
    assert!(fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) == 1).await);
    let card = fake
        .posted()
        .into_iter()
        .find(|p| p.channel == BUSY)
        .unwrap();
    // 250 replies in the card's thread before Baton's own.
    fake.thread_chatter(BUSY, &card.ts, 250);
    fake.fail_next("chat.postMessage", Failure::AnswerLost);

    // Reopening T-1 after it is done answers in the room; its thread gets the
    // reply "T-1 …" when asked from there: ask for it in the thread.
    let thread_message = crate::slack_fake::event_callback(
        "Ev0THREADSHOW",
        serde_json::json!({
            "type": "message", "channel": BUSY, "channel_type": "channel", "user": CAROL,
            "text": "<@U0BATON> show T-1", "ts": "1900000000.000100", "thread_ts": card.ts,
        }),
    );
    assert!(
        crate::slack::event(&service, &thread_message)
            .await
            .status()
            .is_success()
    );
    let in_thread = |f: &FakeSlack| {
        f.posted()
            .iter()
            .filter(|p| p.thread_ts.as_deref() == Some(card.ts.as_str()) && p.metadata.is_some())
            .count()
    };
    assert!(
        fake.wait_until(PATIENCE, |f| in_thread(f) == 1).await,
        "{}",
        service.log()
    );
    assert!(
        wait_for_log(&service, "not posting that again").await,
        "{}",
        service.log()
    );

    assert_eq!(in_thread(&fake), 1, "{}", service.log());
    assert_each_posted_once(&fake, &service.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_in_a_busy_channel_then_a_restart_posts_every_card_once() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    // Over 100 posts a minute from others, all along.
    let chatter = {
        let fake = fake.clone();
        tokio::spawn(async move {
            loop {
                fake.chatter(BUSY, 1);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };

    for n in 0..120 {
        slash(&service, CAROL, BUSY, &format!("add Burst task {n}")).await;
    }
    service.kill();
    let service = start(&db, &fake, false).await;
    for n in 120..200 {
        slash(&service, CAROL, BUSY, &format!("add Burst task {n}")).await;
    }

    // A message claimed when the process died is claimed again when its lease
    // (a minute) ends.
    let all = fake
        .wait_until(PATIENCE, |f| cards_in(f, BUSY) >= 200)
        .await;
    chatter.abort();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(all, "{} cards: {}", cards_in(&fake, BUSY), service.log());
    assert_eq!(cards_in(&fake, BUSY), 200, "{}", service.log());
    assert_each_posted_once(&fake, &service.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_channel_does_not_hold_up_a_dm() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    fake.slow_down(BUSY, Duration::from_millis(700));
    for n in 0..15 {
        slash(&service, CAROL, BUSY, &format!("add Slow task {n}")).await;
    }

    // Bob asks in his DM while the channel's ten seconds of posts are under way.
    let asked = Instant::now();
    slash(&service, BOB, "D0BOB", "mine").await;
    assert!(
        fake.wait_until(PATIENCE, |f| f
            .posted()
            .iter()
            .any(|p| p.channel == "DU0BOB"))
            .await,
        "{}",
        service.log()
    );

    let waited = asked.elapsed();
    assert!(
        cards_in(&fake, BUSY) < 15,
        "the channel's backlog was still being posted"
    );
    assert!(waited < Duration::from_secs(5), "the DM waited {waited:?}");
    assert!(fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) == 15).await);
    // In order, each channel's own messages.
    let titles: Vec<String> = fake
        .posted()
        .iter()
        .filter(|p| p.channel == BUSY)
        .map(|p| p.text.clone())
        .collect();
    for (n, title) in titles.iter().enumerate() {
        assert!(title.contains(&format!("Slow task {n}")), "{titles:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_backlog_stops_within_the_grace_and_cuts_no_delivery_in_half() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    fake.slow_down(BUSY, Duration::from_millis(800));
    for n in 0..12 {
        slash(&service, CAROL, BUSY, &format!("add Backlog task {n}")).await;
    }
    assert!(fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) >= 1).await);

    let asked = Instant::now();
    let stopped = tokio::task::spawn_blocking(move || service.terminate())
        .await
        .unwrap();

    let took = asked.elapsed();
    assert!(
        stopped.status.success(),
        "{}",
        String::from_utf8_lossy(&stopped.stderr)
    );
    // The grace is 2 s (tests' setting); one post under way may finish after it.
    assert!(took < Duration::from_secs(5), "stopping took {took:?}");
    let before_restart = cards_in(&fake, BUSY);
    assert!(
        before_restart < 12,
        "the backlog was not left for the next start"
    );

    let service = start(&db, &fake, false).await;
    assert!(
        fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) == 12).await,
        "{}",
        service.log()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(cards_in(&fake, BUSY), 12);
    assert_each_posted_once(&fake, &service.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_250_sequential_adds_post_every_card_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let fake = fake().await;
    let service = start(&db, &fake, false).await;

    for n in 0..250 {
        slash(&service, CAROL, BUSY, &format!("add Sequential task {n}")).await;
    }

    assert!(
        fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) >= 250)
            .await,
        "{}",
        service.log()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(cards_in(&fake, BUSY), 250);
    assert_each_posted_once(&fake, &service.log());
    let log = service.log();
    assert!(!log.contains("could not serialize"), "{log}");
    assert!(!log.contains("delivery failed"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_concurrent_commands_are_all_applied_within_slacks_time() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let fake = fake().await;
    let service = std::sync::Arc::new(start(&db, &fake, false).await);
    slash(&service, CAROL, BUSY, "add The shared blocker").await;

    // 8 people at once, 10 commands each, all touching T-1's dependents.
    let mut people = tokio::task::JoinSet::new();
    for person in 0..8 {
        let service = service.clone();
        people.spawn(async move {
            let mut slowest = Duration::ZERO;
            for n in 0..10 {
                let started = Instant::now();
                slash(
                    &service,
                    CAROL,
                    BUSY,
                    &format!("add Concurrent {person}-{n} after T-1"),
                )
                .await;
                slowest = slowest.max(started.elapsed());
            }
            slowest
        });
    }
    let mut slowest = Duration::ZERO;
    while let Some(took) = people.join_next().await {
        slowest = slowest.max(took.unwrap());
    }

    assert!(
        slowest < Duration::from_secs(3),
        "a command took {slowest:?}"
    );
    assert!(
        fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) >= 81).await,
        "{}",
        service.log()
    );
    assert_eq!(cards_in(&fake, BUSY), 81);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_that_cannot_be_reached_at_start_is_tried_again_and_readyz_says_why() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    for _ in 0..3 {
        fake.fail_next("auth.test", Failure::AnswerLost);
    }

    let service = start(&db, &fake, false).await;

    let not_ready = service.get("/readyz").unwrap_or_default();
    assert!(not_ready.starts_with("HTTP/1.1 503"), "{not_ready}");
    assert!(not_ready.contains("cannot reach Slack"), "{not_ready}");
    // 1 s, 2 s, 4 s between the attempts: ready in about 7 s.
    let ready = service.wait_for("/readyz", "HTTP/1.1 200", Duration::from_secs(20));
    assert!(ready, "{}", service.log());
    slash(&service, CAROL, BUSY, "add Works once Slack answers").await;
    assert!(
        fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) == 1).await,
        "{}",
        service.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_command_during_an_outage_fails_fast_so_slack_retries() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    let name = db.url.rsplit('/').next().unwrap().to_owned();

    crate::helpers::set_postgres_database_open(&name, false).await;
    let fields = crate::slack_fake::command(CAROL, BUSY, "add During the outage", "outage-1");
    let started = Instant::now();
    let response = crate::slack::post_command(&service, &fields).await;
    let took = started.elapsed();
    crate::helpers::set_postgres_database_open(&name, true).await;

    assert!(response.status().is_server_error(), "{}", response.status());
    assert!(took < Duration::from_secs(3), "the 5xx took {took:?}");
    // Slack's retry of the same command, once the database is back, is applied.
    let retried = crate::slack::post_command(&service, &fields).await;
    assert!(retried.status().is_success(), "{}", service.log());
    assert!(
        fake.wait_until(PATIENCE, |f| cards_in(f, BUSY) == 1).await,
        "{}",
        service.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_command_the_workspace_named_tasks_is_a_command_too() {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    let mut fields =
        crate::slack_fake::command(CAROL, BUSY, "add Renamed command works", "tasks-1");
    fields["command"] = serde_json::json!("/tasks");

    let response = crate::slack::post_command(&service, &fields).await;

    assert!(response.status().is_success());
    assert!(
        fake.wait_until(PATIENCE, |f| f
            .posted()
            .iter()
            .any(|p| p.text.contains("Renamed command works")))
            .await,
        "{}",
        service.log()
    );
}
