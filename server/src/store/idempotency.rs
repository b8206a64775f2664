//! Idempotency keys of the sender API: one row per sender and key, claimed before the request
//! runs and holding its answer afterwards.

use super::{now_ms, Store};

/// What a second request with a claimed key finds.
pub struct StoredAnswer {
    pub request_hash: String,
    /// `None` while the first request is still running.
    pub status: Option<i64>,
    pub body: Option<String>,
}

impl Store {
    /// Claims a key for a request (by the hash of its method, path and body). `false` when the
    /// key was claimed before.
    pub async fn claim_idempotency_key(
        &self,
        sender_id: i64,
        key: &str,
        request_hash: &str,
    ) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "INSERT INTO idempotency_keys (sender_id, key, request_hash, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (sender_id, key) DO NOTHING",
        )
        .bind(sender_id)
        .bind(key)
        .bind(request_hash)
        .bind(now_ms())
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
