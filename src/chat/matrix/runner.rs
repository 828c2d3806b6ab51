//! Runs the Matrix adapter, under a lease when replicas share Postgres.
//!
//! Two processes syncing one bot account would answer everything twice and split
//! its encryption state, so with Postgres only the replica holding the `matrix`
//! lease logs in, syncs and sends. It renews the lease every few seconds; when it
//! dies, the lease runs out and a standby replica takes over. With SQLite there is
//! one process and no lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{InviterRules, MatrixBot, MatrixOutlet, MatrixOutletSlot, connect};
use crate::engine::Engine;
use crate::error_chain::error_chain;
use crate::settings::MatrixSettings;
use crate::store::Store;

/// The lease's name in the `leases` table.
const LEASE: &str = "matrix";
/// How long a lease lasts without renewal: a dead holder is replaced within this
/// plus one [`RENEW`].
const LEASE_TTL: Duration = Duration::from_secs(20);
/// How often the holder renews and standbys try.
const RENEW: Duration = Duration::from_secs(5);

pub struct MatrixRunner {
    pub settings: MatrixSettings,
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub outlet: Arc<MatrixOutletSlot>,
    /// For `/readyz`: connected, or standing by for the leader.
    pub connected: Arc<AtomicBool>,
    /// For `/readyz`: why the homeserver cannot be reached, while it cannot.
    pub problem: Arc<std::sync::Mutex<Option<String>>>,
    /// `Some(holder id)` when replicas share the database and must take turns.
    pub lease_holder: Option<String>,
}

impl MatrixRunner {
    /// Runs until `shutdown`.
    ///
    /// # Errors
    /// When logging in fails (wrong homeserver or password): no use retrying.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let Some(holder) = self.lease_holder.clone() else {
            return self.serve(shutdown).await;
        };
        let result = self.take_turns(&holder, &shutdown).await;
        if let Err(error) = self.store.release_lease(LEASE, &holder).await {
            tracing::warn!(error = %error_chain(&error), "cannot release the Matrix lease; it expires on its own");
        }
        result
    }

    async fn take_turns(&self, holder: &str, shutdown: &CancellationToken) -> anyhow::Result<()> {
        while !shutdown.is_cancelled() {
            let now = chrono::Utc::now();
            let until = now + chrono::Duration::from_std(LEASE_TTL).unwrap_or_default();
            match self.store.acquire_lease(LEASE, holder, now, until).await {
                Ok(true) => {
                    tracing::info!("holding the Matrix lease: this replica runs the Matrix sync");
                    let turn = shutdown.child_token();
                    let renewal =
                        tokio::spawn(renew(self.store.clone(), holder.to_owned(), turn.clone()));
                    let served = self.serve(turn.clone()).await;
                    turn.cancel();
                    let _ = renewal.await;
                    served?;
                    if !shutdown.is_cancelled() {
                        tracing::warn!("lost the Matrix lease; standing by");
                    }
                }
                Ok(false) => {
                    // Another replica syncs: this one is ready to take over.
                    self.connected.store(true, Ordering::Relaxed);
                }
                Err(error) => {
                    tracing::warn!(error = %error_chain(&error), "cannot read the Matrix lease");
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(RENEW) => {}
            }
        }
        Ok(())
    }

    /// Logs in (trying again while the homeserver cannot be reached), delivers
    /// and syncs until `stop`.
    async fn serve(&self, stop: CancellationToken) -> anyhow::Result<()> {
        self.connected.store(false, Ordering::Relaxed);
        let Some(client) = self.reach(&stop).await? else {
            return Ok(());
        };
        let home_server = client
            .user_id()
            .map(|u| u.server_name().to_string())
            .unwrap_or_default();
        let inviters = InviterRules::new(&self.settings.allowed_inviters, &home_server);
        self.outlet
            .set(Some(MatrixOutlet::new(client.clone(), self.store.clone())));
        let bot = Arc::new(MatrixBot::new(
            client,
            self.engine.clone(),
            self.store.clone(),
            inviters,
            self.connected.clone(),
        )?);
        let result = bot.run(stop).await;
        self.outlet.set(None);
        result
    }
}

impl MatrixRunner {
    /// Logs in, trying again with growing waits while the homeserver cannot be
    /// reached (restarting, the network away): `/readyz` says why meanwhile.
    /// `None` when `stop` came first.
    ///
    /// # Errors
    /// When the homeserver refuses (a wrong password) or the settings or the
    /// saved session are wrong: retrying cannot help.
    async fn reach(&self, stop: &CancellationToken) -> anyhow::Result<Option<matrix_sdk::Client>> {
        let mut wait = REACH_FIRST_WAIT;
        loop {
            match connect(&self.settings, &self.store).await {
                Ok(client) => {
                    self.set_problem(None);
                    return Ok(Some(client));
                }
                Err(error) if is_unreachable(&error) => {
                    tracing::warn!(error = %format!("{error:#}"), wait = ?wait, "cannot reach the homeserver; trying again");
                    self.set_problem(Some(format!("cannot reach the homeserver: {error:#}")));
                }
                Err(error) => return Err(error),
            }
            tokio::select! {
                () = stop.cancelled() => return Ok(None),
                () = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(REACH_MAX_WAIT);
        }
    }

    fn set_problem(&self, problem: Option<String>) {
        *self
            .problem
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = problem;
    }
}

/// Whether logging in failed because the homeserver could not be reached (a
/// connection refused or timed out), not because it said no.
fn is_unreachable(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<matrix_sdk::reqwest::Error>()
            .is_some_and(|e| e.is_connect() || e.is_timeout() || e.is_request())
            || cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
    })
}

/// The first wait before logging in again; each further one twice as long.
const REACH_FIRST_WAIT: Duration = Duration::from_secs(1);
/// No wait between attempts at reaching the homeserver is longer than this.
const REACH_MAX_WAIT: Duration = Duration::from_secs(60);

/// Renews the lease until `turn` ends; ends the turn when the lease is lost.
async fn renew(store: Arc<dyn Store>, holder: String, turn: CancellationToken) {
    let mut failures = 0;
    loop {
        tokio::select! {
            () = turn.cancelled() => return,
            () = tokio::time::sleep(RENEW) => {}
        }
        let now = chrono::Utc::now();
        let until = now + chrono::Duration::from_std(LEASE_TTL).unwrap_or_default();
        // A renewal stuck longer than its interval counts as a failed one.
        let renewed = tokio::time::timeout(RENEW, store.acquire_lease(LEASE, &holder, now, until))
            .await
            .unwrap_or_else(|_| Err(crate::store::StoreError::Timeout));
        match renewed {
            Ok(true) => failures = 0,
            Ok(false) => {
                tracing::warn!("another replica took the Matrix lease");
                turn.cancel();
                return;
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(error = %error_chain(&error), failures, "cannot renew the Matrix lease");
                // Stop before the lease can expire under us.
                if RENEW * (failures + 1) >= LEASE_TTL {
                    turn.cancel();
                    return;
                }
            }
        }
    }
}
