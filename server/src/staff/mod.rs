//! The staff console (DESIGN §5, issue 7): `/staff/…`, plain server-rendered pages with forms
//! that post back. Agents find contacts and change settings on their behalf with a reason;
//! admins also manage topics, senders, webhook endpoints and staff users.
//!
//! Every state change is a POST, so the site-wide same-origin check
//! ([`crate::http::security::refuse_cross_site`]) guards it; role checks happen here, on the
//! server, for every admin handler.

pub mod admin;
pub mod contacts;
mod hooks;
pub mod users;

use app::pages::staff::{
    render_staff_document, Flash, StaffForbidden, StaffLogin, StaffNav, StaffProblem,
};
use axum::{
    body::Bytes,
    extract::{FromRequestParts, Query, State},
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use leptos::prelude::*;

use crate::state::AppState;
pub use users::{Login, Role, StaffUser};

/// Every `/staff` route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/login", get(login_page).post(login_post))
        .route("/staff/logout", post(logout))
        .merge(contacts::router())
        .merge(admin::router())
}

/// The staff cookie's name: `__Host-` prefixed except on plain-http localhost, where browsers
/// refuse such cookies (as for the customer cookie).
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.is_plain_http_localhost() {
        "attune_staff"
    } else {
        "__Host-attune_staff"
    }
}

fn session_cookie(state: &AppState, value: &str, max_age_ms: i64) -> String {
    cookie::Cookie::build((cookie_name(state), value.to_owned()))
        .http_only(true)
        .secure(!state.config.is_plain_http_localhost())
        .same_site(cookie::SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::milliseconds(max_age_ms))
        .build()
        .to_string()
}

fn session_id(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let header = headers.get(header::COOKIE)?.to_str().ok()?;
    cookie::Cookie::split_parse(header)
        .flatten()
        .find(|c| c.name() == cookie_name(state))
        .map(|c| c.value().to_owned())
}

/// A signed-in staff user (agent or admin). Without a live session: a redirect to sign-in.
pub struct Staff(pub StaffUser);

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(id) = session_id(state, &parts.headers) else {
            return Err(Redirect::to("/staff/login").into_response());
        };
        match state.store.staff_session(&id).await {
            Ok(Some(user)) => Ok(Staff(user)),
            Ok(None) => Err(Redirect::to("/staff/login").into_response()),
            Err(e) => Err(server_error(e)),
        }
    }
}

/// A signed-in admin. An agent gets a 403 page.
pub struct Admin(pub StaffUser);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Staff(user) = Staff::from_request_parts(parts, state).await?;
        if user.is_admin() {
            Ok(Admin(user))
        } else {
            let nav = nav(&user, "");
            Err(page(
                state,
                StatusCode::FORBIDDEN,
                "No access",
                Some(nav),
                || view! { <StaffForbidden/> }.into_any(),
            ))
        }
    }
}

/// The navigation for `user`, with `current` marked.
pub fn nav(user: &StaffUser, current: &'static str) -> StaffNav {
    StaffNav {
        email: user.email.clone(),
        admin: user.is_admin(),
        current,
    }
}

/// A console page, under the organisation's name: never cached, never indexed.
pub fn page(
    state: &AppState,
    status: StatusCode,
    title: &str,
    nav: Option<StaffNav>,
    body: impl FnOnce() -> AnyView,
) -> Response {
    let html = render_staff_document(&state.config.org_name, title, nav, body);
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        Html(html),
    )
        .into_response()
}

/// A problem page (unknown contact, bad request…).
pub fn problem(
    state: &AppState,
    status: StatusCode,
    user: &StaffUser,
    title: &str,
    message: &str,
) -> Response {
    let (t, m) = (title.to_owned(), message.to_owned());
    page(state, status, title, Some(nav(user, "")), move || {
        view! { <StaffProblem title=t message=m/> }.into_any()
    })
}

pub use crate::http::page_error::server_error;

/// A 303 back to a page after a successful POST, with a flash code the page turns into words.
pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// Fixed messages for the `flash` query parameter: free text in a URL could be used to show
/// staff misleading words, so only known codes are shown.
pub fn flash_message(code: Option<&str>) -> Option<Flash> {
    let m = match code? {
        "saved" => "Saved. The contact is emailed about the change.",
        "unchanged" => "Nothing changed: the contact already had these settings.",
        "resolved" => "The report is resolved and the address can be used again.",
        "created" => "Created.",
        "updated" => "Saved.",
        "archived" => "Archived: customers no longer see it and decisions no longer use it.",
        "restored" => "Restored.",
        "revoked" => "The key is revoked: it stops working at once.",
        "disabled" => "Disabled: their sessions ended.",
        "enabled" => "Enabled.",
        "replayed" => "Queued for delivery again.",
        "signed_out" => "You are signed out.",
        _ => return None,
    };
    Some(Flash::Notice(m.to_owned()))
}

pub use crate::http::form::FormFields;

#[derive(serde::Deserialize)]
pub struct FlashQuery {
    pub flash: Option<String>,
}

/// `GET /staff/login`.
async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<FlashQuery>,
) -> Response {
    // Already signed in: straight to the console.
    if let Some(id) = session_id(&state, &headers) {
        if let Ok(Some(_)) = state.store.staff_session(&id).await {
            return see_other("/staff");
        }
    }
    login_form(
        &state,
        StatusCode::OK,
        String::new(),
        flash_message(q.flash.as_deref()),
    )
}

fn login_form(
    state: &AppState,
    status: StatusCode,
    email: String,
    flash: Option<Flash>,
) -> Response {
    page(state, status, "Sign in", None, move || {
        view! { <StaffLogin email flash/> }.into_any()
    })
}

/// `POST /staff/login`: one generic answer for unknown address, wrong password and disabled
/// user; a new session id on success.
async fn login_post(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let email = form.text("email");
    let password = form.raw("password").unwrap_or_default();
    if email.is_empty() || password.is_empty() {
        return login_form(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            email,
            Some(Flash::Error(
                "Enter your email address and password.".into(),
            )),
        );
    }
    let ip = extensions
        .get::<crate::http::client_ip::ClientIp>()
        .map(|c| c.0);
    let outcome = match state
        .store
        .staff_login(
            &email,
            password,
            ip,
            state.config.sign_in_limit_per_ip,
            &state.password_checks,
        )
        .await
    {
        Ok(o) => o,
        Err(e) => return server_error(format!("{e:#}")),
    };
    login_answer(&state, email, outcome).await
}

/// The page for a sign-in's outcome. Every wait names its length in the page and in
/// `Retry-After`, in whole minutes, so two answers given a second apart read the same.
async fn login_answer(state: &AppState, email: String, outcome: Login) -> Response {
    let wait = |status: StatusCode, minutes: i64, text: String| {
        let mut res = login_form(state, status, email.clone(), Some(Flash::Error(text)));
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(minutes * 60));
        res
    };
    match outcome {
        Login::Ok(user) => {
            let id = match state.store.create_staff_session(user.id).await {
                Ok(id) => id,
                Err(e) => return server_error(format!("{e:#}")),
            };
            tracing::info!(staff_id = user.id, "staff user signed in");
            (
                [(
                    header::SET_COOKIE,
                    session_cookie(state, &id, users::STAFF_SESSION_TTL_MS),
                )],
                Redirect::to("/staff"),
            )
                .into_response()
        }
        Login::Invalid => login_form(
            state,
            StatusCode::UNAUTHORIZED,
            email,
            Some(Flash::Error(
                "That email address and password don’t match an active staff account.".into(),
            )),
        ),
        Login::Locked { until_ms } => {
            let minutes =
                (((until_ms - crate::store::now_ms()) as f64 / 60_000.0).ceil() as i64).max(1);
            wait(
                StatusCode::TOO_MANY_REQUESTS,
                minutes,
                format!(
                    "Too many failed attempts. Please wait {minutes} minute{} and try again.",
                    if minutes > 1 { "s" } else { "" }
                ),
            )
        }
        Login::Busy => {
            let mut res = login_form(
                state,
                StatusCode::SERVICE_UNAVAILABLE,
                email,
                Some(Flash::Error(
                    "Too many people are signing in right now. Please try again in a moment."
                        .into(),
                )),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
            res
        }
        Login::RateLimited => wait(
            StatusCode::TOO_MANY_REQUESTS,
            users::WINDOW_MS / 60_000,
            "Too many sign-in attempts. Please wait 15 minutes and try again.".into(),
        ),
    }
}

/// `POST /staff/logout`: ends the session and clears the cookie.
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&state, &headers) {
        if let Err(e) = state.store.delete_session(&id).await {
            return server_error(format!("{e:#}"));
        }
    }
    (
        [(header::SET_COOKIE, session_cookie(&state, "", 0))],
        Redirect::to("/staff/login?flash=signed_out"),
    )
        .into_response()
}
