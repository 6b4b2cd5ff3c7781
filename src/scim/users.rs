//! `/Users` (RFC 7644 §3): accounts with a membership of this tenant. The account's own
//! attributes change only within the token's reach; `active` and `externalId` live on
//! the membership and always apply.

use super::filter::member;
use super::resource::Query;
use super::schema::USER;
use super::{Answer, Ctx, ScimError, ScimType, patch};
use crate::admin::accounts::{self, AccountPatch, NewAccount};
use crate::admin::reach::{self, Reach};
use crate::admin::{members, validate};
use crate::clock::rfc3339;
use crate::store::accounts::Account;
use crate::store::members::Membership;
use serde_json::{Value, json};

/// What latchkey keeps of a SCIM user, as one value PUT and PATCH both produce.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct UserState {
    /// `userName`.
    pub user_name: String,
    /// `displayName` (and `name.formatted`): the account's name.
    pub display: Option<String>,
    /// `name.givenName`.
    pub given: Option<String>,
    /// `name.familyName`.
    pub family: Option<String>,
    /// The account's one e-mail address.
    pub email: Option<String>,
    /// A new password, write-only.
    pub password: Option<String>,
    /// The membership is enabled.
    pub active: bool,
    /// The membership's external id.
    pub external_id: Option<String>,
}

impl UserState {
    fn of(account: &Account, m: &Membership) -> UserState {
        UserState {
            user_name: account.username.clone(),
            display: account.name.clone(),
            given: account.name_parts.given.clone(),
            family: account.name_parts.family.clone(),
            email: account.email.clone(),
            active: !m.disabled,
            external_id: m.external_id.clone(),
            ..UserState::default()
        }
    }

    /// The account name: the display name, else given and family names joined.
    fn name(&self) -> Option<String> {
        self.display.clone().or_else(|| {
            let parts: Vec<&str> = [&self.given, &self.family]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .filter(|p| !p.trim().is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
    }
}

/// A string attribute, or 400 `invalidValue`.
pub(super) fn text(value: &Value, attr: &str) -> Result<Option<String>, ScimError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(ScimError::bad(
            ScimType::InvalidValue,
            format!("`{attr}` is a string"),
        )),
    }
}

/// A boolean, also as the strings `"True"`/`"False"` some directories send.
pub(super) fn boolean(value: &Value, attr: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::bad(
            ScimType::InvalidValue,
            format!("`{attr}` is a boolean"),
        )),
    }
}

/// The address of an `emails` value: the `primary: true` entry, else the `type: "work"`
/// one, else the first.
pub(super) fn pick_email(value: &Value) -> Result<Option<String>, ScimError> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::Null => return Ok(None),
        other => vec![other.clone()],
    };
    let is = |i: &&Value, key: &str, want: &Value| {
        member(i, key).is_some_and(|v| {
            v == want
                || v.as_str()
                    .zip(want.as_str())
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
        })
    };
    let chosen = items
        .iter()
        .find(|i| is(i, "primary", &json!(true)) || is(i, "primary", &json!("true")))
        .or_else(|| items.iter().find(|i| is(i, "type", &json!("work"))))
        .or_else(|| items.first());
    match chosen.and_then(|c| member(c, "value")) {
        Some(v) => text(v, "emails.value"),
        None => Ok(None),
    }
}

/// A POST or PUT body read into the state it asks for; what latchkey does not store is
/// ignored (RFC 7644 §3.3). `active` defaults to `keep`.
fn from_body(body: &Value, keep_active: bool) -> Result<UserState, ScimError> {
    if !body.is_object() {
        return Err(ScimError::bad(
            ScimType::InvalidSyntax,
            "a User is a JSON object",
        ));
    }
    let get = |k: &str| member(body, k).unwrap_or(&Value::Null);
    let user_name = text(get("userName"), "userName")?
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ScimError::bad(ScimType::InvalidValue, "`userName` is required"))?;
    let name = get("name");
    let sub = |k: &str| member(name, k).map_or(Ok(None), |v| text(v, k));
    Ok(UserState {
        user_name,
        display: text(get("displayName"), "displayName")?.or(sub("formatted")?),
        given: sub("givenName")?,
        family: sub("familyName")?,
        email: pick_email(get("emails"))?,
        password: text(get("password"), "password")?,
        active: match get("active") {
            Value::Null => keep_active,
            v => boolean(v, "active")?,
        },
        external_id: text(get("externalId"), "externalId")?,
    })
}

fn render(ctx: &Ctx<'_>, a: &Account, m: &Membership) -> Value {
    let mut user = json!({
        "schemas": [USER],
        "id": a.id,
        "userName": a.username,
        "active": !m.disabled,
        "meta": {
            "resourceType": "User",
            "created": rfc3339(m.created_at),
            "lastModified": rfc3339(m.modified_at.max(m.created_at)),
            "location": format!("{}/Users/{}", ctx.base, a.id),
        }
    });
    if let Some(ext) = &m.external_id {
        user["externalId"] = json!(ext);
    }
    let mut name = serde_json::Map::new();
    if let Some(n) = &a.name {
        user["displayName"] = json!(n);
        name.insert("formatted".into(), json!(n));
    }
    if let Some(g) = &a.name_parts.given {
        name.insert("givenName".into(), json!(g));
    }
    if let Some(f) = &a.name_parts.family {
        name.insert("familyName".into(), json!(f));
    }
    if !name.is_empty() {
        user["name"] = Value::Object(name);
    }
    if let Some(email) = &a.email {
        user["emails"] = json!([{"value": email, "type": "work", "primary": true}]);
    }
    user
}

/// The account `id` with its membership of this tenant; any other id is 404.
fn find(ctx: &Ctx<'_>, id: &str) -> Result<(Account, Membership), ScimError> {
    let missing = || {
        ScimError::NotFound(format!(
            "no User `{}`",
            id.chars().take(64).collect::<String>()
        ))
    };
    let m = ctx
        .store()
        .membership(ctx.tenant.uid, id)?
        .ok_or_else(missing)?;
    let a = ctx.store().account(id)?.ok_or_else(missing)?;
    Ok((a, m))
}

/// Every User of this tenant, rendered.
pub(super) fn all(ctx: &Ctx<'_>) -> Result<Vec<Value>, ScimError> {
    let mut all = Vec::new();
    for m in ctx.store().memberships(ctx.tenant.uid, None, usize::MAX)? {
        if let Some(a) = ctx.store().account(&m.account_id)? {
            all.push(render(ctx, &a, &m));
        }
    }
    Ok(all)
}

/// `GET /Users`.
pub(super) fn list(ctx: &Ctx<'_>, q: &Query) -> Result<Answer, ScimError> {
    Ok(Answer::Ok(q.answer(all(ctx)?, &["userName"])))
}

/// `GET /Users/{id}`.
pub(super) fn get(ctx: &Ctx<'_>, id: &str, q: &Query) -> Result<Answer, ScimError> {
    let (a, m) = find(ctx, id)?;
    Ok(Answer::Ok(q.project(render(ctx, &a, &m), &["userName"])))
}

/// `POST /Users`: a new account and its membership; an existing `userName` is 409
/// `uniqueness`, whether or not that account is a member here.
pub(super) async fn create(ctx: &Ctx<'_>, body: &Value) -> Result<Answer, ScimError> {
    let s = from_body(body, true)?;
    let new = NewAccount {
        username: s.user_name.clone(),
        email: s.email.clone(),
        name: s.name(),
        password: s.password.clone(),
        admin: None,
        role: None,
        email_verified: None,
        must_change_password: None,
    };
    let f = members::fields(&[], s.external_id.as_deref(), Some(s.active))?;
    // Checked before anything is written, so a bad one creates nothing.
    validate::optional_text("name.givenName", s.given.as_deref(), 200)?;
    validate::optional_text("name.familyName", s.family.as_deref(), 200)?;
    let id = members::provision_with(&ctx.admin, ctx.tenant.id.as_str(), &new, &f).await?;
    if s.given.is_some() || s.family.is_some() {
        accounts::set_name_parts(&ctx.admin, &id, s.given.as_deref(), s.family.as_deref())?;
    }
    let (a, m) = find(ctx, &id)?;
    Ok(Answer::Created(render(ctx, &a, &m)))
}

/// `PUT /Users/{id}`: replaces what latchkey stores; an omitted `password` or `active`
/// keeps its value.
pub(super) async fn replace(ctx: &Ctx<'_>, id: &str, body: &Value) -> Result<Answer, ScimError> {
    let (a, m) = find(ctx, id)?;
    let wanted = from_body(body, !m.disabled)?;
    write(ctx, &a, &m, wanted).await
}

/// `PATCH /Users/{id}` (RFC 7644 §3.5.2).
pub(super) async fn patch(ctx: &Ctx<'_>, id: &str, body: &Value) -> Result<Answer, ScimError> {
    let (a, m) = find(ctx, id)?;
    let mut state = UserState::of(&a, &m);
    let before = state.clone();
    for op in patch::operations(body)? {
        patch::apply_user(&mut state, &before, &a.id, op)?;
    }
    write(ctx, &a, &m, state).await
}

/// Writes the difference between what is stored and `wanted`: the account's own
/// attributes only within the token's reach (else 403, nothing changed), then the
/// membership's.
async fn write(
    ctx: &Ctx<'_>,
    a: &Account,
    m: &Membership,
    wanted: UserState,
) -> Result<Answer, ScimError> {
    let name = wanted.name();
    let changed = |new: &Option<String>, old: &Option<String>| (new != old).then(|| new.clone());
    let account = AccountPatch {
        username: (wanted.user_name != a.username).then(|| wanted.user_name.clone()),
        email: changed(&wanted.email, &a.email),
        name: changed(&name, &a.name),
        password: wanted.password.clone().map(Some),
        ..AccountPatch::default()
    };
    let parts_changed = wanted.given != a.name_parts.given || wanted.family != a.name_parts.family;
    let fields_changed = account.username.is_some()
        || account.email.is_some()
        || account.name.is_some()
        || account.password.is_some();
    let touches_account = fields_changed || parts_changed;
    if touches_account && !reach::within(Reach::Tenants(&[ctx.tenant.uid]), a) {
        return Err(ScimError::Forbidden(
            "this account is outside this tenant: only active, externalId and groups can change"
                .into(),
        ));
    }
    // Every value is checked before the first write, so a refusal changes nothing.
    validate::optional_text("name.givenName", wanted.given.as_deref(), 200)?;
    validate::optional_text("name.familyName", wanted.family.as_deref(), 200)?;
    members::fields(
        &m.scopes,
        wanted.external_id.as_deref(),
        Some(wanted.active),
    )?;
    let ext_changed = wanted.external_id != m.external_id;
    if ext_changed
        && let Some(ext) = &wanted.external_id
        && ctx
            .store()
            .account_by_external_id(ctx.tenant.uid, ext)?
            .is_some_and(|o| o != a.id)
    {
        return Err(ScimError::bad(
            ScimType::Uniqueness,
            format!("externalId `{ext}` belongs to another User"),
        ));
    }
    if fields_changed {
        accounts::patch(&ctx.admin, &a.id, &account).await?;
    }
    if parts_changed {
        let (given, family) = (wanted.given.as_deref(), wanted.family.as_deref());
        accounts::set_name_parts(&ctx.admin, &a.id, given, family)?;
    }
    if ext_changed || wanted.active == m.disabled {
        let ext = ext_changed.then_some(wanted.external_id.as_deref());
        members::update(
            &ctx.admin,
            ctx.tenant.id.as_str(),
            &a.id,
            ext,
            Some(wanted.active),
        )?;
    }
    let (a, m) = find(ctx, &a.id)?;
    Ok(Answer::Ok(render(ctx, &a, &m)))
}

/// `DELETE /Users/{id}`: this tenant's membership, and the account too when it has no
/// other membership and no admin role.
pub(super) fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Answer, ScimError> {
    let (a, _) = find(ctx, id)?;
    members::delete(&ctx.admin, ctx.tenant.id.as_str(), &a.id)?;
    let alone = ctx
        .store()
        .account(&a.id)?
        .is_some_and(|a| reach::within(Reach::Tenants(&[]), &a));
    if alone {
        accounts::delete(&ctx.admin, &a.id)?;
    }
    Ok(Answer::NoContent)
}
