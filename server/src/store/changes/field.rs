//! What a change touched, as types (DESIGN §6.1 `changes[].field`). The ledger, the change feed
//! and webhooks store and send the dotted form (`preferences.offers.subscribed`); it is written
//! by [`ChangeField`]'s `Display` and read by its `FromStr`, here and nowhere else. Every reader
//! matches on the enum, so a new field is handled wherever the compiler says.

use std::{fmt, str::FromStr};

use app::domain::{AddressKind, Channel, TopicKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A field of a contact's choice for one topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicField {
    Subscribed,
    Channels,
    Frequency,
    InfoOnly,
}

/// A field of a contact's global settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GlobalField {
    UnsubscribedAll,
    ChannelOptOuts,
    PausedUntil,
    QuietHours,
    WeeklyCap,
}

/// A field of the contact itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactField {
    /// The address of a kind (`contact.email`, `contact.phone`).
    Address(AddressKind),
    /// Whether that address is verified (`contact.email_verified`).
    Verified(AddressKind),
    Locale,
    TimeZone,
    /// The contact was erased (`contact.erased`, false → true).
    Erased,
}

/// What an address choice covers (DESIGN §1.1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every optional topic ("unsubscribe from everything").
    All,
    /// One topic.
    Topic(TopicKey),
    /// One channel everywhere ("never call me").
    Channel(Channel),
}

/// What one field change touched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChangeField {
    /// `preferences.<topic>.<field>`
    Topic(TopicKey, TopicField),
    /// `global.<field>`
    Global(GlobalField),
    /// `contact.<field>`
    Contact(ContactField),
    /// `disputed.<email|phone>`: a "not me" report opened (true) or resolved (false).
    Disputed(AddressKind),
    /// `address_choice.<email|phone>.<all|topic.KEY|channel.CHANNEL>`: a choice the person made
    /// at an address this record shares was recorded (true) or lifted (false).
    AddressChoice(AddressKind, Scope),
}

impl TopicField {
    const ALL: [(TopicField, &'static str); 4] = [
        (TopicField::Subscribed, "subscribed"),
        (TopicField::Channels, "channels"),
        (TopicField::Frequency, "frequency"),
        (TopicField::InfoOnly, "info_only"),
    ];
}

impl GlobalField {
    const ALL: [(GlobalField, &'static str); 5] = [
        (GlobalField::UnsubscribedAll, "unsubscribed_all"),
        (GlobalField::ChannelOptOuts, "channel_opt_outs"),
        (GlobalField::PausedUntil, "paused_until"),
        (GlobalField::QuietHours, "quiet_hours"),
        (GlobalField::WeeklyCap, "weekly_cap"),
    ];
}

/// The name of a value in a table of (value, name) pairs.
fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, n)| *n)
        .expect("every value is in its table")
}

/// The value of a name in a table of (value, name) pairs.
fn value_of<T: Copy>(table: &[(T, &'static str)], name: &str) -> Option<T> {
    table.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
}

impl fmt::Display for ChangeField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChangeField::Topic(topic, field) => {
                write!(
                    f,
                    "preferences.{topic}.{}",
                    name_of(&TopicField::ALL, *field)
                )
            }
            ChangeField::Global(field) => {
                write!(f, "global.{}", name_of(&GlobalField::ALL, *field))
            }
            ChangeField::Contact(field) => match field {
                ContactField::Address(kind) => write!(f, "contact.{kind}"),
                ContactField::Verified(kind) => write!(f, "contact.{kind}_verified"),
                ContactField::Locale => f.write_str("contact.locale"),
                ContactField::TimeZone => f.write_str("contact.time_zone"),
                ContactField::Erased => f.write_str("contact.erased"),
            },
            ChangeField::Disputed(kind) => write!(f, "disputed.{kind}"),
            ChangeField::AddressChoice(kind, scope) => match scope {
                Scope::All => write!(f, "address_choice.{kind}.all"),
                Scope::Topic(t) => write!(f, "address_choice.{kind}.topic.{t}"),
                Scope::Channel(c) => write!(f, "address_choice.{kind}.channel.{c}"),
            },
        }
    }
}

/// A stored field name that is not one Attune writes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown change field {0:?}")]
pub struct UnknownField(pub String);

impl FromStr for ChangeField {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, UnknownField> {
        parse(s).ok_or_else(|| UnknownField(s.to_owned()))
    }
}

fn parse(s: &str) -> Option<ChangeField> {
    let (head, rest) = s.split_once('.')?;
    Some(match head {
        "preferences" => {
            let (topic, field) = rest.rsplit_once('.')?;
            ChangeField::Topic(
                TopicKey::parse(topic).ok()?,
                value_of(&TopicField::ALL, field)?,
            )
        }
        "global" => ChangeField::Global(value_of(&GlobalField::ALL, rest)?),
        "contact" => ChangeField::Contact(match rest {
            "locale" => ContactField::Locale,
            "time_zone" => ContactField::TimeZone,
            "erased" => ContactField::Erased,
            _ => match rest.strip_suffix("_verified") {
                Some(kind) => ContactField::Verified(address_kind(kind)?),
                None => ContactField::Address(address_kind(rest)?),
            },
        }),
        "disputed" => ChangeField::Disputed(address_kind(rest)?),
        "address_choice" => {
            let (kind, scope) = rest.split_once('.')?;
            let scope = match scope.split_once('.') {
                None if scope == "all" => Scope::All,
                Some(("topic", t)) => Scope::Topic(TopicKey::parse(t).ok()?),
                Some(("channel", c)) => Scope::Channel(Channel::parse(c).ok()?),
                _ => return None,
            };
            ChangeField::AddressChoice(address_kind(kind)?, scope)
        }
        _ => return None,
    })
}

/// An address kind a field can name: email or phone (push has no address of its own).
fn address_kind(s: &str) -> Option<AddressKind> {
    AddressKind::parse(s)
        .ok()
        .filter(|k| *k != AddressKind::Push)
}

impl Serialize for ChangeField {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ChangeField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One field's before and after, as in the ledger, the change feed and webhooks (DESIGN §6.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    /// e.g. `preferences.offers.subscribed`, `global.unsubscribed_all`, `contact.email`.
    #[schema(value_type = String)]
    pub field: ChangeField,
    /// Any JSON value (null when the field had none).
    pub from: Value,
    /// Any JSON value (null when the field is cleared).
    pub to: Value,
}

impl FieldChange {
    pub fn new(field: ChangeField, from: Value, to: Value) -> Self {
        FieldChange { field, from, to }
    }

    /// The field of a topic this change touched, if it is one.
    pub fn topic_field(&self) -> Option<(&TopicKey, TopicField)> {
        match &self.field {
            ChangeField::Topic(topic, field) => Some((topic, *field)),
            _ => None,
        }
    }

    /// Whether it touched this global field.
    pub fn is_global(&self, field: GlobalField) -> bool {
        self.field == ChangeField::Global(field)
    }

    /// Whether it touched this field of the contact.
    pub fn is_contact(&self, field: ContactField) -> bool {
        self.field == ChangeField::Contact(field)
    }

    /// The channels in `to` that were not in `from`, for a field that holds a list of channels
    /// (a topic's channels, the channel-wide opt-outs); empty for any other.
    pub fn channels_added(&self) -> Vec<Channel> {
        let before = channels_in(&self.from);
        channels_in(&self.to)
            .into_iter()
            .filter(|c| !before.contains(c))
            .collect()
    }

    /// The channels in `from` that are not in `to`.
    pub fn channels_removed(&self) -> Vec<Channel> {
        let after = channels_in(&self.to);
        channels_in(&self.from)
            .into_iter()
            .filter(|c| !after.contains(c))
            .collect()
    }
}

/// The channels a JSON list of channel names holds (none when it is not one).
fn channels_in(v: &Value) -> Vec<Channel> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().and_then(|s| Channel::parse(s).ok()))
        .collect()
}

/// What a change event is, from the most significant field it touched (DESIGN §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    #[serde(rename = "preferences.updated")]
    PreferencesUpdated,
    #[serde(rename = "contact.unsubscribed_all")]
    ContactUnsubscribedAll,
    #[serde(rename = "contact.address_disputed")]
    ContactAddressDisputed,
    #[serde(rename = "contact.erased")]
    ContactErased,
    #[serde(rename = "contact.updated")]
    ContactUpdated,
    /// News for a record that shares an address with the one the person spoke through
    /// (DESIGN §1.1): a choice recorded there.
    #[serde(rename = "address.choice_recorded")]
    AddressChoiceRecorded,
    /// The same: a choice lifted there.
    #[serde(rename = "address.choice_lifted")]
    AddressChoiceLifted,
}

impl EventType {
    /// Every event type with its stored name.
    pub const ALL: [(EventType, &'static str); 7] = [
        (EventType::PreferencesUpdated, "preferences.updated"),
        (
            EventType::ContactUnsubscribedAll,
            "contact.unsubscribed_all",
        ),
        (
            EventType::ContactAddressDisputed,
            "contact.address_disputed",
        ),
        (EventType::ContactErased, "contact.erased"),
        (EventType::ContactUpdated, "contact.updated"),
        (EventType::AddressChoiceRecorded, "address.choice_recorded"),
        (EventType::AddressChoiceLifted, "address.choice_lifted"),
    ];

    /// The stored and sent name, e.g. `preferences.updated`.
    pub fn as_str(self) -> &'static str {
        name_of(&Self::ALL, self)
    }

    /// The event type of a change, from the most significant field it touched.
    pub fn of(changes: &[FieldChange]) -> EventType {
        let is_choice = |c: &FieldChange| matches!(c.field, ChangeField::AddressChoice(..));
        let set = |c: &FieldChange| c.to == Value::Bool(true);
        if !changes.is_empty() && changes.iter().all(is_choice) {
            // Only another record's news about an address this one shares (DESIGN §1.1).
            if changes.iter().any(set) {
                EventType::AddressChoiceRecorded
            } else {
                EventType::AddressChoiceLifted
            }
        } else if changes.iter().any(|c| c.is_contact(ContactField::Erased)) {
            EventType::ContactErased
        } else if changes
            .iter()
            .any(|c| matches!(c.field, ChangeField::Disputed(_)) && set(c))
        {
            EventType::ContactAddressDisputed
        } else if changes
            .iter()
            .any(|c| c.is_global(GlobalField::UnsubscribedAll) && set(c))
        {
            EventType::ContactUnsubscribedAll
        } else if changes
            .iter()
            .all(|c| matches!(c.field, ChangeField::Contact(_) | ChangeField::Disputed(_)))
        {
            EventType::ContactUpdated
        } else {
            EventType::PreferencesUpdated
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored event type that is not one Attune writes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown event type {0:?}")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;

    fn from_str(s: &str) -> Result<Self, UnknownEventType> {
        value_of(&Self::ALL, s).ok_or_else(|| UnknownEventType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_reads_back_as_the_same_field_from_its_stored_form() {
        let offers = TopicKey::parse("offers").unwrap();
        let mut fields: Vec<ChangeField> = TopicField::ALL
            .iter()
            .map(|(f, _)| ChangeField::Topic(offers.clone(), *f))
            .chain(
                GlobalField::ALL
                    .iter()
                    .map(|(f, _)| ChangeField::Global(*f)),
            )
            .collect();
        for kind in [AddressKind::Email, AddressKind::Phone] {
            fields.push(ChangeField::Contact(ContactField::Address(kind)));
            fields.push(ChangeField::Contact(ContactField::Verified(kind)));
            fields.push(ChangeField::Disputed(kind));
            for scope in [
                Scope::All,
                Scope::Topic(offers.clone()),
                Scope::Channel(Channel::Voice),
            ] {
                fields.push(ChangeField::AddressChoice(kind, scope));
            }
        }
        fields.extend(
            [
                ContactField::Locale,
                ContactField::TimeZone,
                ContactField::Erased,
            ]
            .map(ChangeField::Contact),
        );
        for field in fields {
            let stored = field.to_string();
            assert_eq!(stored.parse::<ChangeField>(), Ok(field), "{stored}");
        }
    }

    #[test]
    fn the_stored_forms_are_the_ones_senders_already_read() {
        let offers = TopicKey::parse("offers").unwrap();
        let cases = [
            (
                ChangeField::Topic(offers.clone(), TopicField::InfoOnly),
                "preferences.offers.info_only",
            ),
            (
                ChangeField::Global(GlobalField::ChannelOptOuts),
                "global.channel_opt_outs",
            ),
            (
                ChangeField::Contact(ContactField::Verified(AddressKind::Email)),
                "contact.email_verified",
            ),
            (
                ChangeField::Contact(ContactField::Address(AddressKind::Phone)),
                "contact.phone",
            ),
            (ChangeField::Disputed(AddressKind::Email), "disputed.email"),
            (
                ChangeField::AddressChoice(AddressKind::Phone, Scope::Channel(Channel::Sms)),
                "address_choice.phone.channel.sms",
            ),
            (
                ChangeField::AddressChoice(AddressKind::Email, Scope::Topic(offers)),
                "address_choice.email.topic.offers",
            ),
        ];
        for (field, stored) in cases {
            assert_eq!(field.to_string(), stored);
            let json = serde_json::to_string(&field).unwrap();
            assert_eq!(json, format!("\"{stored}\""));
        }
    }

    #[test]
    fn a_field_attune_never_writes_is_refused_by_name() {
        for bad in [
            "preferences.offers",
            "preferences.Offers.subscribed",
            "global.nothing",
            "contact.push",
            "disputed.push",
            "address_choice.email.topic",
            "nonsense",
        ] {
            assert_eq!(
                bad.parse::<ChangeField>(),
                Err(UnknownField(bad.to_owned())),
                "{bad}"
            );
        }
        let err = serde_json::from_str::<FieldChange>(r#"{"field":"x.y","from":1,"to":2}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown change field \"x.y\""), "{err}");
    }
}
