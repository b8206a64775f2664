//! `/u/{token}` and `/n/{token}`: what a link in a message does (DESIGN §3).
//!
//! GET and HEAD change nothing: mail scanners fetch every link. `POST /u/{token}` is RFC 8058
//! one-click unsubscribe: no cookie, no Origin check, never a redirect, 200 on every repeat.
//! The page's other buttons (less often, stop everything, undo) post to the same URL with an
//! `action` field and do pass the same-site check.

use app::{
    domain::{Actor, AddressKind, Email, Frequency, TopicKey, TopicKind},
    i18n::Lang,
    pages::links::{
        render_document, LinkOutcome, LinkProblem, NotMeConfirm, Undo, UnsubscribeConfirm,
    },
    tr,
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
    http::{form::FormFields, language, page_error::server_error, security::is_same_site},
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
            Err(_) => Err(link_problem(&Page::of(parts), LinkError::Malformed)),
        }
    }
}

/// What a page is written for: its language, and its path, where the language switch comes
/// back to. The language is the switch's choice, else the link's contact's once it is read
/// ([`Page::follow`]), else the browser's (`http::language`).
struct Page {
    lang: Lang,
    /// Whether the language switch chose it: then the contact's language does not override it.
    chosen: bool,
    path: String,
}

impl Page {
    fn of(parts: &axum::http::request::Parts) -> Self {
        let chosen = language::chosen(&parts.headers);
        Page {
            lang: chosen
                .or_else(|| language::from_browser(&parts.headers))
                .unwrap_or_default(),
            chosen: chosen.is_some(),
            path: parts.uri.path().to_owned(),
        }
    }

    /// Writes in the link's contact's language, unless the switch chose another.
    fn follow(&mut self, locale: &str) {
        if let (false, Some(lang)) = (self.chosen, Lang::from_code(locale)) {
            self.lang = lang;
        }
    }

    /// The page around `body`, titled `title`.
    fn render(&self, title: &str, body: impl FnOnce() -> AnyView) -> String {
        render_document(&self.lang, &self.path, title, body)
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Page::of(parts))
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
fn problem(page: &Page, status: StatusCode, title: String, message: String) -> Response {
    let lang = page.lang;
    let html = page.render(&title.clone(), move || {
        view! { <LinkProblem lang title message/> }.into_any()
    });
    (status, Html(html)).into_response()
}

/// A 400 page: the messages `heading` and `text` in the page's language.
fn refused(page: &Page, heading: &str, text: &str) -> Response {
    let lang = &page.lang;
    problem(page, StatusCode::BAD_REQUEST, lang.t(heading), lang.t(text))
}

fn link_problem(page: &Page, e: LinkError) -> Response {
    let lang = &page.lang;
    match e {
        LinkError::Expired => problem(
            page,
            StatusCode::GONE,
            tr!(lang, "link-expired-heading"),
            tr!(lang, "link-expired-text"),
        ),
        LinkError::WrongKind => problem(
            page,
            StatusCode::NOT_FOUND,
            tr!(lang, "link-wrong-kind-heading"),
            tr!(lang, "link-nothing-changed"),
        ),
        LinkError::Malformed | LinkError::BadSignature | LinkError::UnknownKey => problem(
            page,
            StatusCode::BAD_REQUEST,
            tr!(lang, "link-broken-heading"),
            tr!(lang, "link-broken-text"),
        ),
    }
}

fn gone_contact(page: &Page) -> Response {
    problem(
        page,
        StatusCode::NOT_FOUND,
        tr!(page.lang, "link-gone-heading"),
        tr!(page.lang, "link-gone-text"),
    )
}

/// The link's target; `page` follows its contact's language from here on.
async fn load_target(
    state: &AppState,
    page: &mut Page,
    token: &str,
    kind: LinkKind,
) -> Result<Target, Response> {
    let claims = state
        .links
        .parse(token, kind)
        .map_err(|e| link_problem(page, e))?;
    let target = state
        .store
        .link_target(claims.contact_id, claims.topic_id)
        .await
        .map_err(server_error)?
        .ok_or_else(|| gone_contact(page))?;
    page.follow(&target.locale);
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
    fn masked_address(&self, lang: &Lang) -> Option<String> {
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
                tr!(lang, "unsubscribe-phone-ending", digits = tail)
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
async fn unsubscribe_page(
    State(state): State<AppState>,
    mut page: Page,
    LinkToken(token): LinkToken,
) -> Response {
    let target = match load_target(&state, &mut page, &token, LinkKind::Unsubscribe).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let action_url = format!("/u/{token}");
    let not_me_url = state.links.sibling(&target.claims, LinkKind::NotMe);
    let preferences_url = state.links.sibling(&target.claims, LinkKind::Preferences);
    let topic = target.topic.as_ref().map(|t| t.name.clone());
    let required = target.topic.as_ref().is_some_and(|t| t.required);
    let frequency = target.topic.as_ref().map(|t| t.frequency);
    let lang = page.lang;
    let address = target.masked_address(&lang);
    let html = page.render(&tr!(lang, "unsubscribe-page-title"), move || {
        view! { <UnsubscribeConfirm lang action_url topic required frequency address not_me_url preferences_url/> }.into_any()
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
    mut page: Page,
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
    let target = match load_target(&state, &mut page, &token, LinkKind::Unsubscribe).await {
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
    let lang = page.lang;
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
            &page,
            StatusCode::FORBIDDEN,
            tr!(lang, "link-undo-expired-heading"),
            tr!(lang, "link-undo-expired-text"),
        );
    }
    let (op, actor, title, message, mut undo): (
        Option<ChangeOp>,
        Actor,
        String,
        String,
        Option<Undo>,
    ) = match action.as_str() {
        "unsubscribe" => match &target.topic {
            Some(t) if t.required => (
                None,
                Actor::OneClick,
                tr!(lang, "outcome-required-heading", topic = t.name.as_str()),
                tr!(lang, "outcome-required-text", topic = t.name.as_str()),
                None,
            ),
            Some(t) => (
                Some(ChangeOp::Subscribed {
                    topic: t.key.clone(),
                    subscribed: false,
                }),
                Actor::OneClick,
                tr!(lang, "outcome-unsubscribed"),
                tr!(lang, "outcome-unsubscribed-topic", topic = t.name.as_str()),
                Some(Undo::new(
                    "undo_unsubscribe",
                    None,
                    tr!(lang, "undo-keep-getting", topic = t.name.as_str()),
                )),
            ),
            None => (
                Some(ChangeOp::UnsubscribedAll(true)),
                Actor::OneClick,
                tr!(lang, "outcome-unsubscribed"),
                tr!(lang, "outcome-unsubscribed-all"),
                Some(Undo::new(
                    "undo_everything",
                    None,
                    tr!(lang, "undo-subscribe-again"),
                )),
            ),
        },
        "everything" => (
            Some(ChangeOp::UnsubscribedAll(true)),
            Actor::OneClick,
            tr!(lang, "outcome-unsubscribed-everything"),
            tr!(lang, "outcome-unsubscribed-all"),
            Some(Undo::new(
                "undo_everything",
                None,
                tr!(lang, "undo-subscribe-again"),
            )),
        ),
        "less_often" => {
            let Some(t) = target.topic.as_ref().filter(|t| !t.required) else {
                return refused(&page, "link-no-topic-heading", "link-no-topic-text");
            };
            let Some(frequency) = field("frequency").and_then(|f| Frequency::parse(&f).ok()) else {
                return refused(
                    &page,
                    "link-choose-how-often-heading",
                    "link-choose-how-often-text",
                );
            };
            (
                Some(ChangeOp::Frequency {
                    topic: t.key.clone(),
                    frequency,
                }),
                Actor::Customer,
                tr!(lang, "outcome-less-often"),
                tr!(
                    lang,
                    "outcome-less-often-text",
                    topic = t.name.as_str(),
                    frequency = frequency_words(&lang, frequency)
                ),
                Some(Undo::new(
                    "undo_frequency",
                    Some(t.frequency.as_str().to_owned()),
                    tr!(lang, "undo-as-before"),
                )),
            )
        }
        "undo_unsubscribe" => {
            let Some(t) = target.topic.as_ref() else {
                return refused(&page, "link-nothing-to-undo", "link-no-topic-text");
            };
            (
                Some(ChangeOp::Subscribed {
                    topic: t.key.clone(),
                    subscribed: true,
                }),
                Actor::Customer,
                tr!(lang, "outcome-subscribed-again"),
                tr!(lang, "outcome-keep-getting", topic = t.name.as_str()),
                None,
            )
        }
        "undo_everything" => (
            Some(ChangeOp::UnsubscribedAll(false)),
            Actor::Customer,
            tr!(lang, "outcome-subscribed-again"),
            tr!(lang, "outcome-earlier-choices"),
            None,
        ),
        "undo_frequency" => {
            let (Some(t), Some(frequency)) = (
                target.topic.as_ref(),
                field("value").and_then(|f| Frequency::parse(&f).ok()),
            ) else {
                return refused(&page, "link-nothing-to-undo", "link-form-incomplete");
            };
            (
                Some(ChangeOp::Frequency {
                    topic: t.key.clone(),
                    frequency,
                }),
                Actor::Customer,
                tr!(lang, "outcome-changed-back"),
                tr!(
                    lang,
                    "outcome-changed-back-text",
                    topic = t.name.as_str(),
                    frequency = frequency_words(&lang, frequency)
                ),
                None,
            )
        }
        other => {
            return problem(
                &page,
                StatusCode::BAD_REQUEST,
                tr!(lang, "link-unknown-choice-heading"),
                tr!(
                    lang,
                    "link-unknown-choice-text",
                    choice = format!("{other:?}")
                ),
            );
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
            Err(ChangeError::UnknownContact) => return gone_contact(&page),
            Err(ChangeError::Database(e)) => return server_error(e),
            Err(ChangeError::Internal(e)) => return server_error(format!("{e:#}")),
            Err(e) => {
                return problem(
                    &page,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    tr!(lang, "link-cant-change"),
                    e.to_string(),
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
            let html = page.render(&title.clone(), move || {
                view! { <LinkOutcome lang title message action_url undo preferences_url=Some(preferences_url)/> }.into_any()
            });
            ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
        }
    }
}

/// "once a week", as in "You will get Offers once a week at most".
fn frequency_words(lang: &Lang, f: Frequency) -> String {
    tr!(lang, "link-frequency", frequency = f.as_str())
}

/// `GET /n/{token}`: asks first; changes nothing.
async fn not_me_page(
    State(state): State<AppState>,
    mut page: Page,
    LinkToken(token): LinkToken,
) -> Response {
    let target = match load_target(&state, &mut page, &token, LinkKind::NotMe).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let lang = page.lang;
    let Some(address) = target.masked_address(&lang) else {
        return problem(
            &page,
            StatusCode::NOT_FOUND,
            tr!(lang, "not-me-nothing-heading"),
            tr!(lang, "not-me-nothing-text"),
        );
    };
    let action_url = format!("/n/{token}");
    let html = page.render(&tr!(lang, "not-me-page-title"), move || {
        view! { <NotMeConfirm lang action_url address/> }.into_any()
    });
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// `POST /n/{token}`: the address is disputed; nothing more is sent to it until staff resolve it.
async fn not_me_post(
    State(state): State<AppState>,
    mut page: Page,
    LinkToken(token): LinkToken,
) -> Response {
    let target = match load_target(&state, &mut page, &token, LinkKind::NotMe).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let lang = page.lang;
    let Some(address) = target.masked_address(&lang) else {
        // The report is about an address the contact no longer has: nothing to dispute, and
        // the contact's current address must not be.
        return problem(
            &page,
            StatusCode::NOT_FOUND,
            tr!(lang, "not-me-nothing-heading"),
            tr!(lang, "not-me-nothing-changed"),
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
        Err(ChangeError::UnknownContact) => return gone_contact(&page),
        Err(e) => return server_error(e),
    }
    let title = tr!(lang, "not-me-thanks-heading");
    let message = tr!(lang, "not-me-thanks-text", address = address);
    let html = page.render(&title.clone(), move || {
        view! { <LinkOutcome lang title message action_url=String::new() undo=None preferences_url=None/> }.into_any()
    });
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}
