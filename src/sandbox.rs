//! A provisioned appliance without a listener, on a throwaway data dir: tenant `acme`,
//! one confidential client (code, implicit, refresh and client_credentials grants, redirect
//! [`REDIRECT_URI`]) and one member, `alice`. Property tests, fuzz targets and the
//! criterion benchmarks drive the domain through it, as the HTTP handlers would.

use crate::admin::Ctx;
use crate::app::{AppError, Appliance};
use crate::audit::Actor;
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use base64::Engine;
use serde_json::json;
use std::path::PathBuf;

/// The one redirect URI the sandbox client registered.
pub const REDIRECT_URI: &str = "https://app.example/cb";

/// The appliance and what was provisioned in it.
pub struct Sandbox {
    /// The appliance; its state is what handlers are given.
    pub app: Appliance,
    /// Tenant `acme`.
    pub tenant: Tenant,
    /// The confidential client.
    pub client: Client,
    /// `Authorization: Basic …` for the client.
    pub basic_auth: String,
    /// Alice's account id.
    pub account_id: String,
    /// Last, so the directory goes only after the store in it is closed.
    _dir: RemoveOnDrop,
}

/// Removes a directory when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn input<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(|e| AppError::Usage(e.to_string()))
}

impl Sandbox {
    /// Runs a domain call that awaits (client authentication, revocation) to its end on
    /// a runtime of its own, as the callers here are synchronous.
    pub fn block_on<F: std::future::Future>(&self, call: F) -> Result<F::Output, AppError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(AppError::Runtime)?;
        Ok(runtime.block_on(call))
    }

    /// Opens a fresh data dir under the system's temporary directory and provisions it.
    pub fn new() -> Result<Sandbox, AppError> {
        Sandbox::with_clock(crate::clock::Clock::system())
    }

    /// [`Sandbox::new`] on `clock`, e.g. [`crate::clock::Clock::fixed`].
    pub fn with_clock(clock: crate::clock::Clock) -> Result<Sandbox, AppError> {
        let dir = std::env::temp_dir().join(format!(
            "latchkey-sandbox-{}-{}",
            std::process::id(),
            crate::crypto::random::secret_token()?
        ));
        let guard = RemoveOnDrop(dir.clone());
        let args = crate::cli::ConfigArgs {
            data_dir: Some(dir.clone()),
            tls_mode: Some("off".into()),
            ..Default::default()
        };
        let app = crate::app::open(crate::config::Config::load(&args)?, clock)?;
        let state = &app.state;
        let ctx = Ctx {
            store: &state.store,
            master: &state.master,
            now: state.clock.now(),
            actor: Actor::System,
            role: crate::types::AdminRole::Appliance,
            public_url: &state.config.public_url,
            passwords: state.config.passwords,
            destinations: &state.destinations,
        };
        crate::admin::tenants::create(
            &ctx,
            &input(json!({"id": "acme", "display_name": "Acme"}))?,
        )?;
        let client = crate::admin::clients::create(
            &ctx,
            "acme",
            &input(json!({
                "client_id": "web",
                "name": "web",
                "redirect_uris": [REDIRECT_URI],
                "grant_types": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
                "response_types": ["code", "id_token token"],
                "scopes": ["openid", "profile", "offline_access"],
                "token_endpoint_auth_method": "client_secret_basic",
            }))?,
        )?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(AppError::Runtime)?;
        let account = runtime.block_on(crate::admin::accounts::create(
            &ctx,
            &input(json!({"username": "alice"}))?,
        ))?;
        crate::admin::members::put(
            &ctx,
            "acme",
            &account.id,
            &input(json!({"scopes": ["openid", "profile", "offline_access"]}))?,
        )?;
        let tenant = ctx.tenant("acme")?;
        let secret = client.client_secret.clone().unwrap_or_default();
        let pair = format!("{}:{secret}", client.client_id);
        let client = state
            .store
            .client(tenant.uid, &client.client_id)?
            .ok_or_else(|| AppError::Usage("the sandbox client vanished".into()))?;
        Ok(Sandbox {
            basic_auth: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
            tenant,
            client,
            account_id: account.id,
            app,
            _dir: guard,
        })
    }
}
