//! Idle detection for a connection, by requests rather than bytes: a connection is idle
//! when no request is in flight (a response still streaming counts) and none has
//! started or finished for a while. Counting bytes would let a client keep a slot for
//! ever with HTTP/2 PINGs or a trickle of body bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// The requests of one connection: how many are in flight, and when the last one
/// started or finished.
#[derive(Debug)]
pub struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
    started: AtomicU64,
}

impl Activity {
    /// A connection opened now, with no request yet.
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            started: AtomicU64::new(0),
        })
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// A request starts; it stays in flight until the guard (moved into its response
    /// body) is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::Relaxed);
        self.touch();
        InFlight(Arc::clone(self))
    }

    /// How many requests have started on this connection.
    pub fn requests(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }

    /// Resolves once no request is in flight and none started or ended for `limit`.
    pub async fn idle_for(&self, limit: Duration) {
        loop {
            let quiet = self.quiet_for();
            let busy = self.in_flight.load(Ordering::SeqCst) > 0;
            if !busy && quiet >= limit {
                return;
            }
            let wait = if busy { limit } else { limit - quiet };
            tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
        }
    }
}

/// A request in flight; dropping it ends the request.
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that keeps its request in flight until it is sent or dropped.
pub struct Guarded<B> {
    body: B,
    _in_flight: InFlight,
}

impl<B> Guarded<B> {
    /// Ties `body` to `in_flight`.
    pub fn new(body: B, in_flight: InFlight) -> Guarded<B> {
        Guarded {
            body,
            _in_flight: in_flight,
        }
    }
}

impl<B: hyper::body::Body + Unpin> hyper::body::Body for Guarded<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<B::Data>, B::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn idle_waits_for_requests_in_flight_and_then_the_limit() {
        let activity = Activity::new();
        let limit = Duration::from_secs(60);
        tokio::time::advance(Duration::from_secs(50)).await;
        let request = activity.begin();
        tokio::time::advance(Duration::from_secs(300)).await;
        let started = Instant::now();
        let idle = tokio::spawn({
            let activity = Arc::clone(&activity);
            async move { activity.idle_for(limit).await }
        });
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert!(!idle.is_finished(), "a request in flight is not idle");
        drop(request);
        idle.await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(180),
            "the wait restarts when the request ends: {waited:?}"
        );
        assert_eq!(activity.requests(), 1);
    }
}
