//! The pages behind links in messages: `/u/{token}` (unsubscribe) and `/n/{token}` ("not me").
//! They are plain server-rendered pages, whose forms post back to the same URL: they need no
//! JavaScript and load none, because most people open them once, from a phone.

use leptos::prelude::*;

use crate::{domain::Frequency, i18n::Lang, pages::shell::escape_html, tr};

/// An undo button: the form field `action` and an optional `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    pub action: &'static str,
    pub value: Option<String>,
    pub label: String,
    /// Signed proof that the change was made just now (the form field `undo`).
    pub proof: String,
}

impl Undo {
    /// An undo button not yet signed: the change it undoes signs it once it is made.
    pub fn new(action: &'static str, value: Option<String>, label: String) -> Self {
        Undo {
            action,
            value,
            label,
            proof: String::new(),
        }
    }
}

/// `GET /u/{token}`: one button, the topic preselected, and the alternatives.
#[component]
pub fn UnsubscribeConfirm(
    lang: Lang,
    /// The form's own URL (`/u/{token}`).
    action_url: String,
    /// The topic's name, or `None` for a link about every optional message.
    topic: Option<String>,
    /// Whether the topic is required (it can't be unsubscribed, only managed).
    required: bool,
    frequency: Option<Frequency>,
    /// The address, partly hidden.
    address: Option<String>,
    not_me_url: String,
    preferences_url: String,
) -> impl IntoView {
    let title = match &topic {
        Some(t) => tr!(lang, "unsubscribe-topic-heading", topic = t.as_str()),
        None => tr!(lang, "unsubscribe-all-heading"),
    };
    let less_often = topic.clone().filter(|_| !required).map(|t| {
        let choices: Vec<Frequency> = [Frequency::Weekly, Frequency::Monthly]
            .into_iter()
            .filter(|f| Some(*f) != frequency && frequency.is_none_or(|c| c < *f))
            .collect();
        (t, choices)
    });
    view! {
        <section class="card">
            <h1>{title}</h1>
            {address.map(|a| view! { <p inner_html=tr!(lang, "unsubscribe-for-address", address = escape_html(&a))></p> })}
            {if required {
                view! {
                    <p class="required-note">{tr!(lang, "unsubscribe-required-note")}</p>
                }.into_any()
            } else {
                view! {
                    <form method="post" action=action_url.clone() class="stack">
                        <input type="hidden" name="action" value="unsubscribe"/>
                        <button type="submit" class="danger">
                            {match &topic {
                                Some(t) => tr!(lang, "unsubscribe-topic-button", topic = t.as_str()),
                                None => tr!(lang, "unsubscribe-all-button"),
                            }}
                        </button>
                    </form>
                }.into_any()
            }}
        </section>
        {less_often.filter(|(_, c)| !c.is_empty()).map(|(t, choices)| view! {
            <section class="card" aria-labelledby="less-often-heading">
                <h2 id="less-often-heading">{tr!(lang, "less-often-heading")}</h2>
                <form method="post" action=action_url.clone() class="stack">
                    <input type="hidden" name="action" value="less_often"/>
                    <label for="less-often-frequency">{tr!(lang, "less-often-label", topic = t)}</label>
                    <select id="less-often-frequency" name="frequency">
                        {choices.into_iter().map(|f| view! {
                            <option value=f.as_str()>{tr!(lang, "frequency-option", frequency = f.as_str())}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit">{tr!(lang, "less-often-button")}</button>
                </form>
            </section>
        })}
        {topic.is_some().then(|| view! {
            <section class="card" aria-labelledby="everything-heading">
                <h2 id="everything-heading">{tr!(lang, "stop-everything-heading")}</h2>
                <p>{tr!(lang, "stop-everything-text")}</p>
                <form method="post" action=action_url.clone()>
                    <input type="hidden" name="action" value="everything"/>
                    <button type="submit">{tr!(lang, "stop-everything-button")}</button>
                </form>
            </section>
        })}
        <section class="card">
            <p><a href=not_me_url>{tr!(lang, "link-not-me")}</a></p>
            <p><a href=preferences_url>{tr!(lang, "link-manage-all")}</a></p>
        </section>
    }
}

/// The answer after a choice on a link page, with an undo button when one applies.
#[component]
pub fn LinkOutcome(
    lang: Lang,
    title: String,
    message: String,
    action_url: String,
    undo: Option<Undo>,
    preferences_url: Option<String>,
) -> impl IntoView {
    view! {
        <section class="card saved" role="status">
            <h1>{title}</h1>
            <p>{message}</p>
            {undo.map(|u| view! {
                <form method="post" action=action_url>
                    <input type="hidden" name="action" value=u.action/>
                    {u.value.map(|v| view! { <input type="hidden" name="value" value=v/> })}
                    <input type="hidden" name="undo" value=u.proof/>
                    <button type="submit">{u.label}</button>
                </form>
            })}
            {preferences_url.map(|p| view! { <p><a href=p>{tr!(lang, "link-manage-all")}</a></p> })}
        </section>
    }
}

/// `GET /n/{token}`: asks before marking an address as not the contact's.
#[component]
pub fn NotMeConfirm(lang: Lang, action_url: String, address: String) -> impl IntoView {
    view! {
        <section class="card">
            <h1>{tr!(lang, "not-me-heading")}</h1>
            <p inner_html=tr!(lang, "not-me-text", address = escape_html(&address))></p>
            <form method="post" action=action_url>
                <button type="submit" class="danger">{tr!(lang, "not-me-button")}</button>
            </form>
        </section>
    }
}

/// A link that can't be used, with what to do instead.
#[component]
pub fn LinkProblem(lang: Lang, title: String, message: String) -> impl IntoView {
    view! {
        <section class="card">
            <h1>{title}</h1>
            <p>{message}</p>
            <p inner_html=tr!(lang, "link-still-sign-in")></p>
        </section>
    }
}

/// A whole page of the organisation `org` around `body` in `lang`, rendered on the server,
/// styled, with no scripts; its language switch comes `back` to the page's path.
pub fn render_document(
    org: &str,
    lang: &Lang,
    back: &str,
    title: &str,
    body: impl FnOnce() -> AnyView,
) -> String {
    use crate::pages::shell::{customer_header, document, render, Audience};
    document(
        Audience::Public(*lang),
        org,
        title,
        &customer_header(org, lang, back),
        &render(body),
    )
}
