//! The read model's unit tests: packing, fills racing drops, capacity, and choice scopes.

use std::sync::Arc;

use app::domain::{Channel, ChannelSet, Frequency, Preference};
use jiff::tz::TimeZone;

use super::{covers, state::Packed, DecisionState, HeldChoice, ReadModel};
use crate::store::topics::Topic;

fn state(id: i64, reference: &str) -> Arc<DecisionState> {
    Arc::new(DecisionState {
        id,
        reference: reference.into(),
        version: 1,
        email: None,
        phone: None,
        flags: 0,
        channel_opt_outs: 0,
        time_zone: TimeZone::UTC,
        paused_until: None,
        quiet_hours: None,
        weekly_cap: None,
        stored: Box::new([]),
        last_sends: Box::new([]),
        recent_sends: Box::new([]),
    })
}

#[test]
fn a_packed_choice_unpacks_to_what_was_stored() {
    for channels in [vec![], vec![Channel::Email], Channel::ALL.to_vec()] {
        let p = Preference {
            subscribed: true,
            channels: ChannelSet::new(channels),
            frequency: Frequency::Weekly,
            info_only: true,
        };
        assert_eq!(Packed::new(&p).unpack(), p);
    }
}

#[test]
fn a_fill_that_began_before_a_change_keeps_nothing() {
    let model = ReadModel::default();
    let before = model.generation();
    model.forget(&[1], false);
    assert!(!model.keep(before, &[state(1, "a")], &[]));
    assert!(model.contact("a").is_none());
    let now = model.generation();
    assert!(model.keep(now, &[state(1, "a")], &[]));
    assert_eq!(model.contact("a").map(|s| s.id), Some(1));
}

#[test]
fn dropping_a_contact_by_id_drops_it_under_its_ref() {
    let model = ReadModel::default();
    model.keep(
        model.generation(),
        &[state(7, "seven"), state(8, "eight")],
        &[],
    );
    model.forget(&[7], false);
    assert!(model.contact("seven").is_none());
    assert!(model.contact("eight").is_some());
}

#[test]
fn the_model_never_holds_more_than_its_capacity() {
    let model = ReadModel::with_capacity(64);
    let refs: Vec<String> = (0..1000).map(|i| format!("c{i}")).collect();
    for (i, r) in refs.iter().enumerate() {
        model.keep(model.generation(), &[state(i as i64, r)], &[]);
        assert!(model.len() <= 64, "{} held after {i}", model.len());
    }
    assert!(model.contact("c999").is_some(), "the newest is held");
}

#[test]
fn a_choice_covers_what_its_scope_names() {
    let topic = |key: &str| Topic {
        id: 1,
        key: app::domain::TopicKey::parse(key).unwrap(),
        name: key.into(),
        description: String::new(),
        kind: app::domain::TopicKind::Optional,
        channels: Default::default(),
        default_subscribed: false,
        default_frequency: app::domain::Frequency::Immediate,
        position: 0,
        archived: false,
    };
    let all = [HeldChoice {
        scope: "all".into(),
        topic: None,
        channel: String::new(),
    }];
    assert!(covers(&all, &topic("offers"), Channel::Email));
    let offers = [HeldChoice {
        scope: "topic".into(),
        topic: Some("offers".into()),
        channel: String::new(),
    }];
    assert!(covers(&offers, &topic("offers"), Channel::Email));
    assert!(!covers(&offers, &topic("news"), Channel::Email));
    let sms = [HeldChoice {
        scope: "channel".into(),
        topic: None,
        channel: "sms".into(),
    }];
    assert!(covers(&sms, &topic("offers"), Channel::Sms));
    assert!(!covers(&sms, &topic("offers"), Channel::Voice));
    assert!(!covers(&[], &topic("offers"), Channel::Email));
}
