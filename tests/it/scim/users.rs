//! `/Users` driven with the requests Microsoft Entra ID's provisioning service sends
//! (its SCIM documentation lists them), written out literally, plus reach, paging and
//! attribute selection.

use super::scim_start;
use serde_json::{Value, json};

const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

fn entra_create() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "emails": [{
            "primary": true,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
        }],
        "meta": {
            "resourceType": "User"
        },
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName"
        },
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Sales", "manager": {"value": "x"}
        }
    })
}

#[test]
fn entra_id_creates_finds_updates_disables_and_deletes_a_user() {
    let s = scim_start();
    let created = s
        .scim
        .call("POST", "/t/acme/scim/v2/Users", Some(&entra_create()));
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.content_type, "application/scim+json");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let location = format!("{}/t/acme/scim/v2/Users/{id}", s.server.base);
    assert_eq!(created.location.as_deref(), Some(location.as_str()));
    let b = &created.body;
    assert_eq!(
        b["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
    assert_eq!(
        b["userName"],
        "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
    );
    assert_eq!(b["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    assert_eq!(b["active"], true);
    assert_eq!(b["displayName"], "givenName familyName");
    assert_eq!(
        b["emails"],
        json!([{"value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com",
                "type": "work", "primary": true}])
    );
    assert_eq!(b["meta"]["resourceType"], "User");
    assert_eq!(b["meta"]["location"], location.as_str());
    assert!(b["meta"]["created"].as_str().unwrap().ends_with('Z'));
    assert!(b.get("password").is_none() && b.get("roles").is_none());

    let found = s.scim.call(
        "GET",
        "/t/acme/scim/v2/Users?filter=userName+eq+%22test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1%22",
        None,
    );
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["startIndex"], 1);
    assert_eq!(found.body["itemsPerPage"], 1);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    let none = s.scim.call(
        "GET",
        "/t/acme/scim/v2/Users?filter=userName+eq+%22nobody%22",
        None,
    );
    assert_eq!(none.body["totalResults"], 0);
    assert_eq!(none.body["Resources"], json!([]));

    let again = s
        .scim
        .call("POST", "/t/acme/scim/v2/Users", Some(&entra_create()));
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.body["schemas"], json!([ERROR]));
    assert_eq!(again.body["status"], "409");
    assert_eq!(again.body["scimType"], "uniqueness");

    let path = format!("/t/acme/scim/v2/Users/{id}");
    let emails = s.scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                    {
                    "op": "Replace",
                    "path": "emails[type eq \"work\"].value",
                    "value": "updatedEmail@microsoft.com"
                    },
                    {
                    "op": "Replace",
                    "path": "name.familyName",
                    "value": "updatedFamilyName"
                    }
            ]
        })),
    );
    assert_eq!(emails.status, 200, "{}", emails.body);
    assert_eq!(
        emails.body["emails"][0]["value"],
        "updatedEmail@microsoft.com"
    );

    let disabled = s.scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
        })),
    );
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    assert_eq!(disabled.body["active"], false);
    let members = s.api.call("GET", "/v2/admin/tenants/acme/members", None);
    assert_eq!(members.body["items"][0]["active"], false);

    let no_path = s.scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "value": {
                "nickName": "Babs", "displayName": "Barbara Jensen", "active": true,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Tour",
                "id": id
            }}]
        })),
    );
    assert_eq!(no_path.status, 200, "{}", no_path.body);
    assert_eq!(no_path.body["displayName"], "Barbara Jensen");
    assert_eq!(no_path.body["active"], true);
    assert!(no_path.body.get("nickName").is_none());

    let audit = s
        .api
        .call("GET", "/v2/admin/audit?kind=membership.set", None);
    assert!(
        audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == json!({"type": "scim_token", "id": s.token_id}))
    );

    assert_eq!(s.scim.call("DELETE", &path, None).status, 204);
    let gone = s.scim.call("GET", &path, None);
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["status"], "404");
    assert_eq!(
        s.api
            .call("GET", &format!("/v2/admin/accounts/{id}"), None)
            .status,
        404,
        "no other membership: the account goes too"
    );
    assert_eq!(s.scim.call("DELETE", &path, None).status, 404);
}

#[test]
fn an_account_outside_the_tenant_keeps_its_own_attributes_but_its_membership_follows_scim() {
    let s = scim_start();
    assert_eq!(
        s.api
            .call(
                "POST",
                "/v2/admin/tenants",
                Some(&json!({"id": "beta", "display_name": "Beta"}))
            )
            .status,
        201
    );
    let shared = s.api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(&json!({"username": "shared", "name": "Shared User", "scopes": []})),
    );
    let id = shared.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        s.api
            .call(
                "PUT",
                &format!("/v2/admin/tenants/beta/members/{id}"),
                Some(&json!({"scopes": []}))
            )
            .status,
        200
    );
    let path = format!("/t/acme/scim/v2/Users/{id}");
    let renamed = s.scim.call(
        "PATCH",
        &path,
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "displayName", "value": "Hijacked"}]
        })),
    );
    assert_eq!(renamed.status, 403, "{}", renamed.body);
    assert_eq!(renamed.body["status"], "403");
    assert!(renamed.body.get("scimType").is_none());
    let put = s.scim.call(
        "PUT",
        &path,
        Some(&json!({"userName": "hijacked", "active": false})),
    );
    assert_eq!(put.status, 403, "{}", put.body);
    let account = s
        .api
        .call("GET", &format!("/v2/admin/accounts/{id}"), None)
        .body;
    assert_eq!(
        (account["username"].as_str(), account["name"].as_str()),
        (Some("shared"), Some("Shared User"))
    );
    assert!(
        account["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["active"] == true),
        "the 403 changed nothing"
    );

    let same = s.scim.call(
        "PUT",
        &path,
        Some(&json!({"userName": "shared", "displayName": "Shared User",
                                                          "active": false, "externalId": "e-1"})),
    );
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(
        (same.body["active"].clone(), same.body["externalId"].clone()),
        (json!(false), json!("e-1"))
    );
    assert_eq!(s.scim.call("DELETE", &path, None).status, 204);
    assert_eq!(
        s.api
            .call("GET", &format!("/v2/admin/accounts/{id}"), None)
            .status,
        200,
        "a member elsewhere stays"
    );
}

#[test]
fn lists_page_from_one_and_select_attributes() {
    let s = scim_start();
    for name in ["ann", "bob", "cid"] {
        let r = s.scim.call(
            "POST",
            "/t/acme/scim/v2/Users",
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
                         "emails": [{"value": format!("{name}@example.com"), "type": "home"}]}),
            ),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let page = s
        .scim
        .call(
            "GET",
            "/t/acme/scim/v2/Users?startIndex=2&count=1&attributes=userName",
            None,
        )
        .body;
    assert_eq!(
        (
            page["totalResults"].clone(),
            page["startIndex"].clone(),
            page["itemsPerPage"].clone()
        ),
        (json!(3), json!(2), json!(1))
    );
    let mut keys: Vec<&String> = page["Resources"][0].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["id", "schemas", "userName"]);
    let slim = s
        .scim
        .call(
            "GET",
            "/t/acme/scim/v2/Users?excludedAttributes=emails,meta&filter=emails.value+co+%22BOB%22",
            None,
        )
        .body;
    assert_eq!(slim["totalResults"], 1);
    assert!(
        slim["Resources"][0].get("emails").is_none() && slim["Resources"][0].get("meta").is_none()
    );
    let or = s.scim.call("GET", "/t/acme/scim/v2/Users?filter=userName+eq+%22ann%22+or+not+(userName+sw+%22a%22)&count=0", None).body;
    assert_eq!(
        (or["totalResults"].clone(), or["Resources"].clone()),
        (json!(3), json!([]))
    );
}
