//! What Baton keeps up to date about people on Slack, off the request path: each
//! person's profile (display name and timezone, `users.info`, once per run) and
//! their App Home ("My work", `views.publish`).
//!
//! Every handled event names a few people. Rather than a task per person per
//! event, they wait in one bounded queue, each person at most once however often
//! they are named, and one worker refreshes them in turn until shutdown.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{SlackApi, home, person_of};
use crate::engine::Engine;
use crate::error_chain::error_chain;

/// People waiting at most; beyond that a new one is dropped (logged): their Home
/// is refreshed again the next time they open it or are named.
const QUEUED_MAX: usize = 1_000;

/// The people waiting for a refresh, and who has had a profile read this run.
pub(super) struct PeopleRefresher {
    api: SlackApi,
    engine: Engine,
    waiting: Mutex<Waiting>,
    wake: Notify,
}

#[derive(Default)]
struct Waiting {
    queue: VecDeque<String>,
    queued: HashSet<String>,
    /// People whose profile was read this run (`users.info` once each).
    profiled: HashSet<String>,
}

impl PeopleRefresher {
    pub(super) fn new(api: SlackApi, engine: Engine) -> Self {
        Self {
            api,
            engine,
            waiting: Mutex::default(),
            wake: Notify::new(),
        }
    }

    /// Queues `user` for a refresh, unless they are waiting already.
    pub(super) fn push(&self, user: &str) {
        let mut waiting = self.lock();
        if waiting.queued.contains(user) {
            return;
        }
        if waiting.queue.len() >= QUEUED_MAX {
            tracing::debug!(user, "the App Home queue is full; skipping a refresh");
            return;
        }
        waiting.queued.insert(user.to_owned());
        waiting.queue.push_back(user.to_owned());
        drop(waiting);
        self.wake.notify_one();
    }

    /// Refreshes people as they are queued, until `shutdown`.
    pub(super) async fn run(&self, shutdown: &CancellationToken) {
        loop {
            let next = {
                let mut waiting = self.lock();
                let next = waiting.queue.pop_front();
                if let Some(user) = &next {
                    waiting.queued.remove(user);
                }
                next.map(|user| {
                    let first_time = waiting.profiled.insert(user.clone());
                    (user, first_time)
                })
            };
            match next {
                Some((user, first_time)) => {
                    if first_time {
                        self.learn_profile(&user).await;
                    }
                    self.refresh_home(&user).await;
                }
                None => {
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = self.wake.notified() => {}
                    }
                }
            }
            if shutdown.is_cancelled() {
                return;
            }
        }
    }

    /// Reads a person's display name and timezone from `users.info`.
    async fn learn_profile(&self, user: &str) {
        match self.api.user_info(user).await {
            Ok(profile) => {
                let name = profile
                    .profile
                    .as_ref()
                    .and_then(|p| p.display_name.clone().filter(|n| !n.is_empty()))
                    .or(profile.real_name.clone())
                    .or(profile.name.clone());
                let person = person_of(user);
                if let Err(error) = self
                    .engine
                    .remember_profile(&person, name.as_deref(), profile.tz.as_deref())
                    .await
                {
                    tracing::warn!(error = %error_chain(&error), "cannot keep a Slack profile");
                }
            }
            Err(error) => {
                tracing::debug!(error = %error_chain(&error), "cannot read a Slack profile");
            }
        }
    }

    /// Republishes a person's App Home.
    async fn refresh_home(&self, user: &str) {
        if let Err(error) = home::publish(&self.api, &self.engine, user).await {
            tracing::debug!(error = %format!("{error:#}"), "cannot refresh an App Home");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
