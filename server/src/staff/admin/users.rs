//! Staff users: create with a generated password shown once, disable and enable.

use app::{
    domain::Email,
    pages::staff::{
        admin::{AdminUsers, NewPassword, StaffUserRow},
        Flash,
    },
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
    flash_message, nav, page, problem, see_other, server_error, users, Admin, FlashQuery,
    FormFields, Role, StaffUser,
};
use crate::{
    state::AppState,
    store::{now_ms, Store},
    words::format_time,
};

async fn all_users(store: &Store, me: i64) -> anyhow::Result<Vec<StaffUserRow>> {
    let rows = store.staff_users().await?;
    let now = now_ms();
    Ok(rows
        .into_iter()
        .map(|u| StaffUserRow {
            id: u.id,
            email: u.email,
            role: u.role,
            created: format_time(u.created_at, TZ),
            disabled: u.disabled_at.is_some(),
            locked_until: u
                .locked_until
                .filter(|l| *l > now)
                .map(|l| format_time(l, TZ)),
            me: u.id == me,
        })
        .collect())
}

async fn render_users(
    state: &AppState,
    user: &StaffUser,
    status: StatusCode,
    new_password: Option<NewPassword>,
    email_draft: String,
    flash: Option<Flash>,
) -> Response {
    let users = match all_users(&state.store, user.id).await {
        Ok(u) => u,
        Err(e) => return server_error(format!("{e:#}")),
    };
    page(
        state,
        status,
        "Staff users",
        Some(nav(user, "/staff/admin/users")),
        move || view! { <AdminUsers users new_password email_draft flash/> }.into_any(),
    )
}

pub(super) async fn users_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    Query(q): Query<FlashQuery>,
) -> Response {
    render_users(
        &state,
        &user,
        StatusCode::OK,
        None,
        String::new(),
        flash_message(q.flash.as_deref()),
    )
    .await
}

/// `POST /staff/admin/users`: a new staff user with a generated password, shown once.
pub(super) async fn create_user(
    State(state): State<AppState>,
    Admin(user): Admin,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let raw = form.text("email");
    let fail = |m: String| {
        let state = state.clone();
        let user = user.clone();
        let raw = raw.clone();
        async move {
            render_users(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                raw,
                Some(Flash::Error(m)),
            )
            .await
        }
    };
    let email = match Email::parse(&raw) {
        Ok(e) => e,
        Err(e) => return fail(format!("{e}.")).await,
    };
    let role = match Role::parse(&form.text("role")) {
        Ok(r) => r,
        Err(e) => return fail(format!("{e}.")).await,
    };
    let password = users::generate_password();
    let hash = match users::hash_password(password.clone()).await {
        Ok(h) => h,
        Err(e) => return server_error(format!("{e:#}")),
    };
    match state.store.create_staff_user(&email, role, &hash).await {
        Ok(id) => {
            tracing::info!(staff_id = user.id, new_staff_id = id, "staff user created");
            let new_password = Some(NewPassword {
                email: email.as_str().to_owned(),
                password,
            });
            render_users(
                &state,
                &user,
                StatusCode::OK,
                new_password,
                String::new(),
                None,
            )
            .await
        }
        Err(e) => fail(format!("{e}.")).await,
    }
}

/// `POST /staff/admin/users/{id}/disable`: disable (ends their sessions) or enable again.
pub(super) async fn disable_user(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let disable = form.text("disabled") != "off";
    if id == user.id && disable {
        return render_users(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            String::new(),
            Some(Flash::Error("You can’t disable yourself.".into())),
        )
        .await;
    }
    match state.store.set_staff_disabled(id, disable).await {
        Ok(true) => {
            tracing::info!(
                staff_id = user.id,
                target = id,
                disable,
                "staff user disabled or enabled"
            );
            see_other(if disable {
                "/staff/admin/users?flash=disabled"
            } else {
                "/staff/admin/users?flash=enabled"
            })
        }
        Ok(false) => problem(
            &state,
            StatusCode::NOT_FOUND,
            &user,
            "No such staff user",
            "That staff user does not exist.",
        ),
        Err(e) => server_error(format!("{e:#}")),
    }
}
