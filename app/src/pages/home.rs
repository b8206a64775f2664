use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{api::sign_in::RequestSignIn, i18n::lang, tr};

/// `/`: what Attune is, and the sign-in form (DESIGN §4).
#[component]
pub fn HomePage() -> impl IntoView {
    let request = ServerAction::<RequestSignIn>::new();
    let query = use_query_map();
    // The server answers a form post by sending the browser back here with `?sign_in=requested`,
    // so the answer shows with and without JavaScript.
    let requested = move || query.read().get("sign_in").as_deref() == Some("requested");
    let signed_out = move || query.read().get("signed_out").is_some();
    let lang = lang();
    let error = move || match request.value().get() {
        Some(Err(e)) => Some(e.in_words(&lang)),
        _ => None,
    };
    let (sending, send) = (tr!(lang, "sign-in-sending"), tr!(lang, "sign-in-button"));

    view! {
        <section class="card intro">
            <h1>{tr!(lang, "home-heading")}</h1>
            <p>{tr!(lang, "home-intro")}</p>
        </section>
        <section class="card" aria-labelledby="sign-in-heading">
            <h2 id="sign-in-heading">{tr!(lang, "sign-in-heading")}</h2>
            <p>{tr!(lang, "sign-in-intro")}</p>
            <ActionForm action=request attr:class="stack">
                <label for="sign-in-email">{tr!(lang, "email-label")}</label>
                <input
                    id="sign-in-email"
                    type="email"
                    name="email"
                    autocomplete="email"
                    inputmode="email"
                    required
                    aria-describedby="sign-in-status"
                />
                <button type="submit" disabled=move || request.pending().get()>
                    {move || if request.pending().get() { sending.clone() } else { send.clone() }}
                </button>
            </ActionForm>
            <div id="sign-in-status" role="status" aria-live="polite">
                <Show when=requested>
                    <p class="notice">{tr!(lang, "sign-in-requested")}</p>
                </Show>
                <Show when=signed_out>
                    <p class="notice">{tr!(lang, "signed-out")}</p>
                </Show>
                {move || error().map(|e| view! { <p class="error">{e}</p> })}
            </div>
        </section>
    }
}
