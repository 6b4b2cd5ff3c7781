//! Which scopes are granted (SPEC "Scopes"): OIDC scopes by client registration; every
//! other scope needs the client's registration and the user's membership. A requested
//! scope that is not granted is left out, not refused.

use crate::store::clients::Client;
use crate::store::members::Membership;

/// The scopes OIDC defines; a client registered for one gets it for any member.
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Splits a `scope` parameter (RFC 6749 §3.3: space-delimited).
pub fn split(scope: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.unwrap_or("").split(' ').filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// Scopes granted to `client` acting for the member `membership`.
pub fn for_member(requested: &[String], client: &Client, membership: &Membership) -> Vec<String> {
    requested
        .iter()
        .filter(|s| client.scopes.contains(s))
        .filter(|s| OIDC_SCOPES.contains(&s.as_str()) || membership.scopes.contains(s))
        .cloned()
        .collect()
}

/// Scopes granted for `client_credentials`: what the client is registered for, all of
/// them when nothing was requested.
pub fn for_client(requested: &[String], client: &Client) -> Vec<String> {
    if requested.is_empty() {
        return client.scopes.clone();
    }
    requested
        .iter()
        .filter(|s| client.scopes.contains(s))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Alg, AuthMethod, TenantId};

    fn client(scopes: &[&str]) -> Client {
        Client {
            tenant_uid: 1,
            client_id: "c".into(),
            name: "c".into(),
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            grant_types: vec![],
            response_types: vec![],
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            auth_method: AuthMethod::ClientSecretBasic,
            id_token_alg: Alg::RS256,
            require_consent: false,
            allowed_origins: vec![],
            jwks: None,
            jwks_uri: None,
            require_pushed_authorization_requests: false,
            dpop_bound_access_tokens: false,
            backchannel_logout_uri: None,
            backchannel_logout_session_required: false,
            backchannel_logout_untyped: false,
            urls_set_by_tenant_admin: false,
            secret_hash: None,
            api_key_ids: vec![],
            created_at: 0,
        }
    }

    #[test]
    fn member_scopes_need_client_and_membership() {
        let c = client(&["openid", "email", "orders", "billing"]);
        let m = Membership {
            tenant_uid: 1,
            tenant: TenantId::parse("t").unwrap(),
            account_id: "a".into(),
            scopes: vec!["orders".into(), "admin".into()],
            external_id: None,
            upstream_sub: None,
            created_at: 0,
            disabled: false,
            modified_at: 0,
        };
        let granted = for_member(
            &split(Some("openid email orders billing admin profile")),
            &c,
            &m,
        );
        assert_eq!(granted, vec!["openid", "email", "orders"]);
    }

    #[test]
    fn client_credentials_get_all_registered_scopes_without_a_request() {
        let c = client(&["read", "write"]);
        assert_eq!(for_client(&[], &c), vec!["read", "write"]);
        assert_eq!(for_client(&split(Some("write other")), &c), vec!["write"]);
        assert_eq!(split(Some("a  b a")), vec!["a", "b"]);
    }
}
