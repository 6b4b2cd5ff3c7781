//! A cookie-keeping client that behaves like a browser without JavaScript: it follows
//! nothing by itself, so tests see every redirect, and it submits the real login form.

use crate::support::server::{Server, agent_trusting};

/// One answer: status, `Location`, and the body text.
pub struct Page {
    /// HTTP status.
    pub status: u16,
    /// `Location`, if a redirect.
    pub location: Option<String>,
    /// The body.
    pub body: String,
    /// `Retry-After`, if any.
    pub retry_after: Option<u64>,
    /// Every header, by lower-case name (the last value of a repeated one).
    pub headers: std::collections::HashMap<String, String>,
}

/// A browser with its own cookie jar.
pub struct Browser {
    agent: ureq::Agent,
    base: String,
    forwarded_for: Option<String>,
    accept_language: Option<String>,
}

fn page(resp: ureq::http::Response<ureq::Body>) -> Result<Page, ureq::Error> {
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    Ok(Page {
        status,
        location,
        retry_after,
        headers,
        // Lossy, so a binary download (a backup) is a page too.
        body: String::from_utf8_lossy(&resp.into_body().read_to_vec()?).into_owned(),
    })
}

impl Browser {
    /// A new browser (empty cookie jar) for `server`.
    pub fn new(server: &Server) -> Browser {
        Browser {
            agent: agent_trusting(&server.data_dir.join("tls/cert.pem")),
            base: server.base.clone(),
            forwarded_for: None,
            accept_language: None,
        }
    }

    /// A new browser whose requests carry `Accept-Language: accept_language`.
    pub fn speaking(server: &Server, accept_language: &str) -> Browser {
        Browser {
            accept_language: Some(accept_language.to_owned()),
            ..Browser::new(server)
        }
    }

    /// A new browser whose requests name `address` in `X-Forwarded-For`: a client at
    /// that address, for a server that trusts the loopback address as its proxy.
    pub fn at(server: &Server, address: &str) -> Browser {
        Browser {
            forwarded_for: Some(address.to_owned()),
            ..Browser::new(server)
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.base)
        } else {
            url.to_owned()
        }
    }

    /// GET without following redirects.
    pub fn get(&self, url: &str) -> Page {
        self.try_get(url).unwrap()
    }

    /// [`Browser::get`], returning a transport failure instead of panicking (the server
    /// may be killed meanwhile).
    pub fn try_get(&self, url: &str) -> Result<Page, ureq::Error> {
        let req = ureq::http::Request::get(self.absolute(url));
        page(self.agent.run(self.from(req).body(()).unwrap())?)
    }

    /// Adds `X-Forwarded-For` when this browser has an address, and its
    /// `Accept-Language` when it has one.
    fn from(&self, req: ureq::http::request::Builder) -> ureq::http::request::Builder {
        let req = match &self.accept_language {
            Some(languages) => req.header("accept-language", languages),
            None => req,
        };
        match &self.forwarded_for {
            Some(address) => req.header("x-forwarded-for", address),
            None => req,
        }
    }

    /// POSTs a form.
    pub fn post(&self, url: &str, pairs: &[(&str, &str)]) -> Page {
        self.try_post(url, pairs).unwrap()
    }

    fn try_post(&self, url: &str, pairs: &[(&str, &str)]) -> Result<Page, ureq::Error> {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            ser.append_pair(k, v);
        }
        let req = self
            .from(ureq::http::Request::post(self.absolute(url)))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(ser.finish().into_bytes())
            .unwrap();
        page(self.agent.run(req)?)
    }

    /// POSTs `multipart/form-data`, as a form with a file input: each part is a name,
    /// a file name for a file, and the content.
    pub fn post_multipart(&self, url: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Page {
        let boundary = "----latchkeyTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, file, data) in parts {
            let disposition = match file {
                Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
                None => format!("form-data; name=\"{name}\""),
            };
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = self
            .from(ureq::http::Request::post(self.absolute(url)))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .unwrap();
        page(self.agent.run(req).unwrap()).unwrap()
    }

    /// Starts at an authorize URL; when it leads to the login form, fills it in and
    /// submits it. Returns the last answer (a redirect to the client, or the form again).
    pub fn sign_in(&self, authorize_url: &str, username: &str, password: &str) -> Page {
        self.try_sign_in(authorize_url, username, password).unwrap()
    }

    /// [`Browser::sign_in`], returning a transport failure instead of panicking (the
    /// server may be killed meanwhile).
    pub fn try_sign_in(
        &self,
        authorize_url: &str,
        username: &str,
        password: &str,
    ) -> Result<Page, ureq::Error> {
        let first = self.try_get(authorize_url)?;
        let Some(login) = first.location.clone().filter(|l| l.contains("/login?")) else {
            return Ok(first);
        };
        let form = self.try_get(&login)?;
        assert_eq!(form.status, 200, "{}", form.body);
        let action = attribute(&form.body, "form", "action");
        let csrf = input_value(&form.body, "csrf");
        let request = input_value(&form.body, "request");
        self.try_post(
            &action,
            &[
                ("csrf", &csrf),
                ("request", &request),
                ("username", username),
                ("password", password),
            ],
        )
    }
}

/// The value of `attr` on the first `<tag …>` in `html`.
pub fn attribute(html: &str, tag: &str, attr: &str) -> String {
    let start = html
        .find(&format!("<{tag} "))
        .unwrap_or_else(|| panic!("no <{tag}> in {html}"));
    let rest = &html[start..];
    let end = rest.find('>').unwrap();
    let needle = format!("{attr}=\"");
    let at = rest[..end]
        .find(&needle)
        .unwrap_or_else(|| panic!("no {attr} on <{tag}>"))
        + needle.len();
    unescape(rest[at..].split('"').next().unwrap())
}

/// Decodes the character references an HTML-escaping template writes, as a browser does.
fn unescape(s: &str) -> String {
    [
        ("&#x2f;", "/"),
        ("&#x27;", "'"),
        ("&quot;", "\""),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(s.to_owned(), |acc, (from, to)| acc.replace(from, to))
}

/// The value of the input named `name`, wherever its attributes stand.
pub fn input_value(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\"");
    let tag = html
        .split("<input")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap_or(rest.len())])
        .find(|tag| tag.contains(&needle))
        .unwrap_or_else(|| panic!("no input {name}"));
    let at = tag
        .find("value=\"")
        .unwrap_or_else(|| panic!("input {name} has no value"))
        + "value=\"".len();
    unescape(tag[at..].split('"').next().unwrap())
}

/// The query (or fragment) parameters of a redirect URL.
pub fn redirect_params(location: &str) -> std::collections::HashMap<String, String> {
    let url = url::Url::parse(location).unwrap();
    let pairs = url
        .fragment()
        .map(|f| f.to_owned())
        .or_else(|| url.query().map(|q| q.to_owned()))
        .unwrap_or_default();
    url::form_urlencoded::parse(pairs.as_bytes())
        .into_owned()
        .collect()
}
