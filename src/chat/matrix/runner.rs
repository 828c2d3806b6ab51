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
use crate::settings::MatrixSettings;
use crate::store::Store;
use crate::telemetry::error_chain;

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

    /// Logs in, delivers and syncs until `stop`.
    async fn serve(&self, stop: CancellationToken) -> anyhow::Result<()> {
        self.connected.store(false, Ordering::Relaxed);
        let client = connect(&self.settings, &self.store).await?;
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
        ));
        let result = bot.run(stop).await;
        self.outlet.set(None);
        result
    }
}

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
