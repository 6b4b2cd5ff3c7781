//! The tenants list and a tenant's page: clients, API keys, members, IdP settings with
//! their connection tests, rename and delete.

use super::forms::*;
use super::{Answer, Fields, Signed, reveal, written};
use crate::admin::page::PageRequest;
use crate::admin::{
    AdminError, accounts, api_keys, browse, clients, members, scim_tokens, settings, tenants,
};
use crate::http::respond;
use crate::ui::admin::FormState;
use serde_json::json;

/// The new-tenant form.
pub(super) async fn create(s: &Signed<'_>, fields: Fields) -> Answer {
    let ctx = s.ctx();
    let new = tenants::NewTenant {
        id: field(&fields, "id"),
        display_name: field(&fields, "display_name"),
    };
    match tenants::create(&ctx, &new) {
        Ok(t) => written(s, &format!("/admin/tenants/{}?done=tenant-created", t.id)).await,
        Err(e) => tenants_page(
            s,
            &Fields::new(),
            None,
            FormState::refused(kept(&fields), &e),
        ),
    }
}

/// The tenant page's forms.
pub(super) async fn post(s: &Signed<'_>, t: &str, action: &[&str], fields: Fields) -> Answer {
    let ctx = s.ctx();
    match action {
        ["delete"] => {
            if field(&fields, "confirm") != t {
                let forms = TenantForms {
                    delete: FormState::refused(
                        kept(&fields),
                        &AdminError::invalid("confirm", "type the tenant id exactly to delete it"),
                    ),
                    ..TenantForms::default()
                };
                return tenant_page(s, t, None, forms);
            }
            let uid = tenants::delete(&ctx, t)?;
            tenants::sweep(std::sync::Arc::clone(&s.state.store), uid).await?;
            written(s, "/admin/tenants?done=tenant-deleted").await
        }
        ["clients"] => create_client(s, t, fields).await,
        ["introspection"] => {
            let refused = |e: AdminError| TenantForms {
                introspection: FormState::refused(kept(&fields), &e),
                ..TenantForms::default()
            };
            let saved = introspection_input(&fields)
                .and_then(|input| settings::put_introspection(&ctx, t, &input));
            match saved {
                Ok(_) => written(s, &format!("/admin/tenants/{t}?done=settings-saved")).await,
                Err(e) => tenant_page(s, t, None, refused(e)),
            }
        }
        ["upstream-oidc"] => {
            let input = upstream_input(&fields);
            match settings::put_upstream(&ctx, t, &input) {
                Ok(_) => written(s, &format!("/admin/tenants/{t}?done=settings-saved")).await,
                Err(e) => {
                    let forms = TenantForms {
                        upstream: FormState::refused(kept(&fields), &e),
                        ..TenantForms::default()
                    };
                    tenant_page(s, t, None, forms)
                }
            }
        }
        ["mfa"] => {
            let patch = tenants::TenantPatch {
                mfa: Some(field(&fields, "mfa")),
                ..tenants::TenantPatch::default()
            };
            tenants::patch(&ctx, t, &patch)?;
            written(s, &format!("/admin/tenants/{t}?done=settings-saved")).await
        }
        ["rename"] => {
            let patch = tenants::TenantPatch {
                display_name: Some(field(&fields, "display_name")),
                ..tenants::TenantPatch::default()
            };
            match tenants::patch(&ctx, t, &patch) {
                Ok(_) => written(s, &format!("/admin/tenants/{t}?done=tenant-renamed")).await,
                Err(e) => {
                    let forms = TenantForms {
                        rename: FormState::refused(kept(&fields), &e),
                        ..TenantForms::default()
                    };
                    tenant_page(s, t, None, forms)
                }
            }
        }
        [
            "clients",
            c,
            edited @ ("redirects" | "origins" | "dpop" | "backchannel"),
        ] => {
            let lines = |name: &str| Some(words(&field(&fields, name), &[' ']));
            let patch = match *edited {
                "redirects" => clients::ClientInput {
                    redirect_uris: lines("redirect_uris"),
                    ..clients::ClientInput::default()
                },
                "backchannel" => backchannel_input(&fields),
                "origins" => clients::ClientInput {
                    allowed_origins: lines("allowed_origins"),
                    ..clients::ClientInput::default()
                },
                _ => clients::ClientInput {
                    dpop_bound_access_tokens: Some(
                        field(&fields, "dpop_bound_access_tokens") == "yes",
                    ),
                    ..clients::ClientInput::default()
                },
            };
            match clients::patch(&ctx, t, c, &patch) {
                Ok(_) => written(s, &format!("/admin/tenants/{t}?done=client-updated")).await,
                Err(e) => {
                    let forms = TenantForms {
                        problem: Some(format!("Client {c}: {}", e.public_message())),
                        ..TenantForms::default()
                    };
                    tenant_page(s, t, None, forms)
                }
            }
        }
        ["clients", c, "delete"] => {
            clients::delete(&ctx, t, c)?;
            written(s, &format!("/admin/tenants/{t}?done=client-deleted")).await
        }
        ["clients", c, "secret"] => {
            let rotated = clients::rotate_secret(&ctx, t, c)?;
            s.state.store.flush_durable().await?;
            reveal(
                s,
                "Client secret",
                format!("The new secret of client {c}. The old one no longer works."),
                rotated.client_secret,
                format!("/admin/tenants/{t}"),
            )
        }
        ["clients", c, "api-keys"] => {
            let new = api_keys::NewApiKey {
                label: field(&fields, "label"),
            };
            let created = api_keys::create(&ctx, t, c, &new)?;
            s.state.store.flush_durable().await?;
            reveal(
                s,
                "API key",
                format!(
                    "The API key “{}” of client {c}, for Authorization: API-key <key>.",
                    created.label
                ),
                created.key,
                format!("/admin/tenants/{t}"),
            )
        }
        ["clients", c, "api-keys", id, "revoke"] => {
            api_keys::revoke(&ctx, t, c, id)?;
            written(s, &format!("/admin/tenants/{t}?done=key-revoked")).await
        }
        ["scim-tokens"] => {
            let new = scim_tokens::NewScimToken {
                label: field(&fields, "label"),
            };
            let created = scim_tokens::create(&ctx, t, &new)?;
            s.state.store.flush_durable().await?;
            reveal(
                s,
                "SCIM token",
                format!(
                    "The SCIM token “{}” of tenant {t}, for the directory's Authorization: Bearer <token>.",
                    created.label
                ),
                created.token,
                format!("/admin/tenants/{t}"),
            )
        }
        ["scim-tokens", id, "delete"] => {
            scim_tokens::delete(&ctx, t, id)?;
            written(s, &format!("/admin/tenants/{t}?done=scim-token-deleted")).await
        }
        ["members"] => add_member(s, t, fields).await,
        ["members", account, "remove"] => {
            members::delete(&ctx, t, account)?;
            written(s, &format!("/admin/tenants/{t}?done=member-removed")).await
        }
        ["introspection", "test"] => {
            let tenant = ctx.tenant(t)?;
            let probe = crate::exchange::probe::ProbeRequest {
                token: field(&fields, "token"),
            };
            let exchange = s.state.exchange();
            let run = crate::exchange::probe::run(&exchange, &tenant, &probe, ctx.now);
            let report = match run.await {
                Ok(r) => pretty(s, &r.for_caller(&ctx)),
                Err(e) => e.public_message(),
            };
            let forms = TenantForms {
                probe: Some(report),
                ..TenantForms::default()
            };
            tenant_page(s, t, None, forms)
        }
        ["upstream-oidc", "test"] => {
            let tenant = ctx.tenant(t)?;
            let report = match s.state.store.upstream(tenant.uid)? {
                Some(u) => pretty(s, &crate::broker::probe::run(&s.state.broker(), &u).await),
                None => "No upstream OpenID provider is configured.".into(),
            };
            let forms = TenantForms {
                probe: Some(report),
                ..TenantForms::default()
            };
            tenant_page(s, t, None, forms)
        }
        _ => Err(AdminError::NotFound("no such action".into())),
    }
}

/// A connection test's report as indented JSON; should that fail, the page says so and
/// the log has why.
fn pretty(s: &Signed<'_>, report: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        tracing::error!("a connection test's report: {e} req={}", s.log.id());
        "The report could not be shown; see the log.".into()
    })
}

/// A tenant's optional settings: `None` when it has none, a store failure passed on.
fn unless_missing<T>(found: Result<T, AdminError>) -> Result<Option<T>, AdminError> {
    match found {
        Ok(v) => Ok(Some(v)),
        Err(AdminError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The tenants list, a page at a time, searched and sorted as the query asks.
pub(super) fn tenants_page(
    s: &Signed<'_>,
    query: &Fields,
    done: Option<&'static str>,
    form: FormState,
) -> Answer {
    let asked = super::listing::Asked::parse(query)?;
    let list = tokio::task::block_in_place(|| browse::tenants(&s.ctx(), asked.window()))?;
    Ok(s.page(
        "admin/tenants.html",
        "Tenants".into(),
        "tenants",
        done,
        json!({"tenants": list.items, "pager": asked.pager("/admin/tenants", &list), "form": form}),
    ))
}

/// The forms of the tenant page, each with its own input and errors.
#[derive(Default)]
pub(super) struct TenantForms {
    client: FormState,
    member: FormState,
    delete: FormState,
    introspection: FormState,
    upstream: FormState,
    rename: FormState,
    pub(super) branding: FormState,
    probe: Option<String>,
    problem: Option<String>,
}

pub(super) fn tenant_page(
    s: &Signed<'_>,
    slug: &str,
    done: Option<&'static str>,
    forms: TenantForms,
) -> Answer {
    let ctx = s.ctx();
    let tenant = tenants::get(&ctx, slug)?;
    let all = PageRequest::parse(Some("500"), None)?;
    let mut client_rows = Vec::new();
    for c in clients::list(&ctx, slug, &all)?.items {
        let keys = api_keys::list(&ctx, slug, &c.client_id, &all)?.items;
        client_rows.push(json!({"client": c, "keys": keys}));
    }
    let introspection = unless_missing(settings::get_introspection(&ctx, slug))?;
    let upstream = unless_missing(settings::get_upstream(&ctx, slug))?;
    let i = introspection.as_ref();
    let introspection_form = or_current(
        forms.introspection,
        &[
            ("url", i.map(|v| v.url.clone())),
            ("client_id", i.map(|v| v.client_id.clone())),
            (
                "account_id_pointer",
                i.map(|v| v.account_id_pointer.clone()),
            ),
            ("timeout_ms", i.map(|v| v.timeout_ms.to_string())),
            ("ca_pem", i.and_then(|v| v.ca_pem.clone())),
            ("expected_issuer", i.and_then(|v| v.expected_issuer.clone())),
            (
                "expected_audience",
                i.and_then(|v| v.expected_audience.clone()),
            ),
            ("cache_ttl_secs", i.map(|v| v.cache_ttl_secs.to_string())),
        ],
    );
    let u = upstream.as_ref();
    let upstream_form = or_current(
        forms.upstream,
        &[
            ("configuration_url", u.map(|v| v.configuration_url.clone())),
            ("client_id", u.map(|v| v.client_id.clone())),
            ("scopes", u.map(|v| v.scopes.join(" "))),
            ("username_claim", u.map(|v| v.username_claim.clone())),
            ("logout_url", u.and_then(|v| v.logout_url.clone())),
            ("redirect_uri", u.map(|v| v.redirect_uri.clone())),
            ("ca_pem", u.and_then(|v| v.ca_pem.clone())),
        ],
    );
    let branding = unless_missing(crate::admin::branding::get(&ctx, slug))?;
    let branding_form = super::branding_pages::form(forms.branding, branding.as_ref());
    let rename_form = or_current(
        forms.rename,
        &[("display_name", Some(tenant.display_name.clone()))],
    );
    Ok(s.page(
        "admin/tenant.html",
        format!("Tenant {}", tenant.display_name),
        "tenants",
        done,
        json!({
            "tenant": tenant,
            "clients": client_rows,
            "members": members::list(&ctx, slug, &all)?.items,
            "scim_tokens": scim_tokens::list(&ctx, slug, &all)?.items,
            "scim_base": format!("{}/t/{}/scim/v2", s.state.config.public_url, tenant.id),
            "introspection": introspection,
            "upstream": upstream,
            "client_form": forms.client,
            "member_form": forms.member,
            "delete_form": forms.delete,
            "introspection_form": introspection_form,
            "upstream_form": upstream_form,
            "rename_form": rename_form,
            "branding": branding,
            "branding_form": branding_form,
            "probe": forms.probe,
            "problem": forms.problem,
        }),
    ))
}

async fn create_client(s: &Signed<'_>, slug: &str, fields: Fields) -> Answer {
    let text = |k: &str| field(&fields, k);
    let jwks = match text("jwks").trim() {
        "" => Ok(None),
        json => serde_json::from_str(json).map(Some).map_err(|_| {
            AdminError::invalid("jwks", "is not JSON: paste a JWK Set, {\"keys\": [...]}")
        }),
    };
    let input = jwks.map(|jwks| clients::ClientInput {
        jwks,
        client_id: Some(text("client_id")).filter(|c| !c.trim().is_empty()),
        name: Some(text("name")),
        redirect_uris: Some(words(&text("redirect_uris"), &[' '])),
        allowed_origins: Some(words(&text("allowed_origins"), &[' '])),
        grant_types: Some(words(&text("grant_types"), &[' ', ','])),
        response_types: Some(words(&text("response_types"), &[','])),
        scopes: Some(words(&text("scopes"), &[' ', ','])),
        token_endpoint_auth_method: Some(text("token_endpoint_auth_method"))
            .filter(|m| !m.trim().is_empty()),
        require_pushed_authorization_requests: Some(
            text("require_pushed_authorization_requests") == "true",
        ),
        jwks_uri: Some(text("jwks_uri")).filter(|u| !u.trim().is_empty()),
        dpop_bound_access_tokens: Some(text("dpop_bound_access_tokens") == "yes"),
        ..backchannel_input(&fields)
    });
    match input.and_then(|input| clients::create(&s.ctx(), slug, &input)) {
        Ok(created) => {
            s.state.store.flush_durable().await?;
            match created.client_secret {
                Some(secret) => reveal(
                    s,
                    "Client secret",
                    format!(
                        "Client {} is registered. This is its secret.",
                        created.client_id
                    ),
                    secret,
                    format!("/admin/tenants/{slug}"),
                ),
                None => Ok(respond::see_other(&format!("/admin/tenants/{slug}"))),
            }
        }
        Err(e) => {
            let forms = TenantForms {
                client: FormState::refused(kept(&fields), &e),
                ..TenantForms::default()
            };
            tenant_page(s, slug, None, forms)
        }
    }
}

/// The back-channel logout fields of a client form: the URI (empty for none) and two
/// checkboxes, which a browser leaves out when unticked.
fn backchannel_input(fields: &Fields) -> clients::ClientInput {
    let ticked = |name: &str| Some(!field(fields, name).is_empty());
    clients::ClientInput {
        backchannel_logout_uri: Some(field(fields, "backchannel_logout_uri").trim().to_owned()),
        backchannel_logout_session_required: ticked("backchannel_logout_session_required"),
        backchannel_logout_untyped: ticked("backchannel_logout_untyped"),
        ..clients::ClientInput::default()
    }
}

async fn add_member(s: &Signed<'_>, slug: &str, fields: Fields) -> Answer {
    let ctx = s.ctx();
    let username = field(&fields, "username");
    let refused = |e: AdminError| {
        let forms = TenantForms {
            member: FormState::refused(kept(&fields), &e),
            ..TenantForms::default()
        };
        tenant_page(s, slug, None, forms)
    };
    let account_id = match accounts::id_by_username(&ctx, &username) {
        Ok(id) => id,
        Err(e) => return refused(e),
    };
    let input = members::MembershipInput {
        scopes: words(&field(&fields, "scopes"), &[' ', ',']),
        external_authentication_provider_id: Some(field(
            &fields,
            "external_authentication_provider_id",
        ))
        .filter(|e| !e.trim().is_empty()),
        active: Some(field(&fields, "active") != "no"),
    };
    match members::put(&ctx, slug, &account_id, &input) {
        Ok(_) => written(s, &format!("/admin/tenants/{slug}?done=member-added")).await,
        Err(e) => refused(e),
    }
}
