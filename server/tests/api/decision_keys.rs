//! `Idempotency-Key` on decisions (DESIGN §9): the rules always run; only the recording of the
//! send is made once. On both backends.

use serde_json::{json, Value};

use crate::{
    helpers::{count, spawn_app},
    sender_api::Api,
};

both_backends! {
    async fn a_retried_decision_after_an_opt_out_is_denied_though_its_key_was_seen(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        api.contact("c-key").await;
        let (s, body) = api.patch("/contacts/c-key/preferences", json!({"reason": "asked for one a week", "global": {"weekly_cap": 1}})).await;
        assert_eq!(s, 200, "{body}");
        let ask = json!({"contact": "c-key", "topic": "offers", "channel": "email", "purpose": "marketing", "record": true});
        let decide = |key: &'static str, ask: Value| { let api = &api; async move { api.send(reqwest::Method::POST, "/decisions", Some(ask), Some(key)).await } };

        let (_, first, _) = decide("send-1", ask.clone()).await;
        let (_, retry, _) = decide("send-1", ask.clone()).await;
        let (_, another, _) = decide("send-2", ask.clone()).await;
        assert_eq!((first["decision"].as_str(), retry["decision"].as_str()), (Some("allow"), Some("allow")), "{first} {retry}");
        assert_eq!(another["reason"], "frequency_cap", "the one send a week is counted once: {another}");
        assert_eq!(count(&app.store, "sends").await, 1, "the retry is not a second send");

        let (s, _) = api.patch("/contacts/c-key/preferences", json!({"reason": "asked on the phone to stop offers", "preferences": [{"topic": "offers", "subscribed": false}]})).await;
        assert_eq!(s, 200);
        let (status, after, headers) = decide("send-1", ask.clone()).await;
        let batch = json!({"items": [ask.clone()]});
        let (_, batch_first, _) = api.send(reqwest::Method::POST, "/decisions/batch", Some(batch.clone()), Some("batch-1")).await;

        assert_eq!(status, 200);
        assert_eq!((after["decision"].as_str(), after["reason"].as_str()), (Some("deny"), Some("topic_opted_out")), "{after}");
        assert!(after.get("address").is_none() && after.get("links").is_none(), "{after}");
        assert!(headers.get("idempotent-replayed").is_none(), "decided now, not replayed");
        assert_eq!(batch_first["results"][0]["decision"], "deny");
        assert_eq!(count(&app.store, "sends").await, 1);
        let (s, reused, _) = api.send(reqwest::Method::POST, "/decisions", Some(json!({"contact": "c-key", "topic": "offers", "channel": "sms", "purpose": "marketing"})), Some("send-1")).await;
        assert_eq!(s, 422, "the key still names its first request: {reused}");
    }
}
