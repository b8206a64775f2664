//! Webhooks to senders (DESIGN §7): Standard Webhooks signing, the delivery worker, replays and
//! the propagation receipts shown to contacts and staff. The queries are in
//! [`crate::store::webhooks`].

pub mod signing;
pub mod slots;
pub mod worker;

use std::collections::HashMap;

use app::api::types::{Receipt, ReceiptState};

use crate::store::Store;

/// Whether an address is one webhooks must not reach unless allowed (SSRF): private, loopback,
/// link-local, unspecified ("this network", 0.0.0.0/8), broadcast, multicast (224.0.0.0/4,
/// ff00::/8), carrier-grade NAT, IETF protocol assignments (192.0.0.0/24), benchmarking
/// (198.18.0.0/15), reserved (240.0.0.0/4), unique-local, deprecated site-local (fec0::/10), and
/// the IPv6 forms that carry an IPv4 address inside (mapped, IPv4-compatible ::/96, NAT64
/// 64:ff9b::/96 and the local-use 64:ff9b:1::/48, 6to4 2002::/16). IANA special-purpose
/// registries: RFC 6890.
pub fn is_private(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a, b, c) == (192, 0, 0)
                || a == 100 && (64..128).contains(&b)
                || a == 198 && (b == 18 || b == 19)
                || a >= 240
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                // IPv4-compatible (::a.b.c.d, deprecated): reaches that IPv4 address.
                || s[..6] == [0; 6]
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
                // NAT64 and 6to4 reach an IPv4 address of the attacker's choosing.
                || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
                || s[..3] == [0x64, 0xff9b, 1]
                || s[0] == 0x2002
        }
    }
}

/// Queues again, for one endpoint, every event after `after_seq` it subscribes to, and wakes
/// the worker. An unknown or disabled endpoint gets nothing.
pub async fn replay(
    store: &Store,
    endpoint_id: &str,
    after_seq: i64,
) -> anyhow::Result<crate::store::webhooks::Replay> {
    let replay = store.replay_endpoint(endpoint_id, after_seq).await?;
    store.outbox_written();
    Ok(replay)
}

/// For each change (by `seq`), which sending systems have confirmed it, with times in `tz` as
/// `lang` writes them. A system with several endpoints is named with each endpoint's host.
pub async fn receipts(
    store: &Store,
    seqs: &[i64],
    tz: &str,
    lang: &app::i18n::Lang,
) -> anyhow::Result<HashMap<i64, Vec<Receipt>>> {
    let mut out = HashMap::new();
    for (seq, states) in store.delivery_states(seqs).await? {
        let receipts = states
            .iter()
            .map(|d| {
                let shared = states.iter().filter(|o| o.sender == d.sender).count() > 1;
                let system = match url::Url::parse(&d.url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                {
                    Some(host) if shared => format!("{} ({host})", d.sender),
                    _ => d.sender.clone(),
                };
                let state = match d.status.as_str() {
                    "delivered" => ReceiptState::Confirmed,
                    "failed" => ReceiptState::Failed,
                    _ if d.endpoint_disabled => ReceiptState::Disabled,
                    _ if d.attempts > 0 => ReceiptState::Retrying,
                    _ => ReceiptState::Sending,
                };
                let when = d.delivered_at.map(|ms| lang.date_time(ms, tz));
                Receipt {
                    system,
                    state,
                    when,
                }
            })
            .collect();
        out.insert(seq, receipts);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::is_private;

    #[test]
    fn webhooks_never_reach_private_reserved_or_tunnelled_addresses() {
        for blocked in [
            "10.1.2.3",
            "127.0.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "255.255.255.255",
            "192.168.1.1",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b::808:808",
            "2002:a00:1::1",
            "2002:808:808::1",
        ] {
            assert!(is_private(blocked.parse().unwrap()), "{blocked}");
        }
        for open in [
            "8.8.8.8",
            "93.184.216.34",
            "198.20.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_private(open.parse().unwrap()), "{open}");
        }
    }

    #[test]
    fn webhooks_never_reach_multicast_protocol_site_local_ipv4_compatible_or_local_nat64_addresses()
    {
        for blocked in [
            "192.0.0.1",
            "192.0.0.255",
            "224.0.0.1",
            "239.255.255.250",
            "ff02::1",
            "ff0e::1",
            "::a00:1",
            "::808:808",
            "64:ff9b:1::808:808",
            "64:ff9b:1:ffff::1",
            "fec0::1",
            "feff::1",
        ] {
            assert!(is_private(blocked.parse().unwrap()), "{blocked}");
        }
        for open in [
            "192.0.1.1",
            "223.255.255.255",
            "64:ff9b:2::1",
            "2001:4860:4860::8888",
        ] {
            assert!(!is_private(open.parse().unwrap()), "{open}");
        }
    }
}
