//! SCIM 2.0 server (RFC 7643, RFC 7644) for one tenant, reached with that tenant's SCIM
//! token: discovery resources, and the routing of the calls below `/scim/v2`.

pub mod error;
pub mod filter;
mod groups;
mod patch;
mod resource;
pub mod schema;
mod users;

pub use error::{ScimError, ScimType};

use crate::admin;
use crate::store::Store;
use crate::store::tenants::Tenant;
use serde_json::{Value, json};

/// What a SCIM call may touch: the management operations (acting as the token), the
/// tenant the token provisions, and the base of every `location`.
pub struct Ctx<'a> {
    /// Management operations, with the SCIM token as the audit actor and `now`.
    pub admin: admin::Ctx<'a>,
    /// The tenant the token provisions.
    pub tenant: Tenant,
    /// `{public_url}/t/{t}/scim/v2`.
    pub base: String,
}

impl Ctx<'_> {
    /// The store.
    pub fn store(&self) -> &Store {
        self.admin.store
    }
}

/// A successful answer, before it is rendered as `application/scim+json`.
#[derive(Debug)]
pub enum Answer {
    /// 200 with a body.
    Ok(Value),
    /// 201 with the resource; `Location` is its `meta.location`.
    Created(Value),
    /// 204.
    NoContent,
}

/// A list response (RFC 7644 §3.4.2) of one page.
pub fn list_response(resources: Vec<Value>, total: usize, start_index: usize) -> Value {
    json!({
        "schemas": [schema::LIST],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// Answers one SCIM call: `rest` is the path below `/scim/v2`, `query` its parameters,
/// `body` the parsed JSON body, if any.
pub async fn handle(
    ctx: &Ctx<'_>,
    method: &str,
    rest: &[&str],
    query: &[(String, String)],
    body: Option<Value>,
) -> Result<Answer, ScimError> {
    let base = ctx.base.as_str();
    let body = || {
        body.clone()
            .ok_or_else(|| ScimError::bad(ScimType::InvalidSyntax, "a body is required"))
    };
    match (method, rest) {
        ("GET", ["Users"]) => scan(|| users::list(ctx, &resource::Query::parse(query)?)),
        ("GET", ["Users", id]) => users::get(ctx, id, &resource::Query::parse(query)?),
        ("POST", ["Users"]) => users::create(ctx, &body()?).await,
        ("PUT", ["Users", id]) => users::replace(ctx, id, &body()?).await,
        ("PATCH", ["Users", id]) => users::patch(ctx, id, &body()?).await,
        ("DELETE", ["Users", id]) => users::delete(ctx, id),
        ("GET", ["Groups"]) => scan(|| groups::list(ctx, &resource::Query::parse(query)?)),
        ("GET", ["Groups", id]) => scan(|| groups::get(ctx, id, &resource::Query::parse(query)?)),
        ("POST", ["Groups"]) => scan(|| groups::create(ctx, &body()?)),
        ("PUT", ["Groups", id]) => scan(|| groups::replace(ctx, id, &body()?)),
        ("PATCH", ["Groups", id]) => scan(|| groups::patch(ctx, id, &body()?)),
        ("DELETE", ["Groups", id]) => scan(|| groups::delete(ctx, id)),
        ("GET", ["ServiceProviderConfig"]) => Ok(Answer::Ok(schema::service_provider_config(base))),
        ("GET", ["ResourceTypes"]) => {
            let all = schema::resource_types(base);
            Ok(Answer::Ok(list_response(all, 2, 1)))
        }
        ("GET", ["ResourceTypes", name]) => find(schema::resource_types(base), name),
        ("GET", ["Schemas"]) => Ok(Answer::Ok(list_response(schema::schemas(base), 2, 1))),
        ("GET", ["Schemas", id]) => find(schema::schemas(base), id),
        (_, ["ServiceProviderConfig" | "ResourceTypes" | "Schemas", ..]) => {
            Err(ScimError::MethodNotAllowed)
        }
        ("POST", [".search"]) => scan(|| {
            let q = resource::Query::from_body(&body()?)?;
            let mut all = users::all(ctx)?;
            all.extend(groups::all(ctx)?);
            Ok(Answer::Ok(q.answer(all, &["userName", "displayName"])))
        }),
        ("POST", ["Users", ".search"]) => {
            scan(|| users::list(ctx, &resource::Query::from_body(&body()?)?))
        }
        ("POST", ["Groups", ".search"]) => {
            scan(|| groups::list(ctx, &resource::Query::from_body(&body()?)?))
        }
        _ => Err(ScimError::NotFound("no such SCIM endpoint".into())),
    }
}

/// Runs a call that scans the tenant's memberships (lists, groups): the runtime moves
/// other work off this worker meanwhile.
fn scan<T>(call: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(call)
}

/// The discovery resource whose `id` is `id`.
fn find(all: Vec<Value>, id: &str) -> Result<Answer, ScimError> {
    all.into_iter()
        .find(|r| r["id"] == id)
        .map(Answer::Ok)
        .ok_or_else(|| ScimError::NotFound(format!("no resource `{id}`")))
}
