//! The one function through which every change to a contact goes (DESIGN §1, STYLE habit 4).
//!
//! [`apply_change_in`] reads the contact's current state, applies the requested operations,
//! and — only if something actually differs — writes the new state, one ledger row and one
//! outbox row, all inside the caller's transaction. A repeated request (a second one-click POST,
//! a form saved twice) therefore leaves no second ledger row.
//!
//! Ordering: the contact row is locked first (Postgres row lock; SQLite has a single writer),
//! then the global sequence row. Every writer takes them in that order, so there is no deadlock,
//! and `seq` values are handed out in commit order with no gaps: a reader of the change feed
//! that has seen `seq = n` will never later find a committed change below `n`.

use std::collections::{BTreeMap, HashMap};

use app::domain::{
    Actor, AddressKind, ChannelSet, Email, Frequency, Locale, PauseUntil, Phone, TimeZoneName,
    TopicKey, TopicKind, WeeklyCap,
};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

use super::{flag, now_ms, topics::Topic, topics::TOPIC_COLUMNS, Store};

pub use app::domain::QuietHours;

/// One requested modification. Operations on topics name the topic by key.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeOp {
    Subscribed {
        topic: TopicKey,
        subscribed: bool,
    },
    Channels {
        topic: TopicKey,
        channels: ChannelSet,
    },
    Frequency {
        topic: TopicKey,
        frequency: Frequency,
    },
    InfoOnly {
        topic: TopicKey,
        info_only: bool,
    },
    UnsubscribedAll(bool),
    ChannelOptOuts(ChannelSet),
    /// `None` resumes.
    PausedUntil(Option<PauseUntil>),
    QuietHours(Option<QuietHours>),
    WeeklyCap(Option<WeeklyCap>),
    Email {
        email: Option<Email>,
        verified: bool,
    },
    Phone {
        phone: Option<Phone>,
        verified: bool,
    },
    Locale(Locale),
    TimeZone(TimeZoneName),
    /// "This isn't me": the contact's current address of that kind is disputed.
    DisputeAddress(AddressKind),
    /// Staff resolve an open "not me" report: with no replacement the address is confirmed as
    /// the contact's; otherwise it is replaced (unverified) by the given email or E.164 phone.
    ResolveDispute {
        kind: AddressKind,
        replacement: Option<String>,
    },
    /// Erasure: the addresses go, and the event says only that the contact was erased (the
    /// ledger must not keep what erasure removes).
    Erase,
}

/// A change as asked for: who, why, and what.
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    pub contact_id: i64,
    pub actor: Actor,
    pub reason: Option<String>,
    /// Where the request came from (channel, user agent…), kept with the ledger row as evidence.
    pub meta: Option<Value>,
    pub ops: Vec<ChangeOp>,
}

/// One field's before and after, as in the ledger, the change feed and webhooks (DESIGN §6.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub from: Value,
    pub to: Value,
}

/// What a committed change was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    pub seq: i64,
    pub version: i64,
    pub event_type: &'static str,
    pub changes: Vec<FieldChange>,
}

/// Why a change was refused. Everything but `Database` is the requester's to fix, and nothing
/// was written.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such contact")]
    UnknownContact,
    #[error("no such topic: {0}")]
    UnknownTopic(TopicKey),
    #[error("{0} is a required topic: it can be routed to other channels but not switched off")]
    RequiredTopic(TopicKey),
    #[error("topic {topic} is not sent by {channel}")]
    ChannelNotOffered {
        topic: TopicKey,
        channel: app::domain::Channel,
    },
    #[error("there is no {0} address to dispute")]
    NoAddress(AddressKind),
    /// An erased address is never added again (DESIGN §6: the suppression list).
    #[error("that {} was erased; it is never added again", match .0 { AddressKind::Phone => "phone number", _ => "email address" })]
    Suppressed(AddressKind),
    /// The ref belongs to an erased contact: it is never used again.
    #[error("this contact was erased")]
    ErasedContact,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<app::domain::ParseError> for ChangeError {
    fn from(e: app::domain::ParseError) -> Self {
        ChangeError::Invalid(e.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Pref {
    subscribed: bool,
    channels: ChannelSet,
    frequency: Frequency,
    info_only: bool,
}

/// A contact's global settings; the default is what a contact without a row has.
#[derive(Debug, Clone, PartialEq, Default)]
struct Global {
    unsubscribed_all: bool,
    channel_opt_outs: ChannelSet,
    paused_until: Option<i64>,
    quiet_hours: Option<QuietHours>,
    weekly_cap: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
struct ContactFields {
    reference: String,
    email: Option<String>,
    email_verified: bool,
    phone: Option<String>,
    phone_verified: bool,
    locale: String,
    time_zone: String,
}

/// Records a diff, keeping the first `from` and the last `to` when a field changes twice.
#[derive(Default)]
struct Diff(BTreeMap<String, (Value, Value)>, Vec<String>);

impl Diff {
    fn record(&mut self, field: String, from: Value, to: Value) {
        match self.0.get_mut(&field) {
            Some(entry) => entry.1 = to,
            None => {
                self.1.push(field.clone());
                self.0.insert(field, (from, to));
            }
        }
    }

    fn into_changes(mut self) -> Vec<FieldChange> {
        self.1
            .into_iter()
            .filter_map(|field| {
                let (from, to) = self.0.remove(&field)?;
                (from != to).then_some(FieldChange { field, from, to })
            })
            .collect()
    }
}

fn ms_to_rfc3339(ms: i64) -> Value {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| json!(t.to_string()))
        .unwrap_or(Value::Null)
}

/// Applies a change and commits it: `Ok` only once it is durable. `Ok(None)` means nothing
/// differed and nothing was written.
///
/// On SQLite, changes made at the same moment are committed together by one writer task (group
/// commit): SQLite has one writer and each commit waits for the disk, so one commit for many
/// changes is what lets durable changes scale. Each change still succeeds or fails alone.
pub async fn apply_change(
    store: &Store,
    req: &ChangeRequest,
) -> Result<Option<Committed>, ChangeError> {
    if let Some(committer) = store.committer() {
        return committer.apply(req.clone()).await;
    }
    let mut tx = store.writer().begin().await?;
    let result = apply_change_in(&mut tx, req).await?;
    tx.commit().await?;
    if result.is_some() {
        store.outbox_written();
    }
    Ok(result)
}

/// Applies a change, shows `accept` what it would commit, and commits only if `accept` says
/// yes; otherwise nothing is written and its refusal is returned. For rules that depend on what
/// a change turns out to alter, like the consent a re-subscription needs.
pub async fn apply_change_if<E>(
    store: &Store,
    req: &ChangeRequest,
    accept: impl FnOnce(Option<&Committed>) -> Result<(), E>,
) -> Result<Result<Option<Committed>, E>, ChangeError> {
    let mut tx = store.writer().begin().await?;
    let result = apply_change_in(&mut tx, req).await?;
    if let Err(refused) = accept(result.as_ref()) {
        tx.rollback().await?;
        return Ok(Err(refused));
    }
    tx.commit().await?;
    if result.is_some() {
        store.outbox_written();
    }
    Ok(Ok(result))
}

type Reply = tokio::sync::oneshot::Sender<Result<Option<Committed>, ChangeError>>;

/// The group-commit writer: a task that takes every change queued while the previous commit
/// was on its way to disk, applies each in a savepoint of one transaction, commits once, and
/// then answers each caller.
#[derive(Clone)]
pub struct Committer {
    queue: tokio::sync::mpsc::UnboundedSender<(ChangeRequest, Reply)>,
}

/// The most changes one group commit takes.
const GROUP_MAX: usize = 512;

impl Committer {
    pub(super) fn spawn(
        pool: sqlx::AnyPool,
        outbox: std::sync::Arc<tokio::sync::Notify>,
    ) -> Committer {
        let (queue, mut jobs) = tokio::sync::mpsc::unbounded_channel::<(ChangeRequest, Reply)>();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(GROUP_MAX);
            while jobs.recv_many(&mut batch, GROUP_MAX).await > 0 {
                let started = std::time::Instant::now();
                let results = commit_group(&pool, &batch).await;
                tracing::debug!(
                    changes = batch.len(),
                    micros = started.elapsed().as_micros() as u64,
                    "group committed"
                );
                let mut wrote = false;
                for ((_, reply), result) in batch.drain(..).zip(results) {
                    wrote |= matches!(result, Ok(Some(_)));
                    let _ = reply.send(result);
                }
                if wrote {
                    outbox.notify_one();
                }
            }
        });
        Committer { queue }
    }

    async fn apply(&self, req: ChangeRequest) -> Result<Option<Committed>, ChangeError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue
            .send((req, reply))
            .map_err(|_| anyhow::anyhow!("the database writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the database writer has stopped"))?
    }
}

/// One transaction for the whole group. Changes rarely fail, so the group is first applied
/// without savepoints (two statements fewer per change); if any change fails, that attempt is
/// rolled back and the group is applied again with one savepoint per change, so that a change
/// that fails rolls back alone. If the commit itself fails, every change in the group fails.
async fn commit_group(
    pool: &sqlx::AnyPool,
    batch: &[(ChangeRequest, Reply)],
) -> Vec<Result<Option<Committed>, ChangeError>> {
    let optimistic = async {
        let mut tx = pool.begin().await?;
        let mut results = Vec::with_capacity(batch.len());
        for (req, _) in batch {
            match apply_change_in(&mut tx, req).await {
                Ok(committed) => results.push(committed),
                Err(_) => {
                    tx.rollback().await?;
                    return Ok(None);
                }
            }
        }
        let committing = std::time::Instant::now();
        tx.commit().await?;
        tracing::debug!(
            micros = committing.elapsed().as_micros() as u64,
            "commit written"
        );
        Ok::<_, sqlx::Error>(Some(results.into_iter().map(Ok).collect::<Vec<_>>()))
    };
    let attempt = async {
        if let Some(results) = optimistic.await? {
            return Ok(results);
        }
        let mut tx = pool.begin().await?;
        let mut results = Vec::with_capacity(batch.len());
        for (req, _) in batch {
            let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
            match apply_change_in(&mut savepoint, req).await {
                Ok(committed) => {
                    savepoint.commit().await?;
                    results.push(Ok(committed));
                }
                Err(e) => {
                    savepoint.rollback().await?;
                    results.push(Err(e));
                }
            }
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(results)
    };
    match attempt.await {
        Ok(results) => results,
        Err(e) => {
            tracing::error!(error = %e, changes = batch.len(), "a group commit failed");
            batch
                .iter()
                .map(|_| {
                    Err(ChangeError::Internal(anyhow::anyhow!(
                        "the commit failed: {e}"
                    )))
                })
                .collect()
        }
    }
}

/// Applies a change inside the caller's transaction: the state, the ledger row and the outbox
/// row commit or roll back together with whatever else the caller does.
pub async fn apply_change_in(
    conn: &mut AnyConnection,
    req: &ChangeRequest,
) -> Result<Option<Committed>, ChangeError> {
    let now = now_ms();
    // Lock the contact row (a no-op update takes the row lock on Postgres) and read it.
    let row = sqlx::query(
        "UPDATE contacts SET version = version WHERE id = $1 AND erased_at IS NULL
         RETURNING ref, email, email_verified, phone, phone_verified, locale, time_zone",
    )
    .bind(req.contact_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ChangeError::UnknownContact)?;
    let before_contact = ContactFields {
        reference: row.try_get("ref")?,
        email: row.try_get("email")?,
        email_verified: flag(&row, "email_verified")?,
        phone: row.try_get("phone")?,
        phone_verified: flag(&row, "phone_verified")?,
        locale: row.try_get("locale")?,
        time_zone: row.try_get("time_zone")?,
    };
    let mut contact = before_contact.clone();

    // The global settings are read only by a change that sets one of them (a one-click
    // unsubscribe from a topic doesn't): unread, they stay equal to themselves and aren't written.
    let before_global = if req.ops.iter().any(ChangeOp::sets_global) {
        load_global(conn, req.contact_id).await?
    } else {
        Global::default()
    };
    let mut global = before_global.clone();

    let mut topics: HashMap<TopicKey, Topic> = HashMap::new();
    let mut prefs: BTreeMap<TopicKey, (Pref, Pref)> = BTreeMap::new();
    let mut disputes: Vec<(AddressKind, String)> = Vec::new();
    // Open reports to close: (row id, "confirmed" or "replaced").
    let mut resolutions: Vec<(i64, &'static str)> = Vec::new();
    let mut diff = Diff::default();
    let mut erase = false;

    for op in &req.ops {
        if let Some(key) = op_topic(op) {
            if !topics.contains_key(key) {
                let topic = load_topic(conn, key).await?;
                let pref = load_pref(conn, req.contact_id, &topic).await?;
                prefs.insert(key.clone(), (pref.clone(), pref));
                topics.insert(key.clone(), topic);
            }
        }
        match op {
            ChangeOp::Subscribed { topic, subscribed } => {
                let t = &topics[topic];
                if t.kind == TopicKind::Required && !subscribed {
                    return Err(ChangeError::RequiredTopic(topic.clone()));
                }
                let p = &mut prefs.get_mut(topic).expect("loaded above").1;
                diff.record(
                    format!("preferences.{topic}.subscribed"),
                    json!(p.subscribed),
                    json!(subscribed),
                );
                p.subscribed = *subscribed;
            }
            ChangeOp::Channels { topic, channels } => {
                let t = &topics[topic];
                if let Some(channel) = channels.iter().find(|c| !t.channels.contains(*c)) {
                    return Err(ChangeError::ChannelNotOffered {
                        topic: topic.clone(),
                        channel,
                    });
                }
                if t.kind == TopicKind::Required && channels.is_empty() {
                    return Err(ChangeError::RequiredTopic(topic.clone()));
                }
                let p = &mut prefs.get_mut(topic).expect("loaded above").1;
                diff.record(
                    format!("preferences.{topic}.channels"),
                    json!(p.channels),
                    json!(channels),
                );
                p.channels = channels.clone();
            }
            ChangeOp::Frequency { topic, frequency } => {
                let p = &mut prefs.get_mut(topic).expect("loaded above").1;
                diff.record(
                    format!("preferences.{topic}.frequency"),
                    json!(p.frequency),
                    json!(frequency),
                );
                p.frequency = *frequency;
            }
            ChangeOp::InfoOnly { topic, info_only } => {
                let p = &mut prefs.get_mut(topic).expect("loaded above").1;
                diff.record(
                    format!("preferences.{topic}.info_only"),
                    json!(p.info_only),
                    json!(info_only),
                );
                p.info_only = *info_only;
            }
            ChangeOp::UnsubscribedAll(v) => {
                diff.record(
                    "global.unsubscribed_all".into(),
                    json!(global.unsubscribed_all),
                    json!(v),
                );
                global.unsubscribed_all = *v;
            }
            ChangeOp::ChannelOptOuts(set) => {
                diff.record(
                    "global.channel_opt_outs".into(),
                    json!(global.channel_opt_outs),
                    json!(set),
                );
                global.channel_opt_outs = set.clone();
            }
            ChangeOp::PausedUntil(until) => {
                let until = until.map(PauseUntil::as_millisecond);
                let show = |v: Option<i64>| v.map(ms_to_rfc3339).unwrap_or(Value::Null);
                diff.record(
                    "global.paused_until".into(),
                    show(global.paused_until),
                    show(until),
                );
                global.paused_until = until;
            }
            ChangeOp::QuietHours(q) => {
                diff.record(
                    "global.quiet_hours".into(),
                    json!(global.quiet_hours),
                    json!(q),
                );
                global.quiet_hours = q.clone();
            }
            ChangeOp::WeeklyCap(cap) => {
                let cap = cap.map(WeeklyCap::get);
                diff.record(
                    "global.weekly_cap".into(),
                    json!(global.weekly_cap),
                    json!(cap),
                );
                global.weekly_cap = cap;
            }
            ChangeOp::Email { email, verified } => set_address(
                &mut diff,
                "email",
                (&mut contact.email, &mut contact.email_verified),
                email.as_ref().map(|e| e.as_str().to_owned()),
                *verified,
            ),
            ChangeOp::Phone { phone, verified } => set_address(
                &mut diff,
                "phone",
                (&mut contact.phone, &mut contact.phone_verified),
                phone.as_ref().map(|p| p.as_str().to_owned()),
                *verified,
            ),
            ChangeOp::Locale(locale) => {
                diff.record(
                    "contact.locale".into(),
                    json!(contact.locale),
                    json!(locale),
                );
                contact.locale = locale.as_str().to_owned();
            }
            ChangeOp::TimeZone(tz) => {
                diff.record(
                    "contact.time_zone".into(),
                    json!(contact.time_zone),
                    json!(tz),
                );
                contact.time_zone = tz.as_str().to_owned();
            }
            ChangeOp::Erase => {
                diff.record("contact.erased".into(), json!(false), json!(true));
                contact.email = None;
                contact.email_verified = false;
                contact.phone = None;
                contact.phone_verified = false;
                erase = true;
            }
            ChangeOp::DisputeAddress(kind) => {
                let address = match kind {
                    AddressKind::Email => contact.email.clone(),
                    AddressKind::Phone => contact.phone.clone(),
                    AddressKind::Push => None,
                }
                .ok_or(ChangeError::NoAddress(*kind))?;
                let open: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM disputed_addresses
                     WHERE contact_id = $1 AND kind = $2 AND resolved_at IS NULL",
                )
                .bind(req.contact_id)
                .bind(kind.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                if open.is_none() && !disputes.iter().any(|(k, _)| k == kind) {
                    diff.record(format!("disputed.{kind}"), json!(false), json!(true));
                    disputes.push((*kind, address));
                }
            }
            ChangeOp::ResolveDispute { kind, replacement } => {
                let open: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM disputed_addresses
                     WHERE contact_id = $1 AND kind = $2 AND resolved_at IS NULL",
                )
                .bind(req.contact_id)
                .bind(kind.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let Some(open) = open else {
                    return Err(ChangeError::Invalid(format!(
                        "there is no open report about the {kind} address"
                    )));
                };
                if resolutions.iter().any(|(id, _)| *id == open) {
                    continue;
                }
                let resolution = match replacement {
                    None => "confirmed",
                    Some(new) => {
                        match kind {
                            AddressKind::Email => {
                                let email = Email::parse(new)
                                    .map_err(|e| ChangeError::Invalid(e.to_string()))?;
                                set_address(
                                    &mut diff,
                                    "email",
                                    (&mut contact.email, &mut contact.email_verified),
                                    Some(email.as_str().to_owned()),
                                    false,
                                );
                            }
                            AddressKind::Phone => {
                                let phone = Phone::parse(new)
                                    .map_err(|e| ChangeError::Invalid(e.to_string()))?;
                                set_address(
                                    &mut diff,
                                    "phone",
                                    (&mut contact.phone, &mut contact.phone_verified),
                                    Some(phone.as_str().to_owned()),
                                    false,
                                );
                            }
                            AddressKind::Push => {
                                return Err(ChangeError::Invalid(
                                    "a push address can't be replaced by hand".into(),
                                ))
                            }
                        }
                        "replaced"
                    }
                };
                diff.record(format!("disputed.{kind}"), json!(true), json!(false));
                resolutions.push((open, resolution));
            }
        }
    }

    // Whatever set it (an edit, a sender, a resolved dispute), an address that was erased is
    // never added again.
    for (kind, before, after) in [
        (AddressKind::Email, &before_contact.email, &contact.email),
        (AddressKind::Phone, &before_contact.phone, &contact.phone),
    ] {
        if let Some(address) = after
            .as_deref()
            .filter(|a| before.as_deref().map(str::to_lowercase) != Some(a.to_lowercase()))
        {
            let hit: Option<String> =
                sqlx::query_scalar("SELECT kind FROM suppressions WHERE address_hash = $1")
                    .bind(super::contacts::suppression_hash(kind.as_str(), address))
                    .fetch_optional(&mut *conn)
                    .await?;
            if hit.is_some() {
                return Err(ChangeError::Suppressed(kind));
            }
        }
    }

    let changes = diff.into_changes();
    if changes.is_empty() {
        return Ok(None);
    }

    // Write the new state.
    if contact != before_contact {
        sqlx::query(
            "UPDATE contacts SET email = $2, email_verified = $3, phone = $4, phone_verified = $5,
                    locale = $6, time_zone = $7 WHERE id = $1",
        )
        .bind(req.contact_id)
        .bind(&contact.email)
        .bind(contact.email_verified)
        .bind(&contact.phone)
        .bind(contact.phone_verified)
        .bind(&contact.locale)
        .bind(&contact.time_zone)
        .execute(&mut *conn)
        .await?;
    }
    if global != before_global {
        sqlx::query(
            "INSERT INTO global_settings (contact_id, unsubscribed_all, channel_opt_outs, paused_until,
                                          quiet_start, quiet_end, weekly_cap, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (contact_id) DO UPDATE SET
                unsubscribed_all = excluded.unsubscribed_all, channel_opt_outs = excluded.channel_opt_outs,
                paused_until = excluded.paused_until, quiet_start = excluded.quiet_start,
                quiet_end = excluded.quiet_end, weekly_cap = excluded.weekly_cap,
                updated_at = excluded.updated_at",
        )
        .bind(req.contact_id)
        .bind(global.unsubscribed_all)
        .bind(global.channel_opt_outs.to_list())
        .bind(global.paused_until)
        .bind(global.quiet_hours.as_ref().map(|q| q.start.clone()))
        .bind(global.quiet_hours.as_ref().map(|q| q.end.clone()))
        .bind(global.weekly_cap)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for (key, (before, after)) in &prefs {
        if before == after {
            continue;
        }
        sqlx::query(
            "INSERT INTO preferences (contact_id, topic_id, subscribed, channels, frequency, info_only, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (contact_id, topic_id) DO UPDATE SET
                subscribed = excluded.subscribed, channels = excluded.channels,
                frequency = excluded.frequency, info_only = excluded.info_only,
                updated_at = excluded.updated_at",
        )
        .bind(req.contact_id)
        .bind(topics[key].id)
        .bind(after.subscribed)
        .bind(after.channels.to_list())
        .bind(after.frequency.as_str())
        .bind(after.info_only)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for (kind, address) in &disputes {
        sqlx::query(
            "INSERT INTO disputed_addresses (contact_id, kind, address, disputed_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(req.contact_id)
        .bind(kind.as_str())
        .bind(address)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }

    for (id, resolution) in &resolutions {
        sqlx::query(
            "UPDATE disputed_addresses SET resolved_at = $2, resolved_by = $3, resolution = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(req.actor.id())
        .bind(*resolution)
        .execute(&mut *conn)
        .await?;
    }

    // Version, then sequence: the lock order every writer follows.
    let version: i64 = sqlx::query_scalar(
        "UPDATE contacts SET version = version + 1, updated_at = $2 WHERE id = $1 RETURNING version",
    )
    .bind(req.contact_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let seq: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + 1 WHERE name = 'ledger_seq' RETURNING value",
    )
    .fetch_one(&mut *conn)
    .await?;

    let event_type = event_type(&changes);
    let changes_json = serde_json::to_string(&changes).map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO ledger (seq, contact_id, version, event_type, actor_kind, actor_id, reason,
                             changes, request_meta, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(req.contact_id)
    .bind(version)
    .bind(event_type)
    .bind(req.actor.kind())
    .bind(req.actor.id())
    .bind(&req.reason)
    .bind(&changes_json)
    .bind(req.meta.as_ref().map(|m| m.to_string()))
    .bind(now)
    .execute(&mut *conn)
    .await?;

    // The event as senders receive it (DESIGN §6.1, §7).
    let payload = json!({
        "type": event_type,
        "seq": seq,
        "occurred_at": ms_to_rfc3339(now),
        "version": version,
        "contact": {
            "ref": before_contact.reference,
            "email": if erase { None } else { contact.email.clone().or(before_contact.email) },
        },
        "actor": {"kind": req.actor.kind(), "id": req.actor.id().map(|id| id.to_string())},
        "reason": req.reason,
        "changes": changes,
    });
    sqlx::query(
        "INSERT INTO outbox (seq, contact_id, event_type, payload, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(seq)
    .bind(req.contact_id)
    .bind(event_type)
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // One delivery per interested endpoint, in the same transaction: a committed change can't
    // miss its webhooks, and a rolled-back one sends none.
    super::webhooks::fan_out_in(conn, seq, req.contact_id, event_type, now).await?;

    Ok(Some(Committed {
        seq,
        version,
        event_type,
        changes,
    }))
}

/// Sets an address and whether it is verified, recording both in the diff. An address that
/// is set is unverified unless `verified` says otherwise; no address is never verified.
fn set_address(
    diff: &mut Diff,
    kind: &str,
    (address, address_verified): (&mut Option<String>, &mut bool),
    new: Option<String>,
    verified: bool,
) {
    let verified = verified && new.is_some();
    diff.record(format!("contact.{kind}"), json!(*address), json!(new));
    diff.record(
        format!("contact.{kind}_verified"),
        json!(*address_verified),
        json!(verified),
    );
    *address = new;
    *address_verified = verified;
}

/// The event type senders see, from the most significant field changed.
fn event_type(changes: &[FieldChange]) -> &'static str {
    if changes.iter().any(|c| c.field == "contact.erased") {
        "contact.erased"
    } else if changes
        .iter()
        .any(|c| c.field.starts_with("disputed.") && c.to == json!(true))
    {
        "contact.address_disputed"
    } else if changes
        .iter()
        .any(|c| c.field == "global.unsubscribed_all" && c.to == json!(true))
    {
        "contact.unsubscribed_all"
    } else if changes
        .iter()
        .all(|c| c.field.starts_with("contact.") || c.field.starts_with("disputed."))
    {
        "contact.updated"
    } else {
        "preferences.updated"
    }
}

impl ChangeOp {
    fn sets_global(&self) -> bool {
        matches!(
            self,
            ChangeOp::UnsubscribedAll(_)
                | ChangeOp::ChannelOptOuts(_)
                | ChangeOp::PausedUntil(_)
                | ChangeOp::QuietHours(_)
                | ChangeOp::WeeklyCap(_)
        )
    }
}

fn op_topic(op: &ChangeOp) -> Option<&TopicKey> {
    match op {
        ChangeOp::Subscribed { topic, .. }
        | ChangeOp::Channels { topic, .. }
        | ChangeOp::Frequency { topic, .. }
        | ChangeOp::InfoOnly { topic, .. } => Some(topic),
        _ => None,
    }
}

async fn load_topic(conn: &mut AnyConnection, key: &TopicKey) -> Result<Topic, ChangeError> {
    let row = sqlx::query(&format!(
        "SELECT {TOPIC_COLUMNS} FROM topics WHERE key = $1 AND archived_at IS NULL"
    ))
    .bind(key.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ChangeError::UnknownTopic(key.clone()))?;
    Ok(Topic::from_row(&row)?)
}

async fn load_pref(
    conn: &mut AnyConnection,
    contact_id: i64,
    topic: &Topic,
) -> Result<Pref, ChangeError> {
    let row = sqlx::query(
        "SELECT subscribed, channels, frequency, info_only FROM preferences
         WHERE contact_id = $1 AND topic_id = $2",
    )
    .bind(contact_id)
    .bind(topic.id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => Pref {
            subscribed: flag(&row, "subscribed")?,
            channels: ChannelSet::parse_list(&row.try_get::<String, _>("channels")?)
                .map_err(anyhow::Error::from)?,
            frequency: Frequency::parse(&row.try_get::<String, _>("frequency")?)
                .map_err(anyhow::Error::from)?,
            info_only: flag(&row, "info_only")?,
        },
        None => Pref {
            subscribed: topic.subscribed_by_default(),
            channels: topic.channels.clone(),
            frequency: topic.default_frequency,
            info_only: false,
        },
    })
}

async fn load_global(conn: &mut AnyConnection, contact_id: i64) -> Result<Global, ChangeError> {
    let row = sqlx::query(
        "SELECT unsubscribed_all, channel_opt_outs, paused_until, quiet_start, quiet_end, weekly_cap
         FROM global_settings WHERE contact_id = $1",
    )
    .bind(contact_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => {
            let start: Option<String> = row.try_get("quiet_start")?;
            let end: Option<String> = row.try_get("quiet_end")?;
            Global {
                unsubscribed_all: flag(&row, "unsubscribed_all")?,
                channel_opt_outs: ChannelSet::parse_list(
                    &row.try_get::<String, _>("channel_opt_outs")?,
                )
                .map_err(anyhow::Error::from)?,
                paused_until: row.try_get("paused_until")?,
                quiet_hours: start.zip(end).map(|(start, end)| QuietHours { start, end }),
                weekly_cap: row.try_get("weekly_cap")?,
            }
        }
        None => Global::default(),
    })
}
