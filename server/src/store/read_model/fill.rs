//! Reading decision states and address choices from the database: on a miss, and at a start.

use std::{collections::HashMap, sync::Arc};

use app::domain::{AddressKind, Channel};
use jiff::Timestamp;
use sqlx::{AnyConnection, AnyPool};

use super::{
    model::slot,
    state::{timestamp, DecisionState, HeldChoice, Packed},
    ReadModel,
};
use crate::store::{
    contact_view::{contacts_in, stored_in, Which},
    placeholders,
};

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

impl ReadModel {
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
}
