//! The RFC 7662 call to a tenant's IdP and the judgment of its answer: `active` must be
//! the JSON `true`; `exp`, and the tenant's optional `iss` and `aud` expectations, must
//! hold; the external account id is read at the tenant's JSON Pointer (RFC 6901).

use super::ForeignTokenError;
use crate::clock::UnixTime;
use crate::crypto::seal::MasterKey;
use crate::outbound::{Outbound, Peer, Reply};
use crate::store::settings::{IntrospectionSettings, introspection_purpose};
use serde_json::Value;
use std::time::Duration;

/// The longest external account id accepted.
const MAX_EXTERNAL_ID: usize = 256;

/// What the IdP's answer established about a foreign token.
#[derive(Debug, PartialEq)]
pub struct Verdict {
    /// The account id at the IdP, as a string.
    pub external_id: String,
    /// When the IdP says the token expires.
    pub exp: Option<UnixTime>,
}

/// Asks the tenant's IdP about `token` (RFC 7662 §2.1, with the client credentials as
/// form fields, as SPEC says).
pub async fn call(
    outbound: &Outbound,
    master: &MasterKey,
    settings: &IntrospectionSettings,
    token: &str,
) -> Result<Reply, ForeignTokenError> {
    let secret = master.open(
        &introspection_purpose(settings.tenant_uid),
        &settings.sealed_client_secret,
    )?;
    let secret = String::from_utf8(secret)
        .map_err(|_| ForeignTokenError::Internal("the introspection secret is not UTF-8"))?;
    let peer = Peer {
        pool: format!("introspection:{}", settings.tenant_uid),
        ca_pem: settings.ca_pem.as_deref(),
        timeout: Duration::from_millis(settings.timeout_ms),
        restricted: settings.set_by_tenant_admin,
    };
    let fields = [
        ("token", token),
        ("token_type_hint", "access_token"),
        ("client_id", settings.client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    Ok(outbound
        .post_form(&peer, &settings.url, &fields, None)
        .await?)
}

/// The answer's JSON object, if the IdP answered 2xx with one.
pub fn answer_object(reply: &Reply) -> Result<serde_json::Map<String, Value>, ForeignTokenError> {
    if !(200..300).contains(&reply.status) {
        return Err(ForeignTokenError::Idp(format!(
            "the identity provider answered the introspection call with HTTP {}",
            reply.status
        )));
    }
    match serde_json::from_slice(&reply.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ForeignTokenError::Idp(format!(
            "the identity provider's introspection answer is not a JSON object (content type `{}`)",
            reply.media_type
        ))),
    }
}

/// Judges the IdP's answer at time `now`.
pub fn judge(
    settings: &IntrospectionSettings,
    reply: &Reply,
    now: UnixTime,
) -> Result<Verdict, ForeignTokenError> {
    let answer = answer_object(reply)?;
    let rejected = |why: &str| Err(ForeignTokenError::Rejected(why.to_owned()));
    match answer.get("active") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => {
            return rejected("the identity provider says the token is not active");
        }
        None => {
            return rejected(
                "the identity provider's answer has no `active` member, so the token is not active",
            );
        }
        Some(_) => {
            return rejected("the identity provider's `active` is not the JSON boolean true");
        }
    }
    let exp = match answer.get("exp") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(exp) if exp > now => Some(exp),
            Some(_) => return rejected("the token has expired"),
            None => return rejected("the identity provider's `exp` is not a whole number"),
        },
    };
    if let Some(expected) = &settings.expected_issuer
        && answer.get("iss").and_then(Value::as_str) != Some(expected.as_str())
    {
        return rejected("the token was not issued by the expected issuer");
    }
    if let Some(expected) = &settings.expected_audience
        && !meant_for(&answer, expected)
    {
        return rejected("the token is not meant for the expected audience");
    }
    let external_id = external_id(&Value::Object(answer), &settings.account_id_pointer)?;
    Ok(Verdict { external_id, exp })
}

/// Whether `aud` (a string or an array) or `client_id` names `expected`.
fn meant_for(answer: &serde_json::Map<String, Value>, expected: &str) -> bool {
    let aud = match answer.get("aud") {
        Some(Value::String(a)) => a == expected,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(expected)),
        _ => false,
    };
    aud || answer.get("client_id").and_then(Value::as_str) == Some(expected)
}

/// The string or whole number at `pointer`, as a string.
pub fn external_id(answer: &Value, pointer: &str) -> Result<String, ForeignTokenError> {
    let id = match answer.pointer(pointer) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    };
    id.filter(|s| !s.is_empty() && s.len() <= MAX_EXTERNAL_ID)
        .ok_or_else(|| {
            ForeignTokenError::Idp(format!(
                "the identity provider's answer has no string or whole number at `{pointer}`"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> IntrospectionSettings {
        IntrospectionSettings::sample()
    }

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            media_type: "application/json".into(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn judged(s: &IntrospectionSettings, body: &str) -> Result<Verdict, ForeignTokenError> {
        judge(s, &reply(200, body), 1_000)
    }

    #[test]
    fn only_the_json_true_is_active() {
        let s = settings();
        assert_eq!(
            judged(&s, r#"{"active":true,"account_id":"a1"}"#).unwrap(),
            Verdict {
                external_id: "a1".into(),
                exp: None
            }
        );
        for body in [
            r#"{"active":false,"account_id":"a1"}"#,
            r#"{"account_id":"a1"}"#,
            r#"{"active":"true","account_id":"a1"}"#,
            r#"{"active":1,"account_id":"a1"}"#,
        ] {
            assert!(
                matches!(judged(&s, body), Err(ForeignTokenError::Rejected(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn ids_are_strings_or_whole_numbers_at_the_pointer() {
        let mut s = settings();
        assert_eq!(
            judged(&s, r#"{"active":true,"account_id":42}"#)
                .unwrap()
                .external_id,
            "42"
        );
        s.account_id_pointer = "/ext/account~1id".into();
        assert_eq!(
            judged(&s, r#"{"active":true,"ext":{"account/id":"x"}}"#)
                .unwrap()
                .external_id,
            "x"
        );
        for body in [
            r#"{"active":true,"ext":{}}"#,
            r#"{"active":true,"ext":{"account/id":1.5}}"#,
            r#"{"active":true,"ext":{"account/id":""}}"#,
            r#"{"active":true,"ext":{"account/id":["x"]}}"#,
        ] {
            assert!(
                matches!(judged(&s, body), Err(ForeignTokenError::Idp(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn expiry_issuer_and_audience_are_checked() {
        let mut s = settings();
        let ok =
            r#"{"active":true,"account_id":"a","exp":2000,"iss":"https://idp","aud":["x","api"]}"#;
        assert_eq!(judged(&s, ok).unwrap().exp, Some(2000));
        let expired = r#"{"active":true,"account_id":"a","exp":1000}"#;
        assert!(matches!(
            judged(&s, expired),
            Err(ForeignTokenError::Rejected(_))
        ));
        s.expected_issuer = Some("https://idp".into());
        s.expected_audience = Some("api".into());
        assert!(judged(&s, ok).is_ok());
        let by_client_id =
            r#"{"active":true,"account_id":"a","iss":"https://idp","client_id":"api"}"#;
        assert!(judged(&s, by_client_id).is_ok());
        s.expected_audience = Some("other".into());
        assert!(matches!(
            judged(&s, ok),
            Err(ForeignTokenError::Rejected(_))
        ));
        s.expected_audience = None;
        s.expected_issuer = Some("https://evil".into());
        assert!(matches!(
            judged(&s, ok),
            Err(ForeignTokenError::Rejected(_))
        ));
    }

    #[test]
    fn error_statuses_and_non_json_are_the_idps_fault() {
        let s = settings();
        for r in [
            reply(500, r#"{"active":true,"account_id":"a"}"#),
            reply(302, ""),
            reply(200, "<html>hello</html>"),
            reply(200, "[true]"),
        ] {
            assert!(matches!(judge(&s, &r, 1), Err(ForeignTokenError::Idp(_))));
        }
    }
}
