//! Validated newtypes shared by every layer: what a value *is* is decided once, at the edge.

mod alg;
mod error_kind;
pub mod secret;
mod tenant_id;

pub use alg::Alg;
pub use error_kind::ErrorKind;
pub use secret::Secret;
pub use tenant_id::TenantId;
