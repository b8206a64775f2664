//! `cargo bench -p server --bench decisions`: the decision hot path against a trivial handler of
//! the same binary, measured in one run on one machine with `wrk` (Debian's package) as the load
//! generator: 64 keep-alive connections, baseline and target runs alternating, median of 3.
//!
//! Prints, for SQLite and Postgres: single decisions (req/s, p99, ratio to GET /healthz), batch
//! decisions per second (ratio to the trivial handler's request rate), and decision p99 with 1k
//! versus 1M contacts (SQLite).

mod common;

use std::{path::Path, process::Command};

const CONNECTIONS: u32 = 64;
const SECONDS: u32 = 5;
const RUNS: usize = 3;
const BATCH: usize = 100;

struct Wrk {
    rps: f64,
    p99_ms: f64,
}

fn parse_ms(s: &str) -> f64 {
    let (num, unit) = s.trim().split_at(
        s.trim()
            .find(|c: char| c.is_alphabetic())
            .unwrap_or(s.len()),
    );
    let v: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => v / 1000.0,
        "ms" => v,
        "s" => v * 1000.0,
        _ => f64::NAN,
    }
}

fn wrk(url: &str, script: Option<&Path>) -> Wrk {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{SECONDS}s"),
        "--latency",
        "--timeout",
        "10s",
    ]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd.arg(url).output().expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Non-2xx"), "errors under load:\n{text}");
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .map(|v| v.trim().parse().unwrap())
        .expect("wrk output");
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(parse_ms)
        .unwrap_or(f64::NAN);
    Wrk { rps, p99_ms: p99 }
}

/// A wrk script posting decisions for random contacts among `n`.
fn script(dir: &Path, name: &str, key: &str, n: u64, batch: usize) -> std::path::PathBuf {
    let item = r#"{\"contact\":\"bulk-%d\",\"topic\":\"offers\",\"channel\":\"email\",\"purpose\":\"marketing\"}"#;
    let body = if batch == 0 {
        format!(r#"string.format("{item}", math.random(1, {n}))"#)
    } else {
        format!(
            r#"(function() local t = {{}} for j = 1, {batch} do t[j] = string.format("{item}", math.random(1, {n})) end return "{{\"items\":[" .. table.concat(t, ",") .. "]}}" end)()"#
        )
    };
    let lua = format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {key}\"\n\
         request = function() return wrk.format(nil, nil, nil, {body}) end\n"
    );
    let path = dir.join(name);
    std::fs::write(&path, lua).unwrap();
    path
}

struct Row {
    single: Wrk,
    trivial: f64,
    batch_decisions: f64,
    /// Server-side rendering of a signed-in `/preferences`.
    ssr: Option<Wrk>,
    /// How long a change made through one instance takes to show in another's decisions:
    /// median and worst, in ms.
    lag: Option<(f64, f64)>,
}

/// Alternating trivial / single / batch (/ SSR) runs; medians.
fn measure(base: &str, single: &Path, batch: &Path, ssr: Option<&Path>) -> Row {
    let (mut triv, mut rps, mut p99, mut bat) = (vec![], vec![], vec![], vec![]);
    let (mut pages, mut pages_p99) = (vec![], vec![]);
    for _ in 0..RUNS {
        triv.push(wrk(&format!("{base}/healthz"), None).rps);
        let s = wrk(&format!("{base}/api/v1/decisions"), Some(single));
        rps.push(s.rps);
        p99.push(s.p99_ms);
        bat.push(wrk(&format!("{base}/api/v1/decisions/batch"), Some(batch)).rps * BATCH as f64);
        if let Some(script) = ssr {
            let page = wrk(&format!("{base}/preferences"), Some(script));
            pages.push(page.rps);
            pages_p99.push(page.p99_ms);
        }
    }
    Row {
        single: Wrk {
            rps: common::median(rps),
            p99_ms: common::median(p99),
        },
        trivial: common::median(triv),
        batch_decisions: common::median(bat),
        ssr: (!pages.is_empty()).then(|| Wrk {
            rps: common::median(pages),
            p99_ms: common::median(pages_p99),
        }),
        lag: None,
    }
}

/// A wrk script fetching `/preferences` with the demo contact's session cookie.
fn ssr_script(dir: &Path, db: &str) -> std::path::PathBuf {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cookie = rt.block_on(async {
        let store = server::store::Store::connect(db).await.unwrap();
        let reference = app::domain::ContactRef::parse(server::demo::DEMO_CONTACT).unwrap();
        let id = store.contact_id(&reference).await.unwrap().unwrap();
        let session = store
            .create_customer_session(id, "ann.demo@example.com")
            .await
            .unwrap();
        store.close().await;
        session
    });
    let path = dir.join("ssr.lua");
    std::fs::write(
        &path,
        format!("wrk.headers[\"Cookie\"] = \"attune_session={cookie}\"\n"),
    )
    .unwrap();
    path
}

fn report(name: &str, r: &Row) {
    println!("{name}");
    println!(
        "  trivial handler (GET /healthz)   {:>10.0} req/s",
        r.trivial
    );
    println!(
        "  single decision                  {:>10.0} req/s   {:.2}× trivial   p99 {:.2} ms",
        r.single.rps,
        r.single.rps / r.trivial,
        r.single.p99_ms
    );
    println!(
        "  batch decisions ({BATCH} per call)    {:>10.0} decisions/s   {:.1}× trivial req/s",
        r.batch_decisions,
        r.batch_decisions / r.trivial
    );
    if let Some(ssr) = &r.ssr {
        println!(
            "  SSR GET /preferences (signed in)  {:>10.0} req/s   {:.2}× trivial   p99 {:.2} ms",
            ssr.rps,
            ssr.rps / r.trivial,
            ssr.p99_ms
        );
    }
    if let Some((median, worst)) = r.lag {
        println!(
            "  a change through instance A seen by decisions on instance B: median {median:.0} ms, worst {worst:.0} ms ({LAG_ROUNDS} changes)"
        );
    }
}

/// Waits until the server's read model holds `contacts` (its `/metrics` gauge says so): it
/// reads every contact in after a start, and the measurements are of a warm server.
fn wait_until_warm(base: &str, contacts: u64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let since = std::time::Instant::now();
        loop {
            let text = reqwest::get(format!("{base}/metrics"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let held = text
                .lines()
                .find_map(|l| l.strip_prefix("attune_read_model_contacts "))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(0.0);
            if held >= contacts as f64 {
                return;
            }
            assert!(
                since.elapsed().as_secs() < 600,
                "the read model holds {held} after 10 minutes"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    })
}

/// How many changes the freshness measurement makes.
const LAG_ROUNDS: usize = 20;

/// Changes `bulk-1`'s offers through instance `a` and asks `b` for decisions (every
/// millisecond) until they show the change, after `b` has just decided for the contact (so it
/// holds it). Returns the median and worst lag in ms.
fn freshness(a: &str, b: &str, key: &str) -> (f64, f64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let decide = |base: &str| {
            client
                .post(format!("{base}/api/v1/decisions"))
                .bearer_auth(key)
                .json(&serde_json::json!({"contact": "bulk-1", "topic": "offers",
                    "channel": "email", "purpose": "marketing"}))
                .send()
        };
        let mut lags = Vec::with_capacity(LAG_ROUNDS);
        for round in 0..LAG_ROUNDS {
            let on = round % 2 == 1;
            decide(b).await.unwrap();
            let changed = client
                .patch(format!("{a}/api/v1/contacts/bulk-1/preferences"))
                .bearer_auth(key)
                .json(&serde_json::json!({"reason": "freshness benchmark",
                    "consent": {"source": "bench", "text": "yes", "at": "2026-11-20T10:00:00Z"},
                    "preferences": [{"topic": "offers", "subscribed": on}]}))
                .send()
                .await
                .unwrap();
            assert!(changed.status().is_success(), "{:?}", changed.text().await);
            let since = std::time::Instant::now();
            let want = if on { "allowed" } else { "topic_opted_out" };
            loop {
                let answer: serde_json::Value = decide(b).await.unwrap().json().await.unwrap();
                if answer["reason"] == want {
                    break;
                }
                assert!(
                    since.elapsed().as_secs() < 10,
                    "B never saw the change: {answer}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            lags.push(since.elapsed().as_secs_f64() * 1000.0);
        }
        let worst = lags.iter().cloned().fold(0.0, f64::max);
        (common::median(lags), worst)
    })
}

fn backend_run(
    name: &str,
    db: &str,
    data: &Path,
    contacts: u64,
    with_ssr: bool,
) -> (Row, Option<f64>) {
    common::run_ok({
        let mut c = common::attune(data, db);
        c.arg("demo");
        c
    });
    let out = common::run_ok({
        let mut c = common::attune(data, db);
        c.args(["sender", "create", "bench"]);
        c
    });
    let key = out.lines().last().unwrap().to_owned();
    common::seed(db, contacts);
    let server = common::start(data, db, &[]);
    let warm = std::time::Instant::now();
    wait_until_warm(&server.base, contacts);
    println!(
        "  read model warm with {contacts} contacts after {:.1} s",
        warm.elapsed().as_secs_f64()
    );
    let single = script(data, "single.lua", &key, contacts, 0);
    let batch = script(data, "batch.lua", &key, contacts, BATCH);
    let ssr = with_ssr.then(|| ssr_script(data, db));
    let mut row = measure(&server.base, &single, &batch, ssr.as_deref());
    if contacts <= 1_000 {
        let other = common::start(data, db, &[]);
        row.lag = Some(freshness(&server.base, &other.base, &key));
    }
    report(&format!("{name}, {contacts} contacts × 10 topics"), &row);
    let rss = common::peak_rss_mib(server.child.id());
    (row, rss)
}

/// The freshness row: a change through one instance, seen by another's decisions.
fn lag_row(what: &str, r: &Row) {
    if let Some((median, worst)) = r.lag {
        common::row(
            &format!("decision freshness across instances ({what})"),
            format!("median {median:.0} ms, worst {worst:.0} ms"),
            "≤ 1 s",
            Some(worst <= 1000.0),
        );
    }
}

fn main() {
    if Command::new("wrk").arg("-v").output().is_err() {
        eprintln!("wrk is not installed (apt-get install wrk); nothing measured");
        std::process::exit(1);
    }
    println!("decisions: wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, alternating runs, median of {RUNS}");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("small.db").display()
    );
    let (small, _) = backend_run("SQLite", &sqlite, dir.path(), 1_000, true);
    let ratio = small.single.rps / small.trivial;
    common::row(
        "decision, single (SQLite)",
        format!(
            "{:.0}/s = {ratio:.2}× trivial, p99 {:.2} ms",
            small.single.rps, small.single.p99_ms
        ),
        "≥ 0.8×, p99 ≤ 1 ms",
        Some(ratio >= 0.8 && small.single.p99_ms <= 1.0),
    );
    let ratio = small.batch_decisions / small.trivial;
    common::row(
        &format!("decisions, batches of {BATCH} (SQLite)"),
        format!(
            "{:.0} decisions/s = {ratio:.1}× trivial req/s",
            small.batch_decisions
        ),
        "≥ 20×",
        Some(ratio >= 20.0),
    );
    if let Some(ssr) = &small.ssr {
        let ratio = ssr.rps / small.trivial;
        common::row(
            "SSR of signed-in /preferences (SQLite)",
            format!(
                "{:.0}/s = {ratio:.2}× trivial, p99 {:.1} ms",
                ssr.rps, ssr.p99_ms
            ),
            "≥ 0.3×, p99 ≤ 10 ms",
            Some(ratio >= 0.3 && ssr.p99_ms <= 10.0),
        );
    }
    lag_row("SQLite, two processes on one file", &small);

    let pg_admin = std::env::var("ATTUNE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let pg_name = format!("attune_bench_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg_ok = rt.block_on(async {
        use sqlx::Connection;
        match sqlx::PgConnection::connect(&pg_admin).await {
            Ok(mut c) => sqlx::query(&format!("CREATE DATABASE {pg_name}"))
                .execute(&mut c)
                .await
                .is_ok(),
            Err(_) => false,
        }
    });
    if pg_ok {
        let mut url = url::Url::parse(&pg_admin).unwrap();
        url.set_path(&pg_name);
        let pg_dir = tempfile::tempdir().unwrap();
        let (pg, _) = backend_run("Postgres", url.as_str(), pg_dir.path(), 1_000, false);
        println!(
            "  Postgres single decision vs SQLite's: {:.2}× ; vs its own trivial handler {:.2}×",
            pg.single.rps / small.single.rps,
            pg.single.rps / pg.trivial
        );
        let ratio = pg.single.rps / pg.trivial;
        common::row(
            "decision, single (Postgres)",
            format!(
                "{:.0}/s = {ratio:.2}× trivial, p99 {:.1} ms",
                pg.single.rps, pg.single.p99_ms
            ),
            "≥ 0.6×",
            Some(ratio >= 0.6),
        );
        lag_row("Postgres, two instances", &pg);
        common::row(
            &format!("decisions, batches of {BATCH} (Postgres)"),
            format!(
                "{:.0} decisions/s = {:.1}× trivial req/s",
                pg.batch_decisions,
                pg.batch_decisions / pg.trivial
            ),
            "—",
            None,
        );
        rt.block_on(async {
            use sqlx::Connection;
            if let Ok(mut c) = sqlx::PgConnection::connect(&pg_admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"))
                    .execute(&mut c)
                    .await;
            }
        });
    } else {
        println!("Postgres: not reachable at {pg_admin}; skipped");
    }

    let big_dir = tempfile::tempdir().unwrap();
    let big_db = format!(
        "sqlite://{}?mode=rwc",
        big_dir.path().join("big.db").display()
    );
    let (big, rss) = backend_run("SQLite", &big_db, big_dir.path(), 1_000_000, false);
    let ratio = big.single.p99_ms / small.single.p99_ms;
    println!(
        "decision p99 at 1M contacts vs 1k: {:.2} ms vs {:.2} ms = {ratio:.2}× (goal ≤ 1.2×)",
        big.single.p99_ms, small.single.p99_ms,
    );
    common::row(
        "decision p99, 1M vs 1k contacts (× 10 topics, SQLite)",
        format!(
            "{:.2} ms vs {:.2} ms = {ratio:.2}×",
            big.single.p99_ms, small.single.p99_ms
        ),
        "≤ 1.2×",
        Some(ratio <= 1.2),
    );
    if let Some(rss) = rss {
        println!("peak RSS of attune serving 1M contacts: {rss:.0} MiB");
        common::row(
            "peak RSS of attune (1M contacts, under load)",
            format!("{rss:.0} MiB"),
            "≤ 1 GiB",
            Some(rss <= 1024.0),
        );
    }
}
