use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::api::customer::get_history;

/// `/history`: every change to the contact's preferences, in plain words, newest first.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|s| s.parse::<i64>().ok())
    };
    let page = Resource::new(before, get_history);

    view! {
        <Transition fallback=|| view! { <p>"Loading your history…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => error_view(e),
                    Ok(page) => view! {
                        <section class="card">
                            <h1>"Your history"</h1>
                            <p>"Every change to what we may send you, who made it, and when."</p>
                            <nav class="page-nav"><a href="/preferences">"Back to your preferences"</a></nav>
                            {if page.entries.is_empty() {
                                view! { <p>"No changes yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ol class="history">
                                        {page.entries.into_iter().map(|e| view! {
                                            <li>
                                                <p class="when"><time>{e.when}</time>" · "{e.by}{e.record.map(|r| format!(" · record {r}"))}</p>
                                                <ul>{e.items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                                                {e.reason.map(|r| view! { <p class="reason">"Reason given: "{r}</p> })}
                                                {(!e.receipts.is_empty()).then(|| view! {
                                                    <p class="receipts">
                                                        "Confirmed by: "
                                                        {e.receipts.into_iter().enumerate().map(|(i, r)| {
                                                            let title = r.when.clone().map(|w| format!("Confirmed {w}"));
                                                            view! {
                                                                {(i > 0).then_some(", ")}
                                                                <span class=format!("receipt receipt-{:?}", r.state).to_lowercase() title=title>
                                                                    {format!("{} {}", r.system, r.state.label())}
                                                                </span>
                                                            }
                                                        }).collect_view()}
                                                    </p>
                                                })}
                                            </li>
                                        }).collect_view()}
                                    </ol>
                                }.into_any()
                            }}
                            {page.next_before.map(|b| view! {
                                <p><a href=format!("/history?before={b}")>"Older changes"</a></p>
                            })}
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
