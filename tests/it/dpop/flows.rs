//! Bound tokens from each grant, userinfo's DPoP scheme and its challenges,
//! introspection, `dpop_jkt`, refresh families and clients that must use DPoP.

use super::*;

#[test]
fn discovery_names_the_proof_algorithms() {
    let fx = start();
    let doc = fx.send("GET", ".well-known/openid-configuration", &[], "");
    assert_eq!(
        doc.body["dpop_signing_alg_values_supported"],
        json!(["RS256", "PS256", "ES256", "EdDSA"])
    );
}

#[test]
fn client_credentials_with_a_proof_gives_a_bound_token_that_introspects_as_dpop() {
    let fx = start();
    for key in [Key::es256(), Key::eddsa()] {
        let proof = key.proof("POST", &fx.url("token"), None);
        let answer = fx.cc(&[&proof]);
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["token_type"], "DPoP", "{}", answer.body);
        let at = answer.body["access_token"].as_str().unwrap();
        assert_eq!(payload(at)["cnf"], json!({"jkt": key.jkt()}));
        let seen = fx.introspect(at);
        assert_eq!(seen["active"], true, "{seen}");
        assert_eq!(seen["token_type"], "DPoP", "{seen}");
        assert_eq!(seen["cnf"], json!({"jkt": key.jkt()}), "{seen}");
    }
    let plain = fx.cc(&[]);
    assert_eq!(plain.body["token_type"], "Bearer", "{}", plain.body);
    let at = plain.body["access_token"].as_str().unwrap();
    assert!(payload(at).get("cnf").is_none());
    let seen = fx.introspect(at);
    assert_eq!(seen["token_type"], "Bearer", "{seen}");
    assert!(seen.get("cnf").is_none(), "{seen}");
}

#[test]
fn a_client_registered_for_dpop_must_send_a_proof() {
    let fx = start();
    let strict = fx.create_client(json!({"client_id": "strict", "name": "Strict",
        "grant_types": ["client_credentials"], "scopes": ["read"],
        "token_endpoint_auth_method": "client_secret_basic", "dpop_bound_access_tokens": true}));
    assert_eq!(strict["dpop_bound_access_tokens"], true);
    let secret = strict["client_secret"].as_str().unwrap();
    let form = "grant_type=client_credentials";
    fx.token(Some(("strict", secret)), &[], form)
        .assert_refused("must send a DPoP proof", "no proof");
    let key = Key::es256();
    let proof = key.proof("POST", &fx.url("token"), None);
    let ok = fx.token(Some(("strict", secret)), &[&proof], form);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["token_type"], "DPoP");
}

#[test]
fn the_code_flow_binds_tokens_and_userinfo_wants_the_dpop_scheme_and_a_matching_proof() {
    let fx = start();
    let (key, other) = (Key::es256(), Key::eddsa());
    let (code, verifier) = fx.code("");
    let answer = fx.redeem(
        &code,
        &verifier,
        &[&key.proof("POST", &fx.url("token"), None)],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    let at = answer.body["access_token"].as_str().unwrap();
    assert_eq!(payload(at)["cnf"]["jkt"], json!(key.jkt()));
    let userinfo = fx.url("userinfo");

    let ok = fx.userinfo(
        "GET",
        &format!("DPoP {at}"),
        &[&key.proof("GET", &userinfo, Some(at))],
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["sub"], json!(fx.f.alice));
    let post = fx.userinfo(
        "POST",
        &format!("DPoP {at}"),
        &[&key.proof("POST", &userinfo, Some(at))],
    );
    assert_eq!(post.status, 200, "{}", post.body);

    let refusals: Vec<(&str, Answer, &str)> = vec![
        (
            "presented as Bearer",
            fx.userinfo("GET", &format!("Bearer {at}"), &[]),
            "invalid_token",
        ),
        (
            "no proof",
            fx.userinfo("GET", &format!("DPoP {at}"), &[]),
            "invalid_dpop_proof",
        ),
        (
            "another key",
            fx.userinfo(
                "GET",
                &format!("DPoP {at}"),
                &[&other.proof("GET", &userinfo, Some(at))],
            ),
            "invalid_dpop_proof",
        ),
        (
            "no ath",
            fx.userinfo(
                "GET",
                &format!("DPoP {at}"),
                &[&key.proof("GET", &userinfo, None)],
            ),
            "invalid_dpop_proof",
        ),
        (
            "the token endpoint's htu",
            fx.userinfo(
                "GET",
                &format!("DPoP {at}"),
                &[&key.proof("GET", &fx.url("token"), Some(at))],
            ),
            "invalid_dpop_proof",
        ),
        (
            "htm POST on a GET",
            fx.userinfo(
                "GET",
                &format!("DPoP {at}"),
                &[&key.proof("POST", &userinfo, Some(at))],
            ),
            "invalid_dpop_proof",
        ),
    ];
    for (case, answer, error) in &refusals {
        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(answer.body["error"], *error, "{case}: {}", answer.body);
        assert_eq!(
            answer.header("www-authenticate"),
            format!("DPoP error=\"{error}\", {ALGS}"),
            "{case}"
        );
        assert_eq!(
            answer.header("access-control-allow-origin"),
            SPA,
            "{case}: CORS on errors"
        );
    }

    let replayed = key.proof("GET", &userinfo, Some(at));
    assert_eq!(
        fx.userinfo("GET", &format!("DPoP {at}"), &[&replayed])
            .status,
        200
    );
    let again = fx.userinfo("GET", &format!("DPoP {at}"), &[&replayed]);
    assert_eq!(again.status, 401);
    assert_eq!(again.body["error"], "invalid_dpop_proof");

    let nothing = fx.userinfo("GET", "", &[]);
    assert_eq!(nothing.status, 401);
    assert_eq!(
        nothing.header("www-authenticate"),
        format!("Bearer realm=\"latchkey\", DPoP {ALGS}")
    );
}

#[test]
fn an_unbound_token_with_the_dpop_scheme_is_an_invalid_token() {
    let fx = start();
    let (code, verifier) = fx.code("");
    let answer = fx.redeem(&code, &verifier, &[]);
    assert_eq!(answer.body["token_type"], "Bearer", "{}", answer.body);
    let at = answer.body["access_token"].as_str().unwrap();
    let key = Key::es256();
    let userinfo = fx.url("userinfo");
    let refused = fx.userinfo(
        "GET",
        &format!("DPoP {at}"),
        &[&key.proof("GET", &userinfo, Some(at))],
    );
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.body["error"], "invalid_token");
    assert_eq!(
        refused.header("www-authenticate"),
        format!("DPoP error=\"invalid_token\", {ALGS}")
    );
    let bearer = fx.userinfo("GET", &format!("Bearer {at}"), &[]);
    assert_eq!(bearer.status, 200, "{}", bearer.body);
}

#[test]
fn a_code_bound_by_dpop_jkt_is_redeemed_only_with_that_key_and_a_wrong_key_spends_it() {
    let fx = start();
    let (key, other) = (Key::es256(), Key::es256());
    let bind = format!("&dpop_jkt={}", key.jkt());
    let token_url = fx.url("token");

    let (code, verifier) = fx.code(&bind);
    let ok = fx.redeem(&code, &verifier, &[&key.proof("POST", &token_url, None)]);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["token_type"], "DPoP");

    let (code, verifier) = fx.code(&bind);
    fx.redeem(&code, &verifier, &[&other.proof("POST", &token_url, None)])
        .assert_refused("bound to a DPoP key", "another key");
    let spent = fx.redeem(&code, &verifier, &[&key.proof("POST", &token_url, None)]);
    assert_eq!(spent.status, 400, "{}", spent.body);
    assert_eq!(
        spent.body["error"], "invalid_grant",
        "the code is spent: {}",
        spent.body
    );

    let (code, verifier) = fx.code(&bind);
    fx.redeem(&code, &verifier, &[])
        .assert_refused("bound to a DPoP key", "no proof");

    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let bad = format!(
        "/t/acme/authorize?response_type=code&client_id=pub&redirect_uri={}&scope=openid&state=s&code_challenge={}&code_challenge_method=S256&dpop_jkt=not-a-thumbprint",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        challenge.as_str()
    );
    let answer = Browser::new(&fx.f.server).sign_in(&bad, "alice", "correct horse battery");
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert_eq!(params["error"], "invalid_request", "{params:?}");
    assert!(
        params["error_description"].contains("dpop_jkt"),
        "{params:?}"
    );
}

#[test]
fn a_public_clients_refresh_tokens_are_bound_to_its_key() {
    let fx = start();
    let (key, other) = (Key::es256(), Key::eddsa());
    let token_url = fx.url("token");
    let (code, verifier) = fx.code("");
    let first = fx.redeem(&code, &verifier, &[&key.proof("POST", &token_url, None)]);
    assert_eq!(first.status, 200, "{}", first.body);
    let rt = first.body["refresh_token"].as_str().unwrap();

    fx.refresh(rt, &[&other.proof("POST", &token_url, None)])
        .assert_refused("bound to a DPoP key", "another key");
    fx.refresh(rt, &[])
        .assert_refused("bound to a DPoP key", "no proof");
    let seen = fx.introspect(rt);
    assert_eq!(seen["active"], true, "refusals changed nothing: {seen}");
    assert_eq!(seen["token_type"], "refresh_token", "{seen}");

    let next = fx.refresh(rt, &[&key.proof("POST", &token_url, None)]);
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(next.body["token_type"], "DPoP");
    let at = next.body["access_token"].as_str().unwrap();
    assert_eq!(payload(at)["cnf"]["jkt"], json!(key.jkt()));
    let rt2 = next.body["refresh_token"].as_str().unwrap();
    fx.refresh(rt2, &[&other.proof("POST", &token_url, None)])
        .assert_refused("bound to a DPoP key", "the rotated token is bound too");
}

#[test]
fn a_confidential_clients_refresh_token_is_not_bound() {
    let fx = start();
    let key = Key::es256();
    // `web`: confidential, code and refresh tokens (the oidc_code fixture).
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let url = format!(
        "/t/acme/authorize?response_type=code&client_id=web&redirect_uri={}&scope=openid%20offline_access&state=s&code_challenge={}&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        challenge.as_str()
    );
    let answer = Browser::new(&fx.f.server).sign_in(&url, "alice", "correct horse battery");
    let code = redirect_params(answer.location.as_deref().unwrap())["code"].clone();
    let web = ("web", fx.f.secret.as_str());
    let redirect = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>();
    let first = fx.token(
        Some(web),
        &[&key.proof("POST", &fx.url("token"), None)],
        &format!(
            "grant_type=authorization_code&code={code}&code_verifier={}&redirect_uri={redirect}",
            verifier.secret()
        ),
    );
    assert_eq!(first.body["token_type"], "DPoP", "{}", first.body);
    let rt = first.body["refresh_token"].as_str().unwrap();
    let next = fx.token(
        Some(web),
        &[],
        &format!("grant_type=refresh_token&refresh_token={rt}"),
    );
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(
        next.body["token_type"], "Bearer",
        "no proof, no binding: {}",
        next.body
    );
}

#[test]
fn the_token_exchange_grant_binds_its_access_token_too() {
    let x = crate::exchange::start();
    let key = Key::es256();
    let url = format!("{}/t/partner/token", x.server.base);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("app:{}", x.app_secret))
    );
    let post = |form: String, proof: Option<String>| {
        let mut req = ureq::http::Request::post(&url)
            .header("authorization", &basic)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(p) = proof {
            req = req.header("dpop", p);
        }
        let mut resp = x
            .server
            .agent()
            .run(req.body(form.into_bytes()).unwrap())
            .unwrap();
        let text = resp.body_mut().read_to_string().unwrap();
        (
            resp.status().as_u16(),
            serde_json::from_str::<Value>(&text).unwrap(),
        )
    };
    let form = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
         &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token\
         &subject_token={}",
        crate::exchange::FOREIGN
    );
    let (status, body) = post(form, Some(key.proof("POST", &url, None)));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "DPoP", "{body}");
    let at = body["access_token"].as_str().unwrap();
    assert_eq!(payload(at)["cnf"]["jkt"], json!(key.jkt()));
    let rt = body["refresh_token"].as_str().unwrap();
    let (status, body) = post(format!("grant_type=refresh_token&refresh_token={rt}"), None);
    assert_eq!(
        status, 200,
        "a confidential client's family is not bound: {body}"
    );
    assert_eq!(body["token_type"], "Bearer");
}

#[test]
fn a_client_that_must_use_dpop_gets_no_access_token_from_the_implicit_flow() {
    let fx = start();
    fx.create_client(
        json!({"client_id": "imp", "name": "Implicit", "redirect_uris": [REDIRECT],
        "grant_types": ["implicit"], "response_types": ["token", "id_token"],
        "scopes": ["openid"], "token_endpoint_auth_method": "none",
        "dpop_bound_access_tokens": true}),
    );
    let redirect = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>();
    let url = format!(
        "/t/acme/authorize?response_type=token&client_id=imp&redirect_uri={redirect}&scope=openid&state=s"
    );
    let page = Browser::new(&fx.f.server).get(&url);
    let location = page.location.unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let params = redirect_params(&location);
    assert_eq!(params["error"], "unauthorized_client", "{location}");
    assert!(params["error_description"].contains("DPoP"), "{location}");
    assert!(!params.contains_key("access_token"));
    // An ID token alone carries no access token: that flow still works.
    let url = format!(
        "/t/acme/authorize?response_type=id_token&client_id=imp&redirect_uri={redirect}&scope=openid&state=s&nonce=n"
    );
    let answer = Browser::new(&fx.f.server).sign_in(&url, "alice", "correct horse battery");
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert!(params.contains_key("id_token"), "{params:?}");
}

#[test]
fn a_pushed_request_binds_its_code_to_the_key_its_proof_or_dpop_jkt_names() {
    let fx = start();
    let (key, other) = (Key::es256(), Key::eddsa());
    let (par_url, token_url) = (fx.url("par"), fx.url("token"));

    let (pushed, verifier) = fx.push("", &[&key.proof("POST", &par_url, None)]);
    let code = fx.pushed_code(&pushed);
    fx.redeem(&code, &verifier, &[&other.proof("POST", &token_url, None)])
        .assert_refused("bound to a DPoP key", "another key than the push proved");

    let (pushed, verifier) = fx.push("", &[&key.proof("POST", &par_url, None)]);
    let code = fx.pushed_code(&pushed);
    let bound = fx.redeem(&code, &verifier, &[&key.proof("POST", &token_url, None)]);
    assert_eq!(bound.status, 200, "{}", bound.body);
    assert_eq!(bound.body["token_type"], "DPoP");

    let (pushed, verifier) = fx.push(&format!("&dpop_jkt={}", other.jkt()), &[]);
    let code = fx.pushed_code(&pushed);
    fx.redeem(&code, &verifier, &[&key.proof("POST", &token_url, None)])
        .assert_refused("bound to a DPoP key", "dpop_jkt alone binds");

    let (mismatch, _) = fx.push(
        &format!("&dpop_jkt={}", other.jkt()),
        &[&key.proof("POST", &par_url, None)],
    );
    mismatch.assert_refused("another key", "dpop_jkt beside another key's proof");
    let (for_token, _) = fx.push("", &[&key.proof("POST", &token_url, None)]);
    for_token.assert_refused("htu", "a proof for the token endpoint");
}
