//! The accounts list and an account's page: search, create, edit, password, enable and
//! disable, memberships and live sessions, and recovery links (confirmed, shown once).

use super::forms::*;
use super::{Answer, Fields, Signed, reveal, written};
use crate::admin::{AdminError, accounts, browse, members, recovery_links};
use crate::types::Role;
use crate::ui::admin::FormState;
use serde_json::json;

/// The account page's forms.
pub(super) async fn post(s: &Signed<'_>, id: &str, action: &[&str], fields: Fields) -> Answer {
    let ctx = s.ctx();
    match action {
        [action @ ("enable" | "disable")] => {
            let patch = accounts::AccountPatch {
                disabled: Some(*action == "disable"),
                ..accounts::AccountPatch::default()
            };
            accounts::patch(&ctx, id, &patch).await?;
            written(s, &format!("/admin/accounts/{id}?done=account-updated")).await
        }
        ["mfa", "reset"] => {
            accounts::remove_factors(&ctx, id)?;
            written(s, &format!("/admin/accounts/{id}?done=mfa-removed")).await
        }
        ["recovery-link"] => recovery_link(s, id, &fields).await,
        ["delete"] => {
            accounts::delete(&ctx, id)?;
            written(s, "/admin/accounts?done=account-deleted").await
        }
        ["sessions", "end"] => {
            accounts::end_sessions(&ctx, id)?;
            written(s, &format!("/admin/accounts/{id}?done=sessions-ended")).await
        }
        ["edit"] => {
            let patch = accounts::AccountPatch {
                username: Some(field(&fields, "username")),
                email: Some(optional(&fields, "email")),
                name: Some(optional(&fields, "name")),
                email_verified: Some(fields.contains_key("email_verified")),
                must_change_password: Some(fields.contains_key("must_change_password")),
                ..accounts::AccountPatch::default()
            };
            match accounts::patch(&ctx, id, &patch).await {
                Ok(_) => written(s, &format!("/admin/accounts/{id}?done=account-updated")).await,
                Err(e) => account_page(
                    s,
                    id,
                    None,
                    FormState::refused(kept(&fields), &e),
                    FormState::default(),
                ),
            }
        }
        ["role"] => {
            let patch = accounts::AccountPatch {
                role: Some(role_field(&fields)),
                ..accounts::AccountPatch::default()
            };
            accounts::patch(&ctx, id, &patch).await?;
            written(s, &format!("/admin/accounts/{id}?done=account-updated")).await
        }
        ["password"] => {
            let patch = accounts::AccountPatch {
                password: Some(optional(&fields, "password")),
                ..accounts::AccountPatch::default()
            };
            match accounts::patch(&ctx, id, &patch).await {
                Ok(_) => written(s, &format!("/admin/accounts/{id}?done=password-set")).await,
                Err(e) => {
                    let form =
                        FormState::refused([("password".to_owned(), String::new())].into(), &e);
                    account_page(s, id, None, FormState::default(), form)
                }
            }
        }
        _ => Err(AdminError::NotFound("no such action".into())),
    }
}

/// The role a form's `role` field names: empty for none, `appliance`, or the ids of
/// the tenants a tenant admin manages, separated by spaces or commas.
fn role_field(fields: &Fields) -> Option<accounts::RoleInput> {
    match fields.get("role").map_or("", |v| v.trim()) {
        "" => None,
        "appliance" => Some(Role::Appliance),
        ids => Some(Role::Tenants(
            ids.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect(),
        )),
    }
}

/// The accounts list, a page at a time, searched (username and e-mail) and sorted as
/// the query asks.
pub(super) fn accounts_page(
    s: &Signed<'_>,
    query: &Fields,
    done: Option<&'static str>,
    form: FormState,
) -> Answer {
    let asked = super::listing::Asked::parse(query)?;
    let list = tokio::task::block_in_place(|| browse::accounts(&s.ctx(), asked.window()))?;
    Ok(s.page(
        "admin/accounts.html",
        "Accounts".into(),
        "accounts",
        done,
        json!({"accounts": list.items, "pager": asked.pager("/admin/accounts", &list), "form": form}),
    ))
}

pub(super) fn account_page(
    s: &Signed<'_>,
    id: &str,
    done: Option<&'static str>,
    edit: FormState,
    password: FormState,
) -> Answer {
    let account = accounts::get(&s.ctx(), id)?;
    let passkeys = accounts::passkey_names(&s.ctx(), id)?;
    let sessions: Vec<_> = accounts::live_sessions(&s.ctx(), id)?
        .into_iter()
        .map(|session| {
            json!({
                "id": session.id,
                "auth_time": crate::clock::rfc3339(session.auth_time),
                "expires_at": crate::clock::rfc3339(session.expires_at),
            })
        })
        .collect();
    let edit = or_current(
        edit,
        &[
            ("username", Some(account.username.clone())),
            ("email", account.email.clone()),
            ("name", account.name.clone()),
            (
                "email_verified",
                account.email_verified.then(|| "yes".into()),
            ),
            (
                "must_change_password",
                account.must_change_password.then(|| "yes".into()),
            ),
        ],
    );
    let role = match &account.role {
        None => String::new(),
        Some(Role::Tenants(ids)) => ids.join(" "),
        Some(Role::Appliance) => "appliance".into(),
        Some(Role::Metrics) => "metrics".into(),
    };
    Ok(s.page(
        "admin/account.html",
        format!("Account {}", account.username),
        "accounts",
        done,
        json!({"account": account, "passkeys": passkeys, "sessions": sessions, "edit_form": edit, "password_form": password, "role": role}),
    ))
}

/// The page that confirms making a recovery link: which tenant's page it opens (when
/// the account has several) and how long it lives; no JavaScript needed.
pub(super) fn recovery_link_page(s: &Signed<'_>, id: &str) -> Answer {
    let account = accounts::get(&s.ctx(), id)?;
    Ok(s.page(
        "admin/recovery_link.html",
        format!("Recovery link for {}", account.username),
        "accounts",
        None,
        json!({"account": account}),
    ))
}

/// Makes the link the confirmation page asked for and shows it once, once it (and the
/// voiding of the older link) is on disk.
async fn recovery_link(s: &Signed<'_>, id: &str, fields: &Fields) -> Answer {
    let ttl_secs = match fields.get("ttl_secs").map(|v| v.trim()) {
        None | Some("") => None,
        Some(v) => Some(
            v.parse()
                .map_err(|_| AdminError::invalid("ttl_secs", "must be a number of seconds"))?,
        ),
    };
    let asked = recovery_links::NewRecoveryLink {
        ttl_secs,
        tenant: fields.get("tenant").filter(|t| !t.is_empty()).cloned(),
    };
    let ctx = s.ctx();
    let link = recovery_links::create(&ctx, id, &asked)?;
    s.state.store.flush_durable().await?;
    let account = accounts::get(&ctx, id)?;
    reveal(
        s,
        "Recovery link",
        format!(
            "The recovery link for {}, valid until {}; any earlier link no longer works. Send it to the user over a channel you trust: whoever opens it sets the password.",
            account.username, link.expires_at
        ),
        link.url,
        format!("/admin/accounts/{id}"),
    )
}

/// The new-account form.
pub(super) async fn create(s: &Signed<'_>, fields: Fields) -> Answer {
    let optional = |k: &str| Some(field(&fields, k)).filter(|v| !v.trim().is_empty());
    let new = accounts::NewAccount {
        username: field(&fields, "username"),
        email: optional("email"),
        name: optional("name"),
        password: optional("password"),
        admin: Some(fields.contains_key("admin")).filter(|_| role_field(&fields).is_none()),
        role: role_field(&fields),
        email_verified: Some(fields.contains_key("email_verified")),
        must_change_password: Some(fields.contains_key("must_change_password")),
    };
    // A tenant admin's new account joins one of its tenants in the same write.
    let created = match optional("tenant") {
        Some(t) => {
            let input = members::ProvisionInput {
                username: new.username,
                email: new.email,
                name: new.name,
                password: new.password,
                admin: new.admin,
                role: new.role,
                email_verified: new.email_verified,
                must_change_password: new.must_change_password,
                ..members::ProvisionInput::default()
            };
            members::provision(&s.ctx(), t.trim(), &input).await
        }
        None => accounts::create(&s.ctx(), &new).await,
    };
    match created {
        Ok(_) => written(s, "/admin/accounts?done=account-created").await,
        Err(e) => accounts_page(
            s,
            &Fields::new(),
            None,
            FormState::refused(kept(&fields), &e),
        ),
    }
}
