//! Address choices (DESIGN §1.1): what a person says at an address follows the address, not the
//! record. Pure: which choices a change makes or lifts is read from its diff, the same one the
//! ledger records; `write.rs` stores them and tells the other records.

use app::domain::AddressKind;
use serde_json::Value;

pub use super::field::Scope;
use super::{
    consent::{loosening, Loosening},
    ChangeField, FieldChange, GlobalField, TopicField,
};

impl Scope {
    /// The stored `scope` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Topic(_) => "topic",
            Scope::Channel(_) => "channel",
        }
    }

    /// The stored `channel` column ('' unless a channel choice).
    pub fn channel(&self) -> &'static str {
        match self {
            Scope::Channel(c) => c.as_str(),
            _ => "",
        }
    }

    /// The ledger field that says a choice was recorded or lifted at an address of `kind`.
    pub fn field(&self, kind: AddressKind) -> ChangeField {
        ChangeField::AddressChoice(kind, self.clone())
    }

    /// The address kinds a choice of this scope can be held at, given the kind the person
    /// spoke at: a channel's choice is held at that channel's address, the others where it was
    /// said.
    pub fn held_at(&self, said_at: AddressKind) -> Option<AddressKind> {
        let kind = match self {
            Scope::Channel(c) => c.address_kind(),
            _ => said_at,
        };
        (kind != AddressKind::Push).then_some(kind)
    }
}

/// The choices a change tightens: a topic unsubscribed, everything unsubscribed, channels
/// opted out of everywhere. Made by the person themselves, each is an address choice.
pub fn tightened(changes: &[FieldChange]) -> Vec<Scope> {
    let mut scopes = Vec::new();
    for change in changes {
        let (from, to) = (&change.from, &change.to);
        match &change.field {
            ChangeField::Topic(topic, TopicField::Subscribed)
                if to == &Value::Bool(false) && from != &Value::Bool(false) =>
            {
                scopes.push(Scope::Topic(topic.clone()));
            }
            ChangeField::Global(GlobalField::UnsubscribedAll) if to == &Value::Bool(true) => {
                scopes.push(Scope::All);
            }
            ChangeField::Global(GlobalField::ChannelOptOuts) => {
                scopes.extend(change.channels_added().into_iter().map(Scope::Channel));
            }
            _ => {}
        }
    }
    scopes
}

/// The choices a change loosens, whoever makes it: a re-subscription lifts a topic's, clearing
/// "everything" lifts that one, removing a channel-wide opt-out lifts the channel's.
pub fn loosened(changes: &[FieldChange], now_ms: i64) -> Vec<Scope> {
    let mut scopes = Vec::new();
    for l in changes.iter().filter_map(|c| loosening(c, now_ms)) {
        match l {
            Loosening::Subscribed(t) => scopes.push(Scope::Topic(t)),
            Loosening::UnsubscribedAllCleared => scopes.push(Scope::All),
            Loosening::OptOutsRemoved(channels) => {
                scopes.extend(channels.into_iter().map(Scope::Channel))
            }
            _ => {}
        }
    }
    scopes
}

/// An address in the form it is matched and choices are kept under: an email as
/// [`app::domain::Email::key`] folds it (the `email_key` column), a phone in its E.164 form.
/// Text that does not parse (an old row) is folded or kept as it is.
pub fn normalised(kind: AddressKind, address: &str) -> String {
    match kind {
        AddressKind::Email => app::domain::Email::parse(address)
            .map(|e| e.key())
            .unwrap_or_else(|_| address.to_lowercase()),
        _ => app::domain::Phone::parse(address)
            .map(String::from)
            .unwrap_or_else(|_| address.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{Channel, TopicKey};
    use serde_json::json;

    fn change(field: &str, from: Value, to: Value) -> FieldChange {
        FieldChange::new(field.parse().unwrap(), from, to)
    }

    #[test]
    fn a_person_tightening_makes_one_choice_per_topic_everything_or_channel() {
        let changes = [
            change("preferences.offers.subscribed", json!(true), json!(false)),
            change(
                "preferences.news.frequency",
                json!("weekly"),
                json!("monthly"),
            ),
            change("global.unsubscribed_all", json!(false), json!(true)),
            change(
                "global.channel_opt_outs",
                json!(["sms"]),
                json!(["sms", "voice"]),
            ),
        ];
        let offers = TopicKey::parse("offers").unwrap();
        assert_eq!(
            tightened(&changes),
            [
                Scope::Topic(offers),
                Scope::All,
                Scope::Channel(Channel::Voice)
            ]
        );
    }

    #[test]
    fn loosening_lifts_the_same_scopes_and_nothing_else() {
        let changes = [
            change("preferences.offers.subscribed", json!(false), json!(true)),
            change("preferences.offers.info_only", json!(true), json!(false)),
            change(
                "global.channel_opt_outs",
                json!(["sms", "voice"]),
                json!([]),
            ),
        ];
        let offers = TopicKey::parse("offers").unwrap();
        assert_eq!(
            loosened(&changes, 0),
            [
                Scope::Topic(offers),
                Scope::Channel(Channel::Sms),
                Scope::Channel(Channel::Voice)
            ]
        );
    }

    #[test]
    fn a_field_names_its_address_kind_and_scope_and_reads_back() {
        for (kind, scope) in [
            (AddressKind::Email, Scope::All),
            (
                AddressKind::Email,
                Scope::Topic(TopicKey::parse("offers").unwrap()),
            ),
            (AddressKind::Phone, Scope::Channel(Channel::Sms)),
        ] {
            let field = scope.field(kind);
            assert_eq!(field.to_string().parse(), Ok(field));
        }
        assert_eq!(
            Scope::Channel(Channel::Voice).held_at(AddressKind::Email),
            Some(AddressKind::Phone),
            "\"never call me\" said by email is held at the phone"
        );
        assert_eq!(
            normalised(AddressKind::Email, "Ann@Example.COM"),
            "ann@example.com"
        );
    }
}
