//! The UserInfo endpoint (OIDC Core §5.3): claims about the account behind an access
//! token that was granted `openid`, by scope. A DPoP-bound token is taken only with the
//! `DPoP` scheme and a proof by its key over this request and the token (RFC 9449 §7.1).

use super::dpop::{self, Target};
use super::request::DpopHeader;
use super::{Ctx, ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::grant::access::verify_access;
use crate::grant::claims::{AccessClaims, UserInfo};
use crate::grant::subject::member;
use crate::store::tenants::Tenant;

/// How the access token came (RFC 6750 §2, RFC 9449 §7.1).
pub enum Presented {
    /// No token at all.
    Nothing,
    /// `Authorization: Bearer`, or the `access_token` of a form.
    Bearer(String),
    /// `Authorization: DPoP`, with the request's `DPoP` header.
    Dpop {
        /// The access token.
        token: String,
        /// The proof that should come with it.
        proof: DpopHeader,
    },
}

/// Which challenge a refusal carries (RFC 6750 §3, RFC 9449 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `Bearer`: the token came as a bearer token and is not bound.
    Bearer,
    /// `DPoP`: the token came with the DPoP scheme, or is bound and came without it.
    Dpop,
    /// No token came: both schemes are offered.
    Either,
}

/// The request as a proof must match it: its method, and when it came.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// When it was made.
    pub now: UnixTime,
}

/// The userinfo answer, and the client the token was issued to when the token is one
/// of ours (whose browser origins may read the answer).
pub struct Answer {
    /// The token's client, when the token verified.
    pub client_id: Option<String>,
    /// The claims, or why there are none.
    pub claims: Result<UserInfo, OAuthError>,
    /// The scheme a refusal challenges with.
    pub scheme: Scheme,
}

/// Answers `GET`/`POST /t/{tenant}/userinfo` for the `presented` token.
pub fn handle(ctx: &Ctx, tenant: &Tenant, presented: Presented, req: Request<'_>) -> Answer {
    let (token, proof) = match presented {
        Presented::Nothing => {
            let needed = "an access token is required (Bearer or DPoP)";
            return Answer {
                client_id: None,
                claims: Err(OAuthError::new(ErrorCode::InvalidRequest, needed)),
                scheme: Scheme::Either,
            };
        }
        Presented::Bearer(token) => (token, None),
        Presented::Dpop { token, proof } => (token, Some(proof)),
    };
    let scheme = match proof {
        Some(_) => Scheme::Dpop,
        None => Scheme::Bearer,
    };
    let issuer = ctx.grant.issuer(&tenant.id);
    let claims = match verify_access(&ctx.grant.keys, ctx.store, tenant, &issuer, &token, req.now) {
        Ok(claims) => claims,
        Err(e) => {
            return Answer {
                client_id: None,
                claims: Err(e.into()),
                scheme,
            };
        }
    };
    let bound = claims.cnf.is_some();
    let held = match proof {
        Some(proof) => {
            let htu = format!("{issuer}/userinfo");
            proven(ctx, &claims, &proof, (&htu, &token), req)
        }
        None if bound => Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "the access token is DPoP-bound: present it with the DPoP scheme and a proof",
        )),
        None => Ok(()),
    };
    Answer {
        client_id: Some(claims.client_id.clone()),
        claims: held.and_then(|()| claims_of(ctx, tenant, &claims)),
        scheme: if bound { Scheme::Dpop } else { scheme },
    }
}

/// Whether `proof` shows the client holds the key `claims` are bound to, for this
/// request (`htu`) and `token` (`ath`).
fn proven(
    ctx: &Ctx,
    claims: &AccessClaims,
    proof: &DpopHeader,
    (htu, token): (&str, &str),
    req: Request<'_>,
) -> Result<(), OAuthError> {
    let Some(cnf) = &claims.cnf else {
        return Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "the access token is not DPoP-bound: present it with the Bearer scheme",
        ));
    };
    let target = Target {
        method: req.method,
        htu,
        access_token: Some(token),
    };
    match dpop::check_header(ctx.store, proof, target, req.now)? {
        Some(jkt) if jkt == cnf.jkt => Ok(()),
        Some(_) => Err(OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "the DPoP proof is signed by another key than the access token is bound to",
        )),
        None => Err(OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "a DPoP proof is required with the DPoP scheme",
        )),
    }
}

/// The claims a verified access token may read.
fn claims_of(ctx: &Ctx, tenant: &Tenant, claims: &AccessClaims) -> Result<UserInfo, OAuthError> {
    let scopes: Vec<&str> = claims.scopes().collect();
    if !scopes.contains(&"openid") {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token was not granted `openid`",
        ));
    }
    if claims.sub == claims.client_id {
        return Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "a client_credentials token names no user",
        ));
    }
    let gone = || {
        OAuthError::new(
            ErrorCode::InvalidToken,
            "the account behind the token is not available",
        )
    };
    let member = member(ctx.store, tenant.uid, &claims.sub)?.ok_or_else(gone)?;
    Ok(UserInfo::of(&member.account, &scopes))
}
