//! Webhooks (DESIGN §7) end to end, on both backends: a real HTTP receiver in the test, the
//! worker inside a running `attune`, signatures checked by the `standardwebhooks` crate (the
//! Standard Webhooks project's own implementation, not ours).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::domain::{ContactRef, Email, Frequency, TopicKey};
use axum::{
    body::Bytes, extract::State, http::HeaderMap, http::StatusCode, response::IntoResponse,
    routing::post, Router,
};
use serde_json::{json, Value};
use server::{
    startup::Application,
    store::{apply_change, ChangeOp, ChangeRequest, Store},
};

use crate::helpers::{config_from, count, fresh_db, spawn_app_with, Db, TestApp, TestDb};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    headers: HeaderMap,
    body: Bytes,
    /// When it arrived.
    at: std::time::Instant,
}

impl Received {
    pub(crate) fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }
    pub(crate) fn event(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// How the receiver answers.
#[derive(Clone, Copy)]
pub(crate) enum Answer {
    Ok,
    /// The first request for each webhook-id gets this status; later ones 200.
    FailFirst(u16),
    Always(u16),
    /// Never answers.
    Hang,
    /// 308 Permanent Redirect to this URL.
    Redirect(&'static str),
}

#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub(crate) async fn start(answer: Answer) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, answer)
    }

    fn serve(listener: tokio::net::TcpListener, answer: Answer) -> Receiver {
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let got: Arc<Mutex<Vec<Received>>> = Default::default();
        let state = (got.clone(), answer);
        let router = Router::new()
            .route(
                "/hooks",
                post(
                    |State((got, answer)): State<(Arc<Mutex<Vec<Received>>>, Answer)>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        let received = Received {
                            headers,
                            body,
                            at: std::time::Instant::now(),
                        };
                        let id = received.id();
                        let seen_before = {
                            let mut got = got.lock().unwrap();
                            let seen = got.iter().any(|r| r.id() == id);
                            got.push(received);
                            seen
                        };
                        if let Answer::Redirect(to) = answer {
                            return (
                                StatusCode::PERMANENT_REDIRECT,
                                [(axum::http::header::LOCATION, to)],
                            )
                                .into_response();
                        }
                        let code = match answer {
                            Answer::Ok => 200,
                            Answer::FailFirst(code) if !seen_before => code,
                            Answer::FailFirst(_) => 204,
                            Answer::Always(code) => code,
                            Answer::Hang => {
                                tokio::time::sleep(Duration::from_secs(600)).await;
                                200
                            }
                            Answer::Redirect(_) => unreachable!(),
                        };
                        StatusCode::from_u16(code).unwrap().into_response()
                    },
                ),
            )
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Receiver { url, got }
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Distinct events received, by `seq`.
    pub(crate) fn seqs(&self) -> Vec<i64> {
        let mut seqs: Vec<i64> = self
            .received()
            .iter()
            .map(|r| r.event()["seq"].as_i64().unwrap())
            .collect();
        seqs.sort();
        seqs.dedup();
        seqs
    }

    pub(crate) async fn wait_for_events(&self, n: usize, within: Duration) -> Vec<i64> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let seqs = self.seqs();
            if seqs.len() >= n || tokio::time::Instant::now() > deadline {
                return seqs;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Settings every test app here gets: local receivers allowed, quick retries.
pub(crate) const FAST_RETRIES: &str = "150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms";

async fn app(db: Db) -> TestApp {
    spawn_app_with(
        db,
        &[
            ("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("ATTUNE_WEBHOOK_RETRY_SCHEDULE", FAST_RETRIES),
        ],
    )
    .await
}

/// A sender with a key, as `attune sender create` makes it.
pub(crate) async fn sender(store: &Store, name: &str) -> String {
    store.create_sender(name).await.unwrap().1
}

/// Registers an endpoint through the API; returns (id, secret).
pub(crate) async fn register(
    app_url: &str,
    key: &str,
    url: &str,
    events: Option<Value>,
) -> (String, String) {
    let res = reqwest::Client::new()
        .post(format!("{app_url}/api/v1/webhook-endpoints"))
        .bearer_auth(key)
        .json(&json!({"url": url, "events": events}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn api(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")))
        .bearer_auth(key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Creates contact `c-<n>` with an email address (one change each).
async fn contact(store: &Store, n: usize) -> i64 {
    let reference = ContactRef::parse(&format!("c-{n}")).unwrap();
    let email = Email::parse(&format!("c{n}@example.com")).unwrap();
    store
        .upsert_contact(
            &reference,
            server::store::Grant::system(),
            vec![ChangeOp::Email {
                email: Some(email),
                verified: true,
            }],
        )
        .await
        .unwrap()
        .0
}

/// One change to a contact: the offers frequency, alternating (and never the topic's default,
/// weekly) so every call changes something.
async fn change(store: &Store, contact_id: i64, n: usize) -> i64 {
    let frequency = if n.is_multiple_of(2) {
        Frequency::Monthly
    } else {
        Frequency::Daily
    };
    apply_change(
        store,
        &ChangeRequest {
            contact_id,
            grant: server::store::Grant::system(),
            reason: None,
            meta: None,
            ops: vec![ChangeOp::Frequency {
                topic: TopicKey::parse("offers").unwrap(),
                frequency,
            }],
            said_at: None,
            consent_at: None,
            together: Vec::new(),
            keep_session: None,
        },
    )
    .await
    .unwrap()
    .expect("a change")
    .seq
}

pub(crate) async fn demo(store: &Store) {
    let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
    server::demo::seed(store, &base).await.unwrap();
}

/// The `seq`s of the events that will be delivered (the ones after `after`).
async fn seqs_after(store: &Store, after: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT seq FROM outbox WHERE seq > $1 ORDER BY seq")
        .bind(after)
        .fetch_all(store.reader())
        .await
        .unwrap()
}

async fn last_seq(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM outbox")
        .fetch_one(store.reader())
        .await
        .unwrap()
}

both_backends! {
    async fn a_change_arrives_signed_so_the_standard_webhooks_library_verifies_it(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let receiver = Receiver::start(Answer::Ok).await;
        let key = sender(&app.store, "CRM").await;
        let (_, secret) = register(&app.address, &key, &receiver.url, None).await;
        let start = last_seq(&app.store).await;

        let id = contact(&app.store, 1).await;
        let seq = change(&app.store, id, 1).await;

        let seqs = receiver.wait_for_events(2, Duration::from_secs(10)).await;
        assert_eq!(seqs, seqs_after(&app.store, start).await, "the contact's creation and its change");
        let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
        for r in receiver.received() {
            verifier.verify(&r.body, &r.headers).expect("a valid Standard Webhooks signature");
            assert_eq!(r.headers["content-type"], "application/json");
        }
        let wrong = standardwebhooks::Webhook::new(&server::webhooks::signing::Secret::generate()).unwrap();
        assert!(wrong.verify(&receiver.received()[0].body, &receiver.received()[0].headers).is_err());
        let event = receiver.received().into_iter().map(|r| r.event()).find(|e| e["seq"] == seq).unwrap();
        assert_eq!(event["type"], "preferences.updated");
        assert_eq!(event["contact"]["ref"], "c-1");
        assert_eq!(event["changes"][0]["field"], "preferences.offers.frequency");
        assert_eq!(event["changes"][0]["to"], "daily");
    }
}

both_backends! {
    async fn an_endpoint_gets_only_the_event_types_it_asked_for(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let receiver = Receiver::start(Answer::Ok).await;
        let key = sender(&app.store, "CRM").await;
        register(&app.address, &key, &receiver.url, Some(json!(["preferences.updated"]))).await;

        let id = contact(&app.store, 1).await; // contact.updated: not wanted
        let seq = change(&app.store, id, 1).await; // preferences.updated

        assert_eq!(receiver.wait_for_events(1, Duration::from_secs(10)).await, [seq]);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.seqs(), [seq], "nothing else arrives");
    }
}

both_backends! {
    async fn a_receiver_that_fails_once_gets_the_event_again_with_the_same_webhook_id(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let receiver = Receiver::start(Answer::FailFirst(500)).await;
        let key = sender(&app.store, "Scheduling").await;
        let (endpoint, _) = register(&app.address, &key, &receiver.url, Some(json!(["preferences.updated"]))).await;
        let id = contact(&app.store, 1).await;
        let seq = change(&app.store, id, 1).await;

        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while receiver.received().len() < 2 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let got = receiver.received();
        assert_eq!(got.len(), 2, "one failed attempt, one retry");
        assert_eq!(got[0].id(), got[1].id(), "the retry has the same webhook-id");
        assert_eq!(got[0].body, got[1].body);
        assert_eq!(got[0].event()["seq"], seq);

        // The sender can see both attempts and their status codes.
        let mut delivered = Value::Null;
        for _ in 0..100 {
            let (status, body) = api(&app, &key, reqwest::Method::GET, &format!("/webhook-endpoints/{endpoint}/deliveries"), None).await;
            assert_eq!(status, 200);
            delivered = body["deliveries"][0].clone();
            if delivered["status"] == "delivered" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(delivered["status"], "delivered", "{delivered}");
        assert_eq!(delivered["seq"], seq);
        assert_eq!(delivered["attempts"], 2);
        assert_eq!(delivered["webhook_id"], got[0].id());
        let codes: Vec<Value> = delivered["attempt_log"].as_array().unwrap().iter().map(|a| a["status_code"].clone()).collect();
        assert_eq!(codes, [json!(500), json!(204)]);
    }
}

both_backends! {
    async fn an_event_whose_every_attempt_fails_is_marked_failed_and_can_be_replayed(db) {
        let app = spawn_app_with(db, &[
            ("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("ATTUNE_WEBHOOK_RETRY_SCHEDULE", "50ms,50ms"),
        ]).await;
        demo(&app.store).await;
        let receiver = Receiver::start(Answer::Always(503)).await;
        let key = sender(&app.store, "CRM").await;
        let (endpoint, _) = register(&app.address, &key, &receiver.url, Some(json!(["preferences.updated"]))).await;
        let id = contact(&app.store, 1).await;
        let seq = change(&app.store, id, 1).await;

        let mut listed = Value::Null;
        for _ in 0..200 {
            let (_, body) = api(&app, &key, reqwest::Method::GET, "/webhook-endpoints", None).await;
            listed = body["endpoints"][0].clone();
            if listed["failed"] == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(listed["failed"], 1, "{listed}");
        assert_eq!(listed["pending"], 0);
        assert!(listed["failing_since"].is_string(), "{listed}");
        assert_eq!(listed["flagged"], false, "failing for less than a day");
        assert_eq!(receiver.received().len(), 3, "the first attempt and two retries");
        // Failing for two days: flagged for someone to look at.
        sqlx::query("UPDATE webhook_endpoints SET failing_since = failing_since - $1")
            .bind(2 * 24 * 3600 * 1000_i64)
            .execute(app.store.writer())
            .await
            .unwrap();
        let (_, body) = api(&app, &key, reqwest::Method::GET, "/webhook-endpoints", None).await;
        assert_eq!(body["endpoints"][0]["flagged"], true, "{body}");

        // Replaying from before the event queues it again: three more attempts.
        let (status, body) = api(&app, &key, reqwest::Method::POST, &format!("/webhook-endpoints/{endpoint}/replay"), Some(json!({"after": seq - 1}))).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["queued"], 1);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while receiver.received().len() < 6 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(receiver.received().len(), 6);
        assert!(receiver.received().iter().all(|r| r.event()["seq"] == seq));
    }
}

both_backends! {
    async fn replay_sends_events_from_before_the_endpoint_existed(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let id = contact(&app.store, 1).await;
        let first = change(&app.store, id, 1).await;
        let second = change(&app.store, id, 2).await;
        let receiver = Receiver::start(Answer::Ok).await;
        let key = sender(&app.store, "CRM").await;
        let (endpoint, _) = register(&app.address, &key, &receiver.url, Some(json!(["preferences.updated"]))).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(receiver.received().is_empty(), "registering sends nothing old by itself");

        let (status, body) = api(&app, &key, reqwest::Method::POST, &format!("/webhook-endpoints/{endpoint}/replay"), Some(json!({"after": first - 1}))).await;
        assert_eq!((status, body["queued"].clone()), (202, json!(2)));
        assert_eq!(receiver.wait_for_events(2, Duration::from_secs(10)).await, [first, second]);

        let (status, _) = api(&app, &key, reqwest::Method::POST, "/webhook-endpoints/ep_nope/replay", Some(json!({"after": 0}))).await;
        assert_eq!(status, 404);
        let (status, _) = api(&app, &key, reqwest::Method::POST, &format!("/webhook-endpoints/{endpoint}/replay"), Some(json!({"after": "soon"}))).await;
        assert_eq!(status, 422);
    }
}

both_backends! {
    async fn an_endpoint_answering_410_gone_is_disabled_and_gets_nothing_more(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let receiver = Receiver::start(Answer::Always(410)).await;
        let key = sender(&app.store, "CRM").await;
        let (endpoint, _) = register(&app.address, &key, &receiver.url, Some(json!(["preferences.updated"]))).await;
        let id = contact(&app.store, 1).await;
        change(&app.store, id, 1).await;
        receiver.wait_for_events(1, Duration::from_secs(10)).await;

        let mut listed = Value::Null;
        for _ in 0..100 {
            let (_, body) = api(&app, &key, reqwest::Method::GET, "/webhook-endpoints", None).await;
            listed = body["endpoints"][0].clone();
            if listed["disabled"] == true {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(listed["disabled"], true, "{listed}");
        assert_eq!(listed["disabled_reason"], "the endpoint answered 410 Gone");

        change(&app.store, id, 2).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 1, "a disabled endpoint gets nothing more, not even retries");
        let (status, body) = api(&app, &key, reqwest::Method::POST, &format!("/webhook-endpoints/{endpoint}/replay"), Some(json!({"after": 0}))).await;
        assert_eq!(status, 409, "{body}");
    }
}

both_backends! {
    async fn a_hanging_endpoint_does_not_hold_up_a_healthy_one(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let hanging = Receiver::start(Answer::Hang).await;
        let healthy = Receiver::start(Answer::Ok).await;
        let (slow_key, fast_key) = (sender(&app.store, "Marketing").await, sender(&app.store, "CRM").await);
        register(&app.address, &slow_key, &hanging.url, Some(json!(["preferences.updated"]))).await;
        register(&app.address, &fast_key, &healthy.url, Some(json!(["preferences.updated"]))).await;

        // More events (for as many contacts) than the worker runs attempts at once, so a
        // hanging endpoint could fill every slot if it were allowed to.
        let n = server::webhooks::worker::MAX_IN_FLIGHT + 20;
        for i in 0..n {
            let id = contact(&app.store, i).await;
            change(&app.store, id, 1).await;
        }

        // Well inside the 15 s a hanging attempt waits for.
        let seqs = healthy.wait_for_events(n, Duration::from_secs(10)).await;
        assert_eq!(seqs.len(), n, "the healthy endpoint got every event while the other hung");
        // An attempt that hangs is given up after the worker's timeout, which frees its slot for
        // the next; on a loaded machine this test can outlast that. Every attempt that arrived
        // within that time of the first (less a second for the way there) was open at once.
        let got = hanging.received();
        let first = got.iter().map(|r| r.at).min().expect("the hanging endpoint was tried");
        let window = server::webhooks::worker::TIMEOUT - Duration::from_secs(1);
        let at_once = got.iter().filter(|r| r.at < first + window).count();
        assert!(
            at_once <= server::webhooks::worker::PER_ENDPOINT,
            "the hanging endpoint holds at most its share of attempts at once ({at_once} of {})",
            got.len()
        );
    }
}

/// An `attune serve` on an existing database that can be stopped: its address, and the sender
/// that stops it.
pub(crate) struct Instance {
    pub(crate) address: String,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub(crate) async fn start_instance(db: &TestDb, retries: &str) -> Instance {
    let config = config_from(&[
        ("ATTUNE_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "ATTUNE_DATA_DIR",
            db.dir.path().to_string_lossy().to_string(),
        ),
        ("DATABASE_URL", db.url.clone()),
        ("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
        ("ATTUNE_WEBHOOK_RETRY_SCHEDULE", retries.to_owned()),
    ]);
    let app = Application::build(config).await.expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    Instance {
        address,
        stop,
        done,
    }
}

impl Instance {
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        self.done.await.unwrap().unwrap();
    }
}

/// Per contact, the order in which the receiver first saw each event.
pub(crate) fn first_arrivals(receiver: &Receiver) -> HashMap<String, Vec<i64>> {
    let mut seen = std::collections::HashSet::new();
    let mut by_contact: HashMap<String, Vec<i64>> = HashMap::new();
    for r in receiver.received() {
        let event = r.event();
        let seq = event["seq"].as_i64().unwrap();
        if seen.insert(seq) {
            by_contact
                .entry(event["contact"]["ref"].as_str().unwrap().to_owned())
                .or_default()
                .push(seq);
        }
    }
    by_contact
}

both_backends! {
    async fn a_receiver_down_until_after_a_restart_gets_every_event_in_per_contact_order(db) {
        let test_db = fresh_db(db).await;
        let store = Store::connect(&test_db.url).await.unwrap();
        demo(&store).await;
        // A port with nothing listening on it yet: every attempt is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let first = start_instance(&test_db, "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms").await;
        let key = sender(&store, "CRM").await;
        register(&first.address, &key, &format!("http://127.0.0.1:{port}/hooks"), Some(json!(["preferences.updated"]))).await;

        let contacts = [contact(&store, 1).await, contact(&store, 2).await, contact(&store, 3).await];
        let mut expected = Vec::new();
        for round in 0..4 {
            for id in contacts {
                expected.push(change(&store, id, round).await);
            }
        }
        // Let the worker fail a few times, then stop attune.
        for _ in 0..200 {
            if count(&store, "delivery_attempts").await >= 6 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(count(&store, "delivery_attempts").await >= 6, "attempts were made while the receiver was down");
        first.stop().await;

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let receiver = Receiver::serve(listener, Answer::Ok);
        let second = start_instance(&test_db, "100ms").await;

        let seqs = receiver.wait_for_events(expected.len(), Duration::from_secs(20)).await;
        assert_eq!(seqs, expected, "every event arrived, none lost");
        for (contact, order) in first_arrivals(&receiver) {
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(order, sorted, "{contact}'s events arrived in seq order");
        }
        second.stop().await;
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_deliver_each_event_once() {
    let test_db = fresh_db(Db::Postgres).await;
    let store = Store::connect(&test_db.url).await.unwrap();
    demo(&store).await;
    let receiver = Receiver::start(Answer::Ok).await;
    let (a, b) = (
        start_instance(&test_db, FAST_RETRIES).await,
        start_instance(&test_db, FAST_RETRIES).await,
    );
    let key = sender(&store, "CRM").await;
    register(
        &a.address,
        &key,
        &receiver.url,
        Some(json!(["preferences.updated"])),
    )
    .await;

    let mut contacts = Vec::new();
    for i in 0..20 {
        contacts.push(contact(&store, i).await);
    }
    let mut expected = Vec::new();
    for round in 0..10 {
        for id in &contacts {
            expected.push(change(&store, *id, round).await);
        }
    }

    let seqs = receiver
        .wait_for_events(expected.len(), Duration::from_secs(30))
        .await;
    assert_eq!(seqs, expected, "every event arrived");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.received().len(),
        expected.len(),
        "and each exactly once"
    );
    assert_eq!(
        count(&store, "delivery_attempts").await,
        expected.len() as i64
    );
    for (contact, order) in first_arrivals(&receiver) {
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "{contact}'s events arrived in seq order");
    }
    let by_instance: Vec<i64> =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'")
            .fetch_all(store.reader())
            .await
            .unwrap();
    assert_eq!(by_instance, [expected.len() as i64]);
    a.stop().await;
    b.stop().await;
    store.close().await;
}

both_backends! {
    async fn after_a_secret_rotation_both_secrets_verify_for_a_day(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let receiver = Receiver::start(Answer::Ok).await;
        let key = sender(&app.store, "CRM").await;
        let (endpoint, old) = register(&app.address, &key, &receiver.url, Some(json!(["preferences.updated"]))).await;
        let (status, rotated) = api(&app, &key, reqwest::Method::POST, &format!("/webhook-endpoints/{endpoint}/rotate-secret"), None).await;
        assert_eq!(status, 200);
        let new = rotated["secret"].as_str().unwrap().to_owned();
        assert!(new.starts_with("whsec_") && new != old);

        let id = contact(&app.store, 1).await;
        change(&app.store, id, 1).await;
        receiver.wait_for_events(1, Duration::from_secs(10)).await;
        let r = &receiver.received()[0];
        for secret in [&old, &new] {
            standardwebhooks::Webhook::new(secret).unwrap().verify(&r.body, &r.headers).expect("verifies with either secret");
        }
    }
}

both_backends! {
    async fn history_shows_which_systems_confirmed_each_change(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let ok = Receiver::start(Answer::Ok).await;
        let failing = Receiver::start(Answer::Always(500)).await;
        let crm = sender(&app.store, "CRM").await;
        let marketing = sender(&app.store, "Marketing").await;
        register(&app.address, &crm, &ok.url, Some(json!(["preferences.updated"]))).await;
        register(&app.address, &marketing, &failing.url, Some(json!(["preferences.updated"]))).await;
        let demo_id = app.store.contact_id(&ContactRef::parse(server::demo::DEMO_CONTACT).unwrap()).await.unwrap().unwrap();
        change(&app.store, demo_id, 1).await;
        ok.wait_for_events(1, Duration::from_secs(10)).await;
        failing.wait_for_events(1, Duration::from_secs(10)).await;
        // The receivers have answered; the worker records each outcome after that. Wait for the
        // records the page reads, not for a fixed time (300 ms was once too short on Postgres).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE attempts > 0")
                .fetch_one(app.store.reader()).await.unwrap();
            if recorded == 2 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "both attempts recorded within 10 s ({recorded})");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let token = app.store.create_sign_in_token(demo_id).await.unwrap();
        let cookie = crate::customer::sign_in(&app, &token).await;
        let (status, page) = app.get_page("/history", Some(&cookie)).await;
        assert_eq!(status, 200);
        assert!(page.contains("Confirmed by: "), "{page}");
        assert!(page.contains("CRM ✓"), "{page}");
        assert!(page.contains("Marketing — retrying"), "{page}");
    }
}

both_backends! {
    async fn a_redirect_is_not_followed_and_counts_as_a_failure(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let elsewhere = Receiver::start(Answer::Ok).await;
        let target: &'static str = Box::leak(elsewhere.url.clone().into_boxed_str());
        let redirecting = Receiver::start(Answer::Redirect(target)).await;
        let key = sender(&app.store, "CRM").await;
        let (endpoint, _) = register(&app.address, &key, &redirecting.url, Some(json!(["preferences.updated"]))).await;
        let id = contact(&app.store, 1).await;
        change(&app.store, id, 1).await;

        redirecting.wait_for_events(1, Duration::from_secs(10)).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while redirecting.received().len() < 2 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(redirecting.received().len() >= 2, "the redirect was a failure, so it was retried");
        assert!(elsewhere.received().is_empty(), "the redirect was never followed");
        let (_, body) = api(&app, &key, reqwest::Method::GET, &format!("/webhook-endpoints/{endpoint}/deliveries"), None).await;
        assert_eq!(body["deliveries"][0]["attempt_log"][0]["status_code"], 308, "{body}");
        assert_ne!(body["deliveries"][0]["status"], "delivered");
    }
}

both_backends! {
    async fn one_sender_with_many_hanging_endpoints_does_not_hold_up_another_sender(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let slow_key = sender(&app.store, "Marketing").await;
        // As many endpoints as a sender may have, each hanging: together they could take every
        // slot if only each endpoint's share were counted.
        let mut hanging = Vec::new();
        for _ in 0..10 {
            let receiver = Receiver::start(Answer::Hang).await;
            register(&app.address, &slow_key, &receiver.url, Some(json!(["preferences.updated"]))).await;
            hanging.push(receiver);
        }
        let healthy = Receiver::start(Answer::Ok).await;
        let fast_key = sender(&app.store, "CRM").await;
        register(&app.address, &fast_key, &healthy.url, Some(json!(["preferences.updated"]))).await;

        let n = server::webhooks::worker::MAX_IN_FLIGHT / 10 + 20;
        for i in 0..n {
            let id = contact(&app.store, i).await;
            change(&app.store, id, 1).await;
        }

        // Well inside the 15 s a hanging attempt waits for.
        let seqs = healthy.wait_for_events(n, Duration::from_secs(10)).await;
        assert_eq!(seqs.len(), n, "the other sender got every event while the first one's endpoints hung");
        let window = server::webhooks::worker::TIMEOUT - Duration::from_secs(1);
        let got: Vec<Received> = hanging.iter().flat_map(Receiver::received).collect();
        let first = got.iter().map(|r| r.at).min().expect("the hanging endpoints were tried");
        let at_once = got.iter().filter(|r| r.at < first + window).count();
        assert!(
            at_once <= server::webhooks::worker::PER_SENDER,
            "one sender's endpoints hold at most its share of attempts at once ({at_once} of {})",
            got.len()
        );
    }
}

both_backends! {
    async fn an_endpoint_replayed_once_is_not_replayed_again_for_a_minute(db) {
        let app = app(db).await;
        demo(&app.store).await;
        let id = contact(&app.store, 1).await;
        let first = change(&app.store, id, 1).await;
        let receiver = Receiver::start(Answer::Ok).await;
        let key = sender(&app.store, "CRM").await;
        let (endpoint, _) = register(&app.address, &key, &receiver.url, Some(json!(["preferences.updated"]))).await;
        let replay = format!("/webhook-endpoints/{endpoint}/replay");

        let (status, body) = api(&app, &key, reqwest::Method::POST, &replay, Some(json!({"after": first - 1}))).await;
        assert_eq!((status, body["queued"].clone()), (202, json!(1)), "{body}");
        assert_eq!(receiver.wait_for_events(1, Duration::from_secs(10)).await, [first]);
        let delivered = || async {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'")
                .fetch_one(app.store.reader())
                .await
                .unwrap()
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while delivered().await < 1 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(delivered().await, 1, "the replayed event is recorded as delivered");

        // At once again: refused, with when to come back, and nothing queued.
        let res = app
            .client
            .post(app.url(&format!("/api/v1{replay}")))
            .bearer_auth(&key)
            .json(&json!({"after": first - 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429);
        let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "Retry-After: {wait}");
        let problem: Value = res.json().await.unwrap();
        assert!(problem["type"].as_str().unwrap().ends_with("/problems/replay-too-soon"), "{problem}");
        assert_eq!(delivered().await, 1, "the refused replay queued nothing again");

        // A minute later it may be replayed again.
        sqlx::query("UPDATE webhook_endpoints SET replayed_at = replayed_at - 61000")
            .execute(app.store.writer())
            .await
            .unwrap();
        let (status, body) = api(&app, &key, reqwest::Method::POST, &replay, Some(json!({"after": first - 1}))).await;
        assert_eq!((status, body["queued"].clone()), (202, json!(1)), "{body}");
    }
}
