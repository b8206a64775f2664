//! One test per row of DESIGN §3.2: what each credential's grant lets through, and what not.

use std::collections::HashMap;

use app::domain::{Channel, Email, Frequency, Locale, TopicKey, TopicKind};

use super::*;
use crate::store::{
    changes::{
        apply::{apply, GlobalSettings},
        ChangeOp,
    },
    topics::Topic,
};

fn key(k: &str) -> TopicKey {
    TopicKey::parse(k).unwrap()
}

/// Ann (record 7): verified email, a phone; `offers` (email, sms) by email weekly.
fn ann() -> State {
    let offers = Topic {
        id: 1,
        key: key("offers"),
        name: "Offers".into(),
        description: String::new(),
        kind: TopicKind::Optional,
        channels: ChannelSet::new([Channel::Email, Channel::Sms]),
        default_subscribed: false,
        default_frequency: Frequency::Immediate,
        position: 0,
        archived: false,
    };
    State {
        contact: ContactFields {
            reference: "c-7".into(),
            email: Some("Ann@Example.com".into()),
            email_verified: true,
            phone: Some("+15555550123".into()),
            phone_verified: true,
            locale: app::domain::Locale::parse("en").unwrap(),
            time_zone: app::domain::TimeZoneName::parse("UTC").unwrap(),
        },
        global: GlobalSettings::default(),
        prefs: [(
            key("offers"),
            Preference {
                subscribed: true,
                channels: ChannelSet::new([Channel::Email]),
                frequency: Frequency::Weekly,
                info_only: false,
            },
        )]
        .into_iter()
        .collect(),
        topics: [(key("offers"), offers)].into_iter().collect(),
        open_disputes: HashMap::new(),
    }
}

fn unsubscribed(mut s: State) -> State {
    s.prefs.get_mut(&key("offers")).unwrap().subscribed = false;
    s
}

fn everything_off(mut s: State) -> State {
    s.global.unsubscribed_all = true;
    s.global.channel_opt_outs = ChannelSet::new([Channel::Voice, Channel::Email]);
    s
}

/// Whether `grant` lets `ops` through on `state`.
fn lets(grant: &Grant, state: &State, ops: &[ChangeOp]) -> bool {
    let applied = apply(state, ops).expect("the rules themselves allow it");
    grant.check(state, &applied).is_ok()
}

fn subscribe(on: bool) -> ChangeOp {
    ChangeOp::Subscribed {
        topic: key("offers"),
        subscribed: on,
    }
}

fn channels(list: &[Channel]) -> ChangeOp {
    ChangeOp::Channels {
        topic: key("offers"),
        channels: ChannelSet::new(list.iter().copied()),
    }
}

fn frequency(f: Frequency) -> ChangeOp {
    ChangeOp::Frequency {
        topic: key("offers"),
        frequency: f,
    }
}

fn new_email(address: &str, verified: bool) -> ChangeOp {
    ChangeOp::Email {
        email: Some(Email::parse(address).unwrap()),
        verified,
    }
}

#[test]
fn a_session_reaches_only_records_whose_verified_email_it_was_signed_in_by() {
    let grant = Grant::session("ann@example.com");
    let mut record = ann().contact;
    assert!(grant.covers(7, &record), "case does not matter");
    assert!(
        grant.covers(8, &record),
        "another record of the same person"
    );
    record.email_verified = false;
    assert!(
        !grant.covers(7, &record),
        "an unverified address proves nothing"
    );
    record.email_verified = true;
    record.email = Some("victim@example.com".into());
    assert!(!grant.covers(7, &record), "someone else's address");
}

#[test]
fn a_session_may_loosen_on_every_channel_but_never_change_an_address_itself() {
    let grant = Grant::session("ann@example.com");
    let off = everything_off(unsubscribed(ann()));
    assert!(lets(&grant, &off, &[subscribe(true)]));
    assert!(lets(&grant, &off, &[ChangeOp::UnsubscribedAll(false)]));
    assert!(lets(
        &grant,
        &off,
        &[ChangeOp::ChannelOptOuts(ChannelSet::default())]
    ));
    assert!(lets(
        &grant,
        &ann(),
        &[ChangeOp::Locale(Locale::parse("de").unwrap())]
    ));
    assert!(
        !lets(&grant, &ann(), &[new_email("victim@example.com", false)]),
        "an email change waits for its confirmation"
    );
    assert!(!lets(&grant, &ann(), &[ChangeOp::Erase]));
}

#[test]
fn an_email_preferences_link_opens_only_email_choices_of_its_own_record() {
    let grant = Grant::preferences_link(7, AddressKind::Email);
    assert!(grant.covers(7, &ann().contact));
    assert!(!grant.covers(8, &ann().contact), "one record only");
    assert!(lets(&grant, &unsubscribed(ann()), &[subscribe(true)]));
    assert!(lets(&grant, &ann(), &[frequency(Frequency::Immediate)]));
    assert!(
        !lets(&grant, &ann(), &[channels(&[Channel::Email, Channel::Sms])]),
        "texts are not the email link's to open"
    );
    assert!(
        !lets(
            &grant,
            &everything_off(ann()),
            &[ChangeOp::UnsubscribedAll(false)]
        ),
        "lifting everything opens texts and calls too"
    );
    assert!(lets(
        &grant,
        &everything_off(ann()),
        &[ChangeOp::ChannelOptOuts(ChannelSet::new([Channel::Voice]))]
    ));
    assert!(!lets(
        &grant,
        &everything_off(ann()),
        &[ChangeOp::ChannelOptOuts(ChannelSet::new([Channel::Email]))]
    ));
    assert!(
        lets(&grant, &ann(), &[subscribe(false)]),
        "tightening is open"
    );
}

#[test]
fn a_text_link_opens_sms_and_voice_but_not_email() {
    let grant = Grant::preferences_link(7, AddressKind::Phone);
    assert!(lets(
        &grant,
        &ann(),
        &[channels(&[Channel::Email, Channel::Sms])]
    ));
    assert!(
        !lets(&grant, &unsubscribed(ann()), &[subscribe(true)]),
        "re-subscribing would mail the email address again"
    );
    assert!(lets(
        &grant,
        &everything_off(ann()),
        &[ChangeOp::ChannelOptOuts(ChannelSet::new([Channel::Email]))]
    ));
    assert!(!lets(
        &grant,
        &everything_off(ann()),
        &[ChangeOp::ChannelOptOuts(ChannelSet::default())]
    ));
}

#[test]
fn an_unsubscribe_link_only_tightens() {
    let grant = Grant::unsubscribe_link(7, AddressKind::Email, Actor::OneClick);
    assert!(lets(&grant, &ann(), &[subscribe(false)]));
    assert!(lets(&grant, &ann(), &[ChangeOp::UnsubscribedAll(true)]));
    assert!(lets(&grant, &ann(), &[frequency(Frequency::Monthly)]));
    assert!(
        !lets(&grant, &ann(), &[frequency(Frequency::Daily)]),
        "less often means less often"
    );
    assert!(!lets(&grant, &unsubscribed(ann()), &[subscribe(true)]));
    assert!(!lets(
        &grant,
        &everything_off(ann()),
        &[ChangeOp::UnsubscribedAll(false)]
    ));
    assert!(!lets(
        &grant,
        &ann(),
        &[ChangeOp::Locale(Locale::parse("fr").unwrap())]
    ));
    assert!(!grant.covers(8, &ann().contact));
}

#[test]
fn an_undo_reverses_exactly_its_own_change() {
    let grant = Grant::undo(7, 41, AddressKind::Email);
    assert_eq!(grant.undoes(), Some(41));
    assert!(!grant.covers(8, &ann().contact));
    let unsubscribe = apply(&ann(), &[subscribe(false)]).unwrap().changes;
    let back = apply(&unsubscribed(ann()), &[subscribe(true)])
        .unwrap()
        .changes;
    let everything = apply(&ann(), &[ChangeOp::UnsubscribedAll(true)])
        .unwrap()
        .changes;
    let everything_back = apply(&everything_off(ann()), &[ChangeOp::UnsubscribedAll(false)])
        .unwrap()
        .changes;
    assert!(reverses(&back, &unsubscribe));
    assert!(
        !reverses(&everything_back, &unsubscribe),
        "a proof for a harmless change undoes nothing else"
    );
    assert!(!reverses(&back, &everything));
    assert!(!reverses(&[], &unsubscribe));
    assert!(
        !lets(&grant, &ann(), &[new_email("x@example.com", false)]),
        "an undo never readdresses"
    );
}

#[test]
fn a_reply_makes_address_choices_for_its_own_channels() {
    let grant = Grant::reply(7, AddressKind::Phone);
    let stop = ChangeOp::OptOut {
        channel: Channel::Sms,
        out: true,
    };
    assert!(lets(&grant, &ann(), &[stop]));
    let mut stopped = ann();
    stopped.global.channel_opt_outs = ChannelSet::new([Channel::Sms, Channel::Email]);
    assert!(
        lets(
            &grant,
            &stopped,
            &[ChangeOp::OptOut {
                channel: Channel::Sms,
                out: false
            }]
        ),
        "START opens texts again"
    );
    assert!(
        !lets(
            &grant,
            &stopped,
            &[ChangeOp::OptOut {
                channel: Channel::Email,
                out: false
            }]
        ),
        "a text opens no email"
    );
    assert!(!lets(
        &grant,
        &ann(),
        &[ChangeOp::Locale(Locale::parse("es").unwrap())]
    ));
}

#[test]
fn a_confirmation_link_confirms_its_own_address_and_nothing_else() {
    let grant = Grant::confirm_email(7, "Ann.New@example.com");
    assert!(lets(
        &grant,
        &ann(),
        &[new_email("ann.new@example.com", true)]
    ));
    let mut unverified = ann();
    unverified.contact.email_verified = false;
    assert!(lets(
        &grant_for("ann@example.com"),
        &unverified,
        &[new_email("ann@example.com", true)]
    ));
    assert!(!lets(
        &grant,
        &ann(),
        &[new_email("victim@example.com", true)]
    ));
    assert!(!lets(
        &grant,
        &ann(),
        &[new_email("ann.new@example.com", true), subscribe(false)]
    ));
}

fn grant_for(email: &str) -> Grant {
    Grant::confirm_email(7, email)
}

#[test]
fn a_not_me_link_reports_only_the_address_it_was_sent_to() {
    let grant = Grant::not_me(7, AddressKind::Email);
    assert!(lets(
        &grant,
        &ann(),
        &[ChangeOp::DisputeAddress(AddressKind::Email)]
    ));
    assert!(!lets(
        &grant,
        &ann(),
        &[ChangeOp::DisputeAddress(AddressKind::Phone)]
    ));
    assert!(!lets(&grant, &ann(), &[subscribe(false)]));
}

#[test]
fn senders_staff_and_the_system_act_on_any_record_within_their_own_rules() {
    for grant in [Grant::sender(3), Grant::staff(2), Grant::system()] {
        assert!(grant.covers(99, &ann().contact));
        assert!(lets(&grant, &ann(), &[new_email("new@example.com", false)]));
        assert!(lets(
            &grant,
            &everything_off(ann()),
            &[ChangeOp::UnsubscribedAll(false)]
        ));
    }
    assert_eq!(Grant::organisation(Actor::Customer), None);
    assert_eq!(Grant::organisation(Actor::Staff(2)), Some(Grant::staff(2)));
}
