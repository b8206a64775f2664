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
    /// Where `/metrics` is served apart (`ATTUNE_METRICS_LISTEN`), if it is.
    pub metrics_address: Option<String>,
    /// The port of the SMTP listener (`ATTUNE_SMTP_LISTEN`), if there is one.
    pub smtp_port: Option<u16>,
    pub store: Store,
    pub client: reqwest::Client,
    /// Kept so the database outlives the app.
    pub _db: TestDb,
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, &[]).await
}

/// A running application with extra configuration variables.
pub async fn spawn_app_with(db: Db, extra: &[(&str, &str)]) -> TestApp {
    spawn_app_tuned(db, extra, |_| {}).await
}

/// As [`spawn_app_with`], with the configuration changed where no variable reaches (the SMTP
/// listener's limits, shortened for a test).
pub async fn spawn_app_tuned(
    db: Db,
    extra: &[(&str, &str)],
    tune: impl FnOnce(&mut Config),
) -> TestApp {
    if std::env::var_os("ATTUNE_LOG").is_some() {
        server::telemetry::init_logging();
    }
    let test_db = fresh_db(db).await;
    let data_dir = test_db.dir.path().to_string_lossy().to_string();
    let mut vars = vec![
        ("ATTUNE_LISTEN", "127.0.0.1:0".to_owned()),
        ("ATTUNE_DATA_DIR", data_dir.clone()),
        ("DATABASE_URL", test_db.url.clone()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let mut config = config_from(&vars);
    tune(&mut config);
    let store = Store::connect(&config.database_url)
        .await
        .expect("connecting and migrating");
    let app = Application::build_with_store(config, store.clone())
        .await
        .expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
    let smtp_port = app.smtp_port();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        metrics_address,
        smtp_port,
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

impl TestApp {
    /// An absolute URL for a path; absolute URLs (as in `Location`) are kept as they are.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") {
            return path.to_owned();
        }
        format!("{}{path}", self.address)
    }

    /// The `.eml` files the file mailer has written so far.
    pub fn mail_files(&self) -> Vec<std::path::PathBuf> {
        let dir = self._db.dir.path().join("mail");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// Waits (up to 10 s) until the mail outbox holds nothing unsent: every mail queued so far
    /// was written (or given up on). What a test sees of mail after this is final, so "no mail
    /// was sent" is asserted without waiting for time to pass.
    pub async fn settle(&self) {
        for _ in 0..400 {
            if self.store.mail_unsent().await.unwrap() == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("mail still unsent after 10 s");
    }

    /// Waits (up to 10 s) until at least `n` mails were written, and returns them all.
    pub async fn wait_for_mails(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let files = self.mail_files();
            if files.len() >= n {
                return files
                    .iter()
                    .map(|f| std::fs::read_to_string(f).unwrap())
                    .collect();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("expected {n} mails, found {}", self.mail_files().len());
    }

    /// A form POST as a browser without JavaScript sends it, from the start page.
    pub async fn post_form(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_form_from("/", path, cookie, form).await
    }

    /// A form POST as a browser without JavaScript sends it from `page` of this site.
    pub async fn post_form_from(
        &self,
        page: &str,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(path))
            .header("accept", "text/html")
            .header("sec-fetch-site", "same-origin")
            .header("referer", self.url(page))
            .form(form);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send().await.unwrap()
    }

    /// A GET with an optional cookie, returning status and body.
    pub async fn get_page(&self, path: &str, cookie: Option<&str>) -> (u16, String) {
        let mut req = self.client.get(self.url(path));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

/// Counts the rows of a table.
pub async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.reader())
        .await
        .unwrap()
}
