//! A management-API client for tests: JSON in and out, admin token attached.

use crate::support::server::Server;
use serde_json::Value;

/// One answer: status, parsed body (or `Null`), and the headers tests look at.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The JSON body, `Value::Null` when empty.
    pub body: Value,
    /// `Content-Type`.
    pub content_type: String,
    /// `Location`, if any.
    pub location: Option<String>,
    /// `WWW-Authenticate`, if any.
    pub www_authenticate: Option<String>,
    /// `Allow`, if any.
    pub allow: Option<String>,
    /// `Retry-After`, if any.
    pub retry_after: Option<String>,
}

/// A client bound to one server and one admin token.
pub struct Api {
    agent: ureq::Agent,
    base: String,
    /// The `Authorization` header value sent, if any.
    pub authorization: Option<String>,
    /// The `X-Forwarded-For` value sent, if any (the client address behind a trusted proxy).
    pub forwarded_for: Option<String>,
}

impl Api {
    /// A client using the server's first admin token.
    pub fn new(server: &Server) -> Api {
        Api::with_token(server, &server.admin_token())
    }

    /// A client using `token`.
    pub fn with_token(server: &Server, token: &str) -> Api {
        Api {
            agent: server.agent(),
            base: server.base.clone(),
            authorization: Some(format!("Bearer {token}")),
            forwarded_for: None,
        }
    }

    /// Sends JSON (or nothing) with `method` to `path`.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.try_call(method, path, body).expect("transport")
    }

    /// [`Api::call`], returning a transport failure instead of panicking (the server may
    /// be killed meanwhile).
    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ureq::Error> {
        match body {
            Some(v) => self.try_raw(
                method,
                path,
                Some("application/json"),
                v.to_string().into_bytes(),
            ),
            None => self.try_raw(method, path, None, Vec::new()),
        }
    }

    /// Sends arbitrary bytes with an arbitrary content type.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        self.try_raw(method, path, content_type, body)
            .expect("transport")
    }

    /// [`Api::raw`], returning a transport failure instead of panicking.
    fn try_raw(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Reply, ureq::Error> {
        let mut req = http_request(method, &format!("{}{path}", self.base));
        if let Some(a) = &self.authorization {
            req = req.header("authorization", a);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        if let Some(from) = &self.forwarded_for {
            req = req.header("x-forwarded-for", from);
        }
        let resp = self.agent.run(req.body(body).unwrap())?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (status, content_type) = (
            resp.status().as_u16(),
            header("content-type").unwrap_or_default(),
        );
        let (location, www_authenticate, allow, retry_after) = (
            header("location"),
            header("www-authenticate"),
            header("allow"),
            header("retry-after"),
        );
        let text = resp.into_body().read_to_string()?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        Ok(Reply {
            status,
            body,
            content_type,
            location,
            www_authenticate,
            allow,
            retry_after,
        })
    }
}

fn http_request(method: &str, url: &str) -> ureq::http::request::Builder {
    ureq::http::Request::builder().method(method).uri(url)
}
