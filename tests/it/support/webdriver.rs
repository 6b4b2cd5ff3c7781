//! A real headless Chromium driven through ChromeDriver's W3C WebDriver protocol, with
//! just the commands the UI tests need. Both come from Debian (`chromium`,
//! `chromium-driver`); `.ci/run` installs them when missing.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The key W3C WebDriver names element references with.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser session; the browser and its driver stop when it is dropped.
pub struct Chrome {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
    /// Where screenshots go.
    pub shots: PathBuf,
}

/// A found element.
pub struct Element<'a> {
    chrome: &'a Chrome,
    id: String,
}

impl Chrome {
    /// Starts ChromeDriver on a free port and opens a headless session that accepts the
    /// server's self-signed certificate. Panics with the install hint when missing.
    pub fn start(shots: &Path) -> Chrome {
        Chrome::start_with(shots, &[])
    }

    /// [`Chrome::start`] with extra command-line `args` for the browser.
    pub fn start_with(shots: &Path, args: &[String]) -> Chrome {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "the UI tests need Debian's chromium and chromium-driver: apt-get install chromium chromium-driver (.ci/run does it)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let deadline = Instant::now() + Duration::from_secs(30);
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let mut all_args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1366,900",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        all_args.push(format!("--user-data-dir={}", profile.path().display()));
        all_args.extend(args.iter().cloned());
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {"binary": CHROMIUM, "args": all_args}
        }}});
        std::fs::create_dir_all(shots).unwrap();
        let mut chrome = Chrome {
            driver,
            base,
            session: String::new(),
            agent,
            _profile: profile,
            shots: shots.to_owned(),
        };
        let created = chrome.call("POST", "/session", Some(caps));
        chrome.session = created["sessionId"].as_str().unwrap().to_owned();
        chrome.session_call("POST", "/timeouts", Some(json!({"implicit": 5000})));
        chrome
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"))
    }

    /// A command whose WebDriver error is an answer, not a failure.
    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}{path}", self.base);
        let resp = match body {
            Some(b) => self
                .agent
                .post(&url)
                .content_type("application/json")
                .send(b.to_string()),
            None if method == "DELETE" => self.agent.delete(&url).call(),
            None => self.agent.get(&url).call(),
        }
        .unwrap();
        let text = resp.into_body().read_to_string().unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        match v["value"].get("error") {
            Some(_) => Err(v["value"].clone()),
            None => Ok(v["value"].clone()),
        }
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Loads `url` and waits for it.
    pub fn go(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({"url": url})));
    }

    /// The current URL.
    pub fn url(&self) -> String {
        self.session_call("GET", "/url", None)
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The page's HTML as the browser sees it now.
    pub fn source(&self) -> String {
        self.session_call("GET", "/source", None)
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> Element<'_> {
        let found = self.session_call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no `{css}` at {}: {found}", self.url()));
        Element {
            chrome: self,
            id: id.to_owned(),
        }
    }

    /// Clicks `css` and waits until the page it leads to has replaced this one.
    pub fn click_and_wait(&self, css: &str) {
        let old = self.find("html");
        self.find(css).click();
        let deadline = Instant::now() + Duration::from_secs(30);
        let probe = format!("/session/{}/element/{}/name", self.session, old.id);
        while self.try_call("GET", &probe, None).is_ok() {
            assert!(
                Instant::now() < deadline,
                "clicking `{css}` loaded no new page"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.find("body");
    }

    /// Types into the field `css`, replacing what it held.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        e.clear();
        e.send_keys(text);
    }

    /// A cookie's value, if the browser holds it for the current page.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let all = self.session_call("GET", "/cookie", None);
        all.as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["value"].as_str().map(str::to_owned))
    }

    /// Runs `script` in the page as an async script (its last argument is the callback
    /// that ends it) with `args`, and returns what it passed to the callback.
    pub fn run_async(&self, script: &str, args: &[Value]) -> Value {
        self.session_call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Adds a virtual WebAuthn authenticator (WebAuthn Level 2 §11.3) with `options`;
    /// its id.
    pub fn add_authenticator(&self, options: Value) -> String {
        let id = self.session_call("POST", "/webauthn/authenticator", Some(options));
        id.as_str().unwrap().to_owned()
    }

    /// Removes a virtual authenticator.
    pub fn remove_authenticator(&self, id: &str) {
        self.session_call("DELETE", &format!("/webauthn/authenticator/{id}"), None);
    }

    /// The credentials a virtual authenticator holds (with private keys and counters).
    pub fn credentials(&self, authenticator: &str) -> Vec<Value> {
        let v = self.session_call(
            "GET",
            &format!("/webauthn/authenticator/{authenticator}/credentials"),
            None,
        );
        v.as_array().unwrap().clone()
    }

    /// Puts `credential` (as [`Chrome::credentials`] lists them) into a virtual
    /// authenticator.
    pub fn add_credential(&self, authenticator: &str, credential: Value) {
        self.session_call(
            "POST",
            &format!("/webauthn/authenticator/{authenticator}/credential"),
            Some(credential),
        );
    }

    /// Resizes the window, as a phone or a desktop would show the pages.
    pub fn resize(&self, width: u32, height: u32) {
        self.session_call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
    }

    /// Saves a PNG screenshot as `name.png` in the screenshot folder.
    pub fn screenshot(&self, name: &str) {
        use base64::Engine;
        let data = self.session_call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

impl Element<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    /// Clicks it.
    pub fn click(&self) {
        self.chrome
            .session_call("POST", &self.path("/click"), Some(json!({})));
    }

    /// Types `text` into it.
    pub fn send_keys(&self, text: &str) {
        self.chrome
            .session_call("POST", &self.path("/value"), Some(json!({"text": text})));
    }

    /// Empties it.
    pub fn clear(&self) {
        self.chrome
            .session_call("POST", &self.path("/clear"), Some(json!({})));
    }

    /// Its current `value` property (what the user sees in a field).
    pub fn value(&self) -> String {
        self.chrome
            .session_call("GET", &self.path("/property/value"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// An attribute's value, `None` when absent.
    pub fn attribute(&self, name: &str) -> Option<String> {
        let v = self
            .chrome
            .session_call("GET", &self.path(&format!("/attribute/{name}")), None);
        v.as_str().map(str::to_owned)
    }

    /// Its rendered text.
    pub fn text(&self) -> String {
        self.chrome
            .session_call("GET", &self.path("/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = self.agent.delete(&url).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Where the UI tests leave their screenshots: `target/tmp/ui-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots")
}
