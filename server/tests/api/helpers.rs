//! The test harness: fresh databases on both backends and a running application.

use std::sync::OnceLock;

use server::{config::Config, startup::Application, store::Store};
use sqlx::Connection;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Declares a test that runs on both backends, as `name::sqlite` and `name::postgres`.
macro_rules! both_backends {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($db: $crate::helpers::Db) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::helpers::Db::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::helpers::Db::Postgres).await
            }
        }
    };
}

/// The Postgres server the tests create their databases on. Override with
/// `ATTUNE_TEST_POSTGRES_URL`; the default is the local server with trust auth.
pub fn postgres_admin_url() -> String {
    std::env::var("ATTUNE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A database made for one test: a SQLite file in a temporary folder, or a new Postgres
/// database. The folder is the test's data dir too.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub async fn fresh_db(db: Db) -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = match db {
        Db::Sqlite => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("attune.db").display()
        ),
        Db::Postgres => {
            let admin = postgres_admin_url();
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| {
                    panic!("Postgres must be reachable at {admin} for the tests: {e}")
                });
            drop_stale_databases(&mut conn).await;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let name = format!("attune_t_{now}_{}", rand::random::<u32>());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("creating a test database");
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&name);
            url.to_string()
        }
    };
    TestDb { url, dir }
}

/// Test databases are named with their creation time; ones older than an hour are left over
/// from earlier runs and are dropped, once per test process.
async fn drop_stale_databases(conn: &mut sqlx::PgConnection) {
    static DONE: OnceLock<()> = OnceLock::new();
    if DONE.set(()).is_err() {
        return;
    }
    let cutoff = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600;
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'attune\\_t\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for name in names {
        let created = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        if created < cutoff {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *conn)
                .await;
        }
    }
}

/// A fresh, migrated store.
pub async fn fresh_store(db: Db) -> (Store, TestDb) {
    let test_db = fresh_db(db).await;
    let store = Store::connect(&test_db.url)
        .await
        .expect("connecting and migrating");
    (store, test_db)
}

/// A running application on a free port.
pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub client: reqwest::Client,
    /// Kept so the database outlives the app.
    pub _db: TestDb,
}

pub async fn spawn_app(db: Db) -> TestApp {
    if std::env::var_os("ATTUNE_LOG").is_some() {
        server::telemetry::init_logging();
    }
    let test_db = fresh_db(db).await;
    let data_dir = test_db.dir.path().to_string_lossy().to_string();
    let vars = [
        ("ATTUNE_LISTEN", "127.0.0.1:0".to_owned()),
        ("ATTUNE_DATA_DIR", data_dir.clone()),
        ("DATABASE_URL", test_db.url.clone()),
    ];
    let config = config_from(&vars);
    let store = Store::connect(&config.database_url)
        .await
        .expect("connecting and migrating");
    let app = Application::build_with_store(config, store.clone())
        .await
        .expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        store,
        client,
        _db: test_db,
    }
}

/// A configuration from the given variables only, ignoring the process environment (tests run
/// in parallel, so they must not set process-wide variables).
pub fn config_from(vars: &[(&str, String)]) -> Config {
    Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("a valid test configuration")
}

/// Counts the rows of a table.
pub async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.reader())
        .await
        .unwrap()
}
