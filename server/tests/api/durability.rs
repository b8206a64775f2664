//! Durability under a crash: one-click unsubscribes are acknowledged only once durable. A real
//! `attune serve` process takes a storm of them, is killed with SIGKILL in the middle, and after
//! a restart every acknowledged unsubscribe is there, with its outbox event.

use std::{
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use server::{
    links::{LinkKind, LinkSubject, Links},
    store::{Backend, Store},
};

use crate::helpers::{fresh_db, TestDb};

pub(crate) const CONTACTS: usize = 3000;
const KILL_AFTER: usize = 600;

pub(crate) fn serve(db: &TestDb, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_attune"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ATTUNE_DATA_DIR", db.dir.path())
        .env("DATABASE_URL", &db.url)
        .env("ATTUNE_LISTEN", format!("127.0.0.1:{port}"))
        .env("ATTUNE_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("ATTUNE_LOG", "error")
        .current_dir(db.dir.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("starting attune")
}

pub(crate) async fn wait_ready(port: u16) {
    for _ in 0..400 {
        if let Ok(res) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await {
            if res.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("attune did not become ready");
}

/// `CONTACTS` contacts subscribed to offers by email, in a few statements.
pub(crate) async fn seed(store: &Store) -> Vec<i64> {
    let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
    server::demo::seed(store, &base).await.unwrap();
    let (numbers, t, f) = match store.backend {
        Backend::Sqlite => (
            format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CONTACTS}) SELECT i FROM n"),
            "1",
            "0",
        ),
        Backend::Postgres => (
            format!("SELECT i FROM generate_series(1, {CONTACTS}) AS i"),
            "TRUE",
            "FALSE",
        ),
    };
    for sql in [
        format!(
            "INSERT INTO contacts (ref, email, email_verified, time_zone, version, created_at, updated_at)
             SELECT 'storm-' || i, 'storm' || i || '@example.com', {t}, 'UTC', 0, 0, 0 FROM ({numbers}) AS nums"
        ),
        format!(
            "INSERT INTO preferences (contact_id, topic_id, subscribed, channels, frequency, info_only, updated_at)
             SELECT c.id, t.id, {t}, 'email', 'weekly', {f}, 0 FROM contacts c, topics t
             WHERE c.ref LIKE 'storm-%' AND t.key = 'offers'"
        ),
    ] {
        sqlx::query(&sql).execute(store.writer()).await.unwrap();
    }
    sqlx::query_scalar("SELECT id FROM contacts WHERE ref LIKE 'storm-%' ORDER BY id")
        .fetch_all(store.reader())
        .await
        .unwrap()
}

both_backends! {
    async fn every_acknowledged_one_click_unsubscribe_survives_a_kill_9(db) {
        let test_db = fresh_db(db).await;
        let store = Store::connect(&test_db.url).await.unwrap();
        let contacts = seed(&store).await;
        let offers: i64 = sqlx::query_scalar("SELECT id FROM topics WHERE key = 'offers'")
            .fetch_one(store.reader())
            .await
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let base = url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let mut attune = serve(&test_db, port);
        wait_ready(port).await;
        let links = Links::load(&store, base).await.unwrap();
        let urls: Arc<Vec<(i64, String)>> = Arc::new(
            contacts
                .iter()
                .map(|&contact_id| {
                    let subject = LinkSubject { contact_id, topic_id: offers, channel: Some("email"), purpose: Some("marketing") };
                    (contact_id, links.url(LinkKind::Unsubscribe, &subject))
                })
                .collect(),
        );

        // The storm: 64 clients posting one-click unsubscribes; attune is killed after
        // KILL_AFTER acknowledgements, while the rest are in flight.
        let acknowledged: Arc<Mutex<Vec<i64>>> = Default::default();
        let (next, acks) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let mut clients = Vec::new();
        for _ in 0..64 {
            let (urls, next, acks, acknowledged, client) = (urls.clone(), next.clone(), acks.clone(), acknowledged.clone(), client.clone());
            clients.push(tokio::spawn(async move {
                while let Some((contact, url)) = urls.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let sent = client
                        .post(url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("List-Unsubscribe=One-Click")
                        .send()
                        .await;
                    if let Ok(res) = sent {
                        if res.status() == 200 && res.bytes().await.is_ok() {
                            acknowledged.lock().unwrap().push(*contact);
                            acks.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        while acks.load(Ordering::Relaxed) < KILL_AFTER {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        attune.kill().unwrap(); // SIGKILL: no shutdown, no flush
        attune.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        assert!(acknowledged.len() >= KILL_AFTER, "the storm ran");
        assert!(acknowledged.len() < CONTACTS, "attune was killed mid-storm ({} of {CONTACTS} acknowledged)", acknowledged.len());
        store.close().await;

        // Restart on the same database and look at what it holds.
        let mut attune = serve(&test_db, port);
        wait_ready(port).await;
        let store = Store::connect(&test_db.url).await.unwrap();
        let still_subscribed: Vec<i64> = sqlx::query_scalar(
            "SELECT p.contact_id FROM preferences p JOIN contacts c ON c.id = p.contact_id
             WHERE c.ref LIKE 'storm-%' AND p.topic_id = $1 AND p.subscribed = $2",
        )
        .bind(offers)
        .bind(true)
        .fetch_all(store.reader())
        .await
        .unwrap();
        let events: Vec<(i64, String)> = sqlx::query_as(
            "SELECT o.contact_id, o.payload FROM outbox o JOIN contacts c ON c.id = o.contact_id WHERE c.ref LIKE 'storm-%'",
        )
        .fetch_all(store.reader())
        .await
        .unwrap();
        let unsubscribed_events: std::collections::HashSet<i64> = events
            .iter()
            .filter(|(_, payload)| {
                let event: serde_json::Value = serde_json::from_str(payload).unwrap();
                event["changes"].as_array().unwrap().iter().any(|c| {
                    c["field"] == "preferences.offers.subscribed" && c["to"] == false
                }) && event["actor"]["kind"] == "one_click"
            })
            .map(|(contact, _)| *contact)
            .collect();
        for contact in &acknowledged {
            assert!(!still_subscribed.contains(contact), "contact {contact} was told it was unsubscribed, and is not");
            assert!(unsubscribed_events.contains(contact), "contact {contact}'s unsubscribe has no outbox event");
        }
        attune.kill().unwrap();
        attune.wait().unwrap();
        store.close().await;
    }
}
