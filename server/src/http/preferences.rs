//! `PATCH /api/v1/contacts/{ref}/preferences`: a change the contact asked for, made on their
//! behalf by a sender — with a reason, and with consent when it subscribes them.

use app::{
    domain::{Channel, Email, Frequency, PauseUntil, QuietHours, TopicKey, WeeklyCap},
    i18n::Lang,
    tr,
};
use axum::{
    extract::{Path, State},
    Json,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{
    contacts::{channels, contact_body, contact_ref, ContactBody, QuietHoursBody},
    error::{ApiError, Problem},
    extract::{ApiJson, Sender},
};
use crate::{
    links::{LinkKind, LinkSubject},
    mail::templates,
    state::AppState,
    store::{
        apply_change_if,
        changes::consent::{loosenings, Loosening},
        now_ms, ChangeOp, ChangeRequest, FieldChange, Grant,
    },
};

/// Evidence that the contact asked for what a patch subscribes them to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"source": "checkout form", "text": "Send me offers", "at": "2026-11-20T10:00:00Z"})))]
pub struct Consent {
    /// Where the contact said yes, e.g. "checkout form".
    #[schema(min_length = 1)]
    pub source: String,
    /// The wording they were shown.
    #[schema(min_length = 1)]
    pub text: String,
    /// When, RFC 3339.
    pub at: String,
}

/// How far ahead of our clock a consent's `at` may be: the sender's clock may run a little fast.
const CONSENT_CLOCK_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// When the contact consented (ms), once the consent is complete and `at` is an RFC 3339 time
/// not in the future: consent given later than the change it allows is no evidence for it.
fn consent_at(c: &Consent, now: jiff::Timestamp) -> Result<i64, ApiError> {
    if c.source.trim().is_empty() || c.text.trim().is_empty() {
        return Err(ApiError::validation(
            "consent needs the source and the wording the contact was shown",
        ));
    }
    let at =
        c.at.parse::<jiff::Timestamp>()
            .map_err(|_| ApiError::validation("consent.at must be an RFC 3339 time"))?;
    if at > now + CONSENT_CLOCK_SKEW {
        return Err(ApiError::validation(
            "consent.at is in the future: send when the contact consented; nothing was changed",
        ));
    }
    Ok(at.as_millisecond())
}

/// Distinguishes a field sent as `null` (`Some(None)`) from one left out (`None`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// Any subset of the contact's global settings; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"channel_opt_outs": ["voice", "sms"], "quiet_hours": {"start": "21:00", "end": "08:00"}})))]
pub struct GlobalPatch {
    pub unsubscribed_all: Option<bool>,
    /// RFC 3339; in the future and at most two years ahead. `null` resumes.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub paused_until: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<QuietHoursBody>)]
    pub quiet_hours: Option<Option<QuietHoursBody>>,
    #[schema(value_type = Option<Vec<Channel>>)]
    pub channel_opt_outs: Option<Vec<String>>,
    /// At most this many non-transactional messages a week, 0 to 1000; `null` removes the cap.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1000)]
    pub weekly_cap: Option<Option<i64>>,
}

/// A change to one topic's preference; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"topic": "offers", "subscribed": true, "channels": ["email", "sms"],
    "frequency": "weekly", "info_only": true})))]
pub struct PreferencePatch {
    #[schema(min_length = 1, max_length = 64, pattern = "^[a-z][a-z0-9_-]*$")]
    pub topic: String,
    pub subscribed: Option<bool>,
    /// The channels chosen for this topic (among the ones it offers).
    #[schema(value_type = Option<Vec<Channel>>)]
    pub channels: Option<Vec<String>>,
    #[schema(value_type = Option<Frequency>)]
    pub frequency: Option<String>,
    pub info_only: Option<bool>,
}

/// `PATCH /contacts/{ref}/preferences`: a change the contact asked for, made on their behalf.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"reason": "customer asked on the phone",
    "consent": {"source": "checkout form", "text": "Send me offers", "at": "2026-11-20T10:00:00Z"},
    "global": {"channel_opt_outs": ["voice"]},
    "preferences": [{"topic": "offers", "subscribed": true, "channels": ["email", "sms"],
                     "frequency": "weekly", "info_only": true}]})))]
pub struct PreferencesPatch {
    /// Why, in words (shown to the contact in their history). Required.
    #[schema(min_length = 1)]
    pub reason: String,
    /// Required when the patch subscribes a topic or clears `unsubscribed_all`.
    pub consent: Option<Consent>,
    pub global: Option<GlobalPatch>,
    pub preferences: Option<Vec<PreferencePatch>>,
}

/// Change preferences on the contact's behalf (a phone call, a form). `reason` is required;
/// subscribing needs `consent`, and the contact is emailed a confirmation with an undo link.
#[utoipa::path(patch, path = "/contacts/{ref}/preferences", tag = "contacts", operation_id = "patchPreferences",
    params(("ref" = String, Path, description = "The organisation's own id for the contact: 1–128 printable ASCII characters, no spaces", min_length = 1, max_length = 128, pattern = "^[!-~]+$")),
    request_body = PreferencesPatch,
    responses((status = 200, body = ContactBody), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn patch_preferences(
    State(state): State<AppState>,
    sender: Sender,
    Path(raw): Path<String>,
    ApiJson(patch): ApiJson<PreferencesPatch>,
) -> Result<Json<ContactBody>, ApiError> {
    let reference = contact_ref(&raw)?;
    let reason = patch.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ApiError::validation(
            "reason is required: say why the change is made on the contact's behalf",
        ));
    }
    let consent_at = patch
        .consent
        .as_ref()
        .map(|c| consent_at(c, jiff::Timestamp::now()))
        .transpose()?;
    let ops = ops_of(&patch, jiff::Timestamp::now())?;
    let contact_id = state
        .store
        .contact_id(&reference)
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such contact."))?;
    let req = ChangeRequest {
        contact_id,
        grant: Grant::sender(sender.id),
        reason: Some(reason),
        meta: Some(
            json!({"source": "sender api", "sender": sender.name, "consent": patch.consent}),
        ),
        ops,
        said_at: None,
        consent_at,
        together: Vec::new(),
        keep_session: None,
    };
    // A sender may not silently loosen what the person chose (DESIGN §6.1 consent rule).
    let mut loosened = Vec::new();
    apply_change_if(&state.store, &req, |committed| {
        let changes: Vec<FieldChange> = committed
            .iter()
            .flat_map(|c| c.changes.iter().cloned())
            .collect();
        loosened = loosenings(&changes, now_ms());
        if !loosened.is_empty() && patch.consent.is_none() {
            let what: Vec<String> = loosened.iter().map(Loosening::words).collect();
            return Err(ApiError::validation(format!(
                "consent is required for a change that loosens the contact's choices ({}): send {{source, text, at}}; nothing was changed",
                what.join("; ")
            )));
        }
        Ok(())
    })
    .await??;
    if !loosened.is_empty() {
        confirm_loosening(&state, contact_id, &sender.name, loosened).await;
    }
    contact_body(&state, &reference)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::internal("contact vanished"))
}

/// The operations a patch asks for, in the order it names them: its global settings, then each
/// topic's fields. Pure: the parse step of the handler, tested without a database.
fn ops_of(patch: &PreferencesPatch, now: jiff::Timestamp) -> Result<Vec<ChangeOp>, ApiError> {
    let mut ops = Vec::new();
    if let Some(g) = &patch.global {
        global_ops(g, now, &mut ops)?;
    }
    for p in patch.preferences.iter().flatten() {
        topic_ops(p, &mut ops)?;
    }
    Ok(ops)
}

fn global_ops(
    g: &GlobalPatch,
    now: jiff::Timestamp,
    ops: &mut Vec<ChangeOp>,
) -> Result<(), ApiError> {
    if let Some(v) = g.unsubscribed_all {
        ops.push(ChangeOp::UnsubscribedAll(v));
    }
    if let Some(p) = &g.paused_until {
        let until = match p {
            Some(s) => Some(
                PauseUntil::parse_rfc3339(s, now)
                    .map_err(|e| ApiError::validation(format!("global.paused_until: {e}")))?,
            ),
            None => None,
        };
        ops.push(ChangeOp::PausedUntil(until));
    }
    if let Some(q) = &g.quiet_hours {
        let q = match q {
            Some(q) => Some(QuietHours::parse(&q.start, &q.end)?),
            None => None,
        };
        ops.push(ChangeOp::QuietHours(q));
    }
    if let Some(list) = &g.channel_opt_outs {
        ops.push(ChangeOp::ChannelOptOuts(channels(list)?));
    }
    if let Some(cap) = g.weekly_cap {
        let cap = cap
            .map(WeeklyCap::new)
            .transpose()
            .map_err(|e| ApiError::validation(format!("global.weekly_cap: {e}")))?;
        ops.push(ChangeOp::WeeklyCap(cap));
    }
    Ok(())
}

fn topic_ops(p: &PreferencePatch, ops: &mut Vec<ChangeOp>) -> Result<(), ApiError> {
    let topic = TopicKey::parse(&p.topic)?;
    if let Some(v) = p.subscribed {
        ops.push(ChangeOp::Subscribed {
            topic: topic.clone(),
            subscribed: v,
        });
    }
    if let Some(list) = &p.channels {
        ops.push(ChangeOp::Channels {
            topic: topic.clone(),
            channels: channels(list)?,
        });
    }
    if let Some(f) = &p.frequency {
        ops.push(ChangeOp::Frequency {
            topic: topic.clone(),
            frequency: Frequency::parse(f)?,
        });
    }
    if let Some(v) = p.info_only {
        ops.push(ChangeOp::InfoOnly {
            topic,
            info_only: v,
        });
    }
    Ok(())
}

/// Emails the contact what a sender loosened on their behalf, each with a way to undo it: a
/// one-click unsubscribe for a subscription, the preference page for the rest.
async fn confirm_loosening(
    state: &AppState,
    contact_id: i64,
    sender: &str,
    loosened: Vec<Loosening>,
) {
    let contact = state.store.contact_view(contact_id).await.ok().flatten();
    let Some(Ok(to)) = contact
        .as_ref()
        .and_then(|c| c.mailable_email())
        .map(Email::parse)
    else {
        return;
    };
    // In the contact's language.
    let lang = contact
        .as_ref()
        .and_then(|c| Lang::from_code(c.locale.as_str()))
        .unwrap_or_default();
    let preferences = state.links.preferences_url(contact_id);
    let unsubscribe = |topic_id: i64| {
        state.links.url(
            LinkKind::Unsubscribe,
            &LinkSubject {
                contact_id,
                topic_id,
                channel: Some("email"),
                purpose: None,
            },
        )
    };
    let mut lines = Vec::new();
    for l in &loosened {
        let topic = match l {
            Loosening::Subscribed(k)
            | Loosening::InfoOnlyCleared(k)
            | Loosening::ChannelsAdded(k, _) => state.store.topic(k).await.ok().flatten(),
            _ => None,
        };
        lines.extend(loosening_line(
            &lang,
            l,
            topic.as_ref(),
            &unsubscribe,
            &preferences,
        ));
    }
    let preferences = state.links.preferences_url(contact_id);
    let org = &state.config.org_name;
    let mail = templates::sender_changed(&lang, org, to, sender, &lines, &preferences);
    if let Err(e) = state
        .store
        .queue_mail(Some(contact_id), &(&mail).into())
        .await
    {
        tracing::error!(error = %format!("{e:#}"), "could not queue a subscription confirmation");
    }
}

/// One line of the "a sender turned this on" mail, with the link that undoes it: a one-click
/// unsubscribe for a subscription, the preference page for the rest. `None` for a topic that
/// is gone.
fn loosening_line(
    lang: &Lang,
    l: &Loosening,
    topic: Option<&crate::store::topics::Topic>,
    unsubscribe: &dyn Fn(i64) -> String,
    preferences: &str,
) -> Option<(String, String)> {
    let name = topic.map(|t| t.name.clone()).unwrap_or_default();
    let line = match l {
        Loosening::Subscribed(_) => match topic {
            Some(t) => (
                tr!(lang, "sender-change-subscribed", topic = name),
                unsubscribe(t.id),
            ),
            None => return None,
        },
        Loosening::UnsubscribedAllCleared => (
            tr!(lang, "sender-change-unsubscribed-all-cleared"),
            unsubscribe(0),
        ),
        Loosening::InfoOnlyCleared(_) => (
            tr!(lang, "sender-change-info-only-cleared", topic = name),
            preferences.to_owned(),
        ),
        Loosening::ChannelsAdded(_, channels) => (
            tr!(
                lang,
                "sender-change-channels",
                topic = name,
                channels = lang.channel_words(channels)
            ),
            preferences.to_owned(),
        ),
        Loosening::OptOutsRemoved(channels) => (
            tr!(
                lang,
                "sender-change-channels-again",
                channels = lang.channel_words(channels)
            ),
            preferences.to_owned(),
        ),
        Loosening::PauseShortened => (
            tr!(lang, "sender-change-pause-shortened"),
            preferences.to_owned(),
        ),
        Loosening::CapRaised => (
            tr!(lang, "sender-change-cap-raised"),
            preferences.to_owned(),
        ),
    };
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_reads_into_the_operations_it_names_in_order() {
        let patch: PreferencesPatch = serde_json::from_value(json!({
            "reason": "phone call",
            "global": {"unsubscribed_all": false, "paused_until": null, "weekly_cap": 3},
            "preferences": [{"topic": "offers", "channels": ["email"], "frequency": "monthly"}]
        }))
        .unwrap();
        let ops = ops_of(&patch, jiff::Timestamp::now()).unwrap();
        let offers = TopicKey::parse("offers").unwrap();
        assert_eq!(
            ops,
            vec![
                ChangeOp::UnsubscribedAll(false),
                ChangeOp::PausedUntil(None),
                ChangeOp::WeeklyCap(Some(WeeklyCap::new(3).unwrap())),
                ChangeOp::Channels {
                    topic: offers.clone(),
                    channels: app::domain::ChannelSet::new([app::domain::Channel::Email])
                },
                ChangeOp::Frequency {
                    topic: offers,
                    frequency: Frequency::Monthly
                },
            ]
        );
        let bad: PreferencesPatch = serde_json::from_value(json!({
            "reason": "x", "preferences": [{"topic": "offers", "channels": ["fax"]}]
        }))
        .unwrap();
        assert_eq!(
            ops_of(&bad, jiff::Timestamp::now()).unwrap_err().status,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    fn consent(at: &str) -> Consent {
        Consent {
            source: "checkout form".into(),
            text: "Send me offers".into(),
            at: at.into(),
        }
    }

    #[test]
    fn a_consent_given_in_the_future_is_refused_but_a_few_minutes_of_clock_skew_are_not() {
        let now: jiff::Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();

        let tomorrow = consent_at(&consent("2026-12-05T12:00:00Z"), now).unwrap_err();
        let in_ten_minutes = consent_at(&consent("2026-12-04T12:10:00Z"), now).unwrap_err();
        let skewed = consent_at(&consent("2026-12-04T12:04:00Z"), now);
        let earlier = consent_at(&consent("2026-11-20T10:00:00Z"), now);

        assert_eq!(
            tomorrow.status,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(tomorrow.kind, "validation");
        assert!(
            tomorrow.detail.contains("consent.at is in the future"),
            "{}",
            tomorrow.detail
        );
        assert_eq!(in_ten_minutes.kind, "validation");
        assert_eq!(skewed.unwrap(), now.as_millisecond() + 4 * 60_000);
        assert!(earlier.is_ok());
        assert!(consent_at(&consent("yesterday"), now).is_err());
    }
}
