//! `/staff/admin/*`, for admins only (the [`Admin`] extractor answers agents with 403): topics,
//! senders and their API keys, webhook endpoints, staff users.

use axum::{
    routing::{get, post},
    Router,
};

use super::see_other;
use crate::state::AppState;

mod endpoints;
mod senders;
mod topics;
mod users;

use endpoints::{endpoints_page, replay};
use senders::{create_key, revoke_key, senders_page};
use topics::{archive_topic, create_topic, topics_page, update_topic};
use users::{create_user, disable_user, users_page};

/// Times on admin pages are shown in UTC.
const TZ: &str = "UTC";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/staff/admin",
            get(|| async { see_other("/staff/admin/topics") }),
        )
        .route("/staff/admin/topics", get(topics_page).post(create_topic))
        .route("/staff/admin/topics/{key}", post(update_topic))
        .route("/staff/admin/topics/{key}/archive", post(archive_topic))
        .route("/staff/admin/senders", get(senders_page).post(create_key))
        .route("/staff/admin/senders/revoke", post(revoke_key))
        .route("/staff/admin/endpoints", get(endpoints_page))
        .route("/staff/admin/endpoints/{id}/replay", post(replay))
        .route("/staff/admin/users", get(users_page).post(create_user))
        .route("/staff/admin/users/{id}/disable", post(disable_user))
}
