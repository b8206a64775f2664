//! What the customer's pages show: the preference page's view of a contact, and the download of
//! everything held about them.

use app::{
    api::{
        types::{ChannelChoice, ContactView, GlobalView, PreferencesView, TopicPrefView},
        AppError,
    },
    backend::Backend,
    domain::{AddressKind, Channel, TopicKind},
    i18n::Lang,
    pages::topic::topic_summary,
    tr,
};
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use super::CustomerBackend;
use crate::{
    state::AppState,
    store::{contact_view::ContactSnapshot, topics::Topic, FieldChange, Store},
    words::describe,
};

/// Time zones offered on the preference page (the contact's own is always added).
const TIME_ZONES: &[&str] = &[
    "UTC",
    "America/St_Johns",
    "America/Halifax",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Berlin",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Manila",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Auckland",
];

/// Everything the preference page shows, for one contact.
pub async fn load_preferences(
    store: &Store,
    contact_id: i64,
    saved: Option<i64>,
    lang: &Lang,
) -> anyhow::Result<PreferencesView> {
    let snapshot = store
        .contact_view(contact_id)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    preferences_view(store, snapshot, saved, lang).await
}

/// The preference page's view of a contact snapshot, its words in `lang`.
pub(crate) async fn preferences_view(
    store: &Store,
    c: ContactSnapshot,
    saved: Option<i64>,
    lang: &Lang,
) -> anyhow::Result<PreferencesView> {
    let tz = c.time_zone.to_string();
    let disputed = c.disputed.clone();
    let global = global_view(&c, &tz, lang);
    let topics = store.cached_topics().await?;
    let topic_views = topics.iter().map(|t| topic_view(&c, t, lang)).collect();
    let saved = saved_words(store, c.id, saved, &tz, lang).await?;
    let mut time_zones: Vec<String> = TIME_ZONES.iter().map(|s| s.to_string()).collect();
    if !time_zones.contains(&tz) {
        time_zones.insert(0, tz.clone());
    }
    Ok(PreferencesView {
        contact: ContactView {
            email: c.email.clone(),
            email_verified: c.email_verified,
            pending_email: store.pending_email(c.id).await?,
            phone: c.phone.clone(),
            locale: c.locale.to_string(),
            time_zone: tz,
            disputed,
        },
        global,
        topics: topic_views,
        saved,
        time_zones,
    })
}

/// The settings that hold across topics, times written in the contact's zone `tz`.
fn global_view(c: &ContactSnapshot, tz: &str, lang: &Lang) -> GlobalView {
    let g = &c.global;
    GlobalView {
        unsubscribed_all: g.unsubscribed_all,
        never_call: g.channel_opt_outs.contains(Channel::Voice),
        never_text: g.channel_opt_outs.contains(Channel::Sms),
        paused_until: g.pause_in_force().map(|p| lang.date_time(p, tz)),
        quiet_start: g.quiet_hours.as_ref().map(|q| q.start.clone()),
        quiet_end: g.quiet_hours.as_ref().map(|q| q.end.clone()),
    }
}

/// One topic as the page shows it: the contact's choice (stored, else the topic's defaults).
fn topic_view(c: &ContactSnapshot, t: &Topic, lang: &Lang) -> TopicPrefView {
    let p = c.preference(t);
    let chosen = p.channels;
    let mut view = TopicPrefView {
        key: t.key.to_string(),
        name: t.name.clone(),
        description: t.description.clone(),
        required: t.kind == TopicKind::Required,
        subscribed: p.subscribed,
        frequency: p.frequency,
        info_only: p.info_only,
        channels: t
            .channels
            .iter()
            .map(|ch| channel_choice(c, ch, chosen.contains(ch), lang))
            .collect(),
        summary: String::new(),
    };
    view.summary = topic_summary(lang, &view);
    view
}

/// One channel of a topic; one the contact has no usable address for says why.
fn channel_choice(c: &ContactSnapshot, ch: Channel, chosen: bool, lang: &Lang) -> ChannelChoice {
    let available = has_address(c, ch);
    let note = (!available).then(|| match ch.address_kind() {
        AddressKind::Email if c.disputed.contains(&AddressKind::Email) => {
            tr!(lang, "topic-note-email-disputed")
        }
        AddressKind::Phone if c.disputed.contains(&AddressKind::Phone) => {
            tr!(lang, "topic-note-phone-disputed")
        }
        AddressKind::Email => tr!(lang, "topic-note-no-email"),
        AddressKind::Phone => tr!(lang, "topic-note-no-phone"),
        AddressKind::Push => tr!(lang, "topic-note-no-push"),
    });
    let label = lang.channel_label(ch);
    ChannelChoice {
        channel: ch,
        label,
        chosen,
        available,
        note,
    }
}

/// Whether the contact has an address for `ch` that is not reported as someone else's.
fn has_address(c: &ContactSnapshot, ch: Channel) -> bool {
    match ch.address_kind() {
        AddressKind::Email => c.email.is_some() && !c.is_disputed(AddressKind::Email),
        AddressKind::Phone => c.phone.is_some() && !c.is_disputed(AddressKind::Phone),
        AddressKind::Push => false,
    }
}

/// What the save `saved` changed, in words: none for `Some(0)` (a save that changed nothing),
/// `None` when there was no save or its ledger row is not the contact's.
async fn saved_words(
    store: &Store,
    contact_id: i64,
    saved: Option<i64>,
    tz: &str,
    lang: &Lang,
) -> anyhow::Result<Option<Vec<String>>> {
    Ok(match saved {
        Some(0) => Some(Vec::new()),
        Some(seq) => match store.ledger_changes(contact_id, seq).await? {
            Some(json) => {
                let changes: Vec<FieldChange> = serde_json::from_str(&json)?;
                Some(describe(&changes, &store.topic_names().await?, tz, lang))
            }
            None => None,
        },
        None => None,
    })
}

/// `GET /preferences/export`: everything held about the signed-in contact, as a JSON download.
pub async fn export(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let backend = CustomerBackend {
        state: state.clone(),
    };
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    let contact = match backend.session_contact(cookie).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return (
                StatusCode::UNAUTHORIZED,
                "Please sign in to download your data.\n",
            )
                .into_response()
        }
        Err(_) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.\n").into_response()
        }
    };
    match export_contact(&state.store, contact.0).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"attune-my-data.json\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::to_string_pretty(&body).unwrap_or_default(),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "export failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.\n").into_response()
        }
    }
}

/// Everything held about a contact: details, settings, preferences, and the whole ledger.
pub async fn export_contact(store: &Store, contact_id: i64) -> anyhow::Result<Value> {
    let snapshot = store
        .contact_view(contact_id)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    let reference = snapshot.reference.clone();
    let view = preferences_view(store, snapshot, None, &Lang::english()).await?;
    let mut rows = store.ledger_page(contact_id, i64::MAX, i64::MAX).await?;
    rows.reverse();
    let ledger = rows
        .into_iter()
        .map(|r| -> anyhow::Result<Value> {
            Ok(json!({
                "seq": r.seq,
                "version": r.version,
                "type": r.event_type,
                "actor": {"kind": r.actor_kind, "id": r.actor_id},
                "reason": r.reason,
                "changes": serde_json::from_str::<Value>(&r.changes)?,
                "occurred_at": jiff::Timestamp::from_millisecond(r.occurred_at)?.to_string(),
            }))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(json!({
        "ref": reference,
        "contact": view.contact,
        "global": view.global,
        "preferences": view.topics,
        "ledger": ledger,
    }))
}
