//! One topic on the preference page: a line that says what the contact gets, which opens to the
//! topic's choices. It is an island, the only part of the page the browser runs: there a change
//! saves itself and says so beside the choices, with undo. Without JavaScript the same form
//! posts, and the page says what changed.

use leptos::prelude::*;

use crate::{
    api::{
        customer::SaveTopic,
        types::{ChannelChoice, TopicPrefView, TopicSaved, TopicWords},
        AppError,
    },
    domain::Frequency,
};

/// The topic in one line, e.g. "email and text messages, at most once a week, information only".
#[cfg(feature = "ssr")]
pub fn topic_summary(lang: &crate::i18n::Lang, t: &TopicPrefView) -> String {
    use crate::tr;
    if !t.subscribed && !t.required {
        return tr!(lang, "topic-off");
    }
    let chosen: Vec<String> = t
        .channels
        .iter()
        .filter(|c| c.chosen && c.available)
        .map(|c| lang.channel_word(c.channel))
        .collect();
    let mut parts = vec![if chosen.is_empty() {
        tr!(lang, "topic-no-channel")
    } else {
        lang.list(&chosen)
    }];
    parts.push(tr!(
        lang,
        "frequency-words",
        frequency = t.frequency.as_str()
    ));
    if t.info_only {
        parts.push(tr!(lang, "topic-info-only"));
    }
    parts.join(", ")
}

#[cfg(feature = "ssr")]
impl TopicWords {
    /// The card's words for topic `t`, in `lang`.
    pub fn new(lang: &crate::i18n::Lang, t: &TopicPrefView) -> Self {
        use crate::tr;
        let name = t.name.as_str();
        TopicWords {
            required_note: tr!(lang, "topic-required-note"),
            send_me: tr!(
                lang,
                "topic-send-me",
                topic = name,
                topic_lower = name.to_lowercase()
            ),
            how: tr!(lang, "topic-how"),
            how_often: tr!(lang, "topic-how-often"),
            frequencies: Frequency::ALL
                .iter()
                .map(|f| tr!(lang, "frequency-option", frequency = f.as_str()))
                .collect(),
            info_only: tr!(lang, "topic-info-only-label"),
            save: tr!(lang, "topic-save", topic = name),
            saving: tr!(lang, "topic-saving"),
            saved: tr!(lang, "topic-saved", items = "{items}"),
            nothing_changed: tr!(lang, "topic-nothing-changed"),
            undo: tr!(lang, "topic-undo"),
            not_saved: tr!(lang, "not-saved", error = "{error}"),
            not_signed_in: tr!(lang, "error-not-signed-in"),
            internal: tr!(lang, "error-internal"),
            transport: tr!(lang, "error-transport"),
        }
    }
}

impl TopicWords {
    /// An error as the card says it.
    fn error(&self, e: &AppError) -> String {
        let said = match e {
            AppError::Invalid(s) | AppError::RateLimited(s) => s.as_str(),
            AppError::NotSignedIn => &self.not_signed_in,
            AppError::Internal => &self.internal,
            AppError::Transport(_) => &self.transport,
        };
        self.not_saved.replace("{error}", said)
    }
}

/// What the last save said: what changed, or why it failed.
type Said = Result<Vec<String>, AppError>;

/// A card's state in the browser.
#[derive(Clone, Copy)]
struct Card {
    form: NodeRef<leptos::html::Form>,
    saving: RwSignal<bool>,
    /// A change made while a save is on its way is sent when that save is back, so that saves
    /// reach the server in the order they were made.
    again: StoredValue<bool>,
    /// The topic as last saved (what the summary says), and as it was before that save (undo).
    now: RwSignal<TopicPrefView>,
    before: RwSignal<Option<TopicPrefView>>,
    said: RwSignal<Option<Said>>,
}

impl Card {
    /// Saves the form as it is now, once the save on its way (if any) is back.
    fn save(self) {
        if self.saving.get_untracked() {
            self.again.set_value(true);
            return;
        }
        let Some(form) = self.form.get_untracked() else {
            return;
        };
        self.saving.set(true);
        let sent = post_form(form);
        leptos::task::spawn_local(async move {
            let result = sent.await;
            self.saving.set(false);
            if self.again.get_value() {
                self.again.set_value(false);
                self.save();
                return;
            }
            self.said.set(Some(match result {
                Ok(Some(TopicSaved { items, topic })) => {
                    self.before.set(Some(self.now.get_untracked()));
                    self.now.set(topic);
                    Ok(items)
                }
                Ok(None) => Ok(Vec::new()),
                Err(e) => Err(e),
            }));
        });
    }

    /// Puts the topic back as it was before the last save, on the form and on the server.
    fn undo(self) {
        if let (Some(old), Some(form)) = (self.before.get_untracked(), self.form.get_untracked()) {
            put_on_form(&form, &old);
            self.save();
        }
    }
}

/// A topic's card, with its `words` in the page's language. `link` is the token of the
/// preferences link the page was opened with.
#[island]
pub fn TopicCard(t: TopicPrefView, words: TopicWords, link: Option<String>) -> impl IntoView {
    // Effects run only in the browser: this says the card is ready for a change to save itself.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let card = Card {
        form: NodeRef::new(),
        saving: RwSignal::new(false),
        again: StoredValue::new(false),
        now: RwSignal::new(t.clone()),
        before: RwSignal::new(None),
        said: RwSignal::new(None),
    };
    let (form, now) = (card.form, card.now);

    let save_url = <SaveTopic as leptos::server_fn::ServerFn>::PATH;
    let key = t.key.clone();
    let id = move |part: &str| format!("t-{key}-{part}");
    let (name_id, frequency_id, said_id) = (id("name"), id("frequency"), id("said"));
    let (labelled_by, frequency_for) = (name_id.clone(), frequency_id.clone());
    let channels = t
        .channels
        .iter()
        .map(|c| view! { <ChannelBox choice=c.clone() input_id=id(c.channel.as_str())/> })
        .collect_view();
    let words = StoredValue::new(words);
    let w = words.get_value();

    view! {
        <section class="card topic" aria-labelledby=labelled_by data-hydrated=move || hydrated.get().to_string()>
            <details>
                <summary>
                    <h3><span id=name_id>{t.name.clone()}</span></h3>
                    <span class="summary">{move || now.with(|t| t.summary.clone())}</span>
                </summary>
                <p class="hint">{t.description.clone()}</p>
                <form method="post" action=save_url class="stack" node_ref=form
                    on:change=move |_| card.save()
                    on:submit=move |ev| {
                        ev.prevent_default();
                        card.save();
                    }>
                    <input type="hidden" name="topic" value=t.key.clone()/>
                    {link.map(|l| view! { <input type="hidden" name="link" value=l/> })}
                    <SubscribedSwitch required=t.required subscribed=t.subscribed
                        required_note=w.required_note.clone() send_me=w.send_me.clone()/>
                    <fieldset>
                        <legend>{w.how.clone()}</legend>
                        {channels}
                    </fieldset>
                    <label for=frequency_for>{w.how_often.clone()}</label>
                    <select id=frequency_id name="frequency">
                        {Frequency::ALL.iter().zip(w.frequencies.clone()).map(|(f, label)| view! {
                            <option value=f.as_str() selected=*f == t.frequency>{label}</option>
                        }).collect_view()}
                    </select>
                    <label class="choice">
                        <input type="checkbox" name="info_only" value="on" checked=t.info_only/>
                        " " {w.info_only.clone()}
                    </label>
                    <p class="said" id=said_id role="status" aria-live="polite">{said_line(card, words)}</p>
                    <button type="submit">{w.save.clone()}</button>
                </form>
            </details>
        </section>
    }
}

/// One channel's checkbox, and the note saying why it can't be chosen when it can't.
#[component]
fn ChannelBox(choice: ChannelChoice, input_id: String) -> impl IntoView {
    let note_id = format!("{input_id}-note");
    let described = choice.note.as_ref().map(|_| note_id.clone());
    let label_for = input_id.clone();
    view! {
        <label class="choice" for=label_for>
            <input id=input_id type="checkbox" name=format!("ch_{}", choice.channel.as_str()) value="on"
                checked=choice.chosen && choice.available disabled=!choice.available
                aria-describedby=described/>
            " " {choice.label}
        </label>
        {choice.note.map(|n| view! { <p class="hint" id=note_id>{n}</p> })}
    }
}

/// The topic's on/off switch. A required topic can't be switched off: it says so instead, and
/// posts "on" in a hidden field.
#[component]
fn SubscribedSwitch(
    required: bool,
    subscribed: bool,
    required_note: String,
    send_me: String,
) -> impl IntoView {
    if required {
        view! {
            <input type="hidden" name="subscribed" value="on"/>
            <p class="required-note">{required_note}</p>
        }
        .into_any()
    } else {
        view! {
            <label class="choice switch">
                <input type="checkbox" name="subscribed" value="on" checked=subscribed/>
                " " {send_me}
            </label>
        }
        .into_any()
    }
}

/// What the card says beside its choices: "Saving…", then what the save changed (with undo) or
/// why it failed. A closure, so it follows the card's signals.
fn said_line(card: Card, words: StoredValue<TopicWords>) -> impl IntoView {
    move || {
        let saving = card
            .saving
            .get()
            .then(|| words.with_value(|w| w.saving.clone()));
        let message = card.said.get().map(|s| match s {
            Ok(items) if items.is_empty() => words.with_value(|w| w.nothing_changed.clone()).into_any(),
            Ok(items) => view! {
                {words.with_value(|w| w.saved.replace("{items}", &items.join("; ")))} " "
                <button type="button" class="link-button" on:click=move |_| card.undo()>{words.with_value(|w| w.undo.clone())}</button>
            }
            .into_any(),
            Err(e) => view! { <span class="error">{words.with_value(|w| w.error(&e))}</span> }.into_any(),
        });
        (saving, message)
    }
}

/// Posts the form as a browser would, asking for what changed back instead of a new page. (The
/// server function's own client would cost the WebAssembly a form encoder and an HTTP client.)
#[cfg(feature = "hydrate")]
async fn post_form(form: web_sys::HtmlFormElement) -> Result<Option<TopicSaved>, AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let lost = |_| AppError::Transport("no answer".to_owned());
    let data = web_sys::FormData::new_with_form(&form).map_err(lost)?;
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).map_err(lost)?;
    let headers = web_sys::Headers::new().map_err(lost)?;
    headers.set("Accept", "application/json").map_err(lost)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&body);
    let url = <SaveTopic as leptos::server_fn::ServerFn>::PATH;
    let window = web_sys::window().ok_or(AppError::Internal)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(lost)?
        .unchecked_into();
    let text = JsFuture::from(response.text().map_err(lost)?)
        .await
        .map_err(lost)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| AppError::Internal)
    } else {
        Err(serde_json::from_str(&text).unwrap_or(AppError::Internal))
    }
}

#[cfg(not(feature = "hydrate"))]
async fn post_form<F>(_form: F) -> Result<Option<TopicSaved>, AppError> {
    Err(AppError::Internal)
}

/// Puts a topic's choices back on its form (undo).
#[cfg(feature = "hydrate")]
fn put_on_form(form: &web_sys::HtmlFormElement, t: &TopicPrefView) {
    use wasm_bindgen::JsCast;
    let controls = form.elements();
    let tick = |name: &str, on: bool| {
        if let Some(input) = controls
            .named_item(name)
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_checked(on);
        }
    };
    if !t.required {
        tick("subscribed", t.subscribed);
    }
    for c in t.channels.iter().filter(|c| c.available) {
        tick(&format!("ch_{}", c.channel.as_str()), c.chosen);
    }
    tick("info_only", t.info_only);
    if let Some(select) = controls
        .named_item("frequency")
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
    {
        select.set_value(t.frequency.as_str());
    }
}

#[cfg(not(feature = "hydrate"))]
fn put_on_form<F>(_form: &F, _t: &TopicPrefView) {}
