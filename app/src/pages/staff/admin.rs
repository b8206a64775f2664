//! `/staff/admin/*`: topics, senders and their keys, webhook endpoints, staff users.

use leptos::prelude::*;

use super::{Flash, FlashMessage};
use crate::domain::{Channel, Frequency, TopicKind};

/// A topic as the admin form shows it (also the input kept when a save fails).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicRow {
    pub key: String,
    pub name: String,
    pub description: String,
    pub required: bool,
    pub channels: Vec<Channel>,
    pub default_subscribed: bool,
    pub default_frequency: Option<Frequency>,
    pub position: i64,
    pub archived: bool,
}

fn topic_fields(t: &TopicRow, prefix: String, new: bool) -> impl IntoView {
    let id = move |s: &str| format!("{prefix}-{s}");
    view! {
        {if new {
            view! {
                <label for=id("key")>"Key"</label>
                <input id=id("key") type="text" name="key" value=t.key.clone() required pattern="[a-z][a-z0-9_\\-]{0,63}"/>
                <p class="hint">"Lowercase letters, digits, - and _; it can’t be changed later."</p>
            }.into_any()
        } else {
            view! { <input type="hidden" name="key" value=t.key.clone()/> }.into_any()
        }}
        <label for=id("name")>"Name"</label>
        <input id=id("name") type="text" name="name" value=t.name.clone() required/>
        <label for=id("description")>"Description"</label>
        <input id=id("description") type="text" name="description" value=t.description.clone()/>
        <label for=id("kind")>"Kind"</label>
        <select id=id("kind") name="kind">
            <option value=TopicKind::Optional.as_str() selected=!t.required>"Optional (can be switched off)"</option>
            <option value=TopicKind::Required.as_str() selected=t.required>"Required (only routed)"</option>
        </select>
        <fieldset>
            <legend>"Channels offered"</legend>
            {Channel::ALL.iter().map(|c| view! {
                <label class="choice"><input type="checkbox" name="channels" value=c.as_str() checked=t.channels.contains(c)/>{crate::i18n::Lang::english().channel_label(*c)}</label>
            }).collect_view()}
        </fieldset>
        <label class="choice"><input type="checkbox" name="default_subscribed" value="on" checked=t.default_subscribed/>"Subscribed by default (optional topics)"</label>
        <label for=id("frequency")>"Default frequency"</label>
        <select id=id("frequency") name="default_frequency">
            {Frequency::ALL.iter().map(|f| view! {
                <option value=f.as_str() selected=Some(*f) == t.default_frequency>{f.as_str()}</option>
            }).collect_view()}
        </select>
        <label for=id("position")>"Order (lower comes first)"</label>
        <input id=id("position") type="text" inputmode="numeric" name="position" value=t.position.to_string()/>
    }
}

/// `/staff/admin/topics`.
#[component]
pub fn AdminTopics(
    topics: Vec<TopicRow>,
    /// The new-topic form's values (kept after an error).
    draft: TopicRow,
    flash: Option<Flash>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Topics"</h1>
            <FlashMessage flash/>
            <p>"The kinds of message the organisation sends. Archived topics disappear from customers’ pages and decisions."</p>
        </section>
        <section class="card" aria-labelledby="new-topic-heading">
            <h2 id="new-topic-heading">"New topic"</h2>
            <form method="post" action="/staff/admin/topics" class="stack">
                {topic_fields(&draft, "new".into(), true)}
                <button type="submit">"Create topic"</button>
            </form>
        </section>
        {topics.into_iter().map(|t| {
            let heading = format!("topic-{}-heading", t.key);
            let labelled = heading.clone();
            let action = format!("/staff/admin/topics/{}", t.key);
            let archive = format!("/staff/admin/topics/{}/archive", t.key);
            view! {
                <section class="card" aria-labelledby=labelled>
                    <h2 id=heading>{format!("{} ({})", t.name, t.key)}{t.archived.then_some(" — archived")}</h2>
                    <details>
                        <summary>{format!("Edit {}", t.name)}</summary>
                        <form method="post" action=action class="stack">
                            {topic_fields(&t, format!("edit-{}", t.key), false)}
                            <button type="submit">{format!("Save {}", t.name)}</button>
                        </form>
                    </details>
                    <form method="post" action=archive>
                        <input type="hidden" name="archived" value=if t.archived { "off" } else { "on" }/>
                        <button type="submit" class=if t.archived { "" } else { "danger" }>
                            {if t.archived { format!("Restore {}", t.name) } else { format!("Archive {}", t.name) }}
                        </button>
                    </form>
                </section>
            }
        }).collect_view()}
    }
}

/// One API key of a sender.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRow {
    pub prefix: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SenderRow {
    pub name: String,
    pub keys: Vec<KeyRow>,
}

/// A key just made: shown on this one response only.
#[derive(Debug, Clone, PartialEq)]
pub struct NewKey {
    pub sender: String,
    pub key: String,
}

/// `/staff/admin/senders`.
#[component]
pub fn AdminSenders(
    senders: Vec<SenderRow>,
    new_key: Option<NewKey>,
    name_draft: String,
    flash: Option<Flash>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Senders and API keys"</h1>
            <FlashMessage flash/>
            {new_key.map(|k| view! {
                <div class="saved staff-secret" role="status" aria-labelledby="new-key-heading">
                    <h2 id="new-key-heading">{format!("New API key for {}", k.sender)}</h2>
                    <p>"Copy it now: it is shown only this once and can’t be recovered."</p>
                    <p><code class="secret">{k.key}</code></p>
                </div>
            })}
            <form method="post" action="/staff/admin/senders" class="stack">
                <label for="sender-name">"Sender name (a new or existing sender gets a new key)"</label>
                <input id="sender-name" type="text" name="name" value=name_draft required maxlength="100"/>
                <button type="submit">"Create API key"</button>
            </form>
        </section>
        {senders.into_iter().map(|s| {
            let heading = format!("sender-{}-heading", s.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
            let labelled = heading.clone();
            view! {
                <section class="card" aria-labelledby=labelled>
                    <h2 id=heading>{s.name.clone()}</h2>
                    {if s.keys.is_empty() {
                        view! { <p>"No keys."</p> }.into_any()
                    } else {
                        view! {
                            <table class="staff-table">
                                <thead><tr><th scope="col">"Key"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col">"Status"</th></tr></thead>
                                <tbody>
                                    {s.keys.into_iter().map(|k| view! {
                                        <tr>
                                            <td data-label="Key"><code>{format!("{}…", k.prefix)}</code></td>
                                            <td data-label="Created">{k.created}</td>
                                            <td data-label="Last used">{k.last_used.unwrap_or_else(|| "never".into())}</td>
                                            <td data-label="Status">{match k.revoked {
                                                Some(when) => view! { <span>{format!("revoked {when}")}</span> }.into_any(),
                                                None => view! {
                                                    <form method="post" action="/staff/admin/senders/revoke" class="inline">
                                                        <input type="hidden" name="prefix" value=k.prefix.clone()/>
                                                        <button type="submit" class="danger">{format!("Revoke {}…", k.prefix)}</button>
                                                    </form>
                                                }.into_any(),
                                            }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                </section>
            }
        }).collect_view()}
    }
}

/// A webhook endpoint and how its deliveries stand.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointRow {
    pub id: String,
    pub sender: String,
    pub url: String,
    pub events: String,
    pub created: String,
    pub failing_since: Option<String>,
    pub disabled: Option<String>,
    pub pending: i64,
    pub failed: i64,
    pub delivered: i64,
}

/// `/staff/admin/endpoints`: failing and disabled endpoints first.
#[component]
pub fn AdminEndpoints(endpoints: Vec<EndpointRow>, flash: Option<Flash>) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Webhook endpoints"</h1>
            <FlashMessage flash/>
            <p>"Failing and disabled endpoints are listed first."</p>
            {endpoints.is_empty().then(|| view! { <p>"No endpoints are registered."</p> })}
        </section>
        {endpoints.into_iter().map(|e| {
            let heading = format!("endpoint-{}-heading", e.id);
            let labelled = heading.clone();
            let trouble = e.failing_since.is_some() || e.disabled.is_some();
            let replay_id = format!("replay-{}", e.id);
            let action = format!("/staff/admin/endpoints/{}/replay", e.id);
            view! {
                <section class=if trouble { "card notice-card" } else { "card" } aria-labelledby=labelled>
                    <h2 id=heading>{format!("{} → {}", e.sender, e.url)}</h2>
                    <dl class="staff-details">
                        <dt>"Status"</dt>
                        <dd>{match (&e.disabled, &e.failing_since) {
                            (Some(d), _) => format!("Disabled: {d}"),
                            (None, Some(f)) => format!("Failing since {f}"),
                            (None, None) => "Healthy".to_owned(),
                        }}</dd>
                        <dt>"Events"</dt><dd>{e.events}</dd>
                        <dt>"Deliveries"</dt><dd>{format!("{} pending, {} failed, {} delivered", e.pending, e.failed, e.delivered)}</dd>
                        <dt>"Created"</dt><dd>{e.created}</dd>
                        <dt>"Id"</dt><dd><code>{e.id.clone()}</code></dd>
                    </dl>
                    // A disabled endpoint gets nothing, so there is nothing to replay to it.
                    {e.disabled.is_none().then(|| view! {
                        <form method="post" action=action class="stack">
                            <label for=replay_id.clone()>"Replay events after sequence number"</label>
                            <input id=replay_id type="text" inputmode="numeric" name="after" value="0" required/>
                            <button type="submit">"Replay"</button>
                        </form>
                    })}
                </section>
            }
        }).collect_view()}
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaffUserRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub created: String,
    pub disabled: bool,
    pub locked_until: Option<String>,
    /// The signed-in admin's own row (they can't disable themselves).
    pub me: bool,
}

/// A password just generated: shown on this one response only.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPassword {
    pub email: String,
    pub password: String,
}

/// `/staff/admin/users`.
#[component]
pub fn AdminUsers(
    users: Vec<StaffUserRow>,
    new_password: Option<NewPassword>,
    email_draft: String,
    flash: Option<Flash>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Staff users"</h1>
            <FlashMessage flash/>
            {new_password.map(|p| view! {
                <div class="saved staff-secret" role="status" aria-labelledby="new-password-heading">
                    <h2 id="new-password-heading">{format!("Password for {}", p.email)}</h2>
                    <p>"Give it to them safely: it is shown only this once."</p>
                    <p><code class="secret">{p.password}</code></p>
                </div>
            })}
            <form method="post" action="/staff/admin/users" class="stack">
                <label for="user-email">"Email address"</label>
                <input id="user-email" type="email" name="email" value=email_draft required/>
                <label for="user-role">"Role"</label>
                <select id="user-role" name="role">
                    <option value="agent" selected=true>"Agent: finds contacts and changes settings for them"</option>
                    <option value="admin">"Admin: also topics, senders, endpoints and staff"</option>
                </select>
                <button type="submit">"Create staff user"</button>
            </form>
        </section>
        <section class="card" aria-labelledby="users-heading">
            <h2 id="users-heading">"Everyone"</h2>
            <table class="staff-table">
                <thead><tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Created"</th><th scope="col">"Status"</th></tr></thead>
                <tbody>
                    {users.into_iter().map(|u| {
                        let action = format!("/staff/admin/users/{}/disable", u.id);
                        let status = match (u.disabled, &u.locked_until) {
                            (true, _) => "disabled".to_owned(),
                            (false, Some(t)) => format!("active, locked until {t}"),
                            (false, None) => "active".to_owned(),
                        };
                        view! {
                            <tr>
                                <td data-label="Email">{u.email.clone()}</td>
                                <td data-label="Role">{u.role}</td>
                                <td data-label="Created">{u.created}</td>
                                <td data-label="Status">
                                    {status}
                                    {(!u.me).then(|| view! {
                                        " "
                                        <form method="post" action=action class="inline">
                                            <input type="hidden" name="disabled" value=if u.disabled { "off" } else { "on" }/>
                                            <button type="submit" class=if u.disabled { "link-button" } else { "link-button danger-link" }>
                                                {if u.disabled { format!("Enable {}", u.email) } else { format!("Disable {}", u.email) }}
                                            </button>
                                        </form>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
