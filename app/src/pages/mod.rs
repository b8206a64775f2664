//! One module per page.
pub mod auth;
pub mod history;
pub mod home;
pub mod links;
pub mod not_found;
pub mod preferences;
#[cfg(feature = "ssr")]
pub mod shell;
#[cfg(feature = "ssr")]
pub mod staff;
pub mod topic;

use leptos::prelude::*;

use crate::api::AppError;

/// Shown in place of a page that needs a signed-in contact.
#[component]
pub fn SignInPrompt() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Please sign in"</h1>
            <p>
                "To see or change your preferences, sign in with the link we email you, or use the "
                "“manage preferences” link in any message from us."
            </p>
            <p>
                <a href="/">"Get a sign-in link"</a>
            </p>
        </section>
    }
}

/// An error from a server function, or the sign-in prompt when that is the problem.
pub fn error_view(e: AppError) -> AnyView {
    match e {
        AppError::NotSignedIn => view! { <SignInPrompt/> }.into_any(),
        e => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
    }
}
