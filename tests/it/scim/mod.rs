//! SCIM 2.0 provisioning (issue 24) and what it stands on: memberships that can be
//! disabled in one tenant while the account keeps working in others.

mod membership_active;
