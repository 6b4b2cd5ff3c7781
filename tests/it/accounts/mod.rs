//! Accounts for real life (issue 23): the password policy at every way a password is
//! set, `email_verified` and `must_change_password`, and recovery links.

mod must_change;
mod policy;
mod recovery;
