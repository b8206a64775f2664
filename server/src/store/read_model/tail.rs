//! Following the ledger (and other processes' sends) to drop what changed since the last look.

use std::sync::atomic::Ordering;

use sqlx::AnyPool;

use super::ReadModel;

/// How far back the poll for other processes' sends looks beyond its previous run: a send's
/// time is taken before its transaction commits.
const SENDS_SLACK_MS: i64 = 2_000;

/// Where the ledger has been read to.
#[derive(Default)]
pub(super) struct Tail {
    /// The last ledger `seq` whose contacts were dropped; `None` before the first read.
    applied: Option<i64>,
    /// When the previous poll for sends ran (Unix ms).
    sends_polled: Option<i64>,
}

impl ReadModel {
    /// Brings the model up to date with every change this process has committed: nothing to
    /// do (no SQL) unless one was committed since the last time.
    pub async fn sync(&self, pool: &AnyPool) -> anyhow::Result<()> {
        if self.synced.load(Ordering::SeqCst) >= self.changed.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.catch_up(pool, false).await
    }

    /// Reads the ledger past the last row applied and drops the contacts it names; with
    /// `sends`, also the contacts with a send recorded since the previous poll (by any process).
    pub async fn catch_up(&self, pool: &AnyPool, sends: bool) -> anyhow::Result<()> {
        let mut tail = self.tail.lock().await;
        // Every commit counted before this point is visible to the queries below.
        let target = self.changed.load(Ordering::SeqCst);
        if !sends && self.synced.load(Ordering::SeqCst) >= target {
            return Ok(());
        }
        match tail.applied {
            None => {
                let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM ledger")
                    .fetch_one(pool)
                    .await?;
                // Whatever was read before this first look may predate it.
                self.forget_all();
                tail.applied = Some(max);
            }
            Some(mut applied) => loop {
                const PAGE: i64 = 1000;
                let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
                    "SELECT seq, contact_id FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(applied)
                .bind(PAGE)
                .fetch_all(pool)
                .await?;
                let Some(&(last, _)) = rows.last() else { break };
                let ids: Vec<i64> = rows.iter().filter_map(|(_, id)| *id).collect();
                self.forget(&ids, true);
                applied = last;
                tail.applied = Some(applied);
                if (rows.len() as i64) < PAGE {
                    break;
                }
            },
        }
        if sends {
            let now = crate::store::now_ms();
            if let Some(previous) = tail.sends_polled {
                let ids: Vec<i64> =
                    sqlx::query_scalar("SELECT DISTINCT contact_id FROM sends WHERE sent_at > $1")
                        .bind(previous - SENDS_SLACK_MS)
                        .fetch_all(pool)
                        .await?;
                if !ids.is_empty() {
                    self.forget(&ids, false);
                }
            }
            tail.sends_polled = Some(now);
        }
        self.synced.fetch_max(target, Ordering::SeqCst);
        Ok(())
    }
}
