//! Staff users: Argon2id password hashes, sign-in with rate limits and lockout back-off, and
//! server-side staff sessions (kept apart from customer sessions by `kind`).
//!
//! The back-off counts failed passwords per address *and client*: a stranger guessing from one
//! place makes only themselves wait, never the real user elsewhere. It is keyed by the address
//! as typed, whether or not it has an account, so an unknown address is answered on exactly
//! the same schedule as a real one.

use std::sync::OnceLock;

use anyhow::Context;

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

pub use crate::store::staff::{Role, StaffUser};
use crate::store::{now_ms, random_token, sha256_hex, staff::StaffLoginRecord, Store};

/// How long a staff session lasts: a working day.
pub const STAFF_SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Failed passwords in a row, at one address from one client, before that client waits.
pub const LOCK_AFTER: i64 = 5;
const FIRST_LOCK_MS: i64 = 60 * 1000;
const MAX_LOCK_MS: i64 = 3600 * 1000;
/// A client's failures at an address are forgotten after a day with none (the purge keeps
/// rate-limit rows for a day).
const FAILURES_KEPT_MS: i64 = 24 * 3600 * 1000;
/// The window of the per-client limit on attempts.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// The shortest password `attune staff create --password-stdin` accepts.
pub const MIN_PASSWORD_LEN: usize = 12;

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
    /// Every password check is busy: refused at once, without checking the password or
    /// counting a failure.
    Busy,
}

fn email_key(email: &str) -> String {
    sha256_hex(email.trim().to_lowercase().as_bytes())
}

/// How long a client waits after `failed` failures in a row: a minute after the fifth,
/// doubling with each further one, at most an hour.
fn lock_ms(failed: i64) -> Option<i64> {
    let doublings = (failed - LOCK_AFTER).clamp(0, 10) as u32;
    (failed >= LOCK_AFTER).then(|| (FIRST_LOCK_MS << doublings).min(MAX_LOCK_MS))
}

/// Sign-in policy: rate limits, lockout back-off, Argon2; the rows are `store::staff`'s.
impl Store {
    /// One sign-in attempt: the client's limit, the back-off for this address and client, then
    /// the password (DESIGN §1, §9). Known and unknown addresses take the same steps.
    pub async fn staff_login(
        &self,
        email: &str,
        password: String,
        client_ip: Option<std::net::IpAddr>,
        per_ip_limit: i64,
        checks: &tokio::sync::Semaphore,
    ) -> anyhow::Result<Login> {
        let client =
            client_ip.map_or_else(|| "unknown".to_owned(), crate::http::client_ip::rate_key);
        if client_ip.is_some()
            && !self
                .rate_limit(&format!("staff_login:ip:{client}"), per_ip_limit, WINDOW_MS)
                .await?
        {
            return Ok(Login::RateLimited);
        }
        let failures_key = format!("staff_login:failed:{}:{client}", email_key(email));
        let now = now_ms();
        if let Some((failed, last)) = self.failures(&failures_key, FAILURES_KEPT_MS).await? {
            let until = lock_ms(failed).map(|ms| last + ms);
            if let Some(until_ms) = until.filter(|u| *u > now) {
                return Ok(Login::Locked { until_ms });
            }
        }
        let row = self.staff_login_record(email).await?;
        let hash = row.as_ref().map(|r| r.password_hash.clone());
        // A flood of sign-ins must not queue without end behind Argon2: past the bound, the
        // answer is an immediate "busy".
        let Ok(_permit) = checks.try_acquire() else {
            return Ok(Login::Busy);
        };
        let ok = verify_password(hash, password).await;
        match row {
            Some(StaffLoginRecord {
                id,
                email,
                role,
                disabled_at: None,
                ..
            }) if ok => {
                self.forget_failures(&failures_key).await?;
                Ok(Login::Ok(StaffUser {
                    id,
                    email,
                    role: Role::parse(&role)?,
                }))
            }
            _ => {
                // Unknown address, wrong password, disabled user: one failure, counted alike.
                let failed = self.count_failure(&failures_key, FAILURES_KEPT_MS).await?;
                if failed == LOCK_AFTER {
                    tracing::warn!(
                        failed,
                        "staff sign-ins at one address from one client wait after failed passwords"
                    );
                }
                Ok(Login::Invalid)
            }
        }
    }

    /// Starts a staff session and returns its id (the cookie value); only the hash is stored.
    pub async fn create_staff_session(&self, staff_id: i64) -> anyhow::Result<String> {
        self.create_session(
            crate::store::sessions::SessionOwner::Staff(staff_id),
            STAFF_SESSION_TTL_MS,
        )
        .await
    }
}
