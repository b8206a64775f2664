//! Senders and their API keys. Keys are random, shown once, and stored as SHA-256 (DESIGN §6):
//! they have 256 bits of entropy, so a fast hash is enough (Argon2 is for passwords).

use std::{collections::HashMap, time::Instant};

use super::{now_ms, random_token, sha256_hex, Store};

/// How long a looked-up key is trusted without asking the database again. A key revoked by
/// another process stops working within this time; one revoked through this store, at once.
const SENDER_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Key hash → (when read, sender id, sender name). Only live keys are kept, so random keys
/// cannot fill it.
#[derive(Default)]
pub struct SenderCache(HashMap<String, (Instant, i64, String)>);

impl Store {
    /// Creates a sender (or reuses the one with that name) and a new API key for it. Returns the
    /// sender id and the key, which is not stored anywhere.
    pub async fn create_sender(&self, name: &str) -> anyhow::Result<(i64, String)> {
        let name = name.trim();
        anyhow::ensure!(
            !name.is_empty() && name.len() <= 100,
            "a sender name must be 1–100 characters"
        );
        let now = now_ms();
        let mut tx = self.writer().begin().await?;
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO senders (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(name)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
        {
            Some(id) => id,
            None => sqlx::query_scalar("SELECT id FROM senders WHERE name = $1").bind(name).fetch_one(&mut *tx).await?,
        };
        let key = format!("att_{}", random_token(32));
        sqlx::query("INSERT INTO api_keys (sender_id, key_hash, prefix, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(sha256_hex(key.as_bytes()))
            .bind(&key[..12])
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((id, key))
    }

    /// The sender (id, name) a live key belongs to.
    pub async fn sender_by_key(&self, key: &str) -> anyhow::Result<Option<(i64, String)>> {
        let hash = sha256_hex(key.as_bytes());
        if let Some((at, id, name)) = self
            .senders_cache
            .read()
            .expect("sender cache lock")
            .0
            .get(&hash)
        {
            if at.elapsed() < SENDER_CACHE_TTL {
                return Ok(Some((*id, name.clone())));
            }
        }
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT s.id, s.name FROM api_keys k JOIN senders s ON s.id = k.sender_id
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND s.disabled_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(self.reader())
        .await?;
        let mut cache = self.senders_cache.write().expect("sender cache lock");
        match &found {
            Some((id, name)) => {
                cache
                    .0
                    .retain(|_, (at, _, _)| at.elapsed() < SENDER_CACHE_TTL);
                cache.0.insert(hash, (Instant::now(), *id, name.clone()));
            }
            None => {
                cache.0.remove(&hash);
            }
        }
        Ok(found)
    }

    /// Revokes the key with this prefix (as shown when it was made). Returns whether one was.
    pub async fn revoke_key(&self, prefix: &str) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $2 WHERE prefix = $1 AND revoked_at IS NULL",
        )
        .bind(prefix)
        .bind(now_ms())
        .execute(self.writer())
        .await?;
        self.senders_cache
            .write()
            .expect("sender cache lock")
            .0
            .clear();
        Ok(done.rows_affected() > 0)
    }
}

/// A sender with one of its keys (none when it has no keys), as the admin's list shows them.
#[derive(sqlx::FromRow)]
pub struct SenderKeyRecord {
    pub name: String,
    pub prefix: Option<String>,
    pub created_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// Every sender and its keys, by name, newest key first.
    pub async fn senders_with_keys(&self) -> anyhow::Result<Vec<SenderKeyRecord>> {
        Ok(sqlx::query_as(
            "SELECT s.name, k.prefix, k.created_at, k.last_used_at, k.revoked_at
             FROM senders s LEFT JOIN api_keys k ON k.sender_id = s.id
             ORDER BY s.name, k.created_at DESC",
        )
        .fetch_all(self.reader())
        .await?)
    }
}
