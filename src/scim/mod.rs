//! SCIM 2.0 server (RFC 7643, RFC 7644) for one tenant, reached with that tenant's SCIM
//! token: discovery resources, and the routing of the calls below `/scim/v2`.

pub mod error;
pub mod filter;
pub mod schema;

pub use error::{ScimError, ScimType};

use crate::clock::UnixTime;
use crate::store::Store;
use crate::store::scim::ScimToken;
use crate::store::tenants::Tenant;
use serde_json::{Value, json};

/// What a SCIM call may touch: the store, the tenant its token provisions, and `now`.
pub struct Ctx<'a> {
    /// The store.
    pub store: &'a Store,
    /// The tenant the token provisions.
    pub tenant: Tenant,
    /// The token, the audit actor of every write.
    pub token: ScimToken,
    /// `{public_url}/t/{t}/scim/v2`: the base of every `location`.
    pub base: String,
    /// The request's time.
    pub now: UnixTime,
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
pub fn handle(
    ctx: &Ctx<'_>,
    method: &str,
    rest: &[&str],
    _query: &[(String, String)],
    _body: Option<Value>,
) -> Result<Answer, ScimError> {
    let base = ctx.base.as_str();
    match (method, rest) {
        ("GET", ["ServiceProviderConfig"]) => Ok(Answer::Ok(schema::service_provider_config(base))),
        ("GET", ["ResourceTypes"]) => {
            let all = schema::resource_types(base);
            Ok(Answer::Ok(list_response(all, 2, 1)))
        }
        ("GET", ["ResourceTypes", name]) => find(schema::resource_types(base), name),
        ("GET", ["Schemas"]) => Ok(Answer::Ok(list_response(schema::schemas(base), 2, 1))),
        ("GET", ["Schemas", id]) => find(schema::schemas(base), id),
        _ => Err(ScimError::NotFound("no such SCIM endpoint".into())),
    }
}

/// The discovery resource whose `id` is `id`.
fn find(all: Vec<Value>, id: &str) -> Result<Answer, ScimError> {
    all.into_iter()
        .find(|r| r["id"] == id)
        .map(Answer::Ok)
        .ok_or_else(|| ScimError::NotFound(format!("no resource `{id}`")))
}
