//! Webhook endpoints of the sender API (DESIGN §6): registration with the SSRF check, the
//! sender's list, the delivery log, replay, secret rotation and deletion. Delivery itself is
//! the webhook worker's.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    error::{ApiError, Problem},
    extract::{ApiJson, Sender},
};
use crate::{
    state::AppState,
    store::{endpoints::NewEndpoint, events::EventType, now_ms, random_token},
};

/// A webhook endpoint to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"url": "https://crm.example/hooks", "events": ["preferences.updated", "contact.unsubscribed_all"]})))]
pub struct EndpointInput {
    /// `https://…` (or `http://`); private and loopback targets need ATTUNE_WEBHOOK_ALLOW_PRIVATE.
    url: String,
    /// Event types to receive; `null` for all.
    #[schema(value_type = Option<Vec<EventType>>)]
    events: Option<Vec<String>>,
}

/// A registered endpoint, with its signing secret (shown this once).
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"id": "ep_7Hq2xK9mPa3R", "url": "https://crm.example/hooks", "events": null,
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})))]
pub struct EndpointCreated {
    id: String,
    url: String,
    #[schema(value_type = Option<Vec<EventType>>)]
    events: Option<Vec<String>>,
    /// `whsec_…`: shown once; verifies the Standard Webhooks signature.
    secret: String,
}

/// One of the sender's webhook endpoints, with the state of its deliveries.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"id": "ep_7Hq2xK9mPa3R", "url": "https://crm.example/hooks", "events": null,
    "created_at": "2026-11-20T10:00:00Z", "disabled": false, "disabled_reason": null,
    "failing_since": null, "flagged": false, "pending": 0, "failed": 0})))]
pub struct EndpointBody {
    id: String,
    url: String,
    /// Event types it receives; `null` for all.
    #[schema(value_type = Option<Vec<EventType>>)]
    events: Option<Vec<String>>,
    created_at: String,
    disabled: bool,
    /// Why it was disabled (deleted by the sender, or the endpoint answered 410 Gone).
    disabled_reason: Option<String>,
    /// Since when attempts have been failing (cleared by the next success).
    failing_since: Option<String>,
    /// Failing for a day or more: someone should look at it.
    flagged: bool,
    /// Deliveries waiting for their first attempt or a retry.
    pending: i64,
    /// Deliveries whose every attempt failed (replay to send them again).
    failed: i64,
}

/// The sender's webhook endpoints.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"endpoints": [{"id": "ep_7Hq2xK9mPa3R", "url": "https://crm.example/hooks", "events": null,
    "created_at": "2026-11-20T10:00:00Z", "disabled": false, "disabled_reason": null,
    "failing_since": null, "flagged": false, "pending": 0, "failed": 0}]})))]
pub struct EndpointsBody {
    endpoints: Vec<EndpointBody>,
}

async fn check_endpoint_url(raw: &str, allow_private: bool) -> Result<url::Url, ApiError> {
    let url = url::Url::parse(raw).map_err(|_| ApiError::validation("url is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::validation("url must be http:// or https://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::validation(
            "url must not carry credentials; endpoints verify signatures instead",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| ApiError::validation("url needs a host"))?
        .to_owned();
    if allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let host_for_lookup = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let addrs: Vec<std::net::SocketAddr> =
        match tokio::net::lookup_host((host_for_lookup.as_str(), port)).await {
            Ok(a) => a.collect(),
            Err(_) => {
                return Err(ApiError::validation(format!(
                    "the host {host} could not be resolved"
                )))
            }
        };
    if addrs.is_empty() || addrs.iter().any(|a| crate::webhooks::is_private(a.ip())) {
        return Err(ApiError::validation(
            "url points at a private, loopback or link-local address; set ATTUNE_WEBHOOK_ALLOW_PRIVATE=true for local setups",
        ));
    }
    Ok(url)
}

/// How many webhook endpoints one sender may have.
pub const MAX_ENDPOINTS_PER_SENDER: usize = 10;

/// Register a webhook endpoint; the answer holds its signing secret, shown once. Every change
/// event (schema `Event`) is then POSTed to it, signed per Standard Webhooks, at least once and
/// in `seq` order per contact; failures are retried with backoff for about two and a half days.
#[utoipa::path(post, path = "/webhook-endpoints", tag = "webhooks", operation_id = "createWebhookEndpoint", request_body = EndpointInput,
    responses((status = 201, body = EndpointCreated), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_endpoint(
    State(state): State<AppState>,
    sender: Sender,
    ApiJson(input): ApiJson<EndpointInput>,
) -> Result<(StatusCode, Json<EndpointCreated>), ApiError> {
    let url = check_endpoint_url(&input.url, state.config.webhook_allow_private).await?;
    // One sender's endpoints share the delivery workers with every other sender's: a cap keeps
    // one from multiplying its deliveries (and its slow endpoints) without end.
    if state.store.sender_endpoints(sender.id).await?.len() >= MAX_ENDPOINTS_PER_SENDER {
        return Err(ApiError::validation(format!(
            "a sender has at most {MAX_ENDPOINTS_PER_SENDER} webhook endpoints; delete one first"
        )));
    }
    if let Some(events) = &input.events {
        if let Some(bad) = events.iter().find(|e| e.parse::<EventType>().is_err()) {
            let known = EventType::ALL.map(|(_, name)| name).join(", ");
            return Err(ApiError::validation(format!(
                "unknown event type {bad:?}; known: {known}"
            )));
        }
    }
    let id = format!("ep_{}", random_token(12));
    let secret = crate::webhooks::signing::Secret::generate();
    let events_json = input
        .events
        .as_ref()
        .map(|e| serde_json::to_string(e).unwrap_or_default());
    state
        .store
        .create_endpoint(&NewEndpoint {
            id: &id,
            sender_id: sender.id,
            url: url.as_str(),
            events: events_json,
            secret: &secret,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EndpointCreated {
            id,
            url: url.to_string(),
            events: input.events,
            secret,
        }),
    ))
}

/// This sender's webhook endpoints (without secrets).
#[utoipa::path(get, path = "/webhook-endpoints", tag = "webhooks", operation_id = "listWebhookEndpoints", responses((status = 200, body = EndpointsBody)), security(("bearer" = [])))]
pub async fn list_endpoints(
    State(state): State<AppState>,
    sender: Sender,
) -> Result<Json<EndpointsBody>, ApiError> {
    let now = now_ms();
    let endpoints = state
        .store
        .sender_endpoints(sender.id)
        .await?
        .into_iter()
        .map(|e| EndpointBody {
            id: e.id,
            url: e.url,
            events: e.events.and_then(|e| serde_json::from_str(&e).ok()),
            created_at: rfc3339(e.created_at),
            disabled: e.disabled_at.is_some(),
            disabled_reason: e.disabled_reason,
            failing_since: e.failing_since.map(rfc3339),
            flagged: e.failing_since.is_some_and(|t| now - t >= FLAG_AFTER_MS),
            pending: e.pending,
            failed: e.failed,
        })
        .collect();
    Ok(Json(EndpointsBody { endpoints }))
}

/// An endpoint failing for this long is flagged.
pub const FLAG_AFTER_MS: i64 = 24 * 3600 * 1000;

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The endpoint, if it is this sender's.
async fn own_endpoint(
    state: &AppState,
    sender: &Sender,
    id: &str,
) -> Result<Option<i64>, ApiError> {
    let disabled = state.store.own_endpoint(sender.id, id).await?;
    disabled.ok_or_else(|| ApiError::not_found("There is no such webhook endpoint."))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// Only deliveries of events with `seq` below this (for the next page).
    #[param(nullable = false)]
    before: Option<i64>,
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryStatus>, inline, nullable = false)]
    status: Option<String>,
    /// At most this many (1–500, default 50).
    #[param(minimum = 1, maximum = 500, nullable = false)]
    limit: Option<i64>,
}

/// Where a delivery stands: waiting for an attempt or a retry, confirmed by a 2xx, or given up on
/// (replay sends it again).
// Only the document's: the store keeps the name as it is.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

/// One attempt to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"attempted_at": "2026-11-23T09:15:03Z", "status_code": 503, "error": "HTTP 503", "duration_ms": 84})))]
pub struct AttemptBody {
    attempted_at: String,
    /// The endpoint's HTTP status, if it answered.
    status_code: Option<i64>,
    /// Why the attempt failed, in a few words.
    error: Option<String>,
    duration_ms: i64,
}

/// The delivery of one event to the endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"seq": 123, "webhook_id": "evt_123", "event_type": "preferences.updated", "status": "pending",
    "attempts": 1, "next_attempt_at": "2026-11-23T09:16:02Z", "delivered_at": null, "last_status": 503,
    "last_error": "HTTP 503", "attempt_log": [{"attempted_at": "2026-11-23T09:15:03Z", "status_code": 503,
    "error": "HTTP 503", "duration_ms": 84}]})))]
pub struct DeliveryBody {
    /// The event's `seq`.
    seq: i64,
    /// The `webhook-id` header it is sent with, the same on every attempt.
    webhook_id: String,
    #[schema(value_type = EventType)]
    event_type: String,
    #[schema(value_type = DeliveryStatus)]
    status: String,
    attempts: i64,
    /// When the next attempt is due, while pending.
    next_attempt_at: Option<String>,
    delivered_at: Option<String>,
    last_status: Option<i64>,
    last_error: Option<String>,
    /// Every attempt, oldest first.
    attempt_log: Vec<AttemptBody>,
}

/// A page of the endpoint's deliveries.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"deliveries": [{"seq": 123, "webhook_id": "evt_123", "event_type": "preferences.updated", "status": "pending",
    "attempts": 1, "next_attempt_at": "2026-11-23T09:16:02Z", "delivered_at": null, "last_status": 503,
    "last_error": "HTTP 503", "attempt_log": [{"attempted_at": "2026-11-23T09:15:03Z", "status_code": 503,
    "error": "HTTP 503", "duration_ms": 84}]}], "next_before": null})))]
pub struct DeliveriesBody {
    /// Newest event first.
    deliveries: Vec<DeliveryBody>,
    /// Pass as `before` for older deliveries; null at the end.
    next_before: Option<i64>,
}

/// The deliveries to one endpoint, newest event first: attempts, status codes, next retry.
#[utoipa::path(get, path = "/webhook-endpoints/{id}/deliveries", tag = "webhooks", operation_id = "listWebhookDeliveries",
    params(("id" = String, Path), DeliveriesQuery),
    responses((status = 200, body = DeliveriesBody), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn endpoint_deliveries(
    State(state): State<AppState>,
    sender: Sender,
    Path(id): Path<String>,
    query: Result<Query<DeliveriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DeliveriesBody>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::validation(e.body_text()))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation("limit must be 1–500"));
    }
    if let Some(status) = &q.status {
        if !["pending", "delivered", "failed"].contains(&status.as_str()) {
            return Err(ApiError::validation(
                "status must be pending, delivered or failed",
            ));
        }
    }
    own_endpoint(&state, &sender, &id).await?;
    let rows = state
        .store
        .endpoint_deliveries(
            &id,
            q.before.unwrap_or(i64::MAX),
            q.status.as_deref().unwrap_or_default(),
            limit + 1,
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let mut deliveries = Vec::new();
    for d in rows.into_iter().take(limit as usize) {
        let attempts = state.store.delivery_attempts(d.id).await?;
        deliveries.push(DeliveryBody {
            seq: d.seq,
            webhook_id: crate::webhooks::worker::webhook_id(d.seq),
            event_type: d.event_type,
            next_attempt_at: (d.status == "pending")
                .then(|| rfc3339(d.next_attempt_at.unwrap_or(0))),
            status: d.status,
            attempts: d.attempts,
            delivered_at: d.delivered_at.map(rfc3339),
            last_status: d.last_status,
            last_error: d.last_error,
            attempt_log: attempts
                .into_iter()
                .map(|a| AttemptBody {
                    attempted_at: rfc3339(a.attempted_at),
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        });
    }
    let next_before = if more {
        deliveries.last().map(|d| d.seq)
    } else {
        None
    };
    Ok(Json(DeliveriesBody {
        deliveries,
        next_before,
    }))
}

/// Where a replay starts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"after": 120})))]
pub struct ReplayInput {
    /// Events with `seq` greater than this are queued again (0 for all).
    #[schema(minimum = 0)]
    after: i64,
}

/// What a replay queued.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"queued": 3})))]
pub struct ReplayBody {
    /// How many events were queued.
    queued: u64,
}

/// Send again every event after a `seq` (including ones from before the endpoint existed, and
/// ones that failed); deliveries being attempted right now finish first.
#[utoipa::path(post, path = "/webhook-endpoints/{id}/replay", tag = "webhooks", operation_id = "replayWebhookEndpoint", params(("id" = String, Path)),
    request_body = ReplayInput,
    responses((status = 202, body = ReplayBody), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
        (status = 429, description = "The endpoint was replayed less than a minute ago; `Retry-After` says when to try again.", body = Problem)),
    security(("bearer" = [])))]
pub async fn replay_endpoint(
    State(state): State<AppState>,
    sender: Sender,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReplayInput>,
) -> Result<(StatusCode, Json<ReplayBody>), ApiError> {
    if input.after < 0 {
        return Err(ApiError::validation("after must not be negative"));
    }
    own_endpoint(&state, &sender, &id).await?;
    match crate::webhooks::replay(&state.store, &id, input.after)
        .await
        .map_err(ApiError::internal)?
    {
        crate::store::webhooks::Replay::Queued(queued) => {
            Ok((StatusCode::ACCEPTED, Json(ReplayBody { queued })))
        }
        crate::store::webhooks::Replay::EndpointDisabled => Err(ApiError::conflict(
            "endpoint-disabled",
            "This endpoint is disabled",
            "A disabled endpoint gets nothing; register the URL again to receive events.",
        )),
        crate::store::webhooks::Replay::UnknownEndpoint => {
            Err(ApiError::not_found("There is no such webhook endpoint."))
        }
        crate::store::webhooks::Replay::TooSoon { retry_after_s } => Err(ApiError::too_soon(
            "replay-too-soon",
            format!("This endpoint was replayed less than a minute ago; try again in {retry_after_s} s. Events already queued are still being delivered."),
            retry_after_s,
        )),
    }
}

/// The endpoint's new signing secret.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"id": "ep_7Hq2xK9mPa3R", "secret": "whsec_3pL0q2mV7wYgN1cZ8rT4uXeB6dKfHs9A",
    "previous_valid_until": "2026-11-24T10:00:00Z"})))]
pub struct RotatedBody {
    id: String,
    /// The new `whsec_…` secret, shown once.
    secret: String,
    /// Until when the previous secret still signs too (both signatures are sent).
    previous_valid_until: String,
}

/// Replace an endpoint's signing secret. For 24 hours both the new and the previous secret
/// sign every delivery, so the receiver can switch without missing one.
#[utoipa::path(post, path = "/webhook-endpoints/{id}/rotate-secret", tag = "webhooks", operation_id = "rotateWebhookSecret", params(("id" = String, Path)),
    responses((status = 200, body = RotatedBody), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    sender: Sender,
    Path(id): Path<String>,
) -> Result<Json<RotatedBody>, ApiError> {
    own_endpoint(&state, &sender, &id).await?;
    let secret = crate::webhooks::signing::Secret::generate();
    let now = state.store.rotate_endpoint_secret(&id, &secret).await?;
    Ok(Json(RotatedBody {
        id,
        secret,
        previous_valid_until: rfc3339(now + crate::store::webhooks::ROTATION_OVERLAP_MS),
    }))
}

/// Stop delivering to an endpoint.
#[utoipa::path(delete, path = "/webhook-endpoints/{id}", tag = "webhooks", operation_id = "deleteWebhookEndpoint", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    sender: Sender,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_endpoint(sender.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("There is no such webhook endpoint."))
    }
}
