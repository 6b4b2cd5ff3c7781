//! Management operations, shared by the management API, the admin UI and the CLI.
//! Each validates its input, writes in one transaction with its audit event, and
//! returns a view that never carries a stored secret.

pub mod accounts;
pub mod api_keys;
pub mod audit_log;
pub mod backup;
pub mod branding;
pub mod browse;
pub mod clients;
mod ctx;
mod error;
pub mod file_import;
pub mod import;
pub mod keys;
pub mod members;
pub mod overview;
pub mod page;
pub mod reach;
pub mod recovery_links;
pub mod roles;
pub mod scheduled_backup;
pub mod scim_groups;
pub mod scim_tokens;
pub mod scope_descriptions;
pub mod settings;
pub mod sign_in;
pub mod tenants;
pub mod tokens;
pub(crate) mod validate;

pub use ctx::Ctx;
pub use error::AdminError;
