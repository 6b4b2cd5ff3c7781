//! The one integration-test binary: the real server over real TLS, driven as clients do.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
#![allow(
    clippy::disallowed_types,
    reason = "tests are clients; the hyper fence is for the crate"
)]

mod accounts;
mod admin_browser;
mod admin_pages;
mod admin_tokens;
mod admin_ui;
mod backchannel;
mod backups;
mod branding;
mod broker;
mod cli;
mod config_errors;
mod consent;
mod console;
mod cors;
mod crash;
mod data_dir;
mod discovery;
mod dpop;
mod exchange;
mod exchange_failures;
mod foundation;
mod json_objects;
mod jwks_uri;
mod languages;
mod limits;
mod listener;
mod local_ca;
mod management;
mod metrics;
mod metrics_role;
mod mfa;
mod oauth_machine;
mod offline;
mod oidc_code;
mod oidc_more;
mod par;
mod passkeys;
mod pending_limits;
mod pinning;
mod private_key_jwt;
mod races;
mod request_objects;
mod review;
mod scim;
mod sessions;
mod shutdown;
mod support;
mod tls;
