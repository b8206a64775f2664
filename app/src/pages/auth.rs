use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{
    sign_in::{sign_in_link_status, RedeemSignIn, RequestSignIn},
    types::LinkStatus,
};

/// `GET /auth/{token}`: a page with a Continue button. Looking at it changes nothing (mail
/// scanners fetch links, and some run scripts); only pressing Continue uses the link.
#[component]
pub fn AuthPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let status = Resource::new(token, sign_in_link_status);
    let redeem = ServerAction::<RedeemSignIn>::new();
    let request = ServerAction::<RequestSignIn>::new();

    view! {
        <Transition fallback=|| view! { <p>"Checking your link…"</p> }>
            {move || Suspend::new(async move {
                let problem = match status.await {
                    Ok(LinkStatus::Valid) => None,
                    Ok(LinkStatus::Used) => Some("This sign-in link has already been used."),
                    Ok(LinkStatus::Expired) => Some("This sign-in link has expired: links work for 15 minutes."),
                    Ok(LinkStatus::Unknown) => Some("This sign-in link is not valid. It may have been copied incompletely."),
                    Err(_) => Some("We could not check this link just now. Please try again."),
                };
                match problem {
                    None => view! {
                        <section class="card">
                            <h1>"Sign in to Attune"</h1>
                            <p>"Press Continue to sign in on this device."</p>
                            <ActionForm action=redeem>
                                <input type="hidden" name="token" value=token()/>
                                <button type="submit" disabled=move || redeem.pending().get()>"Continue"</button>
                            </ActionForm>
                            {move || match redeem.value().get() {
                                Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }),
                                _ => None,
                            }}
                        </section>
                    }.into_any(),
                    Some(problem) => view! {
                        <section class="card">
                            <h1>"This link can’t sign you in"</h1>
                            <p>{problem}</p>
                            <h2>"Email me a new link"</h2>
                            <ActionForm action=request attr:class="stack">
                                <label for="new-link-email">"Email address"</label>
                                <input id="new-link-email" type="email" name="email" autocomplete="email" required/>
                                <button type="submit">"Email me a new link"</button>
                            </ActionForm>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
