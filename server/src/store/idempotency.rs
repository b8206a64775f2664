//! Idempotency keys of the sender API: one row per sender and key, claimed before the request
//! runs and holding its answer afterwards.

use super::{now_ms, Store};

/// How long a key holds its answer (README: 24 hours); after that the key is free again.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3600 * 1000;
/// A claim with no answer this old belongs to a request whose handler died (requests time out
/// after 30 s): the key may be claimed again.
pub const ABANDONED_CLAIM_MS: i64 = 2 * 60 * 1000;
/// The largest answer kept for replays; a larger one is not kept and the key is let go.
pub const MAX_STORED_BODY: usize = 256 * 1024;

/// What a second request with a claimed key finds.
pub struct StoredAnswer {
    pub request_hash: String,
    /// `None` while the first request is still running.
    pub status: Option<i64>,
    pub body: Option<String>,
}

impl Store {
    /// Claims a key for a request (by the hash of its method, path and body). `false` when the
    /// key holds a live claim: an answer younger than 24 hours, or a request still running. An
    /// expired answer or an abandoned claim is taken over.
    pub async fn claim_idempotency_key(
        &self,
        sender_id: i64,
        key: &str,
        request_hash: &str,
    ) -> anyhow::Result<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO idempotency_keys (sender_id, key, request_hash, created_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (sender_id, key) DO UPDATE SET
                request_hash = excluded.request_hash, created_at = excluded.created_at,
                response_status = NULL, response_body = NULL
             WHERE idempotency_keys.created_at < $5
                OR (idempotency_keys.response_status IS NULL AND idempotency_keys.created_at < $6)",
        )
        .bind(sender_id)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .bind(now - IDEMPOTENCY_TTL_MS)
        .bind(now - ABANDONED_CLAIM_MS)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The request and answer recorded under a claimed key.
    pub async fn idempotent_answer(
        &self,
        sender_id: i64,
        key: &str,
    ) -> anyhow::Result<StoredAnswer> {
        let (request_hash, status, body): (String, Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys
             WHERE sender_id = $1 AND key = $2",
        )
        .bind(sender_id)
        .bind(key)
        .fetch_one(self.reader())
        .await?;
        Ok(StoredAnswer {
            request_hash,
            status,
            body,
        })
    }

    /// Keeps the answer of the request that claimed the key.
    pub async fn store_idempotent_answer(
        &self,
        sender_id: i64,
        key: &str,
        status: i64,
        body: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET response_status = $3, response_body = $4
             WHERE sender_id = $1 AND key = $2",
        )
        .bind(sender_id)
        .bind(key)
        .bind(status)
        .bind(body)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Lets a key go (after a server error, so a retry runs again).
    pub async fn release_idempotency_key(&self, sender_id: i64, key: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE sender_id = $1 AND key = $2")
            .bind(sender_id)
            .bind(key)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
