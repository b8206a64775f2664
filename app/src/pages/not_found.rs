use leptos::prelude::*;

use crate::{i18n::lang, tr};

/// Shown for any path no route matches, with a 404 status on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = lang();
    view! {
        <section class="card">
            <h1>{tr!(lang, "not-found-heading")}</h1>
            <p>{tr!(lang, "not-found-text")} " " <a href="/">{tr!(lang, "not-found-link")}</a></p>
        </section>
    }
}
