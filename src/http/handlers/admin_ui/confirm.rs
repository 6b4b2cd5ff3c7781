//! Confirmation pages: a destructive action's path answers GET with a page that says
//! what will happen and holds the one form (with the session's CSRF token) that POSTs
//! to the same path; Cancel is a plain link back. No JavaScript needed.

use super::{Answer, Signed};
use crate::admin::{AdminError, accounts, api_keys, clients, scim_tokens};
use serde::Serialize;

/// What a confirmation page shows.
#[derive(Serialize)]
struct Confirmation {
    /// The question, as the page's heading.
    question: String,
    /// What doing it changes, in a sentence or two.
    consequence: String,
    /// The button's words.
    button: &'static str,
    /// Where the form POSTs: the action's own path.
    action: String,
    /// Where Cancel goes.
    back: String,
}

/// The confirmation page of the destructive action at `segments`, or `None` when the
/// path is no destructive action.
pub(super) fn page(s: &Signed<'_>, segments: &[&str]) -> Option<Answer> {
    let path = format!("/admin/{}", segments.join("/"));
    let found = match *segments {
        ["accounts", id, ref action @ ..] => account_action(s, id, action)?,
        ["tenants", t, ref action @ ..] => tenant_action(s, t, action)?,
        ["keys", "rotate"] => Ok((
            "Rotate the signing keys now?".to_owned(),
            "Each algorithm gets a new active key. The old keys stay published until the tokens they signed expire, so nothing signed so far stops working.".to_owned(),
            "Rotate now",
            "/admin/keys".to_owned(),
        )),
        _ => return None,
    };
    Some(found.map(|(question, consequence, button, back)| {
        s.page(
            "admin/confirm.html",
            question.clone(),
            nav_of(segments),
            None,
            Confirmation {
                question,
                consequence,
                button,
                action: path,
                back,
            },
        )
    }))
}

/// A confirmation's question, consequence, button and way back.
type Asked = Result<(String, String, &'static str, String), AdminError>;

fn nav_of(segments: &[&str]) -> &'static str {
    match segments.first() {
        Some(&"accounts") => "accounts",
        Some(&"keys") => "keys",
        _ => "tenants",
    }
}

fn account_action(s: &Signed<'_>, id: &str, action: &[&str]) -> Option<Asked> {
    let what: (&str, &str, &'static str) = match action {
        ["disable"] => (
            "Disable the account {}?",
            "Its sign-in sessions end and its refresh tokens stop working at once; it cannot sign in until an admin enables it again.",
            "Disable account",
        ),
        ["delete"] => (
            "Delete the account {}?",
            "The account, its memberships, sessions and refresh tokens are removed for good. Its audit events stay.",
            "Delete account",
        ),
        ["sessions", "end"] => (
            "End every sign-in session of {}?",
            "The user is signed out everywhere and the refresh tokens of those sessions stop working. The account itself stays as it is.",
            "End all sessions",
        ),
        ["mfa", "reset"] => (
            "Remove every second factor of {}?",
            "The authenticator app, passkeys and unused recovery codes stop working. The user then signs in with the password alone, and enrols a new authenticator app at the next sign-in where a tenant requires one. Do this only once you are sure who is asking.",
            "Remove second factors",
        ),
        _ => return None,
    };
    let (question, consequence, button) = what;
    Some(accounts::get(&s.ctx(), id).map(|account| {
        (
            question.replace("{}", &account.username),
            consequence.to_owned(),
            button,
            format!("/admin/accounts/{id}"),
        )
    }))
}

fn tenant_action(s: &Signed<'_>, t: &str, action: &[&str]) -> Option<Asked> {
    let ctx = s.ctx();
    let back = format!("/admin/tenants/{t}");
    let asked = match action {
        ["clients", c, "secret"] => clients::get(&ctx, t, c).map(|_| {
            (
                format!("Rotate the secret of client {c}?"),
                "A new secret is made and shown once; the old one stops working at once, so the application fails to get tokens until it has the new one.".to_owned(),
                "Rotate secret",
            )
        }),
        ["clients", c, "delete"] => clients::get(&ctx, t, c).map(|_| {
            (
                format!("Delete client {c} of {t}?"),
                "Its registration and API keys are removed, and the tokens it was issued stop being accepted.".to_owned(),
                "Delete client",
            )
        }),
        ["clients", c, "api-keys", id, "revoke"] => {
            let all = match crate::admin::page::PageRequest::parse(Some("500"), None) {
                Ok(all) => all,
                Err(e) => return Some(Err(e)),
            };
            api_keys::list(&ctx, t, c, &all).and_then(|keys| {
                let key = keys.items.into_iter().find(|k| k.id == *id).ok_or_else(|| {
                    AdminError::NotFound(format!("no API key `{id}` of client `{c}`"))
                })?;
                Ok((
                    format!("Revoke the API key “{}” of client {c}?", key.label),
                    "Whoever uses this key can no longer call the token exchange with it."
                        .to_owned(),
                    "Revoke API key",
                ))
            })
        }
        ["scim-tokens", id, "delete"] => scim_tokens::get(&ctx, t, id).map(|token| {
            (
                format!("Delete the SCIM token “{}” of {t}?", token.label),
                "The directory that uses it can no longer provision this tenant until it gets a new token. Accounts and memberships it created stay.".to_owned(),
                "Delete SCIM token",
            )
        }),
        ["members", account, "remove"] => {
            let name = accounts::get(&ctx, account)
                .map_or_else(|_| (*account).to_owned(), |a| a.username);
            crate::admin::tenants::get(&ctx, t).map(|_| {
                (
                    format!("Remove {name} from {t}?"),
                    "The account can no longer sign in or get tokens at this tenant. The account itself and its other memberships stay.".to_owned(),
                    "Remove member",
                )
            })
        }
        _ => return None,
    };
    Some(asked.map(|(q, c, b)| (q, c, b, back)))
}
