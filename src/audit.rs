//! Audit events: who did what to which record. No field can carry a secret: events hold
//! ids, kinds and names only.

use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// An admin API token, by id.
    AdminToken(String),
    /// An account, by id.
    Account(String),
    /// A tenant's SCIM token, by id: the partner's directory provisioning.
    ScimToken(String),
    /// An OAuth client, by client id.
    Client(String),
    /// latchkey itself (initialisation, sweeps).
    System,
    /// A caller that could not be identified (e.g. an unknown API key).
    Anonymous,
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditKind {
    /// A tenant was created.
    #[serde(rename = "tenant.created")]
    TenantCreated,
    /// A tenant's settings changed.
    #[serde(rename = "tenant.updated")]
    TenantUpdated,
    /// A tenant and everything under it was deleted.
    #[serde(rename = "tenant.deleted")]
    TenantDeleted,
    /// Introspection settings were set.
    #[serde(rename = "introspection.set")]
    IntrospectionSet,
    /// Introspection settings were removed.
    #[serde(rename = "introspection.deleted")]
    IntrospectionDeleted,
    /// Upstream OIDC settings were set.
    #[serde(rename = "upstream_oidc.set")]
    UpstreamSet,
    /// Upstream OIDC settings were removed.
    #[serde(rename = "upstream_oidc.deleted")]
    UpstreamDeleted,
    /// A tenant's branding was set or replaced.
    #[serde(rename = "branding.set")]
    BrandingSet,
    /// A tenant's branding was removed.
    #[serde(rename = "branding.deleted")]
    BrandingDeleted,
    /// A client was registered.
    #[serde(rename = "client.created")]
    ClientCreated,
    /// A client was changed.
    #[serde(rename = "client.updated")]
    ClientUpdated,
    /// A client was deleted.
    #[serde(rename = "client.deleted")]
    ClientDeleted,
    /// A client's secret was replaced.
    #[serde(rename = "client.secret_rotated")]
    ClientSecretRotated,
    /// An API key was created.
    #[serde(rename = "api_key.created")]
    ApiKeyCreated,
    /// An API key was revoked.
    #[serde(rename = "api_key.revoked")]
    ApiKeyRevoked,
    /// An account was created.
    #[serde(rename = "account.created")]
    AccountCreated,
    /// A batch of accounts was imported offline (`detail`: how many).
    #[serde(rename = "accounts.imported")]
    AccountsImported,
    /// An account was changed.
    #[serde(rename = "account.updated")]
    AccountUpdated,
    /// An account was disabled.
    #[serde(rename = "account.disabled")]
    AccountDisabled,
    /// An account was enabled again.
    #[serde(rename = "account.enabled")]
    AccountEnabled,
    /// An account's password was set or cleared (`detail`: by whom, `admin`, `user` or
    /// `link`). Events stored under its earlier name, `account.password_changed`, read as this.
    #[serde(rename = "password.changed", alias = "account.password_changed")]
    PasswordChanged,
    /// An account was deleted.
    #[serde(rename = "account.deleted")]
    AccountDeleted,
    /// An admin made a recovery link for an account (`tenant`: whose page it opens;
    /// `detail`: its lifetime in seconds).
    #[serde(rename = "recovery_link.created")]
    RecoveryLinkCreated,
    /// A recovery link set an account's password.
    #[serde(rename = "recovery_link.used")]
    RecoveryLinkUsed,
    /// An account's sessions were ended.
    #[serde(rename = "account.sessions_ended")]
    AccountSessionsEnded,
    /// A membership was created or replaced.
    #[serde(rename = "membership.set")]
    MembershipSet,
    /// A membership was removed.
    #[serde(rename = "membership.deleted")]
    MembershipDeleted,
    /// An admin token was created.
    #[serde(rename = "admin_token.created")]
    AdminTokenCreated,
    /// An admin token was revoked.
    #[serde(rename = "admin_token.revoked")]
    AdminTokenRevoked,
    /// A SCIM token was created.
    #[serde(rename = "scim_token.created")]
    ScimTokenCreated,
    /// A SCIM token was deleted.
    #[serde(rename = "scim_token.revoked")]
    ScimTokenRevoked,
    /// A SCIM group (a scope and who holds it) was created or changed.
    #[serde(rename = "scim_group.set")]
    ScimGroupSet,
    /// A SCIM group was deleted, its scope removed from every membership.
    #[serde(rename = "scim_group.deleted")]
    ScimGroupDeleted,
    /// An online backup was taken.
    #[serde(rename = "backup.created")]
    BackupCreated,
    /// Signing keys were rotated.
    #[serde(rename = "keys.rotated")]
    KeysRotated,
    /// Retired signing keys, whose tokens have all expired, were removed from the JWKS.
    #[serde(rename = "keys.removed")]
    KeysRemoved,
    /// A user signed in.
    #[serde(rename = "login")]
    Login,
    /// A key (an address, a username, a client) was blocked for repeated failures.
    #[serde(rename = "rate_limited")]
    RateLimited,
    /// A user signed out.
    #[serde(rename = "logout")]
    Logout,
    /// A sign-in failed.
    #[serde(rename = "login.failed")]
    LoginFailed,
    /// A second factor was refused at sign-in.
    #[serde(rename = "mfa.failed")]
    MfaFailed,
    /// An account enrolled a second factor (`detail`: which).
    #[serde(rename = "mfa.enrolled")]
    MfaEnrolled,
    /// Second factors were removed: all of them by an admin, or one by the account
    /// from its console (`detail`: which).
    #[serde(rename = "mfa.removed")]
    MfaRemoved,
    /// An account renamed one of its passkeys from its console.
    #[serde(rename = "mfa.renamed")]
    MfaRenamed,
    /// A code was presented a second time; what it issued was revoked.
    #[serde(rename = "code.replayed")]
    CodeReplayed,
    /// A used refresh token was presented; its family was revoked.
    #[serde(rename = "refresh.reused")]
    RefreshReused,
    /// A token was revoked at the revocation endpoint.
    #[serde(rename = "token.revoked")]
    TokenRevoked,
    /// Tokens were issued (`detail`: the grant); written in batches.
    #[serde(rename = "token.issued")]
    TokenIssued,
    /// A foreign token was exchanged for latchkey tokens.
    #[serde(rename = "exchange")]
    Exchange,
    /// A token exchange was refused; `detail` says why.
    #[serde(rename = "exchange.failed")]
    ExchangeFailed,
    /// A client acknowledged a back-channel logout (`detail`: the HTTP status).
    #[serde(rename = "backchannel_logout.delivered")]
    BackchannelLogoutDelivered,
    /// A back-channel logout failed and will be tried again (`detail`: the HTTP status,
    /// or `timeout`, `unreachable`, `tls`, `too_large`, `signing_failed`).
    #[serde(rename = "backchannel_logout.retrying")]
    BackchannelLogoutRetrying,
    /// A client answered a back-channel logout with a status that is not retried
    /// (`detail`: the HTTP status).
    #[serde(rename = "backchannel_logout.refused")]
    BackchannelLogoutRefused,
    /// A back-channel logout was given up (`detail`: the last attempt's status or reason
    /// when a day of retries ran out, or `client_gone`, `uri_removed`).
    #[serde(rename = "backchannel_logout.abandoned")]
    BackchannelLogoutAbandoned,
}

impl AuditKind {
    /// Whether the event also goes to the log as a line of its own (SPEC "Operations"),
    /// for journald-based tools (fail2ban, a SIEM) that never read the audit store.
    pub fn is_security(self) -> bool {
        matches!(
            self,
            AuditKind::LoginFailed
                | AuditKind::MfaFailed
                | AuditKind::RateLimited
                | AuditKind::CodeReplayed
                | AuditKind::RefreshReused
                | AuditKind::ExchangeFailed
        )
    }

    /// The name used in the API and in `?kind=` filters.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Sign-ins since start by outcome, in the order of [`SIGN_IN_OUTCOMES`]. One process
/// serves one appliance, so the counts are the process's.
static SIGN_INS: [std::sync::atomic::AtomicU64; 3] = [
    std::sync::atomic::AtomicU64::new(0),
    std::sync::atomic::AtomicU64::new(0),
    std::sync::atomic::AtomicU64::new(0),
];

/// The outcomes of a sign-in step: `login`, `login.failed` and `mfa.failed` events.
pub const SIGN_IN_OUTCOMES: [&str; 3] = ["success", "failure", "mfa_failure"];

/// Sign-ins since start by outcome (end users, brokered users and admins alike).
pub fn sign_ins() -> [(&'static str, u64); 3] {
    let count = |i: usize| SIGN_INS[i].load(std::sync::atomic::Ordering::Relaxed);
    [0, 1, 2].map(|i| (SIGN_IN_OUTCOMES[i], count(i)))
}

/// One audit event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When it happened.
    pub at: UnixTime,
    /// What happened.
    pub kind: AuditKind,
    /// Who did it.
    pub actor: Actor,
    /// The tenant concerned, by slug.
    pub tenant: Option<String>,
    /// The account concerned, by id.
    pub account: Option<String>,
    /// The record acted on (client id, key id, token id …), never a secret.
    pub target: Option<String>,
    /// Why, as a short fixed reason (e.g. `idp_timeout`), never a secret.
    #[serde(default)]
    pub detail: Option<String>,
    /// How many identical events this one stands for (batched token issuance); absent
    /// for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl AuditEvent {
    /// Counts a sign-in's outcome for `/metrics` (see [`sign_ins`]) and logs a security
    /// event as a line of its own; every recorded event passes here.
    pub fn observe(&self) {
        let outcome = match self.kind {
            AuditKind::Login => Some(0),
            AuditKind::LoginFailed => Some(1),
            AuditKind::MfaFailed => Some(2),
            _ => None,
        };
        if let Some(i) = outcome {
            SIGN_INS[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.log_if_security();
    }

    /// Logs a security event as a line of its own, at info level (an attacker's
    /// failures are expected traffic, not a fault of the appliance): its kind and the
    /// fields an audit event carries, none of which is a secret.
    pub fn log_if_security(&self) {
        if !self.kind.is_security() {
            return;
        }
        let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        tracing::info!(
            event = %self.kind.name(),
            tenant = %field(&self.tenant),
            account = %field(&self.account),
            target = %field(&self.target),
            detail = %field(&self.detail),
            actor = ?self.actor,
            "security event {}",
            self.kind.name()
        );
    }

    /// An event with no tenant, account or target yet.
    pub fn new(at: UnixTime, kind: AuditKind, actor: &Actor) -> Self {
        AuditEvent {
            at,
            kind,
            actor: actor.clone(),
            tenant: None,
            account: None,
            target: None,
            detail: None,
            count: None,
        }
    }

    /// Names the tenant.
    pub fn tenant(mut self, slug: &str) -> Self {
        self.tenant = Some(slug.to_owned());
        self
    }

    /// Names the account.
    pub fn account(mut self, id: &str) -> Self {
        self.account = Some(id.to_owned());
        self
    }

    /// Names the target record.
    pub fn target(mut self, id: &str) -> Self {
        self.target = Some(id.to_owned());
        self
    }

    /// Says why, in a short fixed reason.
    pub fn detail(mut self, reason: &str) -> Self {
        self.detail = Some(reason.to_owned());
        self
    }
}

/// Token-issue events (and successful exchanges, which issue tokens), gathered between
/// batch writes: identical events (same kind, tenant, actor, account, target and grant)
/// become one event with a `count`, stamped with the first one's time. Token issuance is
/// the hot path; SPEC lets its events trail by a flush interval, and thousands of
/// identical records a second would only bloat the store.
#[derive(Debug, Default)]
pub struct Batch {
    events: Mutex<Gathered>,
}

/// The events of one batch by what makes them identical, each with its arrival number.
type Gathered = HashMap<FoldKey, (u64, AuditEvent)>;

/// What makes two events identical: kind, tenant, actor, account, target and detail.
type FoldKey = (
    AuditKind,
    Option<String>,
    Actor,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Batch {
    /// Adds `event` to the next batch, folding it into an identical one.
    pub fn push(&self, event: AuditEvent) {
        let key = (
            event.kind,
            event.tenant.clone(),
            event.actor.clone(),
            event.account.clone(),
            event.target.clone(),
            event.detail.clone(),
        );
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let arrival = events.len() as u64;
        let adds = event.count.unwrap_or(1);
        events
            .entry(key)
            .and_modify(|(_, e)| e.count = Some(e.count.unwrap_or(1) + adds))
            .or_insert((arrival, event));
    }

    /// Everything gathered so far in the order it happened, leaving the batch empty.
    pub fn take(&self) -> Vec<AuditEvent> {
        let gathered = std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()));
        let mut events: Vec<(u64, AuditEvent)> = gathered.into_values().collect();
        events.sort_by_key(|(arrival, e)| (e.at, *arrival));
        events.into_iter().map(|(_, e)| e).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_dotted_names() {
        assert_eq!(
            AuditKind::ClientSecretRotated.name(),
            "client.secret_rotated"
        );
        assert_eq!(AuditKind::TenantCreated.name(), "tenant.created");
    }

    #[test]
    fn a_batch_folds_identical_events_and_keeps_the_first_time() {
        let batch = Batch::default();
        let issued = |at, client: &str| {
            AuditEvent::new(at, AuditKind::TokenIssued, &Actor::Client(client.into()))
                .tenant("acme")
                .detail("client_credentials")
        };
        batch.push(issued(10, "a"));
        batch.push(issued(11, "a"));
        batch.push(issued(12, "a"));
        batch.push(issued(13, "b"));
        batch.push(
            AuditEvent::new(14, AuditKind::Exchange, &Actor::Client("a".into()))
                .tenant("acme")
                .detail("client_credentials"),
        );
        let events = batch.take();
        assert_eq!(events.len(), 3, "another kind is never folded in");
        assert_eq!((events[0].at, events[0].count), (10, Some(3)));
        assert_eq!((events[1].at, events[1].count), (13, None));
        assert!(batch.take().is_empty(), "taking empties the batch");
    }
}
