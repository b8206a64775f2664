//! `/api/v1/contacts/…`: create, read, erase, export. Changes on the contact's behalf are
//! `preferences.rs`.

use app::domain::{
    ActorKind, AddressKind, Channel, ChannelSet, ContactRef, Email, Frequency, Locale, Phone,
    QuietHours, TimeZoneName,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    error::{ApiError, Problem},
    extract::{ApiJson, Sender},
};
use crate::{customer::export_contact, state::AppState, store::ChangeOp};

/// `PUT /contacts/{ref}`. Fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"email": "ann@example.com", "email_verified": false,
    "phone": "+15551234567", "locale": "en", "time_zone": "America/Chicago"})))]
pub struct ContactInput {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    /// E.164, e.g. `+15551234567`.
    pub phone: Option<String>,
    pub phone_verified: Option<bool>,
    /// `en`, `es`, `fr` or `de`, optionally with a region (`fr-CA`).
    pub locale: Option<String>,
    /// IANA name, e.g. `America/Chicago`.
    pub time_zone: Option<String>,
}

/// A local time window in which sms and voice are deferred.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"start": "21:00", "end": "08:00"})))]
pub struct QuietHoursBody {
    /// `HH:MM`, local time
    pub start: String,
    pub end: String,
}

/// The contact's global settings.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"unsubscribed_all": false, "paused_until": null,
    "quiet_hours": {"start": "21:00", "end": "08:00"}, "channel_opt_outs": ["voice"], "weekly_cap": null})))]
pub struct GlobalBody {
    pub unsubscribed_all: bool,
    /// RFC 3339, UTC
    pub paused_until: Option<String>,
    pub quiet_hours: Option<QuietHoursBody>,
    /// Channels the contact never wants to be reached on.
    #[schema(value_type = Vec<Channel>)]
    pub channel_opt_outs: Vec<String>,
    pub weekly_cap: Option<i64>,
}

/// The contact's choice for one topic (the topic's defaults when they made none).
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"topic": "offers", "subscribed": true, "channels": ["email"],
    "frequency": "weekly", "info_only": false})))]
pub struct PreferenceBody {
    pub topic: String,
    pub subscribed: bool,
    #[schema(value_type = Vec<Channel>)]
    pub channels: Vec<String>,
    #[schema(value_type = Frequency)]
    pub frequency: String,
    pub info_only: bool,
}

/// `GET /contacts/{ref}` (DESIGN §6.1).
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"ref": "c-42", "email": "ann@example.com", "email_verified": false,
    "phone": "+15551234567", "locale": "en", "time_zone": "America/Chicago", "version": 7,
    "global": {"unsubscribed_all": false, "paused_until": null,
               "quiet_hours": {"start": "21:00", "end": "08:00"},
               "channel_opt_outs": ["voice"], "weekly_cap": null},
    "disputed": [],
    "preferences": [{"topic": "offers", "subscribed": true, "channels": ["email"],
                     "frequency": "weekly", "info_only": false}],
    "address_choices": [{"address": "phone", "scope": "channel", "topic": null, "channel": "sms",
                         "made_at": "2026-11-02T18:30:00Z", "made_through": "crm-42", "made_by": "reply"}]})))]
pub struct ContactBody {
    #[serde(rename = "ref")]
    pub reference: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub locale: String,
    pub time_zone: String,
    pub version: i64,
    pub global: GlobalBody,
    /// Address kinds reported as "not me": `email`, `phone`.
    #[schema(value_type = Vec<AddressKind>)]
    pub disputed: Vec<String>,
    pub preferences: Vec<PreferenceBody>,
    /// Opt-outs the person made at this contact's addresses, through this record or another
    /// holding the same address (DESIGN §1.1); each denies decisions with `address_opted_out`.
    pub address_choices: Vec<AddressChoiceBody>,
}

/// One address choice (DESIGN §1.1).
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"address": "phone", "scope": "channel", "topic": null, "channel": "sms",
    "made_at": "2026-11-02T18:30:00Z", "made_through": "crm-42", "made_by": "reply"})))]
pub struct AddressChoiceBody {
    /// The address it is held at: `email` or `phone`.
    #[schema(value_type = AddressKind)]
    pub address: String,
    #[schema(value_type = ChoiceScope)]
    pub scope: String,
    pub topic: Option<String>,
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
    /// RFC 3339.
    pub made_at: String,
    /// The ref of the record it was made through (null once that record is erased).
    pub made_through: Option<String>,
    /// Who made it: `customer`, `one_click` or `reply`.
    #[schema(value_type = ActorKind)]
    pub made_by: String,
}

/// What an address choice covers: `all` (every optional topic), one `topic` or one `channel`.
// Only the document's: the store's `Scope` carries the topic or channel with it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ChoiceScope {
    All,
    Topic,
    Channel,
}

pub(super) fn contact_ref(raw: &str) -> Result<ContactRef, ApiError> {
    Ok(ContactRef::parse(raw)?)
}

pub(super) fn channels(list: &[String]) -> Result<ChannelSet, ApiError> {
    Ok(ChannelSet::new(
        list.iter()
            .map(|c| Channel::parse(c))
            .collect::<Result<Vec<_>, _>>()?,
    ))
}

/// Reads a contact as the API shows it: one snapshot, and the live topics.
pub async fn contact_body(
    state: &AppState,
    reference: &ContactRef,
) -> Result<Option<ContactBody>, ApiError> {
    let Some(id) = state.store.contact_id(reference).await? else {
        return Ok(None);
    };
    let Some(c) = state.store.contact_view(id).await? else {
        return Ok(None);
    };
    let topics = state.store.list_topics().await?;
    let choices = state
        .store
        .address_choices(c.email.as_deref(), c.phone.as_deref())
        .await?;
    let names = |set: &ChannelSet| set.iter().map(|c| c.as_str().to_owned()).collect();
    Ok(Some(ContactBody {
        reference: reference.to_string(),
        version: c.version,
        global: GlobalBody {
            unsubscribed_all: c.global.unsubscribed_all,
            paused_until: c
                .global
                .paused_until
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map(|t| t.to_string()),
            quiet_hours: c
                .global
                .quiet_hours
                .clone()
                .map(|QuietHours { start, end }| QuietHoursBody { start, end }),
            channel_opt_outs: names(&c.global.channel_opt_outs),
            weekly_cap: c.global.weekly_cap,
        },
        disputed: c.disputed.iter().map(|k| k.as_str().to_owned()).collect(),
        preferences: topics
            .iter()
            .map(|t| {
                let p = c.preference(t);
                PreferenceBody {
                    topic: t.key.to_string(),
                    subscribed: p.subscribed,
                    // The chosen channels the topic still offers, in the topic's order.
                    channels: t
                        .channels
                        .iter()
                        .filter(|ch| p.channels.contains(*ch))
                        .map(|ch| ch.as_str().to_owned())
                        .collect(),
                    frequency: p.frequency.as_str().to_owned(),
                    info_only: p.info_only,
                }
            })
            .collect(),
        address_choices: choices
            .into_iter()
            .map(|a| AddressChoiceBody {
                address: a.kind.as_str().to_owned(),
                scope: a.scope,
                topic: a.topic,
                channel: a.channel,
                made_at: jiff::Timestamp::from_millisecond(a.made_at)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                made_through: a.made_through,
                made_by: a.made_by,
            })
            .collect(),
        email: c.email,
        email_verified: c.email_verified,
        phone: c.phone,
        locale: c.locale.into(),
        time_zone: c.time_zone.into(),
    }))
}

/// Create or update a contact.
#[utoipa::path(put, path = "/contacts/{ref}", tag = "contacts", operation_id = "putContact",
    params(("ref" = String, Path, description = "The organisation's own id for the contact: 1–128 printable ASCII characters, no spaces", min_length = 1, max_length = 128, pattern = "^[!-~]+$")),
    request_body = ContactInput,
    responses((status = 201, body = ContactBody, description = "Created"), (status = 200, body = ContactBody, description = "Updated"),
              (status = 409, body = Problem, description = "Erased or suppressed"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn put(
    State(state): State<AppState>,
    sender: Sender,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Response, ApiError> {
    let reference = contact_ref(&raw)?;
    // A field left out stays as it is: re-sending the same address without `*_verified` keeps
    // its verification; a new address is unverified unless the request says otherwise.
    let current = match state.store.contact_id(&reference).await? {
        Some(id) => state.store.contact_view(id).await?,
        None => None,
    };
    let (cur_email, cur_email_ok, cur_phone, cur_phone_ok) = match current {
        Some(c) => (c.email, c.email_verified, c.phone, c.phone_verified),
        None => (None, false, None, false),
    };
    let mut ops = Vec::new();
    if let Some(email) = &input.email {
        let email = Email::parse(email)?;
        let same = cur_email
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(email.as_str()));
        let verified = input.email_verified.unwrap_or(same && cur_email_ok);
        ops.push(ChangeOp::Email {
            email: Some(email),
            verified,
        });
    } else if let Some(verified) = input.email_verified {
        let email = cur_email.as_deref().map(Email::parse).transpose()?;
        if email.is_none() {
            return Err(ApiError::validation(
                "email_verified needs an email address to be about",
            ));
        }
        ops.push(ChangeOp::Email { email, verified });
    }
    if let Some(phone) = &input.phone {
        let phone = Phone::parse(phone)?;
        let same = cur_phone.as_deref() == Some(phone.as_str());
        let verified = input.phone_verified.unwrap_or(same && cur_phone_ok);
        ops.push(ChangeOp::Phone {
            phone: Some(phone),
            verified,
        });
    } else if let Some(verified) = input.phone_verified {
        let phone = cur_phone.as_deref().map(Phone::parse).transpose()?;
        if phone.is_none() {
            return Err(ApiError::validation(
                "phone_verified needs a phone number to be about",
            ));
        }
        ops.push(ChangeOp::Phone { phone, verified });
    }
    if let Some(locale) = input.locale {
        ops.push(ChangeOp::Locale(Locale::parse(&locale)?));
    }
    if let Some(tz) = input.time_zone {
        ops.push(ChangeOp::TimeZone(TimeZoneName::parse(&tz)?));
    }
    let (_, created) = state
        .store
        .upsert_contact(&reference, crate::store::Grant::sender(sender.id), ops)
        .await?;
    let body = contact_body(&state, &reference)
        .await?
        .ok_or_else(|| ApiError::internal("contact vanished"))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(body)).into_response())
}

/// Read a contact: details, global settings, every preference, version.
#[utoipa::path(get, path = "/contacts/{ref}", tag = "contacts", operation_id = "getContact",
    params(("ref" = String, Path, description = "The organisation's own id for the contact: 1–128 printable ASCII characters, no spaces", min_length = 1, max_length = 128, pattern = "^[!-~]+$")),
    responses((status = 200, body = ContactBody), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    _sender: Sender,
    Path(raw): Path<String>,
) -> Result<Json<ContactBody>, ApiError> {
    let reference = contact_ref(&raw)?;
    contact_body(&state, &reference)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("There is no such contact."))
}

/// Erase a contact's personal data; the addresses are kept only as hashes, so they are never
/// re-added and mailed.
#[utoipa::path(delete, path = "/contacts/{ref}", tag = "contacts", operation_id = "deleteContact",
    params(("ref" = String, Path, description = "The organisation's own id for the contact: 1–128 printable ASCII characters, no spaces", min_length = 1, max_length = 128, pattern = "^[!-~]+$")),
    responses((status = 204, description = "Erased"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn erase(
    State(state): State<AppState>,
    sender: Sender,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let reference = contact_ref(&raw)?;
    if state
        .store
        .erase_contact(
            &reference,
            crate::store::Grant::sender(sender.id),
            Some("erasure requested".into()),
        )
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("There is no such contact."))
    }
}

/// Everything held about a contact, with the ledger.
#[utoipa::path(get, path = "/contacts/{ref}/export", tag = "contacts", operation_id = "exportContact",
    params(("ref" = String, Path, description = "The organisation's own id for the contact: 1–128 printable ASCII characters, no spaces", min_length = 1, max_length = 128, pattern = "^[!-~]+$")),
    responses((status = 200, body = Object, description = "The contact's data as JSON: the contact, global settings, every topic's preference and the ledger, oldest change first",
        example = json!({"ref": "c-42",
            "contact": {"email": "ann@example.com", "email_verified": true, "pending_email": null, "phone": "+15551234567",
                        "locale": "en", "time_zone": "America/Chicago", "disputed": []},
            "global": {"unsubscribed_all": false, "never_call": false, "never_text": false, "paused_until": null,
                       "quiet_start": null, "quiet_end": null},
            "preferences": [{"key": "offers", "name": "Offers", "description": "Sales and discounts.", "required": false,
                             "subscribed": true, "frequency": "weekly", "info_only": true, "summary": "email, at most once a week",
                             "channels": [{"channel": "email", "label": "Email", "available": true, "chosen": true, "note": null}]}],
            "ledger": [{"seq": 2, "version": 2, "type": "preferences.updated", "actor": {"kind": "customer", "id": null},
                        "reason": null, "occurred_at": "2026-11-20T10:00:00Z",
                        "changes": [{"field": "preferences.offers.subscribed", "from": false, "to": true}]}]})),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    _sender: Sender,
    Path(raw): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reference = contact_ref(&raw)?;
    let id = state
        .store
        .contact_id(&reference)
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such contact."))?;
    Ok(Json(export_contact(&state.store, id).await?))
}
