//! The accept loop: a cap per client address that closes a connection past it at once,
//! a connection cap with a clear refusal past it, the TLS handshake,
//! HTTP/1.1 or HTTP/2 by ALPN, header-size, header-read, idle and HTTP/2 stream limits,
//! and graceful shutdown that lets in-flight requests finish.

use super::activity::{Activity, Guarded};
use super::per_address::PerAddress;
use super::{handlers, respond};
use crate::state::State;
use crate::types::ErrorKind;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// A client that sends its headers (or its TLS handshake) slower than this is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);
/// HTTP/2 streams one connection may have open at once.
const MAX_CONCURRENT_STREAMS: u32 = 64;
/// HTTP/2 streams a client may open and reset before the server accepted them; past it
/// the connection is closed (the "rapid reset" flood, CVE-2023-44487).
const MAX_PENDING_RESET_STREAMS: usize = 20;
/// HTTP/2 streams the server may reset for a client's protocol errors before it closes
/// the connection.
const MAX_ERROR_RESET_STREAMS: usize = 256;
/// Connections past the cap that are still told why they are refused; more are closed
/// at once, so a flood cannot spend handshakes without bound.
const MAX_REFUSALS: usize = 64;
/// How long a refused connection may take to read its answer.
const REFUSAL_TIME: Duration = Duration::from_secs(10);
/// How long a connection asked to close (idle, or shutting down) may take to do so
/// before it is dropped: a client that ignores HTTP/2's GOAWAY cannot keep its slot.
const CLOSE_GRACE: Duration = Duration::from_secs(30);
/// The pause after a failed `accept` (out of file descriptors, say), so the loop does
/// not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves until `shutdown` resolves, then drains open connections for a bounded time.
pub async fn run(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<State>,
    shutdown: impl Future<Output = ()>,
) {
    let max = state.config.max_connections;
    let slots = Arc::new(Semaphore::new(max));
    let per_address = PerAddress::new(
        state.config.max_connections_per_address,
        state.config.trusted_proxies.clone(),
    );
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let (stopping, stop) = watch::channel(false);
    let builder = Arc::new(http_builder(&state.config));
    // In memory for the server's life: a restart signs admins out.
    let admin_sessions = Arc::new(handlers::AdminSessions::default());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are small and written whole: Nagle's algorithm would only hold the last
        // segment back until the client's delayed ACK (tens of milliseconds).
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY on {peer}: {e}");
        }
        // Closed before TLS and without an answer: this address already holds its share,
        // and telling it why would only spend a handshake on a flood.
        let Some(held) = per_address.hold(peer.ip()) else {
            state.metrics.connection_refused();
            tracing::debug!("closing {peer}: its address has its share of connections open");
            continue;
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            state.metrics.connection_refused();
            if let Ok(permit) = Arc::clone(&refusals).try_acquire_owned() {
                let (tls, builder) = (tls.clone(), Arc::clone(&builder));
                tokio::spawn(async move {
                    let _permit = permit;
                    let refuse = refuse(stream, peer, tls, &builder, max);
                    let _ = tokio::time::timeout(REFUSAL_TIME, refuse).await;
                });
            }
            continue;
        };
        let (tls, state, admin_sessions, builder, stop) = (
            tls.clone(),
            Arc::clone(&state),
            Arc::clone(&admin_sessions),
            Arc::clone(&builder),
            stop.clone(),
        );
        tokio::spawn(async move {
            let _places = (slot, held);
            let Some(io) = handshake(stream, peer, tls).await else {
                return;
            };
            serve(io, peer, state, admin_sessions, &builder, stop).await;
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections, draining in-flight requests");
    let _ = stopping.send(true);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("some connections were still busy after {SHUTDOWN_GRACE:?}; closing them");
    }
}

/// Serves one connection until it ends, closing it when idle or at shutdown, and
/// dropping it when it sends no request in time or does not close when asked.
async fn serve(
    io: Io,
    peer: SocketAddr,
    state: Arc<State>,
    admin_sessions: Arc<handlers::AdminSessions>,
    builder: &auto::Builder<TokioExecutor>,
    mut stop: watch::Receiver<bool>,
) {
    let idle = state.config.idle_timeout;
    let activity = Activity::new();
    let requests = Arc::clone(&activity);
    let service = service_fn(move |req| {
        let (state, admin_sessions, in_flight) = (
            Arc::clone(&state),
            Arc::clone(&admin_sessions),
            requests.begin(),
        );
        async move {
            let resp = handlers::handle(&state, &admin_sessions, req, peer.ip()).await;
            Ok::<_, Infallible>(resp.map(|body| Guarded::new(body, in_flight)))
        }
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let first_request_by = tokio::time::Instant::now() + HEADER_READ_TIMEOUT;
    let mut first_request_checked = false;
    let mut closing_since = None;
    loop {
        let close_by = closing_since.map(|since| since + CLOSE_GRACE);
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!("connection with {peer} ended with an error: {e}");
                }
                return;
            }
            _ = stop.wait_for(|s| *s), if closing_since.is_none() => {
                conn.as_mut().graceful_shutdown();
                closing_since = Some(tokio::time::Instant::now());
            }
            () = activity.idle_for(idle), if closing_since.is_none() => {
                tracing::debug!("closing the idle connection with {peer}");
                conn.as_mut().graceful_shutdown();
                closing_since = Some(tokio::time::Instant::now());
            }
            () = tokio::time::sleep_until(first_request_by), if !first_request_checked => {
                if activity.requests() == 0 {
                    tracing::debug!("no request from {peer} within {HEADER_READ_TIMEOUT:?}");
                    return;
                }
                first_request_checked = true;
            }
            () = tokio::time::sleep_until(close_by.unwrap_or(first_request_by)), if close_by.is_some() => {
                tracing::debug!("dropping the connection with {peer}: it did not close when asked");
                return;
            }
        }
    }
}

/// The socket as HTTP sees it: through TLS when it is on.
type Io = TokioIo<Box<dyn Socket>>;

/// What hyper needs of a connection, whether plain or TLS.
trait Socket: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Socket for T {}

/// Completes the TLS handshake (bounded by [`HEADER_READ_TIMEOUT`]); `None` if it failed.
async fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Option<Io> {
    let Some(acceptor) = tls else {
        return Some(TokioIo::new(Box::new(stream)));
    };
    match tokio::time::timeout(HEADER_READ_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(s)) => Some(TokioIo::new(Box::new(s))),
        Ok(Err(e)) => {
            tracing::debug!("TLS handshake with {peer} failed: {e}");
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake with {peer} timed out");
            None
        }
    }
}

/// Answers every request on a connection past the cap with 503 and `Retry-After`, so
/// the client learns why instead of hanging in the backlog, then closes it.
async fn refuse(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    builder: &auto::Builder<TokioExecutor>,
    max: usize,
) {
    let over_tls = tls.is_some();
    let Some(io) = handshake(stream, peer, tls).await else {
        return;
    };
    tracing::debug!("refusing {peer}: {max} connections are open");
    let service = service_fn(move |_req| async move {
        let detail = format!(
            "the server is at its limit of {max} open connections ([limits] max_connections); retry shortly"
        );
        let mut resp = respond::problem(ErrorKind::Busy, &detail);
        respond::retry_after(&mut resp, 1);
        if over_tls {
            respond::hsts(&mut resp);
        }
        resp.headers_mut().insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
        Ok::<_, Infallible>(resp)
    });
    if let Err(e) = builder.serve_connection(io, service).await {
        tracing::debug!("refusing {peer} ended with an error: {e}");
    }
}

fn http_builder(config: &crate::config::Config) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(config.max_header_bytes);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
        .max_pending_accept_reset_streams(MAX_PENDING_RESET_STREAMS)
        .max_local_error_reset_streams(MAX_ERROR_RESET_STREAMS)
        .max_header_list_size(u32::try_from(config.max_header_bytes).unwrap_or(u32::MAX));
    builder
}
