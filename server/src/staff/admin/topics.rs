//! Topics: create, edit, archive and restore.

use app::{
    domain::{Channel, ChannelSet, Frequency, TopicKey, TopicKind},
    pages::staff::{
        admin::{AdminTopics, TopicRow},
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

use crate::staff::{
    flash_message, nav, page, problem, see_other, server_error, Admin, FlashQuery, FormFields,
    StaffUser,
};
use crate::{
    state::AppState,
    store::{
        topics::{Topic, TopicSpec},
        Store,
    },
};

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
        state,
        status,
        "Topics",
        Some(nav(user, "/staff/admin/topics")),
        move || view! { <AdminTopics topics draft flash/> }.into_any(),
    )
}

pub(super) async fn topics_page(
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
pub(super) async fn create_topic(
    State(state): State<AppState>,
    Admin(user): Admin,
    body: Bytes,
) -> Response {
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
pub(super) async fn update_topic(
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
        Ok(false) => problem(
            &state,
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
pub(super) async fn archive_topic(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let archive = form.text("archived") != "off";
    match state.store.set_topic_archived(&key, archive).await {
        Ok(false) => problem(
            &state,
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
