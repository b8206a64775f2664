//! The one function through which every change to a contact goes (DESIGN §1, STYLE habit 4).
//!
//! [`apply_change_in`] (`write.rs`) reads the contact's current state, applies the requested operations,
//! and — only if something actually differs — writes the new state, one ledger row and one
//! outbox row, all inside the caller's transaction. A repeated request (a second one-click POST,
//! a form saved twice) therefore leaves no second ledger row.
//!
//! Ordering: the contact row is locked first (Postgres row lock; SQLite has a single writer),
//! then the global sequence row. Every writer takes them in that order, so there is no deadlock,
//! and `seq` values are handed out in commit order with no gaps: a reader of the change feed
//! that has seen `seq = n` will never later find a committed change below `n`.
//!
//! `apply.rs` is the pure part (state and operations in, new state and diff out), `write.rs`
//! reads and writes, `records.rs` writes the ledger rows with their outbox rows and webhook
//! deliveries, `group.rs` commits many changes at once on SQLite. Address choices
//! (DESIGN §1.1): `address.rs` says which a change makes or lifts (pure), `choices.rs` writes
//! them, tells the other records and lets new ones inherit; `consent.rs` is the consent rule.

pub mod address;
mod apply;
mod choices;
pub mod consent;
pub mod field;
mod grant;
mod group;
mod records;
mod write;

use app::domain::{
    AddressKind, ChannelSet, Email, Frequency, Locale, PauseUntil, Phone, TimeZoneName, TopicKey,
    WeeklyCap,
};
use serde_json::Value;

pub use field::{
    ChangeField, ContactField, EventType, FieldChange, GlobalField, Scope, TopicField,
};
pub use grant::{Grant, Refusal};
pub use group::Committer;
pub use write::apply_change_in;

use super::Store;

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
    /// One channel opted out of everywhere (`true`) or opened again, the others as they are (a
    /// STOP or START reply).
    OptOut {
        channel: app::domain::Channel,
        out: bool,
    },
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
    /// What the credential the request carried allows (DESIGN §3.2): who acts, on which
    /// records and channels, and which kinds of change. The change is refused beyond it.
    pub grant: Grant,
    pub reason: Option<String>,
    /// Where the request came from (channel, user agent…), kept with the ledger row as evidence.
    pub meta: Option<Value>,
    pub ops: Vec<ChangeOp>,
    /// The customer's own session (its cookie value) when they make the change themselves: when
    /// the change replaces or reports the email address, every other session of the contact and
    /// every unused sign-in link ends, and this one is kept.
    pub keep_session: Option<String>,
    /// The address the person spoke at, when they make the change themselves (a link in a
    /// message to it, their page signed in by it): their opt-outs become address choices there
    /// (DESIGN §1.1).
    pub said_at: Option<AddressKind>,
    /// When the person gave the consent a sender's loosening carries (Unix ms): it lifts an
    /// address choice only if given after it.
    pub consent_at: Option<i64>,
    /// Other records changed by the same request in the same transaction (a person's page
    /// covers every record with their address): they get their own ledger row, not news of
    /// this one's address choices.
    pub together: Vec<i64>,
}

/// What a committed change was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    pub seq: i64,
    pub version: i64,
    pub event_type: EventType,
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
    /// A sender's loosening meets a choice the person made at the address after the consent it
    /// carries (or it carries none).
    #[error("{0}")]
    AddressChoice(String),
    /// The change goes beyond what the request's credential proves (DESIGN §3.2).
    #[error("{0}")]
    NotPermitted(grant::Refusal),
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

/// Applies the same change to several records in one transaction (a person's page saves every
/// record holding their address): one ledger row each, all or none. The results are in the
/// order of `reqs`.
pub async fn apply_changes(
    store: &Store,
    reqs: &[ChangeRequest],
) -> Result<Vec<Option<Committed>>, ChangeError> {
    if let [one] = reqs {
        return Ok(vec![apply_change(store, one).await?]);
    }
    let mut tx = store.writer().begin().await?;
    let mut results = Vec::with_capacity(reqs.len());
    for req in reqs {
        results.push(apply_change_in(&mut tx, req).await?);
    }
    tx.commit().await?;
    if results.iter().any(Option::is_some) {
        store.outbox_written();
    }
    Ok(results)
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
