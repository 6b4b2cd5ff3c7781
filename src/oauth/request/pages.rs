//! What the sign-in, consent and logout pages send (OIDC RP-Initiated Logout 1.0 §2 for
//! the last), read at the edge. None of it can be wrong in form: what is missing or stale
//! is the page's to say, after the checks that come first (CSRF, the pending request).

use super::Params;
use crate::types::Secret;

/// The sign-in form (`POST /t/{tenant}/login`).
pub struct LoginForm {
    /// The pending authorization it finishes.
    pub request_id: Option<String>,
    /// The username, without surrounding spaces.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// The form's half of the double-submit CSRF token.
    pub csrf: Option<String>,
    /// A passkey assertion (the page script's JSON) instead of a username and password.
    pub passkey: Option<String>,
}

impl LoginForm {
    /// Reads the sign-in form; absent fields are empty.
    pub fn parse(params: &Params) -> LoginForm {
        LoginForm {
            request_id: params.get("request").map(str::to_owned),
            username: params.get("username").unwrap_or("").trim().to_owned(),
            password: Secret::new(params.get("password").unwrap_or("")),
            csrf: params.get("csrf").map(str::to_owned),
            passkey: params.get("passkey").map(str::to_owned),
        }
    }
}

/// The second-step form (`POST /t/{tenant}/mfa`).
pub struct SecondFactorForm {
    /// The pending authorization it finishes.
    pub request_id: Option<String>,
    /// A TOTP code or a recovery code.
    pub code: Secret,
    /// Set by the recovery-codes page's button: the codes were seen, go on.
    pub proceed: bool,
    /// The form's half of the double-submit CSRF token.
    pub csrf: Option<String>,
    /// A passkey answer (the page script's JSON): an assertion, or a new credential.
    pub passkey: Option<String>,
    /// The name for a passkey being added.
    pub passkey_name: String,
}

impl SecondFactorForm {
    /// Reads the second-step form; absent fields are empty.
    pub fn parse(params: &Params) -> SecondFactorForm {
        SecondFactorForm {
            request_id: params.get("request").map(str::to_owned),
            code: Secret::new(params.get("code").unwrap_or("").trim()),
            proceed: params.get("continue") == Some("1"),
            csrf: params.get("csrf").map(str::to_owned),
            passkey: params.get("passkey").map(str::to_owned),
            passkey_name: params.get("passkey_name").unwrap_or("").to_owned(),
        }
    }
}

/// The form choosing a new password (`POST /t/{tenant}/password`).
pub struct NewPasswordForm {
    /// The pending authorization it finishes.
    pub request_id: Option<String>,
    /// The new password and its repetition.
    pub chosen: crate::auth::new_password::Chosen,
    /// The form's half of the double-submit CSRF token.
    pub csrf: Option<String>,
}

impl NewPasswordForm {
    /// Reads the form; absent fields are empty.
    pub fn parse(params: &Params) -> NewPasswordForm {
        NewPasswordForm {
            request_id: params.get("request").map(str::to_owned),
            chosen: crate::auth::new_password::Chosen {
                password: Secret::new(params.get("password").unwrap_or("")),
                confirm: Secret::new(params.get("confirm").unwrap_or("")),
            },
            csrf: params.get("csrf").map(str::to_owned),
        }
    }
}

/// The consent form (`POST /t/{tenant}/consent`).
pub struct ConsentForm {
    /// The pending authorization it answers.
    pub request_id: Option<String>,
    /// `decision`: `Some(true)` for `allow`, `Some(false)` for `deny`, else `None`.
    pub allow: Option<bool>,
    /// The form's half of the double-submit CSRF token.
    pub csrf: Option<String>,
}

impl ConsentForm {
    /// Reads the consent form.
    pub fn parse(params: &Params) -> ConsentForm {
        ConsentForm {
            request_id: params.get("request").map(str::to_owned),
            allow: match params.get("decision") {
                Some("allow") => Some(true),
                Some("deny") => Some(false),
                _ => None,
            },
            csrf: params.get("csrf").map(str::to_owned),
        }
    }
}

/// An RP-initiated logout request (`GET`/`POST /t/{tenant}/logout`), or the confirmation
/// form posted back.
pub struct LogoutRequest {
    /// An ID token naming the user and the client.
    pub id_token_hint: Option<String>,
    /// The client, when no hint names it.
    pub client_id: Option<String>,
    /// Where to send the browser afterwards, if the client registered it.
    pub post_logout_redirect_uri: Option<String>,
    /// Returned to the client with the redirect.
    pub state: Option<String>,
    /// The confirmation form's half of the double-submit CSRF token.
    pub csrf: Option<String>,
    /// The languages the client asks the pages in (RP-Initiated Logout 1.0 §2), carried
    /// through the confirmation form.
    pub ui_locales: Option<String>,
}

impl LogoutRequest {
    /// Reads a logout request.
    pub fn parse(params: &Params) -> LogoutRequest {
        let get = |name: &str| params.get(name).map(str::to_owned);
        LogoutRequest {
            id_token_hint: get("id_token_hint"),
            client_id: get("client_id"),
            post_logout_redirect_uri: get("post_logout_redirect_uri"),
            ui_locales: get("ui_locales"),
            state: get("state"),
            csrf: get("csrf"),
        }
    }
}
