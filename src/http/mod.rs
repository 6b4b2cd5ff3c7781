//! hyper plumbing: TLS, the accept loop, routing, bodies and responses. No protocol logic.
#![allow(
    clippy::disallowed_types,
    clippy::disallowed_methods,
    reason = "the http module owns hyper"
)]

mod activity;
mod body;
mod client_addr;
mod cors;
mod handlers;
mod log;
mod multipart;
mod per_address;
mod respond;
mod router;
pub mod server;
pub mod tls;
