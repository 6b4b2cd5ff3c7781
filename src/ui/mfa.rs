//! The views of the second sign-in step: the code form, TOTP enrolment, and the
//! recovery codes shown once.

use super::{PasskeyOffer, Text};
use serde::Serialize;

/// The form every second-step page posts: where, its CSRF token and request.
#[derive(Debug, Serialize)]
pub struct StepForm {
    /// The tenant's display name.
    pub tenant_name: String,
    /// Where the form posts.
    pub action: String,
    /// The CSRF token (also in the CSRF cookie).
    pub csrf: String,
    /// The pending authorization request.
    pub request_id: String,
    /// A failure message, if the last attempt failed.
    pub error: Option<Text>,
}

/// The page asking for a TOTP code or a recovery code.
#[derive(Debug, Serialize)]
pub struct CodeView {
    /// The form.
    pub form: StepForm,
    /// Whether the account has an authenticator app.
    pub totp: bool,
    /// "Use a passkey", when the account has one.
    pub passkey: PasskeyOffer,
}

/// The TOTP enrolment page.
#[derive(Debug, Serialize)]
pub struct EnrolView {
    /// The form.
    pub form: StepForm,
    /// The `otpauth://` URI as a QR code, an SVG document our own code drew.
    pub qr_svg: String,
    /// The secret in base32, for typing into an app.
    pub secret: String,
    /// The `otpauth://` URI as text.
    pub uri: String,
    /// "Or add a passkey".
    pub passkey: PasskeyOffer,
}

/// The new recovery codes, shown once, with a button that continues the request.
#[derive(Debug, Serialize)]
pub struct RecoveryCodesView {
    /// The form that continues.
    pub form: StepForm,
    /// The codes.
    pub codes: Vec<String>,
}
