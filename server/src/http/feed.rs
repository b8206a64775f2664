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

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesBody {
    /// Events in `seq` order: the same bodies webhooks deliver.
    events: Vec<Event>,
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
