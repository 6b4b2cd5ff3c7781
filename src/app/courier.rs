//! The task that sends back-channel logouts: every second it reads the deliveries that
//! are due and starts an attempt for each one not already under way, up to
//! [`MAX_IN_FLIGHT`] at once and [`MAX_PER_CLIENT`] for any one client, so a receiver
//! that hangs holds a few slots for its 5 s and never the others' turn.

use crate::state::State;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How often the store is asked for back-channel logouts that are due.
const POLL: std::time::Duration = std::time::Duration::from_secs(1);
/// The most attempts under way at once.
const MAX_IN_FLIGHT: usize = 32;
/// The most attempts under way at once for one client.
const MAX_PER_CLIENT: usize = 4;

/// Attempts under way: delivery id → the client it is for (tenant incarnation, id).
type InFlight = Arc<Mutex<HashMap<u64, (u64, String)>>>;

/// Sends due back-channel logouts for as long as the process runs. Deliveries left by
/// an earlier run are due at start.
pub async fn deliver_backchannel_logouts(state: Arc<State>) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let in_flight: InFlight = Arc::default();
    loop {
        tick.tick().await;
        let busy = lock(&in_flight).len();
        if busy >= MAX_IN_FLIGHT {
            continue;
        }
        // Read past the ones under way, which stay due until their attempt ends.
        let due = match state
            .store
            .due_deliveries(state.clock.now(), MAX_IN_FLIGHT + busy)
        {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!("reading due back-channel logouts failed: {e}");
                continue;
            }
        };
        for d in due {
            let client = (d.client.tenant_uid, d.client.client_id.clone());
            {
                let mut running = lock(&in_flight);
                let for_client = running.values().filter(|c| **c == client).count();
                if running.len() >= MAX_IN_FLIGHT
                    || running.contains_key(&d.id)
                    || for_client >= MAX_PER_CLIENT
                {
                    continue;
                }
                running.insert(d.id, client);
            }
            let (state, slot) = (Arc::clone(&state), Slot(Arc::clone(&in_flight), d.id));
            tokio::spawn(async move {
                let _slot = slot;
                let ctx = state.backchannel();
                // Its own `now`: the token's `iat`, and the retry counts from it.
                let now = state.clock.now();
                if let Err(e) = crate::oauth::backchannel::attempt(&ctx, &d, now).await {
                    tracing::warn!("a back-channel logout attempt failed: {e}");
                }
            });
        }
    }
}

/// An attempt's place among those under way, given back however the attempt ends.
struct Slot(InFlight, u64);

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.0).remove(&self.1);
    }
}

fn lock(in_flight: &InFlight) -> std::sync::MutexGuard<'_, HashMap<u64, (u64, String)>> {
    in_flight.lock().unwrap_or_else(|p| p.into_inner())
}
