//! Webhook endpoints: registration, the sender's and the admin's lists, and the delivery log.
//! (Claiming and completing deliveries is `webhooks.rs`'.)

use super::{now_ms, Store};

/// A new endpoint as the sender registered it.
pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub sender_id: i64,
    pub url: &'a str,
    /// The event types as a JSON list; `None` for all.
    pub events: Option<String>,
    pub secret: &'a str,
}

/// One of a sender's endpoints with its delivery counts.
#[derive(sqlx::FromRow)]
pub struct SenderEndpoint {
    pub id: String,
    pub url: String,
    pub events: Option<String>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    pub pending: i64,
    pub failed: i64,
}

/// One delivery of an event to an endpoint.
#[derive(sqlx::FromRow)]
pub struct DeliveryRecord {
    pub id: i64,
    pub seq: i64,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// One attempt of a delivery.
#[derive(sqlx::FromRow)]
pub struct AttemptRecord {
    pub attempted_at: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// An endpoint with its delivery counts, as the admin's list shows it.
#[derive(sqlx::FromRow)]
pub struct EndpointOverview {
    pub id: String,
    pub sender: String,
    pub url: String,
    pub events: Option<String>,
    pub created_at: i64,
    pub failing_since: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub pending: i64,
    pub failed: i64,
    pub delivered: i64,
}

impl Store {
    /// Every webhook endpoint, failing and disabled ones first.
    pub async fn endpoints_overview(&self) -> anyhow::Result<Vec<EndpointOverview>> {
        Ok(sqlx::query_as(
            "SELECT e.id, s.name AS sender, e.url, e.events, e.created_at, e.failing_since,
                    e.disabled_at, e.disabled_reason,
                    (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending') AS pending,
                    (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed') AS failed,
                    (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'delivered') AS delivered
             FROM webhook_endpoints e JOIN senders s ON s.id = e.sender_id
             ORDER BY CASE WHEN e.disabled_at IS NOT NULL OR e.failing_since IS NOT NULL THEN 0 ELSE 1 END,
                      e.failing_since, e.created_at DESC",
        )
        .fetch_all(self.reader())
        .await?)
    }
}

impl Store {
    /// Registers an endpoint.
    pub async fn create_endpoint(&self, e: &NewEndpoint<'_>) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, sender_id, url, events, secret, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.id)
        .bind(e.sender_id)
        .bind(e.url)
        .bind(&e.events)
        .bind(e.secret)
        .bind(now_ms())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// A sender's endpoints, oldest first.
    pub async fn sender_endpoints(&self, sender_id: i64) -> anyhow::Result<Vec<SenderEndpoint>> {
        Ok(sqlx::query_as(
            "SELECT e.id, e.url, e.events, e.created_at, e.disabled_at, e.disabled_reason, e.failing_since,
                    (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending') AS pending,
                    (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed') AS failed
             FROM webhook_endpoints e WHERE e.sender_id = $1 ORDER BY e.created_at, e.id",
        )
        .bind(sender_id)
        .fetch_all(self.reader())
        .await?)
    }

    /// Whether the sender owns the endpoint: `None` if not, else when it was disabled, if it was.
    pub async fn own_endpoint(
        &self,
        sender_id: i64,
        endpoint_id: &str,
    ) -> anyhow::Result<Option<Option<i64>>> {
        Ok(sqlx::query_scalar(
            "SELECT disabled_at FROM webhook_endpoints WHERE id = $1 AND sender_id = $2",
        )
        .bind(endpoint_id)
        .bind(sender_id)
        .fetch_optional(self.reader())
        .await?)
    }

    /// An endpoint's deliveries of events before `before`, newest first, optionally of one
    /// status (`""` for all), at most `limit`.
    pub async fn endpoint_deliveries(
        &self,
        endpoint_id: &str,
        before: i64,
        status: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<DeliveryRecord>> {
        Ok(sqlx::query_as(
            "SELECT d.id, d.seq, o.event_type, d.status, d.attempts, d.next_attempt_at, d.delivered_at,
                    d.last_status, d.last_error
             FROM webhook_deliveries d JOIN outbox o ON o.seq = d.seq
             WHERE d.endpoint_id = $1 AND d.seq < $2 AND ($3 = '' OR d.status = $3)
             ORDER BY d.seq DESC LIMIT $4",
        )
        .bind(endpoint_id)
        .bind(before)
        .bind(status)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    /// A delivery's attempts, oldest first.
    pub async fn delivery_attempts(&self, delivery_id: i64) -> anyhow::Result<Vec<AttemptRecord>> {
        Ok(sqlx::query_as(
            "SELECT attempted_at, status_code, error, duration_ms FROM delivery_attempts
             WHERE delivery_id = $1 ORDER BY id",
        )
        .bind(delivery_id)
        .fetch_all(self.reader())
        .await?)
    }

    /// A new signing secret; the previous one keeps signing for the overlap. Returns when.
    pub async fn rotate_endpoint_secret(
        &self,
        endpoint_id: &str,
        secret: &str,
    ) -> anyhow::Result<i64> {
        let now = now_ms();
        sqlx::query(
            "UPDATE webhook_endpoints SET previous_secret = secret, secret = $2, secret_rotated_at = $3
             WHERE id = $1",
        )
        .bind(endpoint_id)
        .bind(secret)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(now)
    }

    /// Disables a sender's live endpoint at its request; `false` if it has no such endpoint.
    pub async fn delete_endpoint(&self, sender_id: i64, endpoint_id: &str) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = $3, disabled_reason = 'deleted by sender'
             WHERE id = $1 AND sender_id = $2 AND disabled_at IS NULL",
        )
        .bind(endpoint_id)
        .bind(sender_id)
        .bind(now_ms())
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
