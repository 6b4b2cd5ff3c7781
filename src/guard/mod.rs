//! Rate limits, in one place (SPEC "Durability and security promises"): failure
//! counters with growing delays per address, username, client, API key and admin
//! sign-in ([`failures`], whose `record` is the one place that audits a new block), and
//! count-based quotas per address for what unauthenticated requests may store
//! ([`quota`]). Both bucket addresses alike ([`bucket`]).

pub mod failures;
pub mod quota;

pub use failures::{Blocked, Key, Limiter, Outcome, Policy, Realm, Subject, bucket};
pub use quota::Quota;
