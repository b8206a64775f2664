//! The pure heart of a change: the state before and the operations asked for in, the state
//! after and the field-by-field diff out. No I/O: `write.rs` reads the state and writes the
//! result; this file decides what a change means, and its tests say so rule by rule.

use std::collections::{BTreeMap, HashMap};

use app::domain::{
    AddressKind, ChannelSet, Email, Frequency, PauseUntil, Phone, TopicKey, TopicKind, WeeklyCap,
};
use serde_json::{json, Value};

use super::{ChangeError, ChangeOp, FieldChange, QuietHours};
use crate::store::topics::Topic;

/// A contact's choice for one topic (the topic's defaults when there is no row).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pref {
    pub(super) subscribed: bool,
    pub(super) channels: ChannelSet,
    pub(super) frequency: Frequency,
    pub(super) info_only: bool,
}

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
    pub(super) prefs: BTreeMap<TopicKey, Pref>,
    /// Open "not me" reports by address kind: the report's row id.
    pub(super) open_disputes: HashMap<AddressKind, i64>,
}

/// What a change turns the state into.
#[derive(Debug)]
pub(super) struct Applied {
    pub(super) contact: ContactFields,
    pub(super) global: Global,
    pub(super) prefs: BTreeMap<TopicKey, Pref>,
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
    if changes.iter().any(|c| c.field == "contact.erased") {
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
mod tests {
    use app::domain::Channel;

    use super::*;

    fn key(k: &str) -> TopicKey {
        TopicKey::parse(k).unwrap()
    }

    fn topic(k: &str, kind: TopicKind, channels: &[Channel]) -> Topic {
        Topic {
            id: 1,
            key: key(k),
            name: k.to_owned(),
            description: String::new(),
            kind,
            channels: ChannelSet::new(channels.iter().copied()),
            default_subscribed: false,
            default_frequency: Frequency::Immediate,
            position: 0,
            archived: false,
        }
    }

    /// Ann, with an email address, the optional topic `offers` (email, sms) she is subscribed
    /// to by email, and the required topic `account`.
    fn ann() -> State {
        let offers = topic(
            "offers",
            TopicKind::Optional,
            &[Channel::Email, Channel::Sms],
        );
        let account = topic("account", TopicKind::Required, &[Channel::Email]);
        let pref = |channels: &[Channel]| Pref {
            subscribed: true,
            channels: ChannelSet::new(channels.iter().copied()),
            frequency: Frequency::Weekly,
            info_only: false,
        };
        State {
            contact: ContactFields {
                reference: "c-1".into(),
                email: Some("ann@example.com".into()),
                email_verified: true,
                phone: None,
                phone_verified: false,
                locale: "en".into(),
                time_zone: "Europe/Paris".into(),
            },
            global: Global::default(),
            prefs: [
                (key("offers"), pref(&[Channel::Email])),
                (key("account"), pref(&[Channel::Email])),
            ]
            .into_iter()
            .collect(),
            topics: [(key("offers"), offers), (key("account"), account)]
                .into_iter()
                .collect(),
            open_disputes: HashMap::new(),
        }
    }

    fn fields(a: &Applied) -> Vec<&str> {
        a.changes.iter().map(|c| c.field.as_str()).collect()
    }

    #[test]
    fn unsubscribing_from_a_topic_changes_that_preference_and_nothing_else() {
        let ops = [ChangeOp::Subscribed {
            topic: key("offers"),
            subscribed: false,
        }];
        let a = apply(&ann(), &ops).unwrap();
        assert_eq!(fields(&a), ["preferences.offers.subscribed"]);
        assert_eq!(
            (&a.changes[0].from, &a.changes[0].to),
            (&json!(true), &json!(false))
        );
        assert!(!a.prefs[&key("offers")].subscribed);
        assert_eq!(event_type(&a.changes), "preferences.updated");
    }

    #[test]
    fn a_repeated_request_changes_nothing() {
        let ops = [ChangeOp::Subscribed {
            topic: key("offers"),
            subscribed: true,
        }];
        assert!(apply(&ann(), &ops).unwrap().changes.is_empty());
    }

    #[test]
    fn a_field_changed_and_changed_back_in_one_request_is_no_change() {
        let ops = [
            ChangeOp::UnsubscribedAll(true),
            ChangeOp::UnsubscribedAll(false),
            ChangeOp::Frequency {
                topic: key("offers"),
                frequency: Frequency::Daily,
            },
            ChangeOp::Frequency {
                topic: key("offers"),
                frequency: Frequency::Monthly,
            },
        ];
        let a = apply(&ann(), &ops).unwrap();
        assert_eq!(fields(&a), ["preferences.offers.frequency"]);
        assert_eq!(
            (&a.changes[0].from, &a.changes[0].to),
            (&json!("weekly"), &json!("monthly"))
        );
    }

    #[test]
    fn a_required_topic_can_be_rerouted_but_not_switched_off() {
        let off = [ChangeOp::Subscribed {
            topic: key("account"),
            subscribed: false,
        }];
        let no_channel = [ChangeOp::Channels {
            topic: key("account"),
            channels: ChannelSet::new([]),
        }];
        assert!(matches!(
            apply(&ann(), &off),
            Err(ChangeError::RequiredTopic(_))
        ));
        assert!(matches!(
            apply(&ann(), &no_channel),
            Err(ChangeError::RequiredTopic(_))
        ));
    }

    #[test]
    fn a_channel_the_topic_does_not_offer_refuses_the_whole_change() {
        let ops = [
            ChangeOp::UnsubscribedAll(true),
            ChangeOp::Channels {
                topic: key("offers"),
                channels: ChannelSet::new([Channel::Voice]),
            },
        ];
        let e = apply(&ann(), &ops).unwrap_err();
        assert!(
            matches!(
                e,
                ChangeError::ChannelNotOffered {
                    channel: Channel::Voice,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn a_topic_the_state_does_not_hold_is_unknown() {
        let ops = [ChangeOp::InfoOnly {
            topic: key("gone"),
            info_only: true,
        }];
        assert!(matches!(
            apply(&ann(), &ops),
            Err(ChangeError::UnknownTopic(_))
        ));
    }

    #[test]
    fn a_new_address_is_unverified_unless_said_otherwise() {
        let ops = [ChangeOp::Email {
            email: Some(Email::parse("ann@new.example").unwrap()),
            verified: false,
        }];
        let a = apply(&ann(), &ops).unwrap();
        assert_eq!(a.contact.email.as_deref(), Some("ann@new.example"));
        assert!(!a.contact.email_verified);
        assert_eq!(fields(&a), ["contact.email", "contact.email_verified"]);
        assert_eq!(event_type(&a.changes), "contact.updated");
    }

    #[test]
    fn disputing_opens_one_report_and_an_open_report_is_not_opened_again() {
        let ops = [
            ChangeOp::DisputeAddress(AddressKind::Email),
            ChangeOp::DisputeAddress(AddressKind::Email),
        ];
        let a = apply(&ann(), &ops).unwrap();
        assert_eq!(
            a.disputes,
            [(AddressKind::Email, "ann@example.com".to_owned())]
        );
        assert_eq!(event_type(&a.changes), "contact.address_disputed");
        let mut open = ann();
        open.open_disputes.insert(AddressKind::Email, 7);
        assert!(apply(&open, &ops).unwrap().changes.is_empty());
        let no_phone = apply(&ann(), &[ChangeOp::DisputeAddress(AddressKind::Phone)]);
        assert!(matches!(
            no_phone,
            Err(ChangeError::NoAddress(AddressKind::Phone))
        ));
    }

    #[test]
    fn resolving_a_report_by_replacing_the_address_leaves_the_new_one_unverified() {
        let mut open = ann();
        open.open_disputes.insert(AddressKind::Email, 7);
        let ops = [ChangeOp::ResolveDispute {
            kind: AddressKind::Email,
            replacement: Some("ann@right.example".into()),
        }];
        let a = apply(&open, &ops).unwrap();
        assert_eq!(a.resolutions, [(7, "replaced")]);
        assert_eq!(
            (a.contact.email.as_deref(), a.contact.email_verified),
            (Some("ann@right.example"), false)
        );
        let none_open = apply(&ann(), &ops).unwrap_err();
        assert!(
            none_open.to_string().contains("no open report"),
            "{none_open}"
        );
    }

    #[test]
    fn erasure_removes_the_addresses_and_is_its_own_event() {
        let a = apply(&ann(), &[ChangeOp::Erase]).unwrap();
        assert!(a.erase && a.contact.email.is_none() && !a.contact.email_verified);
        assert_eq!(event_type(&a.changes), "contact.erased");
    }

    #[test]
    fn unsubscribing_from_everything_is_its_own_event() {
        let a = apply(&ann(), &[ChangeOp::UnsubscribedAll(true)]).unwrap();
        assert_eq!(event_type(&a.changes), "contact.unsubscribed_all");
        assert!(a.global.unsubscribed_all);
    }
}
