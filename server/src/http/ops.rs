//! `/healthz`, `/readyz`, `/metrics` (DESIGN §8).

use axum::{extract::State, http::StatusCode, response::IntoResponse, routing::get, Router};

use crate::state::AppState;

/// The health checks, and `/metrics` unless it has a listener of its own.
pub fn router(metrics_apart: bool) -> Router<AppState> {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if metrics_apart {
        router
    } else {
        router.merge(metrics_router())
    }
}

/// `/metrics` alone, for its own listener (`ATTUNE_METRICS_LISTEN`).
pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// The process is alive, and which version it is.
async fn healthz() -> impl IntoResponse {
    // Static: a health check costs nothing to answer.
    const BODY: &str = concat!(
        r#"{"status":"ok","version":""#,
        env!("CARGO_PKG_VERSION"),
        r#""}"#
    );
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        BODY,
    )
}

/// The process can serve: its database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}

/// Prometheus text format.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}
