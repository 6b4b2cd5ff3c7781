//! What a request asks of how the user authenticated (OIDC Core §3.1.2.1 `acr_values`,
//! §5.5.1.1 an essential `acr` in `claims`), judged with the tenant's `mfa` policy
//! against the session (SPEC "Sign-in: passwords, second factors and passkeys").

use crate::store::tenants::MfaPolicy;

/// The request's `acr` wishes, as far as `mfa` is concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Asked {
    /// `acr_values` names `mfa`: a voluntary step-up.
    pub(super) values_mfa: bool,
    /// `claims` asks for `acr` as essential with `mfa` among its values and `pwd` not.
    pub(super) essential_mfa: bool,
}

/// What the session must do before the request is answered.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Need {
    /// Nothing: answer.
    Nothing,
    /// Complete (or enrol) a second factor first.
    SecondFactor,
    /// Nothing can step it up here: `unmet_authentication_requirements`.
    Unmet,
}

/// Reads `acr_values` and `claims`; `Err` when `claims` is not a JSON object.
pub(super) fn read(acr_values: Option<&str>, claims: Option<&str>) -> Result<Asked, &'static str> {
    let values_mfa = acr_values.is_some_and(|v| v.split(' ').any(|a| a == "mfa"));
    let essential_mfa = match claims {
        None => false,
        Some(text) => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|_| "claims is not a JSON object")?;
            let object = value.as_object().ok_or("claims is not a JSON object")?;
            ["id_token", "userinfo"]
                .iter()
                .filter_map(|member| object.get(*member)?.get("acr"))
                .any(essential_mfa)
        }
    };
    Ok(Asked {
        values_mfa,
        essential_mfa,
    })
}

/// Whether one `acr` claim request is essential and met only by `mfa`.
fn essential_mfa(acr: &serde_json::Value) -> bool {
    if acr.get("essential").and_then(serde_json::Value::as_bool) != Some(true) {
        return false;
    }
    let mut values: Vec<&str> = acr
        .get("values")
        .and_then(serde_json::Value::as_array)
        .map(|vs| vs.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    if let Some(v) = acr.get("value").and_then(serde_json::Value::as_str) {
        values.push(v);
    }
    values.contains(&"mfa") && !values.contains(&"pwd")
}

/// What a session (`mfa` when it completed a second factor) must do under `policy`.
pub(super) fn need(policy: MfaPolicy, asked: Asked, mfa: bool) -> Need {
    if mfa {
        return Need::Nothing;
    }
    match policy {
        MfaPolicy::Required => Need::SecondFactor,
        MfaPolicy::Optional if asked.values_mfa || asked.essential_mfa => Need::SecondFactor,
        MfaPolicy::Optional => Need::Nothing,
        MfaPolicy::Off if asked.essential_mfa => Need::Unmet,
        MfaPolicy::Off => Need::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_acr_values_and_essential_claims() {
        assert!(read(Some("pwd mfa"), None).unwrap().values_mfa);
        assert!(!read(Some("pwd"), None).unwrap().values_mfa);
        let essential = r#"{"id_token":{"acr":{"essential":true,"values":["mfa"]}}}"#;
        assert!(read(None, Some(essential)).unwrap().essential_mfa);
        let either = r#"{"id_token":{"acr":{"essential":true,"values":["mfa","pwd"]}}}"#;
        assert!(!read(None, Some(either)).unwrap().essential_mfa);
        let voluntary = r#"{"id_token":{"acr":{"values":["mfa"]}}}"#;
        assert!(!read(None, Some(voluntary)).unwrap().essential_mfa);
        let single = r#"{"userinfo":{"acr":{"essential":true,"value":"mfa"}}}"#;
        assert!(read(None, Some(single)).unwrap().essential_mfa);
        assert!(read(None, Some("[1]")).is_err());
        assert!(read(None, Some("{")).is_err());
    }

    #[test]
    fn the_policy_decides_what_an_unmet_request_gets() {
        let none = Asked::default();
        let values = Asked {
            values_mfa: true,
            essential_mfa: false,
        };
        let essential = Asked {
            values_mfa: false,
            essential_mfa: true,
        };
        assert_eq!(need(MfaPolicy::Required, none, false), Need::SecondFactor);
        assert_eq!(need(MfaPolicy::Required, none, true), Need::Nothing);
        assert_eq!(need(MfaPolicy::Optional, none, false), Need::Nothing);
        assert_eq!(need(MfaPolicy::Optional, values, false), Need::SecondFactor);
        assert_eq!(
            need(MfaPolicy::Optional, essential, false),
            Need::SecondFactor
        );
        assert_eq!(need(MfaPolicy::Off, values, false), Need::Nothing);
        assert_eq!(need(MfaPolicy::Off, essential, false), Need::Unmet);
        assert_eq!(need(MfaPolicy::Off, essential, true), Need::Nothing);
    }
}
