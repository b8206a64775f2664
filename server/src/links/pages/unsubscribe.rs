//! `GET` and `POST /u/{token}`: the unsubscribe page, one-click, and the page's other buttons.

use app::{
    pages::links::{LinkOutcome, Undo, UnsubscribeConfirm},
    tr,
};
use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use leptos::prelude::*;
use serde_json::json;

use super::{
    load_target,
    plan::plan_choice,
    problems::{gone_contact, outdated_link, problem, undo_refused},
    LinkToken, Page, Target,
};
use crate::{
    http::{form::FormFields, page_error::server_error, security::is_same_site},
    links::{LinkKind, UndoAction},
    state::AppState,
    store::{apply_change, ChangeError, ChangeOp, ChangeRequest, Grant},
};

/// `GET /u/{token}` (and HEAD): the confirmation page. Changes nothing.
pub(super) async fn unsubscribe_page(
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

/// `POST /u/{token}`.
pub(super) async fn unsubscribe_post(
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
