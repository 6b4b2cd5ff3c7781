//! The view of the page where a user chooses a new password: the change an admin asked
//! for after sign-in, and a recovery link.

use super::Msg;
use serde::Serialize;

/// The new-password page.
#[derive(Debug, Serialize)]
pub struct NewPasswordView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// The page's headline.
    pub heading: Msg,
    /// One sentence saying why the user is here.
    pub intro: Msg,
    /// Where the form posts.
    pub action: String,
    /// The CSRF token (also in the CSRF cookie).
    pub csrf: String,
    /// Hidden fields the form carries back (the pending request, or the link's token).
    pub hidden: Vec<(String, String)>,
    /// The account's username, for password managers.
    pub username: String,
    /// The fewest characters the policy allows, said up front.
    pub min_length: usize,
    /// Why the last attempt was refused.
    pub error: Option<Msg>,
    /// An authenticator app to set up in the same form, where the tenant requires one.
    pub enrol: Option<TotpSetup>,
}

/// An authenticator app being set up: what the user scans or types into it.
#[derive(Debug, Serialize)]
pub struct TotpSetup {
    /// The `otpauth://` URI as a QR code, an SVG document our own code drew.
    pub qr_svg: String,
    /// The secret in base32, for typing into an app.
    pub secret: String,
    /// The `otpauth://` URI as text.
    pub uri: String,
}

/// The page after a recovery link set the password.
#[derive(Debug, Serialize)]
pub struct RecoveredView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// New recovery codes to show once, when an authenticator app was set up.
    pub codes: Vec<String>,
}
