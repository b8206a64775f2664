use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{
        sign_in::{sign_in_link_status, RedeemSignIn, RequestSignIn},
        types::LinkStatus,
    },
    app::org_name,
    i18n::lang,
    tr,
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
    let lang = lang();
    let checking = tr!(lang, "auth-checking");
    let heading = tr!(lang, "auth-heading", org = org_name());

    view! {
        <Transition fallback=move || view! { <p>{checking.clone()}</p> }>
            {move || {
                let heading = heading.clone();
                Suspend::new(async move {
                    let problem = match status.await {
                        Ok(LinkStatus::Valid) => None,
                        Ok(LinkStatus::Used) => Some(tr!(lang, "auth-used")),
                        Ok(LinkStatus::Expired) => Some(tr!(lang, "auth-expired")),
                        Ok(LinkStatus::Unknown) => Some(tr!(lang, "auth-unknown")),
                        Err(_) => Some(tr!(lang, "auth-unchecked")),
                    };
                    match problem {
                        None => view! {
                            <section class="card">
                                <h1>{heading}</h1>
                                <p>{tr!(lang, "auth-press-continue")}</p>
                                <ActionForm action=redeem>
                                    <input type="hidden" name="token" value=token()/>
                                    <button type="submit" disabled=move || redeem.pending().get()>{tr!(lang, "auth-continue")}</button>
                                </ActionForm>
                                {move || match redeem.value().get() {
                                    Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.in_words(&lang)}</p> }),
                                    _ => None,
                                }}
                            </section>
                        }.into_any(),
                        Some(problem) => view! {
                            <section class="card">
                                <h1>{tr!(lang, "auth-problem-heading")}</h1>
                                <p>{problem}</p>
                                <h2>{tr!(lang, "auth-new-link")}</h2>
                                <ActionForm action=request attr:class="stack">
                                    <label for="new-link-email">{tr!(lang, "email-label")}</label>
                                    <input id="new-link-email" type="email" name="email" autocomplete="email" required/>
                                    <button type="submit">{tr!(lang, "auth-new-link")}</button>
                                </ActionForm>
                            </section>
                        }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
