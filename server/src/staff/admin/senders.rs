//! Senders and their API keys: a new key shown once, revocation.

use app::pages::staff::{
    admin::{AdminSenders, KeyRow, NewKey, SenderRow},
    Flash,
};
use axum::{
    body::Bytes,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use leptos::prelude::*;

use super::TZ;
use crate::staff::{
    flash_message, nav, page, see_other, server_error, Admin, FlashQuery, FormFields, StaffUser,
};
use crate::{state::AppState, store::Store, words::format_time};

async fn all_senders(store: &Store) -> anyhow::Result<Vec<SenderRow>> {
    let mut senders: Vec<SenderRow> = Vec::new();
    for r in store.senders_with_keys().await? {
        if senders.last().is_none_or(|s| s.name != r.name) {
            senders.push(SenderRow {
                name: r.name.clone(),
                keys: Vec::new(),
            });
        }
        if let Some(prefix) = r.prefix {
            let sender = senders.last_mut().expect("pushed above");
            sender.keys.push(KeyRow {
                prefix,
                created: format_time(r.created_at.unwrap_or(0), TZ),
                last_used: r.last_used_at.map(|t| format_time(t, TZ)),
                revoked: r.revoked_at.map(|t| format_time(t, TZ)),
            });
        }
    }
    Ok(senders)
}

async fn render_senders(
    state: &AppState,
    user: &StaffUser,
    status: StatusCode,
    new_key: Option<NewKey>,
    name_draft: String,
    flash: Option<Flash>,
) -> Response {
    let senders = match all_senders(&state.store).await {
        Ok(s) => s,
        Err(e) => return server_error(format!("{e:#}")),
    };
    page(
        state,
        status,
        "Senders",
        Some(nav(user, "/staff/admin/senders")),
        move || view! { <AdminSenders senders new_key name_draft flash/> }.into_any(),
    )
}

pub(super) async fn senders_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    Query(q): Query<FlashQuery>,
) -> Response {
    render_senders(
        &state,
        &user,
        StatusCode::OK,
        None,
        String::new(),
        flash_message(q.flash.as_deref()),
    )
    .await
}

/// `POST /staff/admin/senders`: a new key (and the sender, if new). The key is in this
/// response only: never in a URL, a log or the database.
pub(super) async fn create_key(
    State(state): State<AppState>,
    Admin(user): Admin,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let name = form.text("name");
    if name.is_empty() || name.chars().count() > 100 {
        return render_senders(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            name,
            Some(Flash::Error(
                "Give the sender a name of 1–100 characters.".into(),
            )),
        )
        .await;
    }
    match state.store.create_sender(&name).await {
        Ok((sender_id, key)) => {
            tracing::info!(staff_id = user.id, sender_id, "API key created");
            let new_key = Some(NewKey { sender: name, key });
            render_senders(&state, &user, StatusCode::OK, new_key, String::new(), None).await
        }
        Err(e) => server_error(format!("{e:#}")),
    }
}

/// `POST /staff/admin/senders/revoke`: revoke a key by its prefix.
pub(super) async fn revoke_key(
    State(state): State<AppState>,
    Admin(user): Admin,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let prefix = form.text("prefix");
    match state.store.revoke_key(&prefix).await {
        Ok(true) => {
            tracing::info!(staff_id = user.id, "API key revoked");
            see_other("/staff/admin/senders?flash=revoked")
        }
        Ok(false) => {
            render_senders(
                &state,
                &user,
                StatusCode::NOT_FOUND,
                None,
                String::new(),
                Some(Flash::Error("No live key has that prefix.".into())),
            )
            .await
        }
        Err(e) => server_error(format!("{e:#}")),
    }
}
