//! The admin web UI under `/admin`: server-rendered pages over the same operations as
//! the management API (`admin::*`), so the two never disagree. Every page but sign-in
//! needs an admin session; every POST needs the session's CSRF token; every write is
//! durable before the answer; a refused form comes back with its input and messages.

use crate::admin::page::PageRequest;
use crate::admin::{
    AdminError, Ctx, accounts, api_keys, audit_log, clients, console, keys, members, settings,
    tenants,
};
use crate::http::body;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::limiter::address_key;
use crate::session::CSRF_COOKIE;
use crate::state::State;
use crate::types::Secret;
use crate::ui::admin::{AdminLoginView, AdminPage, FormState, KeyAge, SecretView, TenantRow};
use hyper::body::Incoming;
use hyper::header::COOKIE;
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A form's fields; a name given twice keeps its last value.
type Fields = BTreeMap<String, String>;

/// What a signed-in request carries.
struct Signed<'a> {
    state: &'a State,
    console: console::Console,
    log: &'a RequestLog,
}

impl Signed<'_> {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: &self.state.store,
            master: &self.state.master,
            now: self.state.clock.now(),
            actor: self.console.actor.clone(),
            public_url: &self.state.config.public_url,
        }
    }

    /// Renders `template` in the admin frame.
    fn page<T: Serialize>(
        &self,
        template: &'static str,
        title: String,
        nav: &'static str,
        notice: Option<&'static str>,
        body: T,
    ) -> Response<Body> {
        let view = AdminPage {
            title,
            nav,
            who: self.console.display.clone(),
            csrf: self.console.csrf.clone(),
            notice,
            body,
        };
        render(self.state, template, &view, StatusCode::OK, self.log)
    }
}

fn render<T: Serialize>(
    state: &State,
    template: &'static str,
    view: &T,
    status: StatusCode,
    log: &RequestLog,
) -> Response<Body> {
    match state.ui.render(template, view) {
        Ok(html) => {
            let mut resp = respond::html(status, html);
            if state.config.tls != crate::config::TlsMode::Off {
                respond::hsts(&mut resp);
            }
            resp
        }
        Err(e) => {
            tracing::error!("{e} req={}", log.id());
            respond::html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
        }
    }
}

fn cookie(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn pairs(text: &[u8]) -> Fields {
    url::form_urlencoded::parse(text).into_owned().collect()
}

fn internal(state: &State, e: &dyn std::fmt::Display, log: &RequestLog) -> Response<Body> {
    tracing::error!("{e} req={}", log.id());
    message(
        state,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The operation failed; see the log.",
        log,
    )
}

fn message(
    state: &State,
    status: StatusCode,
    title: &str,
    text: &str,
    log: &RequestLog,
) -> Response<Body> {
    let view = crate::ui::MessageView {
        title: title.to_owned(),
        message: text.to_owned(),
    };
    render(state, "error.html", &view, status, log)
}

/// Answers a request under `/admin`.
pub async fn handle(
    state: &State,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let is_post = req.method() == Method::POST;
    if segments == ["login"] {
        return login(state, req, peer, log).await;
    }
    let session_cookie = cookie(&req, console::COOKIE);
    let Some(console) = state
        .consoles
        .get(session_cookie.as_deref(), state.clock.now())
    else {
        return respond::see_other("/admin/login");
    };
    let query = pairs(req.uri().query().unwrap_or("").as_bytes());
    let fields = if is_post {
        match body::read_limited(req, body::DEFAULT_LIMIT).await {
            Ok(b) => pairs(&b),
            Err(e) => {
                return message(
                    state,
                    respond::status_of(e.kind),
                    "Not accepted",
                    &e.message,
                    log,
                );
            }
        }
    } else {
        Fields::new()
    };
    let signed = Signed {
        state,
        console,
        log,
    };
    if is_post
        && !signed
            .console
            .csrf_ok(fields.get("csrf").map(String::as_str))
    {
        return message(
            state,
            StatusCode::FORBIDDEN,
            "Form not accepted",
            "The form's security token is missing or stale. Reload the page and try again.",
            log,
        );
    }
    let result = if is_post {
        post(&signed, &segments, fields, session_cookie.as_deref()).await
    } else {
        get(&signed, &segments, &query).await
    };
    result.unwrap_or_else(|e| match e.kind() {
        crate::types::ErrorKind::NotFound => message(
            state,
            StatusCode::NOT_FOUND,
            "Not found",
            &e.public_message(),
            log,
        ),
        _ => internal(state, &e, log),
    })
}

/// The sign-in page: a double-submit CSRF cookie, the address limiter, one message for
/// every failure.
async fn login(
    state: &State,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let form = |username: &str, error: Option<String>, status| -> Response<Body> {
        let csrf = match crate::crypto::random::secret_token() {
            Ok(t) => t,
            Err(e) => return internal(state, &e, log),
        };
        let view = AdminLoginView {
            csrf: csrf.clone(),
            username: username.to_owned(),
            error,
        };
        let mut resp = render(state, "admin/login.html", &view, status, log);
        respond::set_cookie(&mut resp, CSRF_COOKIE, &csrf, "Strict", 600);
        resp
    };
    if req.method() != Method::POST {
        return form("", None, StatusCode::OK);
    }
    let now = state.clock.now();
    let address = address_key(peer);
    if let Err(blocked) = state.limiter.check(&address, now) {
        let mut resp = message(
            state,
            StatusCode::TOO_MANY_REQUESTS,
            "Please wait",
            &format!(
                "Too many failed sign-ins. Try again in {} seconds.",
                blocked.retry_after
            ),
            log,
        );
        respond::retry_after(&mut resp, blocked.retry_after);
        return resp;
    }
    let csrf_cookie = cookie(&req, CSRF_COOKIE);
    let fields = match body::read_limited(req, body::DEFAULT_LIMIT).await {
        Ok(b) => pairs(&b),
        Err(e) => {
            return message(
                state,
                respond::status_of(e.kind),
                "Not accepted",
                &e.message,
                log,
            );
        }
    };
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let csrf_ok = csrf_cookie.is_some_and(|c| {
        crate::types::secret::constant_time_eq(c.as_bytes(), field("csrf").as_bytes())
    });
    if !csrf_ok {
        return form(
            &field("username"),
            Some("The form expired; sign in again.".into()),
            StatusCode::BAD_REQUEST,
        );
    }
    let creds = console::Credentials {
        username: field("username"),
        password: Secret::new(field("password")),
        token: Secret::new(field("token").trim()),
    };
    match console::sign_in(state, creds).await {
        Ok(Some(cookie)) => {
            state.limiter.success(&address);
            let mut resp = respond::see_other("/admin");
            respond::set_cookie(
                &mut resp,
                console::COOKIE,
                cookie.expose(),
                "Strict",
                console::ABSOLUTE_SECS,
            );
            resp
        }
        Ok(None) => {
            state.limiter.failure(&address, now);
            form(
                &field("username"),
                Some("The username, password or token is not correct.".into()),
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(e) => internal(state, &e, log),
    }
}

type Answer = Result<Response<Body>, AdminError>;

/// The notice a `?done=` code stands for; unknown codes show nothing.
fn notice(query: &Fields) -> Option<&'static str> {
    Some(match query.get("done")?.as_str() {
        "tenant-created" => "The tenant was created.",
        "tenant-deleted" => "The tenant was deleted.",
        "tenant-renamed" => "The tenant was renamed.",
        "settings-saved" => "The settings were saved.",
        "member-added" => "The member was added.",
        "member-removed" => "The member was removed.",
        "key-revoked" => "The API key was revoked.",
        "account-created" => "The account was created.",
        "account-updated" => "The account was updated.",
        "sessions-ended" => "The account's sessions were ended.",
        "keys-rotated" => "New signing keys are active.",
        _ => return None,
    })
}

async fn get(s: &Signed<'_>, segments: &[&str], query: &Fields) -> Answer {
    let done = notice(query);
    match segments {
        [] => dashboard(s),
        ["tenants"] => tenants_page(s, done, FormState::default()),
        ["tenants", t] => tenant_page(s, t, done, TenantForms::default()),
        ["accounts"] => accounts_page(s, query, done, FormState::default()),
        ["keys"] => Ok(s.page(
            "admin/keys.html",
            "Signing keys".into(),
            "keys",
            done,
            json!({"keys": keys::list(&s.state.store)?.items}),
        )),
        ["audit"] => audit_page(s, query),
        _ => Err(AdminError::NotFound("no such page".into())),
    }
}

async fn post(
    s: &Signed<'_>,
    segments: &[&str],
    fields: Fields,
    session_cookie: Option<&str>,
) -> Answer {
    let ctx = s.ctx();
    match segments {
        ["logout"] => {
            s.state.consoles.end(session_cookie);
            let mut resp = respond::see_other("/admin/login");
            respond::set_cookie(&mut resp, console::COOKIE, "", "Strict", 0);
            Ok(resp)
        }
        ["tenants"] => {
            let new = tenants::NewTenant {
                id: field(&fields, "id"),
                display_name: field(&fields, "display_name"),
            };
            match tenants::create(&ctx, &new) {
                Ok(t) => written(s, &format!("/admin/tenants/{}?done=tenant-created", t.id)).await,
                Err(e) => tenants_page(s, None, FormState::refused(kept(&fields), &e)),
            }
        }
        ["tenants", t, "delete"] => {
            if field(&fields, "confirm") != *t {
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
            let store = std::sync::Arc::clone(&s.state.store);
            if tokio::task::spawn_blocking(move || store.sweep_tenant(uid))
                .await
                .is_err()
            {
                tracing::warn!("the sweep of a deleted tenant stopped; the next start finishes it");
            }
            written(s, "/admin/tenants?done=tenant-deleted").await
        }
        ["tenants", t, "clients"] => create_client(s, t, fields).await,
        ["tenants", t, "introspection"] => {
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
        ["tenants", t, "upstream-oidc"] => {
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
        ["tenants", t, "rename"] => {
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
        ["tenants", t, "clients", c, "secret"] => {
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
        ["tenants", t, "clients", c, "api-keys"] => {
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
        ["tenants", t, "clients", c, "api-keys", id, "revoke"] => {
            api_keys::revoke(&ctx, t, c, id)?;
            written(s, &format!("/admin/tenants/{t}?done=key-revoked")).await
        }
        ["tenants", t, "members"] => add_member(s, t, fields).await,
        ["tenants", t, "members", account, "remove"] => {
            members::delete(&ctx, t, account)?;
            written(s, &format!("/admin/tenants/{t}?done=member-removed")).await
        }
        ["tenants", t, "introspection", "test"] => {
            let tenant = ctx.tenant(t)?;
            let probe = crate::exchange::probe::ProbeRequest {
                token: field(&fields, "token"),
            };
            let report = match crate::exchange::probe::run(s.state, &tenant, &probe).await {
                Ok(r) => serde_json::to_string_pretty(&r),
                Err(e) => Ok(e.public_message()),
            };
            let forms = TenantForms {
                probe: report.ok(),
                ..TenantForms::default()
            };
            tenant_page(s, t, None, forms)
        }
        ["tenants", t, "upstream-oidc", "test"] => {
            let tenant = ctx.tenant(t)?;
            let report = match s.state.store.upstream(tenant.uid)? {
                Some(u) => {
                    serde_json::to_string_pretty(&crate::broker::probe::run(s.state, &u).await).ok()
                }
                None => Some("No upstream OpenID provider is configured.".into()),
            };
            let forms = TenantForms {
                probe: report,
                ..TenantForms::default()
            };
            tenant_page(s, t, None, forms)
        }
        ["accounts"] => create_account(s, fields).await,
        ["accounts", id, action @ ("enable" | "disable")] => {
            let patch = accounts::AccountPatch {
                disabled: Some(*action == "disable"),
                ..accounts::AccountPatch::default()
            };
            accounts::patch(&ctx, id, &patch).await?;
            written(s, "/admin/accounts?done=account-updated").await
        }
        ["accounts", id, "sessions", "end"] => {
            accounts::end_sessions(&ctx, id)?;
            written(s, "/admin/accounts?done=sessions-ended").await
        }
        ["keys", "rotate"] => {
            s.state.set_keys(keys::rotate(&ctx).await?);
            written(s, "/admin/keys?done=keys-rotated").await
        }
        _ => Err(AdminError::NotFound("no such action".into())),
    }
}

fn field(fields: &Fields, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

/// A field left empty is absent.
fn optional(fields: &Fields, name: &str) -> Option<String> {
    fields.get(name).filter(|v| !v.trim().is_empty()).cloned()
}

/// A whole number field; empty is absent.
fn number(fields: &Fields, name: &'static str) -> Result<Option<u64>, AdminError> {
    optional(fields, name)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| AdminError::invalid(name, "must be a whole number"))
        })
        .transpose()
}

fn introspection_input(fields: &Fields) -> Result<settings::IntrospectionInput, AdminError> {
    Ok(settings::IntrospectionInput {
        url: field(fields, "url"),
        client_id: field(fields, "client_id"),
        client_secret: optional(fields, "client_secret"),
        account_id_pointer: optional(fields, "account_id_pointer"),
        timeout_ms: number(fields, "timeout_ms")?,
        ca_pem: optional(fields, "ca_pem"),
        expected_issuer: optional(fields, "expected_issuer"),
        expected_audience: optional(fields, "expected_audience"),
        cache_ttl_secs: number(fields, "cache_ttl_secs")?,
    })
}

fn upstream_input(fields: &Fields) -> settings::UpstreamInput {
    settings::UpstreamInput {
        configuration_url: field(fields, "configuration_url"),
        client_id: field(fields, "client_id"),
        client_secret: optional(fields, "client_secret"),
        logout_url: optional(fields, "logout_url"),
        scopes: optional(fields, "scopes").map(|s| words(&s, &[' ', ','])),
        username_claim: optional(fields, "username_claim"),
        redirect_uri: optional(fields, "redirect_uri"),
        ca_pem: optional(fields, "ca_pem"),
    }
}

/// The fields worth showing again: never the CSRF token or a password.
fn kept(fields: &Fields) -> Fields {
    fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "password" | "client_secret" | "token"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Makes a write durable, then sends the browser to `location` (post/redirect/get).
async fn written(s: &Signed<'_>, location: &str) -> Answer {
    s.state.store.flush_durable().await?;
    Ok(respond::see_other(location))
}

fn reveal(
    s: &Signed<'_>,
    label: &'static str,
    what: String,
    value: String,
    back: String,
) -> Answer {
    Ok(s.page(
        "admin/secret.html",
        format!("New {}", label.to_lowercase()),
        "tenants",
        None,
        SecretView {
            what,
            label,
            value,
            back,
        },
    ))
}

fn dashboard(s: &Signed<'_>) -> Answer {
    let store = &s.state.store;
    let now = s.state.clock.now();
    let tenants = store.tenants(None, 500)?;
    let mut rows = Vec::new();
    for t in tenants {
        rows.push(TenantRow {
            clients: store.count_clients(t.uid)?,
            members: store.count_members(t.uid)?,
            id: t.id.to_string(),
            display_name: t.display_name,
        });
    }
    let key_ages: Vec<KeyAge> = keys::active_ages(store, now)?
        .into_iter()
        .map(|(alg, age_days)| KeyAge {
            alg: alg.as_str().to_owned(),
            age_days,
        })
        .collect();
    let events = audit_log::list(
        &s.ctx(),
        &audit_log::AuditFilter::default(),
        &PageRequest::parse(Some("10"), None)?,
    )?;
    let cert = tokio::task::block_in_place(|| s.state.certificate_expiry());
    Ok(s.page(
        "admin/dashboard.html",
        "Dashboard".into(),
        "dashboard",
        None,
        json!({
            "tenants": rows,
            "keys": key_ages,
            "events": events.items,
            "sessions": store.count_live_sessions(now)?,
            "store_size": human_size(store.size_on_disk()?),
            "cert_expires": cert.map(crate::clock::rfc3339),
            "cert_warning": cert.is_some_and(|c| c < now + 30 * 86_400),
        }),
    ))
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{} KiB", b.div_ceil(1024)),
    }
}

fn tenants_page(s: &Signed<'_>, done: Option<&'static str>, form: FormState) -> Answer {
    let list = tenants::list(&s.ctx(), &PageRequest::parse(Some("500"), None)?)?;
    Ok(s.page(
        "admin/tenants.html",
        "Tenants".into(),
        "tenants",
        done,
        json!({"tenants": list.items, "form": form}),
    ))
}

/// The forms of the tenant page, each with its own input and errors.
#[derive(Default)]
struct TenantForms {
    client: FormState,
    member: FormState,
    delete: FormState,
    introspection: FormState,
    upstream: FormState,
    rename: FormState,
    probe: Option<String>,
}

/// `form` as refused, or else a form showing `current` values.
fn or_current(form: FormState, current: &[(&str, Option<String>)]) -> FormState {
    if !form.values.is_empty() {
        return form;
    }
    FormState {
        values: current
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), v)))
            .collect(),
        ..form
    }
}

fn tenant_page(
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
    let introspection = settings::get_introspection(&ctx, slug).ok();
    let upstream = settings::get_upstream(&ctx, slug).ok();
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
            "introspection": introspection,
            "upstream": upstream,
            "client_form": forms.client,
            "member_form": forms.member,
            "delete_form": forms.delete,
            "introspection_form": introspection_form,
            "upstream_form": upstream_form,
            "rename_form": rename_form,
            "probe": forms.probe,
        }),
    ))
}

/// Splits a text field into words (spaces, commas or lines).
fn words(text: &str, separators: &[char]) -> Vec<String> {
    text.split(|c: char| separators.contains(&c) || c == '\n' || c == '\r')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn create_client(s: &Signed<'_>, slug: &str, fields: Fields) -> Answer {
    let text = |k: &str| field(&fields, k);
    let input = clients::ClientInput {
        client_id: Some(text("client_id")).filter(|c| !c.trim().is_empty()),
        name: Some(text("name")),
        redirect_uris: Some(words(&text("redirect_uris"), &[' '])),
        grant_types: Some(words(&text("grant_types"), &[' ', ','])),
        response_types: Some(words(&text("response_types"), &[','])),
        scopes: Some(words(&text("scopes"), &[' ', ','])),
        token_endpoint_auth_method: Some(text("token_endpoint_auth_method"))
            .filter(|m| !m.trim().is_empty()),
        ..clients::ClientInput::default()
    };
    match clients::create(&s.ctx(), slug, &input) {
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
    let Some(account) = s.state.store.account_by_username(username.trim())? else {
        return refused(AdminError::invalid(
            "username",
            "no account has this username",
        ));
    };
    let input = members::MembershipInput {
        scopes: words(&field(&fields, "scopes"), &[' ', ',']),
        external_authentication_provider_id: Some(field(
            &fields,
            "external_authentication_provider_id",
        ))
        .filter(|e| !e.trim().is_empty()),
    };
    match members::put(&ctx, slug, &account.id, &input) {
        Ok(_) => written(s, &format!("/admin/tenants/{slug}?done=member-added")).await,
        Err(e) => refused(e),
    }
}

fn accounts_page(
    s: &Signed<'_>,
    query: &Fields,
    done: Option<&'static str>,
    form: FormState,
) -> Answer {
    let q = query.get("q").map(|q| q.trim()).filter(|q| !q.is_empty());
    let list = tokio::task::block_in_place(|| {
        accounts::list(&s.ctx(), None, q, &PageRequest::parse(Some("100"), None)?)
    })?;
    Ok(s.page(
        "admin/accounts.html",
        "Accounts".into(),
        "accounts",
        done,
        json!({"accounts": list.items, "q": q.unwrap_or(""), "form": form}),
    ))
}

async fn create_account(s: &Signed<'_>, fields: Fields) -> Answer {
    let optional = |k: &str| Some(field(&fields, k)).filter(|v| !v.trim().is_empty());
    let new = accounts::NewAccount {
        username: field(&fields, "username"),
        email: optional("email"),
        name: optional("name"),
        password: optional("password"),
        admin: None,
    };
    match accounts::create(&s.ctx(), &new).await {
        Ok(_) => written(s, "/admin/accounts?done=account-created").await,
        Err(e) => accounts_page(
            s,
            &Fields::new(),
            None,
            FormState::refused(kept(&fields), &e),
        ),
    }
}

fn audit_page(s: &Signed<'_>, query: &Fields) -> Answer {
    let given = |k: &str| {
        query
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let filter = audit_log::AuditFilter {
        tenant: given("tenant"),
        account: given("account"),
        kind: given("kind"),
    };
    let request = PageRequest::parse(Some("50"), query.get("after").map(String::as_str))?;
    let page = tokio::task::block_in_place(|| audit_log::list(&s.ctx(), &filter, &request))?;
    let next = page.next.map(|after| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("tenant", &filter.tenant),
            ("account", &filter.account),
            ("kind", &filter.kind),
        ] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        q.append_pair("after", &after);
        format!("/admin/audit?{}", q.finish())
    });
    Ok(s.page(
        "admin/audit.html",
        "Audit log".into(),
        "audit",
        None,
        json!({
            "events": page.items,
            "tenant": filter.tenant.unwrap_or_default(),
            "account": filter.account.unwrap_or_default(),
            "kind": filter.kind.unwrap_or_default(),
            "next": next,
        }),
    ))
}
