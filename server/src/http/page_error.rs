//! One error pipeline for every HTML page handler, the link pages and the staff console alike:
//! `?` on a store call turns an unexpected failure into a logged, plain 500; a handler that has
//! something to say to the person (a problem page, a 4xx) returns that page as the error.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::store::ChangeError;

/// Why a page handler did not answer with its page.
#[derive(Debug)]
pub enum PageError {
    /// A page that says what went wrong, already rendered by the handler's section.
    Page(Response),
    /// Anything unexpected: logged once, without personal data, and answered with a plain 500.
    Internal(anyhow::Error),
}

/// What a page handler returns.
pub type PageResult = Result<Response, PageError>;

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError::Internal(e)
    }
}

impl From<Response> for PageError {
    fn from(r: Response) -> Self {
        PageError::Page(r)
    }
}

impl From<ChangeError> for PageError {
    /// Only for changes whose refusals the handler has already answered: whatever is left is
    /// unexpected.
    fn from(e: ChangeError) -> Self {
        PageError::Internal(anyhow::Error::new(e))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Page(r) => r,
            PageError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "page request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side. Please try again.\n",
                )
                    .into_response()
            }
        }
    }
}

/// The plain 500 for a handler that cannot use `?` (a match arm, a helper returning a page).
pub fn server_error(e: impl std::fmt::Display) -> Response {
    PageError::Internal(anyhow::anyhow!("{e}")).into_response()
}
