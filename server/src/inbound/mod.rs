//! Replies are choices too (DESIGN §3.1): STOP and START by text, "press 9" on a call. The
//! provider's webhook is verified by its signature; a reply is an address choice at the phone,
//! applied to every live record holding it (actor `reply`), and answered with the text to send.
//!
//! Routes answer 404 unless `ATTUNE_SMS_AUTH_TOKEN` is set.

pub mod keywords;
pub mod mail;
pub mod smtp;
pub mod twilio;

use app::domain::{AddressKind, Channel, Phone};
use app::{i18n::Lang, tr};
use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    http::page_error::server_error,
    state::AppState,
    store::{apply_changes, changes::address::Scope, ChangeOp, ChangeRequest, Grant},
};
use keywords::{keyword, Keyword};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbound/sms/twilio", post(sms_twilio))
        .route("/inbound/sms", post(sms_json))
        .route("/inbound/voice/twilio", post(voice_twilio))
        .route("/inbound/mail", post(mail_webhook))
}

/// Why a provider's webhook is refused; nothing changes.
enum Refused {
    /// `ATTUNE_SMS_AUTH_TOKEN` is not set: the routes are not there.
    NotConfigured,
    BadSignature,
    /// Signed, but not a delivery as the provider sends it (DESIGN §9).
    Unfit(twilio::Unfit),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NotConfigured => {
                (StatusCode::NOT_FOUND, "Replies are not set up here.\n").into_response()
            }
            Refused::BadSignature => (
                StatusCode::FORBIDDEN,
                "The signature does not match; nothing was changed.\n",
            )
                .into_response(),
            Refused::Unfit(unfit) => {
                let status = match unfit {
                    twilio::Unfit::OtherAccount => StatusCode::FORBIDDEN,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, format!("Refused: {unfit}; nothing was changed.\n")).into_response()
            }
        }
    }
}

/// The provider's form parameters, once its signature checks out and they are exactly what the
/// provider sends to this hook.
fn verified(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    hook: twilio::Hook,
) -> Result<Vec<(String, String)>, Refused> {
    let path = match hook {
        twilio::Hook::Sms => "/inbound/sms/twilio",
        twilio::Hook::Voice => "/inbound/voice/twilio",
    };
    let Some(token) = state.config.sms_auth_token.as_deref() else {
        return Err(Refused::NotConfigured);
    };
    let params: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    // The URL the provider was given: the configured base URL, never the request's `Host`.
    let url = format!(
        "{}{path}",
        state.config.base_url.as_str().trim_end_matches('/')
    );
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !twilio::verify(token, &url, &params, signature) {
        tracing::warn!(
            path,
            "refused a provider webhook whose signature does not match"
        );
        return Err(Refused::BadSignature);
    }
    let account = state.config.sms_account_sid.as_deref();
    if let Err(unfit) = twilio::check(hook, &params, account) {
        // The reason names parameters, never their values (numbers and texts are personal).
        tracing::warn!(path, reason = %unfit, "refused a signed provider webhook");
        return Err(Refused::Unfit(unfit));
    }
    Ok(params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// How a Twilio text's id is kept as handled. Twilio's signature has no time in it, so these
/// are kept for good (see `store::purge`).
pub const TWILIO_SMS: &str = "twilio-sms:";
/// How a Twilio call's id is kept as handled.
pub const TWILIO_VOICE: &str = "twilio-voice:";

/// A TwiML answer around `inner` (already XML).
fn twiml(inner: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{inner}</Response>"),
    )
        .into_response()
}

fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `POST /inbound/sms/twilio`: a text to one of the organisation's numbers, as the provider
/// posts it; answered in TwiML.
async fn sms_twilio(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match verified(&state, &headers, &body, twilio::Hook::Sms) {
        Ok(p) => p,
        Err(refused) => return refused.into_response(),
    };
    let delivery = param(&params, "MessageSid").map(|sid| format!("{TWILIO_SMS}{sid}"));
    let from = param(&params, "From").unwrap_or_default();
    match text_reply(
        &state,
        from,
        param(&params, "Body").unwrap_or_default(),
        delivery,
    )
    .await
    {
        Ok(Some(text)) => twiml(&format!("<Message>{}</Message>", xml_text(&text))),
        Ok(None) => twiml(""),
        Err(e) => server_error(format!("{e:#}")),
    }
}

/// A text reply as any other provider posts it: JSON, signed the Standard Webhooks way with
/// `ATTUNE_SMS_AUTH_TOKEN` (`whsec_…`, or the token's own bytes).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundText {
    /// The sender's number, E.164.
    pub from: String,
    /// The organisation's number it was sent to.
    #[serde(default)]
    pub to: Option<String>,
    pub body: String,
}

/// How far a Standard Webhooks timestamp may be from now (replays of old deliveries are refused).
const TIMESTAMP_TOLERANCE_SECS: i64 = 300;

/// `POST /inbound/sms`: the same as the Twilio route, for any provider; answered
/// `{"reply": "…"}` (null: send nothing). The `webhook-id` is the delivery's id.
async fn sms_json(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(token) = state.config.sms_auth_token.as_deref() else {
        return Refused::NotConfigured.into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(Ok(timestamp)), Some(signature)) = (
        header("webhook-id"),
        header("webhook-timestamp").map(str::parse::<i64>),
        header("webhook-signature"),
    ) else {
        return Refused::BadSignature.into_response();
    };
    let fresh = (jiff::Timestamp::now().as_second() - timestamp).abs() <= TIMESTAMP_TOLERANCE_SECS;
    let secret = crate::webhooks::signing::Secret::from_config(token);
    if !fresh || !secret.verifies(id, timestamp, &body, signature) {
        tracing::warn!(
            path = "/inbound/sms",
            "refused a provider webhook whose signature does not match"
        );
        return Refused::BadSignature.into_response();
    }
    let text: InboundText = match serde_json::from_slice(&body) {
        Ok(t) => t,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("The body is not a text reply ({{\"from\", \"body\"}}): {e}\n"),
            )
                .into_response()
        }
    };
    let delivery = Some(format!("sms:{id}"));
    match text_reply(&state, &text.from, &text.body, delivery).await {
        Ok(reply) => axum::Json(json!({ "reply": reply })).into_response(),
        Err(e) => server_error(format!("{e:#}")),
    }
}

/// What a text from `from` saying `body` does, and the text to answer with (`None`: not a
/// keyword, or no sender; nothing changes and nothing is sent).
async fn text_reply(
    state: &AppState,
    from: &str,
    body: &str,
    delivery: Option<String>,
) -> anyhow::Result<Option<String>> {
    let (Ok(phone), Some((class, word))) = (Phone::parse(from), keyword(body)) else {
        return Ok(None);
    };
    let said = format!("You replied {word} by text");
    let out = match class {
        Keyword::Stop => Some(true),
        Keyword::Start => Some(false),
        Keyword::Help => None,
    };
    let first = apply_reply(state, &phone, Channel::Sms, out, &said, delivery).await?;
    let org = state.config.org_name.as_str();
    // The answer is in the language of the record the number belongs to.
    let (manage, lang) = match first {
        Some(id) => (
            state.links.text_preferences_url(id),
            state.store.contact_language(id).await?,
        ),
        None => (state.config.base_url.to_string(), Lang::english()),
    };
    let link = manage.as_str();
    Ok(Some(match class {
        Keyword::Stop => tr!(lang, "reply-stop", org = org, link = link),
        Keyword::Start => tr!(lang, "reply-start", org = org, link = link),
        Keyword::Help => tr!(lang, "reply-help", org = org, link = link),
    }))
}

/// `POST /inbound/mail`: a raw message (`message/rfc822`) as a provider forwards inbound mail;
/// each recipient of ours (`unsubscribe+TOKEN@ATTUNE_INBOUND_MAIL_DOMAIN`) unsubscribes as its
/// one-click link would, each once; more than [`mail::MAX_RECIPIENTS`] of them is refused (422).
/// An automatic message changes nothing. Answers `{"applied": n}`.
async fn mail_webhook(State(state): State<AppState>, body: Bytes) -> Response {
    let Some(domain) = state.config.inbound_mail_domain.as_deref() else {
        return Refused::NotConfigured.into_response();
    };
    if body.len() > mail::MAX_MESSAGE_BYTES {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The message is larger than 256 KiB; nothing was changed.\n",
        )
            .into_response();
    }
    let Some(message) = mail_parser::MessageParser::default().parse(&body[..]) else {
        return (StatusCode::BAD_REQUEST, "The body is not a mail message.\n").into_response();
    };
    let recipients = mail::recipients(&message);
    let tokens = mail::tokens_of_ours(&state, recipients.iter().map(String::as_str), domain);
    if tokens.len() > mail::MAX_RECIPIENTS {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "The message is to more than {} unsubscribe addresses; nothing was changed.\n",
                mail::MAX_RECIPIENTS
            ),
        )
            .into_response();
    }
    match mail::receive(&state, &body, &tokens).await {
        Ok(applied) => axum::Json(json!({ "applied": applied })).into_response(),
        Err(e) => server_error(format!("{e:#}")),
    }
}

/// `POST /inbound/voice/twilio`: a key-press on an automated call; 9 stops such calls to the
/// number called.
async fn voice_twilio(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match verified(&state, &headers, &body, twilio::Hook::Voice) {
        Ok(p) => p,
        Err(refused) => return refused.into_response(),
    };
    let (Some("9"), Some(Ok(phone))) = (
        param(&params, "Digits").map(str::trim),
        param(&params, "To").map(Phone::parse),
    ) else {
        return twiml("");
    };
    let delivery = param(&params, "CallSid").map(|sid| format!("{TWILIO_VOICE}{sid}"));
    let said = "You pressed 9 on an automated call".to_owned();
    if let Err(e) = apply_reply(&state, &phone, Channel::Voice, Some(true), &said, delivery).await {
        return server_error(format!("{e:#}"));
    }
    let text = format!(
        "You will get no more automated calls from {}. Goodbye.",
        state.config.org_name
    );
    twiml(&format!("<Say>{}</Say><Hangup/>", xml_text(&text)))
}

/// Applies a reply to every live record holding `phone`: `Some(true)` opts `channel` out (an
/// address choice), `Some(false)` opens it again (the reply is the person's consent), `None`
/// changes nothing. A delivery seen before changes nothing twice. Returns the first record's id.
async fn apply_reply(
    state: &AppState,
    phone: &Phone,
    channel: Channel,
    out: Option<bool>,
    said: &str,
    delivery: Option<String>,
) -> anyhow::Result<Option<i64>> {
    let store = &state.store;
    let records = store.records_with_phone(phone.as_str()).await?;
    let Some(out) = out else {
        return Ok(records.first().copied());
    };
    if let Some(id) = &delivery {
        if store.inbound_seen(id).await? {
            return Ok(records.first().copied());
        }
    }
    if records.is_empty() {
        // Nobody holds the number yet: the choice waits at the address for whoever does.
        store
            .reply_without_record(
                AddressKind::Phone,
                phone.as_str(),
                &Scope::Channel(channel),
                out,
            )
            .await?;
    } else {
        let reqs: Vec<ChangeRequest> = records
            .iter()
            .map(|&contact_id| ChangeRequest {
                contact_id,
                grant: Grant::reply(contact_id, AddressKind::Phone),
                reason: Some(said.to_owned()),
                meta: Some(json!({
                    "source": "reply",
                    "channel": channel.as_str(),
                    // Opening the channel again is the person's own request: their consent.
                    "consent": (!out).then_some(said),
                })),
                ops: vec![ChangeOp::OptOut { channel, out }],
                keep_session: None,
                said_at: Some(AddressKind::Phone),
                consent_at: None,
                together: records.clone(),
            })
            .collect();
        apply_changes(store, &reqs).await?;
    }
    if let Some(id) = &delivery {
        store.mark_inbound(id).await?;
    }
    Ok(records.first().copied())
}
