//! The change event: written to the outbox with its change, served by the change feed, posted
//! to webhooks, and described in the OpenAPI document — all from this one type (DESIGN §6.1, §7).

use app::domain::ActorKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::changes::EventType;
use super::FieldChange;

/// A change event: an item of the change feed, and the body of every webhook (DESIGN §6.1, §7).
/// Webhooks carry the Standard Webhooks headers `webhook-id` (`evt_<seq>`, the same on every
/// attempt), `webhook-timestamp` (Unix seconds) and `webhook-signature`
/// (`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, keyed with the bytes
/// behind the endpoint's `whsec_` secret; during a rotation two signatures, space-separated).
///
/// Fields are declared in alphabetical order, the order they are stored and sent in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"type": "preferences.updated", "seq": 123,
    "occurred_at": "2026-11-23T09:15:02.114Z", "version": 8,
    "contact": {"ref": "c-42", "email": "ann@example.com"},
    "actor": {"kind": "one_click", "id": null}, "reason": null,
    "changes": [{"field": "preferences.offers.subscribed", "from": true, "to": false}]})))]
pub struct Event {
    pub actor: EventActor,
    pub changes: Vec<FieldChange>,
    pub contact: EventContact,
    /// RFC 3339, UTC.
    pub occurred_at: String,
    /// Why, when the actor gave a reason (staff and senders must).
    pub reason: Option<String>,
    /// Global, gapless, in commit order.
    pub seq: i64,
    /// `preferences.updated`, `contact.unsubscribed_all`, `contact.address_disputed`,
    /// `contact.erased`, `contact.updated`, or — news for a record that shares an address with
    /// the one the person spoke through (DESIGN §1.1), actor `system`, fields
    /// `address_choice.<email|phone>.<all|topic.KEY|channel.CHANNEL>` — `address.choice_recorded`
    /// or `address.choice_lifted`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub event_type: EventType,
    /// The contact's preference version after this change.
    pub version: i64,
}

/// The contact a change is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"ref": "c-42", "email": "ann@example.com"})))]
pub struct EventContact {
    /// Null once the contact is erased.
    pub email: Option<String>,
    #[serde(rename = "ref")]
    #[schema(rename = "ref")]
    pub reference: String,
}

/// Who made a change (DESIGN §1): the person on their page (`customer`), through a one-click
/// link (`one_click`) or by a reply (`reply`); a staff user or a sender, with its id; or Attune
/// itself (`system`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"kind": "sender", "id": "3"})))]
pub struct EventActor {
    /// The staff user's or sender's id.
    pub id: Option<String>,
    pub kind: ActorKind,
}

impl Event {
    /// The JSON stored in the outbox and sent as it is.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an event serializes")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_event_is_stored_with_its_keys_in_the_order_every_earlier_event_was() {
        let event = Event {
            actor: EventActor {
                id: Some("3".into()),
                kind: ActorKind::Sender,
            },
            changes: vec![FieldChange::new(
                "preferences.offers.subscribed".parse().unwrap(),
                json!(true),
                json!(false),
            )],
            contact: EventContact {
                email: Some("ann@example.com".into()),
                reference: "c-42".into(),
            },
            occurred_at: "2026-12-02T10:00:00Z".into(),
            reason: None,
            seq: 123,
            event_type: EventType::PreferencesUpdated,
            version: 8,
        };

        let stored = event.to_json();

        // Events were once built with `json!`, whose keys come out sorted: the bytes must not move.
        let sorted = serde_json::to_string(&serde_json::to_value(&event).unwrap()).unwrap();
        assert_eq!(stored, sorted);
        assert!(
            stored.starts_with(r#"{"actor":{"id":"3","kind":"sender"},"changes":"#),
            "{stored}"
        );
        assert_eq!(serde_json::from_str::<Event>(&stored).unwrap(), event);
    }
}
