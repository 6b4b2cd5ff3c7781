//! The client's address for rate limits and logs: the TCP peer's, or, when the peer is
//! one of the configured `trusted_proxies`, the one `X-Forwarded-For` names. The list is
//! read from the right, past every trusted hop, so a client cannot choose its address
//! by sending its own header through the proxy.

use crate::types::Cidr;
use std::net::IpAddr;

/// The client address of a request from `peer` carrying `forwarded` (every
/// `X-Forwarded-For` value, in order, joined by commas).
pub fn client_address(trusted: &[Cidr], peer: IpAddr, forwarded: Option<&str>) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let Some(list) = forwarded.filter(|_| is_trusted(peer)) else {
        return peer;
    };
    let mut client = peer;
    for hop in list.rsplit(',').map(str::trim) {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_peers_may_name_the_client() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let xff = Some("203.0.113.7");
        assert_eq!(
            client_address(&trusted, ip("10.0.0.1"), xff),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_address(&trusted, ip("198.51.100.1"), xff),
            ip("198.51.100.1"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(client_address(&[], ip("10.0.0.1"), xff), ip("10.0.0.1"));
        assert_eq!(
            client_address(&trusted, ip("10.0.0.1"), None),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let spoofed = Some("1.2.3.4, 203.0.113.7, 10.0.0.2");
        assert_eq!(
            client_address(&trusted, ip("10.0.0.1"), spoofed),
            ip("203.0.113.7"),
            "what the client wrote before the proxy is not believed"
        );
        assert_eq!(
            client_address(&trusted, ip("10.0.0.1"), Some("garbage, 10.0.0.3")),
            ip("10.0.0.3"),
            "a malformed hop stops the walk at the last good one"
        );
    }
}
