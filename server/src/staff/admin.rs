//! `/staff/admin/*`, for admins only (the [`Admin`] extractor answers agents with 403): topics,
//! senders and their API keys, webhook endpoints, staff users.

use app::{
    domain::{Channel, ChannelSet, Email, Frequency, TopicKey, TopicKind},
    pages::staff::{
        admin::{
            AdminEndpoints, AdminSenders, AdminTopics, AdminUsers, EndpointRow, KeyRow, NewKey,
            NewPassword, SenderRow, StaffUserRow, TopicRow,
        },
        Flash,
    },
};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use leptos::prelude::*;

use super::{
    flash_message, nav, page, problem, see_other, server_error, users, Admin, FlashQuery,
    FormFields, Role, StaffUser,
};
use crate::{
    state::AppState,
    store::{
        now_ms,
        topics::{Topic, TopicSpec},
        webhooks::Replay,
        Store,
    },
    words::format_time,
};

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

// ---- Topics ----

/// A topic form's values, parsed: key, kind, channels, default frequency, position.
type ParsedTopic = (TopicKey, TopicKind, ChannelSet, Frequency, i64);

fn topic_row(t: Topic) -> TopicRow {
    TopicRow {
        key: t.key.to_string(),
        name: t.name,
        description: t.description,
        required: t.kind == TopicKind::Required,
        channels: t.channels.iter().collect(),
        default_subscribed: t.default_subscribed,
        default_frequency: Some(t.default_frequency),
        position: t.position,
        archived: t.archived,
    }
}

async fn all_topics(store: &Store) -> anyhow::Result<Vec<TopicRow>> {
    Ok(store
        .all_topics()
        .await?
        .into_iter()
        .map(topic_row)
        .collect())
}

async fn render_topics(
    state: &AppState,
    user: &StaffUser,
    status: StatusCode,
    draft: TopicRow,
    flash: Option<Flash>,
) -> Response {
    let topics = match all_topics(&state.store).await {
        Ok(t) => t,
        Err(e) => return server_error(format!("{e:#}")),
    };
    page(
        status,
        "Topics",
        Some(nav(user, "/staff/admin/topics")),
        move || view! { <AdminTopics topics draft flash/> }.into_any(),
    )
}

async fn topics_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    Query(q): Query<FlashQuery>,
) -> Response {
    let draft = TopicRow {
        default_frequency: Some(Frequency::Immediate),
        channels: vec![Channel::Email],
        ..Default::default()
    };
    render_topics(
        &state,
        &user,
        StatusCode::OK,
        draft,
        flash_message(q.flash.as_deref()),
    )
    .await
}

/// A valid topic form as the store takes it.
fn topic_spec(
    row: &TopicRow,
    key: TopicKey,
    kind: TopicKind,
    channels: ChannelSet,
    frequency: Frequency,
) -> TopicSpec {
    TopicSpec {
        key,
        name: row.name.clone(),
        description: row.description.clone(),
        kind,
        channels,
        default_subscribed: row.default_subscribed,
        default_frequency: frequency,
    }
}

/// The topic form, as typed (kept on error) and, if valid, parsed.
fn parse_topic(form: &FormFields) -> (TopicRow, Result<ParsedTopic, String>) {
    let channels: Vec<Channel> = form
        .all("channels")
        .iter()
        .filter_map(|c| Channel::parse(c).ok())
        .collect();
    let required = form.text("kind") == "required";
    let frequency = Frequency::parse(&form.text("default_frequency")).ok();
    let position = form.text("position");
    let row = TopicRow {
        key: form.text("key"),
        name: form.text("name"),
        description: form.text("description"),
        required,
        channels: channels.clone(),
        default_subscribed: form.checked("default_subscribed"),
        default_frequency: frequency,
        position: position.parse().unwrap_or(0),
        archived: false,
    };
    let parsed = (|| {
        let key = TopicKey::parse(&row.key).map_err(|e| format!("The {e}."))?;
        if row.name.is_empty() || row.name.chars().count() > 100 {
            return Err("Give the topic a name of 1–100 characters.".to_owned());
        }
        if row.description.chars().count() > 500 {
            return Err("The description is too long: at most 500 characters.".to_owned());
        }
        if channels.is_empty() {
            return Err("Choose at least one channel.".to_owned());
        }
        let kind = TopicKind::parse(&form.text("kind")).map_err(|e| e.to_string())?;
        let frequency = frequency.ok_or("Choose a default frequency.")?;
        let position = if position.is_empty() {
            0
        } else {
            position
                .parse::<i64>()
                .map_err(|_| format!("The order {position:?} is not a whole number."))?
        };
        Ok((
            key,
            kind,
            ChannelSet::new(channels.clone()),
            frequency,
            position,
        ))
    })();
    (row, parsed)
}

/// `POST /staff/admin/topics`: a new topic.
async fn create_topic(State(state): State<AppState>, Admin(user): Admin, body: Bytes) -> Response {
    let form = FormFields::parse(&body);
    let (row, parsed) = parse_topic(&form);
    let (key, kind, channels, frequency, position) = match parsed {
        Ok(p) => p,
        Err(m) => {
            return render_topics(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                row,
                Some(Flash::Error(m)),
            )
            .await
        }
    };
    let spec = topic_spec(&row, key.clone(), kind, channels, frequency);
    match state.store.create_topic(&spec, position).await {
        Ok(Some(_)) => {
            tracing::info!(staff_id = user.id, topic = %key, "topic created");
            see_other("/staff/admin/topics?flash=created")
        }
        Ok(None) => {
            let m = format!("A topic with the key {key} already exists.");
            render_topics(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                row,
                Some(Flash::Error(m)),
            )
            .await
        }
        Err(e) => server_error(e),
    }
}

/// `POST /staff/admin/topics/{key}`: edit a topic (its key stays).
async fn update_topic(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let mut form = FormFields::parse(&body);
    // The key comes from the URL: it can't be changed.
    form.set("key", &key);
    let (row, parsed) = parse_topic(&form);
    let (key, kind, channels, frequency, position) = match parsed {
        Ok(p) => p,
        Err(m) => {
            let draft = TopicRow {
                default_frequency: Some(Frequency::Immediate),
                channels: vec![Channel::Email],
                ..Default::default()
            };
            let m = format!("{} was not saved: {m}", row.key);
            return render_topics(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                draft,
                Some(Flash::Error(m)),
            )
            .await;
        }
    };
    let spec = topic_spec(&row, key.clone(), kind, channels, frequency);
    match state.store.update_topic(&spec, position).await {
        Ok(false) => super::problem(
            StatusCode::NOT_FOUND,
            &user,
            "No such topic",
            "That topic does not exist.",
        ),
        Ok(true) => {
            tracing::info!(staff_id = user.id, topic = %key, "topic updated");
            see_other("/staff/admin/topics?flash=updated")
        }
        Err(e) => server_error(e),
    }
}

/// `POST /staff/admin/topics/{key}/archive`: archive (or restore) a topic. Customers' pages and
/// this instance's decisions stop seeing it at once; other instances within their topic cache's
/// few seconds.
async fn archive_topic(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let archive = form.text("archived") != "off";
    match state.store.set_topic_archived(&key, archive).await {
        Ok(false) => super::problem(
            StatusCode::NOT_FOUND,
            &user,
            "No such topic",
            "That topic does not exist.",
        ),
        Ok(_) => {
            tracing::info!(staff_id = user.id, topic = %key, archive, "topic archived or restored");
            see_other(if archive {
                "/staff/admin/topics?flash=archived"
            } else {
                "/staff/admin/topics?flash=restored"
            })
        }
        Err(e) => server_error(e),
    }
}

// ---- Senders ----

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
        status,
        "Senders",
        Some(nav(user, "/staff/admin/senders")),
        move || view! { <AdminSenders senders new_key name_draft flash/> }.into_any(),
    )
}

async fn senders_page(
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
async fn create_key(State(state): State<AppState>, Admin(user): Admin, body: Bytes) -> Response {
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
async fn revoke_key(State(state): State<AppState>, Admin(user): Admin, body: Bytes) -> Response {
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

// ---- Webhook endpoints ----

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
        status,
        "Webhook endpoints",
        Some(nav(user, "/staff/admin/endpoints")),
        move || view! { <AdminEndpoints endpoints flash/> }.into_any(),
    )
}

async fn endpoints_page(
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
async fn replay(
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
        Ok(Replay::UnknownEndpoint) => problem(
            StatusCode::NOT_FOUND,
            &user,
            "No such endpoint",
            "That webhook endpoint doesn’t exist; it may have been deleted.",
        ),
        Err(e) => server_error(format!("{e:#}")),
    }
}

// ---- Staff users ----

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
        status,
        "Staff users",
        Some(nav(user, "/staff/admin/users")),
        move || view! { <AdminUsers users new_password email_draft flash/> }.into_any(),
    )
}

async fn users_page(
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
async fn create_user(State(state): State<AppState>, Admin(user): Admin, body: Bytes) -> Response {
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
async fn disable_user(
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
        Ok(false) => super::problem(
            StatusCode::NOT_FOUND,
            &user,
            "No such staff user",
            "That staff user does not exist.",
        ),
        Err(e) => server_error(format!("{e:#}")),
    }
}
