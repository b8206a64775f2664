//! The HTML shell, the root component and the routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::pages::{
    auth::AuthPage,
    history::HistoryPage,
    home::HomePage,
    not_found::NotFound,
    preferences::{LinkPreferencesPage, PreferencesPage},
};

/// The one Content-Security-Policy: nothing from other sites, and scripts only with the
/// response's nonce (Leptos puts it on every inline script it writes), what they load, and
/// WebAssembly. Without a nonce (pages written without the app) no script runs at all.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(n) => format!("'nonce-{n}' 'strict-dynamic' 'wasm-unsafe-eval'"),
        None => "'none'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The document around every page, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) =
            http::HeaderValue::from_str(&content_security_policy(Some(&nonce.to_string())))
        {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The root component: routes and the page frame.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, so this flips once hydration has happened; tests and
    // styles can rely on it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Stylesheet id="attune-css" href="/pkg/attune.css"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Title text="Attune — your message preferences"/>
        <Meta name="description" content="Choose which messages you get, how, and how often."/>
        <Router>
            <header class="site-header">
                <a class="brand" href="/">"Attune"</a>
            </header>
            <main id="main" data-hydrated=move || hydrated.get().to_string()>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage/>
                    // Pages that load data render whole on the server before sending (`Async`):
                    // streamed rendering would need JavaScript to put the data in place.
                    <Route path=(StaticSegment("auth"), ParamSegment("token")) view=AuthPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("preferences") view=|| view! { <PreferencesPage/> } ssr=SsrMode::Async/>
                    <Route path=StaticSegment("history") view=HistoryPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("p"), ParamSegment("token")) view=LinkPreferencesPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Attune keeps track of the messages you asked for — and only those."</p>
            </footer>
        </Router>
    }
}
