//! Minting the tokens of a user grant: the access token, the ID token when `openid`
//! was granted, and the response carrying them with an optional refresh token; and the
//! tokens for an account found by token exchange, which the RFC 8693 grant at the token
//! endpoint and `/v2/sso/exchange-token` both hand out.

use super::Ctx;
use super::GrantError;
use super::claims::{AccessClaims, IdClaims, UserInfo, half_hash, sign_access, sign_id};
use super::format::{self, NewRefreshToken};
use super::scopes;
use super::subject::{Member, member};
use crate::clock::UnixTime;
use crate::store::accounts::Account;
use crate::store::clients::Client;
use crate::store::factors::{Authenticated, Factor};
use crate::store::refresh::RefreshFamily;
use crate::store::tenants::Tenant;
use crate::types::{AuthMethod, GrantType, Jkt};
use serde::Serialize;

/// A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// `Bearer`, or `DPoP` for an access token bound to a DPoP key (RFC 9449 §5).
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// A refresh token, when the grant issues one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// An ID token, when `openid` was granted to a user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// What the token exchange issued (RFC 8693 §2.2.1); only that grant sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
    /// The account the tokens are for, for the audit log; never sent.
    #[serde(skip)]
    pub account_id: Option<String>,
}

/// Who gets tokens, for what.
pub struct UserGrant<'a> {
    /// The tenant.
    pub tenant: &'a Tenant,
    /// The client.
    pub client: &'a Client,
    /// The account.
    pub account: &'a Account,
    /// Granted scopes.
    pub scopes: &'a [String],
    /// The SSO session, if a browser sign-in stands behind the grant.
    pub sid: Option<&'a str>,
    /// When the user authenticated.
    pub auth_time: Option<UnixTime>,
    /// The authorization request's nonce.
    pub nonce: Option<&'a str>,
    /// The DPoP key the client proved it holds, which the access token is bound to.
    pub jkt: Option<&'a Jkt>,
    /// How the user authenticated, when a browser sign-in stands behind the grant:
    /// tokens carry `acr` and `amr` then, and never for the exchange.
    pub factors: Option<&'a [Factor]>,
}

/// Tokens minted, with what a later revocation needs.
pub struct Minted {
    /// The response to send.
    pub response: TokenResponse,
    /// The access token's `jti`.
    pub jti: String,
    /// The access token's `exp`.
    pub exp: UnixTime,
}

/// Signs an access token for `grant`; returns it with its claims.
pub fn access_token(
    ctx: &Ctx<'_>,
    grant: &UserGrant<'_>,
    now: UnixTime,
) -> Result<(String, AccessClaims), GrantError> {
    let issuer = ctx.issuer(&grant.tenant.id);
    let mut claims = AccessClaims::new(
        &issuer,
        grant.tenant,
        &grant.account.id,
        &grant.client.client_id,
        grant.scopes,
        now,
    )?;
    claims.sid = grant.sid.map(str::to_owned);
    claims.auth_time = grant.auth_time;
    (claims.acr, claims.amr) = acr_amr(grant);
    claims.bind(grant.jkt);
    Ok((sign_access(&ctx.keys, grant.tenant, &claims)?, claims))
}

/// The `acr` and `amr` claims of a grant a browser sign-in stands behind.
fn acr_amr(grant: &UserGrant<'_>) -> (Option<String>, Option<Vec<String>>) {
    match grant.factors {
        Some(f) => {
            let how = Authenticated(f);
            (Some(how.acr().to_owned()), Some(how.amr()))
        }
        None => (None, None),
    }
}

/// Signs an ID token for `grant` with the client's algorithm; `at_hash` binds it to
/// `access_token` when one is issued with it.
pub fn id_token(
    ctx: &Ctx<'_>,
    grant: &UserGrant<'_>,
    now: UnixTime,
    access_token: Option<&str>,
) -> Result<String, GrantError> {
    let scopes: Vec<&str> = grant.scopes.iter().map(String::as_str).collect();
    let mut user = UserInfo::of(grant.account, &scopes);
    user.sub = String::new();
    let (acr, amr) = acr_amr(grant);
    let claims = IdClaims {
        iss: ctx.issuer(&grant.tenant.id),
        sub: grant.account.id.clone(),
        aud: grant.client.client_id.clone(),
        azp: grant.client.client_id.clone(),
        exp: now + grant.tenant.id_token_ttl_secs,
        iat: now,
        auth_time: grant.auth_time,
        nonce: grant.nonce.map(str::to_owned),
        sid: grant.sid.map(str::to_owned),
        at_hash: access_token.map(|t| half_hash(grant.client.id_token_alg, t)),
        c_hash: None,
        acr,
        amr,
        user,
    };
    sign_id(&ctx.keys, grant.client.id_token_alg, &claims)
}

/// Mints the tokens of `grant` for the token endpoint; `refresh_token` is included as given.
pub fn mint(
    ctx: &Ctx<'_>,
    grant: &UserGrant<'_>,
    refresh_token: Option<String>,
    now: UnixTime,
) -> Result<Minted, GrantError> {
    let (access, claims) = access_token(ctx, grant, now)?;
    let id = match grant.scopes.iter().any(|s| s == "openid") {
        true => Some(id_token(ctx, grant, now, Some(&access))?),
        false => None,
    };
    Ok(Minted {
        response: TokenResponse {
            access_token: access,
            token_type: claims.token_type(),
            expires_in: grant.tenant.access_token_ttl_secs,
            scope: claims.scope.clone(),
            refresh_token,
            id_token: id,
            issued_token_type: None,
            account_id: Some(grant.account.id.clone()),
        },
        jti: claims.jti,
        exp: claims.exp,
    })
}

/// The first refresh token of a new family, before it is stored.
pub struct NewRefresh {
    /// The token handed to the client, and its SHA-256, which the family keeps as its
    /// live one.
    pub first: NewRefreshToken,
    /// The id of its family.
    pub family_id: String,
    /// When the family expires.
    pub expires_at: UnixTime,
}

impl NewRefresh {
    /// The family this token starts for `grant`, bound to SSO session `sid` if any. A
    /// public client's family is bound to its DPoP key too, if it proved one: it has no
    /// other credential to hold the tokens to (RFC 9449 §5).
    pub fn family(&self, grant: &UserGrant<'_>, sid: Option<String>) -> RefreshFamily {
        RefreshFamily {
            id: self.family_id.clone(),
            tenant_uid: grant.tenant.uid,
            client_id: grant.client.client_id.clone(),
            account_id: grant.account.id.clone(),
            scopes: grant.scopes.to_vec(),
            sid,
            auth_time: grant.auth_time,
            live: Some(self.first.hash),
            account_epoch: grant.account.refresh_epoch,
            expires_at: self.expires_at,
            factors: grant.factors.map(<[Factor]>::to_vec).unwrap_or_default(),
            jkt: grant
                .jkt
                .filter(|_| grant.client.auth_method == AuthMethod::None)
                .cloned(),
        }
    }
}

/// A new refresh token and family id for a grant made at `now`, living as long as the
/// tenant says, when `client` may use the `refresh_token` grant.
pub fn new_refresh(
    tenant: &Tenant,
    client: &Client,
    now: UnixTime,
) -> Result<Option<NewRefresh>, GrantError> {
    if !client.grant_types.contains(&GrantType::RefreshToken) {
        return Ok(None);
    }
    let expires_at = now + tenant.refresh_token_ttl_secs;
    let (family_id, first) = format::new_family(expires_at)?;
    Ok(Some(NewRefresh {
        first,
        family_id,
        expires_at,
    }))
}

/// The account behind refresh family `family`, if the family may still get tokens: the
/// account may ([`live_account`]) and was not disabled since the grant was made.
pub fn family_account(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    family: &RefreshFamily,
) -> Result<Option<Account>, GrantError> {
    Ok(live_account(ctx, tenant, &family.account_id)?
        .filter(|a| a.refresh_epoch == family.account_epoch))
}

/// The account behind a grant, if it may still get tokens: enabled and a member.
pub fn live_account(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    account_id: &str,
) -> Result<Option<Account>, GrantError> {
    Ok(member(ctx.store, tenant.uid, account_id)?.map(|m| m.account))
}

/// Mints tokens for `subject`, an account found by token exchange: the `requested`
/// scopes the client and the membership allow, and a refresh token when the client may
/// use the `refresh_token` grant. The tokens belong to no browser session: no `sid`, no
/// `auth_time`. The access token is bound to the DPoP key `jkt`, if the client proved one.
pub fn exchanged(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (client, jkt): (&Client, Option<&Jkt>),
    subject: &Member,
    requested: &[String],
    now: UnixTime,
) -> Result<TokenResponse, GrantError> {
    let granted = scopes::for_member(requested, client, &subject.membership);
    let refresh = new_refresh(tenant, client, now)?;
    let grant = UserGrant {
        tenant,
        client,
        account: &subject.account,
        scopes: &granted,
        sid: None,
        auth_time: None,
        nonce: None,
        jkt,
        factors: None,
    };
    let minted = mint(
        ctx,
        &grant,
        refresh.as_ref().map(|r| r.first.token.clone()),
        now,
    )?;
    if let Some(r) = &refresh {
        ctx.store.insert_family(&r.family(&grant, None))?;
    }
    Ok(minted.response)
}
