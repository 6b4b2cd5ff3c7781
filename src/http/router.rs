//! Method and path to a [`Route`]: a `match` on path segments, no framework.

use hyper::Method;

/// Every endpoint the appliance serves.
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
}

/// The outcome of routing.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// A known endpoint.
    Route(Route<'a>),
    /// The path exists, but for other methods (the `Allow` value).
    MethodNotAllowed(&'static str),
    /// No such path.
    NotFound,
}

/// Resolves a request line to a route.
pub fn resolve<'a>(method: &Method, path: &'a str) -> Resolved<'a> {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let (route, allow) = match segments.as_slice() {
        ["healthz"] => (Route::Healthz, "GET"),
        ["readyz"] => (Route::Readyz, "GET"),
        ["t", tenant, ".well-known", "openid-configuration"] => {
            (Route::Discovery { tenant }, "GET")
        }
        ["t", tenant, "jwks"] => (Route::Jwks { tenant }, "GET"),
        _ => return Resolved::NotFound,
    };
    if allow.split(", ").any(|m| m == method.as_str()) {
        Resolved::Route(route)
    } else {
        Resolved::MethodNotAllowed(allow)
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
            Resolved::MethodNotAllowed("GET")
        );
        assert_eq!(resolve(&Method::GET, "/t/acme/jwks/"), Resolved::NotFound);
        assert_eq!(resolve(&Method::GET, "/"), Resolved::NotFound);
        assert_eq!(resolve(&Method::GET, "//healthz"), Resolved::NotFound);
    }
}
