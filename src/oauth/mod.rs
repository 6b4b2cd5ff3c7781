//! latchkey as OpenID Provider (OIDC Core 1.0, RFC 6749 and its extensions).

pub mod discovery;
mod error;

pub use error::OAuthError;
