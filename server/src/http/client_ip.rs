//! Who is asking: the client's IP address for rate limits. Behind a proxy the connection comes
//! from the proxy, so `X-Forwarded-For` is read, but only when the connection comes from a proxy
//! named in `ATTUNE_TRUSTED_PROXIES` (anyone can send the header). Rate limits count IPv6
//! clients by their /64, the block one subscriber usually holds.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};

pub use app::backend::ClientIp;

pub use super::cidr::Cidr;
use crate::state::AppState;

/// The client's address: the connection's, or, when the connection comes from a trusted proxy,
/// the last address in `X-Forwarded-For` that is not a trusted proxy itself.
pub fn resolve(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    forwarded_for
        .into_iter()
        .flat_map(|h| h.split(','))
        .rev()
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .find(|ip| !is_trusted(*ip))
        .unwrap_or(peer)
}

/// The key a rate limit counts a client under: the address, or an IPv6 address's /64.
pub fn rate_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4).to_string(),
        v4 => v4.to_string(),
    }
}

/// Puts the resolved [`ClientIp`] on every request.
pub async fn client_ip(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let ip = resolve(peer, forwarded, &state.config.trusted_proxies);
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let trusted = [
            Cidr::parse("10.0.0.0/8").unwrap(),
            Cidr::parse("::1").unwrap(),
        ];
        let header = Some("203.0.113.9, 10.1.2.3");
        assert_eq!(resolve(ip("10.0.0.5"), header, &trusted), ip("203.0.113.9"));
        assert_eq!(
            resolve(ip("::1"), Some("198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // Not from a proxy: the header is anyone's to forge.
        assert_eq!(
            resolve(ip("198.51.100.1"), header, &trusted),
            ip("198.51.100.1")
        );
        // A client cannot hide behind an address it prepends: the last untrusted one counts.
        assert_eq!(
            resolve(ip("10.0.0.5"), Some("1.1.1.1, 203.0.113.9"), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(resolve(ip("10.0.0.5"), None, &trusted), ip("10.0.0.5"));
        assert_eq!(resolve(ip("10.0.0.5"), Some("junk"), &[]), ip("10.0.0.5"));
    }

    #[test]
    fn address_blocks_parse_and_match() {
        let block = Cidr::parse("192.168.0.0/16").unwrap();
        assert!(block.contains(ip("192.168.44.1")) && !block.contains(ip("192.169.0.1")));
        assert!(block.contains(ip("::ffff:192.168.1.1")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("2001:db8::/32")
            .unwrap()
            .contains(ip("2001:db8:1::1")));
        assert!(Cidr::parse("10.0.0.0/33").is_err() && Cidr::parse("proxy").is_err());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(rate_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(rate_key(ip("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(rate_key(ip("203.0.113.9")), "203.0.113.9");
        assert_eq!(rate_key(ip("::ffff:203.0.113.9")), "203.0.113.9");
    }
}
