//! Plain words for people: how Attune writes times and describes changes, shared by the
//! customer's history, the console's ledger, receipts and mail.

use std::collections::HashMap;

use app::{
    domain::{AddressKind, Channel, Frequency, TopicKey},
    i18n::Lang,
    tr,
};
use serde_json::{json, Value};

use crate::store::{
    changes::{ChangeField, ContactField, GlobalField, Scope, TopicField},
    ledger::LedgerRecord,
    FieldChange,
};

/// Who reads a ledger line: the customer is "you", and what the system did was done by `org`,
/// the organisation they deal with; staff see who did it by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader<'a> {
    Customer { org: &'a str },
    Staff,
}

/// One ledger row in words: when, by whom, why and what changed.
pub struct LedgerLine {
    pub seq: i64,
    pub when: String,
    pub by: String,
    pub reason: Option<String>,
    pub items: Vec<String>,
}

/// A ledger row in words for `reader` (the customer in `lang`; staff in English), with times in
/// `tz` and topics by name.
pub fn ledger_line(
    row: LedgerRecord,
    names: &HashMap<String, String>,
    tz: &str,
    reader: Reader<'_>,
    lang: &Lang,
) -> anyhow::Result<LedgerLine> {
    let changes: Vec<FieldChange> = serde_json::from_str(&row.changes)?;
    let by = match (reader, row.actor_kind.as_str()) {
        (Reader::Customer { .. }, "customer") => tr!(lang, "by-you"),
        (Reader::Customer { .. }, "one_click") => tr!(lang, "by-you-link"),
        (Reader::Customer { .. }, "staff") => tr!(lang, "by-staff"),
        (Reader::Customer { .. }, "sender") => match row.sender_name.as_deref() {
            Some(sender) => tr!(lang, "by-sender", sender = sender),
            None => tr!(lang, "by-our-systems"),
        },
        (Reader::Customer { .. }, "reply") => reply_in_words(row.reason.as_deref(), lang),
        (Reader::Customer { org }, _) => tr!(lang, "by-org", org = org),
        (Reader::Staff, "customer") => "The customer".to_owned(),
        (Reader::Staff, "one_click") => "The customer, from a link in a message".to_owned(),
        (Reader::Staff, "staff") => {
            format!("Staff: {}", row.staff_email.as_deref().unwrap_or("unknown"))
        }
        (Reader::Staff, "sender") => format!(
            "Sender: {}",
            row.sender_name.as_deref().unwrap_or("unknown")
        ),
        (Reader::Staff, "reply") => format!(
            "The customer's reply ({})",
            row.reason.as_deref().unwrap_or("a reply")
        ),
        (Reader::Staff, _) => "Attune".to_owned(),
    };
    let reason = row.reason.filter(|_| row.actor_kind != "reply");
    Ok(LedgerLine {
        seq: row.seq,
        when: lang.date_time(row.occurred_at, tz),
        by,
        reason,
        items: describe(&changes, names, tz, lang),
    })
}

/// A reply's ledger reason is what the person did, in English (the console shows it as it is):
/// "You replied STOP by text", "You pressed 9 on an automated call", "You replied by email to
/// unsubscribe". The customer reads it in their language.
fn reply_in_words(reason: Option<&str>, lang: &Lang) -> String {
    match reason {
        Some(r) if r.starts_with("You pressed 9") => tr!(lang, "by-reply-call"),
        Some(r) if r.starts_with("You replied by email") => tr!(lang, "by-reply-mail"),
        Some(r) => match r
            .strip_prefix("You replied ")
            .and_then(|w| w.strip_suffix(" by text"))
        {
            Some(word) => tr!(lang, "by-reply-text", word = word),
            None => r.to_owned(),
        },
        None => tr!(lang, "by-reply"),
    }
}

/// "3 May 2026 14:02" in the time zone `tz`: the console's times (in English).
pub fn format_time(ms: i64, tz: &str) -> String {
    Lang::english().date_time(ms, tz)
}

fn format_date(rfc3339: &str, tz: &str, lang: &Lang) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(t) => lang.date_time(t.as_millisecond(), tz),
        Err(_) => rfc3339.to_owned(),
    }
}

/// Each field change in plain words in `lang`, e.g. "Turned off text messages for Offers".
pub fn describe(
    changes: &[FieldChange],
    topics: &HashMap<String, String>,
    tz: &str,
    lang: &Lang,
) -> Vec<String> {
    let words = Words { topics, tz, lang };
    let address_changed = |kind| {
        changes
            .iter()
            .any(|c| c.is_contact(ContactField::Address(kind)))
    };
    let mut out = Vec::new();
    for c in changes {
        match &c.field {
            ChangeField::AddressChoice(kind, scope) => {
                out.push(words.address_choice(*kind, scope, c.to == json!(true)))
            }
            ChangeField::Topic(key, field) => words.topic(c, key, *field, &mut out),
            ChangeField::Global(field) => words.global(c, *field, &mut out),
            // A new address is unverified: "confirmed" or "unconfirmed" says only a change of
            // the flag alone.
            ChangeField::Contact(ContactField::Verified(kind))
                if c.to != json!(true) && address_changed(*kind) => {}
            ChangeField::Contact(field) => out.push(words.contact(c, *field)),
            ChangeField::Disputed(kind) if c.to == json!(false) => {
                out.push(tr!(lang, "change-dispute-checked", kind = kind.as_str()))
            }
            ChangeField::Disputed(kind) => {
                out.push(tr!(lang, "change-disputed", kind = kind.as_str()))
            }
        }
    }
    out
}

/// What the words of a change need: topics by name, the reader's time zone and language.
struct Words<'a> {
    topics: &'a HashMap<String, String>,
    tz: &'a str,
    lang: &'a Lang,
}

impl Words<'_> {
    fn topic_name(&self, key: &str) -> String {
        self.topics
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    }

    /// What the person said at an address another record shares (DESIGN §1.1).
    fn address_choice(&self, kind: AddressKind, scope: &Scope, stopped: bool) -> String {
        let lang = self.lang;
        let what = match scope {
            Scope::All => tr!(lang, "change-address-all"),
            Scope::Topic(t) => self.topic_name(t.as_str()),
            Scope::Channel(ch) => lang.channel_word(*ch),
        };
        match (kind, stopped) {
            (AddressKind::Phone, true) => tr!(lang, "change-address-phone", what = what),
            (AddressKind::Phone, false) => tr!(lang, "change-address-phone-again", what = what),
            (_, true) => tr!(lang, "change-address-email", what = what),
            (_, false) => tr!(lang, "change-address-email-again", what = what),
        }
    }

    fn topic(&self, c: &FieldChange, key: &TopicKey, field: TopicField, out: &mut Vec<String>) {
        let lang = self.lang;
        let topic = self.topic_name(key.as_str());
        let topic = topic.as_str();
        out.push(match field {
            TopicField::Subscribed if c.to == json!(true) => {
                tr!(lang, "change-topic-on", topic = topic)
            }
            TopicField::Subscribed => tr!(lang, "change-topic-off", topic = topic),
            TopicField::Channels => {
                let on = c.channels_added().into_iter().map(|ch| (true, ch));
                let off = c.channels_removed().into_iter().map(|ch| (false, ch));
                for (on, ch) in on.chain(off) {
                    let channel = lang.channel_word(ch);
                    out.push(match on {
                        true => tr!(lang, "change-channel-on", channel = channel, topic = topic),
                        false => tr!(lang, "change-channel-off", channel = channel, topic = topic),
                    });
                }
                return;
            }
            TopicField::Frequency => match c.to.as_str().and_then(|s| Frequency::parse(s).ok()) {
                Some(f) => {
                    let how = tr!(lang, "frequency-words", frequency = f.as_str());
                    tr!(lang, "change-frequency", frequency = how, topic = topic)
                }
                None => tr!(lang, "change-frequency-unknown", topic = topic),
            },
            TopicField::InfoOnly if c.to == json!(true) => {
                tr!(lang, "change-info-only-on", topic = topic)
            }
            TopicField::InfoOnly => tr!(lang, "change-info-only-off", topic = topic),
        });
    }

    fn global(&self, c: &FieldChange, field: GlobalField, out: &mut Vec<String>) {
        let lang = self.lang;
        out.push(match field {
            GlobalField::UnsubscribedAll if c.to == json!(true) => {
                tr!(lang, "change-unsubscribed-all")
            }
            GlobalField::UnsubscribedAll => tr!(lang, "change-resubscribed-all"),
            GlobalField::ChannelOptOuts => {
                for ch in c.channels_added() {
                    out.push(match ch {
                        Channel::Voice => tr!(lang, "change-never-call"),
                        Channel::Sms => tr!(lang, "change-never-text"),
                        other => {
                            let channel = lang.channel_word(other);
                            tr!(lang, "change-stopped-channel", channel = channel)
                        }
                    });
                }
                for ch in c.channels_removed() {
                    let channel = lang.channel_word(ch);
                    out.push(tr!(lang, "change-allowed-channel", channel = channel));
                }
                return;
            }
            GlobalField::PausedUntil => match c.to.as_str() {
                Some(t) => tr!(lang, "change-paused", date = format_date(t, self.tz, lang)),
                None => tr!(lang, "change-pause-ended"),
            },
            GlobalField::QuietHours => match (
                c.to.get("start").and_then(Value::as_str),
                c.to.get("end").and_then(Value::as_str),
            ) {
                (Some(s), Some(e)) => tr!(lang, "change-quiet-hours", start = s, end = e),
                _ => tr!(lang, "change-quiet-hours-off"),
            },
            GlobalField::WeeklyCap => match c.to.as_i64() {
                Some(n) => tr!(lang, "change-weekly-cap", count = n),
                None => tr!(lang, "change-weekly-cap-off"),
            },
        });
    }

    fn contact(&self, c: &FieldChange, field: ContactField) -> String {
        let lang = self.lang;
        let to = c.to.as_str();
        match field {
            ContactField::Address(AddressKind::Phone) => match to {
                Some(p) => tr!(lang, "change-phone", phone = p),
                None => tr!(lang, "change-phone-removed"),
            },
            ContactField::Address(_) => match to {
                Some(e) => tr!(lang, "change-email", email = e),
                None => tr!(lang, "change-email-removed"),
            },
            ContactField::Verified(kind) => {
                let confirmed = c.to == json!(true);
                match (kind, confirmed) {
                    (AddressKind::Phone, true) => tr!(lang, "change-phone-confirmed"),
                    (AddressKind::Phone, false) => tr!(lang, "change-phone-unconfirmed"),
                    (_, true) => tr!(lang, "change-email-confirmed"),
                    (_, false) => tr!(lang, "change-email-unconfirmed"),
                }
            }
            ContactField::Locale => {
                let code = to.unwrap_or("?");
                let language = Lang::from_code(code).map_or_else(|| code.to_owned(), |l| l.name());
                tr!(lang, "change-language", language = language)
            }
            ContactField::TimeZone => tr!(lang, "change-time-zone", zone = to.unwrap_or("?")),
            ContactField::Erased => {
                tr!(lang, "change-other", field = c.field.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> std::collections::HashMap<String, String> {
        [("offers".to_owned(), "Offers".to_owned())]
            .into_iter()
            .collect()
    }

    fn c(field: &str, from: Value, to: Value) -> FieldChange {
        FieldChange::new(field.parse().unwrap(), from, to)
    }

    #[test]
    fn news_of_an_address_choice_says_what_stopped_at_which_address() {
        let items = describe(
            &[
                c(
                    "address_choice.email.topic.offers",
                    json!(false),
                    json!(true),
                ),
                c(
                    "address_choice.phone.channel.sms",
                    json!(true),
                    json!(false),
                ),
            ],
            &names(),
            "UTC",
            &Lang::english(),
        );
        assert_eq!(
            items,
            [
                "Stopped Offers at this email address, as asked through another record",
                "Allowed text messages at this phone number again"
            ]
        );
    }

    #[test]
    fn changes_read_as_plain_words() {
        let items = describe(
            &[
                c(
                    "preferences.offers.channels",
                    json!(["email", "sms"]),
                    json!(["email"]),
                ),
                c("preferences.offers.subscribed", json!(false), json!(true)),
                c("global.channel_opt_outs", json!([]), json!(["voice"])),
                c(
                    "global.quiet_hours",
                    json!(null),
                    json!({"start": "21:00", "end": "08:00"}),
                ),
            ],
            &names(),
            "UTC",
            &Lang::english(),
        );
        assert_eq!(
            items,
            [
                "Turned off text messages for Offers",
                "Turned on Offers",
                "Asked never to be called",
                "Set quiet hours for texts and calls: 21:00–08:00"
            ]
        );
    }

    #[test]
    fn times_are_shown_in_the_contacts_time_zone() {
        // 2026-05-03T19:02:00Z is 14:02 in Chicago (daylight time).
        let ms = "2026-05-03T19:02:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond();
        assert_eq!(format_time(ms, "America/Chicago"), "3 May 2026 14:02");
    }
}
