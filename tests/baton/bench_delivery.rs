//! Delivery throughput: the outbox worker draining queued messages through the real
//! adapters, against the fake Slack (no rate limits) and a Synapse on loopback.
//!
//! Benchmarks, not tests: ignored by default, they print their numbers and assert
//! nothing about time. Run them with (Synapse from `scripts/synapse start DIR`):
//!
//! ```sh
//! cargo test --release --test baton -- --ignored --nocapture bench_delivery
//! ```

use std::sync::Arc;
use std::time::Instant;

use baton::clock::SystemClock;
use baton::outbox::OutboxWorker;
use baton::store::{Destination, NewOutboxMessage, OutboxKind, Store};
use chrono::Utc;

use crate::helpers::TestDb;
use crate::slack_fake::{self, FakeSlack};

/// Messages per run.
const MESSAGES: usize = 1_000;

/// Queues `count` messages for `room`, keyed `{prefix}-{n}`.
async fn queue(store: &Arc<dyn Store>, platform: &str, room: &str, prefix: &str, count: usize) {
    let mut tx = store.begin().await.unwrap();
    for n in 0..count {
        tx.enqueue(&NewOutboxMessage {
            idempotency_key: format!("{prefix}-{n}"),
            platform: platform.to_owned(),
            destination: Destination::Room {
                room: room.to_owned(),
                thread_task: None,
            },
            card_for: None,
            kind: OutboxKind::Message,
            body: format!("T-{n} Implement billing client · @U0BOB · after T-1"),
            picture: None,
            summary_source: None,
            only_for: None,
            not_before: Utc::now(),
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn drain(worker: &OutboxWorker, count: usize, what: &str) {
    let started = Instant::now();
    let delivered = worker.drain().await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(delivered, count);
    println!(
        "{what}: {count} messages in {seconds:.2} s = {:.0} messages/s",
        count as f64 / seconds
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn bench_delivery_to_the_fake_slack() {
    // As `main` does: two TLS backends are linked, rustls must be told which.
    let _ = rustls::crypto::ring::default_provider().install_default();
    for db in [Some(TestDb::sqlite().await), TestDb::postgres().await]
        .into_iter()
        .flatten()
    {
        let fake = FakeSlack::start(&[]).await;
        let client = baton::chat::slack::client(&fake.api_url()).unwrap();
        let api = baton::chat::slack::SlackApi::new(
            client,
            &secrecy::SecretString::from(slack_fake::BOT_TOKEN.to_owned()),
        );
        let outlet = Arc::new(baton::chat::slack::SlackOutlet::new(api, db.store.clone()));
        let worker =
            OutboxWorker::new(db.store.clone(), Arc::new(SystemClock)).with_outlet("slack", outlet);
        queue(&db.store, "slack", "slack:C0BENCH", "bench", MESSAGES).await;
        let backend = db.url.split(':').next().unwrap_or_default().to_owned();
        drain(&worker, MESSAGES, &format!("Slack (fake), {backend}")).await;
        assert_eq!(fake.posted().len(), MESSAGES);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn bench_delivery_to_synapse() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (Ok(url), Ok(secret)) = (
        std::env::var("BATON_TEST_SYNAPSE_URL"),
        std::env::var("BATON_TEST_SYNAPSE_SECRET"),
    ) else {
        println!("no Synapse: start one with scripts/synapse start DIR and export its two lines");
        return;
    };
    let db = TestDb::sqlite().await;
    let tag = format!("{:x}", std::process::id());
    let bot = crate::matrix::register_user(&url, &secret, &format!("bench-{tag}")).await;
    let store_dir = tempfile::tempdir().unwrap();
    let settings = baton::settings::MatrixSettings {
        homeserver: Some(url.clone()),
        user: Some(bot.to_string()),
        password: Some(crate::matrix::password()),
        store_dir: store_dir.path().to_owned(),
        ..Default::default()
    };
    let client = baton::chat::matrix::connect(&settings, &db.store)
        .await
        .unwrap();
    // As in `baton run`, the client syncs while it sends (encryption needs it).
    let syncing = client.clone();
    let sync = tokio::spawn(async move {
        let _ = syncing
            .sync_with_callback(matrix_sdk::config::SyncSettings::default(), |_| async {
                matrix_sdk::LoopCtrl::Continue
            })
            .await;
    });
    for (encrypted, count) in [(false, 200), (true, 200)] {
        let mut request = matrix_sdk::ruma::api::client::room::create_room::v3::Request::new();
        if encrypted {
            request.initial_state = vec![
                matrix_sdk::ruma::events::InitialStateEvent::with_empty_state_key(
                    matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent::with_recommended_defaults(),
                )
                .to_raw_any(),
            ];
        }
        let room = client.create_room(request).await.unwrap();
        let outlet = Arc::new(baton::chat::matrix::MatrixOutlet::new(
            client.clone(),
            db.store.clone(),
        ));
        let worker = OutboxWorker::new(db.store.clone(), Arc::new(SystemClock))
            .with_outlet("matrix", outlet);
        let room_name = format!("matrix:{}", room.room_id());
        queue(
            &db.store,
            "matrix",
            &room_name,
            &format!("bench-{encrypted}"),
            count,
        )
        .await;
        let what = if encrypted {
            "Matrix (Synapse), encrypted room"
        } else {
            "Matrix (Synapse), plain room"
        };
        drain(&worker, count, what).await;
    }
    sync.abort();
}
