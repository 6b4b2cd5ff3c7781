//! Validated newtypes shared by every layer: what a value *is* is decided once, at the edge.

mod admin_role;
mod alg;
mod cidr;
mod destination;
mod error_kind;
pub mod image;
mod jkt;
mod oauth;
mod origin;
pub mod secret;
mod tenant_id;

pub use admin_role::{AdminRole, Role};
pub use alg::{Alg, JwsAlg};
pub use cidr::Cidr;
pub use destination::{DestinationError, HttpsDestination};
pub use error_kind::ErrorKind;
pub use jkt::Jkt;
pub use oauth::{
    AuthMethod, GrantType, RedirectUriError, ResponseType, check_redirect_uri, is_scope_token,
};
pub use origin::{Origin, OriginError};
pub use secret::Secret;
pub use tenant_id::TenantId;
