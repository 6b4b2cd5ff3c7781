//! Client registration: validation of grants, response types and redirect URIs, secrets
//! shown once, and rotation.

use super::page::{Page, PageRequest};
use super::{AdminError, Ctx, validate};
use crate::audit::{AuditEvent, AuditKind};
use crate::clock::rfc3339;
use crate::crypto::jose::JwkSet;
use crate::crypto::{client_jwks, hash, random};
use crate::store::TxError;
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use crate::types::{
    Alg, AuthMethod, GrantType, HttpsDestination, Origin, ResponseType, check_redirect_uri,
};
use serde::{Deserialize, Serialize};

/// Prefix of client secrets.
const SECRET_PREFIX: &str = "lkcs_";

/// `POST /tenants/{t}/clients` body; `PATCH` takes the same fields, all optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// A chosen id; generated when absent.
    pub client_id: Option<String>,
    /// A name for people.
    pub name: Option<String>,
    /// Redirect URIs.
    pub redirect_uris: Option<Vec<String>>,
    /// Post-logout redirect URIs.
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Grant types.
    pub grant_types: Option<Vec<String>>,
    /// Response types.
    pub response_types: Option<Vec<String>>,
    /// Scopes.
    pub scopes: Option<Vec<String>>,
    /// Token endpoint authentication method.
    pub token_endpoint_auth_method: Option<String>,
    /// ID token algorithm.
    pub id_token_signed_response_alg: Option<String>,
    /// Whether consent is asked.
    pub require_consent: Option<bool>,
    /// Origins a browser app may call from (CORS).
    pub allowed_origins: Option<Vec<String>>,
    /// Public keys, as a JWK Set; `{"keys": []}` removes them.
    pub jwks: Option<serde_json::Value>,
    /// Where its public keys are published instead of `jwks`; `""` removes it.
    pub jwks_uri: Option<String>,
    /// Whether `/authorize` takes only pushed requests (PAR).
    pub require_pushed_authorization_requests: Option<bool>,
    /// Whether every token request must carry a DPoP proof (RFC 9449 §5.2).
    pub dpop_bound_access_tokens: Option<bool>,
    /// Where back-channel logouts are posted; `""` removes it.
    pub backchannel_logout_uri: Option<String>,
    /// Whether it needs `sid` in logout tokens.
    pub backchannel_logout_session_required: Option<bool>,
    /// Whether its logout tokens are typed `JWT` instead of `logout+jwt`.
    pub backchannel_logout_untyped: Option<bool>,
}

/// A client as the API shows it.
#[derive(Debug, Serialize)]
pub struct ClientView {
    /// Its id.
    pub client_id: String,
    /// Its tenant.
    pub tenant: String,
    /// Its name.
    pub name: String,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// Grant types.
    pub grant_types: Vec<GrantType>,
    /// Response types.
    pub response_types: Vec<ResponseType>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Token endpoint authentication method.
    pub token_endpoint_auth_method: AuthMethod,
    /// ID token algorithm.
    pub id_token_signed_response_alg: Alg,
    /// Whether consent is asked.
    pub require_consent: bool,
    /// Origins a browser app may call from (CORS), serialized.
    pub allowed_origins: Vec<String>,
    /// Its public keys, if it registered some.
    pub jwks: Option<JwkSet>,
    /// Where its public keys are published, if it registered that instead.
    pub jwks_uri: Option<String>,
    /// Whether `/authorize` takes only pushed requests (PAR).
    pub require_pushed_authorization_requests: bool,
    /// Whether every token request must carry a DPoP proof.
    pub dpop_bound_access_tokens: bool,
    /// Where back-channel logouts are posted, if anywhere.
    pub backchannel_logout_uri: Option<String>,
    /// Whether it needs `sid` in logout tokens (always sent).
    pub backchannel_logout_session_required: bool,
    /// Whether its logout tokens are typed `JWT` instead of `logout+jwt`.
    pub backchannel_logout_untyped: bool,
    /// When it was registered.
    pub created_at: String,
    /// The secret, only in the answer that created or rotated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// `POST /tenants/{t}/clients/{c}/secret` answer.
#[derive(Debug, Serialize)]
pub struct RotatedSecret {
    /// The client.
    pub client_id: String,
    /// Its new secret, shown once.
    pub client_secret: String,
}

fn view(tenant: &Tenant, c: Client, secret: Option<String>) -> ClientView {
    ClientView {
        client_id: c.client_id,
        tenant: tenant.id.to_string(),
        name: c.name,
        redirect_uris: c.redirect_uris,
        post_logout_redirect_uris: c.post_logout_redirect_uris,
        grant_types: c.grant_types,
        response_types: c.response_types,
        scopes: c.scopes,
        token_endpoint_auth_method: c.auth_method,
        id_token_signed_response_alg: c.id_token_alg,
        require_consent: c.require_consent,
        allowed_origins: c.allowed_origins,
        jwks: c.jwks,
        jwks_uri: c.jwks_uri,
        require_pushed_authorization_requests: c.require_pushed_authorization_requests,
        dpop_bound_access_tokens: c.dpop_bound_access_tokens,
        backchannel_logout_uri: c.backchannel_logout_uri,
        backchannel_logout_session_required: c.backchannel_logout_session_required,
        backchannel_logout_untyped: c.backchannel_logout_untyped,
        created_at: rfc3339(c.created_at),
        client_secret: secret,
    }
}

fn parse_all<T: Copy + PartialEq>(
    field: &'static str,
    values: &[String],
    parse: fn(&str) -> Option<T>,
) -> Result<Vec<T>, AdminError> {
    let mut out = Vec::new();
    for v in values {
        let parsed = parse(v)
            .ok_or_else(|| AdminError::invalid(field, format!("`{v}` is not supported")))?;
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    Ok(out)
}

fn redirect_uris(field: &'static str, values: &[String]) -> Result<Vec<String>, AdminError> {
    for v in values {
        check_redirect_uri(v).map_err(|e| AdminError::invalid(field, e.to_string()))?;
    }
    Ok(values.to_vec())
}

/// Serializes each configured origin, dropping repeats; the first refused one is a 400
/// naming the field.
fn origins(values: &[String]) -> Result<Vec<String>, AdminError> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let origin = Origin::parse(v)
            .map_err(|e| AdminError::invalid("allowed_origins", e.to_string()))?
            .into_string();
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    Ok(out)
}

/// A URL latchkey will call, set in `field`: `None` when absent or empty (which removes
/// it), else checked as an outbound destination.
fn destination(field: &'static str, value: Option<&str>) -> Result<Option<String>, AdminError> {
    match value.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => HttpsDestination::parse(v)
            .map(|d| Some(d.into_string()))
            .map_err(|e| AdminError::invalid(field, e.to_string())),
    }
}

/// Whether `built`'s URLs latchkey calls (`jwks_uri`, `backchannel_logout_uri`) count as
/// set by a tenant admin after a write whose fields are `written` (SPEC "Outbound
/// destinations"). A tenant admin who changes either makes both count, and each literal
/// address is checked now; an appliance admin's change clears the mark unless a URL it
/// left alone is still there.
fn urls_by_tenant_admin(
    ctx: &Ctx<'_>,
    written: &ClientInput,
    current: Option<&Client>,
    built: &Client,
) -> Result<bool, AdminError> {
    // A field sent again with its stored value (as the admin UI's forms do) sets nothing.
    let changed = |sent: bool, now: &Option<String>, stored: fn(&Client) -> &Option<String>| {
        sent && current.is_none_or(|c| stored(c) != now)
    };
    let urls = [
        (
            "jwks_uri",
            &built.jwks_uri,
            changed(written.jwks_uri.is_some(), &built.jwks_uri, |c| &c.jwks_uri),
        ),
        (
            "backchannel_logout_uri",
            &built.backchannel_logout_uri,
            changed(
                written.backchannel_logout_uri.is_some(),
                &built.backchannel_logout_uri,
                |c| &c.backchannel_logout_uri,
            ),
        ),
    ];
    let was = current.is_some_and(|c| c.urls_set_by_tenant_admin);
    if ctx.is_appliance() {
        let one_left_alone = urls.iter().any(|(_, url, set)| url.is_some() && !set);
        return Ok(was && one_left_alone);
    }
    if !urls.iter().any(|(_, _, set)| *set) {
        return Ok(was);
    }
    for (field, url, _) in urls {
        if let Some(url) = url {
            ctx.outbound_url(field, url.clone())?;
        }
    }
    Ok(true)
}

fn check_client_id(id: &str) -> Result<(), AdminError> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(AdminError::invalid(
            "client_id",
            "must be 1 to 128 characters of A-Z a-z 0-9 . _ ~ -",
        ))
    }
}

/// Builds and validates a client from complete input, but for `jwks`, which `base`
/// keeps when absent; `secret_hash` and API keys are kept by the caller.
fn build(
    tenant: &Tenant,
    client_id: String,
    input: &ClientInput,
    base: Option<&Client>,
) -> Result<Client, AdminError> {
    let name = validate::text("name", input.name.as_deref().unwrap_or(""), 200)?;
    let grant_types = parse_all(
        "grant_types",
        input.grant_types.as_deref().unwrap_or(&[]),
        GrantType::parse,
    )?;
    let response_types = parse_all(
        "response_types",
        input.response_types.as_deref().unwrap_or(&[]),
        ResponseType::parse,
    )?;
    let redirect = redirect_uris(
        "redirect_uris",
        input.redirect_uris.as_deref().unwrap_or(&[]),
    )?;
    let post_logout = redirect_uris(
        "post_logout_redirect_uris",
        input.post_logout_redirect_uris.as_deref().unwrap_or(&[]),
    )?;
    let auth_method = match input.token_endpoint_auth_method.as_deref() {
        None => AuthMethod::ClientSecretBasic,
        Some(m) => AuthMethod::parse(m).ok_or_else(|| {
            AdminError::invalid(
                "token_endpoint_auth_method",
                format!(
                    "`{m}` is not one of client_secret_basic, client_secret_post, private_key_jwt, none"
                ),
            )
        })?,
    };
    let id_token_alg = match input.id_token_signed_response_alg.as_deref() {
        None => Alg::RS256,
        Some(a) => Alg::parse(a).ok_or_else(|| {
            AdminError::invalid(
                "id_token_signed_response_alg",
                format!("`{a}` is not one of RS256, ES256, EdDSA"),
            )
        })?,
    };
    check_grants(&grant_types, &response_types, &redirect, auth_method)?;
    let jwks = match &input.jwks {
        Some(value) => Some(client_jwks::check(value).map_err(|e| AdminError::invalid("jwks", e))?)
            .filter(|set| !set.keys.is_empty()),
        None => base.and_then(|b| b.jwks.clone()),
    };
    let jwks_uri = destination("jwks_uri", input.jwks_uri.as_deref())?;
    if jwks.is_some() && jwks_uri.is_some() {
        return Err(AdminError::invalid(
            "jwks_uri",
            "cannot be set beside jwks: register the keys inline or by URI, not both",
        ));
    }
    if auth_method == AuthMethod::PrivateKeyJwt && jwks.is_none() && jwks_uri.is_none() {
        return Err(AdminError::invalid(
            "jwks",
            "a private_key_jwt client needs the public keys it signs its assertions with (jwks or jwks_uri)",
        ));
    }
    Ok(Client {
        tenant_uid: tenant.uid,
        client_id,
        name,
        redirect_uris: redirect,
        post_logout_redirect_uris: post_logout,
        grant_types,
        response_types,
        scopes: validate::scopes("scopes", input.scopes.as_deref().unwrap_or(&[]))?,
        auth_method,
        id_token_alg,
        require_consent: input.require_consent.unwrap_or(false),
        allowed_origins: origins(input.allowed_origins.as_deref().unwrap_or(&[]))?,
        jwks,
        jwks_uri,
        require_pushed_authorization_requests: input
            .require_pushed_authorization_requests
            .unwrap_or(false),
        dpop_bound_access_tokens: input.dpop_bound_access_tokens.unwrap_or(false),
        backchannel_logout_uri: destination(
            "backchannel_logout_uri",
            input.backchannel_logout_uri.as_deref(),
        )?,
        backchannel_logout_session_required: input
            .backchannel_logout_session_required
            .unwrap_or(false),
        backchannel_logout_untyped: input.backchannel_logout_untyped.unwrap_or(false),
        secret_hash: base.and_then(|b| b.secret_hash),
        urls_set_by_tenant_admin: false,
        api_key_ids: base.map(|b| b.api_key_ids.clone()).unwrap_or_default(),
        created_at: base.map_or(0, |b| b.created_at),
    })
}

/// The consistency rules between grants, response types, redirect URIs and auth method.
fn check_grants(
    grants: &[GrantType],
    responses: &[ResponseType],
    redirects: &[String],
    auth: AuthMethod,
) -> Result<(), AdminError> {
    use GrantType::*;
    if grants.is_empty() {
        return Err(AdminError::invalid(
            "grant_types",
            "must name at least one grant type",
        ));
    }
    if let Some(r) = responses.iter().find(|r| !grants.contains(&r.grant())) {
        return Err(AdminError::invalid(
            "response_types",
            format!("`{}` needs the `{}` grant", r.as_str(), r.grant().as_str()),
        ));
    }
    for g in [AuthorizationCode, Implicit] {
        if grants.contains(&g) && !responses.iter().any(|r| r.grant() == g) {
            return Err(AdminError::invalid(
                "response_types",
                format!(
                    "the `{}` grant needs a response type that uses it",
                    g.as_str()
                ),
            ));
        }
    }
    let browser = grants.contains(&AuthorizationCode) || grants.contains(&Implicit);
    if browser && redirects.is_empty() {
        return Err(AdminError::invalid(
            "redirect_uris",
            "a client using code or implicit needs at least one redirect URI",
        ));
    }
    if !browser && !redirects.is_empty() {
        return Err(AdminError::invalid(
            "redirect_uris",
            "must be empty for a client without code or implicit grants",
        ));
    }
    if grants.contains(&RefreshToken)
        && !grants.contains(&AuthorizationCode)
        && !grants.contains(&TokenExchange)
    {
        return Err(AdminError::invalid(
            "grant_types",
            "refresh_token needs authorization_code or token exchange",
        ));
    }
    if auth == AuthMethod::None
        && let Some(g) = grants
            .iter()
            .find(|g| matches!(g, ClientCredentials | TokenExchange))
    {
        return Err(AdminError::invalid(
            "token_endpoint_auth_method",
            format!("a public client (none) cannot use `{}`", g.as_str()),
        ));
    }
    Ok(())
}

fn new_secret() -> Result<(String, [u8; 32]), AdminError> {
    let secret = format!("{SECRET_PREFIX}{}", random::secret_token()?);
    let h = hash::sha256(secret.as_bytes());
    Ok((secret, h))
}

/// The client of a tenant, or 404.
pub(super) fn find(ctx: &Ctx<'_>, tenant: &Tenant, client_id: &str) -> Result<Client, AdminError> {
    ctx.store.client(tenant.uid, client_id)?.ok_or_else(|| {
        AdminError::NotFound(format!("no client `{client_id}` in tenant `{}`", tenant.id))
    })
}

/// Aborts a transaction unless the tenant still has the incarnation we read.
pub(super) fn still_there(
    tx: &crate::store::Tx<'_>,
    tenant: &Tenant,
) -> Result<(), TxError<AdminError>> {
    match tx.tenant::<AdminError>(&tenant.id)? {
        Some(t) if t.uid == tenant.uid => Ok(()),
        _ => Err(TxError::abort(AdminError::NotFound(format!(
            "no tenant named `{}`",
            tenant.id
        )))),
    }
}

/// Registers a client; a confidential one gets its secret in this answer only.
pub fn create(ctx: &Ctx<'_>, slug: &str, input: &ClientInput) -> Result<ClientView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let client_id = match &input.client_id {
        Some(id) => {
            check_client_id(id)?;
            id.clone()
        }
        None => random::uuid()?,
    };
    let mut client = build(&tenant, client_id.clone(), input, None)?;
    client.urls_set_by_tenant_admin = urls_by_tenant_admin(ctx, input, None, &client)?;
    client.created_at = ctx.now;
    let secret = match client.auth_method.uses_secret() {
        false => None,
        true => Some(new_secret()?),
    };
    client.secret_hash = secret.as_ref().map(|s| s.1);
    let event = AuditEvent::new(ctx.now, AuditKind::ClientCreated, &ctx.actor)
        .tenant(slug)
        .target(&client_id);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        if tx.client::<AdminError>(tenant.uid, &client_id)?.is_some() {
            return Err(TxError::abort(AdminError::Conflict(format!(
                "client `{client_id}` exists in tenant `{slug}`"
            ))));
        }
        // A client_credentials token's `sub` is its client id: one equal to an account
        // id would read as that account's token.
        if tx.account::<AdminError>(&client_id)?.is_some() {
            return Err(TxError::abort(AdminError::Conflict(format!(
                "client_id `{client_id}` is the id of an account"
            ))));
        }
        tx.put_client(&client)?;
        tx.audit(&event)
    })?;
    Ok(view(&tenant, client, secret.map(|s| s.0)))
}

/// One client.
pub fn get(ctx: &Ctx<'_>, slug: &str, client_id: &str) -> Result<ClientView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let client = find(ctx, &tenant, client_id)?;
    Ok(view(&tenant, client, None))
}

/// A tenant's clients in id order.
pub fn list(ctx: &Ctx<'_>, slug: &str, page: &PageRequest) -> Result<Page<ClientView>, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let fetched = ctx
        .store
        .clients(tenant.uid, page.after.as_deref(), page.limit + 1)?;
    Ok(
        Page::from_fetched(fetched, page.limit, |c| c.client_id.clone())
            .map(|c| view(&tenant, c, None)),
    )
}

/// Changes a client; the result is validated as a whole.
pub fn patch(
    ctx: &Ctx<'_>,
    slug: &str,
    client_id: &str,
    p: &ClientInput,
) -> Result<ClientView, AdminError> {
    if p.client_id.is_some() {
        return Err(AdminError::invalid("client_id", "cannot be changed"));
    }
    let tenant = ctx.tenant(slug)?;
    let current = find(ctx, &tenant, client_id)?;
    let merged = ClientInput {
        client_id: None,
        name: p.name.clone().or(Some(current.name.clone())),
        redirect_uris: p
            .redirect_uris
            .clone()
            .or(Some(current.redirect_uris.clone())),
        post_logout_redirect_uris: p
            .post_logout_redirect_uris
            .clone()
            .or(Some(current.post_logout_redirect_uris.clone())),
        grant_types: p.grant_types.clone().or(Some(
            current
                .grant_types
                .iter()
                .map(|g| g.as_str().to_owned())
                .collect(),
        )),
        response_types: p.response_types.clone().or(Some(
            current
                .response_types
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
        )),
        scopes: p.scopes.clone().or(Some(current.scopes.clone())),
        token_endpoint_auth_method: p
            .token_endpoint_auth_method
            .clone()
            .or(Some(current.auth_method.as_str().to_owned())),
        id_token_signed_response_alg: p
            .id_token_signed_response_alg
            .clone()
            .or(Some(current.id_token_alg.as_str().to_owned())),
        require_consent: p.require_consent.or(Some(current.require_consent)),
        allowed_origins: p
            .allowed_origins
            .clone()
            .or(Some(current.allowed_origins.clone())),
        jwks: p.jwks.clone(),
        jwks_uri: p.jwks_uri.clone().or(current.jwks_uri.clone()),
        require_pushed_authorization_requests: p
            .require_pushed_authorization_requests
            .or(Some(current.require_pushed_authorization_requests)),
        dpop_bound_access_tokens: p
            .dpop_bound_access_tokens
            .or(Some(current.dpop_bound_access_tokens)),
        backchannel_logout_uri: p
            .backchannel_logout_uri
            .clone()
            .or(current.backchannel_logout_uri.clone()),
        backchannel_logout_session_required: p
            .backchannel_logout_session_required
            .or(Some(current.backchannel_logout_session_required)),
        backchannel_logout_untyped: p
            .backchannel_logout_untyped
            .or(Some(current.backchannel_logout_untyped)),
    };
    let mut updated = build(&tenant, client_id.to_owned(), &merged, Some(&current))?;
    updated.urls_set_by_tenant_admin = urls_by_tenant_admin(ctx, p, Some(&current), &updated)?;
    let gains_a_secret = !current.auth_method.uses_secret() && updated.auth_method.uses_secret();
    let secret = if gains_a_secret {
        Some(new_secret()?)
    } else {
        None
    };
    if !updated.auth_method.uses_secret() {
        updated.secret_hash = None;
    } else if let Some((_, h)) = &secret {
        updated.secret_hash = Some(*h);
    }
    let event = AuditEvent::new(ctx.now, AuditKind::ClientUpdated, &ctx.actor)
        .tenant(slug)
        .target(client_id);
    let written = write_existing(ctx, &tenant, client_id, &event, |stored| {
        let mut c = updated.clone();
        c.api_key_ids = stored.api_key_ids.clone();
        if secret.is_none() && c.auth_method.uses_secret() {
            c.secret_hash = stored.secret_hash;
        }
        c
    })?;
    Ok(view(&tenant, written, secret.map(|s| s.0)))
}

/// Replaces the stored client with what `apply` makes of it, inside the transaction, so
/// a concurrent change (a rotated secret, a new API key) is never lost; with `event`.
fn write_existing(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client_id: &str,
    event: &AuditEvent,
    apply: impl Fn(&Client) -> Client,
) -> Result<Client, AdminError> {
    ctx.store.transaction(|tx| {
        still_there(tx, tenant)?;
        let Some(stored) = tx.client::<AdminError>(tenant.uid, client_id)? else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no client `{client_id}` in tenant `{}`",
                tenant.id
            ))));
        };
        let c = apply(&stored);
        tx.put_client(&c)?;
        tx.audit(event)?;
        Ok(c)
    })
}

/// Replaces a confidential client's secret; the old one stops working at once.
pub fn rotate_secret(
    ctx: &Ctx<'_>,
    slug: &str,
    client_id: &str,
) -> Result<RotatedSecret, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let client = find(ctx, &tenant, client_id)?;
    if !client.auth_method.uses_secret() {
        return Err(AdminError::invalid(
            "token_endpoint_auth_method",
            format!("a `{}` client has no secret", client.auth_method.as_str()),
        ));
    }
    let (secret, h) = new_secret()?;
    let event = AuditEvent::new(ctx.now, AuditKind::ClientSecretRotated, &ctx.actor)
        .tenant(slug)
        .target(client_id);
    write_existing(ctx, &tenant, client_id, &event, |stored| Client {
        secret_hash: Some(h),
        ..stored.clone()
    })?;
    Ok(RotatedSecret {
        client_id: client_id.to_owned(),
        client_secret: secret,
    })
}

/// Deletes a client and its API keys.
pub fn delete(ctx: &Ctx<'_>, slug: &str, client_id: &str) -> Result<(), AdminError> {
    let tenant = ctx.tenant(slug)?;
    let event = AuditEvent::new(ctx.now, AuditKind::ClientDeleted, &ctx.actor)
        .tenant(slug)
        .target(client_id);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        if tx
            .remove_client::<AdminError>(tenant.uid, client_id)?
            .is_none()
        {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no client `{client_id}` in tenant `{slug}`"
            ))));
        }
        tx.audit(&event)
    })
}
