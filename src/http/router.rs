//! Method and path to a [`Route`]: one `match` on method and path segments, no framework.
//! The same table answers which methods a path allows, for 405 and `Allow`.

use hyper::Method;

/// Every endpoint the appliance serves, method included.
#[derive(Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /healthz`: the process is alive.
    Healthz,
    /// `GET /readyz`: the store answers and keys are loaded.
    Readyz,
    /// `GET /t/{tenant}/.well-known/openid-configuration`.
    Discovery {
        /// Tenant slug as it appeared in the path (not yet validated).
        tenant: &'a str,
    },
    /// `GET /t/{tenant}/jwks`.
    Jwks {
        /// Tenant slug as it appeared in the path (not yet validated).
        tenant: &'a str,
    },
    /// `GET`/`POST /t/{tenant}/authorize`.
    Authorize {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET`/`POST /t/{tenant}/login`.
    Login {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET`/`POST /t/{tenant}/mfa`: the second sign-in step.
    SecondFactor {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET`/`POST /t/{tenant}/password`: the password change an admin asked for.
    PasswordChange {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET`/`POST /t/{tenant}/account`: the member's own account console.
    Account {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET`/`POST /t/{tenant}/recover?token=…`: a recovery link's page.
    Recover {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET`/`POST /t/{tenant}/logout`.
    Logout {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET`/`POST /t/{tenant}/consent`.
    Consent {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET /t/{tenant}/branding/logo`: the tenant's logo.
    BrandingLogo {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET /t/{tenant}/branding.css`: the tenant's accent colour.
    BrandingCss {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET /static/style.css`.
    Stylesheet,
    /// `GET /static/form_post.js`.
    FormPostScript,
    /// `GET /static/webauthn.js`: the passkey ceremonies of the sign-in pages.
    WebauthnScript,
    /// `GET /static/admin.js`.
    AdminScript,
    /// `POST /t/{tenant}/token`.
    Token {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `POST /t/{tenant}/par`.
    Par {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `POST /t/{tenant}/introspect`.
    Introspect {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `POST /t/{tenant}/revoke`.
    Revoke {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `GET` or `POST /t/{tenant}/userinfo`.
    Userinfo {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
    },
    /// `OPTIONS` on an endpoint under `/t/{tenant}`: a CORS preflight.
    Preflight {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
        /// Whether browsers may call the endpoint cross-origin at all (introspection
        /// may not: it is for servers).
        cors: bool,
    },
    /// `GET /v2/login/oidc/callback`, also spelt `/v2/Login/Oidc/Callback`.
    BrokerCallback,
    /// `GET`/`POST /admin/…`: the admin web UI, which routes its own pages.
    AdminUi,
    /// `POST /admin/tenants/{t}/import`: the admin UI's account import, whose file may
    /// be as large as the API's import takes.
    AdminUpload,
    /// `GET /metrics`.
    Metrics,
    /// `POST /v2/sso/exchange-token`.
    SsoExchange,
    /// `POST /v2/sso/refresh-token`.
    SsoRefresh,
    /// A management API call under `/v2/admin`.
    Admin(AdminRoute<'a>),
    /// A SCIM 2.0 call under `/t/{tenant}/scim/v2/`; the SCIM module routes the rest.
    Scim {
        /// Tenant slug as it appeared in the path.
        tenant: &'a str,
        /// The path segments after `/scim/v2`.
        rest: Vec<&'a str>,
    },
}

/// The management API calls (SPEC "Management API"); fields are raw path segments.
#[derive(Debug, PartialEq, Eq)]
#[allow(
    missing_docs,
    reason = "each variant is named after its call; the table below is the documentation"
)]
pub enum AdminRoute<'a> {
    CreateTenant,
    ListTenants,
    GetTenant { t: &'a str },
    PatchTenant { t: &'a str },
    DeleteTenant { t: &'a str },
    PutIntrospection { t: &'a str },
    GetIntrospection { t: &'a str },
    DeleteIntrospection { t: &'a str },
    TestIntrospection { t: &'a str },
    PutUpstream { t: &'a str },
    GetUpstream { t: &'a str },
    TestUpstream { t: &'a str },
    DeleteUpstream { t: &'a str },
    PutBranding { t: &'a str },
    GetBranding { t: &'a str },
    DeleteBranding { t: &'a str },
    CreateClient { t: &'a str },
    ListClients { t: &'a str },
    GetClient { t: &'a str, c: &'a str },
    PatchClient { t: &'a str, c: &'a str },
    DeleteClient { t: &'a str, c: &'a str },
    RotateClientSecret { t: &'a str, c: &'a str },
    CreateApiKey { t: &'a str, c: &'a str },
    ListApiKeys { t: &'a str, c: &'a str },
    DeleteApiKey { t: &'a str, c: &'a str, id: &'a str },
    PutMember { t: &'a str, account: &'a str },
    ListMembers { t: &'a str },
    DeleteMember { t: &'a str, account: &'a str },
    ProvisionAccount { t: &'a str },
    ImportAccounts { t: &'a str },
    CreateScimToken { t: &'a str },
    ListScimTokens { t: &'a str },
    DeleteScimToken { t: &'a str, id: &'a str },
    CreateAccount,
    ListAccounts,
    GetAccount { id: &'a str },
    PatchAccount { id: &'a str },
    DeleteAccount { id: &'a str },
    EndAccountSessions { id: &'a str },
    RemoveAccountMfa { id: &'a str },
    CreateRecoveryLink { id: &'a str },
    CreateToken,
    ListTokens,
    DeleteToken { id: &'a str },
    ListKeys,
    RotateKeys,
    ListAudit,
    Backup,
}

/// The outcome of routing.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// A known endpoint.
    Route(Route<'a>),
    /// The path exists, but for other methods (the `Allow` value).
    MethodNotAllowed(String),
    /// No such path.
    NotFound,
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

impl Resolved<'_> {
    /// The largest body the endpoint reads: SPEC's 64 KiB, less where the body is a
    /// small form, more where SPEC says so (SCIM, the account import, a tenant's
    /// branding with its logo).
    pub fn body_limit(&self) -> usize {
        use crate::http::body::{
            BRANDING_LIMIT, DEFAULT_LIMIT, IMPORT_LIMIT, SCIM_LIMIT, SMALL_LIMIT,
        };
        match self {
            Resolved::Route(
                Route::Authorize { .. }
                | Route::Login { .. }
                | Route::SecondFactor { .. }
                | Route::PasswordChange { .. }
                | Route::Recover { .. }
                | Route::Account { .. }
                | Route::Logout { .. }
                | Route::Consent { .. }
                | Route::Introspect { .. }
                | Route::Revoke { .. }
                | Route::Userinfo { .. }
                | Route::SsoRefresh,
            ) => SMALL_LIMIT,
            Resolved::Route(Route::Scim { .. }) => SCIM_LIMIT,
            Resolved::Route(
                Route::Admin(AdminRoute::ImportAccounts { .. }) | Route::AdminUpload,
            ) => IMPORT_LIMIT,
            Resolved::Route(Route::Admin(AdminRoute::PutBranding { .. })) => BRANDING_LIMIT,
            _ => DEFAULT_LIMIT,
        }
    }

    /// Whether this is a health probe or the metrics: they answer for the process itself
    /// and stay served when the store cannot write.
    pub fn is_probe(&self) -> bool {
        matches!(
            self,
            Resolved::Route(Route::Healthz | Route::Readyz | Route::Metrics)
        )
    }

    /// The path as the request log shows it: `unknown` for a path no route takes, since
    /// such a path is anything a client typed, a pasted token included.
    pub fn logged_path<'p>(&self, path: &'p str) -> &'p str {
        match self {
            Resolved::NotFound => "unknown",
            Resolved::Route(_) | Resolved::MethodNotAllowed(_) => path,
        }
    }

    /// A fixed name for metrics: the endpoint, never a value from the path.
    pub fn label(&self) -> &'static str {
        let route = match self {
            Resolved::Route(r) => r,
            Resolved::MethodNotAllowed(_) => return "method_not_allowed",
            Resolved::NotFound => return "not_found",
        };
        match route {
            Route::Healthz => "healthz",
            Route::Readyz => "readyz",
            Route::Discovery { .. } => "discovery",
            Route::Jwks { .. } => "jwks",
            Route::Authorize { .. } => "authorize",
            Route::Login { .. } => "login",
            Route::SecondFactor { .. } => "mfa",
            Route::PasswordChange { .. } => "password",
            Route::Recover { .. } => "recover",
            Route::Account { .. } => "account",
            Route::Logout { .. } => "logout",
            Route::Consent { .. } => "consent",
            Route::BrandingLogo { .. } | Route::BrandingCss { .. } => "branding",
            Route::Stylesheet
            | Route::FormPostScript
            | Route::WebauthnScript
            | Route::AdminScript => "static",
            Route::Token { .. } => "token",
            Route::Par { .. } => "par",
            Route::Introspect { .. } => "introspect",
            Route::Revoke { .. } => "revoke",
            Route::Userinfo { .. } => "userinfo",
            Route::Preflight { .. } => "preflight",
            Route::AdminUi | Route::AdminUpload => "admin_ui",
            Route::Metrics => "metrics",
            Route::BrokerCallback => "broker_callback",
            Route::SsoExchange => "sso_exchange",
            Route::SsoRefresh => "sso_refresh",
            Route::Admin(_) => "admin_api",
            Route::Scim { .. } => "scim",
        }
    }
}

/// Resolves a request line to a route.
pub fn resolve<'a>(method: &Method, path: &'a str) -> Resolved<'a> {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    if let Some(route) = table(method.as_str(), &segments) {
        return Resolved::Route(route);
    }
    let allowed: Vec<&str> = METHODS
        .into_iter()
        .filter(|m| table(m, &segments).is_some())
        .collect();
    if allowed.is_empty() {
        Resolved::NotFound
    } else {
        Resolved::MethodNotAllowed(allowed.join(", "))
    }
}

/// Whether `path` lies under the management API's base, `/v2/admin`.
pub fn under_admin_api(path: &str) -> bool {
    path == "/v2/admin" || path.starts_with("/v2/admin/")
}

fn table<'a>(method: &str, segments: &[&'a str]) -> Option<Route<'a>> {
    Some(match (method, segments) {
        ("GET", ["healthz"]) => Route::Healthz,
        ("GET", ["readyz"]) => Route::Readyz,
        ("GET", ["t", tenant, ".well-known", "openid-configuration"]) => {
            Route::Discovery { tenant }
        }
        ("GET", ["t", tenant, "jwks"]) => Route::Jwks { tenant },
        ("GET" | "POST", ["t", tenant, "authorize"]) => Route::Authorize { tenant },
        ("GET" | "POST", ["t", tenant, "login"]) => Route::Login { tenant },
        ("GET" | "POST", ["t", tenant, "mfa"]) => Route::SecondFactor { tenant },
        ("GET" | "POST", ["t", tenant, "password"]) => Route::PasswordChange { tenant },
        ("GET" | "POST", ["t", tenant, "recover"]) => Route::Recover { tenant },
        ("GET" | "POST", ["t", tenant, "account"]) => Route::Account { tenant },
        ("GET" | "POST", ["t", tenant, "logout"]) => Route::Logout { tenant },
        ("GET" | "POST", ["t", tenant, "consent"]) => Route::Consent { tenant },
        ("GET", ["t", tenant, "branding", "logo"]) => Route::BrandingLogo { tenant },
        ("GET", ["t", tenant, "branding.css"]) => Route::BrandingCss { tenant },
        ("GET", ["static", "style.css"]) => Route::Stylesheet,
        ("GET", ["static", "form_post.js"]) => Route::FormPostScript,
        ("GET", ["static", "admin.js"]) => Route::AdminScript,
        ("GET", ["static", "webauthn.js"]) => Route::WebauthnScript,
        ("POST", ["t", tenant, "token"]) => Route::Token { tenant },
        ("POST", ["t", tenant, "par"]) => Route::Par { tenant },
        ("POST", ["t", tenant, "introspect"]) => Route::Introspect { tenant },
        ("POST", ["t", tenant, "revoke"]) => Route::Revoke { tenant },
        ("GET" | "POST", ["t", tenant, "userinfo"]) => Route::Userinfo { tenant },
        (
            "OPTIONS",
            [
                "t",
                tenant,
                "token" | "par" | "userinfo" | "revoke" | "jwks",
            ]
            | ["t", tenant, ".well-known", "openid-configuration"],
        ) => Route::Preflight { tenant, cors: true },
        ("OPTIONS", ["t", tenant, "introspect"]) => Route::Preflight {
            tenant,
            cors: false,
        },
        (
            "GET",
            [
                "v2",
                "login" | "Login",
                "oidc" | "Oidc",
                "callback" | "Callback",
            ],
        ) => Route::BrokerCallback,
        ("POST", ["admin", "tenants", _, "import"]) => Route::AdminUpload,
        ("GET" | "POST", ["admin", ..]) => Route::AdminUi,
        ("GET", ["metrics"]) => Route::Metrics,
        ("POST", ["v2", "sso", "exchange-token"]) => Route::SsoExchange,
        ("POST", ["v2", "sso", "refresh-token"]) => Route::SsoRefresh,
        (m, ["v2", "admin", rest @ ..]) => Route::Admin(admin_table(m, rest)?),
        ("GET" | "POST" | "PUT" | "PATCH" | "DELETE", ["t", tenant, "scim", "v2", rest @ ..]) => {
            Route::Scim {
                tenant,
                rest: rest.to_vec(),
            }
        }
        _ => return None,
    })
}

fn admin_table<'a>(method: &str, segments: &[&'a str]) -> Option<AdminRoute<'a>> {
    use AdminRoute::*;
    Some(match (method, segments) {
        ("POST", ["tenants"]) => CreateTenant,
        ("GET", ["tenants"]) => ListTenants,
        ("GET", ["tenants", t]) => GetTenant { t },
        ("PATCH", ["tenants", t]) => PatchTenant { t },
        ("DELETE", ["tenants", t]) => DeleteTenant { t },
        ("PUT", ["tenants", t, "introspection"]) => PutIntrospection { t },
        ("GET", ["tenants", t, "introspection"]) => GetIntrospection { t },
        ("DELETE", ["tenants", t, "introspection"]) => DeleteIntrospection { t },
        ("POST", ["tenants", t, "introspection", "test"]) => TestIntrospection { t },
        ("PUT", ["tenants", t, "upstream-oidc"]) => PutUpstream { t },
        ("GET", ["tenants", t, "upstream-oidc"]) => GetUpstream { t },
        ("POST", ["tenants", t, "upstream-oidc", "test"]) => TestUpstream { t },
        ("DELETE", ["tenants", t, "upstream-oidc"]) => DeleteUpstream { t },
        ("PUT", ["tenants", t, "branding"]) => PutBranding { t },
        ("GET", ["tenants", t, "branding"]) => GetBranding { t },
        ("DELETE", ["tenants", t, "branding"]) => DeleteBranding { t },
        ("POST", ["tenants", t, "clients"]) => CreateClient { t },
        ("GET", ["tenants", t, "clients"]) => ListClients { t },
        ("GET", ["tenants", t, "clients", c]) => GetClient { t, c },
        ("PATCH", ["tenants", t, "clients", c]) => PatchClient { t, c },
        ("DELETE", ["tenants", t, "clients", c]) => DeleteClient { t, c },
        ("POST", ["tenants", t, "clients", c, "secret"]) => RotateClientSecret { t, c },
        ("POST", ["tenants", t, "clients", c, "api-keys"]) => CreateApiKey { t, c },
        ("GET", ["tenants", t, "clients", c, "api-keys"]) => ListApiKeys { t, c },
        ("DELETE", ["tenants", t, "clients", c, "api-keys", id]) => DeleteApiKey { t, c, id },
        ("PUT", ["tenants", t, "members", account]) => PutMember { t, account },
        ("GET", ["tenants", t, "members"]) => ListMembers { t },
        ("DELETE", ["tenants", t, "members", account]) => DeleteMember { t, account },
        ("POST", ["tenants", t, "accounts"]) => ProvisionAccount { t },
        ("POST", ["tenants", t, "accounts", "import"]) => ImportAccounts { t },
        ("POST", ["tenants", t, "scim-tokens"]) => CreateScimToken { t },
        ("GET", ["tenants", t, "scim-tokens"]) => ListScimTokens { t },
        ("DELETE", ["tenants", t, "scim-tokens", id]) => DeleteScimToken { t, id },
        ("POST", ["accounts"]) => CreateAccount,
        ("GET", ["accounts"]) => ListAccounts,
        ("GET", ["accounts", id]) => GetAccount { id },
        ("PATCH", ["accounts", id]) => PatchAccount { id },
        ("DELETE", ["accounts", id]) => DeleteAccount { id },
        ("DELETE", ["accounts", id, "sessions"]) => EndAccountSessions { id },
        ("DELETE", ["accounts", id, "mfa"]) => RemoveAccountMfa { id },
        ("POST", ["accounts", id, "recovery-link"]) => CreateRecoveryLink { id },
        ("POST", ["tokens"]) => CreateToken,
        ("GET", ["tokens"]) => ListTokens,
        ("DELETE", ["tokens", id]) => DeleteToken { id },
        ("GET", ["keys"]) => ListKeys,
        ("POST", ["keys", "rotate"]) => RotateKeys,
        ("GET", ["audit"]) => ListAudit,
        ("POST", ["backup"]) => Backup,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_known_paths_and_methods() {
        assert_eq!(
            resolve(&Method::GET, "/t/acme/jwks"),
            Resolved::Route(Route::Jwks { tenant: "acme" })
        );
        assert_eq!(
            resolve(&Method::GET, "/t/acme/.well-known/openid-configuration"),
            Resolved::Route(Route::Discovery { tenant: "acme" })
        );
        assert_eq!(
            resolve(&Method::POST, "/healthz"),
            Resolved::MethodNotAllowed("GET".into())
        );
        assert_eq!(
            resolve(&Method::PUT, "/v2/admin/tokens"),
            Resolved::MethodNotAllowed("GET, POST".into())
        );
        assert_eq!(
            resolve(&Method::DELETE, "/v2/admin/tokens/abc"),
            Resolved::Route(Route::Admin(AdminRoute::DeleteToken { id: "abc" }))
        );
        assert_eq!(
            resolve(&Method::DELETE, "/v2/admin/tenants/a/clients/c/api-keys/k"),
            Resolved::Route(Route::Admin(AdminRoute::DeleteApiKey {
                t: "a",
                c: "c",
                id: "k"
            }))
        );
        assert_eq!(
            resolve(&Method::GET, "/v2/admin/tenants/a"),
            Resolved::Route(Route::Admin(AdminRoute::GetTenant { t: "a" }))
        );
        assert_eq!(
            resolve(&Method::POST, "/v2/admin/tenants/a"),
            Resolved::MethodNotAllowed("GET, PATCH, DELETE".into())
        );
        assert_eq!(resolve(&Method::GET, "/t/acme/jwks/"), Resolved::NotFound);
        assert_eq!(resolve(&Method::GET, "/"), Resolved::NotFound);
        assert_eq!(resolve(&Method::GET, "//healthz"), Resolved::NotFound);
        assert!(under_admin_api("/v2/admin") && under_admin_api("/v2/admin/nope"));
        assert!(!under_admin_api("/v2/administrator") && !under_admin_api("/v2/sso/x"));
    }
}
