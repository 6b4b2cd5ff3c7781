//! Every class of bad proof at the token endpoint, replay, a race between two uses of
//! one proof, and the limiter counting refused proofs.

use super::*;

#[test]
fn every_kind_of_bad_proof_is_refused_and_changes_nothing() {
    let fx = start();
    let key = Key::es256();
    let url = fx.url("token");
    let good = claims("POST", &url, None);
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.jwk});
    let with_header = |change: &dyn Fn(&mut Value)| {
        let mut h = header.clone();
        change(&mut h);
        key.sign_raw(&h, &good)
    };
    let with_claims = |change: &dyn Fn(&mut Value)| {
        let mut c = claims("POST", &url, None);
        change(&mut c);
        key.sign(&c)
    };
    let without =
        |name: &'static str| move |c: &mut Value| drop(c.as_object_mut().unwrap().remove(name));
    let payload_b64 = b64(&good);
    let mut private = key.jwk.clone();
    private["d"] = json!(URL_SAFE_NO_PAD.encode([7u8; 32]));
    let valid = key.sign(&good);
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "two DPoP headers",
            vec![valid.clone(), key.proof("POST", &url, None)],
            "exactly one",
        ),
        (
            "bad base64",
            vec![format!("!!!.{payload_b64}.AAAA")],
            "well-formed",
        ),
        (
            "header not JSON",
            vec![format!(
                "{}.{payload_b64}.AAAA",
                URL_SAFE_NO_PAD.encode("{nope")
            )],
            "well-formed",
        ),
        (
            "claims not JSON",
            vec![format!(
                "{}.{}.AAAA",
                b64(&header),
                URL_SAFE_NO_PAD.encode("[nope")
            )],
            "signature",
        ),
        (
            "wrong typ",
            vec![with_header(&|h| h["typ"] = json!("JWT"))],
            "typ",
        ),
        (
            "alg none",
            vec![format!(
                "{}.{payload_b64}.",
                b64(&json!({"typ": "dpop+jwt", "alg": "none", "jwk": key.jwk}))
            )],
            "alg",
        ),
        (
            "alg HS256",
            vec![format!(
                "{}.{payload_b64}.AAAA",
                b64(
                    &json!({"typ": "dpop+jwt", "alg": "HS256", "jwk": {"kty": "oct", "k": "c2VjcmV0"}})
                )
            )],
            "alg",
        ),
        (
            "private key in jwk",
            vec![with_header(&|h| h["jwk"] = private.clone())],
            "public key",
        ),
        (
            "no jwk",
            vec![with_header(&|h| {
                drop(h.as_object_mut().unwrap().remove("jwk"))
            })],
            "jwk",
        ),
        (
            "signed by another key",
            vec![with_header(&|h| h["jwk"] = Key::es256().jwk)],
            "signature",
        ),
        ("huge header", vec!["a".repeat(9 * 1024)], "too long"),
        ("missing htm", vec![with_claims(&without("htm"))], "htm"),
        ("missing htu", vec![with_claims(&without("htu"))], "htu"),
        ("missing iat", vec![with_claims(&without("iat"))], "iat"),
        ("missing jti", vec![with_claims(&without("jti"))], "jti"),
        (
            "wrong htm",
            vec![with_claims(&|c| c["htm"] = json!("GET"))],
            "htm",
        ),
        (
            "htu at another host",
            vec![with_claims(&|c| {
                c["htu"] = json!("https://evil.example/t/acme/token")
            })],
            "htu",
        ),
        (
            "htu of another endpoint",
            vec![with_claims(&|c| c["htu"] = json!(fx.url("userinfo")))],
            "htu",
        ),
        (
            "iat too old",
            vec![with_claims(&|c| c["iat"] = json!(now() - 300))],
            "iat",
        ),
        (
            "iat in the future",
            vec![with_claims(&|c| c["iat"] = json!(now() + 300))],
            "iat",
        ),
    ];
    for (case, proofs, why) in &cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        fx.cc(&proofs).assert_refused(why, case);
    }
    // Nothing was recorded: the proof refused only for its company is still fresh.
    let answer = fx.cc(&[&valid]);
    assert_eq!(
        answer.status, 200,
        "the server keeps serving: {}",
        answer.body
    );
    assert_eq!(answer.body["token_type"], "DPoP");
}

#[test]
fn a_proof_is_used_once() {
    let fx = start();
    let key = Key::es256();
    let proof = key.proof("POST", &fx.url("token"), None);
    assert_eq!(fx.cc(&[&proof]).status, 200);
    fx.cc(&[&proof]).assert_refused("already used", "replay");
}

#[test]
fn of_one_proof_sent_twice_at_once_exactly_one_succeeds() {
    let fx = start();
    for round in 0..5 {
        let proof = Key::es256().proof("POST", &fx.url("token"), None);
        let barrier = std::sync::Barrier::new(2);
        let answers: Vec<Answer> = std::thread::scope(|s| {
            let racers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        fx.cc(&[&proof])
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let won: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
        assert_eq!(won.len(), 1, "round {round}");
        let lost = answers.iter().find(|a| a.status != 200).unwrap();
        lost.assert_refused("already used", "the second of a race");
    }
}

#[test]
fn refused_proofs_count_against_the_client_in_the_limiter() {
    let fx = start_env(&[("LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS", "60")]);
    let stale = |fx: &Fixture| {
        let mut c = claims("POST", &fx.url("token"), None);
        c["iat"] = json!(now() - 600);
        Key::es256().sign(&c)
    };
    // Five free failures and a sixth that starts the block, as for a wrong secret.
    for _ in 0..6 {
        fx.cc(&[&stale(&fx)])
            .assert_refused("iat", "counted failure");
    }
    let blocked = fx.cc(&[&stale(&fx)]);
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    let good = Key::es256().proof("POST", &fx.url("token"), None);
    assert_eq!(
        fx.cc(&[&good]).status,
        429,
        "the client is blocked from this address"
    );
}
