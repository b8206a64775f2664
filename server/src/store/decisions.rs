//! Loading what the decision rules need, and recording sends atomically with the check.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use app::domain::{AddressKind, Channel, ContactRef, Purpose};
use jiff::Timestamp;
use sqlx::{pool::PoolConnection, Any, AnyConnection};

use super::{
    contact_view::Which,
    read_model::{
        choices_in, covers, load_in, tell_others_in, DecisionState, HeldChoice, ReadModel,
    },
    topics::Topic,
    Store,
};
use crate::decide::{decide, Decision, TopicRules, Verdict};

/// A decision with what the answer needs besides the verdict.
#[derive(Debug, Clone)]
pub struct Decided {
    pub decision: Decision,
    pub contact_id: Option<i64>,
    pub version: i64,
    pub address: Option<String>,
    /// The send was already recorded under this `message_id`: this is a replay.
    pub replayed: bool,
}

/// A decision request after parsing.
#[derive(Debug, Clone)]
pub struct Ask {
    pub contact: ContactRef,
    pub channel: Channel,
    pub purpose: Purpose,
    pub record: bool,
    pub message_id: Option<String>,
}

fn topic_rules(topic: &Topic) -> TopicRules {
    TopicRules {
        kind: topic.kind,
        channels: topic.channels.clone(),
    }
}

impl Store {
    /// Decides, and with `record` writes the send in the same transaction as the check: two
    /// concurrent asks against a cap of one cannot both be allowed. The contact row is locked
    /// first (Postgres), and SQLite has a single writer. Without `record`, the answer comes
    /// from the read model ([`Store::decide_many`]).
    pub async fn decide(
        &self,
        ask: &Ask,
        topic: &Topic,
        sender_id: i64,
    ) -> anyhow::Result<Decided> {
        if !ask.record {
            let mut decided = self.decide_many(&[(ask, topic)]).await?;
            return decided
                .pop()
                .ok_or_else(|| anyhow::anyhow!("no decision came back"));
        }
        let mut tx = self.writer().begin().await?;
        // Lock the contact for the check-and-record (a no-op update takes the row lock).
        sqlx::query("UPDATE contacts SET version = version WHERE ref = $1 AND erased_at IS NULL")
            .bind(ask.contact.as_str())
            .execute(&mut *tx)
            .await?;
        // The time is read once the lock is held, so it is never earlier than a send recorded
        // by whoever held the lock before.
        let now = Timestamp::now();
        let state = load_in(&mut tx, Which::Refs(&[ask.contact.as_str()]), now)
            .await?
            .pop();
        let choices = match state.as_ref().and_then(|s| s.address(ask.channel)) {
            Some(address) => choices_in(&mut tx, &[address]).await?.pop().map(|c| c.2),
            None => None,
        };
        let opted_out = choices.is_some_and(|c| covers(&c, topic, ask.channel));
        // A replay is the same send asked again: same sender, message id, contact, topic and
        // channel. The rules run again (an opt-out since then still wins); only the cap, which
        // already counts this send, and the recording are skipped.
        if let Some(message_id) = &ask.message_id {
            let seen: Option<i64> = sqlx::query_scalar(
                "SELECT s.id FROM sends s JOIN contacts c ON c.id = s.contact_id
                 WHERE s.sender_id = $1 AND s.message_id = $2 AND c.ref = $3
                   AND s.topic_id = $4 AND s.channel = $5",
            )
            .bind(sender_id)
            .bind(message_id)
            .bind(ask.contact.as_str())
            .bind(topic.id)
            .bind(ask.channel.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if seen.is_some() {
                let mut decided = evaluate(state.as_ref(), opted_out, ask, topic, now, Replay::Yes);
                decided.replayed = true;
                tx.commit().await?;
                return Ok(decided);
            }
        }
        let decided = evaluate(state.as_ref(), opted_out, ask, topic, now, Replay::No);
        let recorded = match (decided.decision.verdict, decided.contact_id) {
            (Verdict::Allow, Some(contact_id)) => {
                sqlx::query(
                    "INSERT INTO sends (contact_id, topic_id, channel, purpose, sender_id, message_id, sent_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(contact_id)
                .bind(topic.id)
                .bind(ask.channel.as_str())
                .bind(ask.purpose.as_str())
                .bind(sender_id)
                .bind(&ask.message_id)
                .bind(now.as_millisecond())
                .execute(&mut *tx)
                .await?;
                tell_others_in(&mut tx).await?;
                Some(contact_id)
            }
            _ => None,
        };
        tx.commit().await?;
        if let Some(contact_id) = recorded {
            // The held sends no longer count this one.
            self.read_model.forget(&[contact_id], false);
        }
        Ok(decided)
    }

    /// Decides asks without `record` from the read model: no SQL for contacts it holds; the
    /// others (and addresses whose choices it does not hold) are read together, one query per
    /// table for the whole lot. The answers are in the order of `asks`.
    pub async fn decide_many(&self, asks: &[(&Ask, &Topic)]) -> anyhow::Result<Vec<Decided>> {
        let model = &self.read_model;
        model.sync(self.reader()).await?;
        let now = Timestamp::now();
        let generation = model.generation();
        let mut conn = None;
        let (states, loaded) = self.states_for(asks, &mut conn, now).await?;
        let addresses = ask_addresses(asks, &states);
        let (choices, read_choices) = self.choices_for(&addresses, &mut conn).await?;
        drop(conn);
        if !loaded.is_empty() || !read_choices.is_empty() {
            model.keep(generation, &loaded, &read_choices);
        }
        Ok(asks
            .iter()
            .zip(&addresses)
            .map(|((ask, topic), address)| {
                let state = states.get(ask.contact.as_str()).and_then(|s| s.as_deref());
                let opted_out = address
                    .as_ref()
                    .and_then(|a| choices.get(a))
                    .is_some_and(|c| covers(c, topic, ask.channel));
                evaluate(state, opted_out, ask, topic, now, Replay::No)
            })
            .collect())
    }

    /// The reader connection in `conn`, acquired the first time it is needed.
    async fn lazy_reader<'c>(
        &self,
        conn: &'c mut LazyConn,
    ) -> anyhow::Result<&'c mut AnyConnection> {
        let c = match conn.take() {
            Some(c) => c,
            None => self.reader().acquire().await?,
        };
        Ok(&mut **conn.insert(c))
    }

    /// Each asked contact's state: held by the read model, or else read in one query. Also
    /// returns the states read, for the model to keep.
    async fn states_for<'a>(
        &self,
        asks: &'a [(&'a Ask, &'a Topic)],
        conn: &mut LazyConn,
        now: Timestamp,
    ) -> anyhow::Result<(States<'a>, Vec<Arc<DecisionState>>)> {
        let (mut states, missing) = held_states(&self.read_model, asks);
        let mut loaded = Vec::new();
        if !missing.is_empty() {
            let c = self.lazy_reader(conn).await?;
            for state in load_in(c, Which::Refs(&missing), now).await? {
                loaded.push(Arc::new(state));
            }
        }
        for state in &loaded {
            if let Some((&reference, _)) = states.get_key_value(&*state.reference) {
                states.insert(reference, Some(state.clone()));
            }
        }
        Ok((states, loaded))
    }

    /// The choices held at each address: from the read model, or else read in one query. Also
    /// returns the choices read, for the model to keep.
    async fn choices_for<'a>(
        &self,
        addresses: &'a [Option<Address>],
        conn: &mut LazyConn,
    ) -> anyhow::Result<(Choices<'a>, Vec<ReadChoices>)> {
        let (mut choices, unheld, unheld_seen) = held_choices(&self.read_model, addresses);
        let mut read_choices = Vec::new();
        if !unheld.is_empty() {
            let c = self.lazy_reader(conn).await?;
            read_choices = choices_in(c, &unheld).await?;
            let read: HashMap<(AddressKind, &str), &Arc<[HeldChoice]>> = read_choices
                .iter()
                .map(|(kind, address, held)| ((*kind, address.as_str()), held))
                .collect();
            for address in &unheld_seen {
                if let Some(held) = read.get(&(address.0, address.1.as_str())) {
                    choices.insert(address, (*held).clone());
                }
            }
        }
        Ok((choices, read_choices))
    }
}

/// A reader connection taken only if the read model lacks something, and then only once.
type LazyConn = Option<PoolConnection<Any>>;
/// An address as choices are held: its kind and normalised form.
type Address = (AddressKind, String);
/// Choices read from the database at one address.
type ReadChoices = (AddressKind, String, Arc<[HeldChoice]>);
/// The choices held at each address.
type Choices<'a> = HashMap<&'a Address, Arc<[HeldChoice]>>;
/// Each asked contact's state by ref; `None` for a contact there is no state for.
type States<'a> = HashMap<&'a str, Option<Arc<DecisionState>>>;

/// The asked contacts' states as the read model holds them, and the refs it does not hold.
fn held_states<'a>(
    model: &ReadModel,
    asks: &'a [(&'a Ask, &'a Topic)],
) -> (States<'a>, Vec<&'a str>) {
    let mut states: States<'a> = HashMap::new();
    let mut missing: Vec<&str> = Vec::new();
    for (ask, _) in asks {
        let reference = ask.contact.as_str();
        if states.contains_key(reference) {
            continue;
        }
        let held = model.contact(reference);
        if held.is_none() {
            missing.push(reference);
        }
        states.insert(reference, held);
    }
    (states, missing)
}

/// Each ask's address (normalised, as choices are held), if its contact has one for the channel.
fn ask_addresses(asks: &[(&Ask, &Topic)], states: &States<'_>) -> Vec<Option<Address>> {
    asks.iter()
        .map(|(ask, _)| {
            states
                .get(ask.contact.as_str())
                .and_then(|s| s.as_ref())
                .and_then(|s| s.address(ask.channel))
        })
        .collect()
}

/// The choices the read model holds at these addresses, and the addresses it does not hold
/// (as a list to read and as a set), each once.
fn held_choices<'a>(
    model: &ReadModel,
    addresses: &'a [Option<Address>],
) -> (Choices<'a>, Vec<Address>, HashSet<&'a Address>) {
    let mut choices: Choices<'a> = HashMap::new();
    let mut unheld: Vec<Address> = Vec::new();
    let mut unheld_seen: HashSet<&Address> = HashSet::new();
    for address in addresses.iter().flatten() {
        if choices.contains_key(address) || unheld_seen.contains(address) {
            continue;
        }
        match model.choices(address.0, &address.1) {
            Some(held) => {
                choices.insert(address, held);
            }
            None => {
                unheld_seen.insert(address);
                unheld.push(address.clone());
            }
        }
    }
    (choices, unheld, unheld_seen)
}

/// Whether the ask repeats a recorded send (same sender, message id, contact, topic, channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replay {
    Yes,
    No,
}

fn evaluate(
    state: Option<&DecisionState>,
    address_opted_out: bool,
    ask: &Ask,
    topic: &Topic,
    now: Timestamp,
    replay: Replay,
) -> Decided {
    let rules = state.map(|s| s.rules(topic, address_opted_out));
    let mut decision = decide(
        rules.as_ref(),
        &topic_rules(topic),
        ask.channel,
        ask.purpose,
        now,
    );
    // A replay passed every other rule; the cap already counts the send it repeats.
    if replay == Replay::Yes && decision.reason == crate::decide::Reason::FrequencyCap {
        decision = Decision::allow();
    }
    let address = match (decision.verdict, &rules) {
        (Verdict::Allow, Some(r)) => r.address(ask.channel).map(|(a, _)| a.to_owned()),
        _ => None,
    };
    Decided {
        decision,
        contact_id: state.map(|s| s.id),
        version: state.map_or(0, |s| s.version),
        address,
        replayed: false,
    }
}
