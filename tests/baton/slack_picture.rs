//! The graph as a picture in Slack: uploaded the way Slack supports today
//! (`files.getUploadURLExternal`, the bytes, `files.completeUploadExternal`) and
//! shared where it was asked for, or the text alone when the upload fails.

use std::time::Duration;

use resvg::tiny_skia::Pixmap;
use serde_json::json;

use crate::helpers::TestDb;
use crate::slack::{event, slash_in, start};
use crate::slack_fake::{self, Failure, FakeSlack};

const CAROL: &str = "U0CAROL";
const BOB: &str = "U0BOB";
const CHANNEL: &str = "C0PICTURE";
const PATIENCE: Duration = Duration::from_secs(30);

async fn fake() -> FakeSlack {
    FakeSlack::start(&[(CAROL, "carol"), (BOB, "bob")]).await
}

/// The `ts` of the card of `key` in the channel: its thread.
fn card_ts(fake: &FakeSlack, key: &str) -> Option<String> {
    fake.posted()
        .into_iter()
        .find(|p| {
            p.channel == CHANNEL && p.thread_ts.is_none() && p.text.starts_with(&format!("{key} "))
        })
        .map(|p| p.ts)
}

/// `baton run` against a fresh fake with T-1 (added by `first`) and T-2 after
/// it, once T-2's card, its thread, is in the channel.
async fn two_tasks(first: &str) -> (TestDb, FakeSlack, crate::helpers::Service) {
    let db = TestDb::sqlite().await;
    let fake = fake().await;
    let service = start(&db, &fake, false).await;
    slash_in(&service, CAROL, CHANNEL, first).await;
    slash_in(
        &service,
        CAROL,
        CHANNEL,
        "add Implement billing client after T-1",
    )
    .await;
    assert!(
        fake.wait_until(PATIENCE, |f| card_ts(f, "T-2").is_some())
            .await,
        "{}",
        service.log()
    );
    (db, fake, service)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_in_a_thread_shares_a_png_there_and_a_failed_upload_falls_back_to_text() {
    let (_db, fake, service) = two_tasks("add Design the billing API for <@U0BOB|bob>").await;
    let thread = card_ts(&fake, "T-2").unwrap();

    // `graph` in T-2's thread: one upload, shared in that thread.
    let asked = json!({
        "type": "message", "channel": CHANNEL, "channel_type": "channel",
        "user": CAROL, "text": "!baton graph", "ts": "1800000000.000001", "thread_ts": thread,
    });
    let response = event(&service, &slack_fake::event_callback("Ev0GRAPH1", asked)).await;
    assert!(response.status().is_success());
    assert!(
        fake.wait_until(PATIENCE, |f| !f.shared_files().is_empty())
            .await,
        "nothing shared:\n{}",
        service.log()
    );
    let shared = fake.shared_files();
    assert_eq!(shared.len(), 1, "{shared:?}");
    let (message, file) = &shared[0];
    assert_eq!(message.channel, CHANNEL);
    assert_eq!(
        message.thread_ts.as_deref(),
        Some(thread.as_str()),
        "shared in the thread"
    );
    assert!(
        message.text.contains("Around T-2"),
        "the comment is the text: {}",
        message.text
    );
    assert!(
        file.alt_text.contains("T-1") && file.alt_text.contains("T-2"),
        "{}",
        file.alt_text
    );
    assert!(
        file.name.starts_with("graph-T-2") && file.name.ends_with(".png"),
        "{}",
        file.name
    );
    assert_eq!(file.title, "graph-T-2");
    let picture = Pixmap::decode_png(&file.bytes).expect("a PNG");
    assert!(picture.width() > 100 && picture.height() > 100);
    assert_eq!(fake.calls_of("files.getUploadURLExternal"), 1);
    assert_eq!(fake.calls_of("files.upload"), 1);
    assert_eq!(fake.calls_of("files.completeUploadExternal"), 1);
    let said_in_thread = |f: &FakeSlack| {
        f.posted()
            .iter()
            .filter(|p| {
                p.thread_ts.as_deref() == Some(thread.as_str()) && p.text.contains("Around T-2")
            })
            .count()
    };
    assert_eq!(
        said_in_thread(&fake),
        1,
        "the picture's message is the answer, once"
    );

    // Without `files:write` (an app installed before Baton drew pictures): the
    // text alone, in the channel.
    fake.fail_next(
        "files.getUploadURLExternal",
        Failure::Error("missing_scope"),
    );
    slash_in(&service, CAROL, CHANNEL, "graph T-1").await;
    assert!(
        fake.wait_until(PATIENCE, |f| f
            .posted()
            .iter()
            .any(|p| p.files.is_empty() && p.text.contains("Around T-1")))
            .await,
        "no text fallback:\n{}",
        service.log()
    );
    assert_eq!(fake.shared_files().len(), 1, "no second picture");
    let _ = service.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_whose_answer_was_lost_is_found_on_the_retry_and_not_shared_again() {
    let (_db, fake, service) = two_tasks("add Design the billing API").await;

    // Slack shares the file, then the answer is lost: the outbox tries again,
    // finds the share in the channel's history and posts nothing more.
    fake.fail_next("files.completeUploadExternal", Failure::AnswerLost);
    slash_in(&service, CAROL, CHANNEL, "graph").await;
    assert!(
        fake.wait_until(PATIENCE, |f| !f.shared_files().is_empty())
            .await
    );
    assert!(
        fake.wait_until(PATIENCE, |f| f.calls_of("conversations.history") >= 1)
            .await,
        "no retry looked for the share:\n{}",
        service.log()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(fake.shared_files().len(), 1, "shared once");
    assert_eq!(fake.calls_of("files.completeUploadExternal"), 1);
    let answers = fake
        .posted()
        .iter()
        .filter(|p| p.text.contains("holds up most"))
        .count();
    assert_eq!(answers, 1, "{:?}", fake.posted());
    let _ = service.terminate();
}
