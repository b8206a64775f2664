//! Extractors for the sender API: JSON bodies whose every failure is a 4xx problem, and the
//! sender authenticated by API key.

use axum::{
    extract::{rejection::JsonRejection, FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, StatusCode},
};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::state::AppState;

/// The largest request body the API reads (a full batch of 1000 decisions is about 150 KB).
pub const BODY_LIMIT: usize = 1 << 20;

/// A JSON body. Malformed JSON is 400; unknown fields, wrong types and missing fields are 422;
/// a wrong content type is 415; a body over the limit is 413 — never a 500.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::validation(e.body_text())),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::bad_request(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The body must be JSON",
                "Send `Content-Type: application/json`.",
            )),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too-large",
                    "The body is too large",
                    format!("Bodies may be at most {} bytes.", BODY_LIMIT),
                ))
            }
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// The sender a request's API key belongs to.
#[derive(Debug, Clone)]
pub struct Sender {
    pub id: i64,
    pub name: String,
}

impl FromRequestParts<AppState> for Sender {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(sender) = parts.extensions.get::<Sender>() {
            return Ok(sender.clone());
        }
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let sender = state
            .store
            .sender_by_key(key)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let sender = Sender {
            id: sender.0,
            name: sender.1,
        };
        parts.extensions.insert(sender.clone());
        Ok(sender)
    }
}
