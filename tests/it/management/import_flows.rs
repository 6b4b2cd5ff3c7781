//! Accounts made by the bulk import work where accounts are used: a password from the
//! file signs in through the code flow, an external id from the file is what the token
//! exchange finds, and a password the file sets ends the account's sessions.

use crate::exchange::{self, FOREIGN, jwt_claims};
use crate::oidc_code::{self, begin, code_from, redeem, rp_client};
use crate::support::api::{Api, Reply};
use crate::support::browser::Browser;
use crate::support::rp;
use openidconnect::OAuth2TokenResponse;
use serde_json::json;

fn import_csv(api: &Api, tenant: &str, rows: &str) -> Reply {
    let body =
        format!("username,email,name,password,scopes,external_authentication_provider_id\n{rows}");
    api.raw(
        "POST",
        &format!("/v2/admin/tenants/{tenant}/accounts/import"),
        Some("text/csv"),
        body.into_bytes(),
    )
}

fn id_of(api: &Api, username: &str) -> String {
    let found = api.call(
        "GET",
        &format!("/v2/admin/accounts?username={username}"),
        None,
    );
    found.body["items"][0]["id"].as_str().unwrap().to_owned()
}

#[test]
fn an_imported_password_signs_in_through_the_code_flow() {
    let f = oidc_code::start();
    let r = import_csv(
        &f.api,
        "acme",
        "bob,bob@example.com,Bob,plum tree 4 ever,orders,\n",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"created": 1, "updated": 0, "failed": []}));
    assert!(
        !f.server.log().contains("plum tree"),
        "the password reached the log"
    );

    let client = rp_client(&f);
    let started = begin(&client, &["orders"]);
    let answer = Browser::new(&f.server).sign_in(&started.url, "bob", "plum tree 4 ever");
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);
    let tokens = redeem(&f, &client, code, started.verifier);
    let claims = f.introspect(tokens.access_token().secret());
    assert_eq!(claims["active"], true, "{claims}");
    assert_eq!(claims["sub"], id_of(&f.api, "bob").as_str());
    assert!(
        claims["scope"].as_str().unwrap().contains("orders"),
        "{claims}"
    );
}

#[test]
fn a_password_set_by_the_import_ends_the_account_s_sessions() {
    let f = oidc_code::start();
    let browser = Browser::new(&f.server);
    let before = oidc_code::tokens(&f, &browser, &["orders"]);
    let refresh = before.refresh_token().unwrap().clone();
    let r = import_csv(&f.api, "acme", "alice,,,new pass phrase 9,,\n");
    assert_eq!(
        r.body,
        json!({"created": 0, "updated": 1, "failed": []}),
        "{}",
        r.body
    );
    let http = rp::http_client(f.server.agent());
    let refused = rp_client(&f)
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request(&http);
    assert!(
        format!("{refused:?}").contains("invalid_grant"),
        "{refused:?}"
    );
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(
        account.body["name"], "Alice Liddell",
        "empty cells keep values"
    );
    assert_eq!(account.body["memberships"][0]["scopes"], json!(["orders"]));
}

#[test]
fn an_external_id_from_the_import_is_what_the_exchange_finds() {
    let f = exchange::start();
    let r = f
        .api
        .call("DELETE", &format!("/v2/admin/accounts/{}", f.account), None);
    assert_eq!(r.status, 204);
    let r = import_csv(
        &f.api,
        "partner",
        "dave,dave@example.com,Dave,,orders,ext-42\n",
    );
    assert_eq!(
        r.body,
        json!({"created": 1, "updated": 0, "failed": []}),
        "{}",
        r.body
    );
    let r = f.exchange(FOREIGN);
    assert_eq!(r.status, 200, "{}", r.body);
    let access = jwt_claims(r.body["accessToken"].as_str().unwrap());
    assert_eq!(access["sub"], id_of(&f.api, "dave").as_str());
}
