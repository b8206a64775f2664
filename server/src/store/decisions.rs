//! Loading what the decision rules need, and recording sends atomically with the check.

use app::domain::{AddressKind, Channel, ChannelSet, ContactRef, Purpose};
use jiff::{civil::Time, tz::TimeZone, Timestamp};
use sqlx::{AnyConnection, Row};

use super::{contact_view::stored_preference, flag, opt_flag, topics::Topic, Store};
use crate::decide::{decide, ContactRules, Decision, TopicRules, Verdict};

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

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX)
}

/// Reads the contact's state for one topic in one query (plus one more only when the contact
/// has an overall weekly cap); `None` for an unknown or erased contact.
async fn load(
    conn: &mut AnyConnection,
    contact: &ContactRef,
    topic: &Topic,
    channel: Channel,
    now: Timestamp,
) -> anyhow::Result<Option<(i64, i64, ContactRules)>> {
    let Some(c) = sqlx::query(
        "SELECT c.id, c.email, c.email_verified, c.phone, c.phone_verified, c.time_zone, c.version,
                g.unsubscribed_all, g.channel_opt_outs, g.paused_until, g.quiet_start, g.quiet_end, g.weekly_cap,
                p.subscribed, p.channels, p.frequency, p.info_only,
                (SELECT MAX(s.sent_at) FROM sends s WHERE s.contact_id = c.id AND s.topic_id = $2) AS last_topic_send,
                (SELECT COUNT(*) FROM disputed_addresses d
                  WHERE d.contact_id = c.id AND d.kind = 'email' AND d.resolved_at IS NULL) AS email_disputed,
                (SELECT COUNT(*) FROM disputed_addresses d
                  WHERE d.contact_id = c.id AND d.kind = 'phone' AND d.resolved_at IS NULL) AS phone_disputed,
                (SELECT COUNT(*) FROM address_choices a
                  WHERE a.kind = $3
                    AND a.address = CASE WHEN $3 = 'email' THEN lower(c.email) ELSE c.phone END
                    AND (a.scope = 'all' OR (a.scope = 'topic' AND a.topic_id = $2)
                         OR (a.scope = 'channel' AND a.channel = $4))) AS address_choices
         FROM contacts c
         LEFT JOIN global_settings g ON g.contact_id = c.id
         LEFT JOIN preferences p ON p.contact_id = c.id AND p.topic_id = $2
         WHERE c.ref = $1 AND c.erased_at IS NULL",
    )
    .bind(contact.as_str())
    .bind(topic.id)
    .bind(channel.address_kind().as_str())
    .bind(channel.as_str())
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let id: i64 = c.try_get("id")?;
    let weekly_cap: Option<i64> = c.try_get("weekly_cap")?;
    // Only the latest send on the topic matters for its frequency (at most one per period); the
    // overall cap needs the week's sends, read only for contacts who set one.
    let recent_sends = match weekly_cap {
        Some(_) => {
            let since = now.as_millisecond() - 8 * 24 * 3600 * 1000;
            let rows: Vec<i64> = sqlx::query_scalar(
                "SELECT sent_at FROM sends WHERE contact_id = $1 AND sent_at > $2 AND purpose <> 'transactional'",
            )
            .bind(id)
            .bind(since)
            .fetch_all(&mut *conn)
            .await?;
            rows.into_iter().map(ts).collect()
        }
        None => Vec::new(),
    };
    let mut disputed = Vec::new();
    if c.try_get::<i64, _>("email_disputed")? > 0 {
        disputed.push(AddressKind::Email);
    }
    if c.try_get::<i64, _>("phone_disputed")? > 0 {
        disputed.push(AddressKind::Phone);
    }

    let pref = stored_preference(&c, "")?.unwrap_or_else(|| topic.default_preference());
    let time = |s: Option<String>| s.and_then(|s| Time::strptime("%H:%M", &s).ok());
    let quiet = time(c.try_get("quiet_start")?).zip(time(c.try_get("quiet_end")?));
    let rules = ContactRules {
        email: c.try_get("email")?,
        email_verified: flag(&c, "email_verified")?,
        phone: c.try_get("phone")?,
        phone_verified: flag(&c, "phone_verified")?,
        time_zone: TimeZone::get(&c.try_get::<String, _>("time_zone")?).unwrap_or(TimeZone::UTC),
        disputed,
        unsubscribed_all: opt_flag(&c, "unsubscribed_all")?,
        address_opted_out: c.try_get::<i64, _>("address_choices")? > 0,
        channel_opt_outs: ChannelSet::parse_list(
            &c.try_get::<Option<String>, _>("channel_opt_outs")?
                .unwrap_or_default(),
        )?,
        paused_until: c.try_get::<Option<i64>, _>("paused_until")?.map(ts),
        quiet_hours: quiet,
        weekly_cap,
        pref,
        topic_sends: c
            .try_get::<Option<i64>, _>("last_topic_send")?
            .map(ts)
            .into_iter()
            .collect(),
        recent_sends,
    };
    Ok(Some((id, c.try_get("version")?, rules)))
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
    /// first (Postgres), and SQLite has a single writer.
    pub async fn decide(
        &self,
        ask: &Ask,
        topic: &Topic,
        sender_id: i64,
    ) -> anyhow::Result<Decided> {
        if !ask.record {
            let mut conn = self.reader().acquire().await?;
            return Ok(
                evaluate(&mut conn, ask, topic, Timestamp::now(), Replay::No)
                    .await?
                    .0,
            );
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
                let (mut decided, _) = evaluate(&mut tx, ask, topic, now, Replay::Yes).await?;
                decided.replayed = true;
                tx.commit().await?;
                return Ok(decided);
            }
        }
        let (decided, contact_id) = evaluate(&mut tx, ask, topic, now, Replay::No).await?;
        if decided.decision.verdict == Verdict::Allow {
            if let Some(contact_id) = contact_id {
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
            }
        }
        tx.commit().await?;
        Ok(decided)
    }
}

/// Whether the ask repeats a recorded send (same sender, message id, contact, topic, channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replay {
    Yes,
    No,
}

async fn evaluate(
    conn: &mut AnyConnection,
    ask: &Ask,
    topic: &Topic,
    now: Timestamp,
    replay: Replay,
) -> anyhow::Result<(Decided, Option<i64>)> {
    let loaded = load(conn, &ask.contact, topic, ask.channel, now).await?;
    let (contact_id, version, rules) = match &loaded {
        Some((id, v, r)) => (Some(*id), *v, Some(r)),
        None => (None, 0, None),
    };
    let mut decision = decide(rules, &topic_rules(topic), ask.channel, ask.purpose, now);
    // A replay passed every other rule; the cap already counts the send it repeats.
    if replay == Replay::Yes && decision.reason == crate::decide::Reason::FrequencyCap {
        decision = Decision::allow();
    }
    let address = match (decision.verdict, rules) {
        (Verdict::Allow, Some(r)) => r.address(ask.channel).map(|(a, _)| a.to_owned()),
        _ => None,
    };
    Ok((
        Decided {
            decision,
            contact_id,
            version,
            address,
            replayed: false,
        },
        contact_id,
    ))
}
