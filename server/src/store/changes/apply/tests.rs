use app::domain::{Channel, Frequency};

use super::*;
use crate::store::EventType;

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
    let pref = |channels: &[Channel]| Preference {
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
            locale: Locale::parse("en").unwrap(),
            time_zone: TimeZoneName::parse("Europe/Paris").unwrap(),
        },
        global: GlobalSettings::default(),
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

fn fields(a: &Applied) -> Vec<String> {
    a.changes.iter().map(|c| c.field.to_string()).collect()
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
    assert_eq!(EventType::of(&a.changes).as_str(), "preferences.updated");
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
    assert_eq!(EventType::of(&a.changes).as_str(), "contact.updated");
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
    assert_eq!(
        EventType::of(&a.changes).as_str(),
        "contact.address_disputed"
    );
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
    assert_eq!(EventType::of(&a.changes).as_str(), "contact.erased");
}

#[test]
fn unsubscribing_from_everything_is_its_own_event() {
    let a = apply(&ann(), &[ChangeOp::UnsubscribedAll(true)]).unwrap();
    assert_eq!(
        EventType::of(&a.changes).as_str(),
        "contact.unsubscribed_all"
    );
    assert!(a.global.unsubscribed_all);
}
