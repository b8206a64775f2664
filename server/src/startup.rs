//! Building the application: state, routes, middleware, and the listener.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

use app::app::{shell, App};

use crate::{
    config::Config,
    customer, http,
    links::Links,
    mail::{self},
    state::{AppParts, AppState},
    store::Store,
    telemetry,
};

/// A built application bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    /// `/metrics` on an address of its own, when configured.
    metrics_listener: Option<TcpListener>,
    /// The SMTP listener for `mailto:` unsubscribes, when configured.
    smtp_listener: Option<TcpListener>,
    router: Router,
    pub state: AppState,
}

impl Application {
    /// Connects to the database (running migrations), makes sure the signing keys exist, and
    /// binds the listen address (port 0 picks a free port, as the tests do).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = Store::connect(&config.database_url).await?;
        Self::build_with_store(config, store).await
    }

    /// As [`Application::build`], on an already connected store.
    pub async fn build_with_store(config: Config, store: Store) -> anyhow::Result<Self> {
        store.set_group_commit(config.group_commit);
        let links = Links::load(&store, config.base_url.clone()).await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr} for /metrics"))?,
            ),
            None => None,
        };
        let smtp_listener = match config.smtp_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr} for SMTP"))?,
            ),
            None => None,
        };
        let leptos_options = LeptosOptions::builder()
            .output_name("attune")
            .site_pkg_dir("pkg")
            .env(leptos::config::Env::PROD)
            .site_addr(listener.local_addr()?)
            .build();
        let mailer = mail::from_url(&config.mail_url, &config.mail_from)?;
        let state = AppState::new(AppParts {
            password_checks: Arc::new(tokio::sync::Semaphore::new(config.password_checks)),
            mailer,
            origin: config.origin().into(),
            problem_base: config.base_url.as_str().trim_end_matches('/').into(),
            config: Arc::new(config),
            store,
            links,
            metrics: telemetry::metrics_handle(),
            leptos_options,
        });
        let router = router(state.clone());
        Ok(Application {
            listener,
            metrics_listener,
            smtp_listener,
            router,
            state,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The port of the SMTP listener, if there is one.
    pub fn smtp_port(&self) -> Option<u16> {
        self.smtp_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    /// The port `/metrics` is served on apart, if it is.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves, with the webhook worker running beside the server, until `stop` completes; then
    /// finishes the requests and webhook attempts in flight.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        let worker = crate::webhooks::worker::spawn(
            store.clone(),
            crate::webhooks::worker::WorkerConfig {
                retry_schedule: self.state.config.webhook_retry_schedule.clone(),
                allow_private: self.state.config.webhook_allow_private,
            },
        )?;
        let mail = crate::mail::outbox::spawn(
            store.clone(),
            self.state.mailer.clone(),
            self.state.config.mail_retry_schedule.clone(),
        );
        let purger = tokio::spawn(purge_periodically(store.clone()));
        let follower = {
            let store = store.clone();
            tokio::spawn(async move {
                let warming = store.warm_read_model();
                let following = store.follow_changes();
                tokio::join!(warming, following)
            })
        };
        let header_timeout = self.state.config.header_timeout;
        let metrics = self.metrics_listener.map(|listener| {
            let router = http::ops::metrics_router().with_state(self.state.clone());
            tokio::spawn(http::listener::serve(
                listener,
                router,
                header_timeout,
                std::future::pending(),
            ))
        });
        let smtp = self.smtp_listener.map(|listener| {
            let domain = self
                .state
                .config
                .inbound_mail_domain
                .clone()
                .unwrap_or_default();
            tokio::spawn(crate::inbound::smtp::serve(
                listener,
                self.state.clone(),
                domain,
                self.state.config.smtp_limits,
            ))
        });
        http::listener::serve(self.listener, self.router, header_timeout, stop).await;
        if let Some(s) = smtp {
            s.abort();
        }
        purger.abort();
        follower.abort();
        if let Some(m) = metrics {
            m.abort();
        }
        worker.stop().await;
        mail.stop().await;
        store.close().await;
        Ok(())
    }
}

/// Every route. Each part carries the guards it needs, and no other: the customer pages choose
/// a language and refuse cross-site posts; the console and the "not me" pages refuse cross-site
/// posts; the one-click `/u/` links, the sender API, the providers' webhooks, the front end's
/// files and the health checks have neither (they are posted from other sites by design, or
/// authenticated otherwise, or only read). Around everything: the client's address, a timeout,
/// the security headers, request metrics and compression.
pub fn router(state: AppState) -> Router {
    let cross_site =
        || middleware::from_fn_with_state(state.clone(), http::security::refuse_cross_site);
    let site = site(&state);
    let (api, api_doc) = http::api::router(state.clone());
    let api_docs = http::api::docs(&api_doc, &state.config.org_name);
    let pkg = format!("/{}/{{*file}}", state.leptos_options.site_pkg_dir);
    let files = site.clone();
    Router::new()
        .route(
            &pkg,
            axum::routing::get(move |req| files.clone().serve_or_404(req)),
        )
        .merge(customer_pages(&state, site).layer(cross_site()))
        .merge(http::ops::router(state.config.metrics_listen.is_some()))
        .merge(crate::links::pages::router(&state))
        .merge(crate::inbound::router())
        .merge(crate::staff::router().layer(cross_site()))
        .nest("/api/v1", api)
        .route(
            "/api/docs",
            axum::routing::get(move || std::future::ready(api_docs.clone())),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            http::client_ip::client_ip,
        ))
        // Inside the security headers and the request metrics, so that a request that timed
        // out is answered with the same headers as any other and is counted.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            http::security::security_headers,
        ))
        .layer(middleware::from_fn(telemetry::track_requests))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// Where the site's files come from (DESIGN §8): the binary's own copy unless
/// `ATTUNE_SITE_ROOT` names a directory. Says so at start, and warns when the front end is not
/// there: its pages would be unstyled and never hydrate.
fn site(state: &AppState) -> http::site::Site {
    let site = http::site::Site::new(state.config.site_root.clone());
    if let http::site::Site::Dir(dir) = &site {
        http::site::drop_stale_compressed(&dir.join(&*state.leptos_options.site_pkg_dir));
    }
    if site.has_front_end(&state.leptos_options.output_name) {
        tracing::info!(site = %site.describe(), "serving the site");
    } else {
        tracing::warn!(site = %site.describe(), "the site has no built front end: pages are served without styles or islands (build with `make build`, or set ATTUNE_SITE_ROOT to a built site)");
    }
    site
}

/// The customer's pages (the app's routes and its server functions, the export, the language
/// switch, and the not-found page), in the language chosen for the request.
fn customer_pages(state: &AppState, site: http::site::Site) -> Router<AppState> {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let backend = customer::CustomerBackend::shared(state.clone());
    let css = format!("{}/{}.css", options.site_pkg_dir, options.output_name);
    let style = site
        .read(&css)
        .and_then(|css| String::from_utf8(css.into_owned()).ok())
        .map(|css| app::app::InlineStyle(css.into()));
    let org = app::app::OrgName(state.config.org_name.as_str().into());
    let context = move || {
        provide_context(backend.clone());
        provide_context(org.clone());
        if let Some(style) = &style {
            provide_context(style.clone());
        }
        // A fresh nonce per response, for the Content-Security-Policy (app::app::shell).
        leptos::nonce::provide_nonce();
    };
    // Any other path: a file of the site, else the app's own not-found page, rendered with the
    // same context as every page (style, nonce, organisation).
    let not_found = leptos_axum::render_app_to_stream_in_order_with_context(context.clone(), {
        let options = options.clone();
        move || shell(options.clone())
    });
    Router::new()
        .route("/preferences/export", axum::routing::get(customer::export))
        .route("/language", axum::routing::post(http::language::switch))
        .leptos_routes_with_context(state, routes, context, move || shell(options.clone()))
        .fallback(move |req: axum::extract::Request| {
            let (site, not_found) = (site.clone(), not_found.clone());
            async move {
                match site.serve(req).await {
                    Ok(file) => file,
                    Err(req) => not_found(req).await,
                }
            }
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            http::language::choose_language,
        ))
}

/// Forgets expired sessions, links, idempotency keys and rate-limit windows every ten minutes.
async fn purge_periodically(store: Store) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        match store.purge_expired().await {
            Ok(p) => tracing::debug!(?p, "purged expired rows"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "could not purge expired rows"),
        }
        if let Err(e) = store.fill_email_keys().await {
            tracing::warn!(error = %format!("{e:#}"), "could not key email addresses");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
