//! Plain domain types shared by the browser and the server (DESIGN §1).
//!
//! Values with rules get a newtype with one `parse` constructor; inside the program the type is
//! the proof that the rules hold.

use serde::{Deserialize, Serialize};
use std::fmt;

mod address;
pub use address::{Email, Phone};
#[cfg(feature = "ssr")]
mod settings;
#[cfg(feature = "ssr")]
pub use settings::{Locale, PauseUntil, QuietHours, TimeZoneName, WeeklyCap, MAX_WEEKLY_CAP};

/// Why a value from outside was refused. The message is safe to show to the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    /// The message as a sentence for a page: capitalised, with a full stop.
    pub fn sentence(&self) -> String {
        let mut c = self.0.chars();
        let mut s: String = match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => return String::new(),
        };
        if !s.ends_with(['.', '?', '!']) {
            s.push('.');
        }
        s
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(msg.into()))
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the order the product shows them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in storage, the API and URLs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stable name.
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => err(format!(
                        concat!("unknown ", stringify!($name), " {:?}; expected one of: {}"),
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                Self::parse(s)
            }
        }
    };
}

string_enum!(
    /// A way of reaching a contact.
    Channel { Email => "email", Sms => "sms", Voice => "voice", Push => "push" }
);
string_enum!(
    /// The most messages a contact gets on a topic, across channels.
    Frequency { Immediate => "immediate", Daily => "daily", Weekly => "weekly", Monthly => "monthly" }
);
string_enum!(
    /// What a message is for.
    Purpose {
        Transactional => "transactional",
        Informational => "informational",
        Marketing => "marketing",
        FollowUp => "follow_up",
    }
);
string_enum!(
    /// `required` topics (account, security, receipts) can only be routed, never opted out of.
    TopicKind { Required => "required", Optional => "optional" }
);

impl Channel {
    /// The address a message on this channel goes to: sms and voice both use the phone number.
    pub fn address_kind(self) -> AddressKind {
        match self {
            Channel::Email => AddressKind::Email,
            Channel::Sms | Channel::Voice => AddressKind::Phone,
            Channel::Push => AddressKind::Push,
        }
    }
}

string_enum!(
    /// Which of a contact's addresses a channel uses.
    AddressKind { Email => "email", Phone => "phone", Push => "push" }
);

/// A set of channels, kept sorted and without repeats so that comparisons and storage are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<Channel>", into = "Vec<Channel>")]
pub struct ChannelSet(Vec<Channel>);

impl ChannelSet {
    /// Builds a set from any list of channels.
    pub fn new(channels: impl IntoIterator<Item = Channel>) -> Self {
        let mut v: Vec<Channel> = channels.into_iter().collect();
        v.sort();
        v.dedup();
        ChannelSet(v)
    }

    /// Parses the storage form: names separated by commas, e.g. `email,sms`.
    pub fn parse_list(s: &str) -> Result<Self, ParseError> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Channel::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(ChannelSet::new)
    }

    /// The storage form, e.g. `email,sms`.
    pub fn to_list(&self) -> String {
        self.0
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn contains(&self, c: Channel) -> bool {
        self.0.contains(&c)
    }

    pub fn is_subset_of(&self, other: &ChannelSet) -> bool {
        self.0.iter().all(|c| other.contains(*c))
    }

    pub fn iter(&self) -> impl Iterator<Item = Channel> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<Channel>> for ChannelSet {
    fn from(v: Vec<Channel>) -> Self {
        ChannelSet::new(v)
    }
}

impl From<ChannelSet> for Vec<Channel> {
    fn from(s: ChannelSet) -> Self {
        s.0
    }
}

/// A contact's choice for one topic: stored, or the topic's defaults when there is no row. The
/// one shape the change function, the decision rules and every page read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    pub subscribed: bool,
    pub channels: ChannelSet,
    pub frequency: Frequency,
    pub info_only: bool,
}

/// A topic key: a slug of 1–64 lowercase letters, digits, `-` and `_`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TopicKey(String);

impl TopicKey {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let ok_len = (1..=64).contains(&s.len());
        let ok_first = s.starts_with(|c: char| c.is_ascii_lowercase());
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok_len && ok_first && ok_chars {
            Ok(TopicKey(s.to_owned()))
        } else {
            err(format!(
                "topic key {s:?} must be 1–64 characters of a–z, 0–9, '-' or '_', starting with a letter"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TopicKey {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        TopicKey::parse(&s)
    }
}

impl From<TopicKey> for String {
    fn from(k: TopicKey) -> Self {
        k.0
    }
}

impl fmt::Display for TopicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The organisation's own stable id for a contact: 1–128 printable characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContactRef(String);

impl ContactRef {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if (1..=128).contains(&s.chars().count()) && s.chars().all(|c| c.is_ascii_graphic()) {
            Ok(ContactRef(s.to_owned()))
        } else {
            err("a contact ref must be 1–128 printable characters without spaces")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ContactRef {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        ContactRef::parse(&s)
    }
}

impl From<ContactRef> for String {
    fn from(k: ContactRef) -> Self {
        k.0
    }
}

impl fmt::Display for ContactRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_enum!(
    /// Who made a change, without the staff user's or sender's id: the ledger's actor kind.
    ActorKind {
        Customer => "customer",
        OneClick => "one_click",
        Staff => "staff",
        Sender => "sender",
        System => "system",
        Reply => "reply",
    }
);

/// Who made a change (DESIGN §1): recorded with every ledger row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Customer,
    OneClick,
    Staff(i64),
    Sender(i64),
    System,
    /// The person, replying to a message: STOP by text, a key-press on a call (DESIGN §3.1).
    Reply,
}

impl Actor {
    /// The ledger's actor kind.
    pub fn actor_kind(&self) -> ActorKind {
        match self {
            Actor::Customer => ActorKind::Customer,
            Actor::OneClick => ActorKind::OneClick,
            Actor::Staff(_) => ActorKind::Staff,
            Actor::Sender(_) => ActorKind::Sender,
            Actor::System => ActorKind::System,
            Actor::Reply => ActorKind::Reply,
        }
    }

    /// The ledger's actor kind, as stored.
    pub fn kind(&self) -> &'static str {
        self.actor_kind().as_str()
    }

    /// The id of the staff user or sender, if the actor has one.
    pub fn id(&self) -> Option<i64> {
        match self {
            Actor::Staff(id) | Actor::Sender(id) => Some(*id),
            _ => None,
        }
    }

    /// Rebuilds an actor from its stored kind and id.
    pub fn from_parts(kind: &str, id: Option<i64>) -> Result<Self, ParseError> {
        match (ActorKind::parse(kind), id) {
            (Ok(ActorKind::Customer), None) => Ok(Actor::Customer),
            (Ok(ActorKind::OneClick), None) => Ok(Actor::OneClick),
            (Ok(ActorKind::System), None) => Ok(Actor::System),
            (Ok(ActorKind::Reply), None) => Ok(Actor::Reply),
            (Ok(ActorKind::Staff), Some(id)) => Ok(Actor::Staff(id)),
            (Ok(ActorKind::Sender), Some(id)) => Ok(Actor::Sender(id)),
            _ => err(format!("unknown actor {kind}:{id:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_sets_compare_equal_whatever_the_order_given() {
        let a = ChannelSet::new([Channel::Sms, Channel::Email, Channel::Sms]);
        let b = ChannelSet::parse_list("email, sms").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_list(), "email,sms");
    }

    #[test]
    fn an_unknown_channel_name_is_refused_with_the_valid_names() {
        let e = ChannelSet::parse_list("email,fax").unwrap_err();
        assert!(e.0.contains("fax") && e.0.contains("voice"), "{e}");
    }

    #[test]
    fn topic_keys_are_slugs() {
        assert!(TopicKey::parse("service-follow-ups").is_ok());
        assert!(TopicKey::parse("Offers").is_err());
        assert!(TopicKey::parse("").is_err());
        assert!(TopicKey::parse("9lives").is_err());
    }

    #[test]
    fn actors_round_trip_through_their_stored_parts() {
        for a in [
            Actor::Customer,
            Actor::OneClick,
            Actor::Staff(3),
            Actor::Sender(9),
            Actor::System,
        ] {
            assert_eq!(Actor::from_parts(a.kind(), a.id()).unwrap(), a);
        }
        assert!(Actor::from_parts("staff", None).is_err());
    }
}
