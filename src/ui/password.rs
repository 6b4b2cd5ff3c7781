//! The view of the page where a user chooses a new password: the change an admin asked
//! for after sign-in, and a recovery link.

use serde::Serialize;

/// The new-password page.
#[derive(Debug, Serialize)]
pub struct NewPasswordView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// The page's headline.
    pub heading: String,
    /// One sentence saying why the user is here.
    pub intro: String,
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
    pub error: Option<String>,
}
