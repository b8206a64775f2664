//! The sender API under `/api/v1` (DESIGN §6): routes, idempotency, the change feed, topics,
//! webhook endpoint registration, and the OpenAPI document generated from the handlers.

use axum::{
    body::{to_bytes, Body},
    extract::{DefaultBodyLimit, FromRequestParts, Path, Query, Request, State},
    http::{header, Method, StatusCode},
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    routing::{delete, get, patch, post, put},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{OpenApi, ToSchema};

use super::{
    contacts, decisions,
    error::{ApiError, Problem},
    extract::{ApiJson, Sender},
};
use crate::{
    state::AppState,
    store::{idempotency::StoredAnswer, now_ms, random_token, sha256_hex},
};

pub use super::extract::BODY_LIMIT;

/// The `/api/v1` routes.
pub fn router(state: AppState) -> Router<AppState> {
    // Idempotency wraps each route's own handlers (`route_layer`), not the router: a method the
    // route does not have is a plain 405 and an unknown path a plain 404, neither of which
    // claims or replays an Idempotency-Key.
    let idem = middleware::from_fn_with_state(state, idempotency);
    Router::new()
        .route(
            "/contacts/{ref}",
            put(contacts::put)
                .get(contacts::get)
                .delete(contacts::erase)
                .route_layer(idem.clone()),
        )
        .route(
            "/contacts/{ref}/preferences",
            patch(contacts::patch_preferences).route_layer(idem.clone()),
        )
        .route("/contacts/{ref}/export", get(contacts::export))
        .route("/decisions", post(decisions::one).route_layer(idem.clone()))
        .route(
            "/decisions/batch",
            post(decisions::batch).route_layer(idem.clone()),
        )
        .route("/changes", get(changes))
        .route("/topics", get(topics))
        .route(
            "/webhook-endpoints",
            post(create_endpoint)
                .get(list_endpoints)
                .route_layer(idem.clone()),
        )
        .route("/webhook-endpoints/{id}", delete(delete_endpoint))
        .route(
            "/webhook-endpoints/{id}/deliveries",
            get(endpoint_deliveries),
        )
        .route(
            "/webhook-endpoints/{id}/replay",
            post(replay_endpoint).route_layer(idem.clone()),
        )
        .route(
            "/webhook-endpoints/{id}/rotate-secret",
            post(rotate_secret).route_layer(idem),
        )
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async {
            ApiError::not_found("There is no such API route. See /api/v1/openapi.json.")
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

// ---------------------------------------------------------------------------------------------
// Idempotency-Key (on POST, PATCH and PUT)

/// A replay returns the stored response; the same key with a different body is 422; a replay
/// while the first is still running is 409. Keys are per sender. Server errors are not stored,
/// so the request can be retried with the same key.
async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    if !matches!(*req.method(), Method::POST | Method::PATCH | Method::PUT) {
        return next.run(req).await;
    }
    if key.is_empty() || key.len() > 255 {
        return ApiError::validation("Idempotency-Key must be 1–255 characters").into_response();
    }
    let (mut parts, body) = req.into_parts();
    let sender = match Sender::from_request_parts(&mut parts, &state).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The body is too large",
                format!("Bodies may be at most {BODY_LIMIT} bytes."),
            )
            .into_response()
        }
    };
    // The full path: inside `nest`, the request's own URI has lost the `/api/v1` prefix.
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    let mut fingerprint = format!("{} {path}\n", parts.method).into_bytes();
    fingerprint.extend_from_slice(&bytes);
    let hash = sha256_hex(&fingerprint);

    let claimed = match state
        .store
        .claim_idempotency_key(sender.id, &key, &hash)
        .await
    {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !claimed {
        return match state.store.idempotent_answer(sender.id, &key).await {
            Err(e) => ApiError::from(e).into_response(),
            Ok(a) if a.request_hash != hash => ApiError::validation(
                "this Idempotency-Key was used with a different request; use a new key for a new request",
            )
            .into_response(),
            Ok(StoredAnswer { status: None, .. }) => ApiError::conflict(
                "in-progress",
                "The first request with this key is still running",
                "Retry in a moment to get its response.",
            )
            .into_response(),
            Ok(StoredAnswer {
                status: Some(status),
                body,
                ..
            }) => {
                let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
                let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
                let mut res = (status, [(header::CONTENT_TYPE, content_type)], body.unwrap_or_default()).into_response();
                res.headers_mut().insert("idempotent-replayed", header::HeaderValue::from_static("true"));
                res
            }
        };
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if status.is_server_error() {
        let _ = state.store.release_idempotency_key(sender.id, &key).await;
        return response;
    }
    let (res_parts, res_body) = response.into_parts();
    let body = match to_bytes(res_body, 16 << 20).await {
        Ok(b) => b,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let stored = state
        .store
        .store_idempotent_answer(
            sender.id,
            &key,
            status.as_u16() as i64,
            &String::from_utf8_lossy(&body),
        )
        .await;
    if let Err(e) = stored {
        return ApiError::from(e).into_response();
    }
    Response::from_parts(res_parts, Body::from(body))
}

// ---------------------------------------------------------------------------------------------
// Change feed and topics

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// Events with `seq` greater than this (0 for all).
    #[serde(default)]
    #[param(minimum = 0)]
    after: i64,
    /// At most this many (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000, nullable = false)]
    limit: Option<i64>,
}

/// A change event: an item of the change feed, and the body of every webhook (DESIGN §6.1, §7).
/// Webhooks carry the Standard Webhooks headers `webhook-id` (`evt_<seq>`, the same on every
/// attempt), `webhook-timestamp` (Unix seconds) and `webhook-signature`
/// (`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, keyed with the bytes
/// behind the endpoint's `whsec_` secret; during a rotation two signatures, space-separated).
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)] // documents the stored JSON; never built in Rust
pub struct Event {
    /// `preferences.updated`, `contact.unsubscribed_all`, `contact.address_disputed`,
    /// `contact.erased` or `contact.updated`.
    r#type: String,
    /// Global, gapless, in commit order.
    seq: i64,
    /// RFC 3339, UTC.
    occurred_at: String,
    /// The contact's preference version after this change.
    version: i64,
    contact: EventContact,
    actor: EventActor,
    /// Why, when the actor gave a reason (staff and senders must).
    reason: Option<String>,
    changes: Vec<EventChange>,
}

#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct EventContact {
    r#ref: String,
    /// Null once the contact is erased.
    email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct EventActor {
    /// `customer`, `one_click`, `staff`, `sender` or `system`.
    kind: String,
    /// The staff user's or sender's id.
    id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct EventChange {
    /// e.g. `preferences.offers.subscribed`, `global.unsubscribed_all`, `contact.email`.
    field: String,
    /// Any JSON value (null when the field had none).
    from: serde_json::Value,
    /// Any JSON value (null when the field is cleared).
    to: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesBody {
    /// Events in `seq` order: the same bodies webhooks deliver.
    #[schema(value_type = Vec<Event>)]
    events: Vec<serde_json::Value>,
    /// Pass as `after` to continue.
    next_after: i64,
}

/// The change feed, in `seq` order: the way to catch up after an outage.
#[utoipa::path(get, path = "/changes", tag = "changes", params(ChangesQuery),
    responses((status = 200, body = ChangesBody), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn changes(
    State(state): State<AppState>,
    _sender: Sender,
    query: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ChangesBody>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::validation(e.body_text()))?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) || q.after < 0 {
        return Err(ApiError::validation(
            "limit must be 1–1000 and after must not be negative",
        ));
    }
    let rows = state.store.outbox_after(q.after, limit).await?;
    let next_after = rows.last().map(|r| r.0).unwrap_or(q.after);
    let events = rows
        .into_iter()
        .map(|(_, p)| serde_json::from_str(&p))
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    Ok(Json(ChangesBody { events, next_after }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicBody {
    key: String,
    name: String,
    description: String,
    /// `required` or `optional`
    kind: String,
    channels: Vec<String>,
    default_subscribed: bool,
    default_frequency: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicsBody {
    topics: Vec<TopicBody>,
}

/// The configured topics, in display order.
#[utoipa::path(get, path = "/topics", tag = "topics", responses((status = 200, body = TopicsBody)), security(("bearer" = [])))]
async fn topics(
    State(state): State<AppState>,
    _sender: Sender,
) -> Result<Json<TopicsBody>, ApiError> {
    let topics = state.store.list_topics().await?;
    Ok(Json(TopicsBody {
        topics: topics
            .into_iter()
            .map(|t| TopicBody {
                key: t.key.to_string(),
                name: t.name,
                description: t.description,
                kind: t.kind.as_str().to_owned(),
                channels: t.channels.iter().map(|c| c.as_str().to_owned()).collect(),
                default_subscribed: t.default_subscribed,
                default_frequency: t.default_frequency.as_str().to_owned(),
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Webhook endpoints (registration; delivery is the webhook worker's)

/// The event types an endpoint can ask for.
pub const EVENT_TYPES: [&str; 5] = [
    "preferences.updated",
    "contact.unsubscribed_all",
    "contact.address_disputed",
    "contact.erased",
    "contact.updated",
];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// `https://…` (or `http://`); private and loopback targets need ATTUNE_WEBHOOK_ALLOW_PRIVATE.
    url: String,
    /// Event types to receive; `null` for all.
    events: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointCreated {
    id: String,
    url: String,
    events: Option<Vec<String>>,
    /// `whsec_…`: shown once; verifies the Standard Webhooks signature.
    secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointBody {
    id: String,
    url: String,
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

#[derive(Debug, Serialize, ToSchema)]
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

/// Register a webhook endpoint; the answer holds its signing secret, shown once. Every change
/// event (schema `Event`) is then POSTed to it, signed per Standard Webhooks, at least once and
/// in `seq` order per contact; failures are retried with backoff for about two and a half days.
#[utoipa::path(post, path = "/webhook-endpoints", tag = "webhooks", request_body = EndpointInput,
    responses((status = 201, body = EndpointCreated), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn create_endpoint(
    State(state): State<AppState>,
    sender: Sender,
    ApiJson(input): ApiJson<EndpointInput>,
) -> Result<(StatusCode, Json<EndpointCreated>), ApiError> {
    let url = check_endpoint_url(&input.url, state.config.webhook_allow_private).await?;
    if let Some(events) = &input.events {
        if let Some(bad) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
            return Err(ApiError::validation(format!(
                "unknown event type {bad:?}; known: {}",
                EVENT_TYPES.join(", ")
            )));
        }
    }
    let id = format!("ep_{}", random_token(12));
    let secret = crate::webhooks::signing::Secret::generate();
    let events_json = input
        .events
        .as_ref()
        .map(|e| serde_json::to_string(e).unwrap_or_default());
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, sender_id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(sender.id)
    .bind(url.as_str())
    .bind(&events_json)
    .bind(&secret)
    .bind(now_ms())
    .execute(state.store.writer())
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
#[utoipa::path(get, path = "/webhook-endpoints", tag = "webhooks", responses((status = 200, body = EndpointsBody)), security(("bearer" = [])))]
async fn list_endpoints(
    State(state): State<AppState>,
    sender: Sender,
) -> Result<Json<EndpointsBody>, ApiError> {
    let rows = sqlx::query(
        "SELECT e.id, e.url, e.events, e.created_at, e.disabled_at, e.disabled_reason, e.failing_since,
                (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending') AS pending,
                (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed') AS failed
         FROM webhook_endpoints e WHERE e.sender_id = $1 ORDER BY e.created_at, e.id",
    )
    .bind(sender.id)
    .fetch_all(state.store.reader())
    .await?;
    let now = now_ms();
    let endpoints = rows
        .iter()
        .map(|r| -> Result<EndpointBody, sqlx::Error> {
            let failing_since: Option<i64> = r.try_get("failing_since")?;
            Ok(EndpointBody {
                id: r.try_get("id")?,
                url: r.try_get("url")?,
                events: r
                    .try_get::<Option<String>, _>("events")?
                    .and_then(|e| serde_json::from_str(&e).ok()),
                created_at: rfc3339(r.try_get("created_at")?),
                disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                disabled_reason: r.try_get("disabled_reason")?,
                failing_since: failing_since.map(rfc3339),
                flagged: failing_since.is_some_and(|t| now - t >= FLAG_AFTER_MS),
                pending: r.try_get("pending")?,
                failed: r.try_get("failed")?,
            })
        })
        .collect::<Result<_, _>>()?;
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
    let disabled: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT disabled_at FROM webhook_endpoints WHERE id = $1 AND sender_id = $2",
    )
    .bind(id)
    .bind(sender.id)
    .fetch_optional(state.store.reader())
    .await?;
    disabled.ok_or_else(|| ApiError::not_found("There is no such webhook endpoint."))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// Only deliveries of events with `seq` below this (for the next page).
    #[param(nullable = false)]
    before: Option<i64>,
    /// `pending`, `delivered` or `failed`.
    #[param(pattern = "^(pending|delivered|failed)$", nullable = false)]
    status: Option<String>,
    /// At most this many (1–500, default 50).
    #[param(minimum = 1, maximum = 500, nullable = false)]
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptBody {
    attempted_at: String,
    /// The endpoint's HTTP status, if it answered.
    status_code: Option<i64>,
    /// Why the attempt failed, in a few words.
    error: Option<String>,
    duration_ms: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryBody {
    /// The event's `seq`.
    seq: i64,
    /// The `webhook-id` header it is sent with, the same on every attempt.
    webhook_id: String,
    event_type: String,
    /// `pending`, `delivered` or `failed`.
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

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveriesBody {
    /// Newest event first.
    deliveries: Vec<DeliveryBody>,
    /// Pass as `before` for older deliveries; null at the end.
    next_before: Option<i64>,
}

/// The deliveries to one endpoint, newest event first: attempts, status codes, next retry.
#[utoipa::path(get, path = "/webhook-endpoints/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path), DeliveriesQuery),
    responses((status = 200, body = DeliveriesBody), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn endpoint_deliveries(
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
    let rows = sqlx::query(
        "SELECT d.id, d.seq, o.event_type, d.status, d.attempts, d.next_attempt_at, d.delivered_at,
                d.last_status, d.last_error
         FROM webhook_deliveries d JOIN outbox o ON o.seq = d.seq
         WHERE d.endpoint_id = $1 AND d.seq < $2 AND ($3 = '' OR d.status = $3)
         ORDER BY d.seq DESC LIMIT $4",
    )
    .bind(&id)
    .bind(q.before.unwrap_or(i64::MAX))
    .bind(q.status.clone().unwrap_or_default())
    .bind(limit + 1)
    .fetch_all(state.store.reader())
    .await?;
    let more = rows.len() as i64 > limit;
    let mut deliveries = Vec::new();
    for r in rows.iter().take(limit as usize) {
        let delivery_id: i64 = r.try_get("id")?;
        let attempts: Vec<(i64, Option<i64>, Option<String>, i64)> = sqlx::query_as(
            "SELECT attempted_at, status_code, error, duration_ms FROM delivery_attempts
             WHERE delivery_id = $1 ORDER BY id",
        )
        .bind(delivery_id)
        .fetch_all(state.store.reader())
        .await?;
        let status: String = r.try_get("status")?;
        let seq: i64 = r.try_get("seq")?;
        deliveries.push(DeliveryBody {
            seq,
            webhook_id: crate::webhooks::worker::webhook_id(seq),
            event_type: r.try_get("event_type")?,
            next_attempt_at: (status == "pending")
                .then(|| rfc3339(r.try_get("next_attempt_at").unwrap_or(0))),
            status,
            attempts: r.try_get("attempts")?,
            delivered_at: r.try_get::<Option<i64>, _>("delivered_at")?.map(rfc3339),
            last_status: r.try_get("last_status")?,
            last_error: r.try_get("last_error")?,
            attempt_log: attempts
                .into_iter()
                .map(|(at, status_code, error, duration_ms)| AttemptBody {
                    attempted_at: rfc3339(at),
                    status_code,
                    error,
                    duration_ms,
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayInput {
    /// Events with `seq` greater than this are queued again (0 for all).
    #[schema(minimum = 0)]
    after: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayBody {
    /// How many events were queued.
    queued: u64,
}

/// Send again every event after a `seq` (including ones from before the endpoint existed, and
/// ones that failed); deliveries being attempted right now finish first.
#[utoipa::path(post, path = "/webhook-endpoints/{id}/replay", tag = "webhooks", params(("id" = String, Path)),
    request_body = ReplayInput,
    responses((status = 202, body = ReplayBody), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn replay_endpoint(
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
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedBody {
    id: String,
    /// The new `whsec_…` secret, shown once.
    secret: String,
    /// Until when the previous secret still signs too (both signatures are sent).
    previous_valid_until: String,
}

/// Replace an endpoint's signing secret. For 24 hours both the new and the previous secret
/// sign every delivery, so the receiver can switch without missing one.
#[utoipa::path(post, path = "/webhook-endpoints/{id}/rotate-secret", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = RotatedBody), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn rotate_secret(
    State(state): State<AppState>,
    sender: Sender,
    Path(id): Path<String>,
) -> Result<Json<RotatedBody>, ApiError> {
    own_endpoint(&state, &sender, &id).await?;
    let secret = crate::webhooks::signing::Secret::generate();
    let now = now_ms();
    sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, secret = $2, secret_rotated_at = $3
         WHERE id = $1",
    )
    .bind(&id)
    .bind(&secret)
    .bind(now)
    .execute(state.store.writer())
    .await?;
    Ok(Json(RotatedBody {
        id,
        secret,
        previous_valid_until: rfc3339(now + crate::store::webhooks::ROTATION_OVERLAP_MS),
    }))
}

/// Stop delivering to an endpoint.
#[utoipa::path(delete, path = "/webhook-endpoints/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn delete_endpoint(
    State(state): State<AppState>,
    sender: Sender,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET disabled_at = $3, disabled_reason = 'deleted by sender'
         WHERE id = $1 AND sender_id = $2 AND disabled_at IS NULL",
    )
    .bind(&id)
    .bind(sender.id)
    .bind(now_ms())
    .execute(state.store.writer())
    .await?;
    if done.rows_affected() == 1 {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("There is no such webhook endpoint."))
    }
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

#[derive(OpenApi)]
#[openapi(
    info(title = "Attune sender API", version = "1", description = "Ask before you send. See DESIGN.md §6."),
    servers((url = "/api/v1")),
    paths(
        contacts::put, contacts::get, contacts::erase, contacts::export, contacts::patch_preferences,
        decisions::one, decisions::batch, changes, topics, create_endpoint, list_endpoints, delete_endpoint,
        endpoint_deliveries, replay_endpoint, rotate_secret,
    ),
    components(schemas(Problem, Event)),
    modifiers(&BearerAuth, &Problems),
)]
pub struct ApiDoc;

/// Says what every operation can answer besides its own responses, as the middleware and
/// extractors really do: every problem is `application/problem+json`; every operation can be
/// 401; one with a body can be 400, 413, 415 or 422; a write takes `Idempotency-Key` (422 when
/// it is reused with another request or is not 1–255 characters, 409 while the first runs).
struct Problems;

impl utoipa::Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            path::{Operation, ParameterBuilder, ParameterIn},
            schema::{ObjectBuilder, Type},
            Content, RefOr, Required, ResponseBuilder,
        };
        const PROBLEM: &str = "application/problem+json";
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM,
                    Content::new(Some(utoipa::openapi::Ref::from_schema_name("Problem"))),
                )
                .build()
        };
        let add = |op: &mut Operation, status: &str, description: &str| {
            op.responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| problem(description).into());
        };
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                (false, item.get.as_mut()),
                (false, item.delete.as_mut()),
                (true, item.post.as_mut()),
                (true, item.put.as_mut()),
                (true, item.patch.as_mut()),
            ];
            for (write, op) in ops {
                let Some(op) = op else { continue };
                for response in op.responses.responses.values_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let is_problem = response.content.get("application/json").is_some_and(|c| {
                        matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"))
                    });
                    if is_problem {
                        if let Some(c) = response.content.shift_remove("application/json") {
                            response.content.insert(PROBLEM.to_owned(), c);
                        }
                    }
                }
                add(op, "401", "No valid API key (`unauthorized`)");
                if op.request_body.is_some() {
                    add(op, "400", "The body is not JSON (`malformed`)");
                    add(op, "413", "The body is over 1 MiB (`too-large`)");
                    add(
                        op,
                        "415",
                        "The body is not `application/json` (`unsupported-media-type`)",
                    );
                }
                let bad_parameter = op.parameters.iter().flatten().any(|p| {
                    matches!(p.parameter_in, ParameterIn::Query)
                        || (matches!(p.parameter_in, ParameterIn::Path) && p.name == "ref")
                });
                if op.request_body.is_some() || write || bad_parameter {
                    add(
                        op,
                        "422",
                        "Not valid (`validation`): unknown fields, wrong types, bad values, a bad `ref` or query parameter",
                    );
                }
                if write {
                    add(op, "409", "The first request with this Idempotency-Key is still running (`in-progress`)");
                    let key = ParameterBuilder::new()
                        .name("Idempotency-Key")
                        .parameter_in(ParameterIn::Header)
                        .required(Required::False)
                        .description(Some(
                            "Makes a retry safe: a repeat with the same key and request gets the first response again (with `Idempotent-Replayed: true`); the same key with another request is 422.",
                        ))
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .min_length(Some(1))
                                .max_length(Some(255)),
                        ))
                        .build();
                    op.parameters.get_or_insert_with(Vec::new).push(key);
                }
            }
        }
    }
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_json().unwrap_or_default(),
    )
        .into_response()
}

/// `/api/docs`: the OpenAPI document rendered as a page (no scripts from elsewhere).
pub async fn docs() -> Html<String> {
    let doc = ApiDoc::openapi();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut body = String::new();
    for (path, item) in doc.paths.paths.iter() {
        for (method, op) in [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            if let Some(op) = op {
                let summary = op
                    .summary
                    .clone()
                    .or_else(|| op.description.clone())
                    .unwrap_or_default();
                let statuses: Vec<String> = op.responses.responses.keys().cloned().collect();
                body.push_str(&format!(
                    "<section class=\"card\"><h2><code>{method} /api/v1{}</code></h2><p>{}</p><p class=\"hint\">Answers: {}</p></section>",
                    esc(path),
                    esc(&summary),
                    esc(&statuses.join(", "))
                ));
            }
        }
    }
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Attune sender API</title><link rel=\"stylesheet\" href=\"/pkg/attune.css\"></head><body>\
         <header class=\"site-header\"><a class=\"brand\" href=\"/\">Attune</a></header><main id=\"main\">\
         <section class=\"card\"><h1>Sender API</h1><p>Authenticate with <code>Authorization: Bearer &lt;key&gt;</code> \
         (<code>attune sender create NAME</code>). Errors are <code>application/problem+json</code>. \
         The machine-readable document is <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p></section>{body}</main></body></html>"
    ))
}
