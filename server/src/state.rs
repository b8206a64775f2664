//! [`AppState`]: what every handler and server function can reach. It sits below the edges
//! (`http`, `staff`, `links`, `customer`) and above the parts it holds, so the edges import it
//! without importing the code that builds the application.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::{config::Config, links::Links, mail::Mailer, store::Store};

/// What every handler and server function can reach: [`AppParts`] behind one `Arc`, because
/// axum clones the state for every extractor and middleware layer of every request (a profile
/// of the decision route showed cloning the parts one by one at 11 % of its time).
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl AppState {
    pub fn new(parts: AppParts) -> Self {
        AppState(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct AppParts {
    pub config: Arc<Config>,
    /// `scheme://host[:port]` of the base URL, for the same-origin check.
    pub origin: Arc<str>,
    /// The base URL without its last `/`: problem types are `{problem_base}/problems/{kind}`.
    pub problem_base: Arc<str>,
    pub store: Store,
    pub links: Links,
    pub metrics: PrometheusHandle,
    pub mailer: Arc<dyn Mailer>,
    pub leptos_options: LeptosOptions,
    /// Bounds the password checks running at once (`Config::password_checks`).
    pub password_checks: Arc<tokio::sync::Semaphore>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
