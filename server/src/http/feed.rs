//! The change feed and the topics of the sender API (DESIGN §6).

use app::domain::{Channel, Frequency, TopicKind};
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
use crate::{state::AppState, store::events::Event};

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

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"events": [{"type": "preferences.updated", "seq": 123,
    "occurred_at": "2026-11-23T09:15:02.114Z", "version": 8,
    "contact": {"ref": "c-42", "email": "ann@example.com"},
    "actor": {"kind": "one_click", "id": null}, "reason": null,
    "changes": [{"field": "preferences.offers.subscribed", "from": true, "to": false}]}],
    "next_after": 123})))]
pub struct ChangesBody {
    /// Events in `seq` order: the same bodies webhooks deliver.
    events: Vec<Event>,
    /// Pass as `after` to continue.
    next_after: i64,
}

/// The change feed, in `seq` order: the way to catch up after an outage.
#[utoipa::path(get, path = "/changes", tag = "changes", operation_id = "listChanges", params(ChangesQuery),
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

/// A topic: a kind of message the organisation sends.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"key": "offers", "name": "Offers", "description": "Sales and discounts.",
    "kind": "optional", "channels": ["email", "sms"], "default_subscribed": false,
    "default_frequency": "weekly"})))]
pub struct TopicBody {
    key: String,
    name: String,
    description: String,
    #[schema(value_type = TopicKind)]
    kind: String,
    /// The channels the topic is sent on.
    #[schema(value_type = Vec<Channel>)]
    channels: Vec<String>,
    default_subscribed: bool,
    #[schema(value_type = Frequency)]
    default_frequency: String,
}

/// The configured topics, in display order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"topics": [
    {"key": "account", "name": "Account and security", "description": "Sign-in links, password and security alerts, receipts.",
     "kind": "required", "channels": ["email", "sms"], "default_subscribed": true, "default_frequency": "immediate"},
    {"key": "offers", "name": "Offers", "description": "Sales and discounts.",
     "kind": "optional", "channels": ["email", "sms"], "default_subscribed": false, "default_frequency": "weekly"}]})))]
pub struct TopicsBody {
    topics: Vec<TopicBody>,
}

/// The configured topics, in display order.
#[utoipa::path(get, path = "/topics", tag = "topics", operation_id = "listTopics", responses((status = 200, body = TopicsBody)), security(("bearer" = [])))]
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
