//! Webhooks to senders (DESIGN §7): Standard Webhooks signing, the delivery worker, replays and
//! the propagation receipts shown to contacts and staff. The queries are in
//! [`crate::store::webhooks`].

pub mod signing;
pub mod worker;

use std::collections::HashMap;

use app::api::types::{Receipt, ReceiptState};

use crate::store::Store;

/// Whether an address is one webhooks must not reach unless allowed (SSRF): private, loopback,
/// link-local, unspecified, broadcast, carrier-grade NAT, unique-local.
pub fn is_private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(std::net::IpAddr::V4(v4)))
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

/// For each change (by `seq`), which sending systems have confirmed it, with times in `tz`.
/// A system with several endpoints is named with each endpoint's host.
pub async fn receipts(
    store: &Store,
    seqs: &[i64],
    tz: &str,
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
                let when = d.delivered_at.map(|ms| crate::words::format_time(ms, tz));
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
