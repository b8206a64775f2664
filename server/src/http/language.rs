//! The language a customer's page is in (`app::i18n`): the choice made with the language switch
//! on this browser (a cookie), else the language of the contact the request is for (a link's
//! contact, or the signed-in one), else the browser's `Accept-Language`, else English. The staff
//! console, the API and the providers' webhooks stay English and skip this; the `/u/` and `/n/`
//! link pages apply the same order themselves (`links::pages`), from the contact they read anyway.
//!
//! The switch is a form on every page (`POST /language`): it sets the cookie and sends the
//! browser back where it was. Choosing "Language" under "Your details" is what changes the
//! language of the mail and texts a contact gets; saving it clears the switch's cookie
//! (`app::api::customer::save_details`), so the pages follow it too.

use app::i18n::Lang;
use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use super::form::FormFields;
use crate::{links::LinkKind, state::AppState};

/// The switch's cookie: a language code, nothing personal.
pub const COOKIE: &str = "attune_lang";

/// Decides the request's language and puts it on the request for the pages to read: a layer
/// of the customer pages' router only (`startup::router`). Staff, senders and providers get
/// English; the link pages `/u/` and `/n/` decide for themselves once they have read the link's
/// contact (a one-click unsubscribe, on the hot path, reads it once, not twice).
pub async fn choose_language(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let lang = decide(&state, req.headers(), req.uri().path()).await;
    req.extensions_mut().insert(lang);
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

async fn decide(state: &AppState, headers: &HeaderMap, path: &str) -> Lang {
    if let Some(chosen) = chosen(headers) {
        return chosen;
    }
    let session = session_cookie(headers);
    if let Some(lang) = contact_language(state, path, session.as_deref()).await {
        return lang;
    }
    from_browser(headers).unwrap_or_default()
}

/// The language switch's choice on this browser, if any.
pub fn chosen(headers: &HeaderMap) -> Option<Lang> {
    cookie_value(headers, |name| name == COOKIE).and_then(|v| Lang::from_code(&v))
}

/// The first language of the browser's `Accept-Language` that Attune speaks.
pub fn from_browser(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
}

/// The customer session's id. Its cookie's name depends on the scheme (`__Host-` on https).
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, |name| name.ends_with("attune_session"))
}

fn cookie_value(headers: &HeaderMap, wanted: impl Fn(&str) -> bool) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|h| cookie::Cookie::split_parse(h).flatten())
        .find(|c| wanted(c.name()))
        .map(|c| c.value().to_owned())
}

/// The language of the contact a preferences link in the path names, else of the signed-in
/// contact. (The `/u/` and `/n/` pages read their contact anyway, and take its language from
/// that read: `links::pages`.)
async fn contact_language(state: &AppState, path: &str, session: Option<&str>) -> Option<Lang> {
    let locale = match path.strip_prefix("/p/") {
        Some(token) => {
            let claims = state.links.parse(token, LinkKind::Preferences).ok()?;
            state.store.contact_locale(claims.contact_id).await
        }
        None => state.store.session_locale(session?).await,
    };
    match locale {
        Ok(locale) => locale.as_deref().and_then(Lang::from_code),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "could not read a contact's language");
            None
        }
    }
}

/// `POST /language`: the language switch. Sets the cookie for a year and sends the browser back
/// to the page it was on (a path on this site only).
pub async fn switch(State(state): State<AppState>, body: Bytes) -> Response {
    let form = FormFields::parse(&body);
    let Some(lang) = form.get("lang").and_then(|c| Lang::from_code(&c)) else {
        return (
            StatusCode::BAD_REQUEST,
            "Choose one of the languages offered.\n",
        )
            .into_response();
    };
    let back = form
        .raw("back")
        .filter(|b| is_local_path(b))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = cookie::Cookie::build((COOKIE, lang.code()))
        .http_only(true)
        .secure(!state.config.is_plain_http_localhost())
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::days(365))
        .build()
        .to_string();
    let mut response = Redirect::to(&back).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A path on this site: it starts with one `/`, and holds no backslash, space or control
/// character (browsers drop tabs and newlines from URLs, so "/\t/evil" would read as "//evil").
fn is_local_path(back: &str) -> bool {
    back.starts_with('/')
        && !back.starts_with("//")
        && back.chars().all(|c| c.is_ascii_graphic() && c != '\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_goes_back_only_to_a_path_on_this_site() {
        for ok in ["/", "/p/abc?saved=3", "/history?before=12"] {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "",
            "/a b",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}
