//! `/u/{token}` and `/n/{token}`: what a link in a message does (DESIGN §3).
//!
//! GET and HEAD change nothing: mail scanners fetch every link. `POST /u/{token}` is RFC 8058
//! one-click unsubscribe: no cookie, no Origin check, never a redirect, 200 on every repeat.
//! The page's other buttons (less often, stop everything, undo) post to the same URL with an
//! `action` field and do pass the same-site check.

use app::{
    domain::{Actor, AddressKind, Email, Frequency, TopicKey, TopicKind},
    pages::links::{
        render_document, LinkOutcome, LinkProblem, NotMeConfirm, Undo, UnsubscribeConfirm,
    },
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::prelude::*;
use serde_json::json;

use super::{LinkClaims, LinkError, LinkKind};
use crate::{
    http::{form::FormFields, page_error::server_error, security::is_same_site},
    state::AppState,
    store::{apply_change, ChangeError, ChangeOp, ChangeRequest},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/u/{token}", get(unsubscribe_page).post(unsubscribe_post))
        .route("/n/{token}", get(not_me_page).post(not_me_post))
}

/// The token from the URL; a path that isn't even text gets the same page as a garbled link.
struct LinkToken(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for LinkToken {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Response> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(token)) => Ok(LinkToken(token)),
            Err(_) => Err(link_problem(LinkError::Malformed)),
        }
    }
}

/// The contact and topic a link points at, as they are now.
struct Target {
    claims: LinkClaims,
    /// Mailed before the email address was replaced or reported (`links::outdated`).
    outdated: bool,
    email: Option<String>,
    phone: Option<String>,
    topic: Option<TopicInfo>,
}

struct TopicInfo {
    key: TopicKey,
    name: String,
    required: bool,
    frequency: Frequency,
}

/// A page for a link that can't be used; always a 4xx.
fn problem(status: StatusCode, title: &str, message: &str) -> Response {
    let (title, message) = (title.to_owned(), message.to_owned());
    let html = render_document(&title.clone(), move || {
        view! { <LinkProblem title message/> }.into_any()
    });
    (status, Html(html)).into_response()
}

fn link_problem(e: LinkError) -> Response {
    match e {
        LinkError::Expired => problem(
            StatusCode::GONE,
            "This link has expired",
            "Links in our messages work for six months. Nothing was changed.",
        ),
        LinkError::WrongKind => problem(
            StatusCode::NOT_FOUND,
            "This link is for another page",
            "Nothing was changed.",
        ),
        LinkError::Malformed | LinkError::BadSignature | LinkError::UnknownKey => problem(
            StatusCode::BAD_REQUEST,
            "This link doesn’t work",
            "It may have been cut short or changed when it was copied. Nothing was changed.",
        ),
    }
}

fn gone_contact() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "We no longer hold your details",
        "There is nothing to unsubscribe from: we send nothing to this address.",
    )
}

async fn load_target(state: &AppState, token: &str, kind: LinkKind) -> Result<Target, Response> {
    let claims = state.links.parse(token, kind).map_err(link_problem)?;
    let target = state
        .store
        .link_target(claims.contact_id, claims.topic_id)
        .await
        .map_err(server_error)?
        .ok_or_else(gone_contact)?;
    Ok(Target {
        outdated: super::outdated(&claims, &target),
        claims,
        email: target.email,
        phone: target.phone,
        topic: target.topic.map(|(t, p)| TopicInfo {
            frequency: p.frequency,
            key: t.key,
            name: t.name,
            required: t.kind == TopicKind::Required,
        }),
    })
}

impl Target {
    /// The address the message went to, partly hidden: links get forwarded.
    fn masked_address(&self) -> Option<String> {
        if self.outdated {
            return None;
        }
        match self.address_kind() {
            AddressKind::Phone => self.phone.as_ref().map(|p| {
                let tail: String = p
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("the phone number ending {tail}")
            }),
            _ => self
                .email
                .as_deref()
                .and_then(|e| Email::parse(e).ok())
                .map(|e| e.masked()),
        }
    }

    fn address_kind(&self) -> AddressKind {
        match super::token::channel_name(self.claims.channel) {
            Some("sms" | "voice") => AddressKind::Phone,
            _ => AddressKind::Email,
        }
    }
}

/// `GET /u/{token}` (and HEAD): the confirmation page. Changes nothing.
async fn unsubscribe_page(State(state): State<AppState>, LinkToken(token): LinkToken) -> Response {
    let target = match load_target(&state, &token, LinkKind::Unsubscribe).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let action_url = format!("/u/{token}");
    let not_me_url = state.links.sibling(&target.claims, LinkKind::NotMe);
    let preferences_url = state.links.sibling(&target.claims, LinkKind::Preferences);
    let topic = target.topic.as_ref().map(|t| t.name.clone());
    let required = target.topic.as_ref().is_some_and(|t| t.required);
    let frequency = target.topic.as_ref().map(|t| t.frequency);
    let address = target.masked_address();
    let html = render_document("Unsubscribe", move || {
        view! { <UnsubscribeConfirm action_url topic required frequency address not_me_url preferences_url/> }.into_any()
    });
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        Html(html),
    )
        .into_response()
}

/// What a POST to `/u/{token}` asks for.
enum Choice {
    /// RFC 8058 one-click (no `action` field), answered in plain text.
    OneClick,
    Page(String),
}

/// `POST /u/{token}`.
async fn unsubscribe_post(
    State(state): State<AppState>,
    LinkToken(token): LinkToken,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = match FormFields::read(&headers, body).await {
        Ok(f) => f,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("The form could not be read: {e}\n"),
            )
                .into_response()
        }
    };
    let field = |name: &str| fields.get(name);
    let choice = match field("action") {
        None => Choice::OneClick,
        Some(a) => Choice::Page(a),
    };
    let target = match load_target(&state, &token, LinkKind::Unsubscribe).await {
        Ok(t) => t,
        Err(r) => {
            return match choice {
                // Mail providers read plain text; keep the 4xx status.
                Choice::OneClick => (
                    r.status(),
                    "This unsubscribe link is not valid; nothing was changed.\n",
                )
                    .into_response(),
                Choice::Page(_) => r,
            };
        }
    };
    let action = match &choice {
        Choice::OneClick => "unsubscribe".to_owned(),
        Choice::Page(a) => a.clone(),
    };
    // Only the unsubscribe itself may come from another site (a mail provider's one-click).
    if action != "unsubscribe" && !is_same_site(&headers, &state.origin) {
        return (
            StatusCode::FORBIDDEN,
            "This request came from another site and was refused.\n",
        )
            .into_response();
    }
    if action.starts_with("undo_")
        && !state
            .links
            .undo_allowed(&target.claims, field("undo").as_deref())
    {
        return problem(
            StatusCode::FORBIDDEN,
            "This undo has expired",
            "An undo works for an hour after the change, from the page that made it. Nothing was changed; your preference page lets you choose again.",
        );
    }
    let (op, actor, title, message, mut undo): (Option<ChangeOp>, Actor, String, String, Option<Undo>) = match action.as_str() {
        "unsubscribe" => match &target.topic {
            Some(t) if t.required => (
                None,
                Actor::OneClick,
                format!("{} can’t be switched off", t.name),
                format!("{} are required messages, so they can’t be unsubscribed. Nothing was changed.", t.name),
                None,
            ),
            Some(t) => (
                Some(ChangeOp::Subscribed { topic: t.key.clone(), subscribed: false }),
                Actor::OneClick,
                "You are unsubscribed".to_owned(),
                format!("You will get no more {} from us.", t.name),
                Some(Undo { action: "undo_unsubscribe", value: None, label: format!("Undo: keep getting {}", t.name), proof: String::new() }),
            ),
            None => (
                Some(ChangeOp::UnsubscribedAll(true)),
                Actor::OneClick,
                "You are unsubscribed".to_owned(),
                "You will get no more optional messages from us. Required ones, such as sign-in links, still reach you.".to_owned(),
                Some(Undo { action: "undo_everything", value: None, label: "Undo: subscribe me again".to_owned(), proof: String::new() }),
            ),
        },
        "everything" => (
            Some(ChangeOp::UnsubscribedAll(true)),
            Actor::OneClick,
            "You are unsubscribed from everything".to_owned(),
            "You will get no more optional messages from us. Required ones, such as sign-in links, still reach you.".to_owned(),
            Some(Undo { action: "undo_everything", value: None, label: "Undo: subscribe me again".to_owned(), proof: String::new() }),
        ),
        "less_often" => {
            let Some(t) = target.topic.as_ref().filter(|t| !t.required) else {
                return problem(StatusCode::BAD_REQUEST, "Nothing to change", "This link is not about one topic.");
            };
            let Some(frequency) = field("frequency").and_then(|f| Frequency::parse(&f).ok()) else {
                return problem(StatusCode::BAD_REQUEST, "Choose how often", "Pick once a week or once a month.");
            };
            (
                Some(ChangeOp::Frequency { topic: t.key.clone(), frequency }),
                Actor::Customer,
                "Less often it is".to_owned(),
                format!("You will get {} {} at most.", t.name, frequency_words(frequency)),
                Some(Undo {
                    action: "undo_frequency",
                    value: Some(t.frequency.as_str().to_owned()),
                    label: "Undo: as often as before".to_owned(),
                    proof: String::new(),
                }),
            )
        }
        "undo_unsubscribe" => {
            let Some(t) = target.topic.as_ref() else {
                return problem(StatusCode::BAD_REQUEST, "Nothing to undo", "This link is not about one topic.");
            };
            (
                Some(ChangeOp::Subscribed { topic: t.key.clone(), subscribed: true }),
                Actor::Customer,
                "You are subscribed again".to_owned(),
                format!("You will keep getting {}.", t.name),
                None,
            )
        }
        "undo_everything" => (
            Some(ChangeOp::UnsubscribedAll(false)),
            Actor::Customer,
            "You are subscribed again".to_owned(),
            "Your earlier choices apply again.".to_owned(),
            None,
        ),
        "undo_frequency" => {
            let (Some(t), Some(frequency)) =
                (target.topic.as_ref(), field("value").and_then(|f| Frequency::parse(&f).ok()))
            else {
                return problem(StatusCode::BAD_REQUEST, "Nothing to undo", "The form was incomplete.");
            };
            (
                Some(ChangeOp::Frequency { topic: t.key.clone(), frequency }),
                Actor::Customer,
                "Changed back".to_owned(),
                format!("You will get {} {} again.", t.name, frequency_words(frequency)),
                None,
            )
        }
        other => {
            return problem(StatusCode::BAD_REQUEST, "Unknown choice", &format!("{other:?} is not something this page can do."));
        }
    };
    if let Some(op) = op {
        let req = ChangeRequest {
            contact_id: target.claims.contact_id,
            actor,
            reason: None,
            meta: Some(json!({"source": "unsubscribe link", "action": action})),
            ops: vec![op],
            said_at: Some(target.address_kind()),
            consent_at: None,
            together: Vec::new(),
            keep_session: None,
        };
        match apply_change(&state.store, &req).await {
            // An undo only for a change this request made: repeating an old unsubscribe hands
            // out no way to re-subscribe.
            Ok(Some(_)) => {
                if let Some(u) = undo.as_mut() {
                    u.proof = state.links.undo_proof(&target.claims);
                }
            }
            Ok(None) => undo = None,
            Err(ChangeError::UnknownContact) => return gone_contact(),
            Err(ChangeError::Database(e)) => return server_error(e),
            Err(ChangeError::Internal(e)) => return server_error(format!("{e:#}")),
            Err(e) => {
                return problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "That can’t be changed",
                    &e.to_string(),
                )
            }
        }
    }
    match choice {
        Choice::OneClick => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            format!("{title}. {message}\n"),
        )
            .into_response(),
        Choice::Page(_) => {
            // Signed only for the page: a one-click answer carries no links.
            let preferences_url = state.links.sibling(&target.claims, LinkKind::Preferences);
            let action_url = format!("/u/{token}");
            let html = render_document(&title.clone(), move || {
                view! { <LinkOutcome title message action_url undo preferences_url=Some(preferences_url)/> }.into_any()
            });
            ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
        }
    }
}

fn frequency_words(f: Frequency) -> &'static str {
    match f {
        Frequency::Immediate => "as it happens",
        Frequency::Daily => "once a day",
        Frequency::Weekly => "once a week",
        Frequency::Monthly => "once a month",
    }
}

/// `GET /n/{token}`: asks first; changes nothing.
async fn not_me_page(State(state): State<AppState>, LinkToken(token): LinkToken) -> Response {
    let target = match load_target(&state, &token, LinkKind::NotMe).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Some(address) = target.masked_address() else {
        return problem(
            StatusCode::NOT_FOUND,
            "Nothing to report",
            "We hold no address for this link any more.",
        );
    };
    let action_url = format!("/n/{token}");
    let html = render_document("Not you?", move || {
        view! { <NotMeConfirm action_url address/> }.into_any()
    });
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// `POST /n/{token}`: the address is disputed; nothing more is sent to it until staff resolve it.
async fn not_me_post(State(state): State<AppState>, LinkToken(token): LinkToken) -> Response {
    let target = match load_target(&state, &token, LinkKind::NotMe).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Some(address) = target.masked_address() else {
        // The report is about an address the contact no longer has: nothing to dispute, and
        // the contact's current address must not be.
        return problem(
            StatusCode::NOT_FOUND,
            "Nothing to report",
            "We hold no address for this link any more. Nothing was changed.",
        );
    };
    let req = ChangeRequest {
        contact_id: target.claims.contact_id,
        actor: Actor::OneClick,
        reason: Some("reported through a “not me” link".to_owned()),
        meta: Some(json!({"source": "not-me link"})),
        ops: vec![ChangeOp::DisputeAddress(target.address_kind())],
        said_at: None,
        consent_at: None,
        together: Vec::new(),
        keep_session: None,
    };
    match apply_change(&state.store, &req).await {
        Ok(_) | Err(ChangeError::NoAddress(_)) => {}
        Err(ChangeError::UnknownContact) => return gone_contact(),
        Err(e) => return server_error(e),
    }
    let title = "Thank you".to_owned();
    let message = format!(
        "We will send nothing more to {address} until our staff have checked it. You don’t need to do anything else."
    );
    let html = render_document("Thank you", move || {
        view! { <LinkOutcome title message action_url=String::new() undo=None preferences_url=None/> }.into_any()
    });
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}
