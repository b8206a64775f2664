//! Plain words for people: how Attune writes times and describes changes, shared by the
//! customer's history, the console's ledger, receipts and mail.

use std::collections::HashMap;

use app::domain::{AddressKind, Channel, Frequency};
use serde_json::{json, Value};

use crate::store::{changes::address::Scope, ledger::LedgerRecord, FieldChange};

/// Who reads a ledger line: the customer is "you"; staff see who did it by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Customer,
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

/// A ledger row in words for `reader`, with times in `tz` and topics by name.
pub fn ledger_line(
    row: LedgerRecord,
    names: &HashMap<String, String>,
    tz: &str,
    reader: Reader,
) -> anyhow::Result<LedgerLine> {
    let changes: Vec<FieldChange> = serde_json::from_str(&row.changes)?;
    let by = match (reader, row.actor_kind.as_str()) {
        (Reader::Customer, "customer") => "You".to_owned(),
        (Reader::Customer, "one_click") => "You, from a link in an email".to_owned(),
        (Reader::Customer, "staff") => "Changed by our staff".to_owned(),
        (Reader::Customer, "sender") => format!(
            "Changed by {} on your behalf",
            row.sender_name.as_deref().unwrap_or("one of our systems")
        ),
        // A reply's reason is its words: "You replied STOP by text".
        (Reader::Customer, "reply") => row.reason.clone().unwrap_or_else(|| "You replied".into()),
        (Reader::Customer, _) => "Set up by Attune".to_owned(),
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
        when: format_time(row.occurred_at, tz),
        by,
        reason,
        items: describe(&changes, names, tz),
    })
}

/// "3 May 2026 14:02" in the contact's time zone.
pub fn format_time(ms: i64, tz: &str) -> String {
    let tz = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz).strftime("%-d %b %Y %H:%M").to_string())
        .unwrap_or_default()
}

fn format_date(rfc3339: &str, tz: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(t) => format_time(t.as_millisecond(), tz),
        Err(_) => rfc3339.to_owned(),
    }
}

fn channels_of(v: &Value) -> Vec<Channel> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().and_then(|s| Channel::parse(s).ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// Each field change in plain words, e.g. "Turned off text messages for Offers".
pub fn describe(
    changes: &[FieldChange],
    topics: &HashMap<String, String>,
    tz: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let email_changed = changes.iter().any(|c| c.field == "contact.email");
    let phone_changed = changes.iter().any(|c| c.field == "contact.phone");
    for c in changes {
        // What the person said at an address another record shares (DESIGN §1.1).
        if let Some((kind, scope)) = Scope::from_field(&c.field) {
            let what = match &scope {
                Scope::All => "everything optional".to_owned(),
                Scope::Topic(t) => topics
                    .get(t.as_str())
                    .cloned()
                    .unwrap_or_else(|| t.to_string()),
                Scope::Channel(ch) => ch.word().to_owned(),
            };
            let at = match kind {
                AddressKind::Phone => "this phone number",
                _ => "this email address",
            };
            out.push(if c.to == json!(true) {
                format!("Stopped {what} at {at}, as asked through another record")
            } else {
                format!("Allowed {what} at {at} again")
            });
            continue;
        }
        let parts: Vec<&str> = c.field.splitn(3, '.').collect();
        let text = match parts.as_slice() {
            ["preferences", key, field] => {
                let topic = topics.get(*key).cloned().unwrap_or_else(|| key.to_string());
                match *field {
                    "subscribed" if c.to == json!(true) => format!("Turned on {topic}"),
                    "subscribed" => format!("Turned off {topic}"),
                    "channels" => {
                        let (from, to) = (channels_of(&c.from), channels_of(&c.to));
                        for ch in to.iter().filter(|ch| !from.contains(ch)) {
                            out.push(format!("Turned on {} for {topic}", ch.word()));
                        }
                        for ch in from.iter().filter(|ch| !to.contains(ch)) {
                            out.push(format!("Turned off {} for {topic}", ch.word()));
                        }
                        continue;
                    }
                    "frequency" => {
                        let f = c.to.as_str().and_then(|s| Frequency::parse(s).ok());
                        let how = f.map_or("a new frequency", Frequency::words);
                        format!("Chose {how} for {topic}")
                    }
                    "info_only" if c.to == json!(true) => {
                        format!("Chose information only, no follow-up, for {topic}")
                    }
                    "info_only" => format!("Allowed follow-ups for {topic} again"),
                    other => format!("Changed {other} for {topic}"),
                }
            }
            ["global", "unsubscribed_all"] if c.to == json!(true) => {
                "Unsubscribed from everything optional".into()
            }
            ["global", "unsubscribed_all"] => {
                "Subscribed again after unsubscribing from everything".into()
            }
            ["global", "channel_opt_outs"] => {
                let (from, to) = (channels_of(&c.from), channels_of(&c.to));
                for ch in to.iter().filter(|ch| !from.contains(ch)) {
                    out.push(match ch {
                        Channel::Voice => "Asked never to be called".into(),
                        Channel::Sms => "Asked never to be texted".into(),
                        other => format!("Stopped all {}", other.word()),
                    });
                }
                for ch in from.iter().filter(|ch| !to.contains(ch)) {
                    out.push(format!("Allowed {} again", ch.word()));
                }
                continue;
            }
            ["global", "paused_until"] => match c.to.as_str() {
                Some(t) => format!("Paused messages until {}", format_date(t, tz)),
                None => "Ended the pause".into(),
            },
            ["global", "quiet_hours"] => match (
                c.to.get("start").and_then(Value::as_str),
                c.to.get("end").and_then(Value::as_str),
            ) {
                (Some(s), Some(e)) => format!("Set quiet hours for texts and calls: {s}–{e}"),
                _ => "Turned off quiet hours".into(),
            },
            ["global", "weekly_cap"] => match c.to.as_i64() {
                Some(n) => format!("Limited messages to {n} a week"),
                None => "Removed the weekly limit".into(),
            },
            ["contact", "email"] => match c.to.as_str() {
                Some(e) => format!("Set the email address to {e}"),
                None => "Removed the email address".into(),
            },
            ["contact", "email_verified"] if c.to == json!(true) => {
                "Confirmed the email address".into()
            }
            ["contact", "email_verified"] if !email_changed => {
                "The email address needs confirming".into()
            }
            ["contact", "phone"] => match c.to.as_str() {
                Some(p) => format!("Set the phone number to {p}"),
                None => "Removed the phone number".into(),
            },
            ["contact", "phone_verified"] if c.to == json!(true) => {
                "Confirmed the phone number".into()
            }
            ["contact", "phone_verified"] if !phone_changed => {
                "The phone number needs confirming".into()
            }
            ["contact", "email_verified" | "phone_verified"] => continue,
            ["contact", "locale"] => {
                format!("Set the language to {}", c.to.as_str().unwrap_or("?"))
            }
            ["contact", "time_zone"] => {
                format!("Set the time zone to {}", c.to.as_str().unwrap_or("?"))
            }
            ["disputed", kind] if c.to == json!(false) => {
                format!("Our staff checked the reported {kind} address")
            }
            ["disputed", kind] => format!("Reported that the {kind} address is not theirs"),
            _ => format!("Changed {}", c.field),
        };
        out.push(text);
    }
    out
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
        FieldChange {
            field: field.into(),
            from,
            to,
        }
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
