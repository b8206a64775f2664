//! Forgetting what has served its purpose: expired sessions and sign-in links, idempotency keys
//! past their 24 hours, rate-limit windows long closed and timestamped provider deliveries a
//! month old. A background task runs it.

use super::{idempotency::IDEMPOTENCY_TTL_MS, now_ms, Store};

/// Rate-limit windows are at most 15 minutes; a day-old one counts nothing.
const RATE_LIMIT_KEEP_MS: i64 = 24 * 3600 * 1000;

/// How many rows each kind lost in one purge.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub sign_in_tokens: u64,
    pub idempotency_keys: u64,
    pub rate_limits: u64,
    pub inbound_messages: u64,
    pub failed_mails: u64,
}

/// A mail given up on keeps its row (no address, no text) for a month, to be counted.
const FAILED_MAIL_KEEP_MS: i64 = 30 * 24 * 3600 * 1000;

/// A Standard Webhooks delivery (`/inbound/sms`) older than five minutes is refused by its
/// timestamp, so a month-old id is never needed again. Twilio's signature has no timestamp: a
/// captured delivery verifies for as long as the auth token is unchanged, so its id
/// (`twilio-sms:`, `twilio-voice:`) is kept for good. Only replies that changed something are
/// kept, one short row each.
const INBOUND_KEEP_MS: i64 = 30 * 24 * 3600 * 1000;

impl Store {
    /// Deletes every expired session, sign-in token, idempotency key and rate-limit window.
    pub async fn purge_expired(&self) -> anyhow::Result<Purged> {
        let now = now_ms();
        let run = |sql: &'static str, before: i64| async move {
            anyhow::Ok(
                sqlx::query(sql)
                    .bind(before)
                    .execute(self.writer())
                    .await?
                    .rows_affected(),
            )
        };
        Ok(Purged {
            sessions: run("DELETE FROM sessions WHERE expires_at < $1", now).await?,
            sign_in_tokens: run("DELETE FROM sign_in_tokens WHERE expires_at < $1", now).await?,
            idempotency_keys: run(
                "DELETE FROM idempotency_keys WHERE created_at < $1",
                now - IDEMPOTENCY_TTL_MS,
            )
            .await?,
            rate_limits: run(
                "DELETE FROM rate_limits WHERE window_start < $1",
                now - RATE_LIMIT_KEEP_MS,
            )
            .await?,
            inbound_messages: run(
                "DELETE FROM inbound_messages WHERE received_at < $1 AND id NOT LIKE 'twilio-%'",
                now - INBOUND_KEEP_MS,
            )
            .await?,
            failed_mails: run(
                "DELETE FROM mail_outbox WHERE failed_at < $1",
                now - FAILED_MAIL_KEEP_MS,
            )
            .await?,
        })
    }
}
