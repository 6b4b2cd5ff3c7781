//! The admin web UI under `/admin`: server-rendered pages over the same operations as
//! the management API (`admin::*`), so the two never disagree. Every page but sign-in
//! needs an admin session; every POST needs the session's CSRF token; every write is
//! durable before the answer; a refused form comes back with its input and messages.

mod account_pages;
mod audit_export;
mod branding_pages;
mod confirm;
mod errors;
mod forms;
mod import_page;
mod listing;
mod overview;
mod second_factor;
mod sessions;
mod steps;
mod tenant_pages;
mod warnings;

pub use sessions::Sessions;

use super::cookie;
use crate::admin::{AdminError, Ctx, keys, sign_in};
use crate::audit::Actor;
use crate::clock::UnixTime;
use crate::grant::session::CSRF_COOKIE;
use crate::guard::{Blocked, Key, Outcome, Realm, Subject};
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::http::{body, multipart};
use crate::state::State;
use crate::types::Secret;
use crate::ui::admin::{AdminLoginView, AdminPage, FormState, SecretView};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A form's fields by name.
type Fields = BTreeMap<String, String>;

/// What a signed-in request carries.
struct Signed<'a> {
    state: &'a State,
    sessions: &'a Sessions,
    session: sessions::Session,
    log: &'a RequestLog,
    /// The request's time, read once.
    now: UnixTime,
    /// What the signed-in admin manages, as of this request.
    role: crate::types::AdminRole,
}

impl Signed<'_> {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: &self.state.store,
            master: &self.state.master,
            now: self.now,
            actor: self.session.actor.clone(),
            role: self.role.clone(),
            public_url: &self.state.config.public_url,
            passwords: self.state.config.passwords,
            destinations: &self.state.destinations,
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
            who: self.session.display.clone(),
            csrf: self.session.csrf.clone(),
            notice,
            appliance: self.role == crate::types::Role::Appliance,
            body,
        };
        render(self.state, template, &view, StatusCode::OK, self.log)
    }
}

pub(super) fn render<T: Serialize>(
    state: &State,
    template: &'static str,
    view: &T,
    status: StatusCode,
    log: &RequestLog,
) -> Response<Body> {
    match state.ui.render(template, view) {
        Ok(html) => {
            let mut resp = respond::html(status, html);
            respond::allow_own_scripts(&mut resp);
            resp
        }
        Err(e) => {
            tracing::error!("{e} req={}", log.id());
            respond::html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
        }
    }
}

/// A form's pairs; the values of a name given several times (checkboxes) are joined
/// with spaces.
fn pairs(text: &[u8]) -> Fields {
    let mut fields = Fields::new();
    for (k, v) in url::form_urlencoded::parse(text).into_owned() {
        fields
            .entry(k)
            .and_modify(|joined: &mut String| {
                joined.push(' ');
                joined.push_str(&v);
            })
            .or_insert(v);
    }
    fields
}

pub(super) fn internal(
    state: &State,
    e: &dyn std::fmt::Display,
    log: &RequestLog,
) -> Response<Body> {
    tracing::error!("{e} req={}", log.id());
    message(
        state,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The operation failed; see the log.",
        log,
    )
}

pub(super) fn message(
    state: &State,
    status: StatusCode,
    title: &str,
    text: &str,
    log: &RequestLog,
) -> Response<Body> {
    let view = crate::ui::MessageView {
        title: crate::ui::Text::Plain(title.to_owned()),
        message: crate::ui::Text::Plain(text.to_owned()),
        detail: None,
        reference: Some(log.id().to_owned()),
    };
    render(state, "error.html", &view, status, log)
}

/// Reads a POSTed form, URL-encoded or `multipart/form-data` (a file upload), within
/// the route's body limit; a body problem is answered with a page.
pub(super) async fn read_form(
    state: &State,
    req: Request<Incoming>,
    log: &RequestLog,
) -> Result<Fields, Response<Body>> {
    read_fields(req)
        .await
        .map_err(|(status, text)| message(state, status, "Not accepted", &text, log))
}

/// The fields of a form, URL-encoded or `multipart/form-data`, or why it was refused.
async fn read_fields(req: Request<Incoming>) -> Result<Fields, (StatusCode, String)> {
    let boundary = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary);
    let bytes = body::read_limited(req)
        .await
        .map_err(|e| (respond::status_of(e.kind), e.message))?;
    match boundary {
        None => Ok(pairs(&bytes)),
        Some(b) => uploaded(&bytes, &b).map_err(|m| (StatusCode::BAD_REQUEST, m)),
    }
}

/// The fields of a `multipart/form-data` body; a file must be UTF-8 text.
fn uploaded(bytes: &[u8], boundary: &str) -> Result<Fields, String> {
    let mut fields = Fields::new();
    for part in multipart::parts(bytes, boundary)? {
        let text = String::from_utf8(part.data)
            .map_err(|_| format!("The field `{}` is not UTF-8 text.", part.name))?;
        fields.insert(part.name, text);
    }
    Ok(fields)
}

/// Answers a request under `/admin`.
pub async fn handle(
    state: &State,
    sessions: &Sessions,
    mut req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let is_post = req.method() == Method::POST;
    if segments == ["login"] {
        return login(state, sessions, req, peer, log).await;
    }
    if segments == ["login", "mfa"] {
        return second_factor::page(state, sessions, req, peer, log).await;
    }
    let session_cookie = cookie(&req, sessions::COOKIE);
    let now = state.clock.now();
    let Some(session) = sessions.get(session_cookie.as_deref(), now) else {
        return respond::see_other("/admin/login");
    };
    let role = match sign_in::current_role(&state.store, &session.actor) {
        Ok(Some(role)) => role,
        Ok(None) => {
            sessions.end(session_cookie.as_deref());
            return respond::see_other("/admin/login");
        }
        Err(e) => return internal(state, &e, log),
    };
    let query = pairs(req.uri().query().unwrap_or("").as_bytes());
    let signed = Signed {
        state,
        sessions,
        session,
        log,
        now,
        role,
    };
    if is_post && matches!(segments.as_slice(), ["tenants", _, "branding"]) {
        // Only now, for a signed-in admin: the form carries a logo.
        req.extensions_mut()
            .insert(body::Limit(branding_pages::FORM_LIMIT));
    }
    let fields = if is_post {
        match read_fields(req).await {
            Ok(f) => f,
            Err((status, why)) => return errors::page(&signed, &segments, status, &why),
        }
    } else {
        Fields::new()
    };
    if is_post
        && !signed
            .session
            .csrf_ok(fields.get("csrf").map(String::as_str))
    {
        return errors::page(
            &signed,
            &segments,
            StatusCode::FORBIDDEN,
            "The form's security token is missing or stale. Reload the page and try again.",
        );
    }
    let result = if is_post {
        post(&signed, &segments, fields, session_cookie.as_deref()).await
    } else {
        get(&signed, &segments, &query).await
    };
    result.unwrap_or_else(|e| errors::refused(&signed, &segments, &e))
}

/// The admin sign-in's own counters, apart from `/t/…/login`'s: the address, and with a
/// password the username from this address and alone. A token is no name anyone
/// could be blocked by.
pub(super) fn admin_keys(peer: IpAddr, fields: &Fields) -> Vec<Key> {
    let field = |k: &str| fields.get(k).map_or("", |v| v.trim());
    if !field("token").is_empty() || field("username").is_empty() {
        return vec![Key::address(Realm::Admin, peer)];
    }
    Key::all(Realm::Admin, peer, Subject::user(field("username"))).to_vec()
}

/// Counts a sign-in's outcome against `keys`; an internal error is no one's failure,
/// and a right password with a second step to come is no success yet (only the whole
/// sign-in clears what wrong second factors counted).
fn count(
    state: &State,
    keys: &[Key],
    (signed_in, second_step): (&Result<Option<Secret>, AdminError>, bool),
    now: u64,
) -> Result<(), crate::store::StoreError> {
    let outcome = match signed_in {
        Ok(Some(_)) if second_step => return Ok(()),
        Ok(Some(_)) => Outcome::Success,
        Ok(None) => Outcome::Failure,
        Err(_) => return Ok(()),
    };
    state.limiter.record(&state.store, None, keys, outcome, now)
}

/// A 429 page with `Retry-After`.
pub(super) fn too_many(state: &State, blocked: Blocked, log: &RequestLog) -> Response<Body> {
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
    resp
}

/// The sign-in page: a double-submit CSRF cookie, the address limiter before the form
/// is read and the username's once it is, one message for every failure.
async fn login(
    state: &State,
    sessions: &Sessions,
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
    let address = [Key::address(Realm::Admin, peer)];
    if let Err(blocked) = state.limiter.admit(&address, now) {
        return too_many(state, blocked, log);
    }
    let csrf_cookie = cookie(&req, CSRF_COOKIE);
    let fields = match read_form(state, req, log).await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let keys = admin_keys(peer, &fields);
    if let Err(blocked) = state.limiter.admit(&keys, now) {
        return too_many(state, blocked, log);
    }
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
    let creds = sign_in::Credentials {
        username: field("username"),
        password: Secret::new(field("password")),
        token: Secret::new(field("token").trim()),
    };
    let require_mfa = state.config.admin_require_mfa;
    let who = sign_in::sign_in(
        &state.store,
        &state.dummy_password_hash,
        creds,
        require_mfa,
        now,
    )
    .await;
    let mut second_step = false;
    let signed_in = who.and_then(|who| {
        who.map(|admin| match admin.actor {
            Actor::Account(id) if require_mfa => {
                second_step = true;
                sessions.steps.begin(id, admin.display, now)
            }
            actor => sessions.open(actor, admin.display, now),
        })
        .transpose()
        .map_err(AdminError::from)
    });
    if let Err(e) = count(state, &keys, (&signed_in, second_step), now) {
        return internal(state, &e, log);
    }
    match signed_in {
        Ok(Some(cookie)) if second_step => {
            let mut resp = respond::see_other("/admin/login/mfa");
            respond::set_cookie(
                &mut resp,
                steps::COOKIE,
                cookie.expose(),
                "Strict",
                steps::TTL_SECS,
            );
            resp
        }
        Ok(Some(cookie)) => into_console(&cookie),
        Ok(None) => form(
            &field("username"),
            Some("The username, password or token is not correct.".into()),
            StatusCode::UNAUTHORIZED,
        ),
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
        "client-updated" => "The client was updated.",
        "client-deleted" => "The client was deleted.",
        "account-deleted" => "The account was deleted.",
        "settings-saved" => "The settings were saved.",
        "member-added" => "The member was added.",
        "member-removed" => "The member was removed.",
        "key-revoked" => "The API key was revoked.",
        "scim-token-deleted" => "The SCIM token was deleted.",
        "account-created" => "The account was created.",
        "account-updated" => "The account was updated.",
        "sessions-ended" => "The account's sessions were ended.",
        "mfa-removed" => "The account's second factors were removed.",
        "password-set" => "The password was changed.",
        "keys-rotated" => "New signing keys are active.",
        "branding-saved" => "The branding was saved.",
        "branding-removed" => "The branding was removed.",
        _ => return None,
    })
}

async fn get(s: &Signed<'_>, segments: &[&str], query: &Fields) -> Answer {
    let done = notice(query);
    if let Some(confirmation) = confirm::page(s, segments) {
        return confirmation;
    }
    match segments {
        // The dashboard counts and scans: keep it off the other requests' way.
        [] => tokio::task::block_in_place(|| overview::dashboard(s)),
        ["tenants"] => tenant_pages::tenants_page(s, query, done, FormState::default()),
        ["tenants", t] => {
            tenant_pages::tenant_page(s, t, done, tenant_pages::TenantForms::default())
        }
        ["accounts"] => account_pages::accounts_page(s, query, done, FormState::default()),
        ["accounts", id] => {
            account_pages::account_page(s, id, done, FormState::default(), FormState::default())
        }
        ["accounts", id, "recovery-link"] => account_pages::recovery_link_page(s, id),
        ["tenants", t, "branding", "delete"] => branding_pages::delete_page(s, t),
        ["keys"] => Ok(s.page(
            "admin/keys.html",
            "Signing keys".into(),
            "keys",
            done,
            json!({
                "keys": keys::list(&s.ctx())?.items,
                "ages": keys::ages(&s.state.store, s.now)?
                    .into_iter()
                    .map(|(kid, _, _, days)| (kid, days))
                    .collect::<BTreeMap<String, u64>>(),
            }),
        )),
        ["audit"] => overview::audit_page(s, query),
        ["audit.csv"] => audit_export::csv(s, query),
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
            s.sessions.end(session_cookie);
            let mut resp = respond::see_other("/admin/login");
            respond::set_cookie(&mut resp, sessions::COOKIE, "", "Strict", 0);
            Ok(resp)
        }
        ["tenants"] => tenant_pages::create(s, fields).await,
        ["tenants", t, "import"] => import_page::upload(s, t, fields).await,
        ["tenants", t, "branding", action @ ..] => branding_pages::post(s, t, action, fields).await,
        ["tenants", t, action @ ..] => tenant_pages::post(s, t, action, fields).await,
        ["accounts"] => account_pages::create(s, fields).await,
        ["accounts", id, action @ ..] => account_pages::post(s, id, action, fields).await,
        ["backup"] => overview::backup(s),
        ["keys", "rotate"] => {
            s.state.set_keys(keys::rotate(&ctx).await?);
            written(s, "/admin/keys?done=keys-rotated").await
        }
        _ => Err(AdminError::NotFound("no such action".into())),
    }
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

/// The way into the console after a sign-in: the session cookie, and a redirect home.
pub(super) fn into_console(session: &crate::types::Secret) -> Response<Body> {
    let mut resp = respond::see_other("/admin");
    respond::set_cookie(
        &mut resp,
        sessions::COOKIE,
        session.expose(),
        "Strict",
        sessions::ABSOLUTE_SECS,
    );
    resp
}
