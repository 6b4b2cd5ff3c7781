//! The discovery document (OIDC Discovery 1.0 §3) and the JWKS, per tenant.

use super::{Ctx, OAuthError, tenant};
use crate::ui::Locale;
use serde::Serialize;

/// Grant type URN of RFC 8693 token exchange.
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The algorithms latchkey verifies the JWTs clients sign with (request objects, client
/// assertions, DPoP proofs); never `none` or HMAC.
const CLIENT_JWS_ALGS: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];

/// OIDC Discovery 1.0 §3 provider metadata, plus RFC 8414 endpoints.
#[derive(Serialize)]
struct ProviderMetadata<'a> {
    issuer: &'a str,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: String,
    introspection_endpoint: String,
    revocation_endpoint: String,
    /// RFC 9126 §5.
    pushed_authorization_request_endpoint: String,
    /// False: only clients registered so must push (RFC 9126 §5).
    require_pushed_authorization_requests: bool,
    response_types_supported: [&'static str; 4],
    response_modes_supported: [&'static str; 3],
    grant_types_supported: [&'static str; 5],
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: [&'static str; 3],
    token_endpoint_auth_methods_supported: [&'static str; 4],
    introspection_endpoint_auth_methods_supported: [&'static str; 3],
    revocation_endpoint_auth_methods_supported: [&'static str; 4],
    /// What `private_key_jwt` assertions may be signed with, per endpoint (RFC 8414 §2).
    token_endpoint_auth_signing_alg_values_supported: [&'static str; 4],
    introspection_endpoint_auth_signing_alg_values_supported: [&'static str; 4],
    revocation_endpoint_auth_signing_alg_values_supported: [&'static str; 4],
    code_challenge_methods_supported: [&'static str; 1],
    scopes_supported: [&'static str; 4],
    claims_supported: [&'static str; 16],
    acr_values_supported: [&'static str; 2],
    prompt_values_supported: [&'static str; 3],
    ui_locales_supported: [&'static str; 5],
    authorization_response_iss_parameter_supported: bool,
    /// Request objects signed with a key the client registered (RFC 9101).
    request_parameter_supported: bool,
    request_object_signing_alg_values_supported: [&'static str; 4],
    /// False: a `request_uri` is never fetched (OIDC Discovery's default is true).
    request_uri_parameter_supported: bool,
    /// What DPoP proofs may be signed with (RFC 9449 §5.1).
    dpop_signing_alg_values_supported: [&'static str; 4],
    /// Clients may register a back-channel logout URI (BCL §2.1).
    backchannel_logout_supported: bool,
    /// Logout tokens always carry `sid` (BCL §2.1).
    backchannel_logout_session_supported: bool,
}

/// The serialised discovery document of `slug`.
pub fn document(ctx: &Ctx, slug: &str) -> Result<Vec<u8>, OAuthError> {
    let tenant = tenant::lookup(ctx.store, slug)?;
    let issuer = ctx.grant.issuer(&tenant.id);
    let at = |path: &str| format!("{issuer}/{path}");
    let doc = ProviderMetadata {
        authorization_endpoint: at("authorize"),
        token_endpoint: at("token"),
        userinfo_endpoint: at("userinfo"),
        jwks_uri: at("jwks"),
        end_session_endpoint: at("logout"),
        introspection_endpoint: at("introspect"),
        revocation_endpoint: at("revoke"),
        pushed_authorization_request_endpoint: at("par"),
        require_pushed_authorization_requests: false,
        issuer: &issuer,
        response_types_supported: ["code", "id_token", "id_token token", "token"],
        response_modes_supported: ["query", "fragment", "form_post"],
        grant_types_supported: [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            TOKEN_EXCHANGE_GRANT,
            "implicit",
        ],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
        token_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
            "none",
        ],
        introspection_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        revocation_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
            "none",
        ],
        token_endpoint_auth_signing_alg_values_supported: CLIENT_JWS_ALGS,
        introspection_endpoint_auth_signing_alg_values_supported: CLIENT_JWS_ALGS,
        revocation_endpoint_auth_signing_alg_values_supported: CLIENT_JWS_ALGS,
        code_challenge_methods_supported: ["S256"],
        scopes_supported: ["openid", "profile", "email", "offline_access"],
        // Exactly what ID tokens and userinfo carry.
        claims_supported: [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "azp",
            "sid",
            "at_hash",
            "name",
            "preferred_username",
            "email",
            "email_verified",
            "acr",
            "amr",
        ],
        acr_values_supported: ["pwd", "mfa"],
        prompt_values_supported: ["none", "login", "consent"],
        // The end-user pages' languages (OpenID Connect Discovery 1.0 §3).
        ui_locales_supported: Locale::ALL.map(Locale::tag),
        // RFC 9207: every authorization response, success or error, carries `iss`.
        authorization_response_iss_parameter_supported: true,
        request_parameter_supported: true,
        request_object_signing_alg_values_supported: CLIENT_JWS_ALGS,
        request_uri_parameter_supported: false,
        dpop_signing_alg_values_supported: super::dpop::ALGS,
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
    };
    serde_json::to_vec(&doc)
        .map_err(|_| OAuthError::Internal("discovery document not serialisable"))
}

/// The JWKS, served for every existing tenant.
pub fn jwks(ctx: &Ctx, slug: &str) -> Result<Vec<u8>, OAuthError> {
    tenant::lookup(ctx.store, slug)?;
    Ok(ctx.grant.keys.jwks_json().to_vec())
}
