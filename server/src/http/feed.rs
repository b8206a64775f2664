//! The change feed and the topics of the sender API (DESIGN §6).

use axum::{
    extract::{Query, State},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    error::{ApiError, Problem},
    extract::Sender,
};
use crate::state::AppState;

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
pub async fn changes(
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
pub async fn topics(
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
