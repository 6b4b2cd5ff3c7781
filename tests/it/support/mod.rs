//! Shared test support: the real server as a child process, and HTTPS clients for it.

pub mod api;
pub mod browser;
pub mod forge;
pub mod rp;
pub mod server;
pub mod test_idp;
pub mod tls_client;
pub mod upstream;
pub mod webdriver;
