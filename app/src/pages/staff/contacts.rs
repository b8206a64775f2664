//! `/staff` (find a contact) and `/staff/contacts/{ref}` (see and change everything about one).

use leptos::prelude::*;

use super::{Flash, FlashMessage};
use crate::domain::{AddressKind, Channel, Frequency};

/// One contact in the search results.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactHit {
    pub reference: String,
    pub url: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// `/staff?q=`: search by ref, email or phone (partial match), a page at a time.
#[component]
pub fn ContactSearch(
    q: String,
    hits: Vec<ContactHit>,
    /// 1-based.
    page: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    /// Contacts with an open "not me" report, waiting for staff.
    disputed: Vec<ContactHit>,
    flash: Option<Flash>,
) -> impl IntoView {
    let searched = !q.is_empty();
    view! {
        <section class="card">
            <h1>"Find a contact"</h1>
            <FlashMessage flash/>
            <form method="get" action="/staff" class="stack" role="search">
                <label for="staff-q">"Email, phone or ref"</label>
                <input id="staff-q" type="text" name="q" value=q.clone() autocomplete="off"/>
                <p class="hint">"Part of an address or ref is enough, e.g. “ann” or “5550123”."</p>
                <button type="submit">"Search"</button>
            </form>
        </section>
        {searched.then(|| view! {
            <section class="card" aria-labelledby="results-heading">
                <h2 id="results-heading">{format!("Results for “{q}” (page {page})")}</h2>
                {if hits.is_empty() {
                    view! { <p>"No contact matches."</p> }.into_any()
                } else {
                    view! {
                        <table class="staff-table">
                            <thead><tr><th scope="col">"Ref"</th><th scope="col">"Email"</th><th scope="col">"Phone"</th></tr></thead>
                            <tbody>
                                {hits.into_iter().map(|h| view! {
                                    <tr>
                                        <td data-label="Ref"><a href=h.url>{h.reference}</a></td>
                                        <td data-label="Email">{h.email.unwrap_or_else(|| "—".into())}</td>
                                        <td data-label="Phone">{h.phone.unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
                <nav class="page-nav" aria-label="Result pages">
                    {prev_url.map(|u| view! { <a href=u>"Previous page"</a> })}
                    {next_url.map(|u| view! { <a href=u>"Next page"</a> })}
                </nav>
            </section>
        })}
        {(!disputed.is_empty()).then(|| view! {
            <section class="card notice-card" aria-labelledby="disputed-heading">
                <h2 id="disputed-heading">"Addresses reported as “not me”"</h2>
                <p>"Nothing is sent to these addresses until someone checks them."</p>
                <ul class="staff-list">
                    {disputed.into_iter().map(|h| view! {
                        <li>
                            <a href=h.url>{h.reference}</a>
                            {format!(" — {}", [h.email, h.phone].into_iter().flatten().collect::<Vec<_>>().join(", "))}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

/// A contact's preference for one topic, as the staff form shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffTopicPref {
    pub key: String,
    pub name: String,
    pub required: bool,
    pub subscribed: bool,
    /// Every channel the topic offers, and whether the contact chose it.
    pub channels: Vec<(Channel, bool)>,
    pub frequency: Frequency,
    pub info_only: bool,
    /// Whether the contact has a stored choice (else these are the topic's defaults).
    pub stored: bool,
}

/// Global settings as the staff form shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffGlobal {
    pub unsubscribed_all: bool,
    /// Every channel and whether it is opted out of.
    pub opt_outs: Vec<(Channel, bool)>,
    /// In the contact's time zone, while in the future.
    pub paused_until: Option<String>,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub weekly_cap: Option<i64>,
}

/// An open "not me" report.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffDispute {
    pub kind: AddressKind,
    pub address: String,
    pub disputed_at: String,
}

/// One ledger row in plain words, with its propagation receipts.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffLedgerEntry {
    pub seq: i64,
    pub when: String,
    pub by: String,
    pub reason: Option<String>,
    pub items: Vec<String>,
    /// Propagation receipts in words, e.g. "CRM ✓ (3 May 2026 14:02)" or "Marketing — retrying".
    pub receipts: Vec<String>,
}

/// A recorded send (a decision with `record: true`).
#[derive(Debug, Clone, PartialEq)]
pub struct StaffSend {
    pub when: String,
    pub topic: String,
    pub channel: String,
    pub purpose: String,
    pub sender: String,
    pub message_id: Option<String>,
}

/// Another record holding one of the contact's addresses: the same person, most likely, in
/// another system (DESIGN §1.1).
#[derive(Debug, Clone, PartialEq)]
pub struct StaffSharedRecord {
    pub reference: String,
    /// `/staff/contacts/{ref}`, encoded.
    pub url: String,
    /// Which address they share: `email` or `phone`.
    pub shared: AddressKind,
}

/// The contact details form's values (the current ones, or the input kept after an error).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DetailsDraft {
    pub email: String,
    pub phone: String,
    pub locale: String,
    pub time_zone: String,
}

/// Everything the contact page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffContactView {
    pub reference: String,
    /// `/staff/contacts/{ref}`, encoded.
    pub url: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub locale: String,
    pub time_zone: String,
    pub version: i64,
    pub global: StaffGlobal,
    pub topics: Vec<StaffTopicPref>,
    pub disputes: Vec<StaffDispute>,
    /// Other records with the same email address or phone number.
    pub shared: Vec<StaffSharedRecord>,
    /// The address choices that apply, in words with where each came from.
    pub address_choices: Vec<String>,
    pub ledger: Vec<StaffLedgerEntry>,
    pub sends: Vec<StaffSend>,
    pub details_form: DetailsDraft,
    /// The reason typed into the form that failed, kept.
    pub reason_draft: String,
    /// Which form the error is about (`topic-<key>`, `global`, `dispute-<kind>`).
    pub error_form: Option<String>,
}

fn reason_field(id: String, draft: String) -> impl IntoView {
    view! {
        <label for=id.clone()>"Reason (shown to the customer)"</label>
        <textarea id=id name="reason" required maxlength="500" rows="2">{draft}</textarea>
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The reason typed into the form that failed, kept for that form only.
#[derive(Clone)]
struct ReasonDrafts {
    /// Which form failed (`topic-<key>`, `global`, `dispute-<kind>`, `details`).
    form: Option<String>,
    reason: String,
}

impl ReasonDrafts {
    /// The reason to show in `form`'s field: the kept one if `form` failed, else empty.
    fn for_form(&self, form: &str) -> String {
        if self.form.as_deref() == Some(form) {
            self.reason.clone()
        } else {
            String::new()
        }
    }
}

/// `/staff/contacts/{ref}`.
#[component]
pub fn StaffContact(view: StaffContactView, flash: Option<Flash>) -> impl IntoView {
    let StaffContactView {
        reference,
        url,
        email,
        email_verified,
        phone,
        phone_verified,
        locale,
        time_zone,
        version,
        global,
        topics,
        disputes,
        shared,
        address_choices,
        ledger,
        sends,
        reason_draft,
        error_form,
        details_form,
    } = view;
    let drafts = ReasonDrafts {
        form: error_form,
        reason: reason_draft,
    };
    let topic_forms = topics
        .into_iter()
        .map(|t| {
            let action = format!("{url}/topics/{}", t.key);
            let draft = drafts.for_form(&format!("topic-{}", t.key));
            view! { <TopicForm action t draft/> }
        })
        .collect_view();
    view! {
        <section class="card">
            <h1>{format!("Contact {reference}")}</h1>
            <FlashMessage flash/>
            <dl class="staff-details">
                <dt>"Email"</dt><dd>{email.unwrap_or_else(|| "none".into())}{format!(" (verified: {})", yes_no(email_verified))}</dd>
                <dt>"Phone"</dt><dd>{phone.unwrap_or_else(|| "none".into())}{format!(" (verified: {})", yes_no(phone_verified))}</dd>
                <dt>"Language"</dt><dd>{locale}</dd>
                <dt>"Time zone"</dt><dd>{time_zone}</dd>
                <dt>"Version"</dt><dd>{version}</dd>
            </dl>
            <DetailsForm action=format!("{url}/details") form=details_form draft=drafts.for_form("details")/>
            <nav class="page-nav" aria-label="On this page">
                <a href="#global-heading">"Global settings"</a>
                <a href="#topics-heading">"Topics"</a>
                <a href="#ledger-heading">"History"</a>
                <a href="#sends-heading">"Sends"</a>
            </nav>
        </section>
        <DisputesCard url=url.clone() disputes drafts=drafts.clone()/>
        <SamePersonCard shared address_choices/>
        <GlobalForm action=format!("{url}/global") global draft=drafts.for_form("global")/>
        <h2 id="topics-heading" class="section-heading">"Topics"</h2>
        {topic_forms}
        <HistoryCard ledger/>
        <SendsCard sends/>
    }
}

/// The form that changes the contact's addresses, language and time zone, folded under a summary.
#[component]
fn DetailsForm(action: String, form: DetailsDraft, draft: String) -> impl IntoView {
    view! {
        <details>
            <summary>"Change contact details"</summary>
            <form method="post" action=action class="stack">
                <label for="c-email">"Email address (a new one is unverified until the contact confirms it)"</label>
                <input id="c-email" type="email" name="email" value=form.email/>
                <label for="c-phone">"Phone number, international form"</label>
                <input id="c-phone" type="tel" name="phone" value=form.phone placeholder="+15551234567"/>
                <label for="c-locale">"Language (e.g. en, fr-CA)"</label>
                <input id="c-locale" type="text" name="locale" value=form.locale required/>
                <label for="c-tz">"Time zone (e.g. Europe/Paris)"</label>
                <input id="c-tz" type="text" name="time_zone" value=form.time_zone required/>
                {reason_field("c-reason".to_owned(), draft)}
                <button type="submit">"Save contact details"</button>
            </form>
        </details>
    }
}

/// The open "not me" reports, each with a form to resolve it; nothing when there are none.
#[component]
fn DisputesCard(url: String, disputes: Vec<StaffDispute>, drafts: ReasonDrafts) -> impl IntoView {
    let forms = disputes
        .into_iter()
        .map(|d| {
            let action = format!("{url}/disputes/{}", d.kind.as_str());
            let draft = drafts.for_form(&format!("dispute-{}", d.kind.as_str()));
            view! { <DisputeForm action dispute=d draft/> }
        })
        .collect_view();
    (!forms.is_empty()).then(|| {
        view! {
            <section class="card notice-card" aria-labelledby="disputes-heading">
                <h2 id="disputes-heading">"Disputed addresses"</h2>
                <p>"Nothing is sent to these addresses until you resolve the report."</p>
                <ul class="staff-list">{forms}</ul>
            </section>
        }
    })
}

/// One "not me" report: keep the address, or replace it.
#[component]
fn DisputeForm(action: String, dispute: StaffDispute, draft: String) -> impl IntoView {
    let d = dispute;
    let id = |s: &str| format!("d-{}-{s}", d.kind.as_str());
    let (input_type, example) = match d.kind {
        AddressKind::Phone => ("tel", "+15551234567"),
        _ => ("email", "ann@example.com"),
    };
    view! {
        <li>
            <p>{format!("The {} address {} was reported as “not me” on {}.", d.kind.as_str(), d.address, d.disputed_at)}</p>
            <form method="post" action=action class="stack">
                <fieldset>
                    <legend>{format!("Resolve the {} report", d.kind.as_str())}</legend>
                    <label class="choice"><input type="radio" name="resolution" value="confirm" checked=true/>"It belongs to the contact: use it again"</label>
                    <label class="choice"><input type="radio" name="resolution" value="replace"/>"Replace it with a new address"</label>
                    <label for=id("replacement")>"New address (when replacing)"</label>
                    <input id=id("replacement") type=input_type name="replacement" placeholder=example/>
                </fieldset>
                {reason_field(id("reason"), draft)}
                <button type="submit">{format!("Resolve the {} report", d.kind.as_str())}</button>
            </form>
        </li>
    }
}

/// Other records sharing the contact's addresses, and the address choices every one of them
/// obeys; nothing when there are neither.
#[component]
fn SamePersonCard(shared: Vec<StaffSharedRecord>, address_choices: Vec<String>) -> impl IntoView {
    (!shared.is_empty() || !address_choices.is_empty()).then(|| view! {
        <section class="card" aria-labelledby="person-heading">
            <h2 id="person-heading">"The same person elsewhere"</h2>
            {(!shared.is_empty()).then(|| view! {
                <p>"Other records with this contact’s addresses:"</p>
                <ul class="staff-list">
                    {shared.into_iter().map(|r| view! {
                        <li><a href=r.url>{r.reference}</a>{format!(" (same {})", match r.shared { AddressKind::Phone => "phone number", _ => "email address" })}</li>
                    }).collect_view()}
                </ul>
            })}
            {(!address_choices.is_empty()).then(|| view! {
                <p>"Choices the person made at these addresses, which every record obeys:"</p>
                <ul class="staff-list">
                    {address_choices.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            })}
        </section>
    })
}

/// The contact's global settings, as a form.
#[component]
fn GlobalForm(action: String, global: StaffGlobal, draft: String) -> impl IntoView {
    let opt_outs = global.opt_outs.clone();
    view! {
        <section class="card" aria-labelledby="global-heading">
            <h2 id="global-heading">"Global settings"</h2>
            <form method="post" action=action class="stack">
                <label class="choice"><input type="checkbox" name="unsubscribed_all" value="on" checked=global.unsubscribed_all/>"Unsubscribed from everything optional"</label>
                <fieldset>
                    <legend>"Never use these channels"</legend>
                    {opt_outs.into_iter().map(|(c, on)| view! {
                        <label class="choice"><input type="checkbox" name="opt_outs" value=c.as_str() checked=on/>{crate::i18n::Lang::english().channel_label(c)}</label>
                    }).collect_view()}
                </fieldset>
                <p>{match global.paused_until.clone() { Some(p) => format!("Paused until {p}."), None => "Not paused.".to_owned() }}</p>
                <label for="g-pause">"Pause"</label>
                <select id="g-pause" name="pause">
                    <option value="keep" selected=true>"Keep as it is"</option>
                    <option value="none">"No pause"</option>
                    <option value="until">"Pause until the date below"</option>
                </select>
                <label for="g-pause-until">"Pause until (date)"</label>
                <input id="g-pause-until" type="date" name="pause_until"/>
                <div class="row">
                    <label for="g-quiet-start">"Quiet from"</label>
                    <input id="g-quiet-start" type="time" name="quiet_start" value=global.quiet_start.clone().unwrap_or_default()/>
                    <label for="g-quiet-end">"to"</label>
                    <input id="g-quiet-end" type="time" name="quiet_end" value=global.quiet_end.clone().unwrap_or_default()/>
                </div>
                <p class="hint">"Leave both empty for no quiet hours."</p>
                <label for="g-cap">"At most this many messages a week (empty: no limit)"</label>
                <input id="g-cap" type="text" inputmode="numeric" name="weekly_cap" value=global.weekly_cap.map(|c| c.to_string()).unwrap_or_default()/>
                {reason_field("g-reason".to_owned(), draft)}
                <button type="submit">"Save global settings for the contact"</button>
            </form>
        </section>
    }
}

/// One topic's preference, as a form.
#[component]
fn TopicForm(action: String, t: StaffTopicPref, draft: String) -> impl IntoView {
    let id = |s: &str| format!("t-{}-{s}", t.key);
    let heading = id("heading");
    let labelled = heading.clone();
    view! {
        <section class="card staff-topic" aria-labelledby=labelled>
            <h3 id=heading>{t.name.clone()}</h3>
            <p class="hint">
                {if t.required { "Required topic: it can be routed, not switched off." } else { "Optional topic." }}
                {(!t.stored).then_some(" The contact has made no choice; these are the topic’s defaults.")}
            </p>
            <form method="post" action=action class="stack">
                {(!t.required).then(|| view! {
                    <label class="choice"><input type="checkbox" name="subscribed" value="on" checked=t.subscribed/>{format!("Subscribed to {}", t.name)}</label>
                })}
                <fieldset>
                    <legend>{format!("Channels for {}", t.name)}</legend>
                    {t.channels.iter().map(|(c, on)| view! {
                        <label class="choice"><input type="checkbox" name="channels" value=c.as_str() checked=*on/>{crate::i18n::Lang::english().channel_label(*c)}</label>
                    }).collect_view()}
                </fieldset>
                <label for=id("frequency")>{format!("How often: {}", t.name)}</label>
                <select id=id("frequency") name="frequency">
                    {Frequency::ALL.iter().map(|f| view! {
                        <option value=f.as_str() selected=*f == t.frequency>{f.as_str()}</option>
                    }).collect_view()}
                </select>
                <label class="choice"><input type="checkbox" name="info_only" value="on" checked=t.info_only/>"Information only, no follow-up"</label>
                {reason_field(id("reason"), draft)}
                <button type="submit">{format!("Save {} for the contact", t.name)}</button>
            </form>
        </section>
    }
}

/// The ledger: every change, newest first, with its receipts from the sending systems.
#[component]
fn HistoryCard(ledger: Vec<StaffLedgerEntry>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="ledger-heading">
            <h2 id="ledger-heading">"History"</h2>
            <p class="hint">"Every change, newest first, with which sending systems have confirmed it."</p>
            {if ledger.is_empty() {
                view! { <p>"No changes yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="history">
                        {ledger.into_iter().map(|e| view! {
                            <li>
                                <p class="when"><time>{e.when}</time>{format!(" · {} · #{}", e.by, e.seq)}</p>
                                <ul>{e.items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                                {e.reason.map(|r| view! { <p class="reason">"Reason given: "{r}</p> })}
                                {(!e.receipts.is_empty()).then(|| view! {
                                    <p class="hint">"Sending systems: "{e.receipts.join("; ")}</p>
                                })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// The recorded sends, as a table.
#[component]
fn SendsCard(sends: Vec<StaffSend>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="sends-heading">
            <h2 id="sends-heading">"Recorded sends"</h2>
            {if sends.is_empty() {
                view! { <p>"No sends recorded."</p> }.into_any()
            } else {
                view! {
                    <table class="staff-table">
                        <thead><tr><th scope="col">"When"</th><th scope="col">"Topic"</th><th scope="col">"Channel"</th><th scope="col">"Purpose"</th><th scope="col">"Sender"</th><th scope="col">"Message id"</th></tr></thead>
                        <tbody>
                            {sends.into_iter().map(|s| view! {
                                <tr>
                                    <td data-label="When">{s.when}</td>
                                    <td data-label="Topic">{s.topic}</td>
                                    <td data-label="Channel">{s.channel}</td>
                                    <td data-label="Purpose">{s.purpose}</td>
                                    <td data-label="Sender">{s.sender}</td>
                                    <td data-label="Message id">{s.message_id.unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
