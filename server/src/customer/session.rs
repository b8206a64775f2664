//! The customer's session cookie: its name and attributes, and reading it from a request.

use super::CustomerBackend;

impl CustomerBackend {
    /// `__Host-` where the cookie can be `Secure`; a plain-HTTP localhost cannot.
    fn cookie_name(&self) -> &'static str {
        if self.state.config.is_plain_http_localhost() {
            "attune_session"
        } else {
            "__Host-attune_session"
        }
    }

    /// The `Set-Cookie` value for a session (an empty one with `max_age_ms` 0 ends it).
    pub(super) fn session_cookie(&self, value: &str, max_age_ms: i64) -> String {
        cookie::Cookie::build((self.cookie_name(), value.to_owned()))
            .http_only(true)
            .secure(!self.state.config.is_plain_http_localhost())
            .same_site(cookie::SameSite::Lax)
            .path("/")
            .max_age(cookie::time::Duration::milliseconds(max_age_ms))
            .build()
            .to_string()
    }

    /// The session id in a `Cookie` header, if it holds ours.
    pub(super) fn session_id(&self, cookie_header: Option<&str>) -> Option<String> {
        cookie::Cookie::split_parse(cookie_header?)
            .flatten()
            .find(|c| c.name() == self.cookie_name())
            .map(|c| c.value().to_owned())
    }

    /// The session cookie's value on the request being handled, if any.
    pub(super) fn request_session(&self) -> Option<String> {
        app::backend::request_parts().ok().and_then(|parts| {
            let cookie = parts
                .headers
                .get(axum::http::header::COOKIE)?
                .to_str()
                .ok()?;
            self.session_id(Some(cookie))
        })
    }
}
