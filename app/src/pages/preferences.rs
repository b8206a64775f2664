use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::{
    api::{
        customer::{get_preferences, SaveDetails, SaveGlobal, SaveTopic, SetUnsubscribedAll},
        sign_in::SignOut,
        types::{GlobalView, PreferencesView},
        AppError,
    },
    pages::topic::TopicCard,
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
    let saved = move || {
        query
            .read()
            .get("saved")
            .and_then(|s| s.parse::<i64>().ok())
    };
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

    view! {
        <div class="status-region" role="status" aria-live="polite">
            {move || failure().map(|e: AppError| view! { <p class="error" role="alert">"Not saved: "{e.to_string()}</p> })}
        </div>
        <Transition fallback=|| view! { <p>"Loading your preferences…"</p> }>
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

#[component]
fn PreferencesForms(p: PreferencesView, actions: Actions, link: Option<String>) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
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
    // In link mode every form says which link it acts under.
    let link_field = |link: &Option<String>| {
        link.clone()
            .map(|l| view! { <input type="hidden" name="link" value=l/> })
    };
    let (link_global, link_all) = (link_field(&link), link_field(&link));
    let global_summary = global_summary(&global);
    let details_summary = [
        contact.email.clone(),
        Some(contact.time_zone.clone()),
        language_name(&contact.locale).map(str::to_owned),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");

    view! {
        <section class="card">
            <h1>"Your message preferences"</h1>
            <p>
                "Choose what we send you, how, and how often. "
                {contact.email.clone().map(|e| {
                    let lead = if via_link { "For " } else { "Signed in as " };
                    view! { {lead} <strong>{e}</strong> "." }
                })}
            </p>
            {if via_link {
                view! {
                    <p class="hint">
                        "You opened this page from a link in one of our messages. "
                        <a href="/">"Sign in"</a> " to see your history, download your data or change your details."
                    </p>
                }.into_any()
            } else {
                view! {
                    <nav class="page-nav">
                        <a href="/history">"Your history"</a>
                        <a href="/preferences/export" download="attune-my-data.json">"Download my data"</a>
                        <ActionForm action=sign_out attr:class="inline">
                            <button type="submit" class="link-button">"Sign out"</button>
                        </ActionForm>
                    </nav>
                }.into_any()
            }}
        </section>

        {saved.map(|items| view! {
            <section class="card saved" aria-labelledby="saved-heading">
                <h2 id="saved-heading">
                    {if items.is_empty() { "Nothing changed" } else { "Saved" }}
                </h2>
                <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
            </section>
        })}

        {unsubscribed_all.then(|| view! {
            <section class="card notice-card">
                <p>
                    <strong>"You are unsubscribed from everything optional."</strong>
                    " You still get required messages, such as appointment reminders and sign-in links."
                </p>
            </section>
        })}
        {paused.clone().map(|d| view! {
            <section class="card notice-card"><p><strong>"Paused until "{d}"."</strong>" Required messages still reach you."</p></section>
        })}

        <h2 class="section-heading">"Topics"</h2>
        <p class="hint section-hint">"Open a topic to change it."</p>
        {topics.into_iter().map(|t| view! { <TopicCard t link=topic_link.clone()/> }).collect_view()}

        <h2 class="section-heading">"For everything"</h2>
        <section class="card topic" aria-labelledby="global-heading">
            <details>
                <summary>
                    <h3 id="global-heading">"Breaks, quiet hours, calls and texts"</h3>
                    <span class="summary">{global_summary}</span>
                </summary>
                <ActionForm action=actions.save_global attr:class="stack">
                    {link_global}
                    <fieldset>
                        <legend>"Take a break"</legend>
                        {paused.clone().map(|d| view! {
                            <label class="choice"><input type="radio" name="pause" value="keep" checked=true/>" Stay paused until "{d}</label>
                        })}
                        <label class="choice"><input type="radio" name="pause" value="none" checked=paused.is_none()/>" Not paused"</label>
                        <label class="choice"><input type="radio" name="pause" value="week"/>" Pause for 1 week"</label>
                        <label class="choice"><input type="radio" name="pause" value="month"/>" Pause for 1 month"</label>
                        <label class="choice"><input type="radio" name="pause" value="until"/>" Pause until a date:"</label>
                        <label for="pause-until" class="sub">"Pause until"</label>
                        <input id="pause-until" type="date" name="pause_until"/>
                    </fieldset>
                    <fieldset>
                        <legend>"Quiet hours for texts and calls"</legend>
                        <label class="choice">
                            <input type="checkbox" name="quiet_hours" value="on" checked=global.quiet_start.is_some()/>
                            " No texts or calls between these times (your time zone)"
                        </label>
                        <div class="row">
                            <label for="quiet-start">"From"</label>
                            <input id="quiet-start" type="time" name="quiet_start" value=global.quiet_start.clone().unwrap_or_else(|| "21:00".into())/>
                            <label for="quiet-end">"to"</label>
                            <input id="quiet-end" type="time" name="quiet_end" value=global.quiet_end.clone().unwrap_or_else(|| "08:00".into())/>
                        </div>
                    </fieldset>
                    <fieldset>
                        <legend>"Channels"</legend>
                        <label class="choice"><input type="checkbox" name="never_call" value="on" checked=global.never_call/>" Never call me"</label>
                        <label class="choice"><input type="checkbox" name="never_text" value="on" checked=global.never_text/>" Never text me"</label>
                    </fieldset>
                    <button type="submit">"Save these settings"</button>
                </ActionForm>
            </details>
        </section>

        {(!via_link).then(|| view! {
        <section class="card topic" aria-labelledby="details-heading">
            <details>
                <summary>
                    <h3 id="details-heading">"Your details"</h3>
                    <span class="summary">{details_summary}</span>
                </summary>
                <ActionForm action=actions.save_details attr:class="stack">
                    <label for="details-email">"Email address"</label>
                    <input id="details-email" type="email" name="email" autocomplete="email" value=contact.email.clone().unwrap_or_default()/>
                    <p class="hint">
                        {if contact.email_verified { "Confirmed." } else { "Not confirmed yet: we sent a link to confirm it." }}
                        " Changing it sends a confirmation link to the new address."
                    </p>
                    <label for="details-tz">"Time zone"</label>
                    <select id="details-tz" name="time_zone">
                        {time_zones.into_iter().map(|tz| {
                            let selected = tz == contact.time_zone;
                            view! { <option value=tz.clone() selected=selected>{tz.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <label for="details-locale">"Language"</label>
                    <select id="details-locale" name="locale">
                        {LANGUAGES.into_iter().map(|(code, name)| {
                            view! { <option value=code selected=contact.locale == code>{name}</option> }
                        }).collect_view()}
                    </select>
                    <p class="hint">{contact.phone.clone().map(|p| format!("Phone: {p}")).unwrap_or_else(|| "We have no phone number for you.".into())}</p>
                    <button type="submit">"Save my details"</button>
                </ActionForm>
            </details>
        </section>
        })}

        <section class="card" aria-labelledby="all-heading">
            <h2 id="all-heading">"Unsubscribe from everything"</h2>
            <ActionForm action=actions.unsubscribe_all>
                {link_all}
                {if unsubscribed_all {
                    view! {
                        <p>"You are unsubscribed from all optional messages."</p>
                        <input type="hidden" name="on" value="false"/>
                        <button type="submit">"Subscribe again to my topics"</button>
                    }.into_any()
                } else {
                    view! {
                        <p>"Stop every optional message at once. Required messages, such as sign-in links, still reach you."</p>
                        <input type="hidden" name="on" value="true"/>
                        <button type="submit" class="danger">"Unsubscribe from everything"</button>
                    }.into_any()
                }}
            </ActionForm>
        </section>
    }
}

/// The languages a contact can choose, by code.
const LANGUAGES: [(&str, &str); 4] = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
];

fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// The global choices in one line, e.g. "not paused · quiet 21:00–08:00 · never called".
fn global_summary(g: &GlobalView) -> String {
    let mut parts = vec![match &g.paused_until {
        Some(d) => format!("paused until {d}"),
        None => "not paused".to_owned(),
    }];
    if let (Some(start), Some(end)) = (&g.quiet_start, &g.quiet_end) {
        parts.push(format!("quiet {start}–{end}"));
    }
    match (g.never_call, g.never_text) {
        (true, true) => parts.push("no calls or texts".to_owned()),
        (true, false) => parts.push("no calls".to_owned()),
        (false, true) => parts.push("no texts".to_owned()),
        (false, false) => {}
    }
    parts.join(" · ")
}
