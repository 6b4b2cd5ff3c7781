//! `POST /v2/admin/tenants/{t}/upstream-oidc/test`: fetches the upstream's discovery
//! document and keys afresh, as the broker would, and reports what it found. It signs
//! nobody in and leaves the broker's cache alone.

use super::Ctx;
use super::provider::{fetch_keys, fetch_metadata};
use crate::store::settings::UpstreamSettings;
use serde::Serialize;

/// One upstream signing key latchkey can use.
#[derive(Debug, Serialize)]
pub struct KeyView {
    /// Its `kid`.
    pub kid: Option<String>,
    /// The algorithms it verifies, space-separated (an RSA key without `alg` does both
    /// RS256 and PS256).
    pub alg: String,
}

/// What the probe found; `error` says where it stopped.
#[derive(Debug, Default, Serialize)]
pub struct ProbeReport {
    /// Whether discovery and keys are usable.
    pub ok: bool,
    /// Where the discovery document was fetched: the configured URL, or the issuer
    /// it names with `/.well-known/openid-configuration` appended.
    pub discovery_url: String,
    /// The upstream's issuer.
    pub issuer: Option<String>,
    /// Its authorization endpoint.
    pub authorization_endpoint: Option<String>,
    /// Its token endpoint.
    pub token_endpoint: Option<String>,
    /// Its userinfo endpoint.
    pub userinfo_endpoint: Option<String>,
    /// Its RP-initiated logout endpoint.
    pub end_session_endpoint: Option<String>,
    /// Whether the configured logout URL is that endpoint (so a hint is sent).
    pub logout_url_is_end_session: bool,
    /// How latchkey will authenticate at the token endpoint.
    pub token_endpoint_auth_method: Option<&'static str>,
    /// The keys latchkey can verify with.
    pub keys: Vec<KeyView>,
    /// Why the broker could not work with it.
    pub error: Option<String>,
}

/// Runs the probe for `settings`.
pub async fn run(ctx: &Ctx<'_>, settings: &UpstreamSettings) -> ProbeReport {
    let mut report = ProbeReport {
        discovery_url: super::provider::discovery_url(&settings.configuration_url).0,
        ..ProbeReport::default()
    };
    let metadata = match fetch_metadata(ctx.outbound, settings).await {
        Ok(m) => m,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.issuer = Some(metadata.issuer.clone());
    report.authorization_endpoint = Some(metadata.authorization_endpoint.clone());
    report.token_endpoint = Some(metadata.token_endpoint.clone());
    report.userinfo_endpoint = metadata.userinfo_endpoint.clone();
    report.end_session_endpoint = metadata.end_session_endpoint.clone();
    report.logout_url_is_end_session =
        settings.logout_url.is_some() && settings.logout_url == metadata.end_session_endpoint;
    report.token_endpoint_auth_method = Some(match metadata.wants_post() {
        true => "client_secret_post",
        false => "client_secret_basic",
    });
    match fetch_keys(ctx.outbound, settings, &metadata).await {
        Ok(keys) if keys.is_empty() => {
            report.error =
                Some("the JWKS holds no RS256, PS256, ES256 or EdDSA signing key".into());
        }
        Ok(keys) => {
            report.keys = keys
                .iter()
                .map(|k| KeyView {
                    kid: k.kid().map(str::to_owned),
                    alg: k
                        .algs()
                        .iter()
                        .map(|a| a.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                })
                .collect();
            report.ok = true;
        }
        Err(e) => report.error = Some(e.to_string()),
    }
    report
}
