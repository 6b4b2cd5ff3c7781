//! `ca_pem` pinning (SPEC "Operations"): a partner IdP on a self-signed end-entity
//! certificate, even one made as a CA (which webpki refuses as `CaUsedAsEndEntity`),
//! is trusted when `ca_pem` holds exactly that certificate, within its dates and for
//! the host called; anything else is refused with a sentence that says what to do.

use crate::exchange::{FOREIGN, Fixture, put_introspection, start};
use crate::support::test_idp::{Answer, TestIdp};
use serde_json::{Value, json};

/// A self-signed IdP answering introspection as the fixture's IdP does.
fn self_signed(names: &[&str], as_ca: bool, years: (i32, i32)) -> TestIdp {
    let idp = TestIdp::start_self_signed(names, as_ca, years);
    idp.answer(|req| match req.form().get("token").map(String::as_str) {
        Some(FOREIGN) => Answer::Json(
            200,
            json!({"active": true, "account_id": "ext-42", "exp": 4_000_000_000u64}),
        ),
        _ => Answer::Json(200, json!({"active": false})),
    });
    idp
}

fn probe(f: &Fixture) -> Value {
    let r = f.api.call(
        "POST",
        "/v2/admin/tenants/partner/introspection/test",
        Some(&json!({"token": FOREIGN})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The exchange is refused with 502 naming `says`, and the dry run says the same.
fn refused(f: &Fixture, says: &str) {
    let r = f.exchange(FOREIGN);
    assert_eq!(r.status, 502, "{}", r.body);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains(says), "`{says}` not in `{detail}`");
    let error = probe(f)["error"].as_str().unwrap().to_owned();
    assert!(error.contains(says), "`{says}` not in `{error}`");
    for debug in [
        "Other(",
        "OtherError",
        "CaUsedAsEndEntity",
        "UnknownIssuer",
        "Context {",
    ] {
        assert!(
            !detail.contains(debug) && !error.contains(debug),
            "{detail} / {error}"
        );
    }
    assert!(r.body.get("accessToken").is_none());
}

#[test]
fn a_pinned_self_signed_certificate_made_as_a_ca_is_trusted() {
    let f = start();
    let idp = self_signed(&["127.0.0.1"], true, (2020, 2090));
    put_introspection(&f.api, &idp, json!({"ca_pem": f.idp.ca_pem}));
    refused(&f, "presents a CA certificate as its own");
    refused(&f, "put exactly that certificate in ca_pem to pin it");
    assert!(
        idp.requests().is_empty(),
        "no request went to an untrusted IdP"
    );

    put_introspection(&f.api, &idp, json!({}));
    let r = f.exchange(FOREIGN);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["accessToken"].is_string(), "{}", r.body);
    assert_eq!(probe(&f)["ok"], true);
    assert_eq!(idp.requests().len(), 2);

    put_introspection(&f.api, &f.idp, json!({}));
    assert_eq!(
        f.exchange(FOREIGN).status,
        200,
        "a CA in ca_pem still works"
    );
}

#[test]
fn a_pinned_certificate_must_name_the_host_and_be_within_its_dates() {
    let f = start();
    let elsewhere = self_signed(&["idp.example"], true, (2020, 2090));
    put_introspection(&f.api, &elsewhere, json!({}));
    refused(
        &f,
        "the server's certificate does not name the host in the URL",
    );
    let expired = self_signed(&["127.0.0.1"], false, (2010, 2020));
    put_introspection(&f.api, &expired, json!({}));
    refused(&f, "the server's certificate has expired");
    let early = self_signed(&["127.0.0.1"], false, (2080, 2090));
    put_introspection(&f.api, &early, json!({}));
    refused(&f, "the server's certificate is not valid yet");
    for idp in [&elsewhere, &expired, &early] {
        assert!(idp.requests().is_empty());
    }
}

#[test]
fn an_unpinned_self_signed_certificate_is_refused_with_advice() {
    let f = start();
    let idp = self_signed(&["127.0.0.1"], false, (2020, 2090));
    put_introspection(&f.api, &idp, json!({"ca_pem": f.idp.ca_pem}));
    refused(
        &f,
        "not signed by a CA latchkey trusts: put the CA certificate that signed it in ca_pem, or the server's own certificate when it is self-signed",
    );
    put_introspection(&f.api, &idp, json!({}));
    assert_eq!(f.exchange(FOREIGN).status, 200);
    assert_eq!(f.server.get("/readyz").0, 200);
}
