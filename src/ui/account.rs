//! The view of a member's own account console (`/t/{tenant}/account`).

use super::Msg;
use super::PasskeyOffer;
use super::password::TotpSetup;
use serde::Serialize;

/// The console page.
#[derive(Debug, Serialize)]
pub struct AccountView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// The account's username.
    pub username: String,
    /// The account's display name, read-only here: an administrator sets it.
    pub name: Option<String>,
    /// The account's e-mail address, read-only here: an administrator sets it.
    pub email: Option<String>,
    /// Where "sign out" leads: the tenant's logout page.
    pub logout: String,
    /// Where the console's forms post.
    pub action: String,
    /// The CSRF token of the console's forms (also in the CSRF cookie).
    pub csrf: String,
    /// The account's live SSO sessions.
    pub sessions: Vec<SessionRow>,
    /// What the last form did, said once.
    pub notice: Option<Msg>,
    /// Why the last password change was refused.
    pub password_error: Option<Msg>,
    /// The fewest characters a new password may have, said up front.
    pub min_length: usize,
    /// The account's second factors.
    pub factors: FactorsRow,
    /// New recovery codes, shown only in the answer that made them.
    pub new_codes: Vec<String>,
    /// Why the last change of a second factor was refused.
    pub factor_error: Option<Msg>,
    /// The authenticator app being set up, until a right code adds it.
    pub totp_setup: Option<ConsoleTotpSetup>,
    /// The account's passkeys.
    pub passkeys: Vec<PasskeyRow>,
    /// The ceremony of a passkey being added (its options for the page's script), or
    /// the sentence saying passkeys are unavailable on this public URL.
    pub passkey: PasskeyOffer,
}

/// One of the account's passkeys, as the console lists it.
#[derive(Debug, Serialize)]
pub struct PasskeyRow {
    /// Its id in the rename and remove forms: the credential id, base64url.
    pub id: String,
    /// The name the user gave it.
    pub name: String,
    /// When it was added (RFC 3339).
    pub added_at: String,
    /// When it last signed in (RFC 3339); `None` when never.
    pub last_used_at: Option<String>,
}

/// An authenticator app being set up from the console: what the user scans, and the
/// id under which the server keeps its sealed secret meanwhile.
#[derive(Debug, Serialize)]
pub struct ConsoleTotpSetup {
    /// The QR code, the secret as text and its URI.
    pub setup: TotpSetup,
    /// The console pending request that holds the sealed secret.
    pub request: String,
}

/// What second factors the account holds.
#[derive(Debug, Serialize)]
pub struct FactorsRow {
    /// An authenticator app is set up.
    pub totp: bool,
    /// How many passkeys.
    pub passkeys: usize,
    /// How many unused recovery codes.
    pub recovery_codes_left: usize,
}

/// One of the account's SSO sessions.
#[derive(Debug, Serialize)]
pub struct SessionRow {
    /// When it signed in (RFC 3339).
    pub signed_in_at: String,
    /// True for the session of the browser showing the page.
    pub this_one: bool,
}
