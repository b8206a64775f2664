//! `cargo bench -p server --bench drivers`: sqlx's `Any` driver, through which the store runs
//! one code path for both backends, against the native SQLite and Postgres drivers, on the SQL
//! the hot paths still run now that decisions read memory (issue 16):
//!
//! - the record path's read of one contact (its row with its global settings, then its
//!   preferences), 8 tasks at once on a pool of 8;
//! - a change's write transaction (bump the version, take the next `seq`, write the ledger and
//!   outbox rows, commit durably), one at a time on one connection, as SQLite's writer does.
//!
//! The same SQL on the same database, the `Any` pool being the store's own; the drivers take
//! turns, median of 3.

mod common;

use std::time::Instant;

use sqlx::Row;

const CONTACTS: u64 = 10_000;
const TASKS: usize = 8;
const READS: usize = 16_000;
const WRITES: usize = 400;
const RUNS: usize = 3;

/// Flags are cast so that one column type decodes from both backends through both drivers.
const READ_CONTACT: &str = "SELECT c.id, c.email, CAST(CAST(c.email_verified AS INTEGER) AS BIGINT) AS email_verified,
        c.phone, c.locale, c.time_zone, c.version, CAST(CAST(g.unsubscribed_all AS INTEGER) AS BIGINT) AS unsubscribed_all,
        g.channel_opt_outs, g.paused_until, g.weekly_cap
 FROM contacts c LEFT JOIN global_settings g ON g.contact_id = c.id WHERE c.ref = $1";
const READ_PREFS: &str =
    "SELECT topic_id, CAST(CAST(subscribed AS INTEGER) AS BIGINT) AS subscribed, channels, frequency
 FROM preferences WHERE contact_id = $1";
const BUMP_VERSION: &str =
    "UPDATE contacts SET version = version + 1, updated_at = $2 WHERE id = $1 RETURNING version";
const NEXT_SEQ: &str =
    "UPDATE counters SET value = value + 1 WHERE name = 'ledger_seq' RETURNING value";
const LEDGER_ROW: &str = "INSERT INTO ledger (seq, contact_id, version, event_type, actor_kind,
        actor_id, reason, changes, request_meta, occurred_at)
 VALUES ($1, $2, $3, 'preferences.updated', 'one_click', NULL, NULL, $4, NULL, $5)";
const OUTBOX_ROW: &str = "INSERT INTO outbox (seq, contact_id, event_type, payload, created_at)
 VALUES ($1, $2, 'preferences.updated', $3, $4)";
const CHANGES: &str = r#"[{"field":"preferences.offers.subscribed","from":true,"to":false}]"#;

/// Reads per second: `READS` contacts over `TASKS` tasks, every row decoded.
macro_rules! reads {
    ($pool:expr) => {{
        let start = Instant::now();
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let pool = $pool.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..READS / TASKS {
                    let n = (t as u64 * 7919 + i as u64 * 104_729) % CONTACTS + 1;
                    let row = sqlx::query(READ_CONTACT)
                        .bind(format!("bulk-{n}"))
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                    let id: i64 = row.try_get("id").unwrap();
                    let _: (Option<String>, i64, Option<String>, String, String, i64) = (
                        row.try_get("email").unwrap(),
                        row.try_get("email_verified").unwrap(),
                        row.try_get("phone").unwrap(),
                        row.try_get("locale").unwrap(),
                        row.try_get("time_zone").unwrap(),
                        row.try_get("version").unwrap(),
                    );
                    let _: (Option<i64>, Option<String>, Option<i64>, Option<i64>) = (
                        row.try_get("unsubscribed_all").unwrap(),
                        row.try_get("channel_opt_outs").unwrap(),
                        row.try_get("paused_until").unwrap(),
                        row.try_get("weekly_cap").unwrap(),
                    );
                    let prefs = sqlx::query(READ_PREFS)
                        .bind(id)
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                    assert_eq!(prefs.len(), 10, "every bench contact has ten choices");
                    for p in &prefs {
                        let _: (i64, i64, String, String) = (
                            p.try_get("topic_id").unwrap(),
                            p.try_get("subscribed").unwrap(),
                            p.try_get("channels").unwrap(),
                            p.try_get("frequency").unwrap(),
                        );
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        READS as f64 / start.elapsed().as_secs_f64()
    }};
}

/// Durable change-shaped transactions per second, one after another, on contacts from `first`.
macro_rules! writes {
    ($pool:expr, $first:expr) => {{
        let start = Instant::now();
        for i in 0..WRITES {
            let contact = ($first + i) as i64 % CONTACTS as i64 + 1;
            let mut tx = $pool.begin().await.unwrap();
            let version: i64 = sqlx::query_scalar(BUMP_VERSION)
                .bind(contact)
                .bind(0_i64)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            let seq: i64 = sqlx::query_scalar(NEXT_SEQ)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            sqlx::query(LEDGER_ROW)
                .bind(seq)
                .bind(contact)
                .bind(version)
                .bind(CHANGES)
                .bind(0_i64)
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query(OUTBOX_ROW)
                .bind(seq)
                .bind(contact)
                .bind(CHANGES)
                .bind(0_i64)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        WRITES as f64 / start.elapsed().as_secs_f64()
    }};
}

struct Compared {
    any: f64,
    native: f64,
}

impl Compared {
    fn print(&self, what: &str) {
        println!(
            "  {what:<46} Any {:>8.0}/s   native {:>8.0}/s   native = {:.2}× Any",
            self.any,
            self.native,
            self.native / self.any
        );
    }

    fn row(&self, what: &str) {
        common::row(
            what,
            format!(
                "native {:.0}/s vs Any {:.0}/s = {:.2}×",
                self.native,
                self.any,
                self.native / self.any
            ),
            "keep the faster where it matters",
            None,
        );
    }
}

/// Seeds `CONTACTS` contacts with ten choices each and opens the store (the `Any` pools).
async fn seeded(url: &str) -> server::store::Store {
    let store = server::store::Store::connect(url).await.unwrap();
    server::demo::seed(&store, &url::Url::parse("http://127.0.0.1").unwrap())
        .await
        .unwrap();
    store.close().await;
    let owned = url.to_owned();
    tokio::task::spawn_blocking(move || common::seed(&owned, CONTACTS))
        .await
        .unwrap();
    server::store::Store::connect(url).await.unwrap()
}

async fn sqlite(dir: &std::path::Path) -> (Compared, Compared) {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    let path = dir.join("drivers.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = seeded(&url).await;
    // The store's settings (`store/mod.rs`): WAL, durable commits, 32 MiB of cache.
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(std::time::Duration::from_secs(10))
        .foreign_keys(true)
        .pragma("cache_size", "-32768");
    let native_read = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options.clone())
        .await
        .unwrap();
    let native_write = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let (any_read, any_write) = (store.reader().clone(), store.writer().clone());
    let (mut reads, mut writes) = (
        Compared {
            any: 0.0,
            native: 0.0,
        },
        Compared {
            any: 0.0,
            native: 0.0,
        },
    );
    let (mut r, mut w) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for run in 0..RUNS {
        r.0.push(reads!(any_read));
        r.1.push(reads!(native_read));
        w.0.push(writes!(any_write, 2 * run * WRITES));
        w.1.push(writes!(native_write, (2 * run + 1) * WRITES));
    }
    (reads.any, reads.native) = (common::median(r.0), common::median(r.1));
    (writes.any, writes.native) = (common::median(w.0), common::median(w.1));
    native_read.close().await;
    native_write.close().await;
    store.close().await;
    (reads, writes)
}

async fn postgres(url: &str) -> (Compared, Compared) {
    let store = seeded(url).await;
    let native = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect(url)
        .await
        .unwrap();
    let any = store.reader().clone();
    let (mut r, mut w) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for run in 0..RUNS {
        r.0.push(reads!(any));
        r.1.push(reads!(native));
        w.0.push(writes!(any, 2 * run * WRITES));
        w.1.push(writes!(native, (2 * run + 1) * WRITES));
    }
    native.close().await;
    store.close().await;
    (
        Compared {
            any: common::median(r.0),
            native: common::median(r.1),
        },
        Compared {
            any: common::median(w.0),
            native: common::median(w.1),
        },
    )
}

async fn run() {
    println!("sqlx Any driver vs the native drivers, same SQL and database, taking turns, median of {RUNS}");
    let dir = tempfile::tempdir().unwrap();
    let (reads, writes) = sqlite(dir.path()).await;
    reads.print("SQLite: read one contact (2 queries, 8 tasks)");
    writes.print("SQLite: change-shaped transaction, durable");
    reads.row("driver, record-path read (SQLite)");
    writes.row("driver, change transaction (SQLite)");

    let admin = std::env::var("ATTUNE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("attune_drivers_{}", std::process::id());
    let created = match <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
        Ok(mut c) => sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await
            .is_ok(),
        Err(_) => false,
    };
    if !created {
        println!("  Postgres: not reachable at {admin}; skipped");
        return;
    }
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    let (reads, writes) = postgres(url.as_str()).await;
    reads.print("Postgres: read one contact (2 queries, 8 tasks)");
    writes.print("Postgres: change-shaped transaction, durable");
    reads.row("driver, record-path read (Postgres)");
    writes.row("driver, change transaction (Postgres)");
    if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut c)
            .await;
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}
