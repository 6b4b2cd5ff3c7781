//! SIGKILL under mixed load: management writes, sign-ins through the login form with code
//! redemption, client_credentials and refresh rotations run from several threads while the
//! process is killed at a random moment; a fifth thread redeems codes and then revokes the
//! refresh token or signs out. After each restart on the same data dir, every
//! acknowledged account is there, every refresh family has exactly its newest token live,
//! no acknowledged redemption, revocation or sign-out came undone, the store opened
//! without complaint, the server is ready and a fresh sign-in works. The seed is printed;
//! `CRASH_SEED=<n>` replays its kill moments and rotation counts (not the interleaving).

use crate::oidc_code::{Fixture, start};
use crate::races::{basic, code_form_in, introspect, try_code_form, try_post};
use crate::support::api::Api;
use crate::support::browser::Browser;
use crate::support::server::{Options, Server};
use serde_json::{Value, json};
use std::os::unix::process::ExitStatusExt;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Kill, restart, check: this many times.
const ROUNDS: u64 = 4;
/// The load threads: one writes accounts, two sign in and rotate, one gets machine tokens,
/// one ends what it got.
const ROLES: [Role; 5] = [
    Role::Admin,
    Role::User,
    Role::User,
    Role::Machine,
    Role::Ender,
];
/// The newest acknowledged redemptions replayed per round: each replay is a failure the
/// address limiter counts, so a few, the ones a lost flush would have lost.
const REPLAYS: usize = 3;
/// The bound on a restart becoming ready; the measured figure is printed, not asserted.
const READY_BOUND: Duration = Duration::from_secs(30);

#[derive(Clone, Copy)]
enum Role {
    Admin,
    User,
    Machine,
    Ender,
}

/// splitmix64: enough randomness for kill moments and choices, and replayable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `CRASH_SEED`, or the wall clock's nanoseconds.
#[allow(
    clippy::disallowed_methods,
    reason = "a test seed, not the server's notion of time"
)]
fn seed() -> u64 {
    std::env::var("CRASH_SEED")
        .ok()
        .map(|s| s.parse().expect("CRASH_SEED is a number"))
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            now.map_or(1, |d| d.as_nanos() as u64)
        })
}

/// An account the server answered 201 for.
struct Acked {
    username: String,
    id: String,
}

/// What the clients were told, so what must (or may) survive.
#[derive(Default)]
struct Load {
    accounts: Vec<Acked>,
    /// Every refresh token received, per family, oldest first.
    families: Vec<Vec<String>>,
    /// Families whose last rotation was in flight at the kill.
    interrupted: Vec<Vec<String>>,
    /// Every client_credentials access token received.
    machine_tokens: Vec<String>,
    /// Token requests whose code was redeemed (answered 200), oldest first.
    redeemed: Vec<String>,
    /// Refresh tokens revoked or signed out of (answered 200): never live again.
    ended: Vec<String>,
}

impl Load {
    fn absorb(&mut self, other: Load) {
        self.accounts.extend(other.accounts);
        self.families.extend(other.families);
        self.interrupted.extend(other.interrupted);
        self.machine_tokens.extend(other.machine_tokens);
        self.redeemed.extend(other.redeemed);
        self.ended.extend(other.ended);
    }

    fn tokens(&self) -> usize {
        self.families.iter().map(Vec::len).sum()
    }
}

/// Creates account `username`; records it once the server acknowledged it.
fn create_account(api: &Api, username: &str, load: &mut Load) -> Result<(), ureq::Error> {
    let body = json!({"username": username, "email": format!("{username}@example.com")});
    let reply = api.try_call("POST", "/v2/admin/accounts", Some(&body))?;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["username"], username, "{:?}", reply.body);
    let id = reply.body["id"].as_str().expect("an account id");
    load.accounts.push(Acked {
        username: username.to_owned(),
        id: id.to_owned(),
    });
    Ok(())
}

fn refresh_token(body: &Value) -> String {
    body["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token in {body}"))
        .to_owned()
}

/// Signs alice in through the login form, redeems the code (a new refresh family), then
/// rotates the family's refresh token `rotations` times, recording every token received.
fn sign_in_and_rotate(
    f: &Fixture,
    agent: &ureq::Agent,
    rotations: u64,
    load: &mut Load,
) -> Result<(), ureq::Error> {
    let (status, body) = try_post(f, agent, try_code_form(f)?)?;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string(), "{body}");
    load.families.push(vec![refresh_token(&body)]);
    for _ in 0..rotations {
        let family = load.families.last_mut().expect("the family just pushed");
        let current = family.last().expect("its first token");
        let form = format!("grant_type=refresh_token&refresh_token={current}");
        let (status, body) = match try_post(f, agent, form) {
            Ok(answer) => answer,
            Err(e) => {
                // The kill may have come after the rotation was on disk but before its
                // answer arrived: the live token may be one the client never saw.
                let family = load.families.pop().expect("the family just pushed");
                load.interrupted.push(family);
                return Err(e);
            }
        };
        assert_eq!(status, 200, "{body}");
        family.push(refresh_token(&body));
    }
    Ok(())
}

/// A client_credentials access token for `web`, recorded once received.
fn machine_token(f: &Fixture, agent: &ureq::Agent, load: &mut Load) -> Result<(), ureq::Error> {
    let form = "grant_type=client_credentials&scope=orders".to_owned();
    let (status, body) = try_post(f, agent, form)?;
    assert_eq!(
        (status, body["token_type"].as_str()),
        (200, Some("Bearer")),
        "{body}"
    );
    assert!(body.get("refresh_token").is_none(), "{body}");
    let token = body["access_token"].as_str().expect("an access token");
    load.machine_tokens.push(token.to_owned());
    Ok(())
}

/// Signs alice in with a browser of its own, redeems the code, then either revokes the
/// refresh token at `/revoke` or signs the browser out (which ends the session's refresh
/// tokens), recording each step once it was acknowledged.
fn redeem_and_end(
    f: &Fixture,
    agent: &ureq::Agent,
    sign_out: bool,
    load: &mut Load,
) -> Result<(), ureq::Error> {
    let browser = Browser::new(&f.server);
    let form = code_form_in(f, &browser)?;
    let (status, body) = try_post(f, agent, form.clone())?;
    assert_eq!(status, 200, "{body}");
    load.redeemed.push(form);
    let refresh = refresh_token(&body);
    if sign_out {
        let hint = body["id_token"].as_str().expect("an ID token");
        let page = browser.try_get(&format!("/t/acme/logout?id_token_hint={hint}"))?;
        assert_eq!(page.status, 200, "{}", page.body);
    } else {
        let mut resp = agent
            .post(&format!("{}/t/acme/revoke", f.server.base))
            .header("authorization", &basic(f))
            .content_type("application/x-www-form-urlencoded")
            .send(format!("token={refresh}"))?;
        let text = resp.body_mut().read_to_string()?;
        assert_eq!(resp.status(), 200, "{text}");
    }
    load.ended.push(refresh);
    Ok(())
}

/// Runs `role`'s operation until one fails at the transport level, which must be the kill.
fn work(f: &Fixture, role: Role, round: u64, mut rng: Rng, killed: &AtomicBool) -> Load {
    let (api, agent) = (Api::new(&f.server), f.server.agent());
    let mut load = Load::default();
    for n in 0.. {
        let done = match role {
            Role::Admin => create_account(&api, &format!("crash-r{round}-{n}"), &mut load),
            Role::User => sign_in_and_rotate(f, &agent, rng.below(4), &mut load),
            Role::Machine => machine_token(f, &agent, &mut load),
            Role::Ender => redeem_and_end(f, &agent, rng.below(2) == 1, &mut load),
        };
        if let Err(e) = done {
            assert!(
                killed.load(Ordering::SeqCst),
                "a transport failure before the kill: {e}\n{}",
                f.server.log()
            );
            break;
        }
    }
    load
}

/// Starts the load, kills the server at a random moment while it runs, and returns what
/// the clients were told.
fn load_and_kill(f: &Fixture, round: u64, rng: &mut Rng) -> (Load, Duration) {
    let killed = AtomicBool::new(false);
    let barrier = Barrier::new(ROLES.len() + 1);
    let delay = Duration::from_millis(100 + rng.below(501));
    let loads: Vec<Load> = std::thread::scope(|s| {
        let workers: Vec<_> = ROLES
            .iter()
            .map(|role| {
                let (role, worker_rng) = (*role, Rng(rng.next()));
                let (killed, barrier) = (&killed, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    work(f, role, round, worker_rng, killed)
                })
            })
            .collect();
        barrier.wait();
        std::thread::sleep(delay);
        killed.store(true, Ordering::SeqCst);
        f.server.signal("KILL");
        workers
            .into_iter()
            .map(|w| w.join().expect("a load thread failed"))
            .collect()
    });
    let mut round_load = Load::default();
    for l in loads {
        round_load.absorb(l);
    }
    (round_load, delay)
}

/// Log lines that show trouble: an error or warning, a repair or recovery, a panic, or a
/// request answered 5xx.
fn trouble(log: &str) -> Vec<&str> {
    log.lines()
        // A public URL on 127.0.0.1 has no passkeys, which `serve` says once at start.
        .filter(|line| !line.contains("passkeys are unavailable"))
        .filter(|line| {
            let lower = line.to_lowercase();
            let worrying = ["error", "warn", "panic", "repair", "recover", "corrupt"]
                .iter()
                .any(|w| lower.contains(w));
            let words: Vec<&str> = line.split_whitespace().collect();
            let failed_request = words
                .windows(2)
                .any(|w| w[1].ends_with("ms") && w[0].len() == 3 && w[0].starts_with('5'));
            worrying || failed_request
        })
        .collect()
}

/// Polls `/readyz` until it answers 200; returns the time since `spawned` and the
/// number of polls.
fn wait_ready(server: &Server, spawned: Instant) -> (Duration, u32) {
    let agent = server.agent();
    for polls in 1.. {
        if let Ok(mut resp) = agent.get(format!("{}/readyz", server.base)).call()
            && resp.status() == 200
        {
            let elapsed = spawned.elapsed();
            let body = resp.body_mut().read_to_string().expect("readyz body");
            assert_eq!(
                serde_json::from_str::<Value>(&body).expect("readyz JSON"),
                json!({"status": "ready"})
            );
            return (elapsed, polls);
        }
        assert!(
            spawned.elapsed() < READY_BOUND,
            "not ready {READY_BOUND:?} after the spawn:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    unreachable!("the polls are bounded by time")
}

/// Starts the server again on the same data dir and port, as a supervisor would; returns
/// the time from the spawn to "listening" and to ready, and the readiness polls made.
fn restart(f: &mut Fixture) -> (Duration, Duration, u32) {
    let (dir, port) = (f.server.data_dir.clone(), f.server.addr.port());
    let spawned = Instant::now();
    f.server = Server::start_on(&dir, port, Options::default());
    let listening = spawned.elapsed();
    let (ready, polls) = wait_ready(&f.server, spawned);
    f.api = Api::new(&f.server);
    (listening, ready, polls)
}

/// (1) Every acknowledged account is there, with the id it was created with.
fn check_accounts(f: &Fixture, accounts: &[Acked]) {
    for a in accounts {
        let path = format!("/v2/admin/accounts?username={}", a.username);
        let reply = f.api.call("GET", &path, None);
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        let items = reply.body["items"].as_array().expect("items");
        assert_eq!(
            items.len(),
            1,
            "the acknowledged account `{}` is gone after the crash: {}",
            a.username,
            reply.body
        );
        assert_eq!(
            (items[0]["id"].as_str(), items[0]["username"].as_str()),
            (Some(a.id.as_str()), Some(a.username.as_str())),
            "{}",
            reply.body
        );
    }
}

/// (2) Exactly the newest refresh token of each family is active: a redemption and a
/// rotation are on disk before their answer. A family whose rotation was in flight at
/// the kill has at most its newest token live (the rotation may have landed unseen).
fn check_families(f: &Fixture, load: &Load) {
    for (i, family) in load.interrupted.iter().enumerate() {
        let live = live_positions(f, family);
        assert!(
            live.is_empty() || live == [family.len() - 1],
            "interrupted refresh family {i} of {} tokens has {live:?} live",
            family.len()
        );
    }
    for (i, family) in load.families.iter().enumerate() {
        assert_eq!(
            live_positions(f, family),
            [family.len() - 1],
            "refresh family {i} of {} tokens has these live",
            family.len()
        );
    }
}

/// The positions of the active tokens of `family`, each checked to be alice's.
fn live_positions(f: &Fixture, family: &[String]) -> Vec<usize> {
    let agent = f.server.agent();
    let mut live = Vec::new();
    for (n, token) in family.iter().enumerate() {
        let v = introspect(f, &agent, token);
        if v["active"] == true {
            assert_eq!(
                (
                    v["token_type"].as_str(),
                    v["client_id"].as_str(),
                    v["sub"].as_str(),
                    v["scope"].as_str()
                ),
                (
                    Some("refresh_token"),
                    Some("web"),
                    Some(f.alice.as_str()),
                    Some("openid orders")
                ),
                "{v}"
            );
            live.push(n);
        } else {
            assert_eq!(v, json!({"active": false}));
        }
    }
    live
}

/// (3) No acknowledged end came undone: each ended refresh token is inactive, and the
/// newest redeemed codes do not redeem again.
fn check_ended(f: &Fixture, load: &Load) {
    let agent = f.server.agent();
    for token in &load.ended {
        assert_eq!(
            introspect(f, &agent, token),
            json!({"active": false}),
            "a revoked or signed-out refresh token came back"
        );
    }
    for form in load.redeemed.iter().rev().take(REPLAYS) {
        let (status, body) = try_post(f, &agent, form.clone()).expect("transport");
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "an acknowledged redemption came undone: {body}"
        );
    }
}

/// A client_credentials token acknowledged before the crash still verifies: the signing
/// keys and the client survived.
fn check_machine_token(f: &Fixture, token: &str) {
    let v = introspect(f, &f.server.agent(), token);
    assert_eq!(
        (
            &v["active"],
            v["sub"].as_str(),
            v["client_id"].as_str(),
            v["token_type"].as_str()
        ),
        (&json!(true), Some("web"), Some("web"), Some("Bearer")),
        "{v}"
    );
}

/// After a restart a fresh write, client_credentials grant, sign-in, redemption and
/// rotation all work; what they produced joins `all` for the later checks.
fn sanity(f: &Fixture, round: u64, all: &mut Load) {
    let (api, agent) = (Api::new(&f.server), f.server.agent());
    let mut fresh = Load::default();
    create_account(&api, &format!("crash-sanity-{round}"), &mut fresh).expect("transport");
    check_accounts(f, &fresh.accounts);
    machine_token(f, &agent, &mut fresh).expect("transport");
    check_machine_token(f, &fresh.machine_tokens[0]);
    sign_in_and_rotate(f, &agent, 2, &mut fresh).expect("transport");
    let family = &fresh.families[0];
    let live: Vec<bool> = family
        .iter()
        .map(|t| introspect(f, &agent, t)["active"] == true)
        .collect();
    assert_eq!(live, [false, false, true], "only the newest token is live");
    all.absorb(fresh);
}

#[test]
fn sigkill_under_mixed_load_loses_no_acknowledged_write() {
    let started = Instant::now();
    let seed = seed();
    eprintln!("crash: seed {seed} (rerun with CRASH_SEED={seed})");
    let mut rng = Rng(seed);
    let mut f = start();
    let grants =
        json!({"grant_types": ["authorization_code", "refresh_token", "client_credentials"]});
    let patched = f
        .api
        .call("PATCH", "/v2/admin/tenants/acme/clients/web", Some(&grants));
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["grant_types"], grants["grant_types"]);

    let mut all = Load::default();
    let mut load_accounts = 0;
    for round in 1..=ROUNDS {
        let (load, delay) = load_and_kill(&f, round, &mut rng);
        let status = f.server.wait(Duration::from_secs(10));
        assert_eq!(
            status.signal(),
            Some(9),
            "the server ended otherwise than by the SIGKILL: {status:?}\n{}",
            f.server.log()
        );
        let before = f.server.log();
        assert_eq!(
            trouble(&before),
            Vec::<&str>::new(),
            "trouble in the log under load"
        );
        eprintln!(
            "crash: round {round}: killed after {delay:?}; acknowledged {} accounts, {} refresh families with {} tokens, {} machine tokens, {} redemptions, {} revocations and sign-outs",
            load.accounts.len(),
            load.families.len(),
            load.tokens(),
            load.machine_tokens.len(),
            load.redeemed.len(),
            load.ended.len()
        );
        let round_ends = Load {
            redeemed: load.redeemed.clone(),
            ended: load.ended.clone(),
            ..Load::default()
        };
        load_accounts += load.accounts.len();
        let newest_machine_token = load.machine_tokens.last().cloned();
        all.absorb(load);

        let (listening, ready, polls) = restart(&mut f);
        eprintln!(
            "crash: round {round}: restart listening {listening:?} and ready {ready:?} after spawn ({polls} readiness polls)"
        );
        let log = f.server.wait_for_log("listening on");
        assert!(
            !log.contains("first admin token"),
            "the restart found no admin token:\n{log}"
        );
        assert_eq!(trouble(&log), Vec::<&str>::new(), "at start:\n{log}");
        check_accounts(&f, &all.accounts);
        check_families(&f, &all);
        check_ended(&f, &round_ends);
        eprintln!(
            "crash: round {round}: {} accounts present; all {} refresh families have their newest token live; {} ended tokens stay ended, the newest redemptions stay spent",
            all.accounts.len(),
            all.families.len(),
            all.ended.len()
        );
        if let Some(token) = newest_machine_token {
            check_machine_token(&f, &token);
        }
        sanity(&f, round, &mut all);
    }
    assert!(
        load_accounts > 0,
        "the load never got a write acknowledged before the kills"
    );
    eprintln!("crash: done in {:?}", started.elapsed());
}
