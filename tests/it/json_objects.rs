//! Every JSON endpoint takes an object and nothing else: serde would read an array into
//! a struct field by field, so `["token"]` passed for `{"external_provider_access_token":
//! "token"}` (issue 20, item 8).

use crate::exchange::{FOREIGN, Fixture, start};
use crate::management::assert_problem;
use crate::support::api::Api;

/// JSON values that are not objects, the first two shaped as the exchange's one field.
fn not_objects() -> Vec<String> {
    let mut bodies = vec![format!("[\"{FOREIGN}\"]"), format!("\"{FOREIGN}\"")];
    bodies.extend([" \n[]", "1", "null", "true", r#"[{"label": "x"}]"#].map(String::from));
    bodies
}

/// Sends each of [`not_objects`] to `path` and expects a 400 that says an object is needed.
fn refuses_non_objects(api: &Api, method: &str, path: &str) {
    for body in not_objects() {
        let reply = api.raw(method, path, Some("application/json"), body.clone().into());
        let what = format!("{method} {path} {body}");
        assert_problem(&reply, 400, &what);
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains("JSON object"), "{what}: {detail}");
    }
}

fn count(f: &Fixture, path: &str) -> usize {
    let r = f.api.call("GET", path, None);
    assert_eq!(r.status, 200, "{path}: {:?}", r.body);
    r.body["items"].as_array().unwrap().len()
}

#[test]
fn json_endpoints_refuse_a_body_that_is_not_an_object() {
    let f = start();
    let before = (
        count(&f, "/v2/admin/tenants"),
        count(&f, "/v2/admin/tokens"),
        f.idp.requests().len(),
    );
    refuses_non_objects(&f.sso, "POST", "/v2/sso/exchange-token");
    refuses_non_objects(&f.sso, "POST", "/v2/sso/refresh-token");
    for (method, path) in [
        ("POST", "/v2/admin/tenants"),
        ("PATCH", "/v2/admin/tenants/partner"),
        ("POST", "/v2/admin/tokens"),
        ("POST", "/v2/admin/accounts"),
        ("PATCH", "/v2/admin/tenants/partner/clients/app"),
        ("PUT", "/v2/admin/tenants/partner/introspection"),
    ] {
        refuses_non_objects(&f.api, method, path);
    }
    let after = (
        count(&f, "/v2/admin/tenants"),
        count(&f, "/v2/admin/tokens"),
        f.idp.requests().len(),
    );
    assert_eq!(
        before, after,
        "a refused body changed nothing, asked the IdP nothing"
    );
    assert_eq!(f.exchange(FOREIGN).status, 200, "an object still works");
}
