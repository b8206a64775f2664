//! What the console needs from webhooks (DESIGN §7): propagation receipts per change, and
//! replaying an endpoint's events.

use std::collections::HashMap;

use crate::store::Store;

/// Whether endpoints can be replayed from the console.
pub const REPLAY: bool = true;

/// Each change's receipts in words, e.g. "CRM ✓ (3 May 2026 14:02)", by `seq`.
pub async fn receipts(
    store: &Store,
    seqs: &[i64],
    tz: &str,
) -> anyhow::Result<HashMap<i64, Vec<String>>> {
    Ok(crate::webhooks::receipts(store, seqs, tz)
        .await?
        .into_iter()
        .map(|(seq, receipts)| {
            let words = receipts
                .into_iter()
                .map(|r| match r.when {
                    Some(when) => format!("{} {} ({when})", r.system, r.state.label()),
                    None => format!("{} {}", r.system, r.state.label()),
                })
                .collect();
            (seq, words)
        })
        .collect())
}

/// Queues an endpoint's events after `after_seq` again; returns how many.
pub async fn replay(store: &Store, endpoint_id: &str, after_seq: i64) -> anyhow::Result<u64> {
    crate::webhooks::replay(store, endpoint_id, after_seq).await
}
