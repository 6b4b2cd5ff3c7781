//! Starts the real `latchkey` binary on a free loopback port with a temporary data dir,
//! and stops it on drop.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a start may take before the test fails (RSA key generation included).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The path of the binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_latchkey")
}

/// A running server.
pub struct Server {
    child: Option<Child>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// `https://127.0.0.1:PORT`, also its public URL.
    pub base: String,
    /// Its data dir.
    pub data_dir: PathBuf,
    log: Arc<Mutex<Vec<String>>>,
}

/// Options for starting a server.
#[derive(Default, Clone)]
pub struct Options {
    /// Extra arguments after `serve`.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// The public URL's host instead of 127.0.0.1 (it still listens on 127.0.0.1):
    /// `localhost` gives passkeys a relying-party id, which an IP address cannot be.
    pub public_host: Option<&'static str>,
}

impl Server {
    /// Starts a server on a fresh data dir inside `dir`.
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, Options::default())
    }

    /// Starts a server on `dir` (new or existing) with extra options, retrying when the
    /// port picked was taken in the meantime.
    pub fn start_with(dir: &Path, opts: Options) -> Server {
        for _ in 0..5 {
            match try_start(dir, &opts) {
                Ok(s) => return s,
                Err(log) if log.contains("Address already in use") => continue,
                Err(log) => panic!("latchkey did not start:\n{log}"),
            }
        }
        panic!("no free port found after 5 tries");
    }

    /// Starts a server on the existing `dir` listening on `port`: the one a killed server
    /// used, so the public URL, and the issuers of the tokens it signed, stay the same.
    pub fn start_on(dir: &Path, port: u16, opts: Options) -> Server {
        try_start_on(dir, port, &opts)
            .unwrap_or_else(|log| panic!("latchkey did not start on port {port}:\n{log}"))
    }

    /// Waits (bounded) until the log holds `needle`, then returns the whole log: the
    /// thread copying the child's stderr may lag behind the response.
    pub fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "no `{needle}` in the log:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Every log line so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    /// The process id, for sending signals.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Sends a signal by name (TERM, INT, HUP, KILL).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "kill -{name} failed");
    }

    /// Waits for the process to exit (bounded) and returns how it ended.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut().expect("server already reaped");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not exit within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(mut self) -> ExitStatus {
        self.signal("TERM");
        self.wait(Duration::from_secs(15))
    }

    /// The admin token written to `DIR/admin-token` on first start.
    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("admin-token"))
            .expect("admin-token file")
            .trim()
            .to_owned()
    }

    /// A ureq agent that trusts this server's self-signed certificate.
    pub fn agent(&self) -> ureq::Agent {
        agent_trusting(&self.data_dir.join("tls/cert.pem"))
    }

    /// POSTs `body` with `content_type` to `path` (no redirect followed, HTTP errors as statuses).
    pub fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> ureq::http::Response<ureq::Body> {
        let req = ureq::http::Request::post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body)
            .expect("request");
        self.agent()
            .run(req)
            .expect("POST failed at the transport level")
    }

    /// The snapshot `POST /v2/admin/backup` streams, taken with `token`.
    pub fn online_backup(&self, token: &str) -> Vec<u8> {
        let mut resp = self
            .agent()
            .post(&format!("{}/v2/admin/backup", self.base))
            .header("authorization", &format!("Bearer {token}"))
            .send_empty()
            .expect("backup failed at the transport level");
        assert_eq!(resp.status(), 200, "the online backup");
        resp.body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .expect("backup body")
    }

    /// GET `path`, returning status and body text.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut resp = self
            .agent()
            .get(&format!("{}{path}", self.base))
            .call()
            .expect("GET failed at the transport level");
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_string().expect("body"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Restores `backup` with `latchkey restore` into the new data dir `dir`, writing the
/// file beside it first; the restore must succeed.
pub fn restore(backup: &[u8], dir: &Path) {
    let file = dir.with_extension("backup");
    std::fs::write(&file, backup).unwrap();
    let (status, _, stderr) = run(
        &[
            "restore",
            "--data-dir",
            dir.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(status, 0, "{stderr}");
}

/// A ureq agent that trusts every certificate in `cert_pem` (the self-signed mode's
/// `cert.pem` holds the server certificate and its CA) and reports HTTP errors as statuses.
pub fn agent_trusting(cert_pem: &Path) -> ureq::Agent {
    let pem = std::fs::read(cert_pem).expect("certificate file");
    let certs: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item.expect("certificate PEM") {
            ureq::tls::PemItem::Certificate(cert) => Some(cert),
            _ => None,
        })
        .collect();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn try_start(dir: &Path, opts: &Options) -> Result<Server, String> {
    try_start_on(dir, free_port(), opts)
}

fn try_start_on(dir: &Path, port: u16, opts: &Options) -> Result<Server, String> {
    let base = format!("https://{}:{port}", opts.public_host.unwrap_or("127.0.0.1"));
    let mut cmd = Command::new(binary());
    cmd.arg("serve")
        .args(["--data-dir", dir.to_str().expect("utf-8 path")])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--public-url", &base])
        .args(&opts.args)
        .envs(opts.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let log = Arc::new(Mutex::new(Vec::new()));
    let ready = follow_log(&mut child, Arc::clone(&log));
    let joined =
        |log: &Arc<Mutex<Vec<String>>>| log.lock().map(|l| l.join("\n")).unwrap_or_default();
    match ready.recv_timeout(START_TIMEOUT) {
        Ok(addr) => Ok(Server {
            child: Some(child),
            addr,
            base,
            data_dir: dir.to_path_buf(),
            log,
        }),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(joined(&log))
        }
    }
}

/// Copies the child's stderr into `log`, and reports the address of `listening on ADDR`
/// (in a text line, or in a JSON line's message).
fn follow_log(child: &mut Child, log: Arc<Mutex<Vec<String>>>) -> mpsc::Receiver<SocketAddr> {
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().expect("piped stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let listening = line.split("listening on ").nth(1);
            let addr = listening.map(|a| a.trim().trim_end_matches("\"}").parse());
            if let Some(Ok(a)) = addr {
                let _ = tx.send(a);
            }
            if let Ok(mut l) = log.lock() {
                l.push(line);
            }
        }
    });
    rx
}

/// Runs the binary to completion with `args` and `env`, returning (exit code, stdout, stderr).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = run_bytes(args, env, None);
    (out.0, String::from_utf8_lossy(&out.1).into_owned(), out.2)
}

/// Like [`run`], feeding `stdin` and returning stdout as bytes.
pub fn run_bytes(
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&[u8]>,
) -> (i32, Vec<u8>, String) {
    use std::io::Write;
    let mut child = Command::new(binary())
        .args(args)
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run latchkey");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for latchkey");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
