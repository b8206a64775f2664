use super::*;
use Channel::*;
use Purpose::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn topic(kind: TopicKind) -> TopicRules {
    TopicRules {
        kind,
        channels: ChannelSet::new([Email, Sms, Voice]),
    }
}

/// A contact who may get everything: both addresses verified, subscribed on every channel.
fn open_contact() -> ContactRules {
    ContactRules {
        email: Some("ann@example.com".into()),
        email_verified: true,
        phone: Some("+15551234567".into()),
        phone_verified: true,
        time_zone: TimeZone::get("America/Chicago").unwrap(),
        disputed: vec![],
        unsubscribed_all: false,
        address_opted_out: false,
        channel_opt_outs: ChannelSet::default(),
        paused_until: None,
        quiet_hours: None,
        weekly_cap: None,
        pref: Preference {
            subscribed: true,
            channels: ChannelSet::new([Email, Sms, Voice]),
            frequency: Frequency::Immediate,
            info_only: false,
        },
        topic_sends: vec![],
        recent_sends: vec![],
    }
}

const NOON_CHICAGO: &str = "2026-11-24T18:00:00Z";

fn run(c: &ContactRules, kind: TopicKind, channel: Channel, purpose: Purpose) -> Decision {
    decide(Some(c), &topic(kind), channel, purpose, ts(NOON_CHICAGO))
}

fn reason(c: &ContactRules, kind: TopicKind, channel: Channel, purpose: Purpose) -> Reason {
    run(c, kind, channel, purpose).reason
}

#[test]
fn rule_14_an_open_contact_is_allowed() {
    assert_eq!(
        run(&open_contact(), TopicKind::Optional, Email, Marketing),
        Decision::allow()
    );
}

#[test]
fn rule_1_an_unknown_contact_is_denied() {
    let d = decide(
        None,
        &topic(TopicKind::Required),
        Email,
        Transactional,
        ts(NOON_CHICAGO),
    );
    assert_eq!(d.reason, Reason::UnknownContact);
    assert_eq!(d.verdict, Verdict::Deny);
}

#[test]
fn rule_2_a_channel_the_topic_does_not_offer_is_denied_even_for_required_transactional() {
    let d = decide(
        Some(&open_contact()),
        &topic(TopicKind::Required),
        Push,
        Transactional,
        ts(NOON_CHICAGO),
    );
    assert_eq!(d.reason, Reason::ChannelNotOffered);
}

#[test]
fn rule_3_a_disputed_address_blocks_even_required_transactional_mail() {
    let mut c = open_contact();
    c.disputed = vec![AddressKind::Email];
    assert_eq!(
        reason(&c, TopicKind::Required, Email, Transactional),
        Reason::AddressDisputed
    );
    // The phone is not disputed, so texts still go.
    assert_eq!(
        reason(&c, TopicKind::Required, Sms, Transactional),
        Reason::Allowed
    );
}

#[test]
fn rule_2_comes_before_rule_3() {
    let mut c = open_contact();
    c.disputed = vec![AddressKind::Push];
    let d = decide(
        Some(&c),
        &topic(TopicKind::Required),
        Push,
        Transactional,
        ts(NOON_CHICAGO),
    );
    assert_eq!(d.reason, Reason::ChannelNotOffered);
}

#[test]
fn rule_4_no_address_for_the_channel_is_denied() {
    let mut c = open_contact();
    c.phone = None;
    assert_eq!(
        reason(&c, TopicKind::Required, Sms, Transactional),
        Reason::NoAddress
    );
    assert_eq!(
        reason(&c, TopicKind::Required, Voice, Transactional),
        Reason::NoAddress
    );
}

#[test]
fn rule_3_comes_before_rule_4() {
    let mut c = open_contact();
    c.disputed = vec![AddressKind::Phone];
    c.phone = None;
    assert_eq!(
        reason(&c, TopicKind::Required, Sms, Transactional),
        Reason::AddressDisputed
    );
}

#[test]
fn rule_5_opt_outs_never_block_required_transactional_messages() {
    let mut c = open_contact();
    c.unsubscribed_all = true;
    c.channel_opt_outs = ChannelSet::new([Email]);
    c.paused_until = Some(ts("2027-01-01T00:00:00Z"));
    c.pref.subscribed = false;
    c.pref.channels = ChannelSet::default();
    c.email_verified = false;
    c.pref.frequency = Frequency::Monthly;
    c.topic_sends = vec![ts("2026-11-24T17:00:00Z")];
    assert_eq!(
        run(&c, TopicKind::Required, Email, Transactional),
        Decision::allow()
    );
    // A required topic used for marketing is not exempt.
    assert_eq!(
        reason(&c, TopicKind::Required, Email, Marketing),
        Reason::UnsubscribedAll
    );
    // Nor is a transactional message on an optional topic.
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Transactional),
        Reason::UnsubscribedAll
    );
}

#[test]
fn rule_6_unsubscribed_from_everything_is_denied() {
    let mut c = open_contact();
    c.unsubscribed_all = true;
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::UnsubscribedAll
    );
}

#[test]
fn rule_6_comes_before_rule_7() {
    let mut c = open_contact();
    c.unsubscribed_all = true;
    c.channel_opt_outs = ChannelSet::new([Email]);
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::UnsubscribedAll
    );
}

#[test]
fn rule_6a_a_choice_made_at_the_address_through_another_record_is_denied_after_rule_6_and_before_7()
{
    let mut c = open_contact();
    c.address_opted_out = true;
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Marketing),
        Reason::AddressOptedOut
    );
    c.channel_opt_outs = ChannelSet::new([Email]);
    c.pref.subscribed = false;
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Marketing),
        Reason::AddressOptedOut
    );
    assert_eq!(
        run(&c, TopicKind::Required, Email, Transactional),
        Decision::allow(),
        "rule 5 still lets a sign-in link through"
    );
    c.unsubscribed_all = true;
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Marketing),
        Reason::UnsubscribedAll
    );
}

#[test]
fn rule_7_a_channel_opted_out_everywhere_is_denied() {
    let mut c = open_contact();
    c.channel_opt_outs = ChannelSet::new([Voice]);
    assert_eq!(
        reason(&c, TopicKind::Optional, Voice, Informational),
        Reason::ChannelOptedOut
    );
    assert_eq!(
        reason(&c, TopicKind::Optional, Sms, Informational),
        Reason::Allowed
    );
}

#[test]
fn rule_7_comes_before_rule_8() {
    let mut c = open_contact();
    c.channel_opt_outs = ChannelSet::new([Email]);
    c.paused_until = Some(ts("2027-01-01T00:00:00Z"));
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::ChannelOptedOut
    );
}

#[test]
fn rule_8_a_pause_defers_until_it_ends_and_a_past_pause_does_nothing() {
    let mut c = open_contact();
    c.paused_until = Some(ts("2026-12-01T00:00:00Z"));
    let d = run(&c, TopicKind::Optional, Email, Informational);
    assert_eq!(
        (d.verdict, d.reason, d.defer_until),
        (
            Verdict::Defer,
            Reason::Paused,
            Some(ts("2026-12-01T00:00:00Z"))
        )
    );
    c.paused_until = Some(ts("2026-11-01T00:00:00Z"));
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::Allowed
    );
}

#[test]
fn rule_8_comes_before_rule_9() {
    let mut c = open_contact();
    c.paused_until = Some(ts("2026-12-01T00:00:00Z"));
    c.pref.subscribed = false;
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::Paused
    );
}

#[test]
fn rule_9_an_unsubscribed_topic_or_unchosen_channel_is_denied() {
    let mut c = open_contact();
    c.pref.subscribed = false;
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::TopicOptedOut
    );
    let mut c = open_contact();
    c.pref.channels = ChannelSet::new([Email]);
    assert_eq!(
        reason(&c, TopicKind::Optional, Sms, Informational),
        Reason::ChannelNotChosen
    );
    // Required topics are routed by the chosen channels too, for non-transactional purposes.
    assert_eq!(
        reason(&c, TopicKind::Required, Sms, Informational),
        Reason::ChannelNotChosen
    );
}

#[test]
fn rule_9_topic_opt_out_comes_before_channel_choice() {
    let mut c = open_contact();
    c.pref.subscribed = false;
    c.pref.channels = ChannelSet::new([Email]);
    assert_eq!(
        reason(&c, TopicKind::Optional, Sms, Informational),
        Reason::TopicOptedOut
    );
}

#[test]
fn rule_10_information_only_blocks_follow_ups_only() {
    let mut c = open_contact();
    c.pref.info_only = true;
    assert_eq!(
        reason(&c, TopicKind::Optional, Voice, FollowUp),
        Reason::InfoOnly
    );
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Marketing),
        Reason::Allowed
    );
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::Allowed
    );
}

#[test]
fn rule_9_comes_before_rule_10() {
    let mut c = open_contact();
    c.pref.info_only = true;
    c.pref.channels = ChannelSet::new([Email]);
    assert_eq!(
        reason(&c, TopicKind::Optional, Voice, FollowUp),
        Reason::ChannelNotChosen
    );
}

#[test]
fn rule_11_marketing_and_follow_ups_need_a_verified_address() {
    let mut c = open_contact();
    c.email_verified = false;
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Marketing),
        Reason::UnverifiedAddress
    );
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, FollowUp),
        Reason::UnverifiedAddress
    );
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::Allowed
    );
    assert_eq!(
        reason(&c, TopicKind::Optional, Sms, Marketing),
        Reason::Allowed,
        "the phone is verified"
    );
}

#[test]
fn rule_10_comes_before_rule_11() {
    let mut c = open_contact();
    c.email_verified = false;
    c.pref.info_only = true;
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, FollowUp),
        Reason::InfoOnly
    );
}

#[test]
fn rule_12_texts_and_calls_in_quiet_hours_wait_until_the_window_ends() {
    let mut c = open_contact();
    c.quiet_hours = Some((Time::constant(21, 0, 0, 0), Time::constant(8, 0, 0, 0)));
    // 22:30 in Chicago (CST, UTC-6) → until 08:00 local the next day.
    let d = decide(
        Some(&c),
        &topic(TopicKind::Optional),
        Sms,
        Informational,
        ts("2026-11-25T04:30:00Z"),
    );
    assert_eq!(
        (d.reason, d.defer_until),
        (Reason::QuietHours, Some(ts("2026-11-25T14:00:00Z")))
    );
    // 06:00 local → until 08:00 the same day.
    let d = decide(
        Some(&c),
        &topic(TopicKind::Optional),
        Voice,
        Informational,
        ts("2026-11-25T12:00:00Z"),
    );
    assert_eq!(d.defer_until, Some(ts("2026-11-25T14:00:00Z")));
    // Email is not held back, and noon is outside the window.
    let d = decide(
        Some(&c),
        &topic(TopicKind::Optional),
        Email,
        Informational,
        ts("2026-11-25T04:30:00Z"),
    );
    assert_eq!(d.reason, Reason::Allowed);
    assert_eq!(
        reason(&c, TopicKind::Optional, Sms, Informational),
        Reason::Allowed
    );
}

#[test]
fn rule_11_comes_before_rule_12() {
    let mut c = open_contact();
    c.phone_verified = false;
    c.quiet_hours = Some((Time::constant(0, 0, 0, 0), Time::constant(23, 59, 0, 0)));
    assert_eq!(
        reason(&c, TopicKind::Optional, Sms, Marketing),
        Reason::UnverifiedAddress
    );
}

#[test]
fn quiet_hours_ending_in_a_dst_gap_end_as_if_the_clock_had_not_jumped() {
    // Spring forward in Chicago: 2027-03-14 02:00 CST jumps to 03:00 CDT, so 02:30 does not
    // exist. As RFC 5545 does, it is read with the offset before the gap: 02:30 CST, which
    // the clock shows as 03:30 CDT (08:30Z).
    let tz = TimeZone::get("America/Chicago").unwrap();
    let end = quiet_hours_end(
        ts("2027-03-14T07:00:00Z"),
        &tz,
        Time::constant(22, 0, 0, 0),
        Time::constant(2, 30, 0, 0),
    );
    assert_eq!(end, Some(ts("2027-03-14T08:30:00Z")));
}

#[test]
fn quiet_hours_on_the_night_clocks_go_back_end_at_the_local_time() {
    // Fall back: 2026-11-01 02:00 CDT becomes 01:00 CST. 23:00 CDT on Oct 31 → 08:00 CST.
    let tz = TimeZone::get("America/Chicago").unwrap();
    let end = quiet_hours_end(
        ts("2026-11-01T04:00:00Z"),
        &tz,
        Time::constant(21, 0, 0, 0),
        Time::constant(8, 0, 0, 0),
    );
    assert_eq!(
        end,
        Some(ts("2026-11-01T14:00:00Z")),
        "11 hours of wall clock, 10 of them plus one repeated"
    );
}

#[test]
fn rule_13_a_topic_frequency_cap_defers_until_the_window_allows() {
    let mut c = open_contact();
    c.pref.frequency = Frequency::Daily;
    c.topic_sends = vec![ts("2026-11-24T15:00:00Z")];
    let d = run(&c, TopicKind::Optional, Email, Informational);
    assert_eq!(
        (d.reason, d.defer_until),
        (Reason::FrequencyCap, Some(ts("2026-11-25T15:00:00Z")))
    );
    c.topic_sends = vec![ts("2026-11-23T15:00:00Z")];
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Informational),
        Reason::Allowed
    );
}

#[test]
fn rule_13_a_daily_window_across_dst_is_a_local_day_not_24_hours() {
    let mut c = open_contact();
    c.pref.frequency = Frequency::Daily;
    // Sent at 09:00 CDT on Oct 31; the next local 09:00 is CST, 25 hours later.
    c.topic_sends = vec![ts("2026-10-31T14:00:00Z")];
    let d = decide(
        Some(&c),
        &topic(TopicKind::Optional),
        Email,
        Informational,
        ts("2026-11-01T14:30:00Z"),
    );
    assert_eq!(d.defer_until, Some(ts("2026-11-01T15:00:00Z")));
}

#[test]
fn rule_13_the_overall_weekly_cap_counts_every_non_transactional_send() {
    let mut c = open_contact();
    c.weekly_cap = Some(2);
    c.recent_sends = vec![
        ts("2026-11-20T12:00:00Z"),
        ts("2026-11-22T12:00:00Z"),
        ts("2026-11-10T12:00:00Z"),
    ];
    let d = run(&c, TopicKind::Optional, Email, Marketing);
    assert_eq!(
        (d.reason, d.defer_until),
        (Reason::FrequencyCap, Some(ts("2026-11-27T12:00:00Z")))
    );
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Transactional),
        Reason::Allowed,
        "transactional is not capped"
    );
    c.weekly_cap = Some(0);
    assert_eq!(
        reason(&c, TopicKind::Optional, Email, Marketing),
        Reason::FrequencyCap
    );
}

#[test]
fn rule_12_comes_before_rule_13() {
    let mut c = open_contact();
    c.quiet_hours = Some((Time::constant(0, 0, 0, 0), Time::constant(23, 59, 0, 0)));
    c.pref.frequency = Frequency::Monthly;
    c.topic_sends = vec![ts("2026-11-24T17:00:00Z")];
    assert_eq!(
        reason(&c, TopicKind::Optional, Sms, Informational),
        Reason::QuietHours
    );
}

#[test]
fn every_reason_and_verdict_is_sent_by_the_name_it_is_stored_under() {
    use Reason::*;
    let reasons = [
        Allowed,
        UnknownContact,
        ChannelNotOffered,
        AddressDisputed,
        NoAddress,
        UnsubscribedAll,
        AddressOptedOut,
        ChannelOptedOut,
        Paused,
        TopicOptedOut,
        ChannelNotChosen,
        InfoOnly,
        UnverifiedAddress,
        QuietHours,
        FrequencyCap,
        UnknownTopic,
    ];
    for r in reasons {
        assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
    }
    let verdicts = [
        (Verdict::Allow, "allow"),
        (Verdict::Deny, "deny"),
        (Verdict::Defer, "defer"),
    ];
    for (v, name) in verdicts {
        assert_eq!(serde_json::to_value(v).unwrap(), name);
    }
}
