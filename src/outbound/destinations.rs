//! Where a URL a tenant admin set may send latchkey (SPEC "Outbound destinations"):
//! never to the appliance's own network (loopback, link-local, private, shared,
//! unspecified, multicast) nor to latchkey's listen address, unless the operator lists
//! the network in `[outbound] allow_cidrs`. URLs an appliance admin set go anywhere: the
//! appliance is theirs, and a partner IdP on the LAN is normal.

use crate::types::Cidr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The networks a tenant admin's URL may not reach, with what each is called.
const REFUSED: [(&str, &str); 15] = [
    ("0.0.0.0/8", "an unspecified address"),
    ("::/128", "an unspecified address"),
    ("127.0.0.0/8", "a loopback address"),
    ("::1/128", "a loopback address"),
    ("169.254.0.0/16", "a link-local address"),
    ("fe80::/10", "a link-local address"),
    ("224.0.0.0/4", "a multicast address"),
    ("ff00::/8", "a multicast address"),
    ("255.255.255.255/32", "a broadcast address"),
    ("10.0.0.0/8", "a private address"),
    ("172.16.0.0/12", "a private address"),
    ("192.168.0.0/16", "a private address"),
    ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
    ("fc00::/7", "a private address"),
    ("64:ff9b:1::/48", "a private (local NAT64) address"),
];

/// The outbound destination policy of the appliance; the default allows no extra
/// network and knows no listen address (offline commands, which call nobody).
#[derive(Clone, Debug, Default)]
pub struct Destinations {
    refused: Vec<(Cidr, &'static str)>,
    own: Vec<IpAddr>,
    allowed: Vec<Cidr>,
}

impl Destinations {
    /// The policy with the operator's `allow_cidrs` and latchkey's own listen address
    /// (a wildcard listen address adds nothing: it is refused as unspecified anyway).
    pub fn new(allowed: Vec<Cidr>, listen: IpAddr) -> Destinations {
        let refused = REFUSED
            .iter()
            .filter_map(|(net, why)| Cidr::parse(net).map(|c| (c, *why)))
            .collect();
        Destinations {
            refused,
            own: vec![listen]
                .into_iter()
                .filter(|a| !a.is_unspecified())
                .collect(),
            allowed,
        }
    }

    /// Why a URL a tenant admin set may not reach `ip`, or `None` when it may.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        let ip = canonical(ip);
        if self.allowed.iter().any(|net| net.contains(ip)) {
            return None;
        }
        let refused = self.refused.iter().find(|(net, _)| net.contains(ip));
        match refused {
            Some((_, why)) => Some(why),
            None if self.own.iter().any(|own| canonical(*own) == ip) => {
                Some("latchkey's own listen address")
            }
            None => None,
        }
    }

    /// Checks a URL a tenant admin sets: a host written as an address must be one it
    /// may reach. A name is checked when it is resolved, at each call.
    pub fn check_literal(&self, url: &str) -> Result<(), String> {
        let Ok(parsed) = url::Url::parse(url) else {
            return Ok(());
        };
        let ip = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        match self.refusal(ip) {
            None => Ok(()),
            Some(why) => Err(format!(
                "points at {ip}, {why}, which a tenant admin's URL may not reach; an appliance admin may set it, or list the network in [outbound] allow_cidrs"
            )),
        }
    }
}

/// An IPv6 address that carries an IPv4 one (mapped, compatible, or NAT64's well-known
/// prefix `64:ff9b::/96`, RFC 6052) as that IPv4 address, so `::ffff:127.0.0.1` is
/// judged as loopback and `64:ff9b::a00:1` as private.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None if is_v4_compatible(v6) || is_nat64_well_known(v6) => {
                let [.., a, b, c, d] = v6.octets();
                IpAddr::V4(Ipv4Addr::new(a, b, c, d))
            }
            None => ip,
        },
        v4 => v4,
    }
}

/// `64:ff9b::a.b.c.d`, the NAT64 well-known prefix.
fn is_nat64_well_known(v6: Ipv6Addr) -> bool {
    v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
}

/// `::a.b.c.d` (deprecated, RFC 4291 §2.5.5.1), other than `::` and `::1`.
fn is_v4_compatible(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    s[..6].iter().all(|&x| x == 0) && u128::from(v6) > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allowed: &[&str]) -> Destinations {
        Destinations::new(
            allowed.iter().map(|a| Cidr::parse(a).unwrap()).collect(),
            "192.0.2.10".parse().unwrap(),
        )
    }

    fn why(p: &Destinations, ip: &str) -> Option<&'static str> {
        p.refusal(ip.parse().unwrap())
    }

    #[test]
    fn the_appliances_own_networks_are_refused() {
        let p = policy(&[]);
        for (ip, expected) in [
            ("127.0.0.1", "a loopback address"),
            ("::1", "a loopback address"),
            ("0.0.0.0", "an unspecified address"),
            ("::", "an unspecified address"),
            ("169.254.169.254", "a link-local address"),
            ("fe80::1", "a link-local address"),
            ("10.1.2.3", "a private address"),
            ("172.31.255.255", "a private address"),
            ("192.168.0.1", "a private address"),
            ("100.64.0.1", "a shared (carrier-grade NAT) address"),
            ("fd00::1", "a private address"),
            ("224.0.0.251", "a multicast address"),
            ("ff02::1", "a multicast address"),
            ("::ffff:127.0.0.1", "a loopback address"),
            ("::ffff:10.0.0.1", "a private address"),
            ("::10.0.0.1", "a private address"),
            ("64:ff9b::a00:1", "a private address"),
            ("64:ff9b::7f00:1", "a loopback address"),
            ("192.0.2.10", "latchkey's own listen address"),
            ("::ffff:192.0.2.10", "latchkey's own listen address"),
        ] {
            assert_eq!(why(&p, ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn public_addresses_and_allowed_networks_pass() {
        let p = policy(&["10.20.0.0/16", "::1"]);
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "2001:4860::8888",
            "64:ff9b::808:808",
            "10.20.3.4",
            "::1",
        ] {
            assert_eq!(why(&p, ip), None, "{ip}");
        }
        assert_eq!(why(&p, "10.21.0.1"), Some("a private address"));
    }

    #[test]
    fn only_literal_hosts_are_judged_when_a_url_is_set() {
        let p = policy(&[]);
        assert!(p.check_literal("https://idp.example/introspect").is_ok());
        assert!(p.check_literal("https://93.184.216.34/x").is_ok());
        let refused = p.check_literal("https://127.0.0.1:8443/x").unwrap_err();
        assert!(
            refused.contains("127.0.0.1, a loopback address"),
            "{refused}"
        );
        assert!(p.check_literal("https://[::ffff:a00:1]/x").is_err());
        assert!(
            p.check_literal("https://0x7f000001/x").is_err(),
            "the URL parser normalises it"
        );
    }
}
