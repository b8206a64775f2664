//! The pages for a link that can't be used, or a choice that is refused: always a 4xx.

use app::{pages::links::LinkProblem, tr};
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use leptos::prelude::*;

use super::Page;
use crate::links::LinkError;

/// A page for a link that can't be used; always a 4xx.
pub(super) fn problem(page: &Page, status: StatusCode, title: String, message: String) -> Response {
    let lang = page.lang;
    let html = page.render(&title.clone(), move || {
        view! { <LinkProblem lang title message/> }.into_any()
    });
    (status, Html(html)).into_response()
}

/// A 400 page: the messages `heading` and `text` in the page's language.
pub(super) fn refused(page: &Page, heading: &str, text: &str) -> Response {
    let lang = &page.lang;
    problem(page, StatusCode::BAD_REQUEST, lang.t(heading), lang.t(text))
}

/// The page for a link that can't be used as it is: expired, for another page, or broken.
pub(super) fn link_problem(page: &Page, e: LinkError) -> Response {
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

/// The page for a link whose contact is no longer there.
pub(super) fn gone_contact(page: &Page) -> Response {
    problem(
        page,
        StatusCode::NOT_FOUND,
        tr!(page.lang, "link-gone-heading"),
        tr!(page.lang, "link-gone-text"),
    )
}

/// The page for a link mailed to an address the contact no longer has.
pub(super) fn outdated_link(page: &Page) -> Response {
    refused_with(
        page,
        StatusCode::GONE,
        "link-outdated-heading",
        "link-outdated-text",
    )
}

/// A `status` page: the messages `heading` and `text` in the page's language.
fn refused_with(page: &Page, status: StatusCode, heading: &str, text: &str) -> Response {
    problem(page, status, page.lang.t(heading), page.lang.t(text))
}

/// The page for an undo its proof no longer allows.
pub(super) fn undo_refused(page: &Page) -> Response {
    refused_with(
        page,
        StatusCode::FORBIDDEN,
        "link-undo-expired-heading",
        "link-undo-expired-text",
    )
}
