//! `Idempotency-Key` on the sender API's POST, PATCH and PUT (DESIGN §6).

use axum::{
    body::{to_bytes, Body},
    extract::{FromRequestParts, Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{
    error::ApiError,
    extract::{Sender, BODY_LIMIT},
};
use crate::{
    state::AppState,
    store::{
        idempotency::{StoredAnswer, MAX_STORED_BODY},
        sha256_hex,
    },
};

/// A replay returns the stored response; the same key with a different body is 422; a replay
/// while the first is still running is 409. Keys are per sender. Server errors are not stored,
/// so the request can be retried with the same key.
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    if !matches!(*req.method(), Method::POST | Method::PATCH | Method::PUT) {
        return next.run(req).await;
    }
    if key.is_empty() || key.len() > 255 {
        return ApiError::validation("Idempotency-Key must be 1–255 characters").into_response();
    }
    let (mut parts, body) = req.into_parts();
    let sender = match Sender::from_request_parts(&mut parts, &state).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The body is too large",
                format!("Bodies may be at most {BODY_LIMIT} bytes."),
            )
            .into_response()
        }
    };
    // The full path: inside `nest`, the request's own URI has lost the `/api/v1` prefix.
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    let mut fingerprint = format!("{} {path}\n", parts.method).into_bytes();
    fingerprint.extend_from_slice(&bytes);
    let hash = sha256_hex(&fingerprint);

    let claimed = match state
        .store
        .claim_idempotency_key(sender.id, &key, &hash)
        .await
    {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !claimed {
        return match state.store.idempotent_answer(sender.id, &key).await {
            Err(e) => ApiError::from(e).into_response(),
            Ok(a) if a.request_hash != hash => ApiError::validation(
                "this Idempotency-Key was used with a different request; use a new key for a new request",
            )
            .into_response(),
            Ok(StoredAnswer { status: None, .. }) => ApiError::conflict(
                "in-progress",
                "The first request with this key is still running",
                "Retry in a moment to get its response.",
            )
            .into_response(),
            Ok(StoredAnswer {
                status: Some(status),
                body,
                ..
            }) => {
                let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
                let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
                let mut res = (status, [(header::CONTENT_TYPE, content_type)], body.unwrap_or_default()).into_response();
                res.headers_mut().insert("idempotent-replayed", header::HeaderValue::from_static("true"));
                res
            }
        };
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if status.is_server_error() {
        let _ = state.store.release_idempotency_key(sender.id, &key).await;
        return response;
    }
    let (res_parts, res_body) = response.into_parts();
    let body = match to_bytes(res_body, 16 << 20).await {
        Ok(b) => b,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    if body.len() > MAX_STORED_BODY {
        // Too large to keep: the key is let go, so a retry runs the request again.
        let _ = state.store.release_idempotency_key(sender.id, &key).await;
        return Response::from_parts(res_parts, Body::from(body));
    }
    let stored = state
        .store
        .store_idempotent_answer(
            sender.id,
            &key,
            status.as_u16() as i64,
            &String::from_utf8_lossy(&body),
        )
        .await;
    if let Err(e) = stored {
        return ApiError::from(e).into_response();
    }
    Response::from_parts(res_parts, Body::from(body))
}
