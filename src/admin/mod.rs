//! Management operations, shared by the management API, the admin UI and the CLI.

mod error;
pub mod keys;
pub mod page;
pub mod tenants;
pub mod tokens;

pub use error::AdminError;
