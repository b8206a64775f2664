//! Staff users: Argon2id password hashes, sign-in with rate limits and lockout back-off, and
//! server-side staff sessions (kept apart from customer sessions by `kind`).

use std::sync::OnceLock;

use anyhow::Context;
use app::domain::Email;
use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

use crate::store::{now_ms, random_token, sha256_hex, Store};

/// How long a staff session lasts: a working day.
pub const STAFF_SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Failed passwords in a row before the account locks for a while.
pub const LOCK_AFTER: i64 = 5;
const FIRST_LOCK_MS: i64 = 60 * 1000;
const MAX_LOCK_MS: i64 = 3600 * 1000;
/// Sign-in attempts per address in [`WINDOW_MS`] (known or not).
pub const PER_EMAIL_LIMIT: i64 = 10;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// The shortest password `attune staff create --password-stdin` accepts.
pub const MIN_PASSWORD_LEN: usize = 12;

/// What a staff user may do (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Finds contacts and changes their settings on their behalf, with a reason.
    Agent,
    /// Also manages topics, senders, webhook endpoints and staff users.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        match s {
            "admin" => Ok(Role::Admin),
            "agent" => Ok(Role::Agent),
            other => anyhow::bail!("unknown role {other:?}; expected admin or agent"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }
}

/// A signed-in staff user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

impl StaffUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Argon2id with the OWASP minimum: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string. CPU-heavy: call through [`hash_password`].
pub fn hash_password_blocking(password: &str) -> anyhow::Result<String> {
    use rand::TryRngCore;
    let mut salt = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .context("the OS random generator failed")?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string())
}

/// Whether `password` matches the PHC string `hash` (any Argon2 parameters it names).
pub fn verify_password_blocking(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// [`hash_password_blocking`] off the async threads (STYLE habit 8).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password)).await?
}

/// [`verify_password_blocking`] off the async threads. With no hash (an unknown address) it
/// checks against a dummy hash, so that the answer takes as long either way.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password_blocking(&h, &password),
        None => {
            let dummy = DUMMY.get_or_init(|| {
                hash_password_blocking("not a real password, only for timing").unwrap_or_default()
            });
            let _ = verify_password_blocking(dummy, &password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A password for a new staff user: 120 random bits, URL-safe.
pub fn generate_password() -> String {
    random_token(15)
}

/// How a sign-in attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Ok(StaffUser),
    /// Unknown address, wrong password or disabled user: one answer for all three.
    Invalid,
    /// Too many failures: refused without checking the password.
    Locked {
        until_ms: i64,
    },
    /// Too many attempts from this address or client.
    RateLimited,
}

/// A staff user row as sign-in reads it: id, email, hash, role, locked until, disabled at.
type LoginRecord = (i64, String, String, String, Option<i64>, Option<i64>);

fn email_key(email: &str) -> String {
    sha256_hex(email.trim().to_lowercase().as_bytes())
}

impl Store {
    /// Creates a staff user; refuses an address that already has one.
    pub async fn create_staff_user(
        &self,
        email: &Email,
        role: Role,
        password_hash: &str,
    ) -> anyhow::Result<i64> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO staff_users (email, password_hash, role, created_at)
             SELECT $1, $2, $3, $4 WHERE NOT EXISTS
                (SELECT 1 FROM staff_users WHERE lower(email) = lower($1))
             ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(email.as_str())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now_ms())
        .fetch_optional(self.writer())
        .await?;
        id.context("a staff user with this email address already exists")
    }

    /// Disables (or enables again) a staff user; a disabled user's sessions end at once.
    /// Returns whether the user exists.
    pub async fn set_staff_disabled(&self, id: i64, disabled: bool) -> anyhow::Result<bool> {
        let mut tx = self.writer().begin().await?;
        let done = sqlx::query("UPDATE staff_users SET disabled_at = $2 WHERE id = $1")
            .bind(id)
            .bind(disabled.then(now_ms))
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE kind = 'staff' AND staff_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// The id of the staff user with this address.
    pub async fn staff_id_by_email(&self, email: &str) -> anyhow::Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM staff_users WHERE lower(email) = lower($1)")
                .bind(email.trim())
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// One sign-in attempt: rate limits, lockout, then the password (DESIGN §1, issue 7).
    pub async fn staff_login(
        &self,
        email: &str,
        password: String,
        client_ip: Option<std::net::IpAddr>,
        per_ip_limit: i64,
    ) -> anyhow::Result<Login> {
        if let Some(ip) = client_ip {
            if !self
                .rate_limit(&format!("staff_login:ip:{ip}"), per_ip_limit, WINDOW_MS)
                .await?
            {
                return Ok(Login::RateLimited);
            }
        }
        let key = format!("staff_login:email:{}", email_key(email));
        if !self.rate_limit(&key, PER_EMAIL_LIMIT, WINDOW_MS).await? {
            return Ok(Login::RateLimited);
        }
        let row: Option<LoginRecord> = sqlx::query_as(
            "SELECT id, email, password_hash, role, locked_until, disabled_at FROM staff_users
             WHERE lower(email) = lower($1)",
        )
        .bind(email.trim())
        .fetch_optional(self.reader())
        .await?;
        let now = now_ms();
        if let Some((_, _, _, _, Some(until), _)) = &row {
            if *until > now {
                return Ok(Login::Locked { until_ms: *until });
            }
        }
        if row.is_none() {
            // An unknown address "locks" after as many failures as a real account, so the
            // lockout message does not tell which addresses have accounts.
            let key = format!("staff_login:unknown:{}", email_key(email));
            if !self.rate_limit(&key, LOCK_AFTER, WINDOW_MS).await? {
                return Ok(Login::Locked {
                    until_ms: now + FIRST_LOCK_MS,
                });
            }
        }
        let hash = row.as_ref().map(|r| r.2.clone());
        let ok = verify_password(hash, password).await;
        let Some((id, email, _, role, _, disabled)) = row else {
            return Ok(Login::Invalid);
        };
        if ok && disabled.is_none() {
            sqlx::query(
                "UPDATE staff_users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(self.writer())
            .await?;
            return Ok(Login::Ok(StaffUser {
                id,
                email,
                role: Role::parse(&role)?,
            }));
        }
        if !ok {
            let failed: i64 = sqlx::query_scalar(
                "UPDATE staff_users SET failed_logins = failed_logins + 1 WHERE id = $1
                 RETURNING failed_logins",
            )
            .bind(id)
            .fetch_one(self.writer())
            .await?;
            if failed >= LOCK_AFTER {
                tracing::warn!(
                    staff_id = id,
                    failed,
                    "staff account locked after failed sign-ins"
                );
                // 1 minute, doubling with each further failure, at most an hour.
                let doublings = (failed - LOCK_AFTER).min(10) as u32;
                let lock = (FIRST_LOCK_MS << doublings).min(MAX_LOCK_MS);
                sqlx::query("UPDATE staff_users SET locked_until = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now_ms() + lock)
                    .execute(self.writer())
                    .await?;
            }
        }
        Ok(Login::Invalid)
    }

    /// Starts a staff session and returns its id (the cookie value); only the hash is stored.
    pub async fn create_staff_session(&self, staff_id: i64) -> anyhow::Result<String> {
        self.create_session(
            crate::store::sessions::SessionOwner::Staff(staff_id),
            STAFF_SESSION_TTL_MS,
        )
        .await
    }

    /// The staff user of a live staff session; disabled users have none.
    pub async fn staff_session(&self, id: &str) -> anyhow::Result<Option<StaffUser>> {
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT u.id, u.email, u.role FROM sessions s JOIN staff_users u ON u.id = s.staff_id
             WHERE s.id_hash = $1 AND s.kind = 'staff' AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(sha256_hex(id.as_bytes()))
        .bind(now_ms())
        .fetch_optional(self.reader())
        .await?;
        row.map(|(id, email, role)| {
            Ok(StaffUser {
                id,
                email,
                role: Role::parse(&role)?,
            })
        })
        .transpose()
    }
}
