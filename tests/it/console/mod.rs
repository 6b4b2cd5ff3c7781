//! The member's own account console (`/t/{tenant}/account`, issue 23).

mod factors;
mod passkeys;
mod password;
mod sessions;
mod sign_in;
mod stale;
