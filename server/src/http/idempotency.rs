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

/// What a repeated key gets once the first request has its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// The stored response (contacts, endpoints): the write is not made twice.
    StoredAnswer,
    /// The handler again, told the key ([`RecordingKey`]): a decision always runs the rules, so
    /// an `allow` stored before an opt-out is never handed out after it (DESIGN §9); only the
    /// recording of the send is made once.
    RunAgain,
}

/// The `Idempotency-Key` of a decision request, for the handler to record the send under.
#[derive(Debug, Clone)]
pub struct RecordingKey(pub String);

/// A replay returns the stored response; the same key with a different body is 422; a replay
/// while the first is still running is 409. Keys are per sender. Server errors are not stored,
/// so the request can be retried with the same key.
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    with_key(state, req, next, Repeat::StoredAnswer).await
}

/// `Idempotency-Key` on decisions: as [`idempotency`] (422 for another body, 409 while the
/// first runs), but a repeat is decided again and its send recorded once.
pub async fn decision_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    with_key(state, req, next, Repeat::RunAgain).await
}

/// A keyed request, read and claimed.
struct Keyed {
    key: String,
    sender_id: i64,
    hash: String,
    claimed: bool,
}

async fn with_key(state: AppState, req: Request, next: Next, repeat: Repeat) -> Response {
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
    let (mut req, keyed) = match claim(&state, req, key).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    if !keyed.claimed {
        let answer = match state
            .store
            .idempotent_answer(keyed.sender_id, &keyed.key)
            .await
        {
            Ok(a) => a,
            Err(e) => return ApiError::from(e).into_response(),
        };
        match (answer, repeat) {
            (a, _) if a.request_hash != keyed.hash => return ApiError::validation(
                "this Idempotency-Key was used with a different request; use a new key for a new request",
            )
            .into_response(),
            (StoredAnswer { status: None, .. }, _) => return ApiError::conflict(
                "in-progress",
                "The first request with this key is still running",
                "Retry in a moment to get its response.",
            )
            .into_response(),
            (answer, Repeat::StoredAnswer) => return stored_response(answer),
            (_, Repeat::RunAgain) => {
                req.extensions_mut().insert(RecordingKey(keyed.key));
                return next.run(req).await;
            }
        }
    }
    if repeat == Repeat::RunAgain {
        req.extensions_mut().insert(RecordingKey(keyed.key.clone()));
    }
    let response = next.run(req).await;
    keep_answer(&state, &keyed, response, repeat).await
}

/// Reads the sender and the body, and claims the key for this request's fingerprint.
async fn claim(state: &AppState, req: Request, key: String) -> Result<(Request, Keyed), Response> {
    let (mut parts, body) = req.into_parts();
    let sender = Sender::from_request_parts(&mut parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let bytes = to_bytes(body, BODY_LIMIT).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "The body is too large",
            format!("Bodies may be at most {BODY_LIMIT} bytes."),
        )
        .into_response()
    })?;
    // The full path: inside `nest`, the request's own URI has lost the `/api/v1` prefix.
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    let mut fingerprint = format!("{} {path}\n", parts.method).into_bytes();
    fingerprint.extend_from_slice(&bytes);
    let hash = sha256_hex(&fingerprint);
    let claimed = state
        .store
        .claim_idempotency_key(sender.id, &key, &hash)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let keyed = Keyed {
        key,
        sender_id: sender.id,
        hash,
        claimed,
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), keyed))
}

fn stored_response(answer: StoredAnswer) -> Response {
    let status = answer
        .status
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let body = answer.body.unwrap_or_default();
    let mut res = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
    res.headers_mut().insert(
        "idempotent-replayed",
        header::HeaderValue::from_static("true"),
    );
    res
}

/// Stores the first answer under the key (a decision's only as done: its body, which holds an
/// address, is never handed out again, so it is not kept), or lets the key go after a server
/// error so a retry runs again.
async fn keep_answer(
    state: &AppState,
    keyed: &Keyed,
    response: Response,
    repeat: Repeat,
) -> Response {
    let store = &state.store;
    let status = response.status();
    if status.is_server_error() {
        let _ = store
            .release_idempotency_key(keyed.sender_id, &keyed.key)
            .await;
        return response;
    }
    let (res_parts, res_body) = response.into_parts();
    let body = match to_bytes(res_body, 16 << 20).await {
        Ok(b) => b,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    if body.len() > MAX_STORED_BODY {
        // Too large to keep: the key is let go, so a retry runs the request again.
        let _ = store
            .release_idempotency_key(keyed.sender_id, &keyed.key)
            .await;
        return Response::from_parts(res_parts, Body::from(body));
    }
    let kept = match repeat {
        Repeat::StoredAnswer => String::from_utf8_lossy(&body).into_owned(),
        Repeat::RunAgain => String::new(),
    };
    let stored = store
        .store_idempotent_answer(keyed.sender_id, &keyed.key, status.as_u16() as i64, &kept)
        .await;
    if let Err(e) = stored {
        return ApiError::from(e).into_response();
    }
    Response::from_parts(res_parts, Body::from(body))
}
