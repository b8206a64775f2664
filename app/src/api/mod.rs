//! Server functions: thin — parse, call the backend, map the result.

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError};
use serde::{Deserialize, Serialize};

pub mod customer;
pub mod sign_in;
pub mod types;

/// The error every server function returns. Its text is shown to the person as it is, so it
/// never carries internal details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Something in the request is wrong; the text says what.
    #[error("{0}")]
    Invalid(String),
    /// The page needs a signed-in contact.
    #[error("Please sign in to see your preferences.")]
    NotSignedIn,
    /// Too many attempts; the text says when to try again.
    #[error("{0}")]
    RateLimited(String),
    /// Something failed on our side; details are in the server log.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request did not reach the function (network, encoding).
    #[error("The request could not be completed. Please check your connection and try again.")]
    Transport(String),
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The error as the person reads it, in their language. (`Display` is English: for logs and
    /// tests.)
    pub fn in_words(&self, lang: &crate::i18n::Lang) -> String {
        match self {
            AppError::Invalid(s) | AppError::RateLimited(s) => s.clone(),
            AppError::NotSignedIn => crate::tr!(lang, "error-not-signed-in"),
            AppError::Internal => crate::tr!(lang, "error-internal"),
            AppError::Transport(_) => crate::tr!(lang, "error-transport"),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl From<crate::domain::ParseError> for AppError {
    fn from(e: crate::domain::ParseError) -> Self {
        AppError::Invalid(e.sentence())
    }
}

/// A checkbox's value as posted: present (any value) when ticked, absent when not.
pub fn ticked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.is_empty() && s != "false")
}
