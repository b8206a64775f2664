//! The pure heart of a change: the state before and the operations asked for in, the state
//! after and the field-by-field diff out. No I/O: `write.rs` reads the state and writes the
//! result; this file decides what a change means, and its tests say so rule by rule.

use std::collections::{BTreeMap, HashMap};

use app::domain::{
    AddressKind, ChannelSet, Email, Locale, PauseUntil, Phone, TimeZoneName, TopicKey, TopicKind,
    WeeklyCap,
};
use serde_json::{json, Value};

use super::{
    ChangeError, ChangeField, ChangeOp, ContactField, FieldChange, GlobalField, TopicField,
};
use crate::store::topics::Topic;

/// A contact's choice for one topic (the topic's defaults when there is no row).
pub(super) use app::domain::Preference;

/// A contact's global settings: the store's one shape of them.
pub(super) use crate::store::rows::GlobalSettings;

/// The contact's own fields.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ContactFields {
    pub(super) reference: String,
    pub(super) email: Option<String>,
    pub(super) email_verified: bool,
    pub(super) phone: Option<String>,
    pub(super) phone_verified: bool,
    pub(super) locale: Locale,
    pub(super) time_zone: TimeZoneName,
}

/// Records a diff, keeping the first `from` and the last `to` when a field changes twice, in
/// the order fields were first changed.
#[derive(Default)]
pub(super) struct Diff(Vec<FieldChange>);

impl Diff {
    fn record(&mut self, field: ChangeField, from: Value, to: Value) {
        match self.0.iter_mut().find(|c| c.field == field) {
            Some(entry) => entry.to = to,
            None => self.0.push(FieldChange::new(field, from, to)),
        }
    }

    fn topic(&mut self, topic: &TopicKey, field: TopicField, from: Value, to: Value) {
        self.record(ChangeField::Topic(topic.clone(), field), from, to);
    }

    fn global(&mut self, field: GlobalField, from: Value, to: Value) {
        self.record(ChangeField::Global(field), from, to);
    }

    fn contact(&mut self, field: ContactField, from: Value, to: Value) {
        self.record(ChangeField::Contact(field), from, to);
    }

    fn into_changes(self) -> Vec<FieldChange> {
        self.0.into_iter().filter(|c| c.from != c.to).collect()
    }
}

/// Everything a change reads, as it is before the change.
#[derive(Debug, Clone)]
pub(super) struct State {
    pub(super) contact: ContactFields,
    /// Read only when an operation sets a global setting; otherwise the default, unchanged.
    pub(super) global: GlobalSettings,
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
    pub(super) global: GlobalSettings,
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
    let mut w = Working {
        before,
        applied: Applied {
            contact: before.contact.clone(),
            global: before.global.clone(),
            prefs: before.prefs.clone(),
            disputes: Vec::new(),
            resolutions: Vec::new(),
            erase: false,
            changes: Vec::new(),
        },
        diff: Diff::default(),
    };
    for op in ops {
        w.op(op)?;
    }
    let mut applied = w.applied;
    applied.changes = w.diff.into_changes();
    Ok(applied)
}

/// A change being applied: the state as it was, the state so far and the diff so far.
struct Working<'a> {
    before: &'a State,
    applied: Applied,
    diff: Diff,
}

impl Working<'_> {
    fn op(&mut self, op: &ChangeOp) -> Result<(), ChangeError> {
        if let Some(key) = op_topic(op) {
            if !(self.before.topics.contains_key(key) && self.applied.prefs.contains_key(key)) {
                return Err(ChangeError::UnknownTopic(key.clone()));
            }
            return self.topic_op(key, op);
        }
        if op.sets_global() {
            self.global_op(op);
            return Ok(());
        }
        let c = &mut self.applied.contact;
        match op {
            ChangeOp::Email { email, verified } => set_address(
                &mut self.diff,
                AddressKind::Email,
                (&mut c.email, &mut c.email_verified),
                email.as_ref().map(|e| e.as_str().to_owned()),
                *verified,
            ),
            ChangeOp::Phone { phone, verified } => set_address(
                &mut self.diff,
                AddressKind::Phone,
                (&mut c.phone, &mut c.phone_verified),
                phone.as_ref().map(|p| p.as_str().to_owned()),
                *verified,
            ),
            ChangeOp::Locale(locale) => {
                let (from, to) = (json!(c.locale), json!(locale));
                self.diff.contact(ContactField::Locale, from, to);
                c.locale = locale.clone();
            }
            ChangeOp::TimeZone(tz) => {
                let (from, to) = (json!(c.time_zone), json!(tz));
                self.diff.contact(ContactField::TimeZone, from, to);
                c.time_zone = tz.clone();
            }
            ChangeOp::Erase => {
                self.diff
                    .contact(ContactField::Erased, json!(false), json!(true));
                (c.email, c.email_verified, c.phone, c.phone_verified) = (None, false, None, false);
                self.applied.erase = true;
            }
            ChangeOp::DisputeAddress(kind) => self.dispute(*kind)?,
            ChangeOp::ResolveDispute { kind, replacement } => {
                self.resolve(*kind, replacement.as_deref())?
            }
            _ => unreachable!("topic and global operations are applied above"),
        }
        Ok(())
    }

    fn topic_op(&mut self, topic: &TopicKey, op: &ChangeOp) -> Result<(), ChangeError> {
        let t = &self.before.topics[topic];
        let p = self.applied.prefs.get_mut(topic).expect("checked by op");
        let diff = &mut self.diff;
        match op {
            ChangeOp::Subscribed { subscribed, .. } => {
                if t.kind == TopicKind::Required && !subscribed {
                    return Err(ChangeError::RequiredTopic(topic.clone()));
                }
                let (from, to) = (json!(p.subscribed), json!(subscribed));
                diff.topic(topic, TopicField::Subscribed, from, to);
                p.subscribed = *subscribed;
            }
            ChangeOp::Channels { channels, .. } => {
                if let Some(channel) = channels.iter().find(|c| !t.channels.contains(*c)) {
                    let topic = topic.clone();
                    return Err(ChangeError::ChannelNotOffered { topic, channel });
                }
                if t.kind == TopicKind::Required && channels.is_empty() {
                    return Err(ChangeError::RequiredTopic(topic.clone()));
                }
                let (from, to) = (json!(p.channels), json!(channels));
                diff.topic(topic, TopicField::Channels, from, to);
                p.channels = channels.clone();
            }
            ChangeOp::Frequency { frequency, .. } => {
                let (from, to) = (json!(p.frequency), json!(frequency));
                diff.topic(topic, TopicField::Frequency, from, to);
                p.frequency = *frequency;
            }
            ChangeOp::InfoOnly { info_only, .. } => {
                let (from, to) = (json!(p.info_only), json!(info_only));
                diff.topic(topic, TopicField::InfoOnly, from, to);
                p.info_only = *info_only;
            }
            _ => unreachable!("only topic operations name a topic"),
        }
        Ok(())
    }

    fn global_op(&mut self, op: &ChangeOp) {
        let g = &mut self.applied.global;
        let diff = &mut self.diff;
        match op {
            ChangeOp::UnsubscribedAll(v) => {
                let (from, to) = (json!(g.unsubscribed_all), json!(v));
                diff.global(GlobalField::UnsubscribedAll, from, to);
                g.unsubscribed_all = *v;
            }
            ChangeOp::ChannelOptOuts(_) | ChangeOp::OptOut { .. } => {
                let set = match op {
                    ChangeOp::ChannelOptOuts(set) => set.clone(),
                    ChangeOp::OptOut { channel, out } => {
                        let others = g.channel_opt_outs.iter().filter(|c| c != channel);
                        let more = out.then_some(*channel);
                        ChannelSet::new(others.chain(more))
                    }
                    _ => unreachable!(),
                };
                let (from, to) = (json!(g.channel_opt_outs), json!(set));
                diff.global(GlobalField::ChannelOptOuts, from, to);
                g.channel_opt_outs = set;
            }
            ChangeOp::PausedUntil(until) => {
                let until = until.map(PauseUntil::as_millisecond);
                let show = |v: Option<i64>| v.map(ms_to_rfc3339).unwrap_or(Value::Null);
                diff.global(GlobalField::PausedUntil, show(g.paused_until), show(until));
                g.paused_until = until;
            }
            ChangeOp::QuietHours(q) => {
                let (from, to) = (json!(g.quiet_hours), json!(q));
                diff.global(GlobalField::QuietHours, from, to);
                g.quiet_hours = q.clone();
            }
            ChangeOp::WeeklyCap(cap) => {
                let cap = cap.map(WeeklyCap::get);
                let (from, to) = (json!(g.weekly_cap), json!(cap));
                diff.global(GlobalField::WeeklyCap, from, to);
                g.weekly_cap = cap;
            }
            _ => unreachable!("only global operations set global settings"),
        }
    }

    /// A "not me" report about the address of `kind`: opened once, however often it is made.
    fn dispute(&mut self, kind: AddressKind) -> Result<(), ChangeError> {
        let c = &self.applied.contact;
        let address = match kind {
            AddressKind::Email => c.email.clone(),
            AddressKind::Phone => c.phone.clone(),
            AddressKind::Push => None,
        }
        .ok_or(ChangeError::NoAddress(kind))?;
        let open = self.before.open_disputes.get(&kind);
        if open.is_none() && !self.applied.disputes.iter().any(|(k, _)| *k == kind) {
            self.diff
                .record(ChangeField::Disputed(kind), json!(false), json!(true));
            self.applied.disputes.push((kind, address));
        }
        Ok(())
    }

    /// Closes the open report about the address of `kind`: the address was right after all, or
    /// is replaced by `replacement` (unverified).
    fn resolve(&mut self, kind: AddressKind, replacement: Option<&str>) -> Result<(), ChangeError> {
        let Some(&open) = self.before.open_disputes.get(&kind) else {
            return Err(ChangeError::Invalid(format!(
                "there is no open report about the {kind} address"
            )));
        };
        if self.applied.resolutions.iter().any(|(id, _)| *id == open) {
            return Ok(());
        }
        let resolution = match replacement {
            None => "confirmed",
            Some(new) => {
                let c = &mut self.applied.contact;
                let (address, slots) = match kind {
                    AddressKind::Email => (
                        Email::parse(new)?.as_str().to_owned(),
                        (&mut c.email, &mut c.email_verified),
                    ),
                    AddressKind::Phone => (
                        Phone::parse(new)?.as_str().to_owned(),
                        (&mut c.phone, &mut c.phone_verified),
                    ),
                    AddressKind::Push => {
                        return Err(ChangeError::Invalid(
                            "a push address can't be replaced by hand".into(),
                        ))
                    }
                };
                set_address(&mut self.diff, kind, slots, Some(address), false);
                "replaced"
            }
        };
        self.diff
            .record(ChangeField::Disputed(kind), json!(true), json!(false));
        self.applied.resolutions.push((open, resolution));
        Ok(())
    }
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
    kind: AddressKind,
    (address, address_verified): (&mut Option<String>, &mut bool),
    new: Option<String>,
    verified: bool,
) {
    let verified = verified && new.is_some();
    diff.contact(ContactField::Address(kind), json!(*address), json!(new));
    diff.contact(
        ContactField::Verified(kind),
        json!(*address_verified),
        json!(verified),
    );
    *address = new;
    *address_verified = verified;
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
