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

use super::{LinkClaims, LinkError, LinkKind, UndoAction};
use crate::{
    http::{form::FormFields, language, page_error::server_error, security::is_same_site},
    state::AppState,
    store::{apply_change, ChangeError, ChangeOp, ChangeRequest, Grant},
};

/// `/u/` is posted from other sites by design (RFC 8058 one-click, by mail providers) and so
/// takes no `cross_site` guard; `/n/` ("not me") does.
pub fn router(state: &AppState) -> Router<AppState> {
    let cross_site = axum::middleware::from_fn_with_state(
        state.clone(),
        crate::http::security::refuse_cross_site,
    );
    let not_me = Router::new()
        .route("/n/{token}", get(not_me_page).post(not_me_post))
        .layer(cross_site);
    Router::new()
        .route("/u/{token}", get(unsubscribe_page).post(unsubscribe_post))
        .merge(not_me)
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
        super::address_kind(&self.claims)
    }
}

/// `GET /u/{token}` (and HEAD): the confirmation page. Changes nothing.
async fn unsubscribe_page(
    State(state): State<AppState>,
    mut page: Page,
    LinkToken(token): LinkToken,
) -> Response {
    let target = match load_target(&state, &mut page, &token, LinkKind::Unsubscribe).await {
        Ok(t) if !t.outdated => t,
        Ok(_) => return outdated_link(&page),
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

/// What a choice will do, decided before anything is written: the change (with the grant the
/// link or the undo proof gives it), the words of the outcome, and the undo it offers once made.
struct Plan {
    change: Option<(ChangeOp, Grant)>,
    title: String,
    message: String,
    undo: Option<(Undo, UndoAction)>,
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
    let choice = match fields.get("action") {
        None => Choice::OneClick,
        Some(a) => Choice::Page(a),
    };
    let target = match load_target(&state, &mut page, &token, LinkKind::Unsubscribe).await {
        Ok(t) if !t.outdated => t,
        // A link mailed before the address was corrected proves nothing (DESIGN §3.2).
        Ok(_) => return plain_for_one_click(&choice, outdated_link(&page)),
        Err(r) => return plain_for_one_click(&choice, r),
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
    let plan = match plan_choice(&state, &page, &target, &action, &fields) {
        Ok(plan) => plan,
        Err(r) => return r,
    };
    let undo = match commit(&state, &page, &target, &action, plan.change, plan.undo).await {
        Ok(undo) => undo,
        Err(r) => return r,
    };
    let (lang, title, message) = (page.lang, plan.title, plan.message);
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

/// A refusal as a one-click POST gets it: mail providers read plain text; the 4xx is kept.
fn plain_for_one_click(choice: &Choice, page: Response) -> Response {
    match choice {
        Choice::OneClick => (
            page.status(),
            "This unsubscribe link is not valid; nothing was changed.\n",
        )
            .into_response(),
        Choice::Page(_) => page,
    }
}

/// The page for a link mailed to an address the contact no longer has.
fn outdated_link(page: &Page) -> Response {
    refused_with(
        page,
        StatusCode::GONE,
        "link-outdated-heading",
        "link-outdated-text",
    )
}

fn refused_with(page: &Page, status: StatusCode, heading: &str, text: &str) -> Response {
    problem(page, status, page.lang.t(heading), page.lang.t(text))
}

/// Plans what `action` does with the link's target. Pure but for reading the undo proof.
// A refusal is the page to answer with; it is made once per request.
#[allow(clippy::result_large_err)]
fn plan_choice(
    state: &AppState,
    page: &Page,
    target: &Target,
    action: &str,
    fields: &FormFields,
) -> Result<Plan, Response> {
    let lang = page.lang;
    if let Some(undo) = UndoAction::parse(action) {
        let Some(seq) = state
            .links
            .undoable(&target.claims, fields.get("undo").as_deref(), undo)
        else {
            return Err(undo_refused(page));
        };
        let (op, title, message) = plan_undo(page, target, undo, fields)?;
        let grant = Grant::undo(target.claims.contact_id, seq, target.address_kind());
        return Ok(Plan {
            change: Some((op, grant)),
            title,
            message,
            undo: None,
        });
    }
    match action {
        "unsubscribe" => Ok(plan_unsubscribe(page, target)),
        "everything" => Ok(Plan {
            title: tr!(lang, "outcome-unsubscribed-everything"),
            ..plan_everything(page, target)
        }),
        "less_often" => plan_less_often(page, target, fields),
        other => Err(problem(
            page,
            StatusCode::BAD_REQUEST,
            tr!(lang, "link-unknown-choice-heading"),
            tr!(
                lang,
                "link-unknown-choice-text",
                choice = format!("{other:?}")
            ),
        )),
    }
}

/// What a link may do: only tighten, for its record, on the channels of its address.
fn tighten(target: &Target, actor: Actor) -> Grant {
    Grant::unsubscribe_link(target.claims.contact_id, target.address_kind(), actor)
}

/// Unsubscribe from everything optional, with an undo.
fn plan_everything(page: &Page, target: &Target) -> Plan {
    let lang = page.lang;
    Plan {
        change: Some((
            ChangeOp::UnsubscribedAll(true),
            tighten(target, Actor::OneClick),
        )),
        title: tr!(lang, "outcome-unsubscribed"),
        message: tr!(lang, "outcome-unsubscribed-all"),
        undo: Some((
            Undo::new("undo_everything", None, tr!(lang, "undo-subscribe-again")),
            UndoAction::Everything,
        )),
    }
}

/// Unsubscribe from the link's topic (a required one can't be left), or, for a link without a
/// topic, from everything optional.
fn plan_unsubscribe(page: &Page, target: &Target) -> Plan {
    let lang = page.lang;
    match &target.topic {
        Some(t) if t.required => Plan {
            change: None,
            title: tr!(lang, "outcome-required-heading", topic = t.name.as_str()),
            message: tr!(lang, "outcome-required-text", topic = t.name.as_str()),
            undo: None,
        },
        Some(t) => Plan {
            change: Some((
                ChangeOp::Subscribed {
                    topic: t.key.clone(),
                    subscribed: false,
                },
                tighten(target, Actor::OneClick),
            )),
            title: tr!(lang, "outcome-unsubscribed"),
            message: tr!(lang, "outcome-unsubscribed-topic", topic = t.name.as_str()),
            undo: Some((
                Undo::new(
                    "undo_unsubscribe",
                    None,
                    tr!(lang, "undo-keep-getting", topic = t.name.as_str()),
                ),
                UndoAction::Unsubscribe,
            )),
        },
        None => plan_everything(page, target),
    }
}

/// Less often: a lower frequency than today's, since a link only tightens (DESIGN §3.2).
// A refusal is the page to answer with; it is made once per request.
#[allow(clippy::result_large_err)]
fn plan_less_often(page: &Page, target: &Target, fields: &FormFields) -> Result<Plan, Response> {
    let lang = page.lang;
    let Some(t) = target.topic.as_ref().filter(|t| !t.required) else {
        return Err(refused(page, "link-no-topic-heading", "link-no-topic-text"));
    };
    let Some(frequency) = fields
        .get("frequency")
        .and_then(|f| Frequency::parse(&f).ok())
        .filter(|f| *f > t.frequency)
    else {
        return Err(refused(
            page,
            "link-choose-how-often-heading",
            "link-choose-how-often-text",
        ));
    };
    Ok(Plan {
        change: Some((
            ChangeOp::Frequency {
                topic: t.key.clone(),
                frequency,
            },
            tighten(target, Actor::Customer),
        )),
        title: tr!(lang, "outcome-less-often"),
        message: tr!(
            lang,
            "outcome-less-often-text",
            topic = t.name.as_str(),
            frequency = frequency_words(&lang, frequency)
        ),
        undo: Some((
            Undo::new(
                "undo_frequency",
                Some(t.frequency.as_str().to_owned()),
                tr!(lang, "undo-as-before"),
            ),
            UndoAction::Frequency,
        )),
    })
}

/// What an undo button asks to put back; the change function checks that it is exactly what
/// the proof's change took away.
// A refusal is the page to answer with; it is made once per request.
#[allow(clippy::result_large_err)]
fn plan_undo(
    page: &Page,
    target: &Target,
    undo: UndoAction,
    fields: &FormFields,
) -> Result<(ChangeOp, String, String), Response> {
    let lang = page.lang;
    Ok(match undo {
        UndoAction::Unsubscribe => {
            let Some(t) = target.topic.as_ref() else {
                return Err(refused(page, "link-nothing-to-undo", "link-no-topic-text"));
            };
            (
                ChangeOp::Subscribed {
                    topic: t.key.clone(),
                    subscribed: true,
                },
                tr!(lang, "outcome-subscribed-again"),
                tr!(lang, "outcome-keep-getting", topic = t.name.as_str()),
            )
        }
        UndoAction::Everything => (
            ChangeOp::UnsubscribedAll(false),
            tr!(lang, "outcome-subscribed-again"),
            tr!(lang, "outcome-earlier-choices"),
        ),
        UndoAction::Frequency => {
            let (Some(t), Some(frequency)) = (
                target.topic.as_ref(),
                fields.get("value").and_then(|f| Frequency::parse(&f).ok()),
            ) else {
                return Err(refused(
                    page,
                    "link-nothing-to-undo",
                    "link-form-incomplete",
                ));
            };
            (
                ChangeOp::Frequency {
                    topic: t.key.clone(),
                    frequency,
                },
                tr!(lang, "outcome-changed-back"),
                tr!(
                    lang,
                    "outcome-changed-back-text",
                    topic = t.name.as_str(),
                    frequency = frequency_words(&lang, frequency)
                ),
            )
        }
    })
}

fn undo_refused(page: &Page) -> Response {
    refused_with(
        page,
        StatusCode::FORBIDDEN,
        "link-undo-expired-heading",
        "link-undo-expired-text",
    )
}

/// Applies the planned change; returns the undo to offer, signed for the change just made (an
/// undo only for a change this request made: repeating an old unsubscribe hands out no way to
/// re-subscribe).
async fn commit(
    state: &AppState,
    page: &Page,
    target: &Target,
    action: &str,
    change: Option<(ChangeOp, Grant)>,
    undo: Option<(Undo, UndoAction)>,
) -> Result<Option<Undo>, Response> {
    let Some((op, grant)) = change else {
        return Ok(None);
    };
    let undoing = grant.undoes().is_some();
    let req = ChangeRequest {
        contact_id: target.claims.contact_id,
        grant,
        reason: None,
        meta: Some(json!({"source": "unsubscribe link", "action": action})),
        ops: vec![op],
        said_at: Some(target.address_kind()),
        consent_at: None,
        together: Vec::new(),
        keep_session: None,
    };
    match apply_change(&state.store, &req).await {
        Ok(Some(committed)) => Ok(undo.map(|(mut u, action)| {
            u.proof = state
                .links
                .undo_proof(&target.claims, committed.seq, action);
            u
        })),
        Ok(None) => Ok(None),
        Err(ChangeError::NotPermitted(_)) if undoing => Err(undo_refused(page)),
        Err(ChangeError::UnknownContact) => Err(gone_contact(page)),
        Err(ChangeError::Database(e)) => Err(server_error(e)),
        Err(ChangeError::Internal(e)) => Err(server_error(format!("{e:#}"))),
        Err(e) => Err(problem(
            page,
            StatusCode::UNPROCESSABLE_ENTITY,
            tr!(page.lang, "link-cant-change"),
            e.to_string(),
        )),
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
        grant: Grant::not_me(target.claims.contact_id, target.address_kind()),
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
