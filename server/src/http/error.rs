//! The sender API's one error type: RFC 9457 `application/problem+json`, with a stable `type`
//! URI under the base URL for each kind of problem (documented in the README).

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// A problem as senders see it. Internal error text never reaches them; it is logged once here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// The last segment of the `type` URI: `validation`, `unauthorized`, `not-found`, …
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// Seconds to wait, sent as `Retry-After` (a 429 or 503).
    pub retry_after: Option<u64>,
}

/// An error, as RFC 9457 problem details; `type` is stable and documented at its URL.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(examples(json!({"type": "https://prefs.example.com/problems/validation",
    "title": "The request is not valid", "status": 422,
    "detail": "unknown Channel \"fax\"; expected one of: email, sms, voice, push"})))]
pub struct Problem {
    /// `{ATTUNE_BASE_URL}/problems/{kind}`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

tokio::task_local! {
    /// The base URL problem types are built on, for the request being answered: the app's own
    /// (`AppState::problem_base`), set by [`with_problem_base`] around the API's router, so two
    /// apps in one process (tests) each name their own.
    static BASE: std::sync::Arc<str>;
}

/// The layer of the API router that gives its problems their app's base URL.
pub async fn with_problem_base(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    BASE.scope(state.problem_base.clone(), next.run(req)).await
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            kind,
            title,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// Too many requests of one kind: try again in `seconds`.
    pub fn too_soon(kind: &'static str, detail: impl Into<String>, seconds: u64) -> Self {
        ApiError {
            retry_after: Some(seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                kind,
                "Too soon: try again later",
                detail,
            )
        }
    }

    pub fn validation(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "The request is not valid",
            detail,
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            "The request could not be read",
            detail,
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "A valid API key is required",
            "Send `Authorization: Bearer <key>` with a key from `attune sender create`.",
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    pub fn conflict(kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, kind, title, detail)
    }

    /// Something failed on our side: logged with its cause, answered without it.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "sender API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side",
            "The request was not completed. It is safe to retry with the same Idempotency-Key.",
        )
    }

    pub fn problem(&self) -> Problem {
        let base = BASE.try_with(|b| b.clone()).unwrap_or_default();
        Problem {
            kind: format!("{base}/problems/{}", self.kind),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut res = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::internal(format!("{e:#}"))
    }
}

impl From<app::domain::ParseError> for ApiError {
    fn from(e: app::domain::ParseError) -> Self {
        ApiError::validation(e.0)
    }
}

impl From<crate::store::ChangeError> for ApiError {
    fn from(e: crate::store::ChangeError) -> Self {
        use crate::store::ChangeError as E;
        match e {
            E::Database(e) => ApiError::internal(e),
            E::Internal(e) => ApiError::internal(format!("{e:#}")),
            E::UnknownContact => ApiError::not_found("There is no such contact."),
            E::UnknownTopic(t) => ApiError::not_found(format!("There is no topic {t}.")),
            E::Suppressed(app::domain::AddressKind::Phone) => ApiError::conflict(
                "suppressed",
                "This number was erased",
                "An erased number is never added again.",
            ),
            E::ErasedContact => ApiError::conflict(
                "erased",
                "This contact was erased",
                "An erased contact can't be recreated under the same ref.",
            ),
            E::Suppressed(_) => ApiError::conflict(
                "suppressed",
                "This address was erased",
                "An erased address is never added again.",
            ),
            other => ApiError::validation(other.to_string()),
        }
    }
}
