//! The successful answer to an authorization request and how any answer travels (RFC
//! 6749 §4.1.2, §4.2.2, OIDC Core §3.1.2.5, §3.2.2.5, RFC 9207 `iss`, OAuth 2.0 Form Post
//! Response Mode): a code bound to the request, or tokens in the fragment, by redirect
//! or by a form posted to the client.

use super::parse::{Request, ResponseMode};
use super::{Outcome, granted};
use crate::clock::UnixTime;
use crate::grant::issue::{self, UserGrant, live_account};
use crate::grant::{format, session as sso};
use crate::oauth::{Ctx, ErrorCode, OAuthError};
use crate::store::Store;
use crate::store::codes::AuthCode;
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::types::ResponseType;

/// How long a code lives (SPEC: 60 s).
const CODE_TTL_SECS: u64 = 60;

impl Request {
    /// The answer to the client carrying `pairs` (plus `state` and `iss`): a redirect with
    /// them in the query or the fragment, or a form posted to the redirect URI.
    pub(super) fn redirect(&self, pairs: &[(&str, &str)]) -> Outcome {
        if self.mode == ResponseMode::FormPost {
            let mut fields: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            if let Some(s) = &self.state {
                fields.push(("state".into(), s.clone()));
            }
            fields.push(("iss".into(), self.issuer.clone()));
            return Outcome::FormPost {
                action: self.redirect_uri.clone(),
                fields,
            };
        }
        let fragment = self.mode == ResponseMode::Fragment;
        Outcome::Redirect(build_redirect(
            &self.redirect_uri,
            fragment,
            pairs,
            self.state.as_deref(),
            &self.issuer,
        ))
    }

    /// The error `code` with `description`, back to the client.
    pub(super) fn error(&self, code: ErrorCode, description: &str) -> Outcome {
        self.redirect(&[("error", code.as_str()), ("error_description", description)])
    }
}

/// `uri` with `pairs`, `state` and `iss` in its query or fragment.
pub(super) fn build_redirect(
    uri: &str,
    fragment: bool,
    pairs: &[(&str, &str)],
    state: Option<&str>,
    issuer: &str,
) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    if let Some(s) = state {
        ser.append_pair("state", s);
    }
    ser.append_pair("iss", issuer);
    let encoded = ser.finish();
    let sep = match (fragment, uri.contains('?')) {
        (true, _) => '#',
        (false, true) => '&',
        (false, false) => '?',
    };
    format!("{uri}{sep}{encoded}")
}

/// The successful answer, by response type: a code (bound to client, redirect URI,
/// PKCE challenge, nonce and session), or tokens in the fragment (implicit).
pub(super) fn answer(
    ctx: &Ctx,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    let scopes = granted(ctx.store, tenant, req, session)?;
    if req.response_type == ResponseType::Code {
        return issue_code(ctx.store, tenant, req, session, scopes, now);
    }
    let account = live_account(&ctx.grant, tenant, &session.account_id)?.ok_or(
        OAuthError::Internal("account vanished during authorization"),
    )?;
    let grant = UserGrant {
        tenant,
        client: &req.client,
        account: &account,
        scopes: &scopes,
        sid: Some(&session.id),
        auth_time: Some(session.auth_time),
        nonce: req.nonce.as_deref(),
        // Tokens in a redirect are never bound: no proof can come with them.
        jkt: None,
        factors: Some(&session.factors),
    };
    let access = match req.response_type {
        ResponseType::Token | ResponseType::IdTokenToken => {
            ctx.grant.token_issued(
                "implicit",
                &tenant.id,
                &req.client.client_id,
                Some(&account.id),
                now,
            );
            Some(issue::access_token(&ctx.grant, &grant, now)?)
        }
        _ => None,
    };
    let id = match req.response_type {
        ResponseType::IdToken | ResponseType::IdTokenToken => Some(issue::id_token(
            &ctx.grant,
            &grant,
            now,
            access.as_ref().map(|a| a.0.as_str()),
        )?),
        _ => None,
    };
    if id.is_some() {
        sso::note_id_token(
            ctx.store,
            tenant,
            &req.client,
            &session.id,
            &session.account_id,
            now,
        )?;
    }
    let expires = tenant.access_token_ttl_secs.to_string();
    let scope = scopes.join(" ");
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if let Some((token, _)) = &access {
        pairs.extend([
            ("access_token", token.as_str()),
            ("token_type", "Bearer"),
            ("expires_in", expires.as_str()),
            ("scope", scope.as_str()),
        ]);
    }
    if let Some(id) = &id {
        pairs.push(("id_token", id));
    }
    Ok(req.redirect(&pairs))
}

/// A code bound to the request and the session, redirected to the client.
fn issue_code(
    store: &Store,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
    scopes: Vec<String>,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    let expires_at = now + CODE_TTL_SECS;
    let (code, key) = format::issue(expires_at)?;
    let record = AuthCode {
        hash: key.hash,
        key_expiry: key.expiry,
        tenant_uid: tenant.uid,
        client_id: req.client.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        redirect_uri_sent: req.redirect_uri_sent,
        account_id: session.account_id.clone(),
        scopes,
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        dpop_jkt: req.dpop_jkt.clone(),
        sid: session.id.clone(),
        auth_time: session.auth_time,
        factors: session.factors.clone(),
        expires_at,
        redeemed: None,
    };
    store.insert_code(&record)?;
    Ok(req.redirect(&[("code", &code)]))
}
