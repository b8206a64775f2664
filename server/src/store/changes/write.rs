//! Reading a contact's state for a change and writing the result: the state, one ledger row,
//! one outbox row and the webhook deliveries, inside the caller's transaction.

use std::collections::{BTreeMap, HashMap};

use app::domain::{Actor, AddressKind, ChannelSet, TopicKey};
use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::{
    address,
    apply::{apply, op_topic, Applied, ContactFields, GlobalSettings, Preference, State},
    choices::{address_choices_in, refuse_older_consent_in},
    grant::Refusal,
    records::{record_in, Record, Rows},
    ChangeError, ChangeOp, ChangeRequest, Committed, EventType,
};
use crate::store::{
    contact_view::stored_preference,
    flag, now_ms, rows,
    topics::{topic_columns_of, Topic},
};

/// Applies a change inside the caller's transaction: the state, the ledger row and the outbox
/// row commit or roll back together with whatever else the caller does.
pub async fn apply_change_in(
    conn: &mut AnyConnection,
    req: &ChangeRequest,
) -> Result<Option<Committed>, ChangeError> {
    apply_change_with(conn, req, &mut Rows::Now).await
}

/// [`apply_change_in`], its ledger rows going to `rows`: written at once, or held for the
/// group-commit writer to write together (then `Committed::seq` is the row's place in `rows`
/// until the group assigns it).
pub(super) async fn apply_change_with(
    conn: &mut AnyConnection,
    req: &ChangeRequest,
    rows: &mut Rows,
) -> Result<Option<Committed>, ChangeError> {
    let now = now_ms();
    let before = load_state(conn, req).await?;
    let after = apply(&before, &req.ops)?;
    req.grant.check(&before, &after)?;
    refuse_suppressed(conn, &before.contact, &after.contact).await?;
    // A sender lifts a choice the person made at an address only with consent given after it.
    if let Actor::Sender(_) = req.grant.actor() {
        let addresses = [
            (AddressKind::Email, before.contact.email.as_deref()),
            (AddressKind::Phone, before.contact.phone.as_deref()),
        ];
        refuse_older_consent_in(conn, req, &addresses, &after.changes, &before.topics, now).await?;
    }
    if after.changes.is_empty() {
        return Ok(None);
    }
    if let Some(seq) = req.grant.undoes() {
        spend_undo(conn, req.contact_id, seq, &after.changes, now).await?;
    }
    write_state(conn, req.contact_id, &before, &after, now).await?;
    end_links_to_an_old_address(conn, req, &before.contact, &after, now).await?;
    for (id, resolution) in &after.resolutions {
        sqlx::query(
            "UPDATE disputed_addresses SET resolved_at = $2, resolved_by = $3, resolution = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(req.grant.actor().id())
        .bind(*resolution)
        .execute(&mut *conn)
        .await?;
    }

    let event_type = EventType::of(&after.changes);
    let email = if after.erase {
        None
    } else {
        after.contact.email.clone().or(before.contact.email.clone())
    };
    let (seq, version) = record_in(
        conn,
        rows,
        Record {
            contact_id: req.contact_id,
            reference: before.contact.reference.clone(),
            email,
            actor: req.grant.actor(),
            reason: req.reason.as_deref(),
            meta: req.meta.as_ref(),
            changes: &after.changes,
            event_type,
        },
        now,
    )
    .await?;
    follow_addresses(conn, rows, req, &before, &after, now).await?;
    Ok(Some(Committed {
        seq,
        version,
        event_type,
        changes: after.changes,
    }))
}

/// Locks the contact's row (a no-op update takes the row lock on Postgres) and reads what the
/// change's operations need: the contact, and only when an operation touches them, its global
/// settings, the topics named and its open "not me" reports. Refuses a record the grant does
/// not cover.
async fn load_state(conn: &mut AnyConnection, req: &ChangeRequest) -> Result<State, ChangeError> {
    let row = sqlx::query(
        "UPDATE contacts SET version = version WHERE id = $1 AND erased_at IS NULL
         RETURNING ref, email, email_verified, phone, phone_verified, locale, time_zone",
    )
    .bind(req.contact_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ChangeError::UnknownContact)?;
    let contact = ContactFields {
        reference: row.try_get("ref")?,
        email: row.try_get("email")?,
        email_verified: flag(&row, "email_verified")?,
        phone: row.try_get("phone")?,
        phone_verified: flag(&row, "phone_verified")?,
        locale: rows::locale(&row)?,
        time_zone: rows::time_zone(&row)?,
    };
    if !req.grant.covers(req.contact_id, &contact) {
        return Err(ChangeError::NotPermitted(Refusal::NotYourRecord));
    }
    // Unread, the global settings stay equal to themselves and aren't written (a one-click
    // unsubscribe from a topic doesn't read them).
    let global = if req.ops.iter().any(ChangeOp::sets_global) {
        load_global(conn, req.contact_id).await?
    } else {
        GlobalSettings::default()
    };
    let mut topics: HashMap<TopicKey, Topic> = HashMap::new();
    let mut prefs: BTreeMap<TopicKey, Preference> = BTreeMap::new();
    for key in req.ops.iter().filter_map(op_topic) {
        if !topics.contains_key(key) {
            let (topic, pref) = load_topic_choice(conn, key, req.contact_id).await?;
            prefs.insert(key.clone(), pref);
            topics.insert(key.clone(), topic);
        }
    }
    let disputing = req.ops.iter().any(|op| {
        matches!(
            op,
            ChangeOp::DisputeAddress(_) | ChangeOp::ResolveDispute { .. }
        )
    });
    let open_disputes = if disputing {
        load_open_disputes(conn, req.contact_id).await?
    } else {
        HashMap::new()
    };
    Ok(State {
        contact,
        global,
        topics,
        prefs,
        open_disputes,
    })
}

/// Whatever set it (an edit, a sender, a resolved dispute), an address that was erased is never
/// added again.
async fn refuse_suppressed(
    conn: &mut AnyConnection,
    before: &ContactFields,
    after: &ContactFields,
) -> Result<(), ChangeError> {
    for (kind, before, after) in [
        (AddressKind::Email, &before.email, &after.email),
        (AddressKind::Phone, &before.phone, &after.phone),
    ] {
        let Some(address) = after
            .as_deref()
            .filter(|a| before.as_deref().map(str::to_lowercase) != Some(a.to_lowercase()))
        else {
            continue;
        };
        let hit: Option<String> =
            sqlx::query_scalar("SELECT kind FROM suppressions WHERE address_hash = $1")
                .bind(crate::store::contacts::suppression_hash(
                    kind.as_str(),
                    address,
                ))
                .fetch_optional(&mut *conn)
                .await?;
        if hit.is_some() {
            return Err(ChangeError::Suppressed(kind));
        }
    }
    Ok(())
}

/// Writes what differs: the contact's fields, its global settings, each topic choice, new
/// "not me" reports.
async fn write_state(
    conn: &mut AnyConnection,
    contact_id: i64,
    before: &State,
    after: &Applied,
    now: i64,
) -> Result<(), ChangeError> {
    let contact = &after.contact;
    if *contact != before.contact {
        sqlx::query(
            "UPDATE contacts SET email = $2, email_verified = $3, phone = $4, phone_verified = $5,
                    locale = $6, time_zone = $7, email_key = $8 WHERE id = $1",
        )
        .bind(contact_id)
        .bind(&contact.email)
        .bind(contact.email_verified)
        .bind(&contact.phone)
        .bind(contact.phone_verified)
        .bind(contact.locale.as_str())
        .bind(contact.time_zone.as_str())
        .bind(
            contact
                .email
                .as_deref()
                .map(|e| address::normalised(AddressKind::Email, e)),
        )
        .execute(&mut *conn)
        .await?;
    }
    if after.global != before.global {
        write_global(conn, contact_id, &after.global, now).await?;
    }
    for (key, pref) in &after.prefs {
        if before.prefs.get(key) == Some(pref) {
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
        .bind(contact_id)
        .bind(before.topics[key].id)
        .bind(pref.subscribed)
        .bind(pref.channels.to_list())
        .bind(pref.frequency.as_str())
        .bind(pref.info_only)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for (kind, address) in &after.disputes {
        sqlx::query(
            "INSERT INTO disputed_addresses (contact_id, kind, address, disputed_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(contact_id)
        .bind(kind.as_str())
        .bind(address)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn write_global(
    conn: &mut AnyConnection,
    contact_id: i64,
    global: &GlobalSettings,
    now: i64,
) -> Result<(), ChangeError> {
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
    .bind(contact_id)
    .bind(global.unsubscribed_all)
    .bind(global.channel_opt_outs.to_list())
    .bind(global.paused_until)
    .bind(global.quiet_hours.as_ref().map(|q| q.start.clone()))
    .bind(global.quiet_hours.as_ref().map(|q| q.end.clone()))
    .bind(global.weekly_cap)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sign-in links and sessions reached someone through the email address. Once it is replaced
/// or reported as someone else's, whoever holds them may be the stranger at the old address
/// (DESIGN §9): they end with the change, in its transaction.
async fn end_links_to_an_old_address(
    conn: &mut AnyConnection,
    req: &ChangeRequest,
    before: &ContactFields,
    after: &Applied,
    now: i64,
) -> Result<(), ChangeError> {
    let email_replaced = before.email.as_deref().map(str::to_lowercase)
        != after.contact.email.as_deref().map(str::to_lowercase);
    let email_reported = after.disputes.iter().any(|(k, _)| *k == AddressKind::Email);
    if !email_replaced && !email_reported {
        return Ok(());
    }
    sqlx::query("DELETE FROM sign_in_tokens WHERE contact_id = $1 AND used_at IS NULL")
        .bind(req.contact_id)
        .execute(&mut *conn)
        .await?;
    // Links in messages carry no state of their own: this marks those mailed to the old
    // address. (A reported address is checked as it stands: its links work again if staff
    // confirm it.)
    if email_replaced {
        sqlx::query("UPDATE contacts SET email_changed_at = $2 WHERE id = $1")
            .bind(req.contact_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    let keep = req
        .keep_session
        .as_deref()
        .map(|id| crate::store::sha256_hex(id.as_bytes()))
        .unwrap_or_default();
    sqlx::query(
        "DELETE FROM sessions WHERE kind = 'customer' AND contact_id = $1 AND id_hash <> $2",
    )
    .bind(req.contact_id)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What the person said at an address follows it to every record holding it (DESIGN §1.1), and
/// a record given an address (new, or re-addressed) starts with the choices made at it.
async fn follow_addresses(
    conn: &mut AnyConnection,
    rows: &mut Rows,
    req: &ChangeRequest,
    before: &State,
    after: &Applied,
    now: i64,
) -> Result<(), ChangeError> {
    let contact = &after.contact;
    let addresses = [
        (AddressKind::Email, contact.email.as_deref()),
        (AddressKind::Phone, contact.phone.as_deref()),
    ];
    address_choices_in(
        conn,
        rows,
        req,
        &addresses,
        &after.changes,
        &before.topics,
        now,
    )
    .await?;
    for (kind, old, new) in [
        (AddressKind::Email, &before.contact.email, &contact.email),
        (AddressKind::Phone, &before.contact.phone, &contact.phone),
    ] {
        let normal = |a: &Option<String>| a.as_deref().map(|a| address::normalised(kind, a));
        if let Some(address) = normal(new).filter(|a| Some(a) != normal(old).as_ref()) {
            Box::pin(inherit_in(conn, rows, req.contact_id, kind, &address)).await?;
        }
    }
    Ok(())
}

/// An undo reverses exactly the change its proof names, made by the same record within the undo
/// window, and only once (DESIGN §3.2): the proof is spent in the undo's transaction.
async fn spend_undo(
    conn: &mut AnyConnection,
    contact_id: i64,
    seq: i64,
    changes: &[super::FieldChange],
    now: i64,
) -> Result<(), ChangeError> {
    let original: Option<String> = sqlx::query_scalar(
        "SELECT changes FROM ledger WHERE seq = $1 AND contact_id = $2 AND occurred_at >= $3",
    )
    .bind(seq)
    .bind(contact_id)
    .bind(now - crate::links::UNDO_WINDOW_SECS * 1000)
    .fetch_optional(&mut *conn)
    .await?;
    let original: Vec<super::FieldChange> = match original {
        Some(json) => serde_json::from_str(&json).map_err(anyhow::Error::from)?,
        None => Vec::new(),
    };
    if !super::grant::reverses(changes, &original) {
        return Err(ChangeError::NotPermitted(Refusal::UndoOfAnotherChange));
    }
    let spent = sqlx::query(
        "INSERT INTO undone_changes (seq, undone_at) VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING",
    )
    .bind(seq)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if spent.rows_affected() == 0 {
        return Err(ChangeError::NotPermitted(Refusal::UndoneAlready));
    }
    Ok(())
}

/// A live topic and the contact's choice for it (the topic's defaults when there is none), in
/// one query.
async fn load_topic_choice(
    conn: &mut AnyConnection,
    key: &TopicKey,
    contact_id: i64,
) -> Result<(Topic, Preference), ChangeError> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {}, p.subscribed AS p_subscribed, p.channels AS p_channels,
                    p.frequency AS p_frequency, p.info_only AS p_info_only
             FROM topics t
             LEFT JOIN preferences p ON p.topic_id = t.id AND p.contact_id = $2
             WHERE t.key = $1 AND t.archived_at IS NULL",
            topic_columns_of("t")
        )
    });
    let row = sqlx::query(&SQL)
        .bind(key.as_str())
        .bind(contact_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ChangeError::UnknownTopic(key.clone()))?;
    let topic = Topic::from_row(&row)?;
    let pref = stored_preference(&row, "p_")?.unwrap_or_else(|| topic.default_preference());
    Ok((topic, pref))
}

pub(super) async fn load_global(
    conn: &mut AnyConnection,
    contact_id: i64,
) -> Result<GlobalSettings, ChangeError> {
    let row = sqlx::query(
        "SELECT unsubscribed_all, channel_opt_outs, paused_until, quiet_start, quiet_end, weekly_cap
         FROM global_settings WHERE contact_id = $1",
    )
    .bind(contact_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => GlobalSettings::from_row(&row)?,
        None => GlobalSettings::default(),
    })
}

/// The contact's open "not me" reports: the row id by address kind.
async fn load_open_disputes(
    conn: &mut AnyConnection,
    contact_id: i64,
) -> Result<HashMap<AddressKind, i64>, ChangeError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, kind FROM disputed_addresses WHERE contact_id = $1 AND resolved_at IS NULL",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind)| AddressKind::parse(&kind).ok().map(|k| (k, id)))
        .collect())
}

/// Gives a contact that was just given `address` the choices made there: the same opt-outs on
/// its own record, in a ledger row of its own (actor `system`).
async fn inherit_in(
    conn: &mut AnyConnection,
    rows: &mut Rows,
    contact_id: i64,
    kind: AddressKind,
    address: &str,
) -> Result<(), ChangeError> {
    let made: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT a.scope, t.key, a.channel FROM address_choices a
         LEFT JOIN topics t ON t.id = a.topic_id AND t.archived_at IS NULL AND t.kind <> 'required'
         WHERE a.kind = $1 AND a.address = $2
         ORDER BY a.scope, a.topic_id, a.channel",
    )
    .bind(kind.as_str())
    .bind(address)
    .fetch_all(&mut *conn)
    .await?;
    if made.is_empty() {
        return Ok(());
    }
    let mut ops = Vec::new();
    let mut opt_outs: Option<ChannelSet> = None;
    for (scope, topic, channel) in made {
        match scope.as_str() {
            "all" => ops.push(ChangeOp::UnsubscribedAll(true)),
            "topic" => {
                if let Some(topic) = topic.and_then(|t| TopicKey::parse(&t).ok()) {
                    ops.push(ChangeOp::Subscribed {
                        topic,
                        subscribed: false,
                    });
                }
            }
            _ => {
                if let Ok(channel) = app::domain::Channel::parse(&channel) {
                    let set = match opt_outs.take() {
                        Some(set) => set,
                        None => load_global(conn, contact_id).await?.channel_opt_outs,
                    };
                    opt_outs = Some(ChannelSet::new(set.iter().chain([channel])));
                }
            }
        }
    }
    ops.extend(opt_outs.map(ChangeOp::ChannelOptOuts));
    let req = ChangeRequest {
        contact_id,
        grant: super::Grant::system(),
        reason: Some(format!(
            "inherited: the person opted out at this {} address through another record",
            kind.as_str()
        )),
        meta: Some(json!({"source": "address choice"})),
        ops,
        keep_session: None,
        said_at: None,
        consent_at: None,
        together: Vec::new(),
    };
    apply_change_with(conn, &req, rows).await?;
    Ok(())
}
