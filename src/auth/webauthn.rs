//! Passkey ceremonies (WebAuthn Level 2) over `webauthn-rs`: registration, a second
//! factor for a known account, and discoverable sign-in without a username. The relying
//! party is the public URL (id: its host; origin: its serialized origin), so a public
//! URL on an IP address has no passkeys. The library's state and credentials travel as
//! JSON strings, so the store never names its types. Two of the library's defaults are
//! not SPEC's and are set here: the credential algorithms (ES256, EdDSA, RS256) and the
//! signature counter, which the library would check even for backup-eligible
//! credentials; the counter rule is `Store::use_passkey`'s alone.

use crate::clock::UnixTime;
use crate::store::factors::PasskeyFactor;
use std::time::Duration;
use webauthn_rs::prelude::{
    COSEAlgorithm, Credential, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

/// How long a challenge may be answered (SPEC: 5 minutes).
pub const CHALLENGE_SECS: u64 = 300;

/// SPEC's credential algorithms, in order of preference.
const ALGORITHMS: [COSEAlgorithm; 3] = [
    COSEAlgorithm::ES256,
    COSEAlgorithm::EDDSA,
    COSEAlgorithm::RS256,
];

/// Why a ceremony did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// The public URL's host is an IP address: no relying-party id.
    #[error("passkeys are unavailable: the public URL's host is an IP address")]
    Unavailable,
    /// What the browser sent is not a WebAuthn answer.
    #[error("the passkey answer is malformed")]
    Malformed,
    /// The answer is well-formed but does not prove the credential (wrong challenge,
    /// origin, signature, unknown credential, no user verification).
    #[error("the passkey was not accepted: {0}")]
    Refused(String),
    /// Our own state did not serialise or parse back.
    #[error("passkey state: {0}")]
    Internal(String),
}

/// The appliance's relying party; `None` inside when passkeys are unavailable.
pub struct Passkeys(Option<Webauthn>);

/// A verified assertion, before its counter is checked against the store.
pub struct Assertion {
    /// The credential that signed.
    pub credential_id: Vec<u8>,
    /// Its signature counter.
    pub counter: u32,
}

/// A discoverable assertion read far enough to know whose it claims to be.
pub struct Claimed {
    /// The account the user handle names.
    pub account_id: String,
    credential: PublicKeyCredential,
}

impl Passkeys {
    /// The relying party of `public_url` (an origin) whose host is `public_host`;
    /// unavailable when the host is an IP address.
    pub fn new(public_url: &str, public_host: &str) -> Result<Passkeys, PasskeyError> {
        if public_host.parse::<std::net::IpAddr>().is_ok() {
            return Ok(Passkeys(None));
        }
        let origin = Url::parse(public_url).map_err(|e| PasskeyError::Internal(e.to_string()))?;
        let built = WebauthnBuilder::new(public_host, &origin)
            .and_then(|b| {
                b.rp_name(public_host)
                    .timeout(Duration::from_secs(CHALLENGE_SECS))
                    .build()
            })
            .map_err(|e| PasskeyError::Internal(e.to_string()))?;
        Ok(Passkeys(Some(built)))
    }

    /// Whether passkeys can be offered at all.
    pub fn available(&self) -> bool {
        self.0.is_some()
    }

    fn rp(&self) -> Result<&Webauthn, PasskeyError> {
        self.0.as_ref().ok_or(PasskeyError::Unavailable)
    }

    /// Options for `navigator.credentials.create` (JSON) and the state to keep, for
    /// `account_id` (a UUID, which becomes the user handle) without the passkeys it has.
    /// The credential must be discoverable, so that it can later sign in without a
    /// username; attestation `none` is asked for and not evaluated.
    pub fn start_registration(
        &self,
        account_id: &str,
        username: &str,
        existing: &[PasskeyFactor],
    ) -> Result<(String, String), PasskeyError> {
        let handle = user_handle(account_id)?;
        let exclude = existing.iter().map(|p| p.credential_id.clone()).collect();
        let (ccr, state) = self
            .rp()?
            .start_passkey_registration(handle, username, username, Some(exclude))
            .map_err(refused)?;
        // Neither the options' algorithms and resident-key wish nor the state's accepted
        // algorithms have setters in the library: both are set on their JSON.
        let mut options = serde_json::to_value(&ccr).map_err(internal)?;
        let params: Vec<_> = ALGORITHMS
            .iter()
            .map(|a| serde_json::json!({"type": "public-key", "alg": *a as i64}))
            .collect();
        options["publicKey"]["pubKeyCredParams"] = params.into();
        options["publicKey"]["authenticatorSelection"]["residentKey"] = "required".into();
        options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = true.into();
        let mut state = serde_json::to_value(&state).map_err(internal)?;
        state["rs"]["credential_algorithms"] =
            serde_json::to_value(ALGORITHMS).map_err(internal)?;
        Ok((options.to_string(), state.to_string()))
    }

    /// The passkey that answers registration `state` with `response` (the browser's
    /// JSON), named `name`, at `now`.
    pub fn finish_registration(
        &self,
        state: &str,
        response: &str,
        name: &str,
        now: UnixTime,
    ) -> Result<PasskeyFactor, PasskeyError> {
        let state: PasskeyRegistration = serde_json::from_str(state).map_err(internal)?;
        let reg: RegisterPublicKeyCredential =
            serde_json::from_str(response).map_err(|_| PasskeyError::Malformed)?;
        let passkey = self
            .rp()?
            .finish_passkey_registration(&reg, &state)
            .map_err(refused)?;
        let cred = Credential::from(passkey.clone());
        Ok(PasskeyFactor {
            credential_id: cred.cred_id.to_vec(),
            credential: to_json(&passkey)?,
            name: name.to_owned(),
            created_at: now,
            last_used_at: None,
            counter: cred.counter,
            backup_eligible: cred.backup_eligible,
        })
    }

    /// Options for `navigator.credentials.get` limited to `passkeys` (a second factor
    /// after a password), and the state to keep.
    pub fn start_second_factor(
        &self,
        passkeys: &[PasskeyFactor],
    ) -> Result<(String, String), PasskeyError> {
        let creds = passkeys
            .iter()
            .map(uncounted)
            .collect::<Result<Vec<_>, _>>()?;
        let (rcr, state) = self
            .rp()?
            .start_passkey_authentication(&creds)
            .map_err(refused)?;
        Ok((to_json(&rcr)?, to_json(&state)?))
    }

    /// Verifies `response` against second-factor `state`.
    pub fn finish_second_factor(
        &self,
        state: &str,
        response: &str,
    ) -> Result<Assertion, PasskeyError> {
        let state: PasskeyAuthentication = serde_json::from_str(state).map_err(internal)?;
        let cred: PublicKeyCredential =
            serde_json::from_str(response).map_err(|_| PasskeyError::Malformed)?;
        let result = self
            .rp()?
            .finish_passkey_authentication(&cred, &state)
            .map_err(refused)?;
        Ok(Assertion {
            credential_id: result.cred_id().to_vec(),
            counter: result.counter(),
        })
    }

    /// Options for a discoverable sign-in (no username, user verification required),
    /// and the state to keep. The library marks them for conditional mediation; the
    /// page's script asks with a button instead, so that hint is dropped.
    pub fn start_discoverable(&self) -> Result<(String, String), PasskeyError> {
        let (mut rcr, state) = self
            .rp()?
            .start_discoverable_authentication()
            .map_err(refused)?;
        rcr.mediation = None;
        Ok((to_json(&rcr)?, to_json(&state)?))
    }

    /// Reads `response` far enough to learn the account its user handle names.
    pub fn identify(&self, response: &str) -> Result<Claimed, PasskeyError> {
        let credential: PublicKeyCredential =
            serde_json::from_str(response).map_err(|_| PasskeyError::Malformed)?;
        let (handle, _) = self
            .rp()?
            .identify_discoverable_authentication(&credential)
            .map_err(|_| PasskeyError::Malformed)?;
        Ok(Claimed {
            account_id: handle.hyphenated().to_string(),
            credential,
        })
    }

    /// Verifies the claimed assertion against discoverable `state` and the account's
    /// `passkeys`; refused when it was signed by none of them.
    pub fn finish_discoverable(
        &self,
        state: &str,
        claimed: &Claimed,
        passkeys: &[PasskeyFactor],
    ) -> Result<Assertion, PasskeyError> {
        let state = serde_json::from_str(state).map_err(internal)?;
        let raw = claimed.credential.raw_id.as_slice();
        let Some(stored) = passkeys.iter().find(|p| p.credential_id == raw) else {
            return Err(PasskeyError::Refused(
                "no such passkey on the account".into(),
            ));
        };
        let passkey = uncounted(stored)?;
        let result = self
            .rp()?
            .finish_discoverable_authentication_v2(&claimed.credential, state, &passkey)
            .map_err(refused)?;
        Ok(Assertion {
            credential_id: result.cred_id().to_vec(),
            counter: result.counter(),
        })
    }
}

/// The stored credential with its counter at 0, so that the library never judges the
/// counter: SPEC's rule (which spares backup-eligible credentials) is applied by the
/// store's conditional update instead.
fn uncounted(p: &PasskeyFactor) -> Result<Passkey, PasskeyError> {
    let passkey: Passkey = serde_json::from_str(&p.credential).map_err(internal)?;
    let mut cred = Credential::from(passkey);
    cred.counter = 0;
    Ok(Passkey::from(cred))
}

/// The user handle of an account: its id, a UUID, so no name or e-mail is stored on
/// the authenticator and the handle leads straight back to the account.
fn user_handle(account_id: &str) -> Result<Uuid, PasskeyError> {
    Uuid::parse_str(account_id)
        .map_err(|_| PasskeyError::Internal("account id is not a UUID".into()))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, PasskeyError> {
    serde_json::to_string(v).map_err(internal)
}

fn internal(e: serde_json::Error) -> PasskeyError {
    PasskeyError::Internal(e.to_string())
}

fn refused(e: webauthn_rs::prelude::WebauthnError) -> PasskeyError {
    PasskeyError::Refused(e.to_string())
}
