//! Errors as the pages are given them: an internal one is logged here once and hidden; a
//! refusal is worded.

use app::{api::AppError, i18n::lang};

use crate::store::ChangeError;

/// Logs an internal error once and gives the page nothing of it.
pub(super) fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "request failed");
    AppError::Internal
}

/// A refused or failed change as the page says it.
pub(super) fn change_error(e: ChangeError) -> AppError {
    match e {
        ChangeError::Database(e) => internal(e),
        ChangeError::Internal(e) => internal(format!("{e:#}")),
        ChangeError::UnknownContact => AppError::NotSignedIn,
        // In the page's language; the rest of the change function's refusals are in English.
        ChangeError::NotPermitted(why) => AppError::Invalid(why.words(&lang())),
        other => AppError::Invalid(other.to_string()),
    }
}
