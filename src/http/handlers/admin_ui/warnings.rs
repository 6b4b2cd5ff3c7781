//! The dashboard's warnings about how the appliance is set up (SPEC "Admin UI"): a
//! self-signed certificate, one expiring within 30 days, TLS off, and a `public_url`
//! on localhost while the listener takes other addresses.

use crate::clock::UnixTime;
use crate::config::{Config, TlsMode};
use std::net::SocketAddr;

/// How long before a certificate's expiry the dashboard warns.
const EXPIRY_WARNING_SECS: u64 = 30 * 86_400;

/// The warnings about `config`, as sentences; empty when all is well.
pub(super) fn of(config: &Config, cert_expires: Option<UnixTime>, now: UnixTime) -> Vec<String> {
    let setup = Setup {
        tls: &config.tls,
        public_url: &config.public_url,
        public_host: &config.public_host,
        listen: config.listen,
    };
    warnings(&setup, cert_expires, now)
}

/// The parts of the configuration the warnings look at.
struct Setup<'a> {
    tls: &'a TlsMode,
    public_url: &'a str,
    public_host: &'a str,
    listen: SocketAddr,
}

fn warnings(config: &Setup<'_>, cert_expires: Option<UnixTime>, now: UnixTime) -> Vec<String> {
    let mut out = Vec::new();
    match config.tls {
        TlsMode::SelfSigned => out.push(
            "The TLS certificate is self-signed: browsers and clients trust it only when told to. Configure [tls] cert_file and key_file for production.".to_owned(),
        ),
        TlsMode::Off => out.push(
            "TLS is off: latchkey speaks plain HTTP. Run it so only behind a reverse proxy that terminates TLS.".to_owned(),
        ),
        TlsMode::Files { .. } => {}
    }
    if let Some(expires) = cert_expires.filter(|e| *e < now + EXPIRY_WARNING_SECS) {
        out.push(format!(
            "The TLS certificate expires {}: renew it.",
            crate::clock::rfc3339(expires)
        ));
    }
    let local_name = matches!(config.public_host, "localhost" | "127.0.0.1" | "::1")
        || config.public_host.ends_with(".localhost");
    if local_name && !config.listen.ip().is_loopback() {
        out.push(format!(
            "public_url ({}) names this machine itself, but latchkey listens on {}: issuers and redirects will not work from other machines. Set public_url to the name clients use.",
            config.public_url, config.listen
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup<'a>(tls: &'a TlsMode, host: &'a str, listen: &str) -> Setup<'a> {
        Setup {
            tls,
            public_url: "https://x",
            public_host: host,
            listen: listen.parse().unwrap(),
        }
    }

    #[test]
    fn each_warning_comes_when_its_cause_is_there_and_only_then() {
        let files = TlsMode::Files {
            cert_file: "c".into(),
            key_file: "k".into(),
        };
        let now = 1_000_000_000;
        let fine = setup(&files, "sso.example", "0.0.0.0:443");
        assert!(warnings(&fine, Some(now + 31 * 86_400), now).is_empty());
        let soon = warnings(&fine, Some(now + 29 * 86_400), now);
        assert!(soon.len() == 1 && soon[0].contains("expires"), "{soon:?}");
        let own = warnings(
            &setup(&TlsMode::SelfSigned, "sso.example", "0.0.0.0:443"),
            None,
            now,
        );
        assert!(own.len() == 1 && own[0].contains("self-signed"), "{own:?}");
        let off = warnings(
            &setup(&TlsMode::Off, "sso.example", "127.0.0.1:80"),
            None,
            now,
        );
        assert!(off.len() == 1 && off[0].contains("TLS is off"), "{off:?}");
        let local = warnings(&setup(&files, "localhost", "0.0.0.0:443"), None, now);
        assert!(
            local.len() == 1 && local[0].contains("public_url"),
            "{local:?}"
        );
        assert!(warnings(&setup(&files, "127.0.0.1", "127.0.0.1:8443"), None, now).is_empty());
        assert!(warnings(&setup(&files, "::1", "[::1]:8443"), None, now).is_empty());
    }
}
