//! latchkey: a single-binary single-sign-on appliance. OpenID Provider for several
//! tenants, token exchange through introspection, and OpenID Connect broker.

pub mod account;
pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod broker;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod datadir;
pub mod exchange;
#[cfg(any(test, fuzzing))]
pub mod fuzzing;
pub mod grant;
pub mod guard;
pub mod http;
pub mod metrics;
pub mod oauth;
pub mod outbound;
#[cfg(any(test, fuzzing, feature = "sandbox"))]
pub mod sandbox;
pub mod scim;
pub mod state;
pub mod store;
pub mod types;
pub mod ui;
