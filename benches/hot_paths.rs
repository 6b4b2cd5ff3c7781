//! Criterion micro-benchmarks of the hot paths: JWS signing and verification per
//! algorithm (with ring's bare RSA-2048 signing as the floor RS256 can reach), access
//! token minting, the whole client_credentials token request without HTTP, form
//! parsing, a store round trip, and checking a TOTP code.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey::audit::{Actor, AuditEvent, AuditKind};
use latchkey::auth::totp::{self, TotpSecret};
use latchkey::crypto::jose::{SigningKey, Unverified};
use latchkey::grant::claims::{AccessClaims, sign_access};
use latchkey::oauth::request::{ClientAuth, DpopHeader, Params, TokenForm};
use latchkey::sandbox::Sandbox;
use latchkey::types::Alg;
use std::hint::black_box;

const PAYLOAD: &[u8] = br#"{"iss":"https://localhost:8443/t/acme","sub":"web","aud":"https://localhost:8443/t/acme","client_id":"web","scope":"read","exp":1795000000,"iat":1794996400,"jti":"0123456789abcdef0123456789abcdef","tenant":"acme"}"#;

fn jws(c: &mut Criterion) {
    for alg in [Alg::ES256, Alg::RS256] {
        let (key, pkcs8) = SigningKey::generate(alg).unwrap();
        let token = key.sign_compact(Some("at+jwt"), PAYLOAD).unwrap();
        let verifier = key.verifying_key();
        c.bench_function(&format!("jws sign {}", alg.as_str()), |b| {
            b.iter(|| {
                key.sign_compact(Some("at+jwt"), black_box(PAYLOAD))
                    .unwrap()
            })
        });
        c.bench_function(&format!("jws verify {}", alg.as_str()), |b| {
            b.iter(|| {
                Unverified::parse(black_box(&token))
                    .unwrap()
                    .verify(&verifier)
                    .unwrap()
            })
        });
        if alg == Alg::RS256 {
            let pair = ring::signature::RsaKeyPair::from_pkcs8(&pkcs8).unwrap();
            let rng = ring::rand::SystemRandom::new();
            let mut signature = vec![0u8; pair.public().modulus_len()];
            let sign = |signature: &mut [u8]| {
                pair.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &rng,
                    black_box(PAYLOAD),
                    signature,
                )
                .unwrap()
            };
            c.bench_function("ring RSA-2048 PKCS#1 SHA-256 sign alone", |b| {
                b.iter(|| sign(&mut signature))
            });
            // What every core signing at once reaches: the ceiling of RS256 tokens per
            // second on this machine, which bench/run measures between its load runs.
            c.bench_function("ring RSA-2048 sign, all cores", |b| {
                b.iter_custom(|iters| all_cores(iters, || sign(&mut vec![0u8; 256])))
            });
        }
    }
}

/// Wall time for `iters` calls of `f` spread over every core.
fn all_cores(iters: u64, f: impl Fn() + Sync) -> std::time::Duration {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| (0..iters.div_ceil(cores)).for_each(|_| f()));
        }
    });
    started.elapsed()
}

fn tokens(c: &mut Criterion) {
    let sandbox = Sandbox::new().unwrap();
    let state = &sandbox.app.state;
    let issuer = state.grant().issuer(&sandbox.tenant.id);
    let scopes = vec!["openid".to_owned()];
    c.bench_function("mint access token ES256", |b| {
        b.iter(|| {
            let claims = AccessClaims::new(
                &issuer,
                &sandbox.tenant,
                "web",
                "web",
                &scopes,
                state.clock.now(),
            )
            .unwrap();
            sign_access(&state.keys(), &sandbox.tenant, &claims).unwrap()
        })
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let body = b"grant_type=client_credentials&scope=openid";
    let peer = std::net::IpAddr::from([127, 0, 0, 1]);
    let form = b"grant_type=authorization_code&code=Zm9vYmFyYmF6cXV4&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    c.bench_function("parse token request form", |b| {
        b.iter(|| Params::parse(black_box(form)).unwrap())
    });
    c.bench_function("token endpoint client_credentials without HTTP", |b| {
        b.iter(|| {
            let params = Params::parse(black_box(body)).unwrap();
            let client = ClientAuth::parse(Some(&sandbox.basic_auth), &params).unwrap();
            runtime
                .block_on(latchkey::oauth::token::handle(
                    &state.oauth(),
                    &sandbox.tenant,
                    (client, &DpopHeader::Absent),
                    TokenForm::parse(&params),
                    peer,
                    state.clock.now(),
                ))
                .unwrap()
        })
    });
    let event = AuditEvent::new(0, AuditKind::TokenIssued, &Actor::Client("web".into()))
        .tenant("acme")
        .detail("client_credentials");
    c.bench_function("store round trip: write an event, read a client", |b| {
        b.iter(|| {
            state
                .store
                .transaction(|tx| tx.audit::<latchkey::store::StoreError>(&event))
                .unwrap();
            state
                .store
                .client(sandbox.tenant.uid, "web")
                .unwrap()
                .unwrap()
        })
    });
}

/// The CPU a second factor adds to a sign-in, without HTTP: three HMAC-SHA1 codes
/// compared (one step back, now, one ahead).
fn second_factor(c: &mut Criterion) {
    let secret = TotpSecret::generate().unwrap();
    let now = 1_794_996_400;
    let code = secret.code(totp::step_at(now) + 1);
    c.bench_function("TOTP verify, three steps", |b| {
        b.iter(|| secret.verify(black_box(&code), now, None).unwrap())
    });
}

criterion_group!(benches, jws, tokens, second_factor);
criterion_main!(benches);
