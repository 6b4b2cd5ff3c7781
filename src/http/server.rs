//! The accept loop: a connection cap, the TLS handshake, HTTP/1.1 or HTTP/2 by ALPN,
//! a header-read timeout, and graceful shutdown that lets in-flight requests finish.

use super::handlers;
use crate::state::State;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// A client that sends its headers (or its TLS handshake) slower than this is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);
/// HTTP/2 streams one connection may have open at once.
const MAX_CONCURRENT_STREAMS: u32 = 64;

/// Serves until `shutdown` resolves, then drains open connections for a bounded time.
pub async fn run(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<State>,
    shutdown: impl Future<Output = ()>,
) {
    let limit = Arc::new(Semaphore::new(state.config.max_connections));
    let graceful = GracefulShutdown::new();
    let builder = Arc::new(http_builder());
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&limit).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => { tracing::warn!("accept failed: {e}"); continue; }
            },
            () = &mut shutdown => break,
        };
        let (tls, state, builder, watcher) = (
            tls.clone(),
            Arc::clone(&state),
            Arc::clone(&builder),
            graceful.watcher(),
        );
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => serve(TokioIo::new(stream), peer, state, &builder, watcher).await,
                Some(acceptor) => {
                    match tokio::time::timeout(HEADER_READ_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => serve(TokioIo::new(s), peer, state, &builder, watcher).await,
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections, draining in-flight requests");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still busy after {SHUTDOWN_GRACE:?}; closing them");
    }
}

fn http_builder() -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS);
    builder
}

async fn serve<I>(
    io: TokioIo<I>,
    peer: std::net::SocketAddr,
    state: Arc<State>,
    builder: &auto::Builder<TokioExecutor>,
    watcher: hyper_util::server::graceful::Watcher,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(handlers::handle(&state, req, peer.ip()).await) }
    });
    let conn = builder.serve_connection(io, service).into_owned();
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!("connection ended with an error: {e}");
    }
}
