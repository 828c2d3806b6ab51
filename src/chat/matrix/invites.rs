//! Invites to rooms: joined when the inviter is allowed (with retries: the server
//! can race the invite), refused otherwise. Each answer runs as a task of its own,
//! tracked, so it stops with the adapter instead of outliving it.

use std::time::Duration;

use matrix_sdk::Room;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::InviterRules;
use crate::error_chain::error_chain;

/// Attempts at joining a room the bot was invited to.
const JOIN_ATTEMPTS: u32 = 5;

/// The answers to invites under way.
#[derive(Clone)]
pub(super) struct Invites {
    rules: InviterRules,
    tracker: TaskTracker,
    shutdown: CancellationToken,
}

impl Invites {
    pub(super) fn new(rules: InviterRules, shutdown: CancellationToken) -> Self {
        Self {
            rules,
            tracker: TaskTracker::new(),
            shutdown,
        }
    }

    /// Answers an invite to `room` from `inviter` (empty when unknown).
    pub(super) fn answer(&self, room: Room, inviter: String) {
        let (rules, shutdown) = (self.rules.clone(), self.shutdown.clone());
        self.tracker
            .spawn(async move { answer(room, inviter, rules, shutdown).await });
    }

    /// Waits for the answers under way (they stop at shutdown).
    pub(super) async fn finish(&self) {
        self.tracker.close();
        self.tracker.wait().await;
    }
}

async fn answer(room: Room, inviter: String, rules: InviterRules, shutdown: CancellationToken) {
    let room_id = room.room_id().to_owned();
    if !rules.allows(&inviter) {
        tracing::warn!(%room_id, %inviter, "refused an invite from someone not on BATON_MATRIX__ALLOWED_INVITERS");
        if let Err(error) = room.leave().await {
            tracing::warn!(%room_id, error = %error_chain(&error), "cannot refuse an invite");
        }
        return;
    }
    let mut wait = Duration::from_secs(1);
    for attempt in 1..=JOIN_ATTEMPTS {
        match room.join().await {
            Ok(_) => {
                tracing::info!(%room_id, %inviter, "joined a room");
                return;
            }
            Err(error) => {
                tracing::warn!(%room_id, attempt, error = %error_chain(&error), "cannot join yet");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(wait) => {}
                }
                wait *= 2;
            }
        }
    }
}
