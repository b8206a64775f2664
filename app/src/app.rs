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

/// The document around every page, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
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
