//! The decision rules of DESIGN §2 as one pure function: "may I send this?"
//!
//! Everything the rules need is passed in (the contact's state, the topic, recent sends, the
//! time), so every rule and every precedence between rules is unit-tested without a database.
//! Local times (quiet hours, frequency windows) are computed in the contact's time zone with
//! `jiff`, which handles DST gaps and folds.

use app::domain::{AddressKind, Channel, ChannelSet, Frequency, Purpose, TopicKind};
use jiff::{civil::Time, tz::TimeZone, Span, Timestamp, Zoned};
use serde::Serialize;

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    Deny,
    Defer,
}

/// Why: stable, machine-readable names (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Allowed,
    UnknownContact,
    ChannelNotOffered,
    AddressDisputed,
    NoAddress,
    UnsubscribedAll,
    ChannelOptedOut,
    Paused,
    TopicOptedOut,
    ChannelNotChosen,
    InfoOnly,
    UnverifiedAddress,
    QuietHours,
    FrequencyCap,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::UnknownContact => "unknown_contact",
            Reason::ChannelNotOffered => "channel_not_offered",
            Reason::AddressDisputed => "address_disputed",
            Reason::NoAddress => "no_address",
            Reason::UnsubscribedAll => "unsubscribed_all",
            Reason::ChannelOptedOut => "channel_opted_out",
            Reason::Paused => "paused",
            Reason::TopicOptedOut => "topic_opted_out",
            Reason::ChannelNotChosen => "channel_not_chosen",
            Reason::InfoOnly => "info_only",
            Reason::UnverifiedAddress => "unverified_address",
            Reason::QuietHours => "quiet_hours",
            Reason::FrequencyCap => "frequency_cap",
        }
    }
}

/// A decision: allow, deny or defer (with until when), and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub reason: Reason,
    pub defer_until: Option<Timestamp>,
}

impl Decision {
    fn allow() -> Self {
        Decision {
            verdict: Verdict::Allow,
            reason: Reason::Allowed,
            defer_until: None,
        }
    }
    fn deny(reason: Reason) -> Self {
        Decision {
            verdict: Verdict::Deny,
            reason,
            defer_until: None,
        }
    }
    fn defer(reason: Reason, until: Timestamp) -> Self {
        Decision {
            verdict: Verdict::Defer,
            reason,
            defer_until: Some(until),
        }
    }
}

/// The topic as the rules see it.
#[derive(Debug, Clone)]
pub struct TopicRules {
    pub kind: TopicKind,
    pub channels: ChannelSet,
}

/// The contact's choice for the topic (with the topic's defaults filled in).
#[derive(Debug, Clone)]
pub struct PrefRules {
    pub subscribed: bool,
    pub channels: ChannelSet,
    pub frequency: Frequency,
    pub info_only: bool,
}

/// Everything about the contact the rules read.
#[derive(Debug, Clone)]
pub struct ContactRules {
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub time_zone: TimeZone,
    pub disputed: Vec<AddressKind>,
    pub unsubscribed_all: bool,
    pub channel_opt_outs: ChannelSet,
    pub paused_until: Option<Timestamp>,
    /// Local start and end; the window may cross midnight.
    pub quiet_hours: Option<(Time, Time)>,
    pub weekly_cap: Option<i64>,
    pub pref: PrefRules,
    /// Sends recorded on this topic (any channel), any order; at least the latest one (the
    /// topic's frequency allows one per period).
    pub topic_sends: Vec<Timestamp>,
    /// Non-transactional sends on any topic in the last week or so, any order.
    pub recent_sends: Vec<Timestamp>,
}

impl ContactRules {
    /// The address a channel uses, and whether it is verified.
    pub fn address(&self, channel: Channel) -> Option<(&str, bool)> {
        match channel.address_kind() {
            AddressKind::Email => self.email.as_deref().map(|a| (a, self.email_verified)),
            AddressKind::Phone => self.phone.as_deref().map(|a| (a, self.phone_verified)),
            AddressKind::Push => None,
        }
    }
}

/// Decides, first matching rule wins (DESIGN §2). `contact` is `None` for an unknown contact;
/// an unknown topic is the caller's 404, not a decision.
pub fn decide(
    contact: Option<&ContactRules>,
    topic: &TopicRules,
    channel: Channel,
    purpose: Purpose,
    now: Timestamp,
) -> Decision {
    // 1
    let Some(c) = contact else {
        return Decision::deny(Reason::UnknownContact);
    };
    // 2
    if !topic.channels.contains(channel) {
        return Decision::deny(Reason::ChannelNotOffered);
    }
    // 3: even transactional — a mistyped address must stop receiving someone else's mail.
    if c.disputed.contains(&channel.address_kind()) {
        return Decision::deny(Reason::AddressDisputed);
    }
    // 4
    let Some((_, verified)) = c.address(channel) else {
        return Decision::deny(Reason::NoAddress);
    };
    // 5: opt-outs never block a password reset or an appointment reminder.
    if topic.kind == TopicKind::Required && purpose == Purpose::Transactional {
        return Decision::allow();
    }
    // 6
    if c.unsubscribed_all {
        return Decision::deny(Reason::UnsubscribedAll);
    }
    // 7
    if c.channel_opt_outs.contains(channel) {
        return Decision::deny(Reason::ChannelOptedOut);
    }
    // 8
    if let Some(until) = c.paused_until.filter(|u| *u > now) {
        return Decision::defer(Reason::Paused, until);
    }
    // 9
    if !c.pref.subscribed && topic.kind != TopicKind::Required {
        return Decision::deny(Reason::TopicOptedOut);
    }
    if !c.pref.channels.contains(channel) {
        return Decision::deny(Reason::ChannelNotChosen);
    }
    // 10
    if purpose == Purpose::FollowUp && c.pref.info_only {
        return Decision::deny(Reason::InfoOnly);
    }
    // 11
    if matches!(purpose, Purpose::Marketing | Purpose::FollowUp) && !verified {
        return Decision::deny(Reason::UnverifiedAddress);
    }
    // 12
    if matches!(channel, Channel::Sms | Channel::Voice) {
        if let Some((start, end)) = c.quiet_hours {
            if let Some(until) = quiet_hours_end(now, &c.time_zone, start, end) {
                return Decision::defer(Reason::QuietHours, until);
            }
        }
    }
    // 13
    let mut cap_until: Option<Timestamp> = None;
    if let Some(period) = period(c.pref.frequency) {
        if let Some(until) = window_end(&c.topic_sends, 1, period, now, &c.time_zone) {
            cap_until = Some(until);
        }
    }
    if let Some(cap) = c.weekly_cap.filter(|_| purpose != Purpose::Transactional) {
        if let Some(until) = window_end(
            &c.recent_sends,
            cap.max(0) as usize,
            Span::new().weeks(1),
            now,
            &c.time_zone,
        ) {
            cap_until = Some(cap_until.map_or(until, |u| u.max(until)));
        }
    }
    if let Some(until) = cap_until {
        return Decision::defer(Reason::FrequencyCap, until);
    }
    // 14
    Decision::allow()
}

fn period(f: Frequency) -> Option<Span> {
    match f {
        Frequency::Immediate => None,
        Frequency::Daily => Some(Span::new().days(1)),
        Frequency::Weekly => Some(Span::new().weeks(1)),
        Frequency::Monthly => Some(Span::new().months(1)),
    }
}

/// Local-calendar arithmetic: one day later is the same wall-clock time the next day, across
/// DST changes.
fn plus(t: Timestamp, span: Span, tz: &TimeZone) -> Timestamp {
    t.to_zoned(tz.clone())
        .checked_add(span)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// If at least `limit` sends fall in the window ending now, when the window next has room:
/// the time the oldest of the latest `limit` sends leaves it. `limit` 0 means never.
fn window_end(
    sends: &[Timestamp],
    limit: usize,
    period: Span,
    now: Timestamp,
    tz: &TimeZone,
) -> Option<Timestamp> {
    let mut inside: Vec<Timestamp> = sends
        .iter()
        .copied()
        .filter(|s| plus(*s, period, tz) > now && *s <= now)
        .collect();
    if inside.len() < limit {
        return None;
    }
    if limit == 0 {
        return Some(Timestamp::MAX);
    }
    inside.sort();
    let oldest_counted = inside[inside.len() - limit];
    Some(plus(oldest_counted, period, tz))
}

/// When the quiet window that `now` is inside ends, or `None` if `now` is outside it.
pub fn quiet_hours_end(now: Timestamp, tz: &TimeZone, start: Time, end: Time) -> Option<Timestamp> {
    if start == end {
        return None;
    }
    let local: Zoned = now.to_zoned(tz.clone());
    let t = local.time();
    let inside = if start < end {
        t >= start && t < end
    } else {
        t >= start || t < end
    };
    if !inside {
        return None;
    }
    // The end is today if it is still ahead on the clock, else tomorrow.
    let date = if t < end {
        local.date()
    } else {
        local.date().tomorrow().ok()?
    };
    // In a DST gap the wall time does not exist; it is read with the offset before the gap
    // (RFC 5545's rule, jiff's "compatible").
    date.to_datetime(end)
        .to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
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
            channel_opt_outs: ChannelSet::default(),
            paused_until: None,
            quiet_hours: None,
            weekly_cap: None,
            pref: PrefRules {
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
}
