//! Staff users and their sessions: the rows. Sign-in policy (rate limits, lockout, Argon2) is
//! `staff::users`'.

use anyhow::Context;
use app::domain::Email;

use super::{now_ms, sha256_hex, Store};

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

/// A staff user's row as sign-in reads it.
#[derive(sqlx::FromRow)]
pub struct StaffLoginRecord {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub locked_until: Option<i64>,
    pub disabled_at: Option<i64>,
}

/// A staff user as the admin's list shows it.
#[derive(sqlx::FromRow)]
pub struct StaffUserRecord {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub locked_until: Option<i64>,
}

impl Store {
    /// Every staff user, by address.
    pub async fn staff_users(&self) -> anyhow::Result<Vec<StaffUserRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, email, role, created_at, disabled_at, locked_until FROM staff_users
             ORDER BY email",
        )
        .fetch_all(self.reader())
        .await?)
    }

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

    /// The row sign-in checks, by address (case-insensitive).
    pub async fn staff_login_record(
        &self,
        email: &str,
    ) -> anyhow::Result<Option<StaffLoginRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, email, password_hash, role, locked_until, disabled_at FROM staff_users
             WHERE lower(email) = lower($1)",
        )
        .bind(email.trim())
        .fetch_optional(self.reader())
        .await?)
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
