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
use utoipa::{OpenApi, ToSchema};

use super::{
    contacts, decisions,
    error::{ApiError, Problem},
    extract::{ApiJson, Sender},
};
use crate::{
    startup::AppState,
    store::{now_ms, random_token, sha256_hex},
};

/// The largest request body the API reads (a full batch of 1000 decisions is about 150 KB).
pub const BODY_LIMIT: usize = 1 << 20;

/// The `/api/v1` routes.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/contacts/{ref}",
            put(contacts::put)
                .get(contacts::get)
                .delete(contacts::erase),
        )
        .route(
            "/contacts/{ref}/preferences",
            patch(contacts::patch_preferences),
        )
        .route("/contacts/{ref}/export", get(contacts::export))
        .route("/decisions", post(decisions::one))
        .route("/decisions/batch", post(decisions::batch))
        .route("/changes", get(changes))
        .route("/topics", get(topics))
        .route(
            "/webhook-endpoints",
            post(create_endpoint).get(list_endpoints),
        )
        .route("/webhook-endpoints/{id}", delete(delete_endpoint))
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async {
            ApiError::not_found("There is no such API route. See /api/v1/openapi.json.")
        })
        .layer(middleware::from_fn_with_state(state, idempotency))
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

    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (sender_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sender_id, key) DO NOTHING",
    )
    .bind(sender.id)
    .bind(&key)
    .bind(&hash)
    .bind(now_ms())
    .execute(state.store.writer())
    .await;
    let claimed = match claimed {
        Ok(r) => r.rows_affected() == 1,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    if !claimed {
        let row: Result<(String, Option<i64>, Option<String>), _> = sqlx::query_as(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE sender_id = $1 AND key = $2",
        )
        .bind(sender.id)
        .bind(&key)
        .fetch_one(state.store.reader())
        .await;
        return match row {
            Err(e) => ApiError::internal(e).into_response(),
            Ok((stored, _, _)) if stored != hash => ApiError::validation(
                "this Idempotency-Key was used with a different request; use a new key for a new request",
            )
            .into_response(),
            Ok((_, None, _)) => ApiError::conflict(
                "in-progress",
                "The first request with this key is still running",
                "Retry in a moment to get its response.",
            )
            .into_response(),
            Ok((_, Some(status), body)) => {
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
        let _ = sqlx::query("DELETE FROM idempotency_keys WHERE sender_id = $1 AND key = $2")
            .bind(sender.id)
            .bind(&key)
            .execute(state.store.writer())
            .await;
        return response;
    }
    let (res_parts, res_body) = response.into_parts();
    let body = match to_bytes(res_body, 16 << 20).await {
        Ok(b) => b,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let stored = sqlx::query(
        "UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE sender_id = $1 AND key = $2",
    )
    .bind(sender.id)
    .bind(&key)
    .bind(status.as_u16() as i64)
    .bind(String::from_utf8_lossy(&body).into_owned())
    .execute(state.store.writer())
    .await;
    if let Err(e) = stored {
        return ApiError::internal(e).into_response();
    }
    Response::from_parts(res_parts, Body::from(body))
}

// ---------------------------------------------------------------------------------------------
// Change feed and topics

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// Events with `seq` greater than this (0 for all).
    #[serde(default)]
    after: i64,
    /// At most this many (1–1000, default 100).
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesBody {
    /// Events in `seq` order: the same bodies webhooks deliver.
    #[schema(value_type = Vec<Object>)]
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
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, payload FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(q.after)
            .bind(limit)
            .fetch_all(state.store.reader())
            .await?;
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
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointsBody {
    endpoints: Vec<EndpointBody>,
}

/// Whether an address is one webhooks must not reach unless allowed (SSRF).
fn is_private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
        }
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(std::net::IpAddr::V4(v4)))
        }
    }
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
    if addrs.is_empty() || addrs.iter().any(|a| is_private(a.ip())) {
        return Err(ApiError::validation(
            "url points at a private, loopback or link-local address; set ATTUNE_WEBHOOK_ALLOW_PRIVATE=true for local setups",
        ));
    }
    Ok(url)
}

/// Register a webhook endpoint; the answer holds its signing secret, shown once.
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
    let secret = {
        use base64::Engine;
        use rand::TryRngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(ApiError::internal)?;
        format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    };
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
    /// id, url, events, created_at, disabled_at
    type EndpointRow = (String, String, Option<String>, i64, Option<i64>);
    let rows: Vec<EndpointRow> = sqlx::query_as(
        "SELECT id, url, events, created_at, disabled_at FROM webhook_endpoints WHERE sender_id = $1 ORDER BY created_at",
    )
    .bind(sender.id)
    .fetch_all(state.store.reader())
    .await?;
    Ok(Json(EndpointsBody {
        endpoints: rows
            .into_iter()
            .map(|(id, url, events, created, disabled)| EndpointBody {
                id,
                url,
                events: events.and_then(|e| serde_json::from_str(&e).ok()),
                created_at: jiff::Timestamp::from_millisecond(created)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                disabled: disabled.is_some(),
            })
            .collect(),
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
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

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
