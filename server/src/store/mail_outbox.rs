//! Mail waiting to be sent (DESIGN §7): queued by what causes it, claimed by the mail worker
//! under a lease, deleted once sent, so a sent mail's links do not stay in the database. A mail
//! whose every attempt failed keeps its row, without its text, for the operator to see.

use sqlx::{AnyConnection, Row};

use super::{now_ms, random_token, Backend, Store};

/// How long a claim holds a mail: longer than a whole SMTP conversation may take (each command
/// waits at most 20 s), so a live worker finishes first; a mail claimed by a worker that died is
/// tried again when it runs out.
pub const LEASE_MS: i64 = 5 * 60_000;

/// A message to one address, as it is queued and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedText {
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Held while a background task queues a mail; see [`Store::mail_queueing`].
pub struct QueueingGuard(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for QueueingGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A mail claimed for one attempt.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    pub id: i64,
    pub lease_token: String,
    /// Attempts made before this one.
    pub attempts: i64,
    pub mail: QueuedText,
}

/// Queues a mail in the caller's transaction: it is sent once that commits, and never if it
/// does not. Call [`Store::mail_queued`] after the commit to send it at once.
pub async fn queue_mail_in(
    conn: &mut AnyConnection,
    contact_id: Option<i64>,
    mail: &QueuedText,
) -> sqlx::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mail_outbox (contact_id, recipient, subject, text_body, html_body, attempts,
                                  next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
    )
    .bind(contact_id)
    .bind(&mail.recipient)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Queues a mail on its own and wakes the worker.
    pub async fn queue_mail(
        &self,
        contact_id: Option<i64>,
        mail: &QueuedText,
    ) -> anyhow::Result<()> {
        let mut conn = self.writer().acquire().await?;
        queue_mail_in(&mut conn, contact_id, mail).await?;
        self.mail_queued();
        Ok(())
    }

    /// Marks a mail as being queued by a background task until the guard is dropped: counted as
    /// unsent meanwhile ([`Store::mail_unsent`]), so a test that settles waits for it too.
    pub fn mail_queueing(&self) -> QueueingGuard {
        self.mail_queueing
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        QueueingGuard(self.mail_queueing.clone())
    }

    /// Wakes this process's mail worker (after a commit that queued mail).
    pub fn mail_queued(&self) {
        self.mail_signal.notify_one();
    }

    /// Waits until [`Store::mail_queued`] is called (a call made before waiting counts).
    pub async fn mail_wait(&self) {
        self.mail_signal.notified().await
    }

    /// Claims up to `limit` mails that are due, each leased to the caller.
    pub async fn claim_mails(&self, limit: usize) -> anyhow::Result<Vec<ClaimedMail>> {
        let now = now_ms();
        let token = random_token(12);
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let claimed = sqlx::query(&format!(
            "UPDATE mail_outbox SET lease_until = $1, lease_token = $2
             WHERE id IN (
                SELECT id FROM mail_outbox
                WHERE failed_at IS NULL AND next_attempt_at <= $3
                  AND (lease_until IS NULL OR lease_until < $3)
                ORDER BY next_attempt_at, id LIMIT $4 {lock})"
        ))
        .bind(now + LEASE_MS)
        .bind(&token)
        .bind(now)
        .bind(limit as i64)
        .execute(self.writer())
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT id, attempts, recipient, subject, text_body, html_body FROM mail_outbox
             WHERE lease_token = $1 ORDER BY id",
        )
        .bind(&token)
        .fetch_all(self.writer())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClaimedMail {
                    id: r.try_get("id")?,
                    lease_token: token.clone(),
                    attempts: r.try_get("attempts")?,
                    mail: QueuedText {
                        recipient: r.try_get("recipient")?,
                        subject: r.try_get("subject")?,
                        text: r.try_get("text_body")?,
                        html: r.try_get("html_body")?,
                    },
                })
            })
            .collect()
    }

    /// A claimed mail was sent: its row goes, links and all.
    pub async fn mail_sent(&self, id: i64, lease_token: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM mail_outbox WHERE id = $1 AND lease_token = $2")
            .bind(id)
            .bind(lease_token)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// A claimed mail's attempt failed: it is tried again at `retry_at`, or, with `None`, given
    /// up on (its address and text are dropped; the row stays, with its error, to be counted).
    pub async fn mail_failed(
        &self,
        id: i64,
        lease_token: &str,
        retry_at: Option<i64>,
        error: &str,
    ) -> anyhow::Result<()> {
        let sql = match retry_at {
            Some(_) => {
                "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $3,
                        lease_until = NULL, lease_token = NULL, last_error = $4
                 WHERE id = $1 AND lease_token = $2"
            }
            None => {
                "UPDATE mail_outbox SET attempts = attempts + 1, failed_at = $3, lease_until = NULL,
                        lease_token = NULL, last_error = $4, recipient = '', subject = '',
                        text_body = '', html_body = ''
                 WHERE id = $1 AND lease_token = $2"
            }
        };
        sqlx::query(sql)
            .bind(id)
            .bind(lease_token)
            .bind(retry_at.unwrap_or_else(now_ms))
            .bind(error)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Gives back the leases of mails a stopping worker did not get to send.
    pub async fn release_mail_leases(&self, lease_tokens: &[String]) -> anyhow::Result<()> {
        for token in lease_tokens {
            sqlx::query(
                "UPDATE mail_outbox SET lease_until = NULL, lease_token = NULL WHERE lease_token = $1",
            )
            .bind(token)
            .execute(self.writer())
            .await?;
        }
        Ok(())
    }

    /// Mails not yet sent and not given up on, those being queued included (what a test
    /// settles).
    pub async fn mail_unsent(&self) -> anyhow::Result<i64> {
        let queueing = self.mail_queueing.load(std::sync::atomic::Ordering::SeqCst);
        let queued: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE failed_at IS NULL")
                .fetch_one(self.writer())
                .await?;
        Ok(queued + queueing as i64)
    }
}
