//! The decisions' read model keeps its promise (DESIGN §2, issue 16): a decision reflects every
//! change committed before it was asked on the same instance, and a change made through another
//! instance within a second; a batch decides held, unheld, unknown and recorded asks together.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::store::{read_model::ReadModel, Store};

use crate::{
    helpers::{fresh_db, spawn_app, Db, TestApp},
    webhooks::{sender, start_instance, FAST_RETRIES},
};

/// A sender API call that must succeed; its answer.
async fn call(base: &str, key: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let (status, body) =
        crate::scale_out::call(&reqwest::Client::new(), base, key, method, path, body).await;
    assert!(status < 300, "{path}: {status} {body}");
    body
}

const CONSENT: &str =
    r#"{"source": "signup form", "text": "Send me offers", "at": "2026-11-20T10:00:00Z"}"#;

/// Creates `reference` with a verified address, subscribed to offers by email.
async fn subscribed(base: &str, key: &str, reference: &str) {
    call(
        base,
        key,
        reqwest::Method::PUT,
        &format!("/contacts/{reference}"),
        json!({"email": format!("{reference}@example.com"), "email_verified": true}),
    )
    .await;
    set_offers(base, key, reference, true).await;
}

async fn set_offers(base: &str, key: &str, reference: &str, on: bool) {
    let consent: Value = serde_json::from_str(CONSENT).unwrap();
    call(base, key, reqwest::Method::PATCH, &format!("/contacts/{reference}/preferences"),
        json!({"reason": "asked", "consent": consent,
               "preferences": [{"topic": "offers", "subscribed": on, "channels": ["email"], "frequency": "monthly"}]}))
    .await;
}

async fn offers(base: &str, key: &str, reference: &str, record: bool) -> Value {
    call(
        base,
        key,
        reqwest::Method::POST,
        "/decisions",
        json!({"contact": reference, "topic": "offers", "channel": "email", "purpose": "marketing", "record": record}),
    )
    .await
}

/// Asks `base` for decisions until one gives `reason`, which must be within a second of the
/// call; returns how long it took.
async fn within_a_second(base: &str, key: &str, reference: &str, reason: &str) -> Duration {
    let since = Instant::now();
    loop {
        let answer = offers(base, key, reference, false).await;
        if answer["reason"] == reason {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(1),
            "{base} still answers {answer} a second after the change, not {reason}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn app_with_key(db: Db) -> (TestApp, String) {
    let app = spawn_app(db).await;
    server::demo::seed(
        &app.store,
        &url::Url::parse("http://127.0.0.1:3000").unwrap(),
    )
    .await
    .unwrap();
    let key = sender(&app.store, "CRM").await;
    (app, key)
}

both_backends! {
    async fn a_decision_reflects_every_change_committed_on_the_instance_before_it_was_asked(db) {
        let (app, key) = app_with_key(db).await;
        subscribed(&app.address, &key, "fresh-1").await;
        for round in 0..12 {
            let on = round % 2 == 1;
            // Asked before the change, so the contact is held in memory when it changes.
            offers(&app.address, &key, "fresh-1", false).await;
            set_offers(&app.address, &key, "fresh-1", on).await;
            let answer = offers(&app.address, &key, "fresh-1", false).await;
            let expected = if on { "allowed" } else { "topic_opted_out" };
            assert_eq!(answer["reason"], expected, "round {round}: {answer}");
        }
        // A one-click unsubscribe (on SQLite, through the group-commit writer) is seen at once.
        let link = offers(&app.address, &key, "fresh-1", false).await["links"]["unsubscribe"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = url::Url::parse(&link).unwrap().path().to_owned();
        let clicked = app
            .client
            .post(app.url(&path))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap();
        assert_eq!(clicked.status(), 200);
        // Said at the address, so rule 6a answers first.
        assert_eq!(offers(&app.address, &key, "fresh-1", false).await["reason"], "address_opted_out");
    }
}

both_backends! {
    async fn a_change_through_one_instance_reaches_decisions_on_another_within_a_second(db) {
        let test_db = fresh_db(db).await;
        let store = Store::connect(&test_db.url).await.unwrap();
        server::demo::seed(&store, &url::Url::parse("http://127.0.0.1:3000").unwrap())
            .await
            .unwrap();
        let key = sender(&store, "CRM").await;
        let (a, b) = (
            start_instance(&test_db, FAST_RETRIES).await,
            start_instance(&test_db, FAST_RETRIES).await,
        );
        subscribed(&a.address, &key, "far-1").await;
        let mut lags = Vec::new();
        for round in 0..4 {
            let on = round % 2 == 1;
            // B holds the contact before A changes it.
            offers(&b.address, &key, "far-1", false).await;
            set_offers(&a.address, &key, "far-1", on).await;
            let expected = if on { "allowed" } else { "topic_opted_out" };
            lags.push(within_a_second(&b.address, &key, "far-1", expected).await);
        }
        // A send recorded through A counts against the cap on B too (monthly: one a month).
        set_offers(&a.address, &key, "far-1", true).await;
        assert_eq!(offers(&b.address, &key, "far-1", false).await["decision"], "allow");
        assert_eq!(offers(&a.address, &key, "far-1", true).await["decision"], "allow");
        lags.push(within_a_second(&b.address, &key, "far-1", "frequency_cap").await);
        println!("cross-instance lag: {lags:?}");
        a.stop().await;
        b.stop().await;
        store.close().await;
    }
}

both_backends! {
    async fn a_batch_answers_held_unheld_unknown_and_recorded_asks_in_the_order_asked(db) {
        let (app, key) = app_with_key(db).await;
        subscribed(&app.address, &key, "batch-1").await;
        subscribed(&app.address, &key, "batch-2").await;
        set_offers(&app.address, &key, "batch-2", false).await;
        // batch-1 is held; batch-2 is not yet.
        offers(&app.address, &key, "batch-1", false).await;
        let item = |contact: &str, record: bool| json!({"contact": contact, "topic": "offers",
            "channel": "email", "purpose": "marketing", "record": record});
        let body = call(&app.address, &key, reqwest::Method::POST, "/decisions/batch", json!({"items": [
            item("batch-1", false),
            item("batch-2", false),
            item("nobody", false),
            item("batch-1", true),
            item("batch-1", false),
            json!({"contact": "batch-1", "topic": "no-such-topic", "channel": "email", "purpose": "marketing"}),
        ]})).await;
        let reasons: Vec<&str> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["reason"].as_str().unwrap())
            .collect();
        // In the order asked: the recorded send counts (monthly cap) for the asks after it only.
        assert_eq!(
            reasons,
            ["allowed", "topic_opted_out", "unknown_contact", "allowed", "frequency_cap", "unknown_topic"],
            "{body}"
        );
        assert_eq!(body["results"][3]["address"], "batch-1@example.com");
    }
}

both_backends! {
    async fn warming_the_read_model_reads_every_live_contact_and_no_erased_one(db) {
        let (store, _db) = crate::helpers::fresh_store(db).await;
        server::demo::seed(&store, &url::Url::parse("http://127.0.0.1:3000").unwrap())
            .await
            .unwrap();
        let gone = app::domain::ContactRef::parse("crm-max").unwrap();
        assert!(store
            .erase_contact(&gone, server::store::Grant::system(), None)
            .await
            .unwrap());
        let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts WHERE erased_at IS NULL")
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert!(live > 1);
        let model = ReadModel::default();
        assert_eq!(model.warm(store.reader()).await.unwrap() as i64, live);
        assert_eq!(model.len() as i64, live);
        assert!(model.contact(server::demo::DEMO_CONTACT).is_some());
        assert!(model.contact("crm-max").is_none(), "an erased contact is not held");
    }
}
