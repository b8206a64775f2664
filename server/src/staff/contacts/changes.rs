//! The console's change forms: a topic, the global settings, the contact's details, a disputed
//! address — each with a mandatory reason, each mailed to the contact as "we changed this for
//! you".

use app::{
    domain::{
        AddressKind, Channel, ChannelSet, Email, Frequency, Locale, ParseError, PauseUntil,
        QuietHours, TimeZoneName, TopicKey, WeeklyCap,
    },
    pages::staff::{contacts::DetailsDraft, Flash},
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
};
use serde_json::json;

use super::{contact_url, known_contact, load_contact, render_contact, unknown_contact};
use crate::{
    http::page_error::{PageError, PageResult},
    mail::templates,
    staff::{see_other, FormFields, Staff, StaffUser},
    state::AppState,
    store::{
        apply_change, ChangeError, ChangeField, ChangeOp, ChangeRequest, ContactField, FieldChange,
        Grant,
    },
    words::describe,
};

/// The longest reason accepted.
pub const MAX_REASON: usize = 500;

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
) -> PageResult {
    let mut view = load_contact(&state.store, contact_id).await?;
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
    Ok(render_contact(
        state,
        StatusCode::UNPROCESSABLE_ENTITY,
        user,
        view,
        Some(Flash::Error(message)),
    ))
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
        grant: Grant::staff(user.id),
        reason: Some(reason.clone()),
        meta: Some(json!({"source": "staff console"})),
        ops,
        said_at: None,
        consent_at: None,
        together: Vec::new(),
        keep_session: None,
    };
    match apply_change(&state.store, &req).await? {
        Some(committed) => {
            tracing::info!(
                staff_id = user.id,
                seq = committed.seq,
                "staff changed a contact's settings"
            );
            notify_contact(state, contact_id, committed.changes, reason).await;
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
) -> PageResult {
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
            Ok(see_other(&format!(
                "{}?flash={flash}",
                contact_url(reference)
            )))
        }
        Err(e @ (ChangeError::Database(_) | ChangeError::Internal(_))) => Err(e.into()),
        Err(ChangeError::UnknownContact) => Err(PageError::Page(unknown_contact(state, user))),
        Err(e) => {
            let m = ParseError(e.to_string()).sentence();
            refuse(state, user, contact_id, form_id, form, m).await
        }
    }
}

/// `POST /staff/contacts/{ref}/topics/{key}`: one topic's preference.
pub(super) async fn change_topic(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((reference, key)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let form = FormFields::parse(&body);
    let (contact_id, _) = known_contact(&state, &user, &reference).await?;
    let topic = match TopicKey::parse(&key) {
        Ok(k) => state.store.topic(&k).await?.filter(|t| !t.archived),
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
pub(super) async fn change_global(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(reference): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = FormFields::parse(&body);
    let (contact_id, tz) = known_contact(&state, &user, &reference).await?;
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
pub(super) async fn change_details(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(reference): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = FormFields::parse(&body);
    let (id, _) = known_contact(&state, &user, &reference).await?;
    let Some(current) = state.store.contact_view(id).await? else {
        return Err(PageError::Page(unknown_contact(&state, &user)));
    };
    let ops = details_ops(&form, current.email.as_deref(), current.phone.as_deref());
    let contact_id = current.id;
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

/// The changes the details form asks for, given the contact's current addresses (pure): an
/// address that differs only in case is no change; the first problem refuses them all.
fn details_ops(
    form: &FormFields,
    cur_email: Option<&str>,
    cur_phone: Option<&str>,
) -> Result<Vec<ChangeOp>, String> {
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
            Ok(e) if cur_email.map(str::to_lowercase) != Some(e.as_str().to_lowercase()) => ops
                .push(ChangeOp::Email {
                    email: Some(e),
                    verified: false,
                }),
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
            Ok(p) if cur_phone != Some(p.as_str()) => ops.push(ChangeOp::Phone {
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
    match problem {
        Some(p) => Err(p),
        None => Ok(ops),
    }
}

/// `POST /staff/contacts/{ref}/disputes/{kind}`: confirm or replace a disputed address.
pub(super) async fn resolve_dispute(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((reference, kind)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let form = FormFields::parse(&body);
    let (contact_id, _) = known_contact(&state, &user, &reference).await?;
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
/// review (and undo on) their preference page: queued in the outbox before staff get their
/// answer, sent by the mail worker (the answer never waits for the mail server). Nothing is sent
/// to a disputed or missing address.
async fn notify_contact(
    state: &AppState,
    contact_id: i64,
    changes: Vec<FieldChange>,
    reason: String,
) {
    let result = async {
        // The current address, unless it is disputed (nothing is sent to a disputed address).
        let Some(contact) = state.store.contact_view(contact_id).await? else {
            return anyhow::Ok(());
        };
        let email = contact.mailable_email().and_then(|e| Email::parse(e).ok());
        let tz = contact.time_zone.to_string();
        // In the contact's language (the console is English).
        let lang = app::i18n::Lang::from_code(contact.locale.as_str()).unwrap_or_default();
        // A replaced address hears only that it was removed: it may be a stranger's (the
        // mistyped address being corrected), so it learns nothing of the customer. One that
        // was replaced because it was reported as someone else's hears nothing at all.
        let was_disputed =
            (changes.iter()).any(|c| c.field == ChangeField::Disputed(AddressKind::Email));
        let previous = changes
            .iter()
            .find(|c| c.is_contact(ContactField::Address(AddressKind::Email)) && !was_disputed)
            .and_then(|c| c.from.as_str())
            .and_then(|e| Email::parse(e).ok())
            .filter(|old| {
                email
                    .as_ref()
                    .is_none_or(|new| !new.as_str().eq_ignore_ascii_case(old.as_str()))
            });
        if let Some(old) = previous {
            let mail = templates::address_removed(&lang, &state.config.org_name, old);
            state
                .store
                .queue_mail(Some(contact_id), &(&mail).into())
                .await?;
        }
        if let Some(to) = email {
            let names = state.store.topic_names().await?;
            let items = describe(&changes, &names, &tz, &lang);
            let review = state.links.preferences_url(contact_id);
            let org = &state.config.org_name;
            let mail = templates::changed_for_you(&lang, org, to, &items, &reason, &review);
            state
                .store
                .queue_mail(Some(contact_id), &(&mail).into())
                .await?;
        }
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %format!("{e:#}"), "could not email a contact about a staff change");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &'static str) -> FormFields {
        FormFields::parse(&Bytes::from_static(body.as_bytes()))
    }

    #[test]
    fn a_details_form_that_changes_only_the_case_of_the_email_sets_only_language_and_zone() {
        let ops = details_ops(
            &form("email=Ann%40Example.com&phone=&locale=de&time_zone=Europe%2FBerlin"),
            Some("ann@example.com"),
            None,
        )
        .unwrap();
        assert_eq!(
            ops,
            [
                ChangeOp::Locale(Locale::parse("de").unwrap()),
                ChangeOp::TimeZone(TimeZoneName::parse("Europe/Berlin").unwrap()),
            ]
        );
    }

    #[test]
    fn a_details_form_that_empties_the_phone_removes_it_and_one_bad_field_refuses_all() {
        let ops = details_ops(
            &form("email=&phone=&locale=en&time_zone=UTC"),
            None,
            Some("+15551234567"),
        )
        .unwrap();
        assert_eq!(
            ops[0],
            ChangeOp::Phone {
                phone: None,
                verified: false
            }
        );
        let refused = details_ops(
            &form("email=ann%40example.com&phone=12&locale=en&time_zone=UTC"),
            None,
            None,
        );
        assert!(refused.is_err(), "{refused:?}");
    }
}
