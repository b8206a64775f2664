//! `cargo bench -p server --bench links`: link signing and verification against raw
//! HMAC-SHA256, and durable one-click unsubscribes against a trivial handler of the same binary,
//! all measured in this run on this machine. Prints ratios, not absolute goals: the machine is
//! shared, so only numbers from the same run are compared.

mod common;

use std::time::{Duration, Instant};

use app::domain::{ContactRef, Email, TopicKey};
use hmac::{Hmac, Mac};
use server::{
    config::Config,
    links::{LinkClaims, LinkCodec, LinkKey, LinkKind, LinkSubject, Links},
    startup::Application,
    store::{ChangeOp, Store},
};
use sha2::Sha256;

fn rate(n: u64, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

fn bench_signing() {
    const N: u64 = 300_000;
    let secret = [7u8; 32];
    let codec = LinkCodec::new(vec![LinkKey::new(1, &secret)]);
    let claims = LinkClaims {
        kind: LinkKind::Unsubscribe,
        key: 0,
        contact_id: 123_456,
        topic_id: 7,
        channel: 1,
        purpose: 3,
        issued_at: 1_800_000_000,
    };
    let keyed = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
    let body = [42u8; 30];

    let (mut raw, mut sign, mut verify) = (Vec::new(), Vec::new(), Vec::new());
    let token = codec.sign(&claims);
    for _ in 0..3 {
        let t = Instant::now();
        let mut acc = 0u8;
        for i in 0..N {
            let mut m = keyed.clone();
            m.update(&body);
            m.update(&i.to_le_bytes()[..1]);
            acc ^= m.finalize().into_bytes()[0];
        }
        std::hint::black_box(acc);
        raw.push(rate(N, t.elapsed()));

        let t = Instant::now();
        for i in 0..N {
            let c = LinkClaims {
                contact_id: i as i64,
                ..claims
            };
            std::hint::black_box(codec.sign(&c));
        }
        sign.push(rate(N, t.elapsed()));

        let t = Instant::now();
        for _ in 0..N {
            std::hint::black_box(
                codec
                    .parse(&token, LinkKind::Unsubscribe, 1_800_000_100)
                    .unwrap(),
            );
        }
        verify.push(rate(N, t.elapsed()));
    }
    let (raw, sign, verify) = (
        common::median(raw),
        common::median(sign),
        common::median(verify),
    );
    println!("link signing (median of 3 × {N}, one core)");
    println!("  raw HMAC-SHA256 (31 bytes)   {raw:>12.0} /s");
    println!(
        "  sign link                    {sign:>12.0} /s   cost {:.2}× raw HMAC (goal ≤ 2×)",
        raw / sign
    );
    println!(
        "  verify link                  {verify:>12.0} /s   cost {:.2}× raw HMAC",
        raw / verify
    );
    common::row(
        "link signing vs raw HMAC-SHA256",
        format!("{sign:.0}/s = {:.2}× the cost", raw / sign),
        "≤ 2×",
        Some(raw / sign <= 2.0),
    );
}

async fn load(
    client: &reqwest::Client,
    urls: Vec<(reqwest::Method, String)>,
    concurrency: usize,
) -> (f64, Vec<Duration>) {
    let urls = std::sync::Arc::new(urls);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, urls, next) = (client.clone(), urls.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((method, url)) = urls.get(i) else {
                    break;
                };
                let t = Instant::now();
                let mut req = client.request(method.clone(), url);
                if method == reqwest::Method::POST {
                    req = req
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("List-Unsubscribe=One-Click");
                }
                let res = req.send().await.expect("request");
                assert_eq!(res.status(), 200, "{url}");
                res.bytes().await.unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (rate(urls.len() as u64, start.elapsed()), all)
}

async fn bench_one_click() {
    const PER_RUN: usize = 1500;
    const RUNS: usize = 3;
    const CONCURRENCY: usize = 64;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().to_string();
    let vars = [
        ("ATTUNE_LISTEN", "127.0.0.1:0".to_owned()),
        ("ATTUNE_DATA_DIR", data.clone()),
        ("ATTUNE_LOG", "error".to_owned()),
    ];
    let config =
        Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
            .unwrap();
    let store = Store::connect(&config.database_url).await.unwrap();
    server::demo::seed(&store, &config.base_url).await.unwrap();
    let offers: i64 = sqlx::query_scalar("SELECT id FROM topics WHERE key = 'offers'")
        .fetch_one(store.reader())
        .await
        .unwrap();

    // Contacts subscribed to offers, so that every one-click POST is a real, durable change.
    let mut contacts = Vec::new();
    for i in 0..PER_RUN * RUNS * 2 {
        let (id, _) = store
            .upsert_contact(
                &ContactRef::parse(&format!("bench-{i}")).unwrap(),
                server::store::Grant::system(),
                vec![
                    ChangeOp::Email {
                        email: Some(Email::parse(&format!("b{i}@example.com")).unwrap()),
                        verified: true,
                    },
                    ChangeOp::Subscribed {
                        topic: TopicKey::parse("offers").unwrap(),
                        subscribed: true,
                    },
                ],
            )
            .await
            .unwrap();
        contacts.push(id);
    }
    let app = Application::build_with_store(config.clone(), store.clone())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let links = Links::load(&store, url::Url::parse(&base).unwrap())
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();

    let (mut trivial, mut one_click, mut p99s, mut naive) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS * 2 {
        let grouped = run % 2 == 0;
        store.set_group_commit(grouped);
        if grouped {
            let healthz = vec![(reqwest::Method::GET, format!("{base}/healthz")); PER_RUN];
            trivial.push(load(&client, healthz, CONCURRENCY).await.0);
        }
        let posts = contacts[run * PER_RUN..(run + 1) * PER_RUN]
            .iter()
            .map(|&contact_id| {
                let subject = LinkSubject {
                    contact_id,
                    topic_id: offers,
                    channel: Some("email"),
                    purpose: Some("marketing"),
                };
                (
                    reqwest::Method::POST,
                    links.url(LinkKind::Unsubscribe, &subject),
                )
            })
            .collect();
        let (r, mut lat) = load(&client, posts, CONCURRENCY).await;
        if grouped {
            lat.sort();
            p99s.push(lat[lat.len() * 99 / 100].as_secs_f64() * 1000.0);
            one_click.push(r);
        } else {
            naive.push(r);
        }
    }
    let changes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE actor_kind = 'one_click'")
            .fetch_one(store.reader())
            .await
            .unwrap();
    assert_eq!(
        changes as usize,
        PER_RUN * RUNS * 2,
        "every POST was a durable change"
    );
    let (trivial, one_click, naive) = (
        common::median(trivial),
        common::median(one_click),
        common::median(naive),
    );
    let p99 = common::median(p99s);
    println!("durable one-click unsubscribe, SQLite (synchronous=FULL), {CONCURRENCY} connections, in-process client, alternating, median of {RUNS} × {PER_RUN}");
    println!("  trivial handler (GET /healthz)        {trivial:>10.0} req/s");
    println!(
        "  one-click POST, group commit          {one_click:>10.0} req/s   {:.3}× trivial (goal ≥ 0.15×)   p99 {:.1} ms",
        one_click / trivial,
        p99
    );
    println!(
        "  one-click POST, one commit per change {naive:>10.0} req/s   group commit = {:.1}× this (goal ≥ 10×)",
        one_click / naive
    );
    let ratio = one_click / trivial;
    common::row(
        "durable one-click POST (SQLite, group commit)",
        format!("{one_click:.0}/s = {ratio:.3}× trivial, p99 {p99:.1} ms"),
        "≥ 0.15×",
        Some(ratio >= 0.15),
    );
    let ratio = one_click / naive;
    common::row(
        "durable one-click: group commit vs one commit per change",
        format!("{one_click:.0}/s vs {naive:.0}/s = {ratio:.1}×"),
        "≥ 10×",
        Some(ratio >= 10.0),
    );
}

fn main() {
    bench_signing();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench_one_click());
}
