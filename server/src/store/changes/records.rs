//! Ledger rows (DESIGN §6.1) as changes write them, each with its outbox row and its webhook
//! deliveries: at once, inside the caller's transaction, or held by the group-commit writer and
//! written for the whole group together — one counter update and one statement per table for
//! the group, where one at a time costs four statements per row.

use std::sync::LazyLock;

use app::domain::Actor;
use serde_json::Value;
use sqlx::AnyConnection;

use super::{ChangeError, EventType, FieldChange};
use crate::store::{
    events::{Event, EventActor, EventContact},
    placeholders,
};

/// One ledger row to write, with its event.
pub(super) struct Record<'a> {
    pub(super) contact_id: i64,
    pub(super) reference: String,
    /// The address the event shows (none after an erasure).
    pub(super) email: Option<String>,
    pub(super) actor: &'a Actor,
    pub(super) reason: Option<&'a str>,
    pub(super) meta: Option<&'a Value>,
    pub(super) changes: &'a [FieldChange],
    pub(super) event_type: EventType,
}

/// Where a change's ledger rows go.
pub(super) enum Rows {
    /// Written as each is made.
    Now,
    /// Held, in the order made, until [`Rows::write_held`] gives them their `seq`s.
    Held(Vec<HeldRow>),
}

/// A ledger row waiting for its `seq`: its event (type, version, actor kind, reason) and what
/// the ledger keeps besides.
pub(super) struct HeldRow {
    contact_id: i64,
    actor_id: Option<i64>,
    /// The field changes as JSON.
    changes: String,
    meta: Option<String>,
    at: i64,
    /// The event as senders receive it, its `seq` still unset.
    event: Event,
}

/// The most rows one multi-row statement writes (ten parameters each, well inside SQLite's
/// limit of 32,766).
const ROWS_PER_STATEMENT: usize = 500;

impl Rows {
    /// Rows held for one write at the end.
    pub(super) fn held() -> Rows {
        Rows::Held(Vec::new())
    }

    /// How many rows are held (a mark to go back to when a change rolls back).
    pub(super) fn len(&self) -> usize {
        match self {
            Rows::Now => 0,
            Rows::Held(rows) => rows.len(),
        }
    }

    /// Forgets the rows held after `mark` (those of a change rolled back to its savepoint).
    pub(super) fn truncate(&mut self, mark: usize) {
        if let Rows::Held(rows) = self {
            rows.truncate(mark);
        }
    }

    /// Writes the held rows (see [`write_rows`]) and returns the first `seq`: a held row's is
    /// that plus its place.
    pub(super) async fn write_held(&mut self, conn: &mut AnyConnection) -> sqlx::Result<i64> {
        match self {
            Rows::Held(rows) if !rows.is_empty() => {
                let first = write_rows(conn, rows).await?;
                rows.clear();
                Ok(first)
            }
            _ => Ok(0),
        }
    }
}

const LEDGER_INSERT: &str = "INSERT INTO ledger (seq, contact_id, version, event_type, actor_kind,
    actor_id, reason, changes, request_meta, occurred_at) VALUES";
const OUTBOX_INSERT: &str =
    "INSERT INTO outbox (seq, contact_id, event_type, payload, created_at) VALUES";
static LEDGER_ONE: LazyLock<String> = LazyLock::new(|| insert_sql(LEDGER_INSERT, 10, 1));
static OUTBOX_ONE: LazyLock<String> = LazyLock::new(|| insert_sql(OUTBOX_INSERT, 5, 1));

/// `head` followed by `n` rows of `width` placeholders.
fn insert_sql(head: &str, width: usize, n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| format!("({})", placeholders(1 + i * width, width)))
        .collect();
    format!("{head} {}", rows.join(", "))
}

/// Writes ledger rows: one counter update gives them their run of `seq`s, in the order they
/// were made (the counter row's lock keeps `seq` in commit order); then the ledger, outbox and
/// deliveries, one statement each per 500 rows. Returns the first `seq`.
async fn write_rows(conn: &mut AnyConnection, rows: &mut [HeldRow]) -> sqlx::Result<i64> {
    let last: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + $1 WHERE name = 'ledger_seq' RETURNING value",
    )
    .bind(rows.len() as i64)
    .fetch_one(&mut *conn)
    .await?;
    let first = last - rows.len() as i64 + 1;
    for (i, row) in rows.iter_mut().enumerate() {
        row.event.seq = first + i as i64;
    }
    for (n, chunk) in rows.chunks(ROWS_PER_STATEMENT).enumerate() {
        // The one-row form (every change committed on its own) is built once and kept
        // prepared; one statement per group size would crowd the writer's hot statements out
        // of its cache of prepared statements, so those are not kept.
        let keep = chunk.len() == 1;
        let (ledger_sql, outbox_sql) = if keep {
            (LEDGER_ONE.as_str().into(), OUTBOX_ONE.as_str().into())
        } else {
            (
                std::borrow::Cow::Owned(insert_sql(LEDGER_INSERT, 10, chunk.len())),
                std::borrow::Cow::Owned(insert_sql(OUTBOX_INSERT, 5, chunk.len())),
            )
        };
        let mut ledger = sqlx::query(&ledger_sql).persistent(keep);
        for row in chunk {
            ledger = ledger
                .bind(row.event.seq)
                .bind(row.contact_id)
                .bind(row.event.version)
                .bind(row.event.event_type.as_str())
                .bind(row.event.actor.kind.as_str())
                .bind(row.actor_id)
                .bind(row.event.reason.as_deref())
                .bind(row.changes.as_str())
                .bind(row.meta.as_deref())
                .bind(row.at);
        }
        ledger.execute(&mut *conn).await?;
        let mut outbox = sqlx::query(&outbox_sql).persistent(keep);
        for row in chunk {
            outbox = outbox
                .bind(row.event.seq)
                .bind(row.contact_id)
                .bind(row.event.event_type.as_str())
                .bind(row.event.to_json())
                .bind(row.at);
        }
        outbox.execute(&mut *conn).await?;
        // One delivery per interested endpoint, in the same transaction: a committed change
        // can't miss its webhooks, and a rolled-back one sends none.
        let from = first + (n * ROWS_PER_STATEMENT) as i64;
        crate::store::webhooks::fan_out_in(conn, from, from + chunk.len() as i64 - 1).await?;
    }
    crate::store::read_model::tell_others_in(conn).await?;
    Ok(first)
}

/// Writes one ledger row, its outbox row and its webhook deliveries (or holds them, see
/// [`Rows`]), and gives the contact its next version: `(seq, version)`, the `seq` of a held
/// row being its place among them. The contact's state, if it changed, is already written.
pub(super) async fn record_in(
    conn: &mut AnyConnection,
    rows: &mut Rows,
    r: Record<'_>,
    now: i64,
) -> Result<(i64, i64), ChangeError> {
    // Version, then sequence: the lock order every writer follows.
    let version: i64 = sqlx::query_scalar(
        "UPDATE contacts SET version = version + 1, updated_at = $2 WHERE id = $1 RETURNING version",
    )
    .bind(r.contact_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let changes = serde_json::to_string(r.changes).map_err(anyhow::Error::from)?;
    let mut row = HeldRow {
        contact_id: r.contact_id,
        actor_id: r.actor.id(),
        changes,
        meta: r.meta.map(Value::to_string),
        at: now,
        // The event as senders receive it (DESIGN §6.1, §7).
        event: Event {
            event_type: r.event_type,
            seq: 0,
            occurred_at: jiff::Timestamp::from_millisecond(now)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            version,
            contact: EventContact {
                reference: r.reference,
                email: r.email,
            },
            actor: EventActor {
                kind: r.actor.actor_kind(),
                id: r.actor.id().map(|id| id.to_string()),
            },
            reason: r.reason.map(str::to_owned),
            changes: r.changes.to_vec(),
        },
    };
    match rows {
        Rows::Held(held) => {
            held.push(row);
            Ok((held.len() as i64 - 1, version))
        }
        Rows::Now => Ok((
            write_rows(conn, std::slice::from_mut(&mut row)).await?,
            version,
        )),
    }
}
