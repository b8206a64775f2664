//! `GET` and `POST /n/{token}`: "not me", the report that an address is someone else's.

use app::{
    pages::links::{LinkOutcome, NotMeConfirm},
    tr,
};
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
};
use leptos::prelude::*;
use serde_json::json;

use super::{
    load_target,
    problems::{gone_contact, problem},
    LinkToken, Page, Target,
};
use crate::{
    http::page_error::server_error,
    links::LinkKind,
    state::AppState,
    store::{apply_change, ChangeError, ChangeOp, ChangeRequest, Grant},
};

/// `GET /n/{token}`: asks first; changes nothing.
pub(super) async fn not_me_page(
    State(state): State<AppState>,
    mut page: Page,
    LinkToken(token): LinkToken,
) -> Response {
    let lang = page.lang;
    let nothing = tr!(lang, "not-me-nothing-text");
    let (_, address) = match reported(&state, &mut page, &token, nothing).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let action_url = format!("/n/{token}");
    let html = page.render(&tr!(lang, "not-me-page-title"), move || {
        view! { <NotMeConfirm lang action_url address/> }.into_any()
    });
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// `POST /n/{token}`: the address is disputed; nothing more is sent to it until staff resolve it.
pub(super) async fn not_me_post(
    State(state): State<AppState>,
    mut page: Page,
    LinkToken(token): LinkToken,
) -> Response {
    let lang = page.lang;
    // The report may be about an address the contact no longer has: nothing to dispute, and the
    // contact's current address must not be.
    let nothing = tr!(lang, "not-me-nothing-changed");
    let (target, address) = match reported(&state, &mut page, &token, nothing).await {
        Ok(found) => found,
        Err(r) => return r,
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

/// The link's target and the reported address, masked; a 404 page saying `nothing` when the
/// contact no longer has the address the link was sent to.
async fn reported(
    state: &AppState,
    page: &mut Page,
    token: &str,
    nothing: String,
) -> Result<(Target, String), Response> {
    let target = load_target(state, page, token, LinkKind::NotMe).await?;
    let lang = page.lang;
    match target.masked_address(&lang) {
        Some(address) => Ok((target, address)),
        None => Err(problem(
            page,
            StatusCode::NOT_FOUND,
            tr!(lang, "not-me-nothing-heading"),
            nothing,
        )),
    }
}
