//! `/staff` and `/staff/contacts/{ref}`: find a contact, see everything about them, change any
//! setting on their behalf with a reason, resolve a disputed address.

use anyhow::Context;
use app::{
    domain::{
        Actor, AddressKind, Channel, ChannelSet, Email, Frequency, Locale, ParseError, PauseUntil,
        QuietHours, TimeZoneName, TopicKey, WeeklyCap,
    },
    pages::staff::{
        contacts::{
            ContactHit, ContactSearch, DetailsDraft, StaffContact, StaffContactView, StaffDispute,
            StaffGlobal, StaffLedgerEntry, StaffSend, StaffTopicPref,
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
use serde_json::json;

use super::{
    flash_message, nav, page, problem, see_other, server_error, FlashQuery, FormFields, Staff,
    StaffUser,
};
use crate::{
    customer::{describe, FieldChangeIn},
    links::{LinkKind, LinkSubject},
    mail::{html_escape, OutgoingMail},
    state::AppState,
    store::{apply_change, now_ms, ChangeError, ChangeOp, ChangeRequest, FieldChange, Store},
    words::format_time,
};

/// Contacts per search page.
const PAGE_SIZE: i64 = 20;
/// Ledger rows and sends shown on a contact's page.
const RECENT: i64 = 50;
/// The longest reason accepted.
pub const MAX_REASON: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(search))
        .route("/staff/contacts/{reference}", get(contact_page))
        .route(
            "/staff/contacts/{reference}/topics/{key}",
            post(change_topic),
        )
        .route("/staff/contacts/{reference}/global", post(change_global))
        .route("/staff/contacts/{reference}/details", post(change_details))
        .route(
            "/staff/contacts/{reference}/disputes/{kind}",
            post(resolve_dispute),
        )
}

/// `/staff/contacts/{ref}`, with the ref percent-encoded (a ref may hold `/`, `?` or `#`).
pub fn contact_url(reference: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(reference.as_bytes()).collect();
    format!("/staff/contacts/{encoded}")
}

#[derive(serde::Deserialize)]
struct SearchQuery {
    q: Option<String>,
    page: Option<i64>,
    flash: Option<String>,
}

/// `%term%` for LIKE, with the wildcards in the term escaped.
fn like_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// `GET /staff?q=&page=`: partial match on ref, email or phone.
async fn search(
    State(state): State<AppState>,
    Staff(user): Staff,
    Query(query): Query<SearchQuery>,
) -> Response {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let page_no = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut hits = Vec::new();
    let mut more = false;
    if !q.is_empty() {
        let text = like_pattern(&q.to_lowercase());
        // Phone numbers are stored in E.164: match the digits whatever spacing was typed.
        let digits: String = q
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let phone = if digits.is_empty() {
            None
        } else {
            Some(like_pattern(&digits))
        };
        let rows = state
            .store
            .search_contacts(
                &text,
                phone.as_deref(),
                PAGE_SIZE + 1,
                (page_no - 1) * PAGE_SIZE,
            )
            .await;
        let rows = match rows {
            Ok(r) => r,
            Err(e) => return server_error(e),
        };
        more = rows.len() as i64 > PAGE_SIZE;
        for r in rows.into_iter().take(PAGE_SIZE as usize) {
            hits.push(ContactHit {
                url: contact_url(&r.reference),
                reference: r.reference,
                email: r.email,
                phone: r.phone,
            });
        }
    }
    let page_url = |n: i64| {
        let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        format!("/staff?q={q}&page={n}")
    };
    let prev_url = (page_no > 1).then(|| page_url(page_no - 1));
    let next_url = more.then(|| page_url(page_no + 1));
    let flash = flash_message(query.flash.as_deref());
    let disputed = match open_disputes(&state.store).await {
        Ok(d) => d,
        Err(e) => return server_error(format!("{e:#}")),
    };
    page(
        StatusCode::OK,
        "Find a contact",
        Some(nav(&user, "/staff")),
        move || {
            view! { <ContactSearch q hits page=page_no prev_url next_url disputed flash/> }
                .into_any()
        },
    )
}

/// Contacts with an open "not me" report (the disputed address only), oldest report first.
async fn open_disputes(store: &Store) -> anyhow::Result<Vec<ContactHit>> {
    Ok(store
        .open_disputes(None, 50)
        .await?
        .into_iter()
        .map(|d| {
            let (email, phone) = if d.kind == "email" {
                (Some(d.address), None)
            } else {
                (None, Some(d.address))
            };
            ContactHit {
                url: contact_url(&d.reference),
                reference: d.reference,
                email,
                phone,
            }
        })
        .collect())
}

/// The contact's id and time zone by ref.
async fn find_contact(store: &Store, reference: &str) -> anyhow::Result<Option<(i64, String)>> {
    store.contact_id_and_zone(reference).await
}

/// Everything the contact page shows.
pub async fn load_contact(store: &Store, contact_id: i64) -> anyhow::Result<StaffContactView> {
    let c = store
        .contact_view(contact_id)
        .await?
        .context("the contact was erased")?;
    let reference = c.reference.clone();
    let tz = c.time_zone.clone();
    let g = &c.global;
    let global = StaffGlobal {
        unsubscribed_all: g.unsubscribed_all,
        opt_outs: Channel::ALL
            .iter()
            .map(|ch| (*ch, g.channel_opt_outs.contains(*ch)))
            .collect(),
        paused_until: g
            .paused_until
            .filter(|p| *p > now_ms())
            .map(|p| format_time(p, &tz)),
        quiet_start: g.quiet_hours.as_ref().map(|q| q.0.clone()),
        quiet_end: g.quiet_hours.as_ref().map(|q| q.1.clone()),
        weekly_cap: g.weekly_cap,
    };

    let topics = store
        .list_topics()
        .await?
        .into_iter()
        .map(|t| {
            let p = c.preference(&t);
            StaffTopicPref {
                key: t.key.to_string(),
                name: t.name.clone(),
                required: t.kind == app::domain::TopicKind::Required,
                subscribed: p.subscribed,
                channels: t
                    .channels
                    .iter()
                    .map(|ch| (ch, p.channels.contains(ch)))
                    .collect(),
                frequency: p.frequency,
                info_only: p.info_only,
                stored: c.stored.contains_key(t.key.as_str()),
            }
        })
        .collect();

    let disputes = store
        .open_disputes(Some(contact_id), 10)
        .await?
        .into_iter()
        .map(|d| -> anyhow::Result<StaffDispute> {
            Ok(StaffDispute {
                kind: AddressKind::parse(&d.kind)?,
                address: d.address,
                disputed_at: format_time(d.disputed_at, &tz),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let names = store.topic_names().await?;
    let rows = store.ledger_page(contact_id, i64::MAX, RECENT).await?;
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let mut receipts = super::hooks::receipts(store, &seqs, &tz).await?;
    let mut ledger = Vec::new();
    for r in rows {
        let changes: Vec<FieldChangeIn> = serde_json::from_str(&r.changes)?;
        let by = match r.actor_kind.as_str() {
            "customer" => "The customer".to_owned(),
            "one_click" => "The customer, from a link in a message".to_owned(),
            "staff" => format!(
                "Staff: {}",
                r.staff_email.unwrap_or_else(|| "unknown".into())
            ),
            "sender" => format!(
                "Sender: {}",
                r.sender_name.unwrap_or_else(|| "unknown".into())
            ),
            _ => "Attune".to_owned(),
        };
        ledger.push(StaffLedgerEntry {
            seq: r.seq,
            when: format_time(r.occurred_at, &tz),
            by,
            reason: r.reason,
            items: describe(&changes, &names, &tz),
            receipts: receipts.remove(&r.seq).unwrap_or_default(),
        });
    }

    let sends = store
        .recent_sends(contact_id, RECENT)
        .await?
        .into_iter()
        .map(|r| StaffSend {
            when: format_time(r.sent_at, &tz),
            topic: r.topic,
            channel: r.channel,
            purpose: r.purpose,
            sender: r.sender.unwrap_or_else(|| "—".into()),
            message_id: r.message_id,
        })
        .collect();

    let details_form = DetailsDraft {
        email: c.email.clone().unwrap_or_default(),
        phone: c.phone.clone().unwrap_or_default(),
        locale: c.locale.clone(),
        time_zone: tz.clone(),
    };
    Ok(StaffContactView {
        details_form,
        url: contact_url(&reference),
        reference,
        email: c.email,
        email_verified: c.email_verified,
        phone: c.phone,
        phone_verified: c.phone_verified,
        locale: c.locale,
        time_zone: tz,
        version: c.version,
        global,
        topics,
        disputes,
        ledger,
        sends,
        reason_draft: String::new(),
        error_form: None,
    })
}

fn unknown_contact(user: &StaffUser) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        user,
        "No such contact",
        "There is no contact with this ref, or their data was erased.",
    )
}

fn render_contact(
    status: StatusCode,
    user: &StaffUser,
    view: StaffContactView,
    flash: Option<Flash>,
) -> Response {
    let title = format!("Contact {}", view.reference);
    page(status, &title, Some(nav(user, "/staff")), move || {
        view! { <StaffContact view flash/> }.into_any()
    })
}

/// `GET /staff/contacts/{ref}`.
async fn contact_page(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(reference): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Response {
    let (id, _) = match find_contact(&state.store, &reference).await {
        Ok(Some(found)) => found,
        Ok(None) => return unknown_contact(&user),
        Err(e) => return server_error(format!("{e:#}")),
    };
    match load_contact(&state.store, id).await {
        Ok(view) => render_contact(
            StatusCode::OK,
            &user,
            view,
            flash_message(q.flash.as_deref()),
        ),
        Err(e) => server_error(format!("{e:#}")),
    }
}

/// The reason a staff change must carry (shown to the customer on `/history`).
pub fn parse_reason(raw: &str) -> Result<String, String> {
    let reason = raw.trim();
    if reason.is_empty() {
        Err("Give a reason: it is recorded with the change and shown to the customer.".into())
    } else if reason.chars().count() > MAX_REASON {
        Err(format!(
            "The reason is too long: at most {MAX_REASON} characters, please."
        ))
    } else {
        Ok(reason.to_owned())
    }
}

/// A failed form: the page again, with the error at the top and the input kept.
async fn refuse(
    state: &AppState,
    user: &StaffUser,
    contact_id: i64,
    form_id: String,
    form: &FormFields,
    message: String,
) -> Response {
    let mut view = match load_contact(&state.store, contact_id).await {
        Ok(v) => v,
        Err(e) => return server_error(format!("{e:#}")),
    };
    view.reason_draft = form.text("reason");
    if let Some(key) = form_id.strip_prefix("topic-") {
        if let Some(t) = view.topics.iter_mut().find(|t| t.key == key) {
            let chosen = form.all("channels");
            t.subscribed = t.required || form.checked("subscribed");
            for (c, on) in t.channels.iter_mut() {
                *on = chosen.iter().any(|x| x == c.as_str());
            }
            if let Ok(f) = Frequency::parse(&form.text("frequency")) {
                t.frequency = f;
            }
            t.info_only = form.checked("info_only");
        }
    } else if form_id == "details" {
        view.details_form = DetailsDraft {
            email: form.text("email"),
            phone: form.text("phone"),
            locale: form.text("locale"),
            time_zone: form.text("time_zone"),
        };
    } else if form_id == "global" {
        let chosen = form.all("opt_outs");
        view.global.unsubscribed_all = form.checked("unsubscribed_all");
        for (c, on) in view.global.opt_outs.iter_mut() {
            *on = chosen.iter().any(|x| x == c.as_str());
        }
        view.global.quiet_start = form.get("quiet_start").filter(|s| !s.is_empty());
        view.global.quiet_end = form.get("quiet_end").filter(|s| !s.is_empty());
    }
    view.error_form = Some(form_id);
    render_contact(
        StatusCode::UNPROCESSABLE_ENTITY,
        user,
        view,
        Some(Flash::Error(message)),
    )
}

/// Applies a staff change and, if something changed, emails the contact about it.
async fn apply_for_contact(
    state: &AppState,
    user: &StaffUser,
    contact_id: i64,
    reason: String,
    ops: Vec<ChangeOp>,
) -> Result<bool, ChangeError> {
    let req = ChangeRequest {
        contact_id,
        actor: Actor::Staff(user.id),
        reason: Some(reason.clone()),
        meta: Some(json!({"source": "staff console"})),
        ops,
    };
    match apply_change(&state.store, &req).await? {
        Some(committed) => {
            tracing::info!(
                staff_id = user.id,
                seq = committed.seq,
                "staff changed a contact's settings"
            );
            notify_contact_later(state.clone(), contact_id, committed.changes, reason);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The answer to a change form: back to the page with a flash, or the page with the error.
#[allow(clippy::too_many_arguments)]
async fn answer(
    state: &AppState,
    user: &StaffUser,
    reference: &str,
    contact_id: i64,
    form_id: String,
    form: &FormFields,
    ops: Result<Vec<ChangeOp>, String>,
    done: &str,
) -> Response {
    let reason = match parse_reason(&form.text("reason")) {
        Ok(r) => r,
        Err(m) => return refuse(state, user, contact_id, form_id, form, m).await,
    };
    let ops = match ops {
        Ok(ops) => ops,
        Err(m) => return refuse(state, user, contact_id, form_id, form, m).await,
    };
    match apply_for_contact(state, user, contact_id, reason, ops).await {
        Ok(changed) => {
            let flash = if changed { done } else { "unchanged" };
            see_other(&format!("{}?flash={flash}", contact_url(reference)))
        }
        Err(ChangeError::Database(e)) => server_error(e),
        Err(ChangeError::Internal(e)) => server_error(format!("{e:#}")),
        Err(ChangeError::UnknownContact) => unknown_contact(user),
        Err(e) => {
            let m = ParseError(e.to_string()).sentence();
            refuse(state, user, contact_id, form_id, form, m).await
        }
    }
}

/// `POST /staff/contacts/{ref}/topics/{key}`: one topic's preference.
async fn change_topic(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((reference, key)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let (contact_id, _) = match find_contact(&state.store, &reference).await {
        Ok(Some(found)) => found,
        Ok(None) => return unknown_contact(&user),
        Err(e) => return server_error(format!("{e:#}")),
    };
    let topic = match TopicKey::parse(&key) {
        Ok(k) => match state.store.topic(&k).await {
            Ok(t) => t.filter(|t| !t.archived),
            Err(e) => return server_error(format!("{e:#}")),
        },
        Err(_) => None,
    };
    let ops = (|| -> Result<Vec<ChangeOp>, String> {
        let topic = topic.ok_or_else(|| format!("There is no topic {key:?}."))?;
        let channels = form
            .all("channels")
            .iter()
            .map(|c| Channel::parse(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let frequency = Frequency::parse(&form.text("frequency")).map_err(|e| e.to_string())?;
        let key = topic.key.clone();
        let mut ops = Vec::new();
        // A required topic's form has no subscribed box: it can only be routed.
        if topic.kind != app::domain::TopicKind::Required {
            ops.push(ChangeOp::Subscribed {
                topic: key.clone(),
                subscribed: form.checked("subscribed"),
            });
        }
        ops.push(ChangeOp::Channels {
            topic: key.clone(),
            channels: ChannelSet::new(channels),
        });
        ops.push(ChangeOp::Frequency {
            topic: key.clone(),
            frequency,
        });
        ops.push(ChangeOp::InfoOnly {
            topic: key,
            info_only: form.checked("info_only"),
        });
        Ok(ops)
    })();
    answer(
        &state,
        &user,
        &reference,
        contact_id,
        format!("topic-{key}"),
        &form,
        ops,
        "saved",
    )
    .await
}

/// `POST /staff/contacts/{ref}/global`: global settings.
async fn change_global(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(reference): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let (contact_id, tz) = match find_contact(&state.store, &reference).await {
        Ok(Some(found)) => found,
        Ok(None) => return unknown_contact(&user),
        Err(e) => return server_error(format!("{e:#}")),
    };
    let ops = (|| -> Result<Vec<ChangeOp>, String> {
        let mut ops = vec![ChangeOp::UnsubscribedAll(form.checked("unsubscribed_all"))];
        let opt_outs = form
            .all("opt_outs")
            .iter()
            .map(|c| Channel::parse(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        ops.push(ChangeOp::ChannelOptOuts(ChannelSet::new(opt_outs)));
        match form.text("pause").as_str() {
            "keep" | "" => {}
            "none" => ops.push(ChangeOp::PausedUntil(None)),
            "until" => {
                let tz = jiff::tz::TimeZone::get(&tz).unwrap_or(jiff::tz::TimeZone::UTC);
                let until =
                    PauseUntil::parse_date(&form.text("pause_until"), &tz, jiff::Timestamp::now())
                        .map_err(|e| e.sentence())?;
                ops.push(ChangeOp::PausedUntil(Some(until)));
            }
            other => return Err(format!("Unknown pause choice {other:?}.")),
        }
        let (start, end) = (form.text("quiet_start"), form.text("quiet_end"));
        let quiet = match (start.is_empty(), end.is_empty()) {
            (true, true) => None,
            (false, false) => Some(QuietHours::parse(&start, &end).map_err(|e| e.sentence())?),
            _ => return Err("Give both times for quiet hours, or neither.".into()),
        };
        ops.push(ChangeOp::QuietHours(quiet));
        let cap = form.text("weekly_cap");
        let cap = if cap.trim().is_empty() {
            None
        } else {
            Some(WeeklyCap::parse(&cap).map_err(|e| e.sentence())?)
        };
        ops.push(ChangeOp::WeeklyCap(cap));
        Ok(ops)
    })();
    answer(
        &state,
        &user,
        &reference,
        contact_id,
        "global".into(),
        &form,
        ops,
        "saved",
    )
    .await
}

/// `POST /staff/contacts/{ref}/details`: email, phone, language, time zone. A new address is
/// unverified; an erased (suppressed) one is never added again.
async fn change_details(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(reference): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let current = match state.store.contact_id_and_zone(&reference).await {
        Ok(Some((id, _))) => state.store.contact_view(id).await,
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    let (contact_id, cur_email, cur_phone) = match current {
        Ok(Some(c)) => (c.id, c.email, c.phone),
        Ok(None) => return unknown_contact(&user),
        Err(e) => return server_error(format!("{e:#}")),
    };
    let mut ops = Vec::new();
    let mut problem = None;
    let email = form.text("email");
    if email.is_empty() {
        if cur_email.is_some() {
            ops.push(ChangeOp::Email {
                email: None,
                verified: false,
            });
        }
    } else {
        match Email::parse(&email) {
            Err(e) => problem = Some(e.sentence()),
            Ok(e)
                if cur_email.as_deref().map(str::to_lowercase)
                    != Some(e.as_str().to_lowercase()) =>
            {
                ops.push(ChangeOp::Email {
                    email: Some(e),
                    verified: false,
                })
            }
            Ok(_) => {}
        }
    }
    let phone = form.text("phone");
    if phone.is_empty() {
        if cur_phone.is_some() {
            ops.push(ChangeOp::Phone {
                phone: None,
                verified: false,
            });
        }
    } else {
        match app::domain::Phone::parse(&phone) {
            Err(e) => problem = Some(e.sentence()),
            Ok(p) if cur_phone.as_deref() != Some(p.as_str()) => ops.push(ChangeOp::Phone {
                phone: Some(p),
                verified: false,
            }),
            Ok(_) => {}
        }
    }
    match (
        Locale::parse(&form.text("locale")),
        TimeZoneName::parse(&form.text("time_zone")),
    ) {
        (Ok(locale), Ok(tz)) => {
            ops.push(ChangeOp::Locale(locale));
            ops.push(ChangeOp::TimeZone(tz));
        }
        (Err(e), _) | (_, Err(e)) => problem = problem.or(Some(e.sentence())),
    }
    let ops = match problem {
        Some(p) => Err(p),
        None => Ok(ops),
    };
    answer(
        &state,
        &user,
        &reference,
        contact_id,
        "details".into(),
        &form,
        ops,
        "saved",
    )
    .await
}

/// `POST /staff/contacts/{ref}/disputes/{kind}`: confirm or replace a disputed address.
async fn resolve_dispute(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((reference, kind)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let form = FormFields::parse(&body);
    let (contact_id, _) = match find_contact(&state.store, &reference).await {
        Ok(Some(found)) => found,
        Ok(None) => return unknown_contact(&user),
        Err(e) => return server_error(format!("{e:#}")),
    };
    let ops = (|| -> Result<Vec<ChangeOp>, String> {
        let kind = AddressKind::parse(&kind).map_err(|e| e.to_string())?;
        let replacement = match form.text("resolution").as_str() {
            "confirm" => None,
            "replace" => {
                let new = form.text("replacement");
                if new.is_empty() {
                    return Err("Enter the new address to replace the reported one.".into());
                }
                Some(new)
            }
            _ => return Err("Choose whether to confirm or replace the address.".into()),
        };
        Ok(vec![ChangeOp::ResolveDispute { kind, replacement }])
    })();
    answer(
        &state,
        &user,
        &reference,
        contact_id,
        format!("dispute-{kind}"),
        &form,
        ops,
        "resolved",
    )
    .await
}

/// Emails the contact "we changed this for you" with what changed, the reason, and links to
/// review (and undo on) their preference page. In the background: the answer to staff does not
/// wait for mail. Nothing is sent to a disputed or missing address.
fn notify_contact_later(
    state: AppState,
    contact_id: i64,
    changes: Vec<FieldChange>,
    reason: String,
) {
    tokio::spawn(async move {
        let result = async {
            // The current address, unless it is disputed (nothing is sent to a disputed address).
            let Some(contact) = state.store.contact_view(contact_id).await? else {
                return anyhow::Ok(());
            };
            let email = contact.mailable_email().map(str::to_owned);
            let tz = contact.time_zone.clone();
            // A replaced address hears of it too (it may be the real owner's) — unless it was
            // replaced because it was reported as someone else's.
            let was_disputed = changes.iter().any(|c| c.field == "disputed.email");
            let previous = changes
                .iter()
                .find(|c| c.field == "contact.email" && !was_disputed)
                .and_then(|c| c.from.as_str().map(str::to_owned));
            let mut recipients: Vec<Email> = Vec::new();
            for e in [email, previous].into_iter().flatten() {
                if let Ok(e) = Email::parse(&e) {
                    if !recipients
                        .iter()
                        .any(|r| r.as_str().eq_ignore_ascii_case(e.as_str()))
                    {
                        recipients.push(e);
                    }
                }
            }
            if recipients.is_empty() {
                return anyhow::Ok(());
            }
            let names = state.store.topic_names().await?;
            let changes: Vec<FieldChangeIn> = changes.iter().map(FieldChangeIn::from).collect();
            let items = describe(&changes, &names, &tz);
            let review = state.links.url(
                LinkKind::Preferences,
                &LinkSubject {
                    contact_id,
                    topic_id: 0,
                    channel: Some("email"),
                    purpose: None,
                },
            );
            for to in recipients {
                state
                    .mailer
                    .send(changed_for_you_mail(to, &items, &reason, &review))
                    .await?;
            }
            anyhow::Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = %format!("{e:#}"), "could not email a contact about a staff change");
        }
    });
}

/// The "we changed this for you" message.
pub fn changed_for_you_mail(
    to: Email,
    items: &[String],
    reason: &str,
    review: &str,
) -> OutgoingMail {
    let list: String = items.iter().map(|i| format!("- {i}\n")).collect();
    let text = format!(
        "Hello,\n\nOur staff changed your message preferences for you:\n\n{list}\n\
         Reason given: {reason}\n\n\
         Review your preferences: {review}\n\n\
         Undo: if this is not what you wanted, open the same page and change it back — it takes \
         effect at once: {review}\n"
    );
    let list_html: String = items
        .iter()
        .map(|i| format!("<li>{}</li>", html_escape(i)))
        .collect();
    let r = html_escape(review);
    let html = format!(
        "<p>Hello,</p><p>Our staff changed your message preferences for you:</p><ul>{list_html}</ul>\
         <p>Reason given: {}</p>\
         <p><a href=\"{r}\">Review your preferences</a></p>\
         <p><a href=\"{r}\">Undo</a>: if this is not what you wanted, change it back on your \
         preference page; it takes effect at once.</p>",
        html_escape(reason)
    );
    OutgoingMail {
        to,
        subject: "We changed your message preferences for you".into(),
        text,
        html,
    }
}
