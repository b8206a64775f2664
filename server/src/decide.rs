//! The decision rules of DESIGN §2 as one pure function: "may I send this?"
//!
//! Everything the rules need is passed in (the contact's state, the topic, recent sends, the
//! time), so every rule and every precedence between rules is unit-tested without a database.
//! Local times (quiet hours, frequency windows) are computed in the contact's time zone with
//! `jiff`, which handles DST gaps and folds.

use app::domain::{AddressKind, Channel, ChannelSet, Frequency, Preference, Purpose, TopicKind};
use jiff::{civil::Time, tz::TimeZone, Span, Timestamp, Zoned};
use serde::Serialize;

/// The answer: `allow`, `deny` or `defer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    Deny,
    Defer,
}

/// Why: stable, machine-readable names (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
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
    /// Only in a batch, for an item naming a topic that does not exist (a single decision is a
    /// 404 problem instead); the rules never give it.
    UnknownTopic,
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
            Reason::AddressOptedOut => "address_opted_out",
            Reason::ChannelOptedOut => "channel_opted_out",
            Reason::Paused => "paused",
            Reason::TopicOptedOut => "topic_opted_out",
            Reason::ChannelNotChosen => "channel_not_chosen",
            Reason::InfoOnly => "info_only",
            Reason::UnverifiedAddress => "unverified_address",
            Reason::QuietHours => "quiet_hours",
            Reason::FrequencyCap => "frequency_cap",
            Reason::UnknownTopic => "unknown_topic",
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
    pub fn allow() -> Self {
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
    /// The channel's address carries an address choice covering this topic or channel, made
    /// through any record (DESIGN §1.1).
    pub address_opted_out: bool,
    pub channel_opt_outs: ChannelSet,
    pub paused_until: Option<Timestamp>,
    /// Local start and end; the window may cross midnight.
    pub quiet_hours: Option<(Time, Time)>,
    pub weekly_cap: Option<i64>,
    pub pref: Preference,
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
    let (c, verified) = match reachable(contact, topic, channel) {
        Ok(reached) => reached,
        Err(refused) => return refused,
    };
    // 5: opt-outs never block a password reset or an appointment reminder.
    if topic.kind == TopicKind::Required && purpose == Purpose::Transactional {
        return Decision::allow();
    }
    opted_out(c, topic, channel, now)
        .or_else(|| purpose_refused(c, purpose, verified))
        .or_else(|| quiet_hours(c, channel, now))
        .or_else(|| frequency_cap(c, purpose, now))
        // 14
        .unwrap_or_else(Decision::allow)
}

/// Rules 1–4: the contact is known, the topic offers the channel, and the contact has an
/// undisputed address for it. Gives the contact and whether that address is verified.
fn reachable<'c>(
    contact: Option<&'c ContactRules>,
    topic: &TopicRules,
    channel: Channel,
) -> Result<(&'c ContactRules, bool), Decision> {
    // 1
    let Some(c) = contact else {
        return Err(Decision::deny(Reason::UnknownContact));
    };
    // 2
    if !topic.channels.contains(channel) {
        return Err(Decision::deny(Reason::ChannelNotOffered));
    }
    // 3: even transactional — a mistyped address must stop receiving someone else's mail.
    if c.disputed.contains(&channel.address_kind()) {
        return Err(Decision::deny(Reason::AddressDisputed));
    }
    // 4
    let Some((_, verified)) = c.address(channel) else {
        return Err(Decision::deny(Reason::NoAddress));
    };
    Ok((c, verified))
}

/// Rules 6–9: what the person said — everything, this address, this channel, a pause, this
/// topic, this topic's channels.
fn opted_out(
    c: &ContactRules,
    topic: &TopicRules,
    channel: Channel,
    now: Timestamp,
) -> Option<Decision> {
    // 6
    if c.unsubscribed_all {
        return Some(Decision::deny(Reason::UnsubscribedAll));
    }
    // 6a: what the person said at this address, through whichever record.
    if c.address_opted_out {
        return Some(Decision::deny(Reason::AddressOptedOut));
    }
    // 7
    if c.channel_opt_outs.contains(channel) {
        return Some(Decision::deny(Reason::ChannelOptedOut));
    }
    // 8
    if let Some(until) = c.paused_until.filter(|u| *u > now) {
        return Some(Decision::defer(Reason::Paused, until));
    }
    // 9
    if !c.pref.subscribed && topic.kind != TopicKind::Required {
        return Some(Decision::deny(Reason::TopicOptedOut));
    }
    if !c.pref.channels.contains(channel) {
        return Some(Decision::deny(Reason::ChannelNotChosen));
    }
    None
}

/// Rules 10–11: follow-ups respect "information only", and promotional sends need a verified
/// address.
fn purpose_refused(c: &ContactRules, purpose: Purpose, verified: bool) -> Option<Decision> {
    // 10
    if purpose == Purpose::FollowUp && c.pref.info_only {
        return Some(Decision::deny(Reason::InfoOnly));
    }
    // 11
    if matches!(purpose, Purpose::Marketing | Purpose::FollowUp) && !verified {
        return Some(Decision::deny(Reason::UnverifiedAddress));
    }
    None
}

/// Rule 12: texts and calls wait for the end of the contact's quiet hours.
fn quiet_hours(c: &ContactRules, channel: Channel, now: Timestamp) -> Option<Decision> {
    if matches!(channel, Channel::Sms | Channel::Voice) {
        if let Some((start, end)) = c.quiet_hours {
            if let Some(until) = quiet_hours_end(now, &c.time_zone, start, end) {
                return Some(Decision::defer(Reason::QuietHours, until));
            }
        }
    }
    None
}

/// Rule 13: the topic's frequency and the weekly cap; when both are reached, the later end wins.
fn frequency_cap(c: &ContactRules, purpose: Purpose, now: Timestamp) -> Option<Decision> {
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
    cap_until.map(|until| Decision::defer(Reason::FrequencyCap, until))
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
mod tests;
