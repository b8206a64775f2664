//! `POST /api/v1/decisions` and `/decisions/batch`: "may I send this?" (DESIGN §2, §6).

use std::collections::HashMap;

use app::domain::{Channel, ContactRef, Purpose, TopicKey};
use axum::{extract::State, Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    error::{ApiError, Problem},
    extract::{ApiJson, Sender},
    idempotency::RecordingKey,
};
use crate::{
    decide::{Reason, Verdict},
    links::{list_unsubscribe_headers, LinkSubject, LinkUrls},
    state::AppState,
    store::{
        decisions::{Ask, Decided},
        topics::Topic,
    },
};

/// The most decisions in one batch.
pub const MAX_BATCH: usize = 1000;

/// "May I send this?" (DESIGN §2).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"contact": "c-42", "topic": "offers", "channel": "email",
    "purpose": "marketing", "record": true, "message_id": "crm-2026-11-23-0001"})))]
pub struct DecisionRequest {
    /// The contact's ref.
    #[schema(min_length = 1, max_length = 128, pattern = "^[!-~]+$")]
    pub contact: String,
    /// The topic key.
    #[schema(min_length = 1, max_length = 64, pattern = "^[a-z][a-z0-9_-]*$")]
    pub topic: String,
    /// The channel the message would go out on.
    #[schema(value_type = Channel)]
    pub channel: String,
    /// What the message is for.
    #[schema(value_type = Purpose)]
    pub purpose: String,
    /// Record the send if allowed, atomically with the check.
    #[serde(default)]
    pub record: bool,
    /// Makes recording idempotent: a repeat with the same id is decided again by the rules but
    /// not counted or recorded again. Without one, the `Idempotency-Key` does this. At most 200
    /// bytes.
    #[schema(min_length = 1, max_length = 200)]
    pub message_id: Option<String>,
}

/// For an email allow: the links to put into the message.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"unsubscribe": "https://prefs.example.com/u/AbC123",
    "preferences": "https://prefs.example.com/p/AbC123", "not_me": "https://prefs.example.com/n/AbC123"})))]
pub struct LinksBody {
    /// Absent for a required topic: there is nothing to unsubscribe from (DESIGN §3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<String>,
    pub preferences: String,
    pub not_me: String,
}

/// The answer to one ask (DESIGN §6.1). Deny and defer carry no address, links or headers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"decision": "allow", "reason": "allowed", "defer_until": null,
    "preference_version": 7, "address": "ann@example.com",
    "links": {"unsubscribe": "https://prefs.example.com/u/AbC123", "preferences": "https://prefs.example.com/p/AbC123", "not_me": "https://prefs.example.com/n/AbC123"},
    "headers": {"List-Unsubscribe": "<https://prefs.example.com/u/AbC123>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}})))]
pub struct DecisionBody {
    pub decision: Verdict,
    /// Why (DESIGN §2).
    pub reason: Reason,
    /// For `defer`: when to ask again (RFC 3339, UTC).
    pub defer_until: Option<String>,
    pub preference_version: i64,
    /// For `allow`: where to send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// For `allow` on email: the links to embed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<LinksBody>,
    /// For `allow` on email: headers to add before DKIM signing. None for a required topic: a
    /// password reset must not show a mail client's Unsubscribe button that can do nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub headers: Option<HashMap<&'static str, String>>,
    /// For `allow` on voice: what the sender's IVR reads so the person can stop these calls with
    /// a key-press (DESIGN §3.1), answered at `POST /inbound/voice/twilio`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ivr_prompt: Option<&'static str>,
}

/// The words an automated call offers the way out in; 9 is the key `/inbound/voice/twilio` hears.
pub const IVR_PROMPT: &str = "To stop these automated calls, press 9 now.";

/// Up to 1000 asks, answered in order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"items": [
    {"contact": "c-42", "topic": "offers", "channel": "email", "purpose": "marketing"},
    {"contact": "c-42", "topic": "offers", "channel": "sms", "purpose": "marketing"}]})))]
pub struct BatchRequest {
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<DecisionRequest>,
}

/// The answers, in the order asked.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({"results": [
    {"decision": "allow", "reason": "allowed", "defer_until": null, "preference_version": 7,
     "address": "ann@example.com",
     "links": {"unsubscribe": "https://prefs.example.com/u/AbC123", "preferences": "https://prefs.example.com/p/AbC123", "not_me": "https://prefs.example.com/n/AbC123"},
     "headers": {"List-Unsubscribe": "<https://prefs.example.com/u/AbC123>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}},
    {"decision": "defer", "reason": "quiet_hours", "defer_until": "2026-11-24T14:00:00Z", "preference_version": 7}]})))]
pub struct BatchBody {
    /// In the order asked. An item naming an unknown topic gets `deny` / `unknown_topic`.
    pub results: Vec<DecisionBody>,
}

/// The id a recorded send is kept under when the request names none but carries an
/// `Idempotency-Key`: a retry with the key is then a replay of that send (decided again, not
/// counted again). `item` tells a batch's asks apart.
fn keyed_message_id(ask: &mut Ask, key: Option<&RecordingKey>, item: Option<usize>) {
    if let (true, None, Some(RecordingKey(key))) = (ask.record, &ask.message_id, key) {
        ask.message_id = Some(match item {
            Some(i) => format!("idempotency-key:{key}#{i}"),
            None => format!("idempotency-key:{key}"),
        });
    }
}

fn parse(req: &DecisionRequest) -> Result<(Ask, TopicKey), ApiError> {
    if req
        .message_id
        .as_ref()
        .is_some_and(|m| m.is_empty() || m.len() > 200)
    {
        return Err(ApiError::validation("message_id must be 1–200 characters"));
    }
    Ok((
        Ask {
            contact: ContactRef::parse(&req.contact)?,
            channel: Channel::parse(&req.channel)?,
            purpose: Purpose::parse(&req.purpose)?,
            record: req.record,
            message_id: req.message_id.clone(),
        },
        TopicKey::parse(&req.topic)?,
    ))
}

/// The answer to one ask: the verdict, and for an allow the address, links and headers.
fn answer(state: &AppState, ask: &Ask, topic: &Topic, decided: Decided) -> DecisionBody {
    let allow = decided.decision.verdict == Verdict::Allow;
    let (links, headers) = match (allow, decided.contact_id, ask.channel) {
        (true, Some(contact_id), Channel::Email) => {
            let LinkUrls {
                unsubscribe,
                preferences,
                not_me,
            } = state.links.urls(&LinkSubject {
                contact_id,
                topic_id: topic.id,
                channel: Some(ask.channel.as_str()),
                purpose: Some(ask.purpose.as_str()),
            });
            // Beside the HTTPS link, a `mailto:` one to Attune itself, when it receives mail.
            let mailto = state
                .config
                .inbound_mail_domain
                .as_deref()
                .and_then(|domain| {
                    let token = unsubscribe.rsplit('/').next()?;
                    Some(crate::inbound::mail::mailto(token, domain))
                });
            let required = topic.kind == app::domain::TopicKind::Required;
            let headers = (!required).then(|| {
                list_unsubscribe_headers(&unsubscribe, mailto.as_deref())
                    .into_iter()
                    .collect()
            });
            (
                Some(LinksBody {
                    unsubscribe: (!required).then_some(unsubscribe),
                    preferences,
                    not_me,
                }),
                headers,
            )
        }
        _ => (None, None),
    };
    DecisionBody {
        decision: decided.decision.verdict,
        reason: decided.decision.reason,
        defer_until: decided.decision.defer_until.map(|t| t.to_string()),
        preference_version: decided.version,
        address: decided.address,
        links,
        headers,
        ivr_prompt: (allow && ask.channel == Channel::Voice).then_some(IVR_PROMPT),
    }
}

/// One decision. An unknown topic is a 404 problem, not a decision.
#[utoipa::path(post, path = "/decisions", tag = "decisions", operation_id = "decide", request_body = DecisionRequest,
    responses((status = 200, body = DecisionBody), (status = 404, body = Problem, description = "Unknown topic"),
              (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn one(
    State(state): State<AppState>,
    sender: Sender,
    recording: Option<Extension<RecordingKey>>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Json<DecisionBody>, ApiError> {
    let (mut ask, key) = parse(&req)?;
    keyed_message_id(&mut ask, recording.as_deref(), None);
    let topic = state
        .store
        .cached_topic(&key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no topic {key}.")))?;
    let decided = state.store.decide(&ask, &topic, sender.id).await?;
    Ok(Json(answer(&state, &ask, &topic, decided)))
}

/// Decides the asks gathered so far together, and puts each answer where it was asked.
async fn decide_together(
    state: &AppState,
    asks: &mut Vec<(&Ask, &Topic)>,
    positions: &mut Vec<usize>,
    decided: &mut [Option<Decided>],
) -> Result<(), ApiError> {
    if asks.is_empty() {
        return Ok(());
    }
    for (i, d) in positions
        .drain(..)
        .zip(state.store.decide_many(asks).await?)
    {
        decided[i] = Some(d);
    }
    asks.clear();
    Ok(())
}

/// Up to 1000 decisions in one call.
#[utoipa::path(post, path = "/decisions/batch", tag = "decisions", operation_id = "decideBatch", request_body = BatchRequest,
    responses((status = 200, body = BatchBody), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn batch(
    State(state): State<AppState>,
    sender: Sender,
    recording: Option<Extension<RecordingKey>>,
    ApiJson(req): ApiJson<BatchRequest>,
) -> Result<Json<BatchBody>, ApiError> {
    if req.items.is_empty() || req.items.len() > MAX_BATCH {
        return Err(ApiError::validation(format!(
            "a batch has 1 to {MAX_BATCH} items, not {}",
            req.items.len()
        )));
    }
    let parsed = req
        .items
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (mut ask, key) =
                parse(r).map_err(|e| ApiError::validation(format!("items[{i}]: {}", e.detail)))?;
            keyed_message_id(&mut ask, recording.as_deref(), Some(i));
            Ok((ask, key))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut topics = Vec::with_capacity(parsed.len());
    for (_, key) in &parsed {
        topics.push(state.store.cached_topic(key).await?);
    }
    // In the order asked: the asks between two that record are decided together from the read
    // model; each that records is its own check-and-record.
    let mut decided: Vec<Option<Decided>> = (0..parsed.len()).map(|_| None).collect();
    let mut together = Vec::new();
    let mut positions = Vec::new();
    for (i, ((ask, _), topic)) in parsed.iter().zip(&topics).enumerate() {
        let Some(topic) = topic else { continue };
        if !ask.record {
            together.push((ask, &**topic));
            positions.push(i);
            continue;
        }
        decide_together(&state, &mut together, &mut positions, &mut decided).await?;
        decided[i] = Some(state.store.decide(ask, topic, sender.id).await?);
    }
    decide_together(&state, &mut together, &mut positions, &mut decided).await?;
    let results = parsed
        .iter()
        .zip(&topics)
        .zip(decided)
        .map(|(((ask, _), topic), decided)| match (topic, decided) {
            (Some(topic), Some(decided)) => answer(&state, ask, topic, decided),
            _ => DecisionBody {
                decision: Verdict::Deny,
                reason: Reason::UnknownTopic,
                defer_until: None,
                preference_version: 0,
                address: None,
                links: None,
                headers: None,
                ivr_prompt: None,
            },
        })
        .collect();
    Ok(Json(BatchBody { results }))
}
