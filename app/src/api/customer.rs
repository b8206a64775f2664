//! The signed-in contact's own server functions: read and change preferences, history.

use leptos::prelude::*;

use super::{
    types::{HistoryPage, PreferencesView, TopicSaved},
    AppError,
};
// What the server functions' bodies decode the forms into: the server's side only.
#[cfg(feature = "ssr")]
use super::{
    ticked,
    types::{DetailsForm, GlobalForm, TopicForm},
};
#[cfg(feature = "ssr")]
use crate::domain::Channel;

/// The signed-in contact's preferences; `saved` names a change of theirs to describe.
#[server(prefix = "/sf", endpoint = "get_preferences")]
pub async fn get_preferences(
    saved: Option<String>,
    link: Option<String>,
) -> Result<PreferencesView, AppError> {
    use crate::backend::{backend, current_contact};
    let contact = current_contact(link.as_deref()).await?;
    let backend = backend()?;
    let saved = saved
        .as_deref()
        .and_then(|saved| backend.saved_seq(contact, saved));
    let mut view = backend
        .preferences(contact, saved, &crate::i18n::lang())
        .await?;
    if link.is_some() {
        view.contact = view.contact.for_link();
    }
    Ok(view)
}

/// After a save, the page shows what changed: it reloads with `?saved=<seq>` (or without, when
/// nothing changed), with and without JavaScript.
#[cfg(feature = "ssr")]
fn after_save(contact: crate::backend::ContactId, saved: Option<i64>, link: Option<&str>) {
    let page = match link {
        Some(token) => format!("/p/{token}"),
        None => "/preferences".to_owned(),
    };
    let saved = match (saved, crate::backend::backend()) {
        (Some(seq), Ok(backend)) => backend.saved_token(contact, seq),
        _ => "0".to_owned(),
    };
    leptos_axum::redirect(&format!("{page}?saved={saved}"));
}

/// Whether the request is a browser's own form post (it takes HTML back), rather than a call
/// from a page's script.
#[cfg(feature = "ssr")]
fn plain_form_post() -> bool {
    crate::backend::request_parts().is_ok_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Saves one topic's form. A browser's own form post is sent back to the page, which says what
/// changed; a call from the page's script gets what changed and the topic as it is now.
#[server(prefix = "/sf", endpoint = "save_topic")]
#[allow(clippy::too_many_arguments)] // one argument per form field
pub async fn save_topic(
    topic: String,
    subscribed: Option<String>,
    frequency: String,
    info_only: Option<String>,
    ch_email: Option<String>,
    ch_sms: Option<String>,
    ch_voice: Option<String>,
    ch_push: Option<String>,
    link: Option<String>,
) -> Result<Option<TopicSaved>, AppError> {
    use crate::backend::{backend, current_contact};
    let contact = current_contact(link.as_deref()).await?;
    let channels = [
        (Channel::Email, &ch_email),
        (Channel::Sms, &ch_sms),
        (Channel::Voice, &ch_voice),
        (Channel::Push, &ch_push),
    ]
    .into_iter()
    .filter(|(_, v)| ticked(v))
    .map(|(c, _)| c)
    .collect();
    let form = TopicForm {
        topic: topic.clone(),
        subscribed: ticked(&subscribed),
        channels,
        frequency,
        info_only: ticked(&info_only),
    };
    let backend = backend()?;
    let saved = backend.save_topic(contact, form).await?;
    if plain_form_post() {
        after_save(contact, saved, link.as_deref());
        return Ok(None);
    }
    let view = backend
        .preferences(contact, Some(saved.unwrap_or(0)), &crate::i18n::lang())
        .await?;
    let items = view.saved.unwrap_or_default();
    Ok(view
        .topics
        .into_iter()
        .find(|t| t.key == topic)
        .map(|topic| TopicSaved { items, topic }))
}

/// Saves pause, quiet hours and the "never call / never text" switches.
#[server(prefix = "/sf", endpoint = "save_global")]
#[allow(clippy::too_many_arguments)] // one argument per form field
pub async fn save_global(
    pause: String,
    pause_until: Option<String>,
    quiet_hours: Option<String>,
    quiet_start: Option<String>,
    quiet_end: Option<String>,
    never_call: Option<String>,
    never_text: Option<String>,
    link: Option<String>,
) -> Result<(), AppError> {
    use crate::backend::{backend, current_contact};
    let contact = current_contact(link.as_deref()).await?;
    let form = GlobalForm {
        pause,
        pause_until: pause_until.filter(|s| !s.is_empty()),
        quiet_hours: ticked(&quiet_hours),
        quiet_start: quiet_start.filter(|s| !s.is_empty()),
        quiet_end: quiet_end.filter(|s| !s.is_empty()),
        never_call: ticked(&never_call),
        never_text: ticked(&never_text),
    };
    let saved = backend()?.save_global(contact, form).await?;
    after_save(contact, saved, link.as_deref());
    Ok(())
}

/// Unsubscribes from every optional topic at once (`on = "true"`), or undoes it.
#[server(prefix = "/sf", endpoint = "set_unsubscribed_all")]
pub async fn set_unsubscribed_all(on: String, link: Option<String>) -> Result<(), AppError> {
    use crate::backend::{backend, current_contact};
    let contact = current_contact(link.as_deref()).await?;
    let saved = backend()?
        .set_unsubscribed_all(contact, on == "true")
        .await?;
    after_save(contact, saved, link.as_deref());
    Ok(())
}

/// Saves email address, time zone and language. A new email address must be confirmed.
#[server(prefix = "/sf", endpoint = "save_details")]
pub async fn save_details(
    email: String,
    time_zone: String,
    locale: String,
) -> Result<(), AppError> {
    use crate::backend::{backend, current_contact};
    // Only a signed-in contact may change the address they sign in with: links get forwarded.
    let contact = current_contact(None).await?;
    let saved = backend()?
        .save_details(
            contact,
            DetailsForm {
                email,
                time_zone,
                locale,
            },
        )
        .await?;
    // The pages follow the language just chosen, not the language switch's earlier choice.
    expect_context::<leptos_axum::ResponseOptions>().append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_static("attune_lang=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"),
    );
    after_save(contact, saved, None);
    Ok(())
}

/// A page of the signed-in contact's history, newest first.
#[server(prefix = "/sf", endpoint = "get_history")]
pub async fn get_history(before: Option<i64>) -> Result<HistoryPage, AppError> {
    use crate::backend::{backend, current_contact};
    let contact = current_contact(None).await?;
    backend()?
        .history(contact, before, &crate::i18n::lang())
        .await
}
