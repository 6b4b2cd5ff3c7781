//! The schedule of `[backup]`: while the server runs, a backup whenever
//! `interval_hours` have passed since the newest one in the backup dir (at start too),
//! written on the blocking pool; failures are logged and counted, and retried an hour
//! later at the latest.

use crate::admin::{self, scheduled_backup};
use crate::audit::Actor;
use crate::state::State;
use std::sync::Arc;

/// How often the schedule is looked at.
const CHECK_SECS: u64 = 60;

/// Takes scheduled backups until the process ends; returns at once when they are off.
pub async fn take_on_schedule(state: Arc<State>) {
    let every = state.config.backup.interval_hours * 3600;
    if every == 0 {
        return;
    }
    let dir = state.config.backup.dir.clone();
    let listed = dir.clone();
    let newest = crate::store::run_blocking(move || scheduled_backup::newest(&listed)).await;
    let mut next = match newest {
        Ok(Ok(Some(at))) => {
            state.metrics.backup_written(at);
            at + every
        }
        Ok(Ok(None)) => 0,
        Ok(Err(e)) => {
            tracing::error!("scheduled backups: {e}");
            0
        }
        Err(_) => {
            tracing::error!("scheduled backups: listing the backup dir stopped unexpectedly");
            0
        }
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(CHECK_SECS));
    loop {
        tick.tick().await;
        let now = state.clock.now();
        if now < next {
            continue;
        }
        next = match backup_now(Arc::clone(&state)).await {
            Ok(()) => now + every,
            Err(e) => {
                state.metrics.backup_failed();
                tracing::error!("scheduled backup into {} failed: {e}", dir.display());
                now + every.min(3600)
            }
        };
    }
}

/// Writes one scheduled backup off the async workers.
async fn backup_now(state: Arc<State>) -> Result<(), String> {
    let job = move || {
        let config = &state.config.backup;
        let ctx = admin::Ctx {
            store: &state.store,
            master: &state.master,
            now: state.clock.now(),
            actor: Actor::System,
            role: crate::types::AdminRole::Appliance,
            public_url: &state.config.public_url,
            passwords: state.config.passwords,
            destinations: &state.destinations,
        };
        let written =
            scheduled_backup::write(&ctx, &config.dir, config.keep).map_err(|e| e.to_string())?;
        state.metrics.backup_written(ctx.now);
        tracing::info!("scheduled backup written to {}", written.display());
        Ok(())
    };
    crate::store::run_blocking(job)
        .await
        .map_err(|_| "it stopped unexpectedly".to_owned())?
}
