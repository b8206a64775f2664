//! `/u/{token}` and `/n/{token}`: what a link in a message does (DESIGN §3).
//!
//! GET and HEAD change nothing: mail scanners fetch every link. `POST /u/{token}` is RFC 8058
//! one-click unsubscribe: no cookie, no Origin check, never a redirect, 200 on every repeat.
//! The page's other buttons (less often, stop everything, undo) post to the same URL with an
//! `action` field and do pass the same-site check.
//!
//! Here: the routes, and what every handler reads first (the token, the page's language, the
//! link's target). The refusal pages are `problems.rs`; what a choice will do, `plan.rs`; the
//! handlers, `unsubscribe.rs` and `not_me.rs`.

mod not_me;
mod plan;
mod problems;
mod unsubscribe;

use app::{
    domain::{AddressKind, Email, Frequency, TopicKey, TopicKind},
    i18n::Lang,
    pages::links::render_document,
    tr,
};
use axum::{extract::Path, response::Response, routing::get, Router};
use leptos::prelude::*;

use self::{
    not_me::{not_me_page, not_me_post},
    problems::{gone_contact, link_problem},
    unsubscribe::{unsubscribe_page, unsubscribe_post},
};
use super::{LinkClaims, LinkError, LinkKind};
use crate::{
    http::{language, page_error::server_error},
    state::AppState,
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

impl axum::extract::FromRequestParts<AppState> for LinkToken {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(token)) => Ok(LinkToken(token)),
            Err(_) => Err(link_problem(&Page::of(parts, state), LinkError::Malformed)),
        }
    }
}

/// What a page is written for: the organisation it speaks for, its language, and its path,
/// where the language switch comes back to. The language is the switch's choice, else the link's contact's once it is read
/// ([`Page::follow`]), else the browser's (`http::language`).
struct Page {
    /// The organisation's name (`ATTUNE_ORG_NAME`), which brands the page.
    org: String,
    lang: Lang,
    /// Whether the language switch chose it: then the contact's language does not override it.
    chosen: bool,
    path: String,
}

impl Page {
    fn of(parts: &axum::http::request::Parts, state: &AppState) -> Self {
        let chosen = language::chosen(&parts.headers);
        Page {
            org: state.config.org_name.clone(),
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
        render_document(&self.org, &self.lang, &self.path, title, body)
    }
}

impl axum::extract::FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Page::of(parts, state))
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
