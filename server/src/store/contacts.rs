//! Contacts and their sign-in tokens.

use app::domain::ContactRef;
use sqlx::Row;

use anyhow::Context;

use crate::store::{ChangeField, ContactField, FieldChange};

use super::{
    apply_change_in, now_ms, sessions::LinkPurpose, sha256_hex, ChangeError, ChangeOp,
    ChangeRequest, Grant, Store,
};

/// How long a magic sign-in link works (DESIGN §4).
pub const SIGN_IN_TOKEN_TTL_MS: i64 = 15 * 60 * 1000;

impl Store {
    /// Creates a contact with the given details, or applies them to the existing one with that
    /// ref. The details go through the change function, so they are in the ledger. Returns the
    /// contact's id and whether it was created.
    pub async fn upsert_contact(
        &self,
        reference: &ContactRef,
        grant: Grant,
        details: Vec<ChangeOp>,
    ) -> Result<(i64, bool), ChangeError> {
        let now = now_ms();
        let mut tx = self.writer().begin().await?;
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO contacts (ref, created_at, updated_at) VALUES ($1, $2, $2)
             ON CONFLICT (ref) DO NOTHING RETURNING id",
        )
        .bind(reference.as_str())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, created) = match inserted {
            Some(id) => {
                sqlx::query("INSERT INTO global_settings (contact_id, updated_at) VALUES ($1, $2)")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                (id, true)
            }
            None => {
                let row = sqlx::query("SELECT id, erased_at FROM contacts WHERE ref = $1")
                    .bind(reference.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                if row.try_get::<Option<i64>, _>("erased_at")?.is_some() {
                    return Err(ChangeError::ErasedContact);
                }
                (row.try_get("id")?, false)
            }
        };
        let req = ChangeRequest {
            contact_id: id,
            grant,
            reason: None,
            meta: None,
            ops: details,
            said_at: None,
            consent_at: None,
            together: Vec::new(),
            keep_session: None,
        };
        let committed = apply_change_in(&mut tx, &req).await?;
        tx.commit().await?;
        if committed.is_some() {
            self.outbox_written();
        }
        Ok((id, created))
    }

    /// The id of the contact with this ref, unless unknown or erased.
    pub async fn contact_id(&self, reference: &ContactRef) -> anyhow::Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM contacts WHERE ref = $1 AND erased_at IS NULL")
                .bind(reference.as_str())
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// Creates a single-use sign-in token for a contact, bound to their current email address,
    /// and returns it; only its hash is stored.
    pub async fn create_sign_in_token(&self, contact_id: i64) -> anyhow::Result<String> {
        let email = self
            .contact_view(contact_id)
            .await?
            .and_then(|c| c.mailable_email().map(str::to_owned))
            .context("the contact has no email address to send a sign-in link to")?;
        self.create_token(
            contact_id,
            &LinkPurpose::SignIn.stored(&email),
            SIGN_IN_TOKEN_TTL_MS,
        )
        .await
    }

    /// Erases a contact's personal data (DESIGN §6): addresses go, sessions and tokens go, the
    /// addresses are kept only as hashes so they are never re-added and mailed, and earlier
    /// ledger rows and events have the addresses replaced by `[erased]`. The ledger keeps that
    /// the contact existed and what was decided. Returns false for an unknown contact.
    pub async fn erase_contact(
        &self,
        reference: &ContactRef,
        grant: Grant,
        reason: Option<String>,
    ) -> Result<bool, ChangeError> {
        let now = now_ms();
        let mut tx = self.writer().begin().await?;
        let row: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, email, phone FROM contacts WHERE ref = $1 AND erased_at IS NULL",
        )
        .bind(reference.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, email, phone)) = row else {
            return Ok(false);
        };
        let addresses = every_address(&mut tx, id, email, phone).await?;
        for (kind, address) in &addresses {
            sqlx::query(
                "INSERT INTO suppressions (address_hash, kind, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (address_hash) DO NOTHING",
            )
            .bind(suppression_hash(kind, address))
            .bind(kind)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let req = ChangeRequest {
            contact_id: id,
            grant,
            reason,
            meta: None,
            ops: vec![ChangeOp::Erase],
            said_at: None,
            consent_at: None,
            together: Vec::new(),
            keep_session: None,
        };
        apply_change_in(&mut tx, &req).await?;
        sqlx::query(
            "UPDATE contacts SET erased_at = $2, locale = 'en', time_zone = 'UTC' WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for table in [
            "sessions",
            "sign_in_tokens",
            "disputed_addresses",
            "mail_outbox",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE contact_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        forget_addresses_in(&mut tx, id, &addresses).await?;
        tx.commit().await?;
        self.outbox_written();
        Ok(true)
    }
}

/// What an erasure does to the addresses a contact had, wherever they are still written: the
/// choices made at them go (unless another live record holds the address: its person's choices
/// stand for it), and earlier rows, events and stored replays have them redacted.
async fn forget_addresses_in(
    tx: &mut sqlx::AnyConnection,
    id: i64,
    addresses: &[(String, String)],
) -> Result<(), ChangeError> {
    // Address choices made at them go with them, unless another live record still holds
    // the address (its person's choices stand for it).
    for (kind, address) in addresses {
        let address = super::changes::address::normalised(
            app::domain::AddressKind::parse(kind).map_err(anyhow::Error::from)?,
            address,
        );
        sqlx::query(
            "DELETE FROM address_choices WHERE kind = $1 AND address = $2
                   AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.erased_at IS NULL
                                     AND (c.email_key = $2 OR c.phone = $2))",
        )
        .bind(kind)
        .bind(&address)
        .execute(&mut *tx)
        .await?;
    }
    // Earlier rows still name the addresses, in their values and in free text (a staff
    // reason, a consent's text or source): redact every occurrence, in any letter case.
    for (table, column) in [
        ("ledger", "changes"),
        ("outbox", "payload"),
        ("ledger", "request_meta"),
        ("ledger", "reason"),
    ] {
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
            "SELECT seq, {column} FROM {table} WHERE contact_id = $1"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        for (seq, text) in rows {
            let Some(text) = text else { continue };
            let redacted = redact(&text, addresses);
            if redacted != text {
                sqlx::query(&format!("UPDATE {table} SET {column} = $2 WHERE seq = $1"))
                    .bind(seq)
                    .bind(redacted)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    // Answers kept for idempotent replays may name them too (a contact's PUT echoes it).
    for (_, address) in addresses {
        let quoted = address.clone();
        sqlx::query(
            "UPDATE idempotency_keys SET response_body = REPLACE(response_body, $1, '[erased]')
                 WHERE response_body LIKE $2 ESCAPE '\\'",
        )
        .bind(&quoted)
        .bind(super::contains_pattern(&quoted))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// `text` with every occurrence of each address replaced by `[erased]`, whatever its letter
/// case (addresses are matched as written, so a value and a mention in free text both go).
fn redact(text: &str, addresses: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (_, address) in addresses {
        let needle = address.to_ascii_lowercase();
        if needle.is_empty() {
            continue;
        }
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        // Lowercasing ASCII keeps byte offsets; addresses are matched in the lowercased copy.
        while let Some(at) = rest.to_ascii_lowercase().find(&needle) {
            result.push_str(&rest[..at]);
            result.push_str("[erased]");
            rest = &rest[at + needle.len()..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Every address a contact has had: the current ones, every earlier one the ledger records
/// (a corrected typo, a replaced number) and every reported one, as (kind, address).
async fn every_address(
    conn: &mut sqlx::AnyConnection,
    contact_id: i64,
    email: Option<String>,
    phone: Option<String>,
) -> Result<Vec<(String, String)>, ChangeError> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut add = |kind: &str, address: &str| {
        let exists = found
            .iter()
            .any(|(k, a)| k == kind && a.as_str() == address);
        if address != "[erased]" && !address.is_empty() && !exists {
            found.push((kind.to_owned(), address.to_owned()));
        }
    };
    for (kind, address) in [("email", email), ("phone", phone)] {
        if let Some(a) = address {
            add(kind, &a);
        }
    }
    let changes: Vec<String> =
        sqlx::query_scalar("SELECT changes FROM ledger WHERE contact_id = $1")
            .bind(contact_id)
            .fetch_all(&mut *conn)
            .await?;
    for text in changes {
        let Ok(list) = serde_json::from_str::<Vec<FieldChange>>(&text) else {
            continue;
        };
        for c in list {
            let kind = match c.field {
                ChangeField::Contact(ContactField::Address(kind)) => kind.as_str(),
                _ => continue,
            };
            for v in [&c.from, &c.to] {
                if let Some(a) = v.as_str() {
                    add(kind, a);
                }
            }
        }
    }
    let disputed: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, address FROM disputed_addresses WHERE contact_id = $1")
            .bind(contact_id)
            .fetch_all(&mut *conn)
            .await?;
    for (kind, address) in disputed {
        add(&kind, &address);
    }
    Ok(found)
}

impl Store {
    /// Whether an address was erased (and so is never added again).
    pub async fn suppressed(&self, kind: &str, address: &str) -> anyhow::Result<bool> {
        let hit: Option<String> =
            sqlx::query_scalar("SELECT kind FROM suppressions WHERE address_hash = $1")
                .bind(suppression_hash(kind, address))
                .fetch_optional(self.reader())
                .await?;
        Ok(hit.is_some())
    }
}

/// The stored form of an erased address: SHA-256 of kind and lowercased address.
pub fn suppression_hash(kind: &str, address: &str) -> String {
    sha256_hex(format!("{kind}:{}", address.trim().to_lowercase()).as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn erasure_redacts_an_address_in_values_and_in_free_text_in_any_case() {
        let addresses = [
            ("email".to_owned(), "pat@example.com".to_owned()),
            ("phone".to_owned(), "+15550001111".to_owned()),
        ];
        let text =
            r#"{"to":"pat@example.com","reason":"Pat (PAT@Example.com, +15550001111) asked"}"#;
        assert_eq!(
            super::redact(text, &addresses),
            r#"{"to":"[erased]","reason":"Pat ([erased], [erased]) asked"}"#
        );
    }
}
