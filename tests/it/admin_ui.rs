//! The admin web UI driven over HTTPS by a cookie-keeping client: sign-in with a token
//! and with an admin password, the security headers, CSRF, a refused form that keeps its
//! input, provisioning through the forms (checked through the management API, which
//! must agree), one-time secret reveals that work, and sign-out.

use crate::support::api::Api;
use crate::support::browser::{Browser, Page, input_value};
use crate::support::server::Server;
use serde_json::json;

pub(crate) fn signed_in(server: &Server) -> (Browser, String) {
    let browser = Browser::new(server);
    let start = browser.get("/admin");
    assert_eq!(start.status, 303);
    assert_eq!(start.location.as_deref(), Some("/admin/login"));
    let form = browser.get("/admin/login");
    assert_eq!(form.status, 200, "{}", form.body);
    let done = browser.post(
        "/admin/login",
        &[
            ("csrf", &input_value(&form.body, "csrf")),
            ("token", &server.admin_token()),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let home = browser.get("/admin");
    assert_eq!(home.status, 200, "{}", home.body);
    let csrf = input_value(&home.body, "csrf");
    (browser, csrf)
}

fn assert_secure_page(page: &Page) {
    let csp = &page.headers["content-security-policy"];
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert!(page.headers["strict-transport-security"].starts_with("max-age="));
}

/// The one-time secret on a reveal page.
pub(crate) fn revealed(page: &Page) -> String {
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("only this once"));
    page.body
        .split("id=\"secret\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}

#[test]
fn an_admin_provisions_through_the_forms_and_the_api_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let (browser, csrf) = signed_in(&server);
    let home = browser.get("/admin");
    assert_secure_page(&home);
    assert!(home.body.contains("Signing keys") && home.body.contains("expires"));

    let no_csrf = browser.post(
        "/admin/tenants",
        &[("id", "acme"), ("display_name", "Acme")],
    );
    assert_eq!(no_csrf.status, 403);
    let bad = browser.post(
        "/admin/tenants",
        &[
            ("csrf", &csrf),
            ("id", "Not A Slug!"),
            ("display_name", "Acme Corp"),
        ],
    );
    assert_eq!(bad.status, 200);
    assert!(
        bad.body
            .contains("class=\"field-error\" id=\"tenant-id-error\""),
        "{}",
        bad.body
    );
    assert_eq!(
        input_value(&bad.body, "display_name"),
        "Acme Corp",
        "input kept"
    );
    assert_eq!(input_value(&bad.body, "id"), "Not A Slug!");
    assert_eq!(api.call("GET", "/v2/admin/tenants/acme", None).status, 404);

    let made = browser.post(
        "/admin/tenants",
        &[
            ("csrf", &csrf),
            ("id", "acme"),
            ("display_name", "Acme Corp"),
        ],
    );
    assert_eq!(
        made.location.as_deref(),
        Some("/admin/tenants/acme?done=tenant-created")
    );
    let tenant = browser.get("/admin/tenants/acme?done=tenant-created");
    assert!(tenant.body.contains("The tenant was created."));
    assert_eq!(
        api.call("GET", "/v2/admin/tenants/acme", None).body["display_name"],
        "Acme Corp"
    );

    let refused = browser.post(
        "/admin/tenants/acme/clients",
        &[
            ("csrf", &csrf),
            ("client_id", "web"),
            ("name", "Web"),
            ("grant_types", "authorization_code"),
            ("grant_types", "refresh_token"),
            ("response_types", "code"),
            ("token_endpoint_auth_method", "none"),
        ],
    );
    assert!(refused.body.contains("redirect"), "{}", refused.body);
    assert!(refused.body.contains(r#"value="refresh_token" checked"#));
    assert!(
        refused
            .body
            .contains(r#"value="authorization_code" checked"#)
    );
    assert!(!refused.body.contains(r#"value="implicit" checked"#));
    assert!(refused.body.contains(r#"<option value="none" selected>"#));
    assert!(
        !refused
            .body
            .contains(r#"name="require_pushed_authorization_requests" value="true" checked"#)
    );
    let keys = r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    let with_keys = |jwks: &str, origin: &str| {
        browser.post(
            "/admin/tenants/acme/clients",
            &[
                ("csrf", &csrf),
                ("client_id", "spa"),
                ("name", "SPA"),
                ("redirect_uris", "https://spa.example/cb"),
                ("grant_types", "authorization_code"),
                ("response_types", "code"),
                ("token_endpoint_auth_method", "none"),
                ("jwks", jwks),
                ("allowed_origins", origin),
                ("require_pushed_authorization_requests", "true"),
                ("dpop_bound_access_tokens", "yes"),
            ],
        )
    };
    let not_json = with_keys("{keys", "https://spa.example");
    assert!(not_json.body.contains("is not JSON"), "{}", not_json.body);
    let secret_key = with_keys(
        &keys.replace(r#""x""#, r#""d": "AAAA", "x""#),
        "https://spa.example",
    );
    assert!(
        secret_key.body.contains("private member"),
        "{}",
        secret_key.body
    );
    let both = browser.post(
        "/admin/tenants/acme/clients",
        &[
            ("csrf", &csrf),
            ("client_id", "spa"),
            ("name", "SPA"),
            ("redirect_uris", "https://spa.example/cb"),
            ("grant_types", "authorization_code"),
            ("response_types", "code"),
            ("token_endpoint_auth_method", "private_key_jwt"),
            ("jwks", keys),
            ("jwks_uri", "https://spa.example/jwks"),
        ],
    );
    assert!(
        both.body.contains("cannot be set beside jwks"),
        "{}",
        both.body
    );
    let bad_origin = with_keys(keys, "https://spa.example/app");
    assert!(
        bad_origin.body.contains("has no path"),
        "{}",
        bad_origin.body
    );
    assert_eq!(with_keys(keys, "https://SPA.example").status, 303);
    let spa = api
        .call("GET", "/v2/admin/tenants/acme/clients/spa", None)
        .body;
    assert_eq!(spa["jwks"]["keys"][0]["crv"], "Ed25519");
    assert_eq!(spa["require_pushed_authorization_requests"], true);
    assert_eq!(
        spa["allowed_origins"],
        serde_json::json!(["https://spa.example"])
    );
    assert_eq!(spa["dpop_bound_access_tokens"], true, "{spa}");
    let listed = browser.get("/admin/tenants/acme");
    assert!(
        listed.body.contains("DPoP proof required"),
        "{}",
        listed.body
    );
    let dpop_off = browser.post("/admin/tenants/acme/clients/spa/dpop", &[("csrf", &csrf)]);
    assert_eq!(dpop_off.status, 303, "{}", dpop_off.body);
    let spa = api
        .call("GET", "/v2/admin/tenants/acme/clients/spa", None)
        .body;
    assert_eq!(spa["dpop_bound_access_tokens"], false, "{spa}");
    assert_eq!(
        spa["allowed_origins"],
        serde_json::json!(["https://spa.example"])
    );
    assert!(
        !browser
            .get("/admin/tenants/acme")
            .body
            .contains("DPoP proof required")
    );
    let backchannel = |uri: &str| {
        browser.post(
            "/admin/tenants/acme/clients/spa/backchannel",
            &[
                ("csrf", &csrf),
                ("backchannel_logout_uri", uri),
                ("backchannel_logout_untyped", "yes"),
            ],
        )
    };
    let insecure = backchannel("http://spa.example/logout");
    assert!(
        insecure.body.contains("must use https"),
        "{}",
        insecure.body
    );
    assert_eq!(backchannel("https://spa.example/logout").status, 303);
    let spa = api
        .call("GET", "/v2/admin/tenants/acme/clients/spa", None)
        .body;
    assert_eq!(spa["backchannel_logout_uri"], "https://spa.example/logout");
    assert_eq!(spa["backchannel_logout_untyped"], true);
    assert_eq!(spa["backchannel_logout_session_required"], false);
    let page = browser.get("/admin/tenants/acme");
    assert!(
        page.body
            .contains("Back-channel logout: <span class=\"mono\">https:&#x2f;&#x2f;spa.example&#x2f;logout</span> (typed JWT)"),
        "{}",
        page.body
    );
    let client = browser.post(
        "/admin/tenants/acme/clients",
        &[
            ("csrf", &csrf),
            ("client_id", "backend"),
            ("name", "Backend"),
            ("grant_types", "client_credentials"),
            (
                "grant_types",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("scopes", "orders"),
            ("token_endpoint_auth_method", "client_secret_basic"),
        ],
    );
    let secret = revealed(&client);
    assert!(secret.starts_with("lkcs_"));
    let token = server.post(
        "/t/acme/token",
        "application/x-www-form-urlencoded",
        format!("grant_type=client_credentials&client_id=backend&client_secret={secret}")
            .into_bytes(),
    );
    assert_eq!(token.status(), 200, "the revealed secret works");

    let key = browser.post(
        "/admin/tenants/acme/clients/backend/api-keys",
        &[("csrf", &csrf), ("label", "partner backend")],
    );
    assert!(revealed(&key).starts_with("lkapi_"));
    let keys = api.call(
        "GET",
        "/v2/admin/tenants/acme/clients/backend/api-keys",
        None,
    );
    assert_eq!(keys.body["items"][0]["label"], "partner backend");

    let second_admin = browser.post(
        "/admin/accounts",
        &[
            ("csrf", &csrf),
            ("username", "ops"),
            ("password", "a long admin password"),
            ("admin", "yes"),
        ],
    );
    assert_eq!(second_admin.status, 303);
    let ops = api
        .call("GET", "/v2/admin/accounts?username=ops", None)
        .body;
    assert_eq!(
        ops["items"][0]["admin"], true,
        "an admin creates another admin"
    );
    let account = browser.post(
        "/admin/accounts",
        &[
            ("csrf", &csrf),
            ("username", "carol"),
            ("email", "carol@example.com"),
            ("password", ""),
        ],
    );
    assert_eq!(
        account.location.as_deref(),
        Some("/admin/accounts?done=account-created")
    );
    let member = browser.post(
        "/admin/tenants/acme/members",
        &[
            ("csrf", &csrf),
            ("username", "carol"),
            ("scopes", "orders"),
            ("external_authentication_provider_id", "ext-7"),
        ],
    );
    assert_eq!(member.status, 303, "{}", member.body);
    let members = api.call("GET", "/v2/admin/tenants/acme/members", None);
    assert_eq!(
        members.body["items"][0]["external_authentication_provider_id"],
        "ext-7"
    );
    let nobody = browser.post(
        "/admin/tenants/acme/members",
        &[("csrf", &csrf), ("username", "nobody"), ("scopes", "")],
    );
    assert!(nobody.body.contains("no account has this username"));
    assert_eq!(input_value(&nobody.body, "username"), "nobody");

    let search = browser.get("/admin/accounts?q=carol%40");
    assert!(search.body.contains("carol@example.com"));
    let carol = api
        .call("GET", "/v2/admin/accounts?username=carol", None)
        .body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = browser.get(&format!("/admin/accounts/{carol}"));
    assert!(page.body.contains("/admin/tenants/acme") && page.body.contains("No live sessions."));
    let edited = browser.post(
        &format!("/admin/accounts/{carol}/edit"),
        &[
            ("csrf", &csrf),
            ("username", "carol"),
            ("email", "c@example.org"),
            ("name", "Carol C"),
        ],
    );
    assert_eq!(edited.status, 303, "{}", edited.body);
    let view = api
        .call("GET", &format!("/v2/admin/accounts/{carol}"), None)
        .body;
    assert_eq!(
        (view["email"].as_str(), view["name"].as_str()),
        (Some("c@example.org"), Some("Carol C"))
    );
    let bad_email = browser.post(
        &format!("/admin/accounts/{carol}/edit"),
        &[
            ("csrf", &csrf),
            ("username", "carol"),
            ("email", "not an email"),
            ("name", ""),
        ],
    );
    assert!(
        bad_email.body.contains("edit-email-error"),
        "{}",
        bad_email.body
    );
    assert_eq!(input_value(&bad_email.body, "email"), "not an email");
    let password = browser.post(
        &format!("/admin/accounts/{carol}/password"),
        &[("csrf", &csrf), ("password", "another long password")],
    );
    assert_eq!(password.status, 303);
    assert_eq!(
        api.call("GET", &format!("/v2/admin/accounts/{carol}"), None)
            .body["password_set"],
        true
    );
    let redirects = browser.post(
        "/admin/tenants/acme/clients/backend/redirects",
        &[("csrf", &csrf), ("redirect_uris", "https://app.example/cb")],
    );
    assert!(
        redirects.body.contains("Client backend:"),
        "a client without browser flows takes no redirect URI"
    );
    let empty_day = browser.get("/admin/audit?since=2000-01-01&until=2000-01-01");
    assert!(empty_day.body.contains("No events."));
    let bad_day = browser.get("/admin/audit?since=yesterday");
    assert_eq!(bad_day.status, 400);
    assert!(bad_day.body.contains("since"));
    let audit = browser.get("/admin/audit?kind=membership.set");
    assert!(audit.body.contains("membership.set") && !audit.body.contains("tenant.created"));

    let wrong = browser.post(
        "/admin/tenants/acme/delete",
        &[("csrf", &csrf), ("confirm", "acm")],
    );
    assert!(wrong.body.contains("type the tenant id exactly"));
    assert_eq!(api.call("GET", "/v2/admin/tenants/acme", None).status, 200);

    let keys = browser.get("/admin/keys");
    assert_eq!(
        keys.body.matches("<td>active</td>").count(),
        3,
        "{}",
        keys.body
    );
    let rotated = browser.post("/admin/keys/rotate", &[("csrf", &csrf)]);
    assert_eq!(
        rotated.location.as_deref(),
        Some("/admin/keys?done=keys-rotated")
    );
    let keys = browser.get("/admin/keys?done=keys-rotated");
    assert_eq!(keys.body.matches("<td>retired</td>").count(), 3);
    assert_eq!(
        api.call("GET", "/v2/admin/keys", None).body["items"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let probe = browser.post("/admin/tenants/acme/upstream-oidc/test", &[("csrf", &csrf)]);
    assert!(
        probe
            .body
            .contains("No upstream OpenID provider is configured.")
    );

    let out = browser.post("/admin/logout", &[("csrf", &csrf)]);
    assert_eq!(out.location.as_deref(), Some("/admin/login"));
    assert_eq!(browser.get("/admin").status, 303, "signed out");
    let log = server.log();
    assert!(!log.contains(&secret) && !log.contains(&server.admin_token()));
}

#[test]
fn an_admin_account_signs_in_with_its_password_and_others_cannot() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    for (username, admin) in [("root", true), ("user", false)] {
        let r = api.call(
            "POST",
            "/v2/admin/accounts",
            Some(
                &json!({"username": username, "password": "long enough password", "admin": admin}),
            ),
        );
        assert_eq!(r.status, 201);
    }
    let try_in = |username: &str, password: &str| {
        let browser = Browser::new(&server);
        let form = browser.get("/admin/login");
        let page = browser.post(
            "/admin/login",
            &[
                ("csrf", &input_value(&form.body, "csrf")),
                ("username", username),
                ("password", password),
            ],
        );
        (browser, page)
    };
    let (browser, page) = try_in("root", "long enough password");
    assert_eq!(page.status, 303);
    assert!(browser.get("/admin").body.contains("root"));
    for (u, p) in [
        ("root", "wrong password"),
        ("user", "long enough password"),
        ("ghost", "x"),
    ] {
        let (browser, page) = try_in(u, p);
        assert_eq!(page.status, 401, "{u}");
        assert!(page.body.contains("not correct"));
        assert_eq!(browser.get("/admin").status, 303);
    }
    let failed = api
        .call("GET", "/v2/admin/audit?kind=login.failed", None)
        .body;
    let targets: Vec<&str> = failed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["detail"] == "admin_ui")
        .map(|e| e["target"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        targets,
        ["ghost", "user", "root"],
        "failed admin sign-ins are audited"
    );
    let logins = api.call("GET", "/v2/admin/audit?kind=login", None).body;
    assert_eq!(logins["items"][0]["detail"], "admin_ui");
    let no_csrf = Browser::new(&server).post(
        "/admin/login",
        &[("username", "root"), ("password", "long enough password")],
    );
    assert_eq!(
        no_csrf.status, 400,
        "a sign-in without the form's token is refused"
    );
}
