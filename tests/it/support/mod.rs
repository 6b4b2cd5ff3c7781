//! Shared test support: the real server as a child process, and HTTPS clients for it.

pub mod rp;
pub mod server;
pub mod tls_client;
