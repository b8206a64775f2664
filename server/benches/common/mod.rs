//! What every benchmark shares: starting `attune` on a temporary data dir, medians, and the rows
//! of the summary table that `server/benches/report.sh` prints (and docs/BENCHMARKS.md keeps).

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

/// A running `attune serve`, killed when dropped.
#[allow(dead_code)]
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The release `attune` on a data dir and database, with a clean environment.
#[allow(dead_code)]
pub fn attune(data: &Path, db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attune"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ATTUNE_DATA_DIR", data)
        .env("DATABASE_URL", db)
        .env("ATTUNE_LOG", "error")
        .current_dir(data);
    cmd
}

/// Runs an `attune` subcommand to success and returns what it printed.
#[allow(dead_code)]
pub fn run_ok(mut cmd: Command) -> String {
    let out = cmd.output().expect("run attune");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Starts `attune serve` on a free port (with extra variables) and waits until it listens.
#[allow(dead_code)]
pub fn start(data: &Path, db: &str, extra: &[(&str, &str)]) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = attune(data, db)
        .env("ATTUNE_LISTEN", format!("127.0.0.1:{port}"))
        .env("ATTUNE_BASE_URL", &base)
        .envs(extra.iter().copied())
        .arg("serve")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Server { child, base };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("attune did not start");
}

/// The median of some measurements.
#[allow(dead_code)]
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Appends one row to the file named by `ATTUNE_BENCH_ROWS`, if set: what was measured, the
/// number, the goal, and whether it was met (`None` when there is no goal to meet).
#[allow(dead_code)] // not every bench uses every helper
pub fn row(what: &str, measured: String, goal: &str, met: Option<bool>) {
    let Ok(path) = std::env::var("ATTUNE_BENCH_ROWS") else {
        return;
    };
    use std::io::Write;
    let verdict = match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "—",
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("the rows file");
    writeln!(file, "| {what} | {measured} | {goal} | {verdict} |").expect("writing a row");
}

/// The highest resident set size a process has had, in MiB (Linux `VmHWM`).
#[allow(dead_code)]
pub fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// Topics beyond the demo's six, so every contact has ten.
pub const EXTRA_TOPICS: [&str; 4] = ["events", "product-news", "tips", "partners"];

/// Seeds `n` contacts `bulk-1…bulk-n` with a preference on every topic: [`EXTRA_TOPICS`] and
/// those already there (ten on the demo's six), in one statement per table.
#[allow(dead_code)]
pub fn seed(db: &str, n: u64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = server::store::Store::connect(db).await.unwrap();
        let numbers = match store.backend {
            server::store::Backend::Sqlite => format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) SELECT i FROM n"
            ),
            server::store::Backend::Postgres => format!("SELECT i FROM generate_series(1, {n}) AS i"),
        };
        let t = if store.backend == server::store::Backend::Postgres { "TRUE" } else { "1" };
        for sql in [
            format!(
                "INSERT INTO contacts (ref, email, email_verified, time_zone, version, created_at, updated_at)
                 SELECT 'bulk-' || i, 'bulk' || i || '@example.com', {t}, 'America/Chicago', 1, 0, 0 FROM ({numbers}) AS nums"
            ),
            "INSERT INTO global_settings (contact_id, updated_at) SELECT id, 0 FROM contacts WHERE ref LIKE 'bulk-%'".to_owned(),
            format!(
                "INSERT INTO topics (key, name, kind, channels, default_subscribed, default_frequency, position, created_at, updated_at)
                 SELECT k, k, 'optional', 'email,sms', {f}, 'weekly', 100, 0, 0 FROM (SELECT '{}' AS k UNION ALL SELECT '{}' UNION ALL SELECT '{}' UNION ALL SELECT '{}') AS extra",
                EXTRA_TOPICS[0], EXTRA_TOPICS[1], EXTRA_TOPICS[2], EXTRA_TOPICS[3],
                f = if t == "TRUE" { "FALSE" } else { "0" }
            ),
            format!(
                "INSERT INTO preferences (contact_id, topic_id, subscribed, channels, frequency, info_only, updated_at)
                 SELECT c.id, t.id, {t}, 'email', 'immediate', {f}, 0 FROM contacts c, topics t
                 WHERE c.ref LIKE 'bulk-%'",
                f = if t == "TRUE" { "FALSE" } else { "0" }
            ),
        ] {
            sqlx::query(&sql).execute(store.writer()).await.unwrap();
        }
        store.close().await;
    });
}
