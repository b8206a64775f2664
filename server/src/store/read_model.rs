//! The decisions' read model: what rules 1–13 read about a contact (DESIGN §2), held in memory,
//! so that a decision without `record` runs no SQL when its contact is held.
//!
//! - **Filled on a miss**: a batch's misses are read together, one query per table however
//!   many contacts ([`load_in`], [`choices_in`]).
//! - **Bounded**: at most [`CAPACITY`] contacts; when full, an arbitrary sixteenth is dropped
//!   (the hash map's own order, so no bookkeeping on a hit).
//! - **Kept current by the ledger**: every change to what the rules read is a change-function
//!   commit, which writes a ledger row whose `seq` is taken under one counter row's lock, so
//!   `seq` order is commit order. A commit in this process bumps a counter ([`ReadModel::changed`]);
//!   the next decision first reads the ledger rows past the last one applied and drops their
//!   contacts ([`ReadModel::sync`]): a decision reflects every change committed before it was
//!   asked. Changes made by other processes are read the same way when Postgres says there
//!   are some (`LISTEN`/`NOTIFY` on [`CHANNEL`]) and by a poll every [`POLL`] in any case
//!   (with sends, which have no ledger row, read by their time).
//! - **A fill never brings back what a change dropped**: a fill keeps what it read only if
//!   nothing was dropped since it began ([`ReadModel::generation`]).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::Duration,
};

use app::domain::{AddressKind, Channel, ChannelSet, Frequency, Preference};
use jiff::{civil::Time, tz::TimeZone, Timestamp};
use sqlx::{AnyConnection, AnyPool};

use super::{
    changes::address::normalised,
    contact_view::{contacts_in, stored_in, ContactSnapshot, Which},
    placeholders,
    topics::Topic,
};
use crate::decide::ContactRules;

/// The most contacts held: a little over a million, so the benchmark's million contacts are
/// all held (a full index at that size); beyond it the model is a bounded cache.
pub const CAPACITY: usize = 1 << 20;

/// How often changes made by other processes are looked for.
pub const POLL: Duration = Duration::from_millis(200);

/// The Postgres channel on which instances tell each other that they committed a change
/// (`NOTIFY` inside the transaction, so it is heard at commit); the poll stays the fallback.
pub const CHANNEL: &str = "attune_changes";

/// Inside a transaction that changes what decisions read: on Postgres, has the other instances
/// told at commit. Elsewhere (one process per SQLite file) nothing; the poll covers the rest.
pub async fn tell_others_in(conn: &mut AnyConnection) -> sqlx::Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("NOTIFY attune_changes")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Hears other instances' changes on Postgres and rings `heard` for each (a missed one is
/// only later: the poll reads the ledger anyway). Reconnects after a second when the
/// connection is lost; runs until dropped.
pub async fn listen(url: &str, heard: &tokio::sync::Notify) {
    loop {
        match sqlx::postgres::PgListener::connect(url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    while listener.recv().await.is_ok() {
                        heard.notify_one();
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not listen for changes"),
            },
            Err(e) => tracing::warn!(error = %e, "could not connect to listen for changes"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// How far back the poll for other processes' sends looks beyond its previous run: a send's
/// time is taken before its transaction commits.
const SENDS_SLACK_MS: i64 = 2_000;

/// What the rules read about one contact, for any topic, packed small (a million contacts
/// are held in a few hundred MiB): [`DecisionState::rules`] unpacks it for one topic.
#[derive(Debug, Clone)]
pub struct DecisionState {
    pub id: i64,
    pub reference: Arc<str>,
    pub version: i64,
    email: Option<Box<str>>,
    phone: Option<Box<str>>,
    flags: u8,
    /// Channels opted out of everywhere, as a mask of [`Channel::ALL`].
    channel_opt_outs: u8,
    time_zone: TimeZone,
    paused_until: Option<Timestamp>,
    quiet_hours: Option<(Time, Time)>,
    weekly_cap: Option<i64>,
    /// Stored choices by topic id, sorted; a topic without one has its defaults.
    stored: Box<[(i64, Packed)]>,
    /// The latest send on each topic, by topic id, sorted.
    last_sends: Box<[(i64, Timestamp)]>,
    /// Non-transactional sends in the week or so before the state was read (only for a
    /// contact with a weekly cap).
    recent_sends: Box<[Timestamp]>,
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
struct Packed {
    subscribed: bool,
    info_only: bool,
    channels: u8,
    frequency: Frequency,
}

impl Packed {
    fn new(p: &Preference) -> Self {
        Packed {
            subscribed: p.subscribed,
            info_only: p.info_only,
            channels: mask(&p.channels),
            frequency: p.frequency,
        }
    }

    fn unpack(self) -> Preference {
        Preference {
            subscribed: self.subscribed,
            channels: unmask(self.channels),
            frequency: self.frequency,
            info_only: self.info_only,
        }
    }
}

impl DecisionState {
    fn new(
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
            .and_then(|(a, b)| time(a).zip(time(b)));
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
            time_zone: TimeZone::get(&s.time_zone).unwrap_or(TimeZone::UTC),
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
    scope: String,
    topic: Option<String>,
    channel: String,
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

fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX)
}

/// Reads the decision state of the live contacts among `which` (unknown and erased ones are
/// left out): four queries at most, however many contacts.
pub async fn load_in(
    conn: &mut AnyConnection,
    which: Which<'_>,
    now: Timestamp,
) -> anyhow::Result<Vec<DecisionState>> {
    let snapshots = contacts_in(conn, which).await?;
    if snapshots.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = snapshots.iter().map(|s| s.id).collect();
    let mut stored: HashMap<i64, Vec<(i64, Packed)>> = HashMap::new();
    for s in stored_in(conn, &ids).await? {
        stored
            .entry(s.contact_id)
            .or_default()
            .push((s.topic_id, Packed::new(&s.preference)));
    }
    // Only the latest send on a topic matters for its frequency (at most one per period).
    let sql = format!(
        "SELECT contact_id, topic_id, MAX(sent_at) FROM sends WHERE contact_id IN ({})
         GROUP BY contact_id, topic_id",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
    for id in &ids {
        query = query.bind(*id);
    }
    let mut last: HashMap<i64, Vec<(i64, Timestamp)>> = HashMap::new();
    for (contact, topic, at) in query.fetch_all(&mut *conn).await? {
        last.entry(contact)
            .or_default()
            .push((topic, timestamp(at)));
    }
    // The overall weekly cap needs the week's sends, read only for contacts who set one.
    let capped: Vec<i64> = snapshots
        .iter()
        .filter(|s| s.global.weekly_cap.is_some())
        .map(|s| s.id)
        .collect();
    let mut recent: HashMap<i64, Vec<Timestamp>> = HashMap::new();
    if !capped.is_empty() {
        let sql = format!(
            "SELECT contact_id, sent_at FROM sends
             WHERE sent_at > $1 AND purpose <> 'transactional' AND contact_id IN ({})",
            placeholders(2, capped.len())
        );
        let since = now.as_millisecond() - 8 * 24 * 3600 * 1000;
        let mut query = sqlx::query_as::<_, (i64, i64)>(&sql).bind(since);
        for id in &capped {
            query = query.bind(*id);
        }
        for (contact, at) in query.fetch_all(&mut *conn).await? {
            recent.entry(contact).or_default().push(timestamp(at));
        }
    }
    Ok(snapshots
        .into_iter()
        .map(|s| {
            let id = s.id;
            DecisionState::new(
                s,
                stored.remove(&id).unwrap_or_default(),
                last.remove(&id).unwrap_or_default(),
                recent.remove(&id).unwrap_or_default(),
            )
        })
        .collect())
}

/// The choices held at each of `addresses` (normalised; email and phone ones, others are left
/// out), in one query; an address without any has an empty list.
pub async fn choices_in(
    conn: &mut AnyConnection,
    addresses: &[(AddressKind, String)],
) -> anyhow::Result<Vec<(AddressKind, String, Arc<[HeldChoice]>)>> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    // Per kind, so that the primary key (kind, address, …) finds them.
    let mut clauses = Vec::new();
    let mut binds: Vec<&str> = Vec::new();
    for kind in [AddressKind::Email, AddressKind::Phone] {
        let of_kind: Vec<&str> = addresses
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, a)| a.as_str())
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        clauses.push(format!(
            "(a.kind = '{}' AND a.address IN ({}))",
            kind.as_str(),
            placeholders(binds.len() + 1, of_kind.len())
        ));
        binds.extend(of_kind);
    }
    if clauses.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT a.kind, a.address, a.scope, t.key, a.channel FROM address_choices a
         LEFT JOIN topics t ON t.id = a.topic_id WHERE {}",
        clauses.join(" OR ")
    );
    let mut query = sqlx::query_as::<_, (String, String, String, Option<String>, String)>(&sql);
    for address in binds {
        query = query.bind(address);
    }
    let mut found: HashMap<(AddressKind, String), Vec<HeldChoice>> = HashMap::new();
    for (kind, address, scope, topic, channel) in query.fetch_all(&mut *conn).await? {
        if let Ok(kind) = AddressKind::parse(&kind) {
            found.entry((kind, address)).or_default().push(HeldChoice {
                scope,
                topic,
                channel,
            });
        }
    }
    // Most addresses hold no choice: they share one empty list.
    let none: Arc<[HeldChoice]> = Arc::new([]);
    Ok(addresses
        .iter()
        .filter(|(kind, _)| slot(*kind).is_some())
        .map(|(kind, address)| {
            let held = match found.remove(&(*kind, address.clone())) {
                Some(list) => list.into(),
                None => none.clone(),
            };
            (*kind, address.clone(), held)
        })
        .collect())
}

/// What is held, under one lock.
#[derive(Default)]
struct Held {
    /// Bumped by every drop: a fill that began before it keeps nothing.
    generation: u64,
    contacts: HashMap<Arc<str>, Arc<DecisionState>>,
    /// The key each held contact is under, by id (ledger rows name contacts by id).
    refs: HashMap<i64, Arc<str>>,
    /// Choices by normalised address: email addresses, then phone numbers.
    choices: [HashMap<Box<str>, Arc<[HeldChoice]>>; 2],
}

fn slot(kind: AddressKind) -> Option<usize> {
    match kind {
        AddressKind::Email => Some(0),
        AddressKind::Phone => Some(1),
        AddressKind::Push => None,
    }
}

/// Where the ledger has been read to.
#[derive(Default)]
struct Tail {
    /// The last ledger `seq` whose contacts were dropped; `None` before the first read.
    applied: Option<i64>,
    /// When the previous poll for sends ran (Unix ms).
    sends_polled: Option<i64>,
}

/// The read model. One per [`super::Store`].
pub struct ReadModel {
    held: RwLock<Held>,
    capacity: usize,
    /// Commits made by this process that may have changed what the rules read.
    changed: AtomicU64,
    /// The `changed` count the ledger has been read up to.
    synced: AtomicU64,
    tail: tokio::sync::Mutex<Tail>,
}

impl Default for ReadModel {
    fn default() -> Self {
        ReadModel::with_capacity(CAPACITY)
    }
}

impl ReadModel {
    pub fn with_capacity(capacity: usize) -> Self {
        ReadModel {
            held: Default::default(),
            capacity: capacity.max(16),
            changed: AtomicU64::new(1),
            synced: AtomicU64::new(0),
            tail: Default::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Held> {
        self.held.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Held> {
        self.held.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Says that this process committed a change (call it after the commit).
    pub fn changed(&self) {
        self.changed.fetch_add(1, Ordering::SeqCst);
    }

    /// Take before reading for a fill; pass to [`ReadModel::keep`].
    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    pub fn contact(&self, reference: &str) -> Option<Arc<DecisionState>> {
        self.read().contacts.get(reference).cloned()
    }

    pub fn choices(&self, kind: AddressKind, address: &str) -> Option<Arc<[HeldChoice]>> {
        self.read().choices[slot(kind)?].get(address).cloned()
    }

    /// How many contacts are held.
    pub fn len(&self) -> usize {
        self.read().contacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps what a fill read, unless something was dropped since `generation` was taken;
    /// says whether it did.
    pub fn keep(
        &self,
        generation: u64,
        states: &[Arc<DecisionState>],
        choices: &[(AddressKind, String, Arc<[HeldChoice]>)],
    ) -> bool {
        let mut held = self.write();
        if held.generation != generation {
            return false;
        }
        let room = self.capacity;
        for state in states {
            if held.contacts.len() >= room {
                let victims: Vec<Arc<str>> =
                    held.contacts.keys().take(room / 16).cloned().collect();
                for v in victims {
                    if let Some(s) = held.contacts.remove(&v) {
                        held.refs.remove(&s.id);
                    }
                }
            }
            held.refs.insert(state.id, state.reference.clone());
            held.contacts.insert(state.reference.clone(), state.clone());
        }
        for (kind, address, list) in choices {
            let Some(i) = slot(*kind) else { continue };
            let map = &mut held.choices[i];
            if map.len() >= room {
                let victims: Vec<Box<str>> = map.keys().take(room / 16).cloned().collect();
                for v in victims {
                    map.remove(&v);
                }
            }
            map.insert(address.as_str().into(), list.clone());
        }
        true
    }

    /// Drops contacts by id, and with `choices` every address's choices (a change may have made
    /// or lifted one at any address, and they are cheap to read again).
    pub fn forget(&self, ids: &[i64], choices: bool) {
        let mut held = self.write();
        held.generation += 1;
        for id in ids {
            if let Some(key) = held.refs.remove(id) {
                held.contacts.remove(&key);
            }
        }
        if choices {
            held.choices = Default::default();
        }
    }

    fn forget_all(&self) {
        let mut held = self.write();
        held.generation += 1;
        held.contacts.clear();
        held.refs.clear();
        held.choices = Default::default();
    }

    /// Reads every live contact in, a page at a time, until the model is full: after a start,
    /// decisions run at memory speed within seconds instead of as each contact is first asked
    /// for. Returns how many contacts were read.
    pub async fn warm(&self, pool: &AnyPool) -> anyhow::Result<usize> {
        const PAGE: i64 = 1000;
        // The first look at the ledger drops everything; have it done before reading.
        self.sync(pool).await?;
        let (mut after, mut read, mut tries) = (0_i64, 0, 0);
        while self.len() < self.capacity {
            let generation = self.generation();
            let mut conn = pool.acquire().await?;
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM contacts WHERE id > $1 AND erased_at IS NULL ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(PAGE)
            .fetch_all(&mut *conn)
            .await?;
            let Some(&last) = ids.last() else { break };
            let states = load_in(&mut conn, Which::Ids(&ids), Timestamp::now()).await?;
            let mut addresses: Vec<(AddressKind, String)> = states
                .iter()
                .flat_map(|s| [s.address(Channel::Email), s.address(Channel::Sms)])
                .flatten()
                .collect();
            addresses.sort();
            addresses.dedup();
            let choices = choices_in(&mut conn, &addresses).await?;
            drop(conn);
            let states: Vec<Arc<DecisionState>> = states.into_iter().map(Arc::new).collect();
            // A page a change overtook is read again (twice at most; then its contacts are
            // read when asked for).
            tries += 1;
            if !self.keep(generation, &states, &choices) && tries < 3 {
                continue;
            }
            read += states.len();
            after = last;
            tries = 0;
            // Decisions asked meanwhile go first.
            tokio::task::yield_now().await;
        }
        Ok(read)
    }

    /// Brings the model up to date with every change this process has committed: nothing to
    /// do (no SQL) unless one was committed since the last time.
    pub async fn sync(&self, pool: &AnyPool) -> anyhow::Result<()> {
        if self.synced.load(Ordering::SeqCst) >= self.changed.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.catch_up(pool, false).await
    }

    /// Reads the ledger past the last row applied and drops the contacts it names; with
    /// `sends`, also the contacts with a send recorded since the previous poll (by any process).
    pub async fn catch_up(&self, pool: &AnyPool, sends: bool) -> anyhow::Result<()> {
        let mut tail = self.tail.lock().await;
        // Every commit counted before this point is visible to the queries below.
        let target = self.changed.load(Ordering::SeqCst);
        if !sends && self.synced.load(Ordering::SeqCst) >= target {
            return Ok(());
        }
        match tail.applied {
            None => {
                let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM ledger")
                    .fetch_one(pool)
                    .await?;
                // Whatever was read before this first look may predate it.
                self.forget_all();
                tail.applied = Some(max);
            }
            Some(mut applied) => loop {
                const PAGE: i64 = 1000;
                let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
                    "SELECT seq, contact_id FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(applied)
                .bind(PAGE)
                .fetch_all(pool)
                .await?;
                let Some(&(last, _)) = rows.last() else { break };
                let ids: Vec<i64> = rows.iter().filter_map(|(_, id)| *id).collect();
                self.forget(&ids, true);
                applied = last;
                tail.applied = Some(applied);
                if (rows.len() as i64) < PAGE {
                    break;
                }
            },
        }
        if sends {
            let now = super::now_ms();
            if let Some(previous) = tail.sends_polled {
                let ids: Vec<i64> =
                    sqlx::query_scalar("SELECT DISTINCT contact_id FROM sends WHERE sent_at > $1")
                        .bind(previous - SENDS_SLACK_MS)
                        .fetch_all(pool)
                        .await?;
                if !ids.is_empty() {
                    self.forget(&ids, false);
                }
            }
            tail.sends_polled = Some(now);
        }
        self.synced.fetch_max(target, Ordering::SeqCst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
