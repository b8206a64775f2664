//! What the console needs from webhooks (DESIGN §7): propagation receipts per change.

use std::collections::HashMap;

use crate::store::Store;

/// Each change's receipts in words, e.g. "CRM ✓ (3 May 2026 14:02)", by `seq`.
pub async fn receipts(
    store: &Store,
    seqs: &[i64],
    tz: &str,
) -> anyhow::Result<HashMap<i64, Vec<String>>> {
    // The console is in English.
    let english = app::i18n::Lang::english();
    Ok(crate::webhooks::receipts(store, seqs, tz, &english)
        .await?
        .into_iter()
        .map(|(seq, receipts)| {
            let words = receipts
                .into_iter()
                .map(|r| {
                    let said = app::tr!(
                        english,
                        "history-receipt",
                        system = r.system,
                        state = r.state.key()
                    );
                    match r.when {
                        Some(when) => format!("{said} ({when})"),
                        None => said,
                    }
                })
                .collect();
            (seq, words)
        })
        .collect())
}
