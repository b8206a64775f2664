//! Logs and metrics. Logs are structured `tracing` events that never carry tokens, keys or
//! full addresses: requests are logged by their route template (`/u/{token}`), not their URI.

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{sync::OnceLock, time::Instant};
use tracing_subscriber::{fmt, EnvFilter};

/// Sets up logging once per process. `ATTUNE_LOG` (or `RUST_LOG`) filters; `ATTUNE_LOG_FORMAT=json`
/// switches to one JSON object per line.
pub fn init_logging() {
    let filter = std::env::var("ATTUNE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| format!("info,{},tower_http=warn", crate::store::LOG_DIRECTIVE));
    let builder = fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_target(true);
    let result = if std::env::var("ATTUNE_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.compact().try_init()
    };
    // A second call (as in tests) keeps the first subscriber.
    let _ = result;
}

/// The process-wide Prometheus recorder; installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &[
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                        10.0,
                    ],
                )
                .expect("the bucket list is not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed")
        })
        .clone()
}

/// Counts requests by route and status, times them, and logs one line per request.
pub async fn track_requests(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| {
            // Unmatched paths are static files or 404s; never label by raw path (unbounded,
            // and it may hold a token).
            if req.uri().path().starts_with("/pkg/") {
                "/pkg/{file}"
            } else {
                "unmatched"
            }
            .to_owned()
        });
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let response = next.run(req).await;
    let elapsed = start.elapsed();
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.clone())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.clone(), "route" => route.clone())
        .record(elapsed.as_secs_f64());
    tracing::info!(
        target: "attune::http",
        method,
        route,
        status = response.status().as_u16(),
        elapsed_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}
