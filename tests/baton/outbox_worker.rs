//! The outbox worker against outlets that fail, on both backends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;

use baton::clock::{Clock, ManualClock};
use baton::domain::PersonId;
use baton::outbox::{Attempt, Delivered, DeliveryError, MAX_ATTEMPTS, OutboxWorker, Outlet};
use baton::store::{Destination, NewOutboxMessage, OutboxKind, OutboxMessage, OutboxStatus};

use crate::helpers::{TestDb, on_both_backends};

/// Fails with the scripted errors, then delivers.
struct Scripted {
    failures: Mutex<Vec<DeliveryError>>,
    delivered: Mutex<Vec<String>>,
}

impl Scripted {
    fn new(failures: Vec<DeliveryError>) -> Arc<Scripted> {
        Arc::new(Scripted {
            failures: Mutex::new(failures),
            delivered: Mutex::new(Vec::new()),
        })
    }
}

#[async_trait]
impl Outlet for Scripted {
    async fn deliver(&self, message: &OutboxMessage) -> Result<Delivered, DeliveryError> {
        let mut failures = self.failures.lock().unwrap();
        if failures.is_empty() {
            self.delivered.lock().unwrap().push(message.body.clone());
            Ok(Delivered {
                platform_message_id: Some("ts-1".into()),
            })
        } else {
            Err(failures.remove(0))
        }
    }
}

fn transient(reason: &str, retry_after: Option<Duration>) -> DeliveryError {
    DeliveryError::Transient {
        reason: reason.into(),
        retry_after,
    }
}

async fn queue_one(db: &TestDb, clock: &ManualClock) {
    let mut tx = db.store.begin().await.unwrap();
    tx.enqueue(&NewOutboxMessage {
        idempotency_key: "k1".into(),
        platform: "console".into(),
        destination: Destination::Dm(PersonId::new("console", "@bob")),
        card_for: None,
        kind: OutboxKind::Message,
        body: "T-2 is ready for you.".into(),
        picture: None,
        summary_source: None,
        only_for: None,
        not_before: clock.now(),
        created_at: clock.now(),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

on_both_backends!(
    a_transient_failure_is_retried_after_a_backoff,
    a_permanent_failure_is_kept_with_its_reason,
    a_message_that_keeps_failing_is_given_up_on,
    rate_limits_do_not_use_up_attempts,
);

async fn rate_limits_do_not_use_up_attempts(db: TestDb) {
    let clock = Arc::new(ManualClock::default());
    clock.set(Utc::now());
    let limits = (0..12)
        .map(|_| transient("HTTP 429", Some(Duration::from_secs(1))))
        .collect();
    let outlet = Scripted::new(limits);
    let worker =
        OutboxWorker::new(db.store.clone(), clock.clone()).with_outlet("console", outlet.clone());
    queue_one(&db, &clock).await;
    for _ in 0..12 {
        assert!(matches!(
            worker.try_deliver_one().await.unwrap(),
            Some(Attempt::WillRetry(_))
        ));
        clock.set(clock.now() + chrono::Duration::seconds(2));
    }
    assert!(matches!(
        worker.try_deliver_one().await.unwrap(),
        Some(Attempt::Delivered(_))
    ));
    assert_eq!(*outlet.delivered.lock().unwrap(), ["T-2 is ready for you."]);
}

async fn a_transient_failure_is_retried_after_a_backoff(db: TestDb) {
    let clock = Arc::new(ManualClock::default());
    clock.set(Utc::now());
    let outlet = Scripted::new(vec![transient("HTTP 429", Some(Duration::from_secs(30)))]);
    let worker =
        OutboxWorker::new(db.store.clone(), clock.clone()).with_outlet("console", outlet.clone());
    queue_one(&db, &clock).await;

    assert!(matches!(
        worker.try_deliver_one().await.unwrap(),
        Some(Attempt::WillRetry(_))
    ));
    assert_eq!(
        worker.drain().await.unwrap(),
        0,
        "not due before Retry-After"
    );
    clock.set(Utc::now() + chrono::Duration::seconds(31));
    assert!(matches!(
        worker.try_deliver_one().await.unwrap(),
        Some(Attempt::Delivered(_))
    ));

    assert_eq!(*outlet.delivered.lock().unwrap(), ["T-2 is ready for you."]);
    assert_eq!(db.store.pending_count().await.unwrap(), 0);
}

async fn a_permanent_failure_is_kept_with_its_reason(db: TestDb) {
    let clock = Arc::new(ManualClock::default());
    let outlet = Scripted::new(vec![DeliveryError::Permanent {
        reason: "channel_not_found".into(),
    }]);
    let worker =
        OutboxWorker::new(db.store.clone(), clock.clone()).with_outlet("console", outlet.clone());
    queue_one(&db, &clock).await;

    assert!(matches!(
        worker.try_deliver_one().await.unwrap(),
        Some(Attempt::GaveUp(_))
    ));

    let failed = db.store.outbox(true, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, OutboxStatus::Failed);
    assert_eq!(failed[0].last_error.as_deref(), Some("channel_not_found"));
    assert!(outlet.delivered.lock().unwrap().is_empty());
}

async fn a_message_that_keeps_failing_is_given_up_on(db: TestDb) {
    let clock = Arc::new(ManualClock::default());
    let failures = (0..MAX_ATTEMPTS)
        .map(|_| transient("timeout", None))
        .collect();
    let worker = OutboxWorker::new(db.store.clone(), clock.clone())
        .with_outlet("console", Scripted::new(failures));
    queue_one(&db, &clock).await;

    let mut last = None;
    for hour in 1..=MAX_ATTEMPTS {
        last = worker.try_deliver_one().await.unwrap();
        clock.set(Utc::now() + chrono::Duration::hours(hour));
    }

    assert!(matches!(last, Some(Attempt::GaveUp(_))), "{last:?}");
    let failed = db.store.outbox(true, 10).await.unwrap();
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some(&*format!("gave up after {MAX_ATTEMPTS} attempts: timeout"))
    );
}
