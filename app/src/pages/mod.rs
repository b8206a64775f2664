//! One module per page. Only the topic card is an island, which the browser runs; every other
//! page is rendered on the server alone (and is not compiled into the WebAssembly).
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod history;
#[cfg(feature = "ssr")]
pub mod home;
#[cfg(feature = "ssr")]
pub mod links;
#[cfg(feature = "ssr")]
pub mod not_found;
#[cfg(feature = "ssr")]
pub mod preferences;
#[cfg(feature = "ssr")]
pub mod shell;
#[cfg(feature = "ssr")]
pub mod staff;
pub mod topic;

#[cfg(feature = "ssr")]
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{api::AppError, i18n::lang, tr};

/// Shown in place of a page that needs a signed-in contact.
#[cfg(feature = "ssr")]
#[component]
pub fn SignInPrompt() -> impl IntoView {
    let lang = lang();
    view! {
        <section class="card">
            <h1>{tr!(lang, "sign-in-prompt-heading")}</h1>
            <p>{tr!(lang, "sign-in-prompt-text")}</p>
            <p>
                <a href="/">{tr!(lang, "sign-in-prompt-link")}</a>
            </p>
        </section>
    }
}

/// An error from a server function, or the sign-in prompt when that is the problem.
#[cfg(feature = "ssr")]
pub fn error_view(e: AppError) -> AnyView {
    match e {
        AppError::NotSignedIn => view! { <SignInPrompt/> }.into_any(),
        e => view! { <p class="error" role="alert">{e.in_words(&lang())}</p> }.into_any(),
    }
}
