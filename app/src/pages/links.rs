//! The pages behind links in messages: `/u/{token}` (unsubscribe) and `/n/{token}` ("not me").
//! They are plain server-rendered pages, whose forms post back to the same URL: they need no
//! JavaScript and load none, because most people open them once, from a phone.

use leptos::prelude::*;

use crate::domain::Frequency;

/// An undo button: the form field `action` and an optional `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    pub action: &'static str,
    pub value: Option<String>,
    pub label: String,
    /// Signed proof that the change was made just now (the form field `undo`).
    pub proof: String,
}

/// `GET /u/{token}`: one button, the topic preselected, and the alternatives.
#[component]
pub fn UnsubscribeConfirm(
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
        Some(t) => format!("Unsubscribe from {t}?"),
        None => "Unsubscribe from all optional messages?".to_owned(),
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
            {address.map(|a| view! { <p>"For messages to " <strong>{a}</strong> "."</p> })}
            {if required {
                view! {
                    <p class="required-note">
                        "These messages are required (such as appointment reminders or security alerts), "
                        "so they can’t be switched off. You can choose how they reach you on your preferences page."
                    </p>
                }.into_any()
            } else {
                view! {
                    <form method="post" action=action_url.clone() class="stack">
                        <input type="hidden" name="action" value="unsubscribe"/>
                        <button type="submit" class="danger">
                            {match &topic { Some(t) => format!("Unsubscribe from {t}"), None => "Unsubscribe from everything".to_owned() }}
                        </button>
                    </form>
                }.into_any()
            }}
        </section>
        {less_often.filter(|(_, c)| !c.is_empty()).map(|(t, choices)| view! {
            <section class="card" aria-labelledby="less-often-heading">
                <h2 id="less-often-heading">"Less often instead"</h2>
                <form method="post" action=action_url.clone() class="stack">
                    <input type="hidden" name="action" value="less_often"/>
                    <label for="less-often-frequency">{format!("Get {t}")}</label>
                    <select id="less-often-frequency" name="frequency">
                        {choices.into_iter().map(|f| view! {
                            <option value=f.as_str()>{match f { Frequency::Weekly => "At most once a week", _ => "At most once a month" }}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit">"Send less often instead"</button>
                </form>
            </section>
        })}
        {topic.is_some().then(|| view! {
            <section class="card" aria-labelledby="everything-heading">
                <h2 id="everything-heading">"Stop everything"</h2>
                <p>"Stop every optional message from us. Required messages, such as sign-in links, still reach you."</p>
                <form method="post" action=action_url.clone()>
                    <input type="hidden" name="action" value="everything"/>
                    <button type="submit">"Stop everything"</button>
                </form>
            </section>
        })}
        <section class="card">
            <p><a href=not_me_url>"This isn’t me — I never signed up for these messages"</a></p>
            <p><a href=preferences_url>"Manage all my preferences"</a></p>
        </section>
    }
}

/// The answer after a choice on a link page, with an undo button when one applies.
#[component]
pub fn LinkOutcome(
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
            {preferences_url.map(|p| view! { <p><a href=p>"Manage all my preferences"</a></p> })}
        </section>
    }
}

/// `GET /n/{token}`: asks before marking an address as not the contact's.
#[component]
pub fn NotMeConfirm(action_url: String, address: String) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Not you?"</h1>
            <p>
                "If " <strong>{address}</strong> " is your address but you never signed up with us, "
                "someone may have mistyped theirs. Tell us, and we will send nothing more to this address "
                "until our staff have sorted it out."
            </p>
            <form method="post" action=action_url>
                <button type="submit" class="danger">"This isn’t me — stop sending to this address"</button>
            </form>
        </section>
    }
}

/// A link that can't be used, with what to do instead.
#[component]
pub fn LinkProblem(title: String, message: String) -> impl IntoView {
    view! {
        <section class="card">
            <h1>{title}</h1>
            <p>{message}</p>
            <p>"You can still " <a href="/">"sign in with your email address"</a> " to manage your messages."</p>
        </section>
    }
}

/// A whole page around `body`, rendered on the server, styled, with no scripts.
#[cfg(feature = "ssr")]
pub fn render_document(title: &str, body: impl FnOnce() -> AnyView) -> String {
    use crate::pages::shell::{document, render, Audience, PUBLIC_HEADER};
    document(Audience::Public, title, PUBLIC_HEADER, &render(body))
}
