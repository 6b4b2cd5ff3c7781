//! Password hashing with argon2id (RFC 9106), PHC strings at rest. Hashing is slow on
//! purpose, so the async paths run it on the blocking pool, one hash per core at a time.

use super::CryptoError;
use crate::types::Secret;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// glibc raises its mmap threshold (up to 32 MiB) each time a large mapping is freed;
/// from then on a freed argon2 buffer stayed in its thread's arena, and each sign-in on
/// another blocking thread left a buffer more resident for good. Reserving more
/// than that ceiling keeps every buffer its own mapping, returned to the OS when dropped;
/// only the pages argon2 writes ever become resident.
const RESERVED_BYTES: usize = 33 * 1024 * 1024;

/// argon2's working memory for `params`, in a reservation the allocator unmaps on drop.
fn working_memory(params: &Params) -> Vec<Block> {
    let count = params.block_count();
    let mut blocks = Vec::with_capacity(count.max(RESERVED_BYTES / Block::SIZE));
    blocks.resize(count, Block::default());
    blocks
}

/// The cost of a new hash: OWASP's argon2id line of 7 MiB and 5 passes, which it rates
/// as strong as 19 MiB and 2 passes at about the same CPU time, and which Keycloak uses
/// by default. With one hash per core at a time, the smaller working memory is what
/// keeps a sign-in flood within the appliance's memory budget.
const M_COST_KIB: u32 = 7 * 1024;
const T_COST: u32 = 5;
const P_COST: u32 = 1;

/// The hasher new passwords (and the unknown-user dummy) are hashed with.
fn hasher() -> Result<Argon2<'static>, CryptoError> {
    let params =
        Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|_| CryptoError::Password)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Runs `argon` over `password` and `salt` into `out`.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    argon
        .hash_password_into_with_memory(password, salt, out, working_memory(argon.params()))
        .map_err(|_| CryptoError::Password)
}

/// Hashes a password with argon2id at [`hasher`]'s cost. Blocking.
pub fn hash(password: &Secret) -> Result<String, CryptoError> {
    let salt = SaltString::generate(&mut OsRng);
    let argon = hasher()?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|_| CryptoError::Password)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon, password.expose().as_bytes(), salt_bytes, &mut out)?;
    phc_string(&argon, &salt, &out)
}

/// A PHC string with [`hasher`]'s parameters whose output is random bytes, so that no
/// known password matches it. Checking a password against it costs what a real check
/// costs, which is what an unknown user's sign-in needs; making it hashes nothing.
pub fn unmatchable() -> Result<String, CryptoError> {
    let salt = SaltString::generate(&mut OsRng);
    let out = super::random::bytes::<{ Params::DEFAULT_OUTPUT_LEN }>()?;
    phc_string(&hasher()?, &salt, &out)
}

/// The PHC string for `out`, hashed by `argon` with `salt`.
fn phc_string(argon: &Argon2<'_>, salt: &SaltString, out: &[u8]) -> Result<String, CryptoError> {
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(|_| CryptoError::Password)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(out).map_err(|_| CryptoError::Password)?),
    };
    Ok(phc.to_string())
}

/// The most memory (KiB) a stored hash may ask for: a PHC string is data (an import
/// brings them), and argon2 allows up to 4 TiB, which would abort the process.
const MAX_M_COST_KIB: u32 = 256 * 1024;
/// The most passes a stored hash may ask for, so one sign-in cannot hold a core for ever.
const MAX_T_COST: u32 = 10;
/// The most lanes a stored hash may ask for.
const MAX_P_COST: u32 = 8;

/// An argon2 PHC string within the bounds above, taken apart for verifying: the hasher,
/// the salt and the expected output. `None` for anything else.
struct Stored<'a> {
    argon: Argon2<'static>,
    salt: argon2::password_hash::Salt<'a>,
    expected: Output,
}

fn stored(phc: &str) -> Option<Stored<'_>> {
    let parsed = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let params = Params::try_from(&parsed).ok()?;
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(v) => v.ok()?,
    };
    let within = params.m_cost() <= MAX_M_COST_KIB
        && params.t_cost() <= MAX_T_COST
        && params.p_cost() <= MAX_P_COST;
    let (salt, expected) = (parsed.salt?, parsed.hash?);
    (within && (16..=64).contains(&expected.len())).then(|| Stored {
        argon: Argon2::new(algorithm, version, params),
        salt,
        expected,
    })
}

/// Checks that `phc` is an argon2id string this appliance will verify (bounded memory,
/// passes and lanes, a salt, a 16–64 byte hash), for an import.
pub fn acceptable_phc(phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|p| p.algorithm.as_str() == "argon2id")
        && stored(phc).is_some()
}

/// True if `password` matches the PHC string: argon2id as this appliance hashes, or any
/// argon2 variant an import brought, within the bounds above. Blocking.
pub fn verify(password: &Secret, phc: &str) -> bool {
    let Some(Stored {
        argon,
        salt,
        expected,
    }) = stored(phc)
    else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if compute(&argon, password.expose().as_bytes(), salt_bytes, &mut out).is_err() {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// Hashes running at once: one per core. A flood of sign-ins waits here, on no thread,
/// instead of taking every blocking thread (which IdP calls need too) and 7 MiB of
/// memory per hash.
fn cores() -> Arc<Semaphore> {
    static CORES: OnceLock<Arc<Semaphore>> = OnceLock::new();
    Arc::clone(CORES.get_or_init(|| {
        let n = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Arc::new(Semaphore::new(n))
    }))
}

/// Runs `work` on the blocking pool once a core is free. The core is held by the
/// blocking job itself, so a caller that goes away (a cancelled request) does not free
/// it while the hash still runs.
async fn off_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CryptoError> {
    let core = cores()
        .acquire_owned()
        .await
        .map_err(|_| CryptoError::Password)?;
    tokio::task::spawn_blocking(move || {
        let _core = core;
        work()
    })
    .await
    .map_err(|_| CryptoError::Password)
}

/// [`hash`] on the blocking pool, so the async workers keep serving.
pub async fn hash_off_workers(password: Secret) -> Result<String, CryptoError> {
    off_workers(move || hash(&password)).await?
}

/// Hashes many passwords (a bulk import), in order, a core's worth at a time: a
/// sign-in waiting for a core gets one between two rounds, not after the whole batch.
pub async fn hash_many_off_workers(passwords: Vec<Secret>) -> Result<Vec<String>, CryptoError> {
    let round = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let mut hashes = Vec::with_capacity(passwords.len());
    let mut passwords = passwords.into_iter().peekable();
    while passwords.peek().is_some() {
        let started: Vec<_> = passwords
            .by_ref()
            .take(round)
            .map(|p| tokio::spawn(hash_off_workers(p)))
            .collect();
        for hashing in started {
            hashes.push(hashing.await.map_err(|_| CryptoError::Password)??);
        }
    }
    Ok(hashes)
}

/// [`verify`] on a blocking thread, so argon2id never holds an async worker.
pub async fn verify_off_workers(password: Secret, phc: String) -> Result<bool, CryptoError> {
    off_workers(move || verify(&password, &phc)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let pw = Secret::new("correct horse battery staple");
        let (a, b) = (hash(&pw).unwrap(), hash(&pw).unwrap());
        assert!(a.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{a}");
        assert_ne!(a, b);
        assert!(verify(&pw, &a));
        assert!(!verify(&Secret::new("wrong"), &a));
        assert!(!verify(&pw, "not a phc string"));
    }
    #[test]
    fn the_unmatchable_hash_costs_what_a_real_one_does_and_matches_nothing() {
        let real = hash(&Secret::new("anything")).unwrap();
        let (a, b) = (unmatchable().unwrap(), unmatchable().unwrap());
        let params = |phc: &str| phc.split('$').take(4).collect::<Vec<_>>().join("$");
        assert_eq!(
            params(&a),
            params(&real),
            "same algorithm, version and cost"
        );
        assert!(acceptable_phc(&a), "it is verified, not refused early");
        assert_ne!(a, b);
        assert!(!verify(&Secret::new(""), &a));
        assert!(!verify(&Secret::new("anything"), &a));
    }

    #[test]
    fn hashes_interoperate_with_the_argon2_crates_own_hasher() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let pw = Secret::new("interoperable password");
        let ours = hash(&pw).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"interoperable password", &parsed)
                .is_ok()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"interoperable password", &salt)
            .unwrap()
            .to_string();
        assert!(verify(&pw, &theirs));
        assert!(!verify(&Secret::new("interoperable passworD"), &theirs));
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password(b"interoperable password", &salt)
        .unwrap()
        .to_string();
        assert!(
            verify(&pw, &argon2i),
            "other argon2 variants and parameters verify too"
        );
    }

    #[test]
    fn stored_hashes_beyond_the_bounds_are_refused_without_hashing() {
        let pw = Secret::new("bounded");
        let good = hash(&pw).unwrap();
        assert!(acceptable_phc(&good));
        let params = good.split('$').nth(3).unwrap().to_owned();
        for bad in [
            "m=4294967295,t=2,p=1",
            "m=19456,t=4294967295,p=1",
            "m=19456,t=2,p=255",
        ] {
            let phc = good.replace(&params, bad);
            assert!(!acceptable_phc(&phc), "{bad}");
            assert!(!verify(&pw, &phc), "{bad}");
        }
        let no_salt = good.rsplitn(3, '$').last().unwrap().to_owned();
        assert!(!acceptable_phc(&no_salt));
        assert!(
            !acceptable_phc(&good.replace("argon2id", "argon2i")),
            "imports take argon2id only"
        );
    }
}
