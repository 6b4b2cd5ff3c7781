//! What the protocols share below them (ARCHITECTURE "The shape in one picture"): the
//! rules and records that the OpenID Provider, the exchange and the broker all use, so
//! none of them imports another.

pub mod access;
pub mod claims;
mod ctx;
mod error;
pub mod format;
pub mod id_token_hint;
pub mod issue;
pub mod logout_token;
pub mod pending;
pub mod refresh;
pub mod scopes;
pub mod session;
pub mod subject;
pub mod tenant;

pub use ctx::Ctx;
pub use error::GrantError;
