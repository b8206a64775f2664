//! Storage: one code path over SQLite and Postgres through sqlx's `Any` driver.
//!
//! SQL here is written once for both backends (`$n` placeholders, `ON CONFLICT`, `RETURNING`).
//! Times are Unix milliseconds. Flags are `BOOLEAN` on Postgres and 0/1 on SQLite; [`flag`]
//! reads both. Every query runs in the test suite against both backends.

pub mod address_choices;
pub mod backup;
pub mod changes;
pub mod console;
pub mod contact_view;
pub mod contacts;
pub mod decisions;
pub mod endpoints;
pub mod events;
pub mod idempotency;
pub mod keys;
pub mod ledger;
pub mod mail_outbox;
pub mod purge;
pub mod read_model;
pub mod rows;
pub mod senders;
pub mod sessions;
pub mod staff;
pub mod topics;
pub mod webhooks;

use anyhow::Context;
use sqlx::{
    any::{AnyPoolOptions, AnyRow},
    AnyPool, Row,
};
use std::time::Duration;

pub use changes::{
    apply_change, apply_change_if, apply_change_in, apply_changes, ChangeError, ChangeField,
    ChangeOp, ChangeRequest, Committed, ContactField, EventType, FieldChange, Grant,
};
pub use topics::parse_topics_toml as parse_topics_toml_checked;

/// The log level of the database driver by default: its per-statement lines are noise.
pub const LOG_DIRECTIVE: &str = "sqlx=warn";

/// Which database is behind the pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle shared by the whole server.
///
/// SQLite allows one writer at a time; instead of letting concurrent writers collide and retry,
/// every write transaction goes through a pool of one connection, so writers queue in-process.
/// On Postgres both pools are the same, and row locks order the writers.
#[derive(Clone)]
pub struct Store {
    pub backend: Backend,
    read: AnyPool,
    write: AnyPool,
    /// Topics by key, reloaded when older than a few seconds (decisions read them constantly;
    /// they change rarely).
    topics_cache: std::sync::Arc<std::sync::RwLock<Option<std::sync::Arc<topics::TopicCache>>>>,
    /// Live API keys (by hash) seen in the last few seconds: every sender request needs one.
    senders_cache: std::sync::Arc<std::sync::RwLock<senders::SenderCache>>,
    /// Rung after a commit that wrote outbox rows, so this process's webhook worker starts at
    /// once instead of at its next poll.
    outbox_signal: std::sync::Arc<tokio::sync::Notify>,
    /// Rung when a mail is queued, so the mail worker sends it at once.
    mail_signal: std::sync::Arc<tokio::sync::Notify>,
    /// Mails being queued by a background task right now ([`Store::mail_queueing`]).
    mail_queueing: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// SQLite only: the writer task that commits concurrent changes together (group commit),
    /// and whether [`changes::apply_change`] uses it.
    committer: Option<changes::Committer>,
    group_commit: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// What decisions read, held in memory and kept current from the ledger.
    read_model: std::sync::Arc<read_model::ReadModel>,
    /// Postgres only: where [`Store::follow_changes`] listens for other instances' changes.
    listen_url: Option<std::sync::Arc<str>>,
}

impl Store {
    /// Connects (creating the SQLite file and its folder if needed) and runs the migrations.
    pub async fn connect(database_url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let store = if database_url.starts_with("sqlite:") {
            Self::connect_sqlite(database_url).await?
        } else {
            Self::connect_postgres(database_url).await?
        };
        store.migrate().await?;
        Ok(store)
    }

    /// SQLite: one writer connection (with the group-commit task on it) and eight readers.
    async fn connect_sqlite(database_url: &str) -> anyhow::Result<Self> {
        if let Some(dir) = sqlite_dir(database_url) {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let write = sqlite_pool_options()
            .max_connections(1)
            .connect(database_url)
            .await
            .context("opening the SQLite database")?;
        let read = sqlite_pool_options()
            .max_connections(8)
            .connect(database_url)
            .await
            .context("opening the SQLite database")?;
        let outbox_signal: std::sync::Arc<tokio::sync::Notify> = Default::default();
        let read_model: std::sync::Arc<read_model::ReadModel> = Default::default();
        Ok(Store {
            backend: Backend::Sqlite,
            committer: Some(changes::Committer::spawn(
                write.clone(),
                outbox_signal.clone(),
                read_model.clone(),
            )),
            read_model,
            listen_url: None,
            group_commit: std::sync::Arc::new(true.into()),
            read,
            write,
            topics_cache: Default::default(),
            senders_cache: Default::default(),
            outbox_signal,
            mail_signal: Default::default(),
            mail_queueing: Default::default(),
        })
    }

    /// Postgres: one pool for reads and writes, and the URL to listen for other instances on.
    async fn connect_postgres(database_url: &str) -> anyhow::Result<Self> {
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(database_url)
            .await
            .context("connecting to Postgres")?;
        Ok(Store {
            backend: Backend::Postgres,
            read: pool.clone(),
            write: pool,
            topics_cache: Default::default(),
            senders_cache: Default::default(),
            outbox_signal: Default::default(),
            mail_signal: Default::default(),
            mail_queueing: Default::default(),
            read_model: Default::default(),
            listen_url: Some(database_url.into()),
            committer: None,
            group_commit: std::sync::Arc::new(false.into()),
        })
    }

    /// Brings the schema up to date; safe to run from several instances at once.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.write).await,
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.write)
                    .await
            }
        }
        .context("running database migrations")?;
        self.fill_email_keys()
            .await
            .context("keying email addresses written before the email_key column")
    }

    /// Gives every contact written before migration 0010 its `email_key` (Rust's folding, which
    /// SQL cannot compute), a thousand rows a transaction; quick when there are none. Run at
    /// start and with every purge (an older instance beside this one, in a rolling upgrade,
    /// still writes contacts without it).
    pub async fn fill_email_keys(&self) -> anyhow::Result<()> {
        loop {
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, email FROM contacts WHERE email_key IS NULL AND email IS NOT NULL LIMIT 1000",
            )
            .fetch_all(&self.write)
            .await?;
            if rows.is_empty() {
                return Ok(());
            }
            let mut tx = self.write.begin().await?;
            for (id, email) in rows {
                sqlx::query("UPDATE contacts SET email_key = $2 WHERE id = $1")
                    .bind(id)
                    .bind(changes::address::normalised(
                        app::domain::AddressKind::Email,
                        &email,
                    ))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }

    /// The pool for reads that need no transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The pool every write transaction starts from.
    pub fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// Answers whether the database responds (for `/readyz`).
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Turns SQLite group commit on or off (on by default; `ATTUNE_GROUP_COMMIT=false` turns
    /// it off). Off, every change commits on its own, as on Postgres.
    pub fn set_group_commit(&self, on: bool) {
        self.group_commit.store(
            on && self.committer.is_some(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// The group-commit writer, when it is in use.
    fn committer(&self) -> Option<&changes::Committer> {
        self.committer
            .as_ref()
            .filter(|_| self.group_commit.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Says that a committed transaction wrote ledger and outbox rows: wakes the webhook
    /// worker, and tells the decisions' read model to read the ledger before the next decision.
    pub fn outbox_written(&self) {
        self.read_model.changed();
        self.outbox_signal.notify_one();
    }

    /// Reads every live contact into the decisions' read model (up to its capacity), and
    /// says how long it took.
    pub async fn warm_read_model(&self) {
        let started = std::time::Instant::now();
        match self.read_model.warm(self.reader()).await {
            Ok(n) => {
                metrics::gauge!("attune_read_model_contacts").set(self.read_model.len() as f64);
                tracing::info!(
                    contacts = n,
                    millis = started.elapsed().as_millis() as u64,
                    "read model warm"
                );
            }
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "could not warm the read model"),
        }
    }

    /// Keeps the decisions' read model current with changes made by other processes (and
    /// sends they recorded): reads the ledger when Postgres says another instance committed
    /// one, and every [`read_model::POLL`] in any case. Runs until dropped.
    pub async fn follow_changes(&self) {
        let heard = std::sync::Arc::new(tokio::sync::Notify::new());
        let _listener = self.listen_url.clone().map(|url| {
            let heard = heard.clone();
            AbortOnDrop(tokio::spawn(async move {
                read_model::listen(&url, &heard).await
            }))
        });
        let mut every = tokio::time::interval(read_model::POLL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = heard.notified() => {}
            }
            metrics::gauge!("attune_read_model_contacts").set(self.read_model.len() as f64);
            if let Err(e) = self.read_model.catch_up(self.reader(), true).await {
                tracing::warn!(error = %format!("{e:#}"), "could not read the ledger for the read model");
            }
        }
    }

    /// Waits until [`Store::outbox_written`] is called (a call made before waiting counts).
    pub async fn outbox_wait(&self) {
        self.outbox_signal.notified().await
    }

    /// Closes every connection, waiting for running queries.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// A task that stops when its handle is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Every SQLite connection's settings. WAL lets readers run beside the writer; FULL makes a
/// commit durable before it is acknowledged.
fn sqlite_pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new()
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _| {
            Box::pin(async move {
                for pragma in [
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA synchronous = FULL",
                    "PRAGMA busy_timeout = 10000",
                    "PRAGMA foreign_keys = ON",
                    // 32 MiB of page cache per connection (the default is 2 MiB), so indexes
                    // of a million contacts stay in memory.
                    "PRAGMA cache_size = -32768",
                ] {
                    sqlx::query(pragma).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
}

/// The folder of an SQLite database file, when it names one.
fn sqlite_dir(url: &str) -> Option<std::path::PathBuf> {
    backup::sqlite_file(url)?
        .parent()
        .map(|p| p.to_path_buf())
        .filter(|p| !p.as_os_str().is_empty())
}

/// Reads a flag column: Postgres `BOOLEAN` or SQLite 0/1.
pub fn flag(row: &AnyRow, col: &str) -> sqlx::Result<bool> {
    row.try_get::<bool, _>(col)
        .or_else(|_| row.try_get::<i64, _>(col).map(|v| v != 0))
}

/// A `LIKE` pattern (with `ESCAPE '\\'`) matching any text that contains `term` literally.
pub(crate) fn contains_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// `$from, $from+1, …`: `n` numbered placeholders for an `IN (…)` list.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A flag from a LEFT JOIN: NULL (no row) reads as false.
pub(crate) fn opt_flag(row: &AnyRow, col: &str) -> sqlx::Result<bool> {
    if let Ok(v) = row.try_get::<Option<bool>, _>(col) {
        return Ok(v.unwrap_or(false));
    }
    Ok(row.try_get::<Option<i64>, _>(col)?.unwrap_or(0) != 0)
}

/// The current time in Unix milliseconds, the unit of every stored time.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// SHA-256 in lowercase hex: how tokens and keys are stored.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// `n` random bytes from the operating system's generator, URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    use rand::TryRngCore;
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the OS random generator failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
