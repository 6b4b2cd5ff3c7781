//! `/Groups` with the requests Entra ID sends (create empty, find by name, add and
//! remove members, rename, delete), and what a group means: the scope in the member's
//! access token; and SCIM's `active: false` refusing the exchange in its tenant.

use crate::exchange::{self, FOREIGN};
use crate::support::api::Api;
use base64::Engine;
use serde_json::{Value, json};

/// The claims of a JWT, read without verifying (the exchange tests verify its tokens).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn scim_for(f: &exchange::Fixture) -> Api {
    let made = f.api.call(
        "POST",
        "/v2/admin/tenants/partner/scim-tokens",
        Some(&json!({"label": "Entra ID"})),
    );
    assert_eq!(made.status, 201);
    Api::with_token(&f.server, made.body["token"].as_str().unwrap())
}

#[test]
fn entra_id_groups_become_scopes_in_the_access_token() {
    let f = exchange::start();
    let scim = scim_for(&f);
    let created = scim.call("POST", "/t/partner/scim/v2/Groups", Some(&json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "billing",
        "meta": {
            "resourceType": "Group"
        }
    })));
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["members"], json!([]));
    assert_eq!(
        created.location.as_deref(),
        created.body["meta"]["location"].as_str()
    );
    let token = f.exchange(FOREIGN);
    assert_eq!(
        claims(token.body["accessToken"].as_str().unwrap())["scope"],
        "openid profile email orders"
    );

    let found = scim.call(
        "GET",
        "/t/partner/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22billing%22",
        None,
    );
    assert_eq!(found.body["totalResults"], 1, "{}", found.body);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    assert!(found.body["Resources"][0].get("members").is_none());

    let path = format!("/t/partner/scim/v2/Groups/{id}");
    let added = scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Add",
                "path": "members",
                "value": [{
                    "$ref": null,
                    "value": f.account
                }]
            }]
        })),
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["members"][0]["value"], f.account.as_str());
    let token = f.exchange(FOREIGN);
    assert_eq!(
        claims(token.body["accessToken"].as_str().unwrap())["scope"],
        "openid profile email orders billing"
    );

    let renamed = scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "displayName", "value": "invoices"}]
        })),
    );
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let members = f.api.call("GET", "/v2/admin/tenants/partner/members", None);
    assert_eq!(
        members.body["items"][0]["scopes"],
        json!(["orders", "invoices"])
    );

    let stranger = f.api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "stranger"})),
    );
    let not_member = scim.call("PATCH", &path, Some(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": stranger.body["id"]}]}]
    })));
    assert_eq!(not_member.status, 400, "{}", not_member.body);
    assert_eq!(not_member.body["scimType"], "invalidValue");
    let bad_name = scim.call(
        "POST",
        "/t/partner/scim/v2/Groups",
        Some(&json!({"displayName": "two words"})),
    );
    assert_eq!(
        (bad_name.status, bad_name.body["scimType"].clone()),
        (400, json!("invalidValue"))
    );
    let clash = scim.call(
        "POST",
        "/t/partner/scim/v2/Groups",
        Some(&json!({"displayName": "invoices"})),
    );
    assert_eq!(
        (clash.status, clash.body["scimType"].clone()),
        (409, json!("uniqueness"))
    );

    let removed = scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Remove",
                "path": "members",
                "value": [{
                    "$ref": null,
                    "value": f.account
                }]
            }]
        })),
    );
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(removed.body["members"], json!([]));
    let token = f.exchange(FOREIGN);
    assert_eq!(
        claims(token.body["accessToken"].as_str().unwrap())["scope"],
        "openid profile email orders"
    );

    let put = scim.call(
        "PUT",
        &path,
        Some(&json!({"displayName": "billing", "members": [{"value": f.account}]})),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(scim.call("DELETE", &path, None).status, 204);
    let members = f.api.call("GET", "/v2/admin/tenants/partner/members", None);
    assert_eq!(
        members.body["items"][0]["scopes"],
        json!(["orders"]),
        "deleting the group removes its scope"
    );
    assert_eq!(scim.call("GET", &path, None).status, 404);
    let audit = f
        .api
        .call("GET", "/v2/admin/audit?kind=scim_group.deleted", None);
    assert_eq!(audit.body["items"][0]["target"], id.as_str());
}

#[test]
fn scim_active_false_refuses_the_exchange_in_its_tenant_only() {
    let f = exchange::start();
    let scim = scim_for(&f);
    assert_eq!(
        f.api
            .call(
                "POST",
                "/v2/admin/tenants",
                Some(&json!({"id": "other", "display_name": "Other"}))
            )
            .status,
        201
    );
    assert_eq!(
        f.api
            .call(
                "PUT",
                &format!("/v2/admin/tenants/other/members/{}", f.account),
                Some(&json!({"scopes": []}))
            )
            .status,
        200
    );
    let path = format!("/t/partner/scim/v2/Users/{}", f.account);
    let off = scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": "False"}}]
        })),
    );
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.body["active"], false);
    let refused = f.exchange(FOREIGN);
    assert_eq!(refused.status, 403, "{}", refused.body);
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.account), None)
        .body;
    let other = account["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["tenant"] == "other")
        .unwrap()
        .clone();
    assert_eq!(
        other["active"], true,
        "the other tenant's membership is untouched"
    );
    assert_eq!(account["disabled"], false);
    let on = scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": true}]
        })),
    );
    assert_eq!(on.body["active"], true);
    assert_eq!(f.exchange(FOREIGN).status, 200);
}

#[test]
fn a_group_patch_naming_over_1000_members_is_too_many_and_changes_nothing() {
    let f = exchange::start();
    let scim = scim_for(&f);
    let group = |members: Value| {
        scim.call(
            "POST",
            "/t/partner/scim/v2/Groups",
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                         "displayName": "billing", "members": members}),
            ),
        )
    };
    let created = group(json!([{"value": f.account}]));
    assert_eq!(created.status, 201, "{}", created.body);
    let path = format!(
        "/t/partner/scim/v2/Groups/{}",
        created.body["id"].as_str().unwrap()
    );
    let patch = |ops: Value| {
        scim.call(
            "PATCH",
            &path,
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                         "Operations": ops}),
            ),
        )
    };
    let many = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"value": format!("not-a-member-{i}")}))
            .collect()
    };
    let over = patch(json!([
        {"op": "add", "path": "members", "value": many(600)},
        {"op": "remove", "path": "members", "value": many(401)},
    ]));
    assert_eq!(over.status, 400, "{}", over.body);
    assert_eq!(over.body["scimType"], "tooMany", "{}", over.body);
    assert!(
        over.body["detail"].as_str().unwrap().contains("1000"),
        "{}",
        over.body
    );
    let now = scim.call("GET", &path, None);
    assert_eq!(
        now.body["members"].as_array().unwrap().len(),
        1,
        "{}",
        now.body
    );
    let at_cap = patch(json!([{"op": "remove", "path": "members", "value": many(1000)}]));
    assert_eq!(at_cap.status, 200, "{}", at_cap.body);
    assert_eq!(at_cap.body["members"].as_array().unwrap().len(), 1);
}
