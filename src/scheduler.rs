//! The digest scheduler: posts each room's digest once per scheduled day.
//!
//! Exactly once per room and day, across restarts and replicas: the day is claimed
//! with a unique key in the same transaction that queues the digest. A digest
//! missed while Baton was down is posted when it comes back, the same day; a room
//! whose first task came after the day's digest time gets its first digest the
//! next scheduled day.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::domain::Reader;
use crate::engine::{Defaults, compose_digest};
use crate::error_chain::error_chain;
use crate::store::{Destination, NewOutboxMessage, OutboxKind, RoomInfo, Store, StoreError};

/// How often the scheduler looks for due digests.
const TICK: Duration = Duration::from_secs(30);

pub struct Scheduler {
    store: Arc<dyn Store>,
    defaults: Defaults,
    clock: Arc<dyn Clock>,
}

impl Scheduler {
    pub fn new(store: Arc<dyn Store>, defaults: Defaults, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            defaults,
            clock,
        }
    }

    /// Queues every digest that is due now and not yet posted; returns how many.
    ///
    /// # Errors
    /// When the store fails; digests already queued stay queued.
    #[tracing::instrument(skip_all)]
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        let mut posted = 0;
        for room in self.store.rooms_with_tasks().await? {
            match self.post_if_due(&room).await {
                Ok(true) => posted += 1,
                Ok(false) => {}
                // Another replica claimed the same day at the same moment.
                Err(e) if e.is_conflict() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(posted)
    }

    async fn post_if_due(&self, room: &RoomInfo) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let Some(schedule) = self.defaults.digest_for(room.digest.as_deref()) else {
            return Ok(false);
        };
        let Some(day) = schedule.due_day(now) else {
            return Ok(false);
        };
        // A room that had no work yet when today's digest was due starts tomorrow:
        // no digest in the middle of the afternoon because someone added a task.
        let fired_at = crate::domain::at_local(schedule.tz, day, schedule.time);
        if room
            .first_task_at
            .is_some_and(|first| first > fired_at.timestamp_millis())
        {
            return Ok(false);
        }
        let mut tx = self.store.begin().await?;
        let since = tx.last_digest_at(&room.id).await?;
        if !tx.claim_digest(&room.id, &day.to_string(), now).await? {
            return Ok(false);
        }
        let composed = compose_digest(
            tx.as_mut(),
            &Reader::Room(room.id.clone()),
            &room.id,
            &room.name,
            since,
            now,
            self.defaults.post_quiet_digests,
        )
        .await?;
        if let Some(composed) = &composed {
            let platform = room.id.split(':').next().unwrap_or_default().to_owned();
            tx.enqueue(&NewOutboxMessage {
                idempotency_key: format!("digest:{}:{day}", room.id),
                platform,
                destination: Destination::Room {
                    room: room.id.clone(),
                    thread_task: None,
                },
                card_for: None,
                kind: OutboxKind::Digest,
                body: composed.text.clone(),
                picture: composed.picture.clone(),
                summary_source: None,
                only_for: None,
                not_before: now,
                created_at: now,
            })
            .await?;
        }
        // A quiet day is claimed too: the next digest's changes start from here.
        tx.commit().await?;
        tracing::info!(room = %room.id, %day, posted = composed.is_some(), "digest due");
        if composed.is_some() {
            metrics::counter!("baton_digests_posted_total").increment(1);
        }
        Ok(composed.is_some())
    }

    /// Runs until `shutdown`, waking `outbox_ready` when it queued a digest.
    pub async fn run(self, outbox_ready: Arc<Notify>, shutdown: CancellationToken) {
        loop {
            match self.run_due().await {
                Ok(0) => {}
                Ok(_) => outbox_ready.notify_one(),
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "digest scheduling failed")
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }
}
