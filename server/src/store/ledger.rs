//! Reading the consent ledger (writing it is the change function's alone).

use super::Store;

/// A ledger row, with the sender's or staff user's name behind its actor.
#[derive(sqlx::FromRow)]
pub struct LedgerRecord {
    pub seq: i64,
    pub version: i64,
    pub event_type: String,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub reason: Option<String>,
    /// The field changes, as stored (JSON).
    pub changes: String,
    pub occurred_at: i64,
    pub sender_name: Option<String>,
    pub staff_email: Option<String>,
    /// The ref of the record the row is about.
    pub contact_ref: String,
}

impl Store {
    /// A contact's ledger rows before `before` (a `seq`), newest first, at most `limit`.
    pub async fn ledger_page(
        &self,
        contact_id: i64,
        before: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<LedgerRecord>> {
        self.ledger_page_of(&[contact_id], before, limit).await
    }

    /// The ledger rows of several records (one person's), merged newest first.
    pub async fn ledger_page_of(
        &self,
        contact_ids: &[i64],
        before: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<LedgerRecord>> {
        let ids: Vec<String> = (0..contact_ids.len())
            .map(|i| format!("${}", i + 3))
            .collect();
        let sql = format!(
            "SELECT l.seq, l.version, l.event_type, l.actor_kind, l.actor_id, l.reason, l.changes,
                    l.occurred_at, s.name AS sender_name, u.email AS staff_email, c.ref AS contact_ref
             FROM ledger l
             JOIN contacts c ON c.id = l.contact_id
             LEFT JOIN senders s ON l.actor_kind = 'sender' AND s.id = l.actor_id
             LEFT JOIN staff_users u ON l.actor_kind = 'staff' AND u.id = l.actor_id
             WHERE l.contact_id IN ({}) AND l.seq < $1 ORDER BY l.seq DESC LIMIT $2",
            ids.join(", ")
        );
        let mut query = sqlx::query_as(&sql).bind(before).bind(limit);
        for id in contact_ids {
            query = query.bind(*id);
        }
        Ok(query.fetch_all(self.reader()).await?)
    }

    /// The field changes of one of a contact's ledger rows, as stored (JSON).
    pub async fn ledger_changes(
        &self,
        contact_id: i64,
        seq: i64,
    ) -> anyhow::Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT changes FROM ledger WHERE seq = $1 AND contact_id = $2")
                .bind(seq)
                .bind(contact_id)
                .fetch_optional(self.reader())
                .await?,
        )
    }
}
