use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::{api::customer::get_history, i18n::lang, tr};

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
    let lang = lang();
    let loading = tr!(lang, "history-loading");

    view! {
        <Transition fallback=move || view! { <p>{loading.clone()}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => error_view(e),
                    Ok(page) => view! {
                        <section class="card">
                            <h1>{tr!(lang, "history-heading")}</h1>
                            <p>{tr!(lang, "history-intro")}</p>
                            <nav class="page-nav"><a href="/preferences">{tr!(lang, "history-back")}</a></nav>
                            {if page.entries.is_empty() {
                                view! { <p>{tr!(lang, "history-empty")}</p> }.into_any()
                            } else {
                                view! {
                                    <ol class="history">
                                        {page.entries.into_iter().map(|e| view! {
                                            <li>
                                                <p class="when"><time>{e.when}</time>" · "{e.by}{e.record.map(|r| format!(" · {}", tr!(lang, "history-record", record = r)))}</p>
                                                <ul>{e.items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                                                {e.reason.map(|r| view! { <p class="reason">{tr!(lang, "history-reason", reason = r)}</p> })}
                                                {(!e.receipts.is_empty()).then(|| view! {
                                                    <p class="receipts">
                                                        {format!("{} ", tr!(lang, "history-confirmed-by"))}
                                                        {e.receipts.into_iter().enumerate().map(|(i, r)| {
                                                            let title = r.when.clone().map(|w| tr!(lang, "history-confirmed-at", when = w));
                                                            view! {
                                                                {(i > 0).then_some(", ")}
                                                                <span class=format!("receipt receipt-{:?}", r.state).to_lowercase() title=title>
                                                                    {tr!(lang, "history-receipt", system = r.system.clone(), state = r.state.key())}
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
                                <p><a href=format!("/history?before={b}")>{tr!(lang, "history-older")}</a></p>
                            })}
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
