//! Secret keys generated on first start and kept in the database, so that every instance
//! sharing the database signs and verifies with the same keys, and links survive restarts.

use sqlx::Row;

use super::{now_ms, random_token, Store};

/// A key as used for signing: its id (carried in what it signs, so keys can rotate) and secret.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub secret: Vec<u8>,
    pub retired: bool,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, retired: {})", self.kid, self.retired)
    }
}

impl Store {
    /// The keys for `purpose`, newest first, creating the first one if there is none. Two
    /// instances starting at once agree on one key: the insert is keyed, and both then read.
    pub async fn ensure_signing_keys(&self, purpose: &str) -> anyhow::Result<Vec<SigningKey>> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, purpose, secret, created_at)
             SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE purpose = $2)
             ON CONFLICT (kid) DO NOTHING",
        )
        .bind(format!("{purpose}-1"))
        .bind(purpose)
        .bind(random_token(32))
        .bind(now_ms())
        .execute(self.writer())
        .await?;
        let rows = sqlx::query(
            "SELECT kid, secret, retired_at FROM signing_keys WHERE purpose = $1 ORDER BY created_at DESC, kid DESC",
        )
        .bind(purpose)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                use base64::Engine;
                let secret: String = r.try_get("secret")?;
                Ok(SigningKey {
                    kid: r.try_get("kid")?,
                    secret: base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(secret)?,
                    retired: r.try_get::<Option<i64>, _>("retired_at")?.is_some(),
                })
            })
            .collect()
    }

    /// Adds a new key for `purpose`, which signs from the next start on; older keys keep
    /// verifying until retired. Returns the new key's id.
    pub async fn rotate_signing_key(&self, purpose: &str) -> anyhow::Result<String> {
        let mut tx = self.writer().begin().await?;
        let kids: Vec<String> =
            sqlx::query_scalar("SELECT kid FROM signing_keys WHERE purpose = $1")
                .bind(purpose)
                .fetch_all(&mut *tx)
                .await?;
        let next = kids
            .iter()
            .filter_map(|k| k.rsplit('-').next().and_then(|n| n.parse::<u32>().ok()))
            .max()
            .unwrap_or(0)
            + 1;
        let kid = format!("{purpose}-{next}");
        sqlx::query(
            "INSERT INTO signing_keys (kid, purpose, secret, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&kid)
        .bind(purpose)
        .bind(random_token(32))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(kid)
    }

    /// Stops a key from verifying: links signed with it stop working.
    pub async fn retire_signing_key(&self, kid: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE signing_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL",
        )
        .bind(kid)
        .bind(now_ms())
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
