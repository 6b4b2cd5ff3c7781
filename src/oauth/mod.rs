//! latchkey as OpenID Provider (OIDC Core 1.0, RFC 6749 and its extensions).

pub mod authorize;
pub mod backchannel;
pub mod client_assertion;
pub mod client_auth;
pub mod consent;
pub mod cors;
mod ctx;
pub mod discovery;
pub mod dpop;
mod error;
#[cfg(test)]
mod flow_tests;
pub mod introspect;
pub mod login;
pub mod logout;
pub mod passkey;
pub mod password_change;
pub mod request;
pub mod revoke;
pub mod second_factor;
pub mod tenant;
pub mod token;
pub mod userinfo;

pub use ctx::Ctx;
pub use error::{ErrorCode, OAuthError};
