//! `/staff` and `/staff/contacts/{ref}`: find a contact and see everything about them. The
//! forms that change a contact on their behalf are `changes.rs`.

mod changes;

use changes::{change_details, change_global, change_topic, resolve_dispute};
pub use changes::{parse_reason, MAX_REASON};

use std::collections::HashMap;

use anyhow::Context;
use app::{
    domain::{AddressKind, Channel},
    pages::staff::{
        contacts::{
            ContactHit, ContactSearch, DetailsDraft, StaffContact, StaffContactView, StaffDispute,
            StaffGlobal, StaffLedgerEntry, StaffSend, StaffSharedRecord, StaffTopicPref,
        },
        Flash,
    },
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use leptos::prelude::*;

use super::{flash_message, nav, page, problem, FlashQuery, Staff, StaffUser};
use crate::http::page_error::{PageError, PageResult};
use crate::{
    state::AppState,
    store::{contact_view::ContactSnapshot, topics::Topic, Store},
    words::{format_time, ledger_line, Reader},
};

/// Contacts per search page.
const PAGE_SIZE: i64 = 20;
/// Ledger rows and sends shown on a contact's page.
const RECENT: i64 = 50;

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

/// `GET /staff?q=&page=`: partial match on ref, email or phone.
async fn search(
    State(state): State<AppState>,
    Staff(user): Staff,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let page_no = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut hits = Vec::new();
    let mut more = false;
    if !q.is_empty() {
        let text = q.to_lowercase();
        // Phone numbers are stored in E.164: match the digits whatever spacing was typed.
        let digits: String = q
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let phone = if digits.is_empty() {
            None
        } else {
            Some(digits)
        };
        let rows = state
            .store
            .search_contacts(
                &text,
                phone.as_deref(),
                PAGE_SIZE + 1,
                (page_no - 1) * PAGE_SIZE,
            )
            .await?;
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
    let disputed = open_disputes(&state.store).await?;
    Ok(page(
        &state,
        StatusCode::OK,
        "Find a contact",
        Some(nav(&user, "/staff")),
        move || {
            view! { <ContactSearch q hits page=page_no prev_url next_url disputed flash/> }
                .into_any()
        },
    ))
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

/// The contact's id and time zone by ref; for an unknown or erased ref, the "no such contact"
/// page.
async fn known_contact(
    state: &AppState,
    user: &StaffUser,
    reference: &str,
) -> Result<(i64, String), PageError> {
    state
        .store
        .contact_id_and_zone(reference)
        .await?
        .ok_or_else(|| PageError::Page(unknown_contact(state, user)))
}

/// Everything the contact page shows.
pub async fn load_contact(store: &Store, contact_id: i64) -> anyhow::Result<StaffContactView> {
    let c = store
        .contact_view(contact_id)
        .await?
        .context("the contact was erased")?;
    let reference = c.reference.clone();
    let tz = c.time_zone.to_string();
    let global = staff_global(&c, &tz);
    let topics = store
        .list_topics()
        .await?
        .into_iter()
        .map(|t| topic_pref(&c, &t))
        .collect();
    let disputes = open_disputes_of(store, contact_id, &tz).await?;
    let names = store.topic_names().await?;
    let shared = store
        .records_sharing(contact_id, c.email.as_deref(), c.phone.as_deref())
        .await?
        .into_iter()
        .map(|r| StaffSharedRecord {
            url: contact_url(&r.reference),
            reference: r.reference,
            shared: r.kind,
        })
        .collect();
    let address_choices = store
        .address_choices(c.email.as_deref(), c.phone.as_deref())
        .await?
        .into_iter()
        .map(|a| address_choice_line(&a, &names, &tz))
        .collect();
    let ledger = ledger_entries(store, contact_id, &names, &tz).await?;
    let sends = recent_sends(store, contact_id, &tz).await?;

    let details_form = DetailsDraft {
        email: c.email.clone().unwrap_or_default(),
        phone: c.phone.clone().unwrap_or_default(),
        locale: c.locale.to_string(),
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
        locale: c.locale.to_string(),
        time_zone: tz,
        version: c.version,
        global,
        topics,
        disputes,
        shared,
        address_choices,
        ledger,
        sends,
        reason_draft: String::new(),
        error_form: None,
    })
}

/// The contact's settings that hold across topics, times in their zone `tz`.
fn staff_global(c: &ContactSnapshot, tz: &str) -> StaffGlobal {
    let g = &c.global;
    StaffGlobal {
        unsubscribed_all: g.unsubscribed_all,
        opt_outs: Channel::ALL
            .iter()
            .map(|ch| (*ch, g.channel_opt_outs.contains(*ch)))
            .collect(),
        paused_until: g.pause_in_force().map(|p| format_time(p, tz)),
        quiet_start: g.quiet_hours.as_ref().map(|q| q.start.clone()),
        quiet_end: g.quiet_hours.as_ref().map(|q| q.end.clone()),
        weekly_cap: g.weekly_cap,
    }
}

/// The contact's choice on one topic, and whether it is stored or the topic's defaults.
fn topic_pref(c: &ContactSnapshot, t: &Topic) -> StaffTopicPref {
    let p = c.preference(t);
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
}

/// The contact's open "not me" reports, times in their zone `tz`.
async fn open_disputes_of(
    store: &Store,
    contact_id: i64,
    tz: &str,
) -> anyhow::Result<Vec<StaffDispute>> {
    store
        .open_disputes(Some(contact_id), 10)
        .await?
        .into_iter()
        .map(|d| -> anyhow::Result<StaffDispute> {
            Ok(StaffDispute {
                kind: AddressKind::parse(&d.kind)?,
                address: d.address,
                disputed_at: format_time(d.disputed_at, tz),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()
}

/// The contact's latest [`RECENT`] ledger rows in words, each with its webhook receipts.
async fn ledger_entries(
    store: &Store,
    contact_id: i64,
    names: &HashMap<String, String>,
    tz: &str,
) -> anyhow::Result<Vec<StaffLedgerEntry>> {
    let rows = store.ledger_page(contact_id, i64::MAX, RECENT).await?;
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let mut receipts = super::hooks::receipts(store, &seqs, tz).await?;
    let mut ledger = Vec::new();
    for r in rows {
        let line = ledger_line(r, names, tz, Reader::Staff, &app::i18n::Lang::english())?;
        ledger.push(StaffLedgerEntry {
            receipts: receipts.remove(&line.seq).unwrap_or_default(),
            seq: line.seq,
            when: line.when,
            by: line.by,
            reason: line.reason,
            items: line.items,
        });
    }
    Ok(ledger)
}

/// The contact's latest [`RECENT`] sends, times in their zone `tz`.
async fn recent_sends(store: &Store, contact_id: i64, tz: &str) -> anyhow::Result<Vec<StaffSend>> {
    Ok(store
        .recent_sends(contact_id, RECENT)
        .await?
        .into_iter()
        .map(|r| StaffSend {
            when: format_time(r.sent_at, tz),
            topic: r.topic,
            channel: r.channel,
            purpose: r.purpose,
            sender: r.sender.unwrap_or_else(|| "—".into()),
            message_id: r.message_id,
        })
        .collect())
}

/// "Email address: no Offers — by one-click through crm-88, 2 Dec 2026 14:02".
fn address_choice_line(
    a: &crate::store::address_choices::AddressChoice,
    names: &std::collections::HashMap<String, String>,
    tz: &str,
) -> String {
    let at = match a.kind {
        AddressKind::Phone => "Phone number",
        _ => "Email address",
    };
    let what = match (a.scope.as_str(), &a.topic, &a.channel) {
        ("topic", Some(t), _) => format!("no {}", names.get(t).unwrap_or(t)),
        ("channel", _, Some(c)) => format!("no {c} at all"),
        _ => "nothing optional".to_owned(),
    };
    let by = match a.made_by.as_str() {
        "one_click" => "by one-click",
        "reply" => "by a reply",
        "customer" => "on their own page",
        other => other,
    };
    let through = a.made_through.as_deref().unwrap_or("a record since erased");
    format!(
        "{at}: {what} — {by} through {through}, {}",
        format_time(a.made_at, tz)
    )
}

fn unknown_contact(state: &AppState, user: &StaffUser) -> Response {
    problem(
        state,
        StatusCode::NOT_FOUND,
        user,
        "No such contact",
        "There is no contact with this ref, or their data was erased.",
    )
}

fn render_contact(
    state: &AppState,
    status: StatusCode,
    user: &StaffUser,
    view: StaffContactView,
    flash: Option<Flash>,
) -> Response {
    let title = format!("Contact {}", view.reference);
    page(
        state,
        status,
        &title,
        Some(nav(user, "/staff")),
        move || view! { <StaffContact view flash/> }.into_any(),
    )
}

/// `GET /staff/contacts/{ref}`.
async fn contact_page(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(reference): Path<String>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let (id, _) = known_contact(&state, &user, &reference).await?;
    let view = load_contact(&state.store, id).await?;
    Ok(render_contact(
        &state,
        StatusCode::OK,
        &user,
        view,
        flash_message(q.flash.as_deref()),
    ))
}
