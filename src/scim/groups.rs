//! `/Groups` (RFC 7644 §3): a group is a scope of this tenant under a stable id; its
//! members are the members whose membership lists that scope.

use super::filter::{self, member};
use super::patch::{self, Verb};
use super::resource::Query;
use super::schema::GROUP;
use super::users::text;
use super::{Answer, Ctx, ScimError, ScimType};
use crate::admin::scim_groups::{self, MemberChange};
use crate::clock::rfc3339;
use crate::store::scim::ScimGroup;
use serde_json::{Value, json};

/// The most members one PATCH may add and remove in all: a directory sends changes in
/// batches far smaller, and each change is a membership written in one transaction.
pub(super) const MAX_MEMBER_CHANGES: usize = 1000;

/// The group with `holders` (account ids) as its members.
fn render(ctx: &Ctx<'_>, g: &ScimGroup, holders: &[String]) -> Value {
    let members: Vec<Value> = holders
        .iter()
        .map(|id| json!({"value": id, "$ref": format!("{}/Users/{id}", ctx.base)}))
        .collect();
    let mut group = json!({
        "schemas": [GROUP],
        "id": g.id,
        "displayName": g.scope,
        "members": members,
        "meta": {
            "resourceType": "Group",
            "created": rfc3339(g.created_at),
            "lastModified": rfc3339(g.modified_at),
            "location": format!("{}/Groups/{}", ctx.base, g.id),
        }
    });
    if let Some(ext) = &g.external_id {
        group["externalId"] = json!(ext);
    }
    group
}

/// The group rendered with its members as they are now (one scan of the memberships).
fn render_now(ctx: &Ctx<'_>, g: &ScimGroup) -> Result<Value, ScimError> {
    let holders: Vec<String> = scim_groups::holders(ctx.store(), ctx.tenant.uid, &g.scope)?
        .into_iter()
        .map(|m| m.account_id)
        .collect();
    Ok(render(ctx, g, &holders))
}

fn find(ctx: &Ctx<'_>, id: &str) -> Result<ScimGroup, ScimError> {
    ctx.store().scim_group(ctx.tenant.uid, id)?.ok_or_else(|| {
        ScimError::NotFound(format!(
            "no Group `{}`",
            id.chars().take(64).collect::<String>()
        ))
    })
}

/// The account ids of a `members` value: `[{"value": id}, ...]` (one object also goes).
fn ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    };
    items
        .iter()
        .map(|i| match member(i, "value") {
            Some(Value::String(id)) => Ok(id.clone()),
            _ => Err(ScimError::bad(
                ScimType::InvalidValue,
                "a member is {\"value\": \"<User id>\"}",
            )),
        })
        .collect()
}

/// Every Group of this tenant, rendered, with one scan of the memberships for all.
pub(super) fn all(ctx: &Ctx<'_>) -> Result<Vec<Value>, ScimError> {
    let holders = scim_groups::holders_by_scope(ctx.store(), ctx.tenant.uid)?;
    Ok(ctx
        .store()
        .scim_groups(ctx.tenant.uid)?
        .iter()
        .map(|g| render(ctx, g, holders.get(&g.scope).map_or(&[], Vec::as_slice)))
        .collect())
}

/// `GET /Groups`.
pub(super) fn list(ctx: &Ctx<'_>, q: &Query) -> Result<Answer, ScimError> {
    Ok(Answer::Ok(q.answer(all(ctx)?, &["displayName"])))
}

/// `GET /Groups/{id}`.
pub(super) fn get(ctx: &Ctx<'_>, id: &str, q: &Query) -> Result<Answer, ScimError> {
    Ok(Answer::Ok(q.project(
        render_now(ctx, &find(ctx, id)?)?,
        &["displayName"],
    )))
}

fn display_name(body: &Value) -> Result<String, ScimError> {
    text(
        member(body, "displayName").unwrap_or(&Value::Null),
        "displayName",
    )?
    .ok_or_else(|| ScimError::bad(ScimType::InvalidValue, "`displayName` is required"))
}

/// `POST /Groups`.
pub(super) fn create(ctx: &Ctx<'_>, body: &Value) -> Result<Answer, ScimError> {
    let scope = display_name(body)?;
    let members = ids(member(body, "members").unwrap_or(&Value::Null))?;
    let ext = text(
        member(body, "externalId").unwrap_or(&Value::Null),
        "externalId",
    )?;
    let g = scim_groups::create(&ctx.admin, &ctx.tenant, &scope, ext, &members)?;
    Ok(Answer::Created(render_now(ctx, &g)?))
}

/// `PUT /Groups/{id}`: the name and exactly the members given.
pub(super) fn replace(ctx: &Ctx<'_>, id: &str, body: &Value) -> Result<Answer, ScimError> {
    find(ctx, id)?;
    let scope = display_name(body)?;
    let members = ids(member(body, "members").unwrap_or(&Value::Null))?;
    let ext = text(
        member(body, "externalId").unwrap_or(&Value::Null),
        "externalId",
    )?;
    let g = scim_groups::update(
        &ctx.admin,
        &ctx.tenant,
        id,
        Some(&scope),
        Some(ext),
        MemberChange::Set(members),
    )?;
    Ok(Answer::Ok(render_now(ctx, &g)?))
}

/// What a group PATCH changes: the name and external id if set, the members as a whole.
struct Edit {
    name: Option<String>,
    external_id: Option<Option<String>>,
    members: Vec<String>,
    /// Member values the operations named so far, against [`MAX_MEMBER_CHANGES`].
    named: usize,
}

impl Edit {
    /// The account ids of a `members` value, counted against the cap.
    fn named_ids(&mut self, value: &Value) -> Result<Vec<String>, ScimError> {
        let ids = ids(value)?;
        self.named += ids.len();
        if self.named > MAX_MEMBER_CHANGES {
            return Err(ScimError::bad(
                ScimType::TooMany,
                format!(
                    "one PATCH may add or remove at most {MAX_MEMBER_CHANGES} members; \
                     send the rest in another"
                ),
            ));
        }
        Ok(ids)
    }
}

/// `PATCH /Groups/{id}`: renames and member changes as directories send them.
pub(super) fn patch(ctx: &Ctx<'_>, id: &str, body: &Value) -> Result<Answer, ScimError> {
    let g = find(ctx, id)?;
    let mut edit = Edit {
        name: None,
        external_id: None,
        members: scim_groups::holders(ctx.store(), ctx.tenant.uid, &g.scope)?
            .into_iter()
            .map(|m| m.account_id)
            .collect(),
        named: 0,
    };
    for op in patch::operations(body)? {
        let pairs: Vec<(String, Value)> = match (&op.path, &op.value) {
            (Some(p), v) => vec![(p.clone(), v.clone())],
            (None, Value::Object(o)) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            (None, _) => Vec::new(),
        };
        for (path, value) in pairs {
            apply(&mut edit, id, op.verb, &path, value)?;
        }
    }
    let g = scim_groups::update(
        &ctx.admin,
        &ctx.tenant,
        id,
        edit.name.as_deref(),
        edit.external_id,
        MemberChange::Set(edit.members),
    )?;
    Ok(Answer::Ok(render_now(ctx, &g)?))
}

fn apply(edit: &mut Edit, id: &str, verb: Verb, path: &str, value: Value) -> Result<(), ScimError> {
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("urn:") && !lower.starts_with(&format!("{}:", GROUP.to_ascii_lowercase()))
    {
        return Ok(());
    }
    let p = filter::parse_path(path)?;
    let named = match p.attr.as_str() {
        "members" => edit.named_ids(&value)?,
        _ => Vec::new(),
    };
    let working = &mut edit.members;
    match (p.attr.as_str(), verb, &p.filter) {
        ("displayname", Verb::Remove, _) => {
            return Err(ScimError::bad(
                ScimType::InvalidValue,
                "`displayName` is required",
            ));
        }
        ("displayname", _, _) => edit.name = text(&value, "displayName")?,
        ("externalid", Verb::Remove, _) => edit.external_id = Some(None),
        ("externalid", _, _) => edit.external_id = Some(text(&value, "externalId")?),
        ("members", Verb::Add, None) => {
            for m in named {
                if !working.contains(&m) {
                    working.push(m);
                }
            }
        }
        ("members", Verb::Replace, None) => *working = named,
        ("members", Verb::Remove, None) if value.is_null() => working.clear(),
        ("members", Verb::Remove, None) => {
            working.retain(|m| !named.contains(m));
        }
        ("members", verb, Some(f)) => {
            let hit: Vec<String> = working
                .iter()
                .filter(|m| f.matches(&json!({"value": m})))
                .cloned()
                .collect();
            match verb {
                Verb::Remove if hit.is_empty() => {
                    return Err(ScimError::bad(
                        ScimType::NoTarget,
                        "no member matches the filter",
                    ));
                }
                Verb::Remove => working.retain(|m| !hit.contains(m)),
                _ => {
                    for m in named {
                        if !working.contains(&m) {
                            working.push(m);
                        }
                    }
                }
            }
        }
        ("id", _, _) if value.as_str() != Some(id) => {
            return Err(ScimError::bad(ScimType::Mutability, "`id` is read-only"));
        }
        _ => {}
    }
    Ok(())
}

/// `DELETE /Groups/{id}`.
pub(super) fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Answer, ScimError> {
    find(ctx, id)?;
    scim_groups::delete(&ctx.admin, &ctx.tenant, id)?;
    Ok(Answer::NoContent)
}
