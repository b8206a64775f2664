//! Webhook endpoints, failing and disabled first, with replay.

use app::pages::staff::{
    admin::{AdminEndpoints, EndpointRow},
    Flash,
};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use leptos::prelude::*;

use super::TZ;
use crate::staff::{
    flash_message, nav, page, problem, see_other, server_error, Admin, FlashQuery, FormFields,
    StaffUser,
};
use crate::{
    state::AppState,
    store::{webhooks::Replay, Store},
    words::format_time,
};

async fn all_endpoints(store: &Store) -> anyhow::Result<Vec<EndpointRow>> {
    Ok(store
        .endpoints_overview()
        .await?
        .into_iter()
        .map(|r| EndpointRow {
            disabled: r.disabled_at.map(|t| match &r.disabled_reason {
                Some(why) => format!("{} ({why})", format_time(t, TZ)),
                None => format_time(t, TZ),
            }),
            id: r.id,
            sender: r.sender,
            url: r.url,
            events: r.events.unwrap_or_else(|| "all".into()),
            created: format_time(r.created_at, TZ),
            failing_since: r.failing_since.map(|t| format_time(t, TZ)),
            pending: r.pending,
            failed: r.failed,
            delivered: r.delivered,
        })
        .collect())
}

async fn render_endpoints(
    state: &AppState,
    user: &StaffUser,
    status: StatusCode,
    flash: Option<Flash>,
) -> Response {
    let endpoints = match all_endpoints(&state.store).await {
        Ok(e) => e,
        Err(e) => return server_error(format!("{e:#}")),
    };
    page(
        state,
        status,
        "Webhook endpoints",
        Some(nav(user, "/staff/admin/endpoints")),
        move || view! { <AdminEndpoints endpoints flash/> }.into_any(),
    )
}

pub(super) async fn endpoints_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    Query(q): Query<FlashQuery>,
) -> Response {
    render_endpoints(
        &state,
        &user,
        StatusCode::OK,
        flash_message(q.flash.as_deref()),
    )
    .await
}

/// `POST /staff/admin/endpoints/{id}/replay`: queue events after a sequence number again.
pub(super) async fn replay(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let after = match form.text("after").parse::<i64>() {
        Ok(n) if n >= 0 => n,
        _ => {
            return render_endpoints(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::Error(
                    "Give the sequence number to replay after, e.g. 0 for everything.".into(),
                )),
            )
            .await
        }
    };
    match crate::webhooks::replay(&state.store, &id, after).await {
        Ok(Replay::Queued(n)) => {
            tracing::info!(staff_id = user.id, endpoint = %id, after, queued = n, "webhook replay");
            see_other("/staff/admin/endpoints?flash=replayed")
        }
        Ok(Replay::EndpointDisabled) => {
            render_endpoints(
                &state,
                &user,
                StatusCode::CONFLICT,
                Some(Flash::Error(
                    "That endpoint is disabled, so it gets nothing; the sender must register its URL again."
                        .into(),
                )),
            )
            .await
        }
        Ok(Replay::TooSoon { retry_after_s }) => {
            render_endpoints(
                &state,
                &user,
                StatusCode::TOO_MANY_REQUESTS,
                Some(Flash::Error(format!(
                    "That endpoint was replayed less than a minute ago; try again in {retry_after_s} s."
                ))),
            )
            .await
        }
        Ok(Replay::UnknownEndpoint) => problem(
            &state,
            StatusCode::NOT_FOUND,
            &user,
            "No such endpoint",
            "That webhook endpoint doesn’t exist; it may have been deleted.",
        ),
        Err(e) => server_error(format!("{e:#}")),
    }
}
