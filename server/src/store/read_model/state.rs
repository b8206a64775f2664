//! What the rules read about one contact, packed small, and the choices held at an address.

use std::sync::Arc;

use app::domain::{AddressKind, Channel, ChannelSet, Frequency, Preference};
use jiff::{civil::Time, tz::TimeZone, Timestamp};

use crate::{
    decide::ContactRules,
    store::{changes::address::normalised, contact_view::ContactSnapshot, topics::Topic},
};

/// What the rules read about one contact, for any topic, packed small (a million contacts
/// are held in a few hundred MiB): [`DecisionState::rules`] unpacks it for one topic.
#[derive(Debug, Clone)]
pub struct DecisionState {
    pub id: i64,
    pub reference: Arc<str>,
    pub version: i64,
    pub(super) email: Option<Box<str>>,
    pub(super) phone: Option<Box<str>>,
    pub(super) flags: u8,
    /// Channels opted out of everywhere, as a mask of [`Channel::ALL`].
    pub(super) channel_opt_outs: u8,
    pub(super) time_zone: TimeZone,
    pub(super) paused_until: Option<Timestamp>,
    pub(super) quiet_hours: Option<(Time, Time)>,
    pub(super) weekly_cap: Option<i64>,
    /// Stored choices by topic id, sorted; a topic without one has its defaults.
    pub(super) stored: Box<[(i64, Packed)]>,
    /// The latest send on each topic, by topic id, sorted.
    pub(super) last_sends: Box<[(i64, Timestamp)]>,
    /// Non-transactional sends in the week or so before the state was read (only for a
    /// contact with a weekly cap).
    pub(super) recent_sends: Box<[Timestamp]>,
}

const EMAIL_VERIFIED: u8 = 1;
const PHONE_VERIFIED: u8 = 2;
const EMAIL_DISPUTED: u8 = 4;
const PHONE_DISPUTED: u8 = 8;
const UNSUBSCRIBED_ALL: u8 = 16;

fn mask(channels: &ChannelSet) -> u8 {
    Channel::ALL
        .iter()
        .enumerate()
        .filter(|(_, c)| channels.contains(**c))
        .fold(0, |m, (i, _)| m | 1 << i)
}

fn unmask(mask: u8) -> ChannelSet {
    ChannelSet::new(
        Channel::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & 1 << i != 0)
            .map(|(_, c)| *c),
    )
}

/// A stored choice in four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Packed {
    subscribed: bool,
    info_only: bool,
    channels: u8,
    frequency: Frequency,
}

impl Packed {
    pub(super) fn new(p: &Preference) -> Self {
        Packed {
            subscribed: p.subscribed,
            info_only: p.info_only,
            channels: mask(&p.channels),
            frequency: p.frequency,
        }
    }

    pub(super) fn unpack(self) -> Preference {
        Preference {
            subscribed: self.subscribed,
            channels: unmask(self.channels),
            frequency: self.frequency,
            info_only: self.info_only,
        }
    }
}

impl DecisionState {
    /// Packs a contact's snapshot with its stored choices and sends.
    pub(super) fn new(
        s: ContactSnapshot,
        mut stored: Vec<(i64, Packed)>,
        mut last_sends: Vec<(i64, Timestamp)>,
        recent: Vec<Timestamp>,
    ) -> Self {
        let time = |t: &str| Time::strptime("%H:%M", t).ok();
        let quiet_hours = s
            .global
            .quiet_hours
            .as_ref()
            .and_then(|q| time(&q.start).zip(time(&q.end)));
        let flag = |on: bool, f: u8| if on { f } else { 0 };
        stored.sort_unstable_by_key(|(t, _)| *t);
        last_sends.sort_unstable_by_key(|(t, _)| *t);
        DecisionState {
            id: s.id,
            reference: s.reference.into(),
            version: s.version,
            flags: flag(s.email_verified, EMAIL_VERIFIED)
                | flag(s.phone_verified, PHONE_VERIFIED)
                | flag(s.disputed.contains(&AddressKind::Email), EMAIL_DISPUTED)
                | flag(s.disputed.contains(&AddressKind::Phone), PHONE_DISPUTED)
                | flag(s.global.unsubscribed_all, UNSUBSCRIBED_ALL),
            email: s.email.map(Into::into),
            phone: s.phone.map(Into::into),
            channel_opt_outs: mask(&s.global.channel_opt_outs),
            time_zone: s.time_zone.time_zone(),
            paused_until: s.global.paused_until.map(timestamp),
            quiet_hours,
            weekly_cap: s.global.weekly_cap,
            stored: stored.into(),
            last_sends: last_sends.into(),
            recent_sends: recent.into(),
        }
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The rules' input for one topic; `address_opted_out` is what the address's choices say.
    pub fn rules(&self, topic: &Topic, address_opted_out: bool) -> ContactRules {
        let stored = self
            .stored
            .binary_search_by_key(&topic.id, |(t, _)| *t)
            .ok()
            .map(|i| self.stored[i].1.unpack());
        let last_send = self
            .last_sends
            .binary_search_by_key(&topic.id, |(t, _)| *t)
            .ok()
            .map(|i| self.last_sends[i].1);
        let mut disputed = Vec::new();
        if self.has(EMAIL_DISPUTED) {
            disputed.push(AddressKind::Email);
        }
        if self.has(PHONE_DISPUTED) {
            disputed.push(AddressKind::Phone);
        }
        ContactRules {
            email: self.email.as_deref().map(str::to_owned),
            email_verified: self.has(EMAIL_VERIFIED),
            phone: self.phone.as_deref().map(str::to_owned),
            phone_verified: self.has(PHONE_VERIFIED),
            time_zone: self.time_zone.clone(),
            disputed,
            unsubscribed_all: self.has(UNSUBSCRIBED_ALL),
            address_opted_out,
            channel_opt_outs: unmask(self.channel_opt_outs),
            paused_until: self.paused_until,
            quiet_hours: self.quiet_hours,
            weekly_cap: self.weekly_cap,
            pref: stored.unwrap_or_else(|| topic.default_preference()),
            topic_sends: last_send.into_iter().collect(),
            recent_sends: self.recent_sends.to_vec(),
        }
    }

    /// The normalised address a channel goes to, as address choices are held.
    pub fn address(&self, channel: Channel) -> Option<(AddressKind, String)> {
        let kind = channel.address_kind();
        let address = match kind {
            AddressKind::Email => self.email.as_deref()?,
            AddressKind::Phone => self.phone.as_deref()?,
            AddressKind::Push => return None,
        };
        Some((kind, normalised(kind, address)))
    }
}

/// One choice held at an address: what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldChoice {
    /// `all`, `topic` or `channel`.
    pub(super) scope: String,
    pub(super) topic: Option<String>,
    pub(super) channel: String,
}

/// Whether any of an address's choices covers a send on this topic and channel (rule 6a).
pub fn covers(choices: &[HeldChoice], topic: &Topic, channel: Channel) -> bool {
    choices.iter().any(|c| match c.scope.as_str() {
        "all" => true,
        "topic" => c.topic.as_deref() == Some(topic.key.as_str()),
        "channel" => c.channel == channel.as_str(),
        _ => false,
    })
}

/// A stored time (Unix ms); one out of range is the latest there is.
pub(super) fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX)
}
