//! Scale-out (DESIGN §8): two `attune serve` instances on one Postgres, behind different ports,
//! with changes and decisions driven through both. Webhooks: none lost, none attempted twice;
//! decisions: the same answer from either instance, and a cap of one holds across them.

use std::time::Duration;

use serde_json::{json, Value};
use server::store::Store;

use crate::{
    helpers::{count, fresh_db, Db},
    webhooks::{
        demo, first_arrivals, register, sender, start_instance, Answer, Receiver, FAST_RETRIES,
    },
};

pub(crate) async fn call(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let res = client
        .request(method, format!("{base}/api/v1{path}"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_agree_and_deliver_every_change_once() {
    let test_db = fresh_db(Db::Postgres).await;
    let store = Store::connect(&test_db.url).await.unwrap();
    demo(&store).await;
    let key = sender(&store, "CRM").await;
    let receiver = Receiver::start(Answer::Ok).await;
    let (a, b) = (
        start_instance(&test_db, FAST_RETRIES).await,
        start_instance(&test_db, FAST_RETRIES).await,
    );
    let bases = [a.address.clone(), b.address.clone()];
    register(&a.address, &key, &receiver.url, None).await;
    // Events from before the endpoint existed (the demo data) are not queued for it.
    let events_before = count(&store, "outbox").await;
    let client = reqwest::Client::new();
    let consent =
        json!({"source": "signup form", "text": "Send me offers", "at": "2026-11-20T10:00:00Z"});

    // Contacts created through one instance and subscribed through the other.
    const CONTACTS: usize = 8;
    for i in 0..CONTACTS {
        let (created, _) = call(
            &client,
            &bases[i % 2],
            &key,
            reqwest::Method::PUT,
            &format!("/contacts/s-{i}"),
            json!({"email": format!("s{i}@example.com"), "email_verified": true}),
        )
        .await;
        assert_eq!(created, 201);
        let (patched, body) = call(&client, &bases[(i + 1) % 2], &key, reqwest::Method::PATCH, &format!("/contacts/s-{i}/preferences"),
            json!({"reason": "signed up", "consent": consent, "preferences": [{"topic": "offers", "subscribed": true, "channels": ["email"], "frequency": "weekly"}]})).await;
        assert_eq!(patched, 200, "{body}");
    }
    // Then concurrent changes, alternating between the instances.
    let changes = (0..CONTACTS * 4).map(|n| {
        let (client, base, key) = (client.clone(), bases[n % 2].clone(), key.clone());
        let frequency = ["daily", "monthly"][(n / CONTACTS) % 2];
        async move {
            call(&client, &base, &key, reqwest::Method::PATCH, &format!("/contacts/s-{}/preferences", n % CONTACTS),
                json!({"reason": "asked on the phone", "preferences": [{"topic": "offers", "frequency": frequency}]})).await
        }
    });
    for (status, body) in futures_util::future::join_all(changes).await {
        assert_eq!(status, 200, "{body}");
    }

    // Decisions: both instances give the same answer and see the same version.
    for i in 0..CONTACTS {
        let ask = json!({"contact": format!("s-{i}"), "topic": "offers", "channel": "email", "purpose": "marketing"});
        let (_, from_a) = call(
            &client,
            &bases[0],
            &key,
            reqwest::Method::POST,
            "/decisions",
            ask.clone(),
        )
        .await;
        let (_, from_b) = call(
            &client,
            &bases[1],
            &key,
            reqwest::Method::POST,
            "/decisions",
            ask,
        )
        .await;
        assert_eq!(from_a["decision"], "allow", "{from_a}");
        assert_eq!(
            (
                &from_a["decision"],
                &from_a["reason"],
                &from_a["preference_version"]
            ),
            (
                &from_b["decision"],
                &from_b["reason"],
                &from_b["preference_version"]
            ),
        );
    }
    // A cap of one (monthly) holds across instances: eight concurrent recorded asks, one allow.
    let (status, _) = call(
        &client,
        &bases[0],
        &key,
        reqwest::Method::PATCH,
        "/contacts/s-0/preferences",
        json!({"reason": "asked", "preferences": [{"topic": "offers", "frequency": "monthly"}]}),
    )
    .await;
    assert_eq!(status, 200);
    let asks = (0..8).map(|i| {
        let (client, base, key) = (client.clone(), bases[i % 2].clone(), key.clone());
        async move {
            call(&client, &base, &key, reqwest::Method::POST, "/decisions",
                json!({"contact": "s-0", "topic": "offers", "channel": "email", "purpose": "marketing", "record": true, "message_id": format!("race-{i}")})).await
        }
    });
    let answers = futures_util::future::join_all(asks).await;
    assert_eq!(
        answers
            .iter()
            .filter(|(_, body)| body["decision"] == "allow")
            .count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|(s, body)| *s == 200
            && (body["decision"] == "allow" || body["reason"] == "frequency_cap")),
        "{answers:?}"
    );

    // Webhooks: every event once, each contact's in order, never two attempts for one delivery.
    // How many changes the concurrent patches make depends on the order they commit in (a patch
    // to the frequency a contact already has changes nothing), so the count is read, not fixed:
    // one delivery per event since the endpoint was registered, and at least the subscription
    // plus two frequency changes per contact.
    let events = count(&store, "outbox").await - events_before;
    let deliveries = count(&store, "webhook_deliveries").await;
    assert_eq!(
        deliveries, events,
        "every change was queued for the endpoint"
    );
    assert!(
        deliveries >= (CONTACTS * 3) as i64,
        "every change made an event ({deliveries})"
    );
    let seqs = receiver
        .wait_for_events(deliveries as usize, Duration::from_secs(30))
        .await;
    assert_eq!(
        seqs.len() as i64,
        deliveries,
        "none lost ({events} events in all)"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.received().len() as i64,
        deliveries,
        "none sent twice"
    );
    assert_eq!(
        count(&store, "delivery_attempts").await,
        deliveries,
        "one attempt each"
    );
    for (contact, order) in first_arrivals(&receiver) {
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "{contact}'s events arrived in seq order");
    }
    a.stop().await;
    b.stop().await;
    store.close().await;
}
