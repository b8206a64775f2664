//! Contacts and their sign-in tokens.

use app::domain::{Actor, ContactRef};
use sqlx::Row;

use super::{apply_change_in, now_ms, ChangeError, ChangeOp, ChangeRequest, Store};

/// How long a magic sign-in link works (DESIGN §4).
pub const SIGN_IN_TOKEN_TTL_MS: i64 = 15 * 60 * 1000;

impl Store {
    /// Creates a contact with the given details, or applies them to the existing one with that
    /// ref. The details go through the change function, so they are in the ledger. Returns the
    /// contact's id and whether it was created.
    pub async fn upsert_contact(
        &self,
        reference: &ContactRef,
        actor: Actor,
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
                    return Err(ChangeError::Invalid("this contact was erased".into()));
                }
                (row.try_get("id")?, false)
            }
        };
        let req = ChangeRequest {
            contact_id: id,
            actor,
            reason: None,
            meta: None,
            ops: details,
        };
        apply_change_in(&mut tx, &req).await?;
        tx.commit().await?;
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

    /// Creates a single-use sign-in token for a contact and returns it; only its hash is stored.
    pub async fn create_sign_in_token(&self, contact_id: i64) -> anyhow::Result<String> {
        self.create_token(contact_id, "sign_in", SIGN_IN_TOKEN_TTL_MS)
            .await
    }
}
