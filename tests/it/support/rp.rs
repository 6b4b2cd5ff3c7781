//! The `openidconnect` crate as an independent relying party, over ureq.

use openidconnect::core::CoreProviderMetadata;
use openidconnect::{HttpRequest, HttpResponse, IssuerUrl};

/// An HTTP client for `openidconnect` that sends its requests with `agent`.
pub fn http_client(
    agent: ureq::Agent,
) -> impl Fn(HttpRequest) -> Result<HttpResponse, ureq::Error> {
    move |req: HttpRequest| {
        let resp = agent.run(req)?;
        let (parts, mut body) = resp.into_parts();
        let bytes = body.read_to_vec()?;
        Ok(HttpResponse::from_parts(parts, bytes))
    }
}

/// Discovers `issuer` the way a relying party does: metadata, issuer check, then JWKS.
pub fn discover(agent: ureq::Agent, issuer: &str) -> CoreProviderMetadata {
    let issuer = IssuerUrl::new(issuer.to_owned()).expect("issuer URL");
    CoreProviderMetadata::discover(&issuer, &http_client(agent))
        .expect("discovery by openidconnect")
}
