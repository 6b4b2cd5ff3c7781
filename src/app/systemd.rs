//! Telling systemd how the service is (`Type=notify`, sd_notify(3)): READY once the
//! listener is bound, so units ordered after latchkey start when it answers; STOPPING
//! when it begins to shut down; and, when the unit sets `WatchdogSec=`, a WATCHDOG ping
//! at half that interval from a task on the runtime, so a runtime that stops scheduling
//! is restarted. Without `NOTIFY_SOCKET` every call does nothing.

use sd_notify::NotifyState;

/// Says the service is ready.
pub fn ready() {
    send(NotifyState::Ready);
}

/// Says the service is stopping.
pub fn stopping() {
    send(NotifyState::Stopping);
}

fn send(state: NotifyState<'_>) {
    if let Err(e) = sd_notify::notify(false, &[state]) {
        tracing::warn!("could not tell systemd the service state: {e}");
    }
}

/// The watchdog interval systemd asks for, if it asks this process: `WATCHDOG_USEC`,
/// for us when `WATCHDOG_PID` is absent or our pid.
fn watchdog_interval() -> Option<std::time::Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    let for_us =
        std::env::var("WATCHDOG_PID").map_or(true, |pid| pid.parse() == Ok(std::process::id()));
    (for_us && usec > 0).then(|| std::time::Duration::from_micros(usec))
}

/// Pings the watchdog at half its interval for as long as the runtime runs tasks.
pub fn spawn_watchdog() {
    let Some(interval) = watchdog_interval() else {
        return;
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval / 2);
        loop {
            tick.tick().await;
            send(NotifyState::Watchdog);
        }
    });
}
