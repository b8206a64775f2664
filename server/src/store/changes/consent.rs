//! The consent rule (DESIGN §6.1): which field changes loosen what a person chose. A sender may
//! make them only with the person's consent, and the person is told, with a way to undo.
//! Pure: it reads the change's diff, the same one the ledger records.

use app::domain::{Channel, TopicKey};
use serde_json::Value;

use super::{ChangeField, FieldChange, GlobalField, TopicField};

/// One way a change loosens a person's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loosening {
    /// A topic they were not subscribed to now reaches them.
    Subscribed(TopicKey),
    /// Their "unsubscribe from everything" was undone.
    UnsubscribedAllCleared,
    /// A topic marked "information only, no follow-up" no longer is.
    InfoOnlyCleared(TopicKey),
    /// A topic now reaches them on more channels.
    ChannelsAdded(TopicKey, Vec<Channel>),
    /// A channel they opted out of everywhere ("never call me") is open again.
    OptOutsRemoved(Vec<Channel>),
    /// A pause still running was ended or shortened.
    PauseShortened,
    /// Their weekly cap was raised or removed.
    CapRaised,
}

impl Loosening {
    /// What it says in a problem's detail: `subscribes offers`, `adds sms to offers`…
    pub fn words(&self) -> String {
        let list = |c: &[Channel]| c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
        match self {
            Loosening::Subscribed(t) => format!("subscribes {t}"),
            Loosening::UnsubscribedAllCleared => "clears unsubscribed_all".into(),
            Loosening::InfoOnlyCleared(t) => format!("clears info_only on {t}"),
            Loosening::ChannelsAdded(t, c) => format!("adds {} to {t}", list(c)),
            Loosening::OptOutsRemoved(c) => format!("removes the opt-out from {}", list(c)),
            Loosening::PauseShortened => "ends or shortens a pause".into(),
            Loosening::CapRaised => "raises or removes the weekly cap".into(),
        }
    }
}

/// What one field change loosens, if anything; `now_ms` tells a running pause from one over.
pub fn loosening(change: &FieldChange, now_ms: i64) -> Option<Loosening> {
    let (from, to) = (&change.from, &change.to);
    match &change.field {
        ChangeField::Topic(topic, TopicField::Subscribed) => {
            (is(from, false) && is(to, true)).then(|| Loosening::Subscribed(topic.clone()))
        }
        ChangeField::Topic(topic, TopicField::InfoOnly) => {
            (is(from, true) && is(to, false)).then(|| Loosening::InfoOnlyCleared(topic.clone()))
        }
        ChangeField::Topic(topic, TopicField::Channels) => {
            let added = change.channels_added();
            (!added.is_empty()).then(|| Loosening::ChannelsAdded(topic.clone(), added))
        }
        ChangeField::Global(GlobalField::UnsubscribedAll) => {
            (is(from, true) && is(to, false)).then_some(Loosening::UnsubscribedAllCleared)
        }
        ChangeField::Global(GlobalField::ChannelOptOuts) => {
            let removed = change.channels_removed();
            (!removed.is_empty()).then_some(Loosening::OptOutsRemoved(removed))
        }
        ChangeField::Global(GlobalField::PausedUntil) => {
            let from = instant(from).filter(|f| *f > now_ms)?;
            let shortened = instant(to).is_none_or(|to| to < from);
            shortened.then_some(Loosening::PauseShortened)
        }
        ChangeField::Global(GlobalField::WeeklyCap) => {
            let from = from.as_i64()?;
            to.as_i64()
                .is_none_or(|to| to > from)
                .then_some(Loosening::CapRaised)
        }
        _ => None,
    }
}

/// Everything a change loosens.
pub fn loosenings(changes: &[FieldChange], now_ms: i64) -> Vec<Loosening> {
    changes
        .iter()
        .filter_map(|c| loosening(c, now_ms))
        .collect()
}

fn is(v: &Value, b: bool) -> bool {
    v.as_bool() == Some(b)
}

/// An RFC 3339 time in the diff, as Unix milliseconds.
fn instant(v: &Value) -> Option<i64> {
    v.as_str()?
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn change(field: &str, from: Value, to: Value) -> FieldChange {
        FieldChange::new(field.parse().unwrap(), from, to)
    }

    fn at(ms: i64) -> Value {
        json!(jiff::Timestamp::from_millisecond(ms).unwrap().to_string())
    }

    fn offers() -> TopicKey {
        TopicKey::parse("offers").unwrap()
    }

    #[test]
    fn subscribing_and_clearing_unsubscribe_all_loosen_and_their_opposites_do_not() {
        let sub = change("preferences.offers.subscribed", json!(false), json!(true));
        let unsub = change("preferences.offers.subscribed", json!(true), json!(false));
        let clear = change("global.unsubscribed_all", json!(true), json!(false));
        let set = change("global.unsubscribed_all", json!(false), json!(true));
        assert_eq!(loosening(&sub, NOW), Some(Loosening::Subscribed(offers())));
        assert_eq!(loosening(&unsub, NOW), None);
        assert_eq!(
            loosening(&clear, NOW),
            Some(Loosening::UnsubscribedAllCleared)
        );
        assert_eq!(loosening(&set, NOW), None);
    }

    #[test]
    fn clearing_info_only_and_adding_channels_loosen_a_topic() {
        let clear = change("preferences.offers.info_only", json!(true), json!(false));
        let set = change("preferences.offers.info_only", json!(false), json!(true));
        let more = change(
            "preferences.offers.channels",
            json!(["email"]),
            json!(["email", "sms"]),
        );
        let fewer = change(
            "preferences.offers.channels",
            json!(["email", "sms"]),
            json!(["sms"]),
        );
        assert_eq!(
            loosening(&clear, NOW),
            Some(Loosening::InfoOnlyCleared(offers()))
        );
        assert_eq!(loosening(&set, NOW), None);
        assert_eq!(
            loosening(&more, NOW),
            Some(Loosening::ChannelsAdded(offers(), vec![Channel::Sms]))
        );
        assert_eq!(loosening(&fewer, NOW), None);
    }

    #[test]
    fn removing_a_channel_wide_opt_out_loosens_and_adding_one_does_not() {
        let removed = change(
            "global.channel_opt_outs",
            json!(["sms", "voice"]),
            json!(["sms"]),
        );
        let added = change(
            "global.channel_opt_outs",
            json!(["sms"]),
            json!(["sms", "voice"]),
        );
        assert_eq!(
            loosening(&removed, NOW),
            Some(Loosening::OptOutsRemoved(vec![Channel::Voice]))
        );
        assert_eq!(loosening(&added, NOW), None);
    }

    #[test]
    fn ending_or_shortening_a_running_pause_loosens_but_clearing_one_that_is_over_does_not() {
        let day = 86_400_000;
        let ended = change("global.paused_until", at(NOW + day), Value::Null);
        let shortened = change("global.paused_until", at(NOW + 9 * day), at(NOW + day));
        let longer = change("global.paused_until", at(NOW + day), at(NOW + 9 * day));
        let over = change("global.paused_until", at(NOW - day), Value::Null);
        let new = change("global.paused_until", Value::Null, at(NOW + day));
        assert_eq!(loosening(&ended, NOW), Some(Loosening::PauseShortened));
        assert_eq!(loosening(&shortened, NOW), Some(Loosening::PauseShortened));
        assert_eq!(loosening(&longer, NOW), None);
        assert_eq!(loosening(&over, NOW), None);
        assert_eq!(loosening(&new, NOW), None);
    }

    #[test]
    fn raising_or_removing_a_cap_loosens_and_lowering_or_setting_one_does_not() {
        let raised = change("global.weekly_cap", json!(3), json!(10));
        let removed = change("global.weekly_cap", json!(3), Value::Null);
        let lowered = change("global.weekly_cap", json!(10), json!(3));
        let set = change("global.weekly_cap", Value::Null, json!(3));
        assert_eq!(loosening(&raised, NOW), Some(Loosening::CapRaised));
        assert_eq!(loosening(&removed, NOW), Some(Loosening::CapRaised));
        assert_eq!(loosening(&lowered, NOW), None);
        assert_eq!(loosening(&set, NOW), None);
    }

    #[test]
    fn frequency_quiet_hours_and_contact_details_are_not_loosenings() {
        let freq = change(
            "preferences.offers.frequency",
            json!("weekly"),
            json!("daily"),
        );
        let quiet = change(
            "global.quiet_hours",
            json!({"start": "21:00", "end": "08:00"}),
            Value::Null,
        );
        let email = change(
            "contact.email",
            json!("a@example.com"),
            json!("b@example.com"),
        );
        assert_eq!(loosenings(&[freq, quiet, email], NOW), vec![]);
    }
}
