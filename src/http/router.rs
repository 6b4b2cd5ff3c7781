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
    /// `POST /v2/admin/tokens`.
    CreateAdminToken,
    /// `GET /v2/admin/tokens`.
    ListAdminTokens,
    /// `DELETE /v2/admin/tokens/{id}`.
    DeleteAdminToken {
        /// The token's id.
        id: &'a str,
    },
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

fn table<'a>(method: &str, segments: &[&'a str]) -> Option<Route<'a>> {
    Some(match (method, segments) {
        ("GET", ["healthz"]) => Route::Healthz,
        ("GET", ["readyz"]) => Route::Readyz,
        ("GET", ["t", tenant, ".well-known", "openid-configuration"]) => {
            Route::Discovery { tenant }
        }
        ("GET", ["t", tenant, "jwks"]) => Route::Jwks { tenant },
        ("POST", ["v2", "admin", "tokens"]) => Route::CreateAdminToken,
        ("GET", ["v2", "admin", "tokens"]) => Route::ListAdminTokens,
        ("DELETE", ["v2", "admin", "tokens", id]) => Route::DeleteAdminToken { id },
        _ => return None,
    })
}

impl Route<'_> {
    /// True for the management API, which answers errors as problem+json and needs an admin token.
    pub fn is_admin_api(&self) -> bool {
        matches!(
            self,
            Route::CreateAdminToken | Route::ListAdminTokens | Route::DeleteAdminToken { .. }
        )
    }
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
            Resolved::Route(Route::DeleteAdminToken { id: "abc" })
        );
        assert_eq!(resolve(&Method::GET, "/t/acme/jwks/"), Resolved::NotFound);
        assert_eq!(resolve(&Method::GET, "/"), Resolved::NotFound);
        assert_eq!(resolve(&Method::GET, "//healthz"), Resolved::NotFound);
    }
}
