//! What the staff console reads beyond a contact's snapshot and ledger: search, open "not me"
//! reports, and recorded sends.

use super::Store;

/// A contact found by search.
#[derive(sqlx::FromRow)]
pub struct ContactHitRecord {
    #[sqlx(rename = "ref")]
    pub reference: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// An open "not me" report.
#[derive(sqlx::FromRow)]
pub struct DisputeRecord {
    #[sqlx(rename = "ref")]
    pub reference: String,
    pub kind: String,
    pub address: String,
    pub disputed_at: i64,
}

/// A recorded send.
#[derive(sqlx::FromRow)]
pub struct SendRecord {
    pub sent_at: i64,
    pub topic: String,
    pub channel: String,
    pub purpose: String,
    pub sender: Option<String>,
    pub message_id: Option<String>,
}

impl Store {
    /// Live contacts whose ref or email contains `text` (case-insensitive), or whose phone
    /// contains `phone_digits`, by ref.
    pub async fn search_contacts(
        &self,
        text: &str,
        phone_digits: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Vec<ContactHitRecord>> {
        Ok(sqlx::query_as(
            "SELECT ref, email, phone FROM contacts WHERE erased_at IS NULL
               AND (lower(ref) LIKE $1 ESCAPE '\\' OR email_key LIKE $1 ESCAPE '\\'
                    OR phone LIKE $2 ESCAPE '\\')
             ORDER BY ref LIMIT $3 OFFSET $4",
        )
        .bind(super::contains_pattern(&text.to_lowercase()))
        .bind(phone_digits.map(super::contains_pattern))
        .bind(limit)
        .bind(offset)
        .fetch_all(self.reader())
        .await?)
    }

    /// Open "not me" reports of live contacts, oldest first; of one contact, or of all.
    pub async fn open_disputes(
        &self,
        contact_id: Option<i64>,
        limit: i64,
    ) -> anyhow::Result<Vec<DisputeRecord>> {
        Ok(sqlx::query_as(
            "SELECT c.ref, d.kind, d.address, d.disputed_at
             FROM disputed_addresses d JOIN contacts c ON c.id = d.contact_id
             WHERE d.resolved_at IS NULL AND c.erased_at IS NULL
               AND ($1 = 0 OR d.contact_id = $1)
             ORDER BY d.disputed_at, d.kind LIMIT $2",
        )
        .bind(contact_id.unwrap_or(0))
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }

    /// A live contact's id and time zone by ref.
    pub async fn contact_id_and_zone(
        &self,
        reference: &str,
    ) -> anyhow::Result<Option<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, time_zone FROM contacts WHERE ref = $1 AND erased_at IS NULL",
        )
        .bind(reference)
        .fetch_optional(self.reader())
        .await?)
    }

    /// A contact's latest recorded sends, newest first.
    pub async fn recent_sends(
        &self,
        contact_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<SendRecord>> {
        Ok(sqlx::query_as(
            "SELECT d.sent_at, t.name AS topic, d.channel, d.purpose, s.name AS sender, d.message_id
             FROM sends d JOIN topics t ON t.id = d.topic_id LEFT JOIN senders s ON s.id = d.sender_id
             WHERE d.contact_id = $1 ORDER BY d.sent_at DESC, d.id DESC LIMIT $2",
        )
        .bind(contact_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }
}
