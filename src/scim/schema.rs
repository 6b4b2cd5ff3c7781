//! What the SCIM server says about itself (RFC 7643 §5–§7, RFC 7644 §4):
//! `ServiceProviderConfig`, `ResourceTypes` and `Schemas`, stating exactly the
//! attributes and features latchkey supports.

use serde_json::{Value, json};

/// The core User schema URN.
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The list response message URN.
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The PATCH message URN.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The error message URN.
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The largest page a list answers (SPEC: `filter.maxResults`).
pub const MAX_RESULTS: usize = 200;

const SPC: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `GET /ServiceProviderConfig`, with the values SPEC fixes.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": true},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "SCIM token",
            "primary": true
        }],
        "meta": {"resourceType": "ServiceProviderConfig",
                 "location": format!("{base}/ServiceProviderConfig")}
    })
}

/// The two resource types, as `GET /ResourceTypes` lists them.
pub fn resource_types(base: &str) -> Vec<Value> {
    let one = |name: &str, endpoint: &str, schema: &str, description: &str| {
        json!({
            "schemas": [RESOURCE_TYPE],
            "id": name,
            "name": name,
            "endpoint": endpoint,
            "description": description,
            "schema": schema,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType",
                     "location": format!("{base}/ResourceTypes/{name}")}
        })
    };
    vec![
        one("User", "/Users", USER, "A member of this tenant"),
        one(
            "Group",
            "/Groups",
            GROUP,
            "A scope members of this tenant may be granted",
        ),
    ]
}

/// One attribute definition (RFC 7643 §7). `flags` is `[required, caseExact]`.
fn attr(name: &str, kind: &str, mutability: &str, returned: &str, flags: [bool; 2]) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "description": name,
        "required": flags[0], "caseExact": flags[1], "mutability": mutability,
        "returned": returned, "uniqueness": "none"
    })
}

fn user_schema() -> Value {
    let mut user_name = attr("userName", "string", "readWrite", "always", [true, false]);
    user_name["uniqueness"] = json!("server");
    let mut name = attr("name", "complex", "readWrite", "default", [false, false]);
    name["subAttributes"] = json!([
        attr(
            "formatted",
            "string",
            "readWrite",
            "default",
            [false, false]
        ),
        attr(
            "familyName",
            "string",
            "readWrite",
            "default",
            [false, false]
        ),
        attr(
            "givenName",
            "string",
            "readWrite",
            "default",
            [false, false]
        ),
    ]);
    let mut emails = attr("emails", "complex", "readWrite", "default", [false, false]);
    emails["multiValued"] = json!(true);
    let mut email_type = attr("type", "string", "readWrite", "default", [false, false]);
    email_type["canonicalValues"] = json!(["work"]);
    emails["subAttributes"] = json!([
        attr("value", "string", "readWrite", "default", [false, false]),
        email_type,
        attr("primary", "boolean", "readWrite", "default", [false, false]),
    ]);
    json!({
        "id": USER, "name": "User", "description": "An account and its membership of this tenant",
        "attributes": [
            user_name,
            name,
            attr("displayName", "string", "readWrite", "default", [false, false]),
            emails,
            attr("active", "boolean", "readWrite", "default", [false, false]),
            attr("password", "string", "writeOnly", "never", [false, true]),
            attr("externalId", "string", "readWrite", "default", [false, true]),
        ]
    })
}

fn group_schema() -> Value {
    let mut display_name = attr("displayName", "string", "readWrite", "always", [true, true]);
    display_name["uniqueness"] = json!("server");
    let mut members = attr("members", "complex", "readWrite", "default", [false, false]);
    members["multiValued"] = json!(true);
    let mut reference = attr("$ref", "reference", "immutable", "default", [false, true]);
    reference["referenceTypes"] = json!(["User"]);
    members["subAttributes"] = json!([
        attr("value", "string", "immutable", "default", [false, true]),
        reference,
        attr("display", "string", "readOnly", "default", [false, false]),
    ]);
    json!({
        "id": GROUP, "name": "Group", "description": "A scope of this tenant",
        "attributes": [display_name, members]
    })
}

/// The schemas, as `GET /Schemas` lists them.
pub fn schemas(base: &str) -> Vec<Value> {
    [user_schema(), group_schema()]
        .into_iter()
        .map(|mut s| {
            let id = s["id"].as_str().unwrap_or_default().to_owned();
            s["schemas"] = json!([SCHEMA]);
            s["meta"] =
                json!({"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")});
            s
        })
        .collect()
}
