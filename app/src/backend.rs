//! (ssr only) What server functions call on the server. The `server` crate implements it and
//! provides it as context, so this crate never depends on the database or the mailer.

use std::{net::IpAddr, sync::Arc};

use crate::api::{
    types::{DetailsForm, GlobalForm, HistoryPage, LinkStatus, PreferencesView, TopicForm},
    AppError,
};
use crate::domain::Email;
use crate::i18n::{lang, Lang};
use crate::tr;

/// The contact a request acts for, and the credential that named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactId(pub i64, pub Via);

/// How a request reached its contact: what it may do follows (DESIGN §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The session cookie.
    Session,
    /// A preferences link sent to the contact's address of this kind.
    Link(crate::domain::AddressKind),
}

/// A started session: the cookie to set.
pub struct NewSession {
    pub set_cookie: String,
}

/// The result of a save: the ledger `seq` of the change, if anything changed.
pub type Saved = Option<i64>;

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Sends a sign-in link if the address belongs to a contact. Answers the same either way.
    async fn request_sign_in(
        &self,
        email: Email,
        client_ip: Option<IpAddr>,
    ) -> Result<(), AppError>;
    /// Checks a sign-in link without using it.
    async fn sign_in_link_status(&self, token: &str) -> Result<LinkStatus, AppError>;
    /// Uses a sign-in link (once) and starts a session.
    async fn redeem_sign_in(&self, token: &str) -> Result<NewSession, AppError>;
    /// The contact whose session the cookie header names, if it is live.
    async fn session_contact(
        &self,
        cookie_header: Option<&str>,
    ) -> Result<Option<ContactId>, AppError>;
    /// The contact a preferences link (`/p/{token}`) is for, if the link is valid.
    async fn link_contact(&self, token: &str) -> Result<Option<ContactId>, AppError>;
    /// Ends the session the cookie names; returns the cookie that clears it.
    async fn sign_out(&self, cookie_header: Option<&str>) -> Result<String, AppError>;
    /// The `?saved=` value that lets a link's page describe change `seq` just made through it:
    /// the seq itself when signed in; through a link, a short-lived signed proof of it, so that
    /// a forwarded link cannot walk the record's ledger (DESIGN §3.2).
    fn saved_token(&self, contact: ContactId, seq: i64) -> String;
    /// The change a `?saved=` value names, if it may be described to this request.
    fn saved_seq(&self, contact: ContactId, saved: &str) -> Option<i64>;
    /// The preference page's view, its words in `lang`.
    async fn preferences(
        &self,
        contact: ContactId,
        saved: Option<i64>,
        lang: &Lang,
    ) -> Result<PreferencesView, AppError>;
    async fn save_topic(&self, contact: ContactId, form: TopicForm) -> Result<Saved, AppError>;
    async fn save_global(&self, contact: ContactId, form: GlobalForm) -> Result<Saved, AppError>;
    async fn set_unsubscribed_all(&self, contact: ContactId, on: bool) -> Result<Saved, AppError>;
    async fn save_details(&self, contact: ContactId, form: DetailsForm) -> Result<Saved, AppError>;
    /// A page of history, its words in `lang`.
    async fn history(
        &self,
        contact: ContactId,
        before: Option<i64>,
        lang: &Lang,
    ) -> Result<HistoryPage, AppError>;
}

/// How server functions reach the backend.
pub type SharedBackend = Arc<dyn Backend>;

/// The backend from context; every request handled by the server has it.
pub fn backend() -> Result<SharedBackend, AppError> {
    leptos::prelude::use_context::<SharedBackend>().ok_or(AppError::Internal)
}

/// The request's headers, from the context leptos_axum provides.
pub fn request_parts() -> Result<http::request::Parts, AppError> {
    leptos::prelude::use_context::<http::request::Parts>().ok_or(AppError::Internal)
}

/// The contact a request acts for: the one a preferences link names, else the signed-in one, else
/// `NotSignedIn`.
pub async fn current_contact(link: Option<&str>) -> Result<ContactId, AppError> {
    if let Some(token) = link {
        return backend()?
            .link_contact(token)
            .await?
            .ok_or_else(|| AppError::Invalid(tr!(lang(), "error-link-dead")));
    }
    let parts = request_parts()?;
    let cookie = parts
        .headers
        .get(http::header::COOKIE)
        .and_then(|v| v.to_str().ok());
    backend()?
        .session_contact(cookie)
        .await?
        .ok_or(AppError::NotSignedIn)
}

/// The client's address as the server resolved it (the connection's, or the one a trusted proxy
/// forwarded), put on each request by the server's middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client's IP address: [`ClientIp`], else the connection's.
pub fn client_ip() -> Option<IpAddr> {
    let parts = request_parts().ok()?;
    parts.extensions.get::<ClientIp>().map(|c| c.0).or_else(|| {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
    })
}
