use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::{
    api::{
        customer::{get_preferences, SaveDetails, SaveGlobal, SaveTopic, SetUnsubscribedAll},
        sign_in::SignOut,
        types::{ContactView, GlobalView, PreferencesView, TopicWords},
        AppError,
    },
    i18n::{lang, Lang},
    pages::topic::TopicCard,
    tr,
};

/// `/p/{token}`: the preference page for the contact a link in a message names, without signing
/// in (DESIGN §3).
#[component]
pub fn LinkPreferencesPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    view! { <PreferencesPage link=token/> }
}

/// `/preferences` (DESIGN §5): per topic and global settings, rendered on the server. Each topic
/// is a line that opens to its choices ([`TopicCard`], the page's only island); the global
/// choices are grouped below. Every form posts to a server function, so the page works without
/// JavaScript. With `link`, it acts for the contact a preferences link names instead of the
/// signed-in one.
#[component]
pub fn PreferencesPage(#[prop(optional)] link: Option<String>) -> impl IntoView {
    let link_value = StoredValue::new(link.clone());
    let query = use_query_map();
    let saved = move || query.read().get("saved").filter(|s| s.len() <= 100);
    // A form that failed sends the browser back here with the error in the URL; the actions
    // read it from there.
    let save_topic = ServerAction::<SaveTopic>::new();
    let save_global = ServerAction::<SaveGlobal>::new();
    let unsubscribe_all = ServerAction::<SetUnsubscribedAll>::new();
    let save_details = ServerAction::<SaveDetails>::new();
    let prefs = Resource::new(saved, move |saved| get_preferences(saved, link.clone()));
    let failure = move || {
        let topic = save_topic.value().get().and_then(Result::err);
        [
            save_global.value().get(),
            unsubscribe_all.value().get(),
            save_details.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(Result::err)
        .or(topic)
    };
    let actions = Actions {
        save_global,
        unsubscribe_all,
        save_details,
    };
    let lang = lang();
    let loading = tr!(lang, "prefs-loading");

    view! {
        <div class="status-region" role="status" aria-live="polite">
            {move || failure().map(|e: AppError| view! { <p class="error" role="alert">{tr!(lang, "not-saved", error = e.in_words(&lang))}</p> })}
        </div>
        <Transition fallback=move || view! { <p>{loading.clone()}</p> }>
            {move || Suspend::new(async move {
                match prefs.await {
                    Ok(p) => view! { <PreferencesForms p actions link=link_value.get_value()/> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    save_global: ServerAction<SaveGlobal>,
    unsubscribe_all: ServerAction<SetUnsubscribedAll>,
    save_details: ServerAction<SaveDetails>,
}

/// The page once the preferences are loaded: the contact, what the last save changed, the
/// topics, and the global choices.
#[component]
fn PreferencesForms(p: PreferencesView, actions: Actions, link: Option<String>) -> impl IntoView {
    let PreferencesView {
        contact,
        global,
        topics,
        saved,
        time_zones,
    } = p;
    let unsubscribed_all = global.unsubscribed_all;
    let paused = global.paused_until.clone();
    let via_link = link.is_some();
    let topic_link = link.clone();
    let lang = lang();

    view! {
        <PreferencesIntro email=contact.email.clone() via_link/>
        <SavedCard saved/>
        <StateNotices unsubscribed_all paused/>

        <h2 class="section-heading">{tr!(lang, "topics-heading")}</h2>
        <p class="hint section-hint">{tr!(lang, "topics-hint")}</p>
        {topics.into_iter().map(|t| {
            let words = TopicWords::new(&lang, &t);
            view! { <TopicCard t words link=topic_link.clone()/> }
        }).collect_view()}

        <h2 class="section-heading">{tr!(lang, "everything-heading")}</h2>
        <GlobalCard action=actions.save_global global link=link.clone()/>
        {(!via_link).then(|| view! { <DetailsCard action=actions.save_details contact time_zones/> })}
        <UnsubscribeAllCard action=actions.unsubscribe_all unsubscribed_all link/>
    }
}

/// In link mode every form says which link it acts under.
fn link_field(link: Option<String>) -> Option<impl IntoView> {
    link.map(|l| view! { <input type="hidden" name="link" value=l/> })
}

/// The page's heading: whose preferences these are, and (when signed in) history, export and
/// sign-out.
#[component]
fn PreferencesIntro(email: Option<String>, via_link: bool) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let lang = lang();
    view! {
        <section class="card">
            <h1>{tr!(lang, "prefs-heading")}</h1>
            <p>
                {tr!(lang, "prefs-intro")} " "
                {email.map(|e| {
                    let e = crate::pages::shell::escape_html(&e);
                    let said = if via_link { tr!(lang, "prefs-for", email = e) } else { tr!(lang, "prefs-signed-in-as", email = e) };
                    view! { <span inner_html=said></span> }
                })}
            </p>
            {if via_link {
                view! {
                    <p class="hint" inner_html=tr!(lang, "prefs-via-link")></p>
                }.into_any()
            } else {
                view! {
                    <nav class="page-nav">
                        <a href="/history">{tr!(lang, "prefs-history-link")}</a>
                        <a href="/preferences/export" download="attune-my-data.json">{tr!(lang, "prefs-download")}</a>
                        <ActionForm action=sign_out attr:class="inline">
                            <button type="submit" class="link-button">{tr!(lang, "sign-out")}</button>
                        </ActionForm>
                    </nav>
                }.into_any()
            }}
        </section>
    }
}

/// What the last save changed, in words, when the page was reached by saving a form.
#[component]
fn SavedCard(saved: Option<Vec<String>>) -> impl IntoView {
    let lang = lang();
    saved.map(|items| view! {
        <section class="card saved" aria-labelledby="saved-heading">
            <h2 id="saved-heading">
                {if items.is_empty() { tr!(lang, "saved-nothing-heading") } else { tr!(lang, "saved-heading") }}
            </h2>
            <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
        </section>
    })
}

/// Notices for a global choice that silences the topics below it: unsubscribed, or paused.
#[component]
fn StateNotices(unsubscribed_all: bool, paused: Option<String>) -> impl IntoView {
    let lang = lang();
    view! {
        {unsubscribed_all.then(|| view! {
            <section class="card notice-card">
                <p inner_html=tr!(lang, "notice-unsubscribed-all")></p>
            </section>
        })}
        {paused.map(|d| view! {
            <section class="card notice-card"><p inner_html=tr!(lang, "notice-paused", date = crate::pages::shell::escape_html(&d))></p></section>
        })}
    }
}

/// The global choices (pause, quiet hours, channels never used), opening from a one-line summary
/// like a topic.
#[component]
fn GlobalCard(
    action: ServerAction<SaveGlobal>,
    global: GlobalView,
    link: Option<String>,
) -> impl IntoView {
    let lang = lang();
    let global_summary = global_summary(&lang, &global);
    let paused = global.paused_until.clone();
    view! {
        <section class="card topic" aria-labelledby="global-heading">
            <details>
                <summary>
                    <h3 id="global-heading">{tr!(lang, "global-heading")}</h3>
                    <span class="summary">{global_summary}</span>
                </summary>
                <ActionForm action attr:class="stack">
                    {link_field(link)}
                    <fieldset>
                        <legend>{tr!(lang, "pause-legend")}</legend>
                        {paused.clone().map(|d| view! {
                            <label class="choice"><input type="radio" name="pause" value="keep" checked=true/>" "{tr!(lang, "pause-keep", date = d)}</label>
                        })}
                        <label class="choice"><input type="radio" name="pause" value="none" checked=paused.is_none()/>" "{tr!(lang, "pause-none")}</label>
                        <label class="choice"><input type="radio" name="pause" value="week"/>" "{tr!(lang, "pause-week")}</label>
                        <label class="choice"><input type="radio" name="pause" value="month"/>" "{tr!(lang, "pause-month")}</label>
                        <label class="choice"><input type="radio" name="pause" value="until"/>" "{tr!(lang, "pause-until-choice")}</label>
                        <label for="pause-until" class="sub">{tr!(lang, "pause-until-label")}</label>
                        <input id="pause-until" type="date" name="pause_until"/>
                    </fieldset>
                    <fieldset>
                        <legend>{tr!(lang, "quiet-legend")}</legend>
                        <label class="choice">
                            <input type="checkbox" name="quiet_hours" value="on" checked=global.quiet_start.is_some()/>
                            " " {tr!(lang, "quiet-label")}
                        </label>
                        <div class="row">
                            <label for="quiet-start">{tr!(lang, "quiet-from")}</label>
                            <input id="quiet-start" type="time" name="quiet_start" value=global.quiet_start.clone().unwrap_or_else(|| "21:00".into())/>
                            <label for="quiet-end">{tr!(lang, "quiet-to")}</label>
                            <input id="quiet-end" type="time" name="quiet_end" value=global.quiet_end.clone().unwrap_or_else(|| "08:00".into())/>
                        </div>
                    </fieldset>
                    <fieldset>
                        <legend>{tr!(lang, "channels-legend")}</legend>
                        <label class="choice"><input type="checkbox" name="never_call" value="on" checked=global.never_call/>" "{tr!(lang, "never-call")}</label>
                        <label class="choice"><input type="checkbox" name="never_text" value="on" checked=global.never_text/>" "{tr!(lang, "never-text")}</label>
                    </fieldset>
                    <button type="submit">{tr!(lang, "global-save")}</button>
                </ActionForm>
            </details>
        </section>
    }
}

/// The contact's own details (email address, time zone, language), for a signed-in contact only:
/// a forwarded link must not change them.
#[component]
fn DetailsCard(
    action: ServerAction<SaveDetails>,
    contact: ContactView,
    time_zones: Vec<String>,
) -> impl IntoView {
    let lang = lang();
    let details_summary = [
        contact.email.clone(),
        Some(contact.time_zone.clone()),
        Lang::from_code(&contact.locale).map(|l| l.name()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <section class="card topic" aria-labelledby="details-heading">
            <details>
                <summary>
                    <h3 id="details-heading">{tr!(lang, "details-heading")}</h3>
                    <span class="summary">{details_summary}</span>
                </summary>
                <ActionForm action attr:class="stack">
                    <label for="details-email">{tr!(lang, "email-label")}</label>
                    <input id="details-email" type="email" name="email" autocomplete="email" value=contact.email.clone().unwrap_or_default()/>
                    <p class="hint">
                        {if contact.email_verified { tr!(lang, "details-confirmed") } else { tr!(lang, "details-unconfirmed") }}
                        " " {tr!(lang, "details-email-hint")}
                    </p>
                    {contact.pending_email.clone().map(|pending| view! {
                        <p class="hint" role="status">{tr!(lang, "details-pending", email = pending)}</p>
                    })}
                    <label for="details-tz">{tr!(lang, "details-time-zone")}</label>
                    <select id="details-tz" name="time_zone">
                        {time_zones.into_iter().map(|tz| {
                            let selected = tz == contact.time_zone;
                            view! { <option value=tz.clone() selected=selected>{tz.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <label for="details-locale">{tr!(lang, "details-language")}</label>
                    <select id="details-locale" name="locale">
                        {Lang::all().iter().map(|l| {
                            let code = l.code();
                            let selected = Lang::from_code(&contact.locale).as_ref() == Some(l);
                            view! { <option value=code.clone() lang=code selected=selected>{l.name()}</option> }
                        }).collect_view()}
                    </select>
                    <p class="hint">{contact.phone.clone().map(|p| tr!(lang, "details-phone", phone = p)).unwrap_or_else(|| tr!(lang, "details-no-phone"))}</p>
                    <button type="submit">{tr!(lang, "details-save")}</button>
                </ActionForm>
            </details>
        </section>
    }
}

/// Unsubscribe from everything optional, or subscribe again.
#[component]
fn UnsubscribeAllCard(
    action: ServerAction<SetUnsubscribedAll>,
    unsubscribed_all: bool,
    link: Option<String>,
) -> impl IntoView {
    let lang = lang();
    view! {
        <section class="card" aria-labelledby="all-heading">
            <h2 id="all-heading">{tr!(lang, "all-heading")}</h2>
            <ActionForm action>
                {link_field(link)}
                {if unsubscribed_all {
                    view! {
                        <p>{tr!(lang, "all-is-off")}</p>
                        <input type="hidden" name="on" value="false"/>
                        <button type="submit">{tr!(lang, "all-resubscribe")}</button>
                    }.into_any()
                } else {
                    view! {
                        <p>{tr!(lang, "all-explain")}</p>
                        <input type="hidden" name="on" value="true"/>
                        <button type="submit" class="danger">{tr!(lang, "all-button")}</button>
                    }.into_any()
                }}
            </ActionForm>
        </section>
    }
}

/// The global choices in one line, e.g. "not paused · quiet 21:00–08:00 · no calls".
fn global_summary(lang: &Lang, g: &GlobalView) -> String {
    let mut parts = vec![match &g.paused_until {
        Some(d) => tr!(lang, "global-summary-paused", date = d.as_str()),
        None => tr!(lang, "global-summary-not-paused"),
    }];
    if let (Some(start), Some(end)) = (&g.quiet_start, &g.quiet_end) {
        parts.push(tr!(
            lang,
            "global-summary-quiet",
            start = start.as_str(),
            end = end.as_str()
        ));
    }
    match (g.never_call, g.never_text) {
        (true, true) => parts.push(tr!(lang, "global-summary-no-calls-texts")),
        (true, false) => parts.push(tr!(lang, "global-summary-no-calls")),
        (false, true) => parts.push(tr!(lang, "global-summary-no-texts")),
        (false, false) => {}
    }
    parts.join(" · ")
}
