use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::sign_in::RequestSignIn;

/// `/`: what Attune is, and the sign-in form (DESIGN §4).
#[component]
pub fn HomePage() -> impl IntoView {
    let request = ServerAction::<RequestSignIn>::new();
    let query = use_query_map();
    // The server answers a form post by sending the browser back here with `?sign_in=requested`,
    // so the answer shows with and without JavaScript.
    let requested = move || query.read().get("sign_in").as_deref() == Some("requested");
    let signed_out = move || query.read().get("signed_out").is_some();
    let error = move || match request.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };

    view! {
        <section class="card intro">
            <h1>"Your messages, your way"</h1>
            <p>
                "Choose which messages you get from us, on which channel, and how often. "
                "Say “information only” and nobody will follow up."
            </p>
        </section>
        <section class="card" aria-labelledby="sign-in-heading">
            <h2 id="sign-in-heading">"Sign in"</h2>
            <p>"We’ll email you a link that signs you in. No password needed."</p>
            <ActionForm action=request attr:class="stack">
                <label for="sign-in-email">"Email address"</label>
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
                    {move || if request.pending().get() { "Sending…" } else { "Email me a sign-in link" }}
                </button>
            </ActionForm>
            <div id="sign-in-status" role="status" aria-live="polite">
                <Show when=requested>
                    <p class="notice">
                        "Thanks. If that address is one we know, a sign-in link is on its way. "
                        "It works once, for 15 minutes."
                    </p>
                </Show>
                <Show when=signed_out>
                    <p class="notice">"You are signed out."</p>
                </Show>
                {move || error().map(|e| view! { <p class="error">{e}</p> })}
            </div>
        </section>
    }
}
