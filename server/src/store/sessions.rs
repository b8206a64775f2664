//! Customer sessions, sign-in token redemption and rate limits: the state that must be shared by
//! every instance, so it lives in the database.

use super::{now_ms, random_token, sha256_hex, Store};

/// How long a customer session lasts.
pub const SESSION_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

/// What a sign-in token turned out to be when used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// Used now, by this request: the contact and the token's purpose.
    Ok {
        contact_id: i64,
        purpose: String,
    },
    Used,
    Expired,
    Unknown,
}

/// What a mailed link is for, bound to the address it was mailed to: it works only while that
/// address is still the contact's, undisputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    SignIn,
    VerifyEmail,
}

impl LinkPurpose {
    /// The stored form: `sign_in:` or `verify_email:`, then the address's SHA-256.
    pub fn stored(self, email: &str) -> String {
        let kind = match self {
            LinkPurpose::SignIn => "sign_in",
            LinkPurpose::VerifyEmail => "verify_email",
        };
        format!("{kind}:{}", sha256_hex(email.to_lowercase().as_bytes()))
    }

    /// The purpose a stored form names, if it was made for `email`. Links stored before they
    /// were bound to an address match nothing.
    pub fn matching(stored: &str, email: Option<&str>) -> Option<LinkPurpose> {
        let email = email?;
        [LinkPurpose::SignIn, LinkPurpose::VerifyEmail]
            .into_iter()
            .find(|p| p.stored(email) == stored)
    }
}

impl Store {
    /// Uses a sign-in token. One atomic update decides: of any number of concurrent attempts,
    /// exactly one gets `Ok`.
    pub async fn redeem_sign_in_token(&self, token: &str) -> anyhow::Result<Redeemed> {
        let hash = sha256_hex(token.as_bytes());
        let now = now_ms();
        let row: Option<(i64, String)> = sqlx::query_as(
            "UPDATE sign_in_tokens SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING contact_id, purpose",
        )
        .bind(&hash)
        .bind(now)
        .fetch_optional(self.writer())
        .await?;
        if let Some((contact_id, purpose)) = row {
            return Ok(Redeemed::Ok {
                contact_id,
                purpose,
            });
        }
        self.sign_in_token_state(&hash, now).await
    }

    /// What a token is, without using it.
    pub async fn peek_sign_in_token(&self, token: &str) -> anyhow::Result<Redeemed> {
        let hash = sha256_hex(token.as_bytes());
        let now = now_ms();
        self.sign_in_token_state(&hash, now).await
    }

    async fn sign_in_token_state(&self, hash: &str, now: i64) -> anyhow::Result<Redeemed> {
        let row: Option<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT contact_id, purpose, expires_at, used_at FROM sign_in_tokens WHERE token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(self.reader())
        .await?;
        Ok(match row {
            None => Redeemed::Unknown,
            Some((_, _, _, Some(_))) => Redeemed::Used,
            Some((_, _, expires_at, None)) if expires_at <= now => Redeemed::Expired,
            Some((contact_id, purpose, _, None)) => Redeemed::Ok {
                contact_id,
                purpose,
            },
        })
    }

    /// Creates a token with a purpose (`sign_in`, or `verify_email:<hash of the address>`).
    pub async fn create_token(
        &self,
        contact_id: i64,
        purpose: &str,
        ttl_ms: i64,
    ) -> anyhow::Result<String> {
        let token = random_token(32);
        let mut conn = self.writer().acquire().await?;
        insert_token_in(&mut conn, &token, contact_id, purpose, ttl_ms).await?;
        Ok(token)
    }

    /// A new link token for the contact and the mail that carries it (`mail` builds it from
    /// the token), written in one transaction: the link exists only if its mail will go. With
    /// `pending_email`, the address the link confirms is set waiting in the same transaction.
    pub async fn create_token_mailed(
        &self,
        contact_id: i64,
        purpose: &str,
        ttl_ms: i64,
        pending_email: Option<&str>,
        mail: impl FnOnce(&str) -> anyhow::Result<super::mail_outbox::QueuedText>,
    ) -> anyhow::Result<()> {
        let token = random_token(32);
        let mail = mail(&token)?;
        let mut tx = self.writer().begin().await?;
        if let Some(email) = pending_email {
            sqlx::query("UPDATE contacts SET pending_email = $2 WHERE id = $1")
                .bind(contact_id)
                .bind(email)
                .execute(&mut *tx)
                .await?;
        }
        insert_token_in(&mut tx, &token, contact_id, purpose, ttl_ms).await?;
        super::mail_outbox::queue_mail_in(&mut tx, Some(contact_id), &mail).await?;
        tx.commit().await?;
        self.mail_queued();
        Ok(())
    }

    /// Starts a customer session for the contact, signed in by `email` (the address the used
    /// link was mailed to), and returns its id (the cookie value); only the hash is stored. The
    /// session covers the records whose verified email is that address (DESIGN §3.2).
    pub async fn create_customer_session(
        &self,
        contact_id: i64,
        email: &str,
    ) -> anyhow::Result<String> {
        self.create_session(
            SessionOwner::Contact(contact_id, email.to_lowercase()),
            SESSION_TTL_MS,
        )
        .await
    }

    /// Starts a session of either kind: a new random id, stored only as its SHA-256.
    pub(crate) async fn create_session(
        &self,
        owner: SessionOwner,
        ttl_ms: i64,
    ) -> anyhow::Result<String> {
        let (kind, contact_id, staff_id, email) = match owner {
            SessionOwner::Contact(id, email) => ("customer", Some(id), None, Some(email)),
            SessionOwner::Staff(id) => ("staff", None, Some(id), None),
        };
        let id = random_token(32);
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (id_hash, kind, contact_id, staff_id, created_at, expires_at, last_seen_at, email)
             VALUES ($1, $2, $3, $4, $5, $6, $5, $7)",
        )
        .bind(sha256_hex(id.as_bytes()))
        .bind(kind)
        .bind(contact_id)
        .bind(staff_id)
        .bind(now)
        .bind(now + ttl_ms)
        .bind(email)
        .execute(self.writer())
        .await?;
        Ok(id)
    }

    /// The contact of a live customer session.
    pub async fn customer_session(&self, id: &str) -> anyhow::Result<Option<i64>> {
        Ok(self
            .customer_session_email(id)
            .await?
            .map(|(contact, _)| contact))
    }

    /// The contact of a live customer session and the address it was signed in by. A session
    /// from before sessions kept their address proves none, and is no session.
    pub async fn customer_session_email(&self, id: &str) -> anyhow::Result<Option<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT s.contact_id, s.email FROM sessions s JOIN contacts c ON c.id = s.contact_id
             WHERE s.id_hash = $1 AND s.kind = 'customer' AND s.expires_at > $2
               AND c.erased_at IS NULL AND s.email IS NOT NULL",
        )
        .bind(sha256_hex(id.as_bytes()))
        .bind(now_ms())
        .fetch_optional(self.reader())
        .await?)
    }

    /// The address typed on the preference page that waits for its confirmation (DESIGN §4).
    pub async fn pending_email(&self, contact_id: i64) -> anyhow::Result<Option<String>> {
        Ok(sqlx::query_scalar::<_, Option<String>>(
            "SELECT pending_email FROM contacts WHERE id = $1 AND erased_at IS NULL",
        )
        .bind(contact_id)
        .fetch_optional(self.reader())
        .await?
        .flatten())
    }

    /// Sets (or, with `None`, withdraws) the address waiting for confirmation.
    pub async fn set_pending_email(
        &self,
        contact_id: i64,
        email: Option<&str>,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE contacts SET pending_email = $2 WHERE id = $1")
            .bind(contact_id)
            .bind(email)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// The language of the contact a live customer session is for (the page's language).
    pub async fn session_locale(&self, id: &str) -> anyhow::Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT c.locale FROM sessions s JOIN contacts c ON c.id = s.contact_id
             WHERE s.id_hash = $1 AND s.kind = 'customer' AND s.expires_at > $2 AND c.erased_at IS NULL",
        )
        .bind(sha256_hex(id.as_bytes()))
        .bind(now_ms())
        .fetch_optional(self.reader())
        .await?)
    }

    /// The language to write to a contact in: theirs, else English.
    pub async fn contact_language(&self, contact_id: i64) -> anyhow::Result<app::i18n::Lang> {
        Ok(self
            .contact_locale(contact_id)
            .await?
            .and_then(|l| app::i18n::Lang::from_code(&l))
            .unwrap_or_default())
    }

    /// A contact's language, unless the contact was erased.
    pub async fn contact_locale(&self, contact_id: i64) -> anyhow::Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT locale FROM contacts WHERE id = $1 AND erased_at IS NULL")
                .bind(contact_id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// Ends a session.
    pub async fn delete_session(&self, id: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(sha256_hex(id.as_bytes()))
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Counts one attempt in the key's window and answers whether it is within `limit`.
    /// Windows live in the database, so every instance counts together.
    pub async fn rate_limit(&self, key: &str, limit: i64, window_ms: i64) -> anyhow::Result<bool> {
        // The window opens at a key's first attempt and closes `window_ms` later; it is not a
        // clock-aligned bucket, whose edge would reset every count mid-burst (twice the limit
        // across a quarter hour, and a lockout that forgets).
        let now = now_ms();
        let count: i64 = sqlx::query_scalar(
            "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
             ON CONFLICT (key) DO UPDATE SET
                count = CASE WHEN rate_limits.window_start > $3
                             THEN rate_limits.count + 1 ELSE 1 END,
                window_start = CASE WHEN rate_limits.window_start > $3
                                    THEN rate_limits.window_start ELSE excluded.window_start END
             RETURNING count",
        )
        .bind(key)
        .bind(now)
        .bind(now - window_ms)
        .fetch_one(self.writer())
        .await?;
        Ok(count <= limit)
    }

    /// Counts one failure under `key` and returns the failures in a row: a failure more than
    /// `forget_ms` after the last one starts the count again. The row's `window_start` is the
    /// last failure's time, so the purge of day-old windows forgets quiet keys too.
    pub async fn count_failure(&self, key: &str, forget_ms: i64) -> anyhow::Result<i64> {
        let now = now_ms();
        Ok(sqlx::query_scalar(
            "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
             ON CONFLICT (key) DO UPDATE SET
                count = CASE WHEN rate_limits.window_start > $3
                             THEN rate_limits.count + 1 ELSE 1 END,
                window_start = excluded.window_start
             RETURNING count",
        )
        .bind(key)
        .bind(now)
        .bind(now - forget_ms)
        .fetch_one(self.writer())
        .await?)
    }

    /// The failures in a row under `key` and when the last one was, if within `forget_ms`.
    pub async fn failures(&self, key: &str, forget_ms: i64) -> anyhow::Result<Option<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT count, window_start FROM rate_limits WHERE key = $1 AND window_start > $2",
        )
        .bind(key)
        .bind(now_ms() - forget_ms)
        .fetch_optional(self.reader())
        .await?)
    }

    /// Forgets the failures under `key` (a right password).
    pub async fn forget_failures(&self, key: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM rate_limits WHERE key = $1")
            .bind(key)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// The contact with this email address, if any (case-insensitive) — unless the address is
    /// disputed: nothing at all is sent to a disputed address (DESIGN §1), sign-in links included.
    pub async fn contact_by_email(&self, email: &str) -> anyhow::Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT c.id FROM contacts c WHERE c.email_key = $1 AND c.erased_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM disputed_addresses d
                               WHERE d.contact_id = c.id AND d.kind = 'email' AND d.resolved_at IS NULL)
             ORDER BY c.id LIMIT 1",
        )
        .bind(super::changes::address::normalised(
            app::domain::AddressKind::Email,
            email,
        ))
        .fetch_optional(self.reader())
        .await?)
    }
}

/// Who a session belongs to.
#[derive(Debug, Clone)]
pub(crate) enum SessionOwner {
    /// The contact, and the address (lower case) the session was signed in by.
    Contact(i64, String),
    Staff(i64),
}

/// Stores a link token, by its hash only.
async fn insert_token_in(
    conn: &mut sqlx::AnyConnection,
    token: &str,
    contact_id: i64,
    purpose: &str,
    ttl_ms: i64,
) -> sqlx::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sign_in_tokens (token_hash, contact_id, purpose, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(contact_id)
    .bind(purpose)
    .bind(now)
    .bind(now + ttl_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
