//! Webhook deliveries (DESIGN §7): one row per (endpoint, event), written in the same
//! transaction as the change; claimed by a worker under a lease; completed with an attempt row.
//!
//! Per-contact order: a delivery is claimable only when no earlier delivery of the same contact
//! to the same endpoint is still pending, so a receiver sees each contact's events in `seq` order
//! even across retries and across instances. On Postgres the claim takes its rows with
//! `FOR UPDATE SKIP LOCKED`, so two instances never claim the same delivery; on SQLite the single
//! writer serialises claims.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::{now_ms, random_token, Backend, Store};

/// How long a claim holds a delivery: longer than the HTTP timeout, so a live worker finishes
/// first; a worker that died releases it when it runs out.
pub const LEASE_MS: i64 = 60_000;

/// A delivery claimed for one attempt, with what the attempt needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub lease_token: String,
    pub endpoint_id: String,
    /// The sender that registered the endpoint.
    pub sender_id: i64,
    pub url: String,
    pub secret: String,
    /// The previous secret while a rotation is in its overlap period.
    pub previous_secret: Option<String>,
    pub seq: i64,
    pub created_at: i64,
    /// Attempts made before this one.
    pub attempts: i64,
    pub payload: String,
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivery_id: i64,
    pub lease_token: String,
    pub endpoint_id: String,
    pub sender_id: i64,
    pub attempts_before: i64,
    pub attempted_at: i64,
    pub duration_ms: i64,
    /// The HTTP status, if the endpoint answered.
    pub status: Option<u16>,
    /// Why it failed, in a few words (no secrets, no payload).
    pub error: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// How long after a rotation the previous secret still signs.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

/// Queues the outbox rows with `seq` from `first` to `last`, written in this transaction, for
/// every live endpoint that wants their type, in `seq` order: one statement for one change or a
/// whole group commit's. Returns how many deliveries were queued.
pub async fn fan_out_in(conn: &mut AnyConnection, first: i64, last: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        r#"INSERT INTO webhook_deliveries (endpoint_id, seq, contact_id, status, attempts, next_attempt_at, created_at)
           SELECT e.id, o.seq, o.contact_id, 'pending', 0, o.created_at, o.created_at
           FROM outbox o JOIN webhook_endpoints e
             ON e.disabled_at IS NULL AND (e.events IS NULL OR e.events LIKE '%"' || o.event_type || '"%')
           WHERE o.seq BETWEEN $1 AND $2
           ORDER BY o.seq, e.id"#,
    )
    .bind(first)
    .bind(last)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// What a replay did: a disabled endpoint gets nothing, so it is not queued for; an endpoint
/// replayed less than a minute ago waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    Queued(u64),
    UnknownEndpoint,
    EndpointDisabled,
    TooSoon { retry_after_s: u64 },
}

/// How long after one replay of an endpoint the next may start.
pub const REPLAY_SPACING_MS: i64 = 60_000;
/// How many events (by `seq`) one statement of a replay queues.
const REPLAY_CHUNK: i64 = 5_000;

impl Store {
    /// Claims up to `limit` due deliveries, skipping the endpoints in `busy` and every endpoint
    /// of the senders in `busy_senders` (those already at their share of in-flight deliveries).
    /// Each claimed delivery is leased to the caller.
    pub async fn claim_deliveries(
        &self,
        limit: usize,
        busy: &[String],
        busy_senders: &[i64],
    ) -> anyhow::Result<Vec<Claimed>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let token = random_token(12);
        let first_busy = 5;
        let not_busy = if busy.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = (0..busy.len())
                .map(|i| format!("${}", first_busy + i))
                .collect();
            format!("AND d.endpoint_id NOT IN ({})", list.join(", "))
        };
        // Sender ids are numbers the worker read from the database: written in, not bound.
        let not_busy_senders = if busy_senders.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = busy_senders.iter().map(i64::to_string).collect();
            format!("AND e.sender_id NOT IN ({})", list.join(", "))
        };
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE OF d SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_until = $1, lease_token = $2
             WHERE id IN (
                SELECT d.id FROM webhook_deliveries d
                JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= $3
                  AND (d.lease_until IS NULL OR d.lease_until < $3)
                  AND e.disabled_at IS NULL
                  AND NOT EXISTS (
                      SELECT 1 FROM webhook_deliveries p
                      WHERE p.endpoint_id = d.endpoint_id AND p.contact_id = d.contact_id
                        AND p.seq < d.seq AND p.status = 'pending')
                  {not_busy} {not_busy_senders}
                ORDER BY d.next_attempt_at
                LIMIT $4
                {lock})"
        );
        let mut query = sqlx::query(&sql)
            .bind(now + LEASE_MS)
            .bind(&token)
            .bind(now)
            .bind(limit as i64);
        for endpoint in busy {
            query = query.bind(endpoint);
        }
        let claimed = query.execute(self.writer()).await?.rows_affected();
        if claimed == 0 {
            return Ok(Vec::new());
        }
        self.leased_deliveries(&token, now).await
    }

    /// The deliveries leased under `token`, with what their attempts need.
    async fn leased_deliveries(&self, token: &str, now: i64) -> anyhow::Result<Vec<Claimed>> {
        let rows = sqlx::query(
            "SELECT d.id, d.endpoint_id, e.sender_id, d.seq, d.created_at, d.attempts, e.url, e.secret,
                    e.previous_secret, e.secret_rotated_at, o.payload
             FROM webhook_deliveries d
             JOIN webhook_endpoints e ON e.id = d.endpoint_id
             JOIN outbox o ON o.seq = d.seq
             WHERE d.lease_token = $1
             ORDER BY d.seq",
        )
        .bind(token)
        .fetch_all(self.writer())
        .await?;
        rows.iter()
            .map(|r| {
                let rotated: Option<i64> = r.try_get("secret_rotated_at")?;
                let previous_secret = r
                    .try_get::<Option<String>, _>("previous_secret")?
                    .filter(|_| rotated.is_some_and(|t| now - t < ROTATION_OVERLAP_MS));
                Ok(Claimed {
                    id: r.try_get("id")?,
                    lease_token: token.to_owned(),
                    endpoint_id: r.try_get("endpoint_id")?,
                    sender_id: r.try_get("sender_id")?,
                    url: r.try_get("url")?,
                    secret: r.try_get("secret")?,
                    previous_secret,
                    seq: r.try_get("seq")?,
                    created_at: r.try_get("created_at")?,
                    attempts: r.try_get("attempts")?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect()
    }

    /// Records attempts and their consequences, all in one transaction: the attempt row, the
    /// delivery's new state (delivered, retry at `retry_at`, or failed), and the endpoint's
    /// health (failing since, disabled on 410 Gone). A delivery whose lease was lost (it ran
    /// out and another worker claimed it) keeps its attempt row but not the state change.
    pub async fn complete_deliveries(
        &self,
        outcomes: &[(Outcome, Option<i64>)],
    ) -> anyhow::Result<()> {
        let now = now_ms();
        let plan = plan_completion(outcomes);
        let mut tx = self.writer().begin().await?;
        insert_attempts_in(&mut tx, outcomes).await?;
        for (o, status, next) in &plan.undelivered {
            mark_undelivered_in(&mut tx, o, status, *next).await?;
        }
        mark_delivered_in(&mut tx, &plan.delivered, now).await?;
        update_endpoint_health_in(&mut tx, &plan, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives back the leases of claimed deliveries that were not attempted to the end (at
    /// shutdown), so the next worker need not wait for them to run out.
    pub async fn release_leases(&self, claims: &[(i64, String)]) -> anyhow::Result<()> {
        for (id, token) in claims {
            sqlx::query(
                "UPDATE webhook_deliveries SET lease_until = NULL, lease_token = NULL
                 WHERE id = $1 AND lease_token = $2",
            )
            .bind(id)
            .bind(token)
            .execute(self.writer())
            .await?;
        }
        Ok(())
    }

    /// Queues again, for one endpoint, every event with `seq > after` that the endpoint wants
    /// (including events from before it existed); deliveries being attempted right now are left
    /// to finish. Returns how many events were queued. An endpoint is replayed at most once a
    /// [`REPLAY_SPACING_MS`], and the events go in [`REPLAY_CHUNK`] at a time, each chunk its own
    /// statement, so a replay from the start never holds the writer for long.
    pub async fn replay_endpoint(&self, endpoint_id: &str, after: i64) -> anyhow::Result<Replay> {
        let now = now_ms();
        let endpoint = sqlx::query(
            "SELECT events, disabled_at, replayed_at FROM webhook_endpoints WHERE id = $1",
        )
        .bind(endpoint_id)
        .fetch_optional(self.writer())
        .await?;
        let Some(endpoint) = endpoint else {
            return Ok(Replay::UnknownEndpoint);
        };
        if endpoint.try_get::<Option<i64>, _>("disabled_at")?.is_some() {
            return Ok(Replay::EndpointDisabled);
        }
        // Taken in one statement, so two replays at once cannot both pass.
        let took = sqlx::query(
            "UPDATE webhook_endpoints SET replayed_at = $2
             WHERE id = $1 AND (replayed_at IS NULL OR replayed_at <= $3)",
        )
        .bind(endpoint_id)
        .bind(now)
        .bind(now - REPLAY_SPACING_MS)
        .execute(self.writer())
        .await?
        .rows_affected();
        if took == 0 {
            let last: Option<i64> = endpoint.try_get("replayed_at")?;
            let wait_ms = last.map_or(REPLAY_SPACING_MS, |t| t + REPLAY_SPACING_MS - now);
            return Ok(Replay::TooSoon {
                retry_after_s: (wait_ms.clamp(1_000, REPLAY_SPACING_MS) as u64).div_ceil(1000),
            });
        }
        let events: Option<String> = endpoint.try_get("events")?;
        let events: Option<Vec<String>> = events.map(|e| serde_json::from_str(&e)).transpose()?;
        if events.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Replay::Queued(0));
        }
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM outbox")
            .fetch_one(self.writer())
            .await?;
        let mut queued = 0;
        let mut from = after;
        while from < last.unwrap_or(0) {
            let to = from.saturating_add(REPLAY_CHUNK);
            queued += self
                .replay_chunk(endpoint_id, events.as_deref(), (from, to), now)
                .await?;
            from = to;
        }
        Ok(Replay::Queued(queued))
    }

    /// Queues the events with `from < seq <= to` (of `events`, when given) for one endpoint.
    async fn replay_chunk(
        &self,
        endpoint_id: &str,
        events: Option<&[String]>,
        (from, to): (i64, i64),
        now: i64,
    ) -> anyhow::Result<u64> {
        let filter = match events {
            Some(list) => {
                let places: Vec<String> = (0..list.len()).map(|i| format!("${}", 5 + i)).collect();
                format!("AND o.event_type IN ({})", places.join(", "))
            }
            None => String::new(),
        };
        let sql = format!(
            "INSERT INTO webhook_deliveries (endpoint_id, seq, contact_id, status, attempts, next_attempt_at, created_at)
             SELECT $1, o.seq, o.contact_id, 'pending', 0, $3, $3 FROM outbox o
             WHERE o.seq > $2 AND o.seq <= $4 {filter}
             ON CONFLICT (endpoint_id, seq) DO UPDATE SET status = 'pending', attempts = 0,
                next_attempt_at = excluded.next_attempt_at, delivered_at = NULL, last_error = NULL,
                last_status = NULL
             WHERE webhook_deliveries.lease_until IS NULL OR webhook_deliveries.lease_until < excluded.next_attempt_at"
        );
        let mut query = sqlx::query(&sql)
            .bind(endpoint_id)
            .bind(from)
            .bind(now)
            .bind(to);
        for e in events.into_iter().flatten() {
            query = query.bind(e);
        }
        Ok(query.execute(self.writer()).await?.rows_affected())
    }

    /// Where each of these changes stands at each endpoint it was queued for: the rows behind
    /// propagation receipts, in the order endpoints were registered.
    pub async fn delivery_states(
        &self,
        seqs: &[i64],
    ) -> anyhow::Result<HashMap<i64, Vec<DeliveryState>>> {
        let mut out: HashMap<i64, Vec<DeliveryState>> = HashMap::new();
        if seqs.is_empty() {
            return Ok(out);
        }
        let places: Vec<String> = (1..=seqs.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT d.seq, d.status, d.attempts, d.delivered_at, e.url, e.disabled_at, s.name AS sender
             FROM webhook_deliveries d
             JOIN webhook_endpoints e ON e.id = d.endpoint_id
             JOIN senders s ON s.id = e.sender_id
             WHERE d.seq IN ({})
             ORDER BY d.seq, e.created_at, e.id",
            places.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for seq in seqs {
            query = query.bind(*seq);
        }
        for r in query.fetch_all(self.reader()).await? {
            out.entry(r.try_get("seq")?)
                .or_default()
                .push(DeliveryState {
                    sender: r.try_get("sender")?,
                    url: r.try_get("url")?,
                    status: r.try_get("status")?,
                    attempts: r.try_get("attempts")?,
                    delivered_at: r.try_get("delivered_at")?,
                    endpoint_disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                });
        }
        Ok(out)
    }
}

/// What a batch of attempt outcomes does to deliveries and endpoints, worked out before any write.
#[derive(Debug, Default)]
struct Completion<'a> {
    /// Deliveries that failed or wait for a retry, in outcome order: (outcome, status, next attempt).
    undelivered: Vec<(&'a Outcome, &'static str, Option<i64>)>,
    /// Successes are most of the work: one statement per (lease, status code) for them.
    delivered: HashMap<(&'a str, u16), Vec<i64>>,
    /// Endpoints that answered 2xx, in first-seen order.
    healthy: Vec<&'a str>,
    /// Endpoints that failed otherwise, with the time of their first failure in the batch.
    failing: HashMap<&'a str, i64>,
    /// Endpoints that answered 410 Gone, in first-seen order.
    gone: Vec<&'a str>,
}

/// Sorts outcomes into deliveries to mark and endpoints whose health changes (pure).
fn plan_completion(outcomes: &[(Outcome, Option<i64>)]) -> Completion<'_> {
    let mut plan = Completion::default();
    for (o, retry_at) in outcomes {
        let endpoint = o.endpoint_id.as_str();
        if let (true, Some(code)) = (o.succeeded(), o.status) {
            if !plan.healthy.contains(&endpoint) {
                plan.healthy.push(endpoint);
            }
            plan.delivered
                .entry((o.lease_token.as_str(), code))
                .or_default()
                .push(o.delivery_id);
            continue;
        }
        let (status, next) = if o.status == Some(410) {
            if !plan.gone.contains(&endpoint) {
                plan.gone.push(endpoint);
            }
            ("failed", None)
        } else {
            plan.failing.entry(endpoint).or_insert(o.attempted_at);
            match retry_at {
                Some(at) => ("pending", Some(*at)),
                None => ("failed", None),
            }
        };
        plan.undelivered.push((o, status, next));
    }
    plan
}

/// Writes one `delivery_attempts` row per outcome, 100 to a statement.
async fn insert_attempts_in(
    conn: &mut AnyConnection,
    outcomes: &[(Outcome, Option<i64>)],
) -> sqlx::Result<()> {
    for chunk in outcomes.chunks(100) {
        let places: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, error, duration_ms) VALUES {}",
            places.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (o, _) in chunk {
            query = query
                .bind(o.delivery_id)
                .bind(o.attempted_at)
                .bind(o.status.map(i64::from))
                .bind(o.error.clone())
                .bind(o.duration_ms);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks one delivery failed or pending a retry, if its lease is still held.
async fn mark_undelivered_in(
    conn: &mut AnyConnection,
    o: &Outcome,
    status: &str,
    next: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1,
                    next_attempt_at = COALESCE($4, next_attempt_at),
                    last_status = $5, last_error = $6, lease_until = NULL, lease_token = NULL
                 WHERE id = $1 AND lease_token = $2",
    )
    .bind(o.delivery_id)
    .bind(&o.lease_token)
    .bind(status)
    .bind(next)
    .bind(o.status.map(i64::from))
    .bind(&o.error)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks the delivered deliveries, one statement per (lease, status code) and 500 ids.
async fn mark_delivered_in(
    conn: &mut AnyConnection,
    delivered: &HashMap<(&str, u16), Vec<i64>>,
    now: i64,
) -> sqlx::Result<()> {
    for ((token, code), ids) in delivered {
        for ids in ids.chunks(500) {
            let places: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 4)).collect();
            let sql = format!(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,
                        delivered_at = $2, last_status = $3, last_error = NULL,
                        lease_until = NULL, lease_token = NULL
                     WHERE lease_token = $1 AND id IN ({})",
                places.join(", ")
            );
            let mut query = sqlx::query(&sql)
                .bind(*token)
                .bind(now)
                .bind(i64::from(*code));
            for id in ids {
                query = query.bind(*id);
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Records endpoint health: healthy ones stop failing, failing ones start, gone ones are disabled.
async fn update_endpoint_health_in(
    conn: &mut AnyConnection,
    plan: &Completion<'_>,
    now: i64,
) -> sqlx::Result<()> {
    for endpoint in &plan.healthy {
        sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = NULL
                 WHERE id = $1 AND failing_since IS NOT NULL",
        )
        .bind(*endpoint)
        .execute(&mut *conn)
        .await?;
    }
    for (endpoint, since) in &plan.failing {
        sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL",
        )
        .bind(*endpoint)
        .bind(*since)
        .execute(&mut *conn)
        .await?;
    }
    for endpoint in &plan.gone {
        sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = $2,
                    disabled_reason = 'the endpoint answered 410 Gone'
                 WHERE id = $1 AND disabled_at IS NULL",
        )
        .bind(*endpoint)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One change's delivery to one endpoint, as stored.
#[derive(Debug, Clone)]
pub struct DeliveryState {
    pub sender: String,
    pub url: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub endpoint_disabled: bool,
}

impl Store {
    /// Outbox events after `seq`, in order: the change feed. `(seq, payload JSON)`.
    pub async fn outbox_after(&self, seq: i64, limit: i64) -> anyhow::Result<Vec<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT seq, payload FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(seq)
                .bind(limit)
                .fetch_all(self.reader())
                .await?,
        )
    }
}
