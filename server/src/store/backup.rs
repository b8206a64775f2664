//! Backup and restore (DESIGN §8). On SQLite a backup is `VACUUM INTO`: a consistent copy taken
//! while Attune serves, holding everything — the link-signing and webhook keys live in the
//! database too, so links from before a restore still open. A restore puts a copy in place and
//! moves the event counter past every `seq` handed out, so receivers that de-duplicate on `seq`
//! never drop a new event as one they saw. Postgres has its own tools (`pg_dump`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use sqlx::{Connection, Row};

use super::{Backend, Store};

/// What Postgres operators use instead.
const POSTGRES: &str = "on Postgres, back up with `pg_dump --format=custom` and restore with \
     `pg_restore` (the link-signing and webhook keys are in the database, so they come along); \
     this command is for the embedded SQLite database";

/// The database file of an SQLite `DATABASE_URL` (`sqlite://PATH?…`, `sqlite:PATH`).
pub fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

impl Store {
    /// Writes a consistent copy of the database to `file`, which must not exist yet, while the
    /// server goes on serving. Returns the last `seq` the copy holds.
    pub async fn backup_into(&self, file: &Path) -> anyhow::Result<i64> {
        if self.backend == Backend::Postgres {
            bail!("{POSTGRES}");
        }
        if file.exists() {
            bail!("{} exists already: name a new file", file.display());
        }
        let name = file
            .to_str()
            .context("the backup file's name is not UTF-8")?;
        // One read transaction of its own: the copy is of one moment, and writers go on.
        sqlx::query("VACUUM INTO $1")
            .bind(name)
            .execute(self.reader())
            .await
            .with_context(|| format!("copying the database to {}", file.display()))?;
        ledger_seq_of(file, "ro").await
    }
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The last `seq` the backup held.
    pub backup_seq: i64,
    /// Where the event counter now stands: the next event is numbered above it.
    pub counter: i64,
}

/// Puts the SQLite backup `from` in place of the database of `database_url`. A database that
/// holds contacts or changes is replaced only with `force`; the counter moves past every `seq`
/// the replaced database handed out, and past `after` (the highest `seq` a receiver has seen,
/// for a restore onto a new machine). Attune must not be running on that database.
pub async fn restore_sqlite(
    database_url: &str,
    from: &Path,
    force: bool,
    after: Option<i64>,
) -> anyhow::Result<Restored> {
    let Some(target) = sqlite_file(database_url) else {
        bail!("{POSTGRES}");
    };
    let backup_seq = ledger_seq_of(from, "ro")
        .await
        .with_context(|| format!("{} is not an Attune backup", from.display()))?;
    let replaced_seq = match target.exists() {
        false => 0,
        true => replaced(&target, force).await?,
    };
    let counter = backup_seq.max(replaced_seq).max(after.unwrap_or(0));
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let staged = target.with_extension("restoring");
    let _ = std::fs::remove_file(&staged);
    std::fs::copy(from, &staged).with_context(|| format!("copying {}", from.display()))?;
    let mut conn = open(&staged, "rw").await?;
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'ledger_seq' AND value < $1")
        .bind(counter)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    // The replaced database's journal must not be replayed into the restored one.
    for suffix in ["-wal", "-shm"] {
        let mut journal = target.clone().into_os_string();
        journal.push(suffix);
        let _ = std::fs::remove_file(journal);
    }
    std::fs::rename(&staged, &target)
        .with_context(|| format!("putting the backup in place at {}", target.display()))?;
    Ok(Restored {
        backup_seq,
        counter,
    })
}

/// The last `seq` the database about to be replaced handed out; refuses to replace one that
/// holds contacts or changes unless `force`.
async fn replaced(target: &Path, force: bool) -> anyhow::Result<i64> {
    let mut conn = open(target, "ro").await?;
    let held: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM contacts) + (SELECT COUNT(*) FROM ledger)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap_or(0);
    let seq = ledger_seq(&mut conn).await.unwrap_or(0);
    conn.close().await?;
    if held > 0 && !force {
        bail!(
            "{} already holds contacts and changes (up to seq {seq}); stop attune and pass --force to replace it",
            target.display()
        );
    }
    Ok(seq)
}

async fn ledger_seq_of(file: &Path, mode: &str) -> anyhow::Result<i64> {
    if !file.is_file() {
        bail!("there is no file {}", file.display());
    }
    let mut conn = open(file, mode).await?;
    let seq = ledger_seq(&mut conn).await;
    conn.close().await?;
    seq
}

async fn ledger_seq(conn: &mut sqlx::AnyConnection) -> anyhow::Result<i64> {
    let row = sqlx::query("SELECT value FROM counters WHERE name = 'ledger_seq'")
        .fetch_one(&mut *conn)
        .await
        .context("it has no event counter")?;
    Ok(row.try_get("value")?)
}

async fn open(file: &Path, mode: &str) -> anyhow::Result<sqlx::AnyConnection> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode={mode}", file.display());
    sqlx::AnyConnection::connect(&url)
        .await
        .with_context(|| format!("opening {}", file.display()))
}
