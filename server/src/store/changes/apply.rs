//! The pure heart of a change: the state before and the operations asked for in, the state
//! after and the field-by-field diff out. No I/O: `write.rs` reads the state and writes the
//! result; this file decides what a change means, and its tests say so rule by rule.

use std::collections::{BTreeMap, HashMap};

use app::domain::{
    AddressKind, ChannelSet, Email, PauseUntil, Phone, TopicKey, TopicKind, WeeklyCap,
};
use serde_json::{json, Value};

use super::{ChangeError, ChangeOp, FieldChange, QuietHours};
use crate::store::topics::Topic;

/// A contact's choice for one topic (the topic's defaults when there is no row).
pub(super) use app::domain::Preference;

/// A contact's global settings; the default is what a contact without a row has.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Global {
    pub(super) unsubscribed_all: bool,
    pub(super) channel_opt_outs: ChannelSet,
    pub(super) paused_until: Option<i64>,
    pub(super) quiet_hours: Option<QuietHours>,
    pub(super) weekly_cap: Option<i64>,
}

/// The contact's own fields.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ContactFields {
    pub(super) reference: String,
    pub(super) email: Option<String>,
    pub(super) email_verified: bool,
    pub(super) phone: Option<String>,
    pub(super) phone_verified: bool,
    pub(super) locale: String,
    pub(super) time_zone: String,
}

/// Records a diff, keeping the first `from` and the last `to` when a field changes twice.
#[derive(Default)]
pub(super) struct Diff(BTreeMap<String, (Value, Value)>, Vec<String>);

impl Diff {
    fn record(&mut self, field: String, from: Value, to: Value) {
        match self.0.get_mut(&field) {
            Some(entry) => entry.1 = to,
            None => {
                self.1.push(field.clone());
                self.0.insert(field, (from, to));
            }
        }
    }

    fn into_changes(mut self) -> Vec<FieldChange> {
        self.1
            .into_iter()
            .filter_map(|field| {
                let (from, to) = self.0.remove(&field)?;
                (from != to).then_some(FieldChange { field, from, to })
            })
            .collect()
    }
}

/// Everything a change reads, as it is before the change.
#[derive(Debug, Clone)]
pub(super) struct State {
    pub(super) contact: ContactFields,
    /// Read only when an operation sets a global setting; otherwise the default, unchanged.
    pub(super) global: Global,
    /// The live topics the operations name, by key.
    pub(super) topics: HashMap<TopicKey, Topic>,
    /// The contact's choice for each of those topics.
    pub(super) prefs: BTreeMap<TopicKey, Preference>,
    /// Open "not me" reports by address kind: the report's row id.
    pub(super) open_disputes: HashMap<AddressKind, i64>,
}

/// What a change turns the state into.
#[derive(Debug)]
pub(super) struct Applied {
    pub(super) contact: ContactFields,
    pub(super) global: Global,
    pub(super) prefs: BTreeMap<TopicKey, Preference>,
    /// New "not me" reports: the kind and the address reported.
    pub(super) disputes: Vec<(AddressKind, String)>,
    /// Open reports to close: (row id, "confirmed" or "replaced").
    pub(super) resolutions: Vec<(i64, &'static str)>,
    pub(super) erase: bool,
    /// The fields that differ, in the order first changed; empty when nothing differs.
    pub(super) changes: Vec<FieldChange>,
}

/// Applies the operations in order to the state. Refuses the whole change on the first
/// operation that breaks a rule.
pub(super) fn apply(before: &State, ops: &[ChangeOp]) -> Result<Applied, ChangeError> {
    let mut contact = before.contact.clone();
    let mut global = before.global.clone();
    let mut prefs = before.prefs.clone();
    let mut disputes: Vec<(AddressKind, String)> = Vec::new();
    let mut resolutions: Vec<(i64, &'static str)> = Vec::new();
    let mut diff = Diff::default();
    let mut erase = false;

    for op in ops {
        if let Some(key) = op_topic(op) {
            if !(before.topics.contains_key(key) && prefs.contains_key(key)) {
                return Err(ChangeError::UnknownTopic(key.clone()));
            }
        }
        match op {
            ChangeOp::Subscribed { topic, subscribed } => {
                let t = &before.topics[topic];
                if t.kind == TopicKind::Required && !subscribed {
                    return Err(ChangeError::RequiredTopic(topic.clone()));
                }
                let p = prefs.get_mut(topic).expect("checked above");
                diff.record(
                    format!("preferences.{topic}.subscribed"),
                    json!(p.subscribed),
                    json!(subscribed),
                );
                p.subscribed = *subscribed;
            }
            ChangeOp::Channels { topic, channels } => {
                let t = &before.topics[topic];
                if let Some(channel) = channels.iter().find(|c| !t.channels.contains(*c)) {
                    return Err(ChangeError::ChannelNotOffered {
                        topic: topic.clone(),
                        channel,
                    });
                }
                if t.kind == TopicKind::Required && channels.is_empty() {
                    return Err(ChangeError::RequiredTopic(topic.clone()));
                }
                let p = prefs.get_mut(topic).expect("checked above");
                diff.record(
                    format!("preferences.{topic}.channels"),
                    json!(p.channels),
                    json!(channels),
                );
                p.channels = channels.clone();
            }
            ChangeOp::Frequency { topic, frequency } => {
                let p = prefs.get_mut(topic).expect("checked above");
                diff.record(
                    format!("preferences.{topic}.frequency"),
                    json!(p.frequency),
                    json!(frequency),
                );
                p.frequency = *frequency;
            }
            ChangeOp::InfoOnly { topic, info_only } => {
                let p = prefs.get_mut(topic).expect("checked above");
                diff.record(
                    format!("preferences.{topic}.info_only"),
                    json!(p.info_only),
                    json!(info_only),
                );
                p.info_only = *info_only;
            }
            ChangeOp::UnsubscribedAll(v) => {
                diff.record(
                    "global.unsubscribed_all".into(),
                    json!(global.unsubscribed_all),
                    json!(v),
                );
                global.unsubscribed_all = *v;
            }
            ChangeOp::ChannelOptOuts(set) => {
                diff.record(
                    "global.channel_opt_outs".into(),
                    json!(global.channel_opt_outs),
                    json!(set),
                );
                global.channel_opt_outs = set.clone();
            }
            ChangeOp::OptOut { channel, out } => {
                let others = global.channel_opt_outs.iter().filter(|c| c != channel);
                let set = if *out {
                    ChannelSet::new(others.chain([*channel]))
                } else {
                    ChannelSet::new(others)
                };
                diff.record(
                    "global.channel_opt_outs".into(),
                    json!(global.channel_opt_outs),
                    json!(set),
                );
                global.channel_opt_outs = set;
            }
            ChangeOp::PausedUntil(until) => {
                let until = until.map(PauseUntil::as_millisecond);
                let show = |v: Option<i64>| v.map(ms_to_rfc3339).unwrap_or(Value::Null);
                diff.record(
                    "global.paused_until".into(),
                    show(global.paused_until),
                    show(until),
                );
                global.paused_until = until;
            }
            ChangeOp::QuietHours(q) => {
                diff.record(
                    "global.quiet_hours".into(),
                    json!(global.quiet_hours),
                    json!(q),
                );
                global.quiet_hours = q.clone();
            }
            ChangeOp::WeeklyCap(cap) => {
                let cap = cap.map(WeeklyCap::get);
                diff.record(
                    "global.weekly_cap".into(),
                    json!(global.weekly_cap),
                    json!(cap),
                );
                global.weekly_cap = cap;
            }
            ChangeOp::Email { email, verified } => set_address(
                &mut diff,
                "email",
                (&mut contact.email, &mut contact.email_verified),
                email.as_ref().map(|e| e.as_str().to_owned()),
                *verified,
            ),
            ChangeOp::Phone { phone, verified } => set_address(
                &mut diff,
                "phone",
                (&mut contact.phone, &mut contact.phone_verified),
                phone.as_ref().map(|p| p.as_str().to_owned()),
                *verified,
            ),
            ChangeOp::Locale(locale) => {
                diff.record(
                    "contact.locale".into(),
                    json!(contact.locale),
                    json!(locale),
                );
                contact.locale = locale.as_str().to_owned();
            }
            ChangeOp::TimeZone(tz) => {
                diff.record(
                    "contact.time_zone".into(),
                    json!(contact.time_zone),
                    json!(tz),
                );
                contact.time_zone = tz.as_str().to_owned();
            }
            ChangeOp::Erase => {
                diff.record("contact.erased".into(), json!(false), json!(true));
                contact.email = None;
                contact.email_verified = false;
                contact.phone = None;
                contact.phone_verified = false;
                erase = true;
            }
            ChangeOp::DisputeAddress(kind) => {
                let address = match kind {
                    AddressKind::Email => contact.email.clone(),
                    AddressKind::Phone => contact.phone.clone(),
                    AddressKind::Push => None,
                }
                .ok_or(ChangeError::NoAddress(*kind))?;
                let open = before.open_disputes.get(kind);
                if open.is_none() && !disputes.iter().any(|(k, _)| k == kind) {
                    diff.record(format!("disputed.{kind}"), json!(false), json!(true));
                    disputes.push((*kind, address));
                }
            }
            ChangeOp::ResolveDispute { kind, replacement } => {
                let Some(&open) = before.open_disputes.get(kind) else {
                    return Err(ChangeError::Invalid(format!(
                        "there is no open report about the {kind} address"
                    )));
                };
                if resolutions.iter().any(|(id, _)| *id == open) {
                    continue;
                }
                let resolution = match replacement {
                    None => "confirmed",
                    Some(new) => {
                        match kind {
                            AddressKind::Email => {
                                let email = Email::parse(new)
                                    .map_err(|e| ChangeError::Invalid(e.to_string()))?;
                                set_address(
                                    &mut diff,
                                    "email",
                                    (&mut contact.email, &mut contact.email_verified),
                                    Some(email.as_str().to_owned()),
                                    false,
                                );
                            }
                            AddressKind::Phone => {
                                let phone = Phone::parse(new)
                                    .map_err(|e| ChangeError::Invalid(e.to_string()))?;
                                set_address(
                                    &mut diff,
                                    "phone",
                                    (&mut contact.phone, &mut contact.phone_verified),
                                    Some(phone.as_str().to_owned()),
                                    false,
                                );
                            }
                            AddressKind::Push => {
                                return Err(ChangeError::Invalid(
                                    "a push address can't be replaced by hand".into(),
                                ))
                            }
                        }
                        "replaced"
                    }
                };
                diff.record(format!("disputed.{kind}"), json!(true), json!(false));
                resolutions.push((open, resolution));
            }
        }
    }

    Ok(Applied {
        contact,
        global,
        prefs,
        disputes,
        resolutions,
        erase,
        changes: diff.into_changes(),
    })
}

pub(super) fn ms_to_rfc3339(ms: i64) -> Value {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| json!(t.to_string()))
        .unwrap_or(Value::Null)
}

/// Sets an address and whether it is verified, recording both in the diff. An address that
/// is set is unverified unless `verified` says otherwise; no address is never verified.
fn set_address(
    diff: &mut Diff,
    kind: &str,
    (address, address_verified): (&mut Option<String>, &mut bool),
    new: Option<String>,
    verified: bool,
) {
    let verified = verified && new.is_some();
    diff.record(format!("contact.{kind}"), json!(*address), json!(new));
    diff.record(
        format!("contact.{kind}_verified"),
        json!(*address_verified),
        json!(verified),
    );
    *address = new;
    *address_verified = verified;
}

/// The event type senders see, from the most significant field changed.
pub(super) fn event_type(changes: &[FieldChange]) -> &'static str {
    let address_choice = |c: &&FieldChange| c.field.starts_with("address_choice.");
    if !changes.is_empty() && changes.iter().all(|c| address_choice(&c)) {
        // Only another record's news about an address this one shares (DESIGN §1.1).
        if changes
            .iter()
            .filter(address_choice)
            .any(|c| c.to == json!(true))
        {
            "address.choice_recorded"
        } else {
            "address.choice_lifted"
        }
    } else if changes.iter().any(|c| c.field == "contact.erased") {
        "contact.erased"
    } else if changes
        .iter()
        .any(|c| c.field.starts_with("disputed.") && c.to == json!(true))
    {
        "contact.address_disputed"
    } else if changes
        .iter()
        .any(|c| c.field == "global.unsubscribed_all" && c.to == json!(true))
    {
        "contact.unsubscribed_all"
    } else if changes
        .iter()
        .all(|c| c.field.starts_with("contact.") || c.field.starts_with("disputed."))
    {
        "contact.updated"
    } else {
        "preferences.updated"
    }
}

impl ChangeOp {
    pub(super) fn sets_global(&self) -> bool {
        matches!(
            self,
            ChangeOp::UnsubscribedAll(_)
                | ChangeOp::ChannelOptOuts(_)
                | ChangeOp::OptOut { .. }
                | ChangeOp::PausedUntil(_)
                | ChangeOp::QuietHours(_)
                | ChangeOp::WeeklyCap(_)
        )
    }
}

pub(super) fn op_topic(op: &ChangeOp) -> Option<&TopicKey> {
    match op {
        ChangeOp::Subscribed { topic, .. }
        | ChangeOp::Channels { topic, .. }
        | ChangeOp::Frequency { topic, .. }
        | ChangeOp::InfoOnly { topic, .. } => Some(topic),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
