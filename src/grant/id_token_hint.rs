//! Reading an `id_token_hint` (OIDC Core §3.1.2.1; RP-Initiated Logout 1.0 §2), which
//! both the authorization and the logout endpoints take: an ID token this appliance
//! signed for any of its tenants, expired or not, while its key is still published. A
//! hint identifies a user and a session; what it may stand in for is each endpoint's call.

use super::Ctx;
use super::claims::ACCESS_TOKEN_TYP;
use crate::crypto::jose::Unverified;
use serde_json::Value;

/// What a hint names.
#[derive(Debug)]
pub struct IdTokenHint {
    /// Its issuer: one of this appliance's tenants.
    pub iss: String,
    /// The account.
    pub sub: String,
    /// The SSO session it was issued in, if any.
    pub sid: Option<String>,
    /// Its `aud`, a string or an array, as a list.
    pub audience: Vec<String>,
}

/// Reads a hint; `None` when it is not an ID token this appliance signed (an access
/// token, a bad signature, a foreign issuer, no `sub`).
pub fn read(ctx: &Ctx, token: &str) -> Option<IdTokenHint> {
    let unverified = Unverified::parse(token).ok()?;
    if unverified
        .header
        .typ
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP))
    {
        return None;
    }
    let claims: Value = serde_json::from_slice(&ctx.keys.verify(token).ok()?).ok()?;
    let iss = claims["iss"].as_str()?;
    if !iss.starts_with(&format!("{}/t/", ctx.public_url)) {
        return None;
    }
    let audience = match &claims["aud"] {
        Value::String(a) => vec![a.clone()],
        Value::Array(all) => all
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Some(IdTokenHint {
        iss: iss.to_owned(),
        sub: claims["sub"].as_str()?.to_owned(),
        sid: claims["sid"].as_str().map(str::to_owned),
        audience,
    })
}
