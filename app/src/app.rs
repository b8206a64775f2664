//! The HTML shell, the root component and the routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::{
    i18n::lang,
    pages::{
        auth::AuthPage,
        history::HistoryPage,
        home::HomePage,
        not_found::NotFound,
        preferences::{LinkPreferencesPage, PreferencesPage},
        shell::{escape_html, LanguageSwitch},
    },
    tr,
};

/// The one Content-Security-Policy: nothing from other sites, and scripts only with the
/// response's nonce (Leptos puts it on every inline script it writes), what they load, and
/// WebAssembly; styles from the site or inline with the nonce. Without a nonce (pages written
/// without the app) no script runs at all.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let (scripts, styles) = match nonce {
        Some(n) => (
            format!("'nonce-{n}' 'strict-dynamic' 'wasm-unsafe-eval'"),
            format!("'self' 'nonce-{n}'"),
        ),
        None => ("'none'".to_owned(), "'self'".to_owned()),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src {styles}; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The site's built stylesheet, which the server reads once at start and provides as context.
/// The app's pages carry it inline: a phone on a slow network paints without waiting one more
/// round trip for it (562.5 ms on Chromium's "Slow 4G"). Without it, pages link the file.
#[derive(Debug, Clone)]
pub struct InlineStyle(pub std::sync::Arc<str>);

/// The organisation that runs this Attune (`ATTUNE_ORG_NAME`), which the server provides as
/// context. Pages carry its name, never Attune's: a page signed by a name the customer never
/// dealt with reads like phishing.
#[derive(Debug, Clone)]
pub struct OrgName(pub std::sync::Arc<str>);

/// The organisation's name for the page being rendered (plain text: views escape it). Empty
/// only outside a server, which always provides it.
pub fn org_name() -> String {
    use_context::<OrgName>()
        .map(|OrgName(name)| name.to_string())
        .unwrap_or_default()
}

/// The document around every page, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
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
    // Islands mode: nothing outside an island is hydrated, so no resource a page reads is sent
    // along for hydration (the island script does the same; pages without islands skip it).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    view! {
        <!DOCTYPE html>
        <html lang=lang().code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                {has_islands().then(|| view! { <HydrationScripts options islands=true/> })}
                {match use_context::<InlineStyle>() {
                    Some(InlineStyle(css)) => view! { <style nonce=leptos::nonce::use_nonce() inner_html=css.to_string()></style> }.into_any(),
                    None => view! { <link rel="stylesheet" href="/pkg/attune.css"/> }.into_any(),
                }}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Whether the page being rendered has islands, which the browser runs: only the preference
/// pages do. Every other page loads no script file and no WebAssembly.
fn has_islands() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        let path = parts.uri.path();
        path == "/preferences" || path.starts_with("/p/")
    })
}

/// The root component: routes and the page frame, rendered on the server.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = lang();
    let org = org_name();
    let path = use_context::<http::request::Parts>()
        .and_then(|p| p.uri.path_and_query().map(|p| p.to_string()))
        .unwrap_or_else(|| "/".to_owned());

    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        // leptos_meta writes the title's text into the page as it is given, unescaped.
        <Title text=escape_html(&tr!(lang, "site-title", org = org.as_str()))/>
        <Meta name="description" content=tr!(lang, "site-description")/>
        <Router>
            <header class="site-header">
                <a class="brand" href="/">{org.clone()}</a>
                <LanguageSwitch lang=lang back=path/>
            </header>
            <main id="main">
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
                <p>{tr!(lang, "site-footer", org = org.as_str())}</p>
            </footer>
        </Router>
    }
}
