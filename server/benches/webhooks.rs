//! `cargo bench -p server --bench webhooks`: webhook delivery against a trivial handler of the
//! same binary, measured in one run on one machine.
//!
//! - Throughput: a backlog of events (one per contact, for 10 000 contacts) is committed in one
//!   transaction and the running `attune serve` drains it to a local receiver answering 204;
//!   deliveries per second, as a ratio to `GET /healthz` under wrk (64 keep-alive connections).
//!   Drain and wrk runs alternate; medians of 3.
//! - Latency: single changes made one at a time through the sender API; for each, the time from
//!   the change (taken before its commit) to the start of its first attempt: p50 and p99.

mod common;

use std::{
    process::Command,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

const EVENTS: u64 = 10_000;
const RUNS: usize = 3;
const LATENCY_SAMPLES: usize = 300;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// `GET /healthz` under wrk: requests per second.
fn trivial(base: &str) -> f64 {
    let out = Command::new("wrk")
        .args(["-t2", "-c64", "-d5s", &format!("{base}/healthz")])
        .output()
        .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .map(|v| v.trim().parse().unwrap())
        .expect("wrk output")
}

/// A receiver answering 204 to every POST, counting them.
fn receiver(rt: &tokio::runtime::Runtime) -> (String, Arc<AtomicU64>) {
    let count = Arc::new(AtomicU64::new(0));
    let counted = count.clone();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let router = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    rt.spawn(async move { axum::serve(listener, router).await });
    (url, count)
}

/// Contacts `bulk-1…bulk-n`, in one statement.
async fn seed_contacts(store: &server::store::Store, n: u64) {
    let numbers = numbers(store, n);
    sqlx::query(&format!(
        "INSERT INTO contacts (ref, email, email_verified, time_zone, version, created_at, updated_at)
         SELECT 'bulk-' || i, 'bulk' || i || '@example.com', {t}, 'UTC', 0, 0, 0 FROM ({numbers}) AS nums",
        t = if store.backend == server::store::Backend::Postgres { "TRUE" } else { "1" }
    ))
    .execute(store.writer())
    .await
    .unwrap();
}

fn numbers(store: &server::store::Store, n: u64) -> String {
    match store.backend {
        server::store::Backend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) SELECT i FROM n"
        ),
        server::store::Backend::Postgres => format!("SELECT i FROM generate_series(1, {n}) AS i"),
    }
}

/// One event per bulk contact, committed at once as the change function writes them (ledger,
/// outbox, one delivery for the endpoint); the worker is woken by its poll.
async fn commit_backlog(store: &server::store::Store, endpoint: &str, run: usize) {
    let numbers = numbers(store, EVENTS);
    let mut tx = store.writer().begin().await.unwrap();
    let base: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'ledger_seq'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let now = server::store::now_ms();
    let payload = r#"{"type":"preferences.updated","seq":0,"occurred_at":"2026-11-24T12:00:00Z","version":2,"contact":{"ref":"bulk","email":"bulk@example.com"},"actor":{"kind":"customer","id":null},"reason":null,"changes":[{"field":"preferences.offers.frequency","from":"weekly","to":"monthly"}]}"#;
    for sql in [
        format!(
            "INSERT INTO ledger (seq, contact_id, version, event_type, actor_kind, changes, occurred_at)
             SELECT {base} + i, c.id, {version}, 'preferences.updated', 'customer', '[]', {now}
             FROM ({numbers}) AS nums JOIN contacts c ON c.ref = 'bulk-' || i",
            version = 100 + run
        ),
        format!(
            "INSERT INTO outbox (seq, contact_id, event_type, payload, created_at)
             SELECT {base} + i, c.id, 'preferences.updated', '{payload}', {now}
             FROM ({numbers}) AS nums JOIN contacts c ON c.ref = 'bulk-' || i"
        ),
        format!(
            "INSERT INTO webhook_deliveries (endpoint_id, seq, contact_id, status, attempts, next_attempt_at, created_at)
             SELECT '{endpoint}', {base} + i, c.id, 'pending', 0, {now}, {now}
             FROM ({numbers}) AS nums JOIN contacts c ON c.ref = 'bulk-' || i"
        ),
        format!("UPDATE counters SET value = {base} + {EVENTS} WHERE name = 'ledger_seq'"),
    ] {
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn main() {
    if Command::new("wrk").arg("-v").output().is_err() {
        eprintln!("wrk is not installed (apt-get install wrk); nothing measured");
        std::process::exit(1);
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("attune.db").display()
    );
    common::run_ok({
        let mut c = common::attune(dir.path(), &db);
        c.arg("demo");
        c
    });
    let key = common::run_ok({
        let mut c = common::attune(dir.path(), &db);
        c.args(["sender", "create", "bench"]);
        c
    })
    .lines()
    .last()
    .unwrap()
    .to_owned();
    let store = rt.block_on(server::store::Store::connect(&db)).unwrap();
    rt.block_on(seed_contacts(&store, EVENTS));
    let server = common::start(dir.path(), &db, &[("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true")]);
    let (hook_url, received) = receiver(&rt);
    let client = reqwest::Client::new();
    let endpoint: serde_json::Value = rt.block_on(async {
        client
            .post(format!("{}/api/v1/webhook-endpoints", server.base))
            .bearer_auth(&key)
            .json(&serde_json::json!({"url": hook_url, "events": ["preferences.updated"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let endpoint = endpoint["id"].as_str().expect("an endpoint id").to_owned();

    println!(
        "webhooks (SQLite): {EVENTS} events drained to a local 204 receiver vs wrk -t2 -c64 -d5s GET /healthz; alternating, median of {RUNS}"
    );
    let (mut drains, mut trivials) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        trivials.push(trivial(&server.base));
        let before = received.load(Ordering::Relaxed);
        let started = Instant::now();
        rt.block_on(commit_backlog(&store, &endpoint, run));
        while received.load(Ordering::Relaxed) < before + EVENTS {
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "the backlog did not drain"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let rate = EVENTS as f64 / started.elapsed().as_secs_f64();
        println!("  run {}: {rate:.0} deliveries/s", run + 1);
        drains.push(rate);
    }
    let (drain, triv) = (common::median(drains), common::median(trivials));
    println!("  trivial handler (GET /healthz)   {triv:>8.0} req/s");
    println!(
        "  webhook deliveries               {drain:>8.0} /s      {:.2}× trivial (goal ≥ 0.1×)",
        drain / triv
    );
    common::row(
        "webhook deliveries to a local receiver (SQLite)",
        format!("{drain:.0}/s = {:.2}× trivial", drain / triv),
        "≥ 0.1×",
        Some(drain / triv >= 0.1),
    );

    // Latency: one change at a time, through the sender API.
    rt.block_on(async {
        for i in 0..LATENCY_SAMPLES {
            let frequency = if i % 2 == 0 { "monthly" } else { "daily" };
            let res = client
                .patch(format!("{}/api/v1/contacts/demo-ann/preferences", server.base))
                .bearer_auth(&key)
                .json(&serde_json::json!({"reason": "benchmark", "preferences": [{"topic": "offers", "frequency": frequency}]}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let mut latencies: Vec<f64> = rt.block_on(async {
        sqlx::query_as::<_, (i64,)>(
            "SELECT MIN(a.attempted_at) - d.created_at FROM webhook_deliveries d
             JOIN delivery_attempts a ON a.delivery_id = d.id
             JOIN contacts c ON c.id = d.contact_id
             WHERE c.ref = 'demo-ann' AND d.endpoint_id = $1
             GROUP BY d.id, d.created_at",
        )
        .bind(&endpoint)
        .fetch_all(store.reader())
        .await
        .unwrap()
        .into_iter()
        .map(|(ms,)| ms as f64)
        .collect()
    });
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert!(
        latencies.len() >= LATENCY_SAMPLES,
        "{} of {LATENCY_SAMPLES} changes were attempted",
        latencies.len()
    );
    let (p50, p99) = (percentile(&latencies, 0.50), percentile(&latencies, 0.99));
    println!(
        "  commit → first attempt ({} changes, one at a time)   p50 {p50:.0} ms   p99 {p99:.0} ms (goal p50 ≤ 50 ms)",
        latencies.len(),
    );
    common::row(
        "webhook: commit → first attempt",
        format!("p50 {p50:.0} ms, p99 {p99:.0} ms"),
        "p50 ≤ 50 ms",
        Some(p50 <= 50.0),
    );
    if let Some(rss) = common::peak_rss_mib(server.child.id()) {
        println!("  peak RSS of attune after the webhook runs: {rss:.0} MiB");
    }
    rt.block_on(store.close());
}
