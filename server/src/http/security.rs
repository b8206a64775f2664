//! Guards every request passes: the cross-site check on state changes, and security headers.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::state::AppState;

/// Refuses state-changing requests that a browser marks as coming from another site
/// (DESIGN §4). Leptos server functions have no CSRF protection of their own, and cookies are
/// `SameSite=Lax`, which still lets some cross-site requests through.
///
/// `Sec-Fetch-Site` is checked when present (all current browsers send it); otherwise `Origin`
/// must be this site's. A request with neither did not come from a browser page, so it cannot
/// carry a victim's cookies by a forged form. The one-click `/u/` links, the sender API and the
/// providers' webhooks are posted from elsewhere by design and are not behind it.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Layered only on the routers whose posts must come from this site (`startup::router`).
    if safe {
        return next.run(req).await;
    }
    if is_same_site(req.headers(), &state.origin) {
        next.run(req).await
    } else {
        tracing::warn!(path_kind = "state-changing", "refused a cross-site request");
        (
            StatusCode::FORBIDDEN,
            "This request came from another site and was refused.\n",
        )
            .into_response()
    }
}

/// Whether a request's `Sec-Fetch-Site` / `Origin` headers say it came from this site (or from
/// no web page at all).
pub fn is_same_site(headers: &axum::http::HeaderMap, origin: &str) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let sent_origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match (fetch_site, sent_origin) {
        (Some("same-origin" | "none"), _) => true,
        (Some(_), _) => false,
        (None, Some(sent)) => sent == origin,
        (None, None) => true,
    }
}

/// Whether a path serves a file that is the same for everyone (the compiled app, styles, icons):
/// the only responses a cache may keep.
fn is_public_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .and_then(|name| name.rsplit_once('.'))
            .is_some_and(|(_, ext)| {
                matches!(ext, "css" | "js" | "wasm" | "ico" | "svg" | "png" | "txt")
            })
}

/// Headers for every response. `Referrer-Policy: same-origin` keeps tokens in our URLs from
/// leaking to other sites while letting forms without JavaScript return to the page they came
/// from. Everything but the public assets is `Cache-Control: no-store` (pages, `/sf/*` and the
/// API carry personal data or tokens), unless the handler said otherwise; with an https base
/// URL, browsers are told to use nothing else (HSTS).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cacheable = is_public_asset(req.uri().path());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages the server writes without the app (link pages, the console, the API docs) run no
    // script at all; the app's pages carry their own policy, with this response's nonce.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        static NO_SCRIPTS: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
        let policy = NO_SCRIPTS.get_or_init(|| {
            HeaderValue::from_str(&app::app::content_security_policy(None))
                .expect("the policy is ASCII")
        });
        h.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    }
    if !cacheable && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.base_url.scheme() == "https" {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}
