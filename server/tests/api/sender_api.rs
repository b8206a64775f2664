//! The sender API (DESIGN §6) over HTTP, on both backends: auth, contacts, every decision rule,
//! recording races, idempotency, erasure and suppression, and every class of bad input.

use serde_json::{json, Value};

use crate::helpers::{count, spawn_app, spawn_app_with, TestApp};

pub(crate) struct Api<'a> {
    app: &'a TestApp,
    pub(crate) key: String,
}

impl<'a> Api<'a> {
    pub(crate) async fn new(app: &'a TestApp) -> Api<'a> {
        let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
        server::demo::seed(&app.store, &base).await.unwrap();
        let (_, key) = app.store.create_sender("CRM").await.unwrap();
        Api { app, key }
    }

    /// Another sender's client on the same app.
    pub(crate) async fn other(app: &'a TestApp, name: &str) -> Api<'a> {
        let (_, key) = app.store.create_sender(name).await.unwrap();
        Api { app, key }
    }

    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        idem: Option<&str>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut req = self
            .app
            .client
            .request(method, self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(k) = idem {
            req = req.header("idempotency-key", k);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let (s, v, _) = self.send(reqwest::Method::GET, path, None, None).await;
        (s, v)
    }

    pub(crate) async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self
            .send(reqwest::Method::PUT, path, Some(body), None)
            .await;
        (s, v)
    }

    pub(crate) async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self
            .send(reqwest::Method::PATCH, path, Some(body), None)
            .await;
        (s, v)
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self
            .send(reqwest::Method::POST, path, Some(body), None)
            .await;
        (s, v)
    }

    /// A contact with both addresses verified, subscribed to offers (email and sms).
    pub(crate) async fn contact(&self, reference: &str) {
        let (s, _) = self
            .put(
                &format!("/contacts/{reference}"),
                json!({"email": format!("{reference}@example.com"), "email_verified": true,
                       "phone": "+15551234567", "phone_verified": true, "time_zone": "America/Chicago"}),
            )
            .await;
        assert_eq!(s, 201);
        let (s, body) = self
            .patch(
                &format!("/contacts/{reference}/preferences"),
                json!({"reason": "signed up at checkout",
                       "consent": {"source": "checkout form", "text": "Send me offers", "at": "2026-11-20T10:00:00Z"},
                       "preferences": [{"topic": "offers", "subscribed": true, "channels": ["email", "sms"], "frequency": "immediate"}]}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
    }

    pub(crate) async fn decide(
        &self,
        contact: &str,
        topic: &str,
        channel: &str,
        purpose: &str,
    ) -> Value {
        let (s, body) = self
            .post(
                "/decisions",
                json!({"contact": contact, "topic": topic, "channel": channel, "purpose": purpose}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        body
    }

    pub(crate) async fn reason(
        &self,
        contact: &str,
        topic: &str,
        channel: &str,
        purpose: &str,
    ) -> String {
        self.decide(contact, topic, channel, purpose).await["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) async fn change(&self, contact: &str, patch: Value) {
        let (s, body) = self
            .patch(&format!("/contacts/{contact}/preferences"), patch)
            .await;
        assert_eq!(s, 200, "{body}");
    }
}

both_backends! {
    async fn requests_without_a_valid_key_get_a_401_problem(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;

        let none = app.client.get(app.url("/api/v1/topics")).send().await.unwrap();
        let wrong = app.client.get(app.url("/api/v1/topics")).bearer_auth("att_nope").send().await.unwrap();
        assert_eq!(none.status(), 401);
        assert_eq!(none.headers()["content-type"], "application/problem+json");
        let problem: Value = none.json().await.unwrap();
        assert_eq!(problem["type"], "http://127.0.0.1:3000/problems/unauthorized");
        assert_eq!(problem["status"], 401);
        assert_eq!(wrong.status(), 401);

        assert_eq!(api.get("/topics").await.0, 200);
        assert!(app.store.revoke_key(&api.key[..12]).await.unwrap());
        assert_eq!(api.get("/topics").await.0, 401, "a revoked key stops working");
    }
}

both_backends! {
    async fn contacts_are_created_read_and_updated_as_the_design_shows(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;

        let (created, _) = api.put("/contacts/c-42", json!({"email": "ann@example.com", "phone": "+15551234567", "locale": "en", "time_zone": "America/Chicago"})).await;
        let (updated, _) = api.put("/contacts/c-42", json!({"email_verified": true, "email": "ann@example.com"})).await;
        let (status, body) = api.get("/contacts/c-42").await;
        let (missing, problem) = api.get("/contacts/nobody").await;
        // Re-sending the same address without the flag keeps it verified; a new one is not.
        api.put("/contacts/c-42", json!({"email": "ann@example.com", "locale": "fr"})).await;
        let (_, kept) = api.get("/contacts/c-42").await;
        api.put("/contacts/c-42", json!({"email": "ann.new@example.com"})).await;
        let (_, changed) = api.get("/contacts/c-42").await;

        assert_eq!((created, updated, status), (201, 200, 200));
        assert_eq!(body["ref"], "c-42");
        assert_eq!(body["email"], "ann@example.com");
        assert_eq!(body["email_verified"], true);
        assert_eq!(body["time_zone"], "America/Chicago");
        assert_eq!(body["global"], json!({"unsubscribed_all": false, "paused_until": null, "quiet_hours": null, "channel_opt_outs": [], "weekly_cap": null}));
        assert_eq!(body["disputed"], json!([]));
        let offers = body["preferences"].as_array().unwrap().iter().find(|p| p["topic"] == "offers").unwrap();
        assert_eq!(offers, &json!({"topic": "offers", "subscribed": false, "channels": ["email", "sms"], "frequency": "weekly", "info_only": false}));
        assert!(body["version"].as_i64().unwrap() >= 2);
        assert_eq!(missing, 404);
        assert_eq!(problem["type"], "http://127.0.0.1:3000/problems/not-found");
        assert_eq!((kept["email_verified"].as_bool(), kept["locale"].as_str()), (Some(true), Some("fr")));
        assert_eq!((changed["email"].as_str(), changed["email_verified"].as_bool()), (Some("ann.new@example.com"), Some(false)));
    }
}

both_backends! {
    async fn every_decision_rule_answers_through_the_api(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        for c in ["r-open", "r-disputed", "r-nophone", "r-all", "r-optout", "r-paused", "r-topic", "r-chan", "r-info", "r-unverified", "r-quiet", "r-cap"] {
            api.contact(c).await;
        }
        api.put("/contacts/r-unverified", json!({"email": "r-unverified2@example.com", "email_verified": false})).await;
        api.put("/contacts/r-nophone-only", json!({"email": "np@example.com", "email_verified": true})).await;
        let consent = json!({"source": "phone call", "text": "yes", "at": "2026-11-20T10:00:00Z"});
        api.change("r-all", json!({"reason": "asked", "global": {"unsubscribed_all": true}})).await;
        api.change("r-optout", json!({"reason": "asked", "global": {"channel_opt_outs": ["sms"]}})).await;
        let pause_end = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365)).round(jiff::Unit::Second).unwrap().to_string();
        api.change("r-paused", json!({"reason": "asked", "global": {"paused_until": pause_end}})).await;
        api.change("r-topic", json!({"reason": "asked", "preferences": [{"topic": "offers", "subscribed": false}]})).await;
        api.change("r-chan", json!({"reason": "asked", "preferences": [{"topic": "offers", "channels": ["email"]}]})).await;
        api.change("r-info", json!({"reason": "asked", "consent": consent, "preferences": [{"topic": "service-follow-ups", "subscribed": true, "info_only": true}]})).await;
        api.change("r-quiet", json!({"reason": "asked", "global": {"quiet_hours": {"start": "00:00", "end": "23:59"}}})).await;
        api.change("r-cap", json!({"reason": "asked", "preferences": [{"topic": "offers", "frequency": "daily"}]})).await;
        let not_me = {
            let id: i64 = sqlx::query_scalar("SELECT id FROM contacts WHERE ref = 'r-disputed'").fetch_one(app.store.reader()).await.unwrap();
            let links = server::links::Links::load(&app.store, url::Url::parse("http://x").unwrap()).await.unwrap();
            links.url(server::links::LinkKind::NotMe, &server::links::LinkSubject { contact_id: id, topic_id: 0, channel: Some("email"), purpose: None })
        };
        let path = not_me.trim_start_matches("http://x").to_owned();
        app.post_form_from(&path, &path, None, &[]).await;

        // 14: allowed, with links and headers for email
        let allow = api.decide("r-open", "offers", "email", "marketing").await;
        assert_eq!(allow["decision"], "allow");
        assert_eq!(allow["reason"], "allowed");
        assert_eq!(allow["address"], "r-open@example.com");
        let unsubscribe = allow["links"]["unsubscribe"].as_str().unwrap();
        assert!(unsubscribe.starts_with("http://127.0.0.1:3000/u/"));
        assert_eq!(allow["headers"]["List-Unsubscribe"], format!("<{unsubscribe}>"));
        assert_eq!(allow["headers"]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
        let sms = api.decide("r-open", "offers", "sms", "marketing").await;
        assert_eq!((sms["decision"].as_str(), sms.get("links")), (Some("allow"), None), "no links for sms");
        // 1
        let unknown = api.decide("nobody", "offers", "email", "marketing").await;
        assert_eq!((unknown["decision"].as_str(), unknown["reason"].as_str()), (Some("deny"), Some("unknown_contact")));
        let (status, problem) = api.post("/decisions", json!({"contact": "r-open", "topic": "no-such-topic", "channel": "email", "purpose": "marketing"})).await;
        assert_eq!((status, problem["type"].as_str()), (404, Some("http://127.0.0.1:3000/problems/not-found")));
        // 2
        assert_eq!(api.reason("r-open", "newsletter", "sms", "informational").await, "channel_not_offered");
        // 3: even transactional on a required topic
        assert_eq!(api.reason("r-disputed", "account", "email", "transactional").await, "address_disputed");
        // 4
        assert_eq!(api.reason("r-nophone-only", "account", "sms", "transactional").await, "no_address");
        // 5 and 6
        assert_eq!(api.reason("r-all", "account", "email", "transactional").await, "allowed");
        assert_eq!(api.reason("r-all", "offers", "email", "marketing").await, "unsubscribed_all");
        // 7
        assert_eq!(api.reason("r-optout", "offers", "sms", "marketing").await, "channel_opted_out");
        // 8
        let paused = api.decide("r-paused", "offers", "email", "marketing").await;
        assert_eq!((paused["decision"].as_str(), paused["reason"].as_str()), (Some("defer"), Some("paused")));
        assert_eq!(paused["defer_until"], pause_end.as_str());
        // 9
        assert_eq!(api.reason("r-topic", "offers", "email", "marketing").await, "topic_opted_out");
        assert_eq!(api.reason("r-chan", "offers", "sms", "marketing").await, "channel_not_chosen");
        // 10
        assert_eq!(api.reason("r-info", "service-follow-ups", "voice", "follow_up").await, "info_only");
        assert_eq!(api.reason("r-info", "service-follow-ups", "email", "informational").await, "allowed");
        // 11
        assert_eq!(api.reason("r-unverified", "offers", "email", "marketing").await, "unverified_address");
        // 12
        let quiet = api.decide("r-quiet", "offers", "sms", "informational").await;
        assert_eq!((quiet["decision"].as_str(), quiet["reason"].as_str()), (Some("defer"), Some("quiet_hours")));
        assert!(quiet["defer_until"].is_string());
        // 13
        let (_, first) = api.post("/decisions", json!({"contact": "r-cap", "topic": "offers", "channel": "email", "purpose": "marketing", "record": true})).await;
        assert_eq!(first["decision"], "allow");
        let capped = api.decide("r-cap", "offers", "sms", "marketing").await;
        assert_eq!((capped["decision"].as_str(), capped["reason"].as_str()), (Some("defer"), Some("frequency_cap")), "across channels");
        assert!(capped["preference_version"].as_i64().unwrap() >= 3);
    }
}

both_backends! {
    async fn two_concurrent_records_against_a_cap_of_one_allow_exactly_one(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        api.contact("race").await;
        api.change("race", json!({"reason": "asked", "preferences": [{"topic": "offers", "frequency": "weekly"}]})).await;

        let asks = (0..8).map(|i| {
            api.post("/decisions", json!({"contact": "race", "topic": "offers", "channel": "email", "purpose": "marketing",
                                           "record": true, "message_id": format!("m-{i}")}))
        });
        let answers = futures_util::future::join_all(asks).await;

        let allowed = answers.iter().filter(|(_, b)| b["decision"] == "allow").count();
        assert_eq!(allowed, 1, "{answers:?}");
        assert!(answers.iter().all(|(s, b)| *s == 200 && (b["decision"] == "allow" || b["reason"] == "frequency_cap")));
        assert_eq!(count(&app.store, "sends").await, 1);
    }
}

both_backends! {
    async fn recording_is_idempotent_on_message_id(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        api.contact("m").await;
        api.change("m", json!({"reason": "asked", "preferences": [{"topic": "offers", "frequency": "daily"}]})).await;
        let ask = json!({"contact": "m", "topic": "offers", "channel": "email", "purpose": "marketing", "record": true, "message_id": "crm-1"});

        let (_, first) = api.post("/decisions", ask.clone()).await;
        let (_, again) = api.post("/decisions", ask).await;

        assert_eq!(first["decision"], "allow");
        assert_eq!(again["decision"], "allow", "a retry of the same message is not a second send");
        assert_eq!(count(&app.store, "sends").await, 1);
    }
}

both_backends! {
    async fn idempotency_keys_replay_refuse_a_different_body_and_report_in_progress(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        let body = json!({"email": "idem@example.com"});

        let (s1, b1, _) = api.send(reqwest::Method::PUT, "/contacts/idem", Some(body.clone()), Some("key-1")).await;
        let (s2, b2, h2) = api.send(reqwest::Method::PUT, "/contacts/idem", Some(body), Some("key-1")).await;
        let (s3, b3, _) = api.send(reqwest::Method::PUT, "/contacts/idem", Some(json!({"email": "other@example.com"})), Some("key-1")).await;

        assert_eq!((s1, s2), (201, 201), "the replay returns the stored response, status included");
        assert_eq!(b1, b2);
        assert_eq!(h2["idempotent-replayed"], "true");
        assert_eq!(s3, 422);
        assert_eq!(b3["type"], "http://127.0.0.1:3000/problems/validation");
        assert_eq!(count(&app.store, "ledger").await, sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ledger").fetch_one(app.store.reader()).await.unwrap());

        // A request still running under a key: its twin gets 409.
        let sender: i64 = sqlx::query_scalar("SELECT id FROM senders WHERE name = 'CRM'").fetch_one(app.store.reader()).await.unwrap();
        let fingerprint = format!("POST /api/v1/decisions\n{}", json!({"contact": "idem", "topic": "offers", "channel": "email", "purpose": "marketing"}));
        sqlx::query("INSERT INTO idempotency_keys (sender_id, key, request_hash, created_at) VALUES ($1, 'busy', $2, $3)")
            .bind(sender)
            .bind(server::store::sha256_hex(fingerprint.as_bytes()))
            .bind(jiff::Timestamp::now().as_millisecond())
            .execute(app.store.writer())
            .await
            .unwrap();
        let res = app.client.post(app.url("/api/v1/decisions")).bearer_auth(&api.key).header("idempotency-key", "busy")
            .header("content-type", "application/json")
            .body(json!({"contact": "idem", "topic": "offers", "channel": "email", "purpose": "marketing"}).to_string())
            .send().await.unwrap();
        assert_eq!(res.status(), 409);
    }
}

both_backends! {
    async fn an_idempotency_key_on_a_method_or_path_the_api_lacks_gets_a_plain_405_or_404(db) {
        // Found by schemathesis: the middleware ran before routing, so `PUT /decisions` with a
        // key claimed it (or answered 422 for a reused one) instead of 405.
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;

        let (wrong_method, _, headers) = api.send(reqwest::Method::PUT, "/decisions", Some(json!({})), Some("k-1")).await;
        let (no_route, problem, _) = api.send(reqwest::Method::POST, "/no-such-route", Some(json!({})), Some("k-1")).await;
        let claimed = count(&app.store, "idempotency_keys").await;
        let (created, _, replayed) = api.send(reqwest::Method::PUT, "/contacts/k-1", Some(json!({"email": "k1@example.com"})), Some("k-1")).await;

        assert_eq!(wrong_method, 405);
        assert!(headers["allow"].to_str().unwrap().contains("POST"));
        assert_eq!(no_route, 404);
        assert_eq!(problem["type"], "http://127.0.0.1:3000/problems/not-found");
        assert_eq!(claimed, 0, "neither request claimed the key");
        assert_eq!(created, 201, "the key is still free for a real request");
        assert!(replayed.get("idempotent-replayed").is_none());
    }
}

both_backends! {
    async fn the_openapi_document_says_what_every_operation_can_answer(db) {
        let app = spawn_app(db).await;
        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();

        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.contains_key("401"), "{method} {path} documents 401");
                for (status, response) in responses {
                    if status.starts_with('4') {
                        assert!(response["content"].get("application/problem+json").is_some(), "{method} {path} {status} is a problem");
                    }
                }
                if op.get("requestBody").is_some() {
                    for status in ["400", "413", "415", "422"] {
                        assert!(responses.contains_key(status), "{method} {path} documents {status}");
                    }
                }
                if ["post", "put", "patch"].contains(&method.as_str()) {
                    let params = op["parameters"].as_array().unwrap();
                    assert!(params.iter().any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"), "{method} {path} takes Idempotency-Key");
                }
            }
        }
        let changes = doc["paths"]["/changes"]["get"]["parameters"].as_array().unwrap();
        assert!(changes.iter().all(|p| p["in"] == "query" && p["required"] != true), "after and limit are optional query parameters");
    }
}

both_backends! {
    async fn the_openapi_document_names_every_operation_lists_every_closed_set_and_shows_every_body(db) {
        let app = spawn_app(db).await;
        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let schemas = &doc["components"]["schemas"];
        let resolve = |s: &Value| match s["$ref"].as_str() {
            Some(r) => schemas[r.rsplit('/').next().unwrap()].clone(),
            None => s.clone(),
        };

        let mut ids = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                ids.push(op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has an operationId")).to_owned());
                let bodies = op["requestBody"]["content"].as_object().into_iter().flatten()
                    .chain(op["responses"].as_object().unwrap().values().filter_map(|r| r["content"].as_object()).flatten());
                for (media, content) in bodies {
                    let schema = resolve(&content["schema"]);
                    let shown = content.get("example").is_some() || schema["examples"].as_array().is_some_and(|e| !e.is_empty());
                    assert!(shown, "{method} {path} {media} has an example");
                }
            }
        }
        ids.sort();
        assert_eq!(ids, [
            "createWebhookEndpoint", "decide", "decideBatch", "deleteContact", "deleteWebhookEndpoint",
            "exportContact", "getContact", "listChanges", "listTopics", "listWebhookDeliveries",
            "listWebhookEndpoints", "patchPreferences", "putContact", "replayWebhookEndpoint", "rotateWebhookSecret",
        ]);
        let values = |name: &str| schemas[name]["enum"].as_array().unwrap_or_else(|| panic!("{name} is an enum")).len();
        assert_eq!(values("Channel"), 4);
        assert_eq!(values("Purpose"), 4);
        assert_eq!(values("Frequency"), 4);
        assert_eq!(values("Verdict"), 3);
        assert_eq!(values("Reason"), 16);
        assert_eq!(schemas["ActorKind"]["enum"], json!(["customer", "one_click", "staff", "sender", "system", "reply"]));
        assert_eq!(schemas["EventActor"]["properties"]["kind"]["$ref"], "#/components/schemas/ActorKind");
        assert_eq!(schemas["DecisionRequest"]["properties"]["channel"]["$ref"], "#/components/schemas/Channel");
        assert_eq!(schemas["DecisionBody"]["properties"]["reason"]["$ref"], "#/components/schemas/Reason");
    }
}

both_backends! {
    async fn erasure_removes_personal_data_and_the_address_cannot_come_back(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        api.contact("gone").await;

        let (status, _, _) = api.send(reqwest::Method::DELETE, "/contacts/gone", None, None).await;
        let (after, _) = api.get("/contacts/gone").await;
        let decision = api.decide("gone", "account", "email", "transactional").await;
        let (again, problem) = api.put("/contacts/someone-new", json!({"email": "GONE@example.com"})).await;
        let (same_ref, _) = api.put("/contacts/gone", json!({"locale": "fr"})).await;

        assert_eq!(status, 204);
        assert_eq!(after, 404);
        assert_eq!(decision["reason"], "unknown_contact");
        assert_eq!(again, 409, "{problem}");
        assert_eq!(problem["type"], "http://127.0.0.1:3000/problems/suppressed");
        let (never_created, _) = api.get("/contacts/someone-new").await;
        assert_eq!(never_created, 404, "the refused contact was not created either");
        assert_eq!(same_ref, 409);
        let leftovers: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ledger WHERE changes LIKE '%gone@example.com%' OR request_meta LIKE '%gone@example.com%'",
        ).fetch_one(app.store.reader()).await.unwrap();
        let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%gone@example.com%'")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!((leftovers, outbox), (0, 0), "no trace of the address in the ledger or events");
        let (_, feed) = api.get("/changes?after=0&limit=1000").await;
        let last = feed["events"].as_array().unwrap().iter().rev().find(|e| e["contact"]["ref"] == "gone").unwrap().clone();
        assert_eq!(last["type"], "contact.erased");
        assert_eq!(last["contact"]["email"], Value::Null);
    }
}

both_backends! {
    async fn bad_input_of_every_kind_is_a_4xx_problem_never_a_500(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        let raw = |body: &str, content_type: Option<&str>| {
            let mut req = app.client.post(app.url("/api/v1/decisions")).bearer_auth(&api.key).body(body.to_owned());
            if let Some(ct) = content_type {
                req = req.header("content-type", ct);
            }
            req.send()
        };
        let ok = json!({"contact": "x", "topic": "offers", "channel": "email", "purpose": "marketing"});

        let cases: Vec<(&str, reqwest::Response, u16)> = vec![
            ("malformed JSON", raw("{\"contact\": ", Some("application/json")).await.unwrap(), 400),
            ("unknown field", raw(&json!({"contact": "x", "topic": "offers", "channel": "email", "purpose": "marketing", "extra": 1}).to_string(), Some("application/json")).await.unwrap(), 422),
            ("wrong type", raw(&json!({"contact": 5, "topic": "offers", "channel": "email", "purpose": "marketing"}).to_string(), Some("application/json")).await.unwrap(), 422),
            ("missing field", raw(&json!({"contact": "x"}).to_string(), Some("application/json")).await.unwrap(), 422),
            ("bad channel", raw(&json!({"contact": "x", "topic": "offers", "channel": "fax", "purpose": "marketing"}).to_string(), Some("application/json")).await.unwrap(), 422),
            ("no content type", raw(&ok.to_string(), None).await.unwrap(), 415),
            // On its own connection: the server answers before reading the whole body and then
            // closes it, which a pooled connection would carry into the next request.
            ("oversized", reqwest::Client::new().post(app.url("/api/v1/decisions")).bearer_auth(&api.key)
                .header("content-type", "application/json")
                .body(format!("{{\"contact\": \"{}\"}}", "x".repeat((1 << 20) + 1024))).send().await.unwrap(), 413),
            ("too big a batch", app.client.post(app.url("/api/v1/decisions/batch")).bearer_auth(&api.key)
                .json(&json!({"items": vec![ok.clone(); 1001]})).send().await.unwrap(), 422),
            ("bad query", app.client.get(app.url("/api/v1/changes?after=abc")).bearer_auth(&api.key).send().await.unwrap(), 422),
            ("patch without reason", app.client.patch(app.url("/api/v1/contacts/x/preferences")).bearer_auth(&api.key)
                .json(&json!({"reason": " "})).send().await.unwrap(), 422),
        ];
        for (name, res, want) in cases {
            assert_eq!(res.status().as_u16(), want, "{name}");
            assert_eq!(res.headers()["content-type"], "application/problem+json", "{name}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["status"], want, "{name}");
            assert!(body["type"].as_str().unwrap().starts_with("http://127.0.0.1:3000/problems/"), "{name}");
        }
    }
}

both_backends! {
    async fn subscribing_needs_consent_and_the_contact_is_told_with_an_undo_link(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        api.put("/contacts/p-1", json!({"email": "p1@example.com", "email_verified": true})).await;
        let subscribe = json!([{"topic": "offers", "subscribed": true}]);

        let (without, problem) = api.patch("/contacts/p-1/preferences", json!({"reason": "phone call", "preferences": subscribe})).await;
        let (_, unchanged) = api.get("/contacts/p-1").await;
        let (with, body) = api.patch("/contacts/p-1/preferences", json!({"reason": "phone call", "preferences": subscribe,
            "consent": {"source": "phone call", "text": "Yes, send me offers", "at": "2026-11-20T10:00:00Z"}})).await;

        assert_eq!(without, 422);
        assert!(problem["detail"].as_str().unwrap().contains("consent"));
        let offers = |b: &Value| b["preferences"].as_array().unwrap().iter().find(|p| p["topic"] == "offers").unwrap()["subscribed"].clone();
        assert_eq!(offers(&unchanged), false, "nothing changed without consent");
        assert_eq!(with, 200);
        assert_eq!(offers(&body), true);
        let (actor, reason, meta): (String, String, String) = sqlx::query_as("SELECT actor_kind, reason, request_meta FROM ledger ORDER BY seq DESC LIMIT 1")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!((actor.as_str(), reason.as_str()), ("sender", "phone call"));
        assert!(meta.contains("Yes, send me offers"), "the consent is kept with the change");
        let mails = app.wait_for_mails(1).await;
        assert!(mails[0].contains("To: p1@example.com") && mails[0].contains("/u/"), "{}", mails[0]);
    }
}

both_backends! {
    async fn the_change_feed_lists_events_in_order_and_pages(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;

        let (_, first) = api.get("/changes?after=0&limit=3").await;
        let next = first["next_after"].as_i64().unwrap();
        let (_, rest) = api.get(&format!("/changes?after={next}&limit=1000")).await;

        let seqs: Vec<i64> = first["events"].as_array().unwrap().iter().chain(rest["events"].as_array().unwrap()).map(|e| e["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
        assert_eq!(next, 3);
        let e = &first["events"][0];
        for field in ["type", "seq", "occurred_at", "version", "contact", "actor", "reason", "changes"] {
            assert!(e.get(field).is_some(), "{field} in {e}");
        }
        assert_eq!(seqs.len() as i64, count(&app.store, "outbox").await);
    }
}

both_backends! {
    async fn topics_batches_and_the_openapi_document_are_served(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;
        api.contact("b").await;

        let (_, topics) = api.get("/topics").await;
        let (_, batch) = api.post("/decisions/batch", json!({"items": [
            {"contact": "b", "topic": "offers", "channel": "email", "purpose": "marketing"},
            {"contact": "b", "topic": "nope", "channel": "email", "purpose": "marketing"},
            {"contact": "nobody", "topic": "offers", "channel": "email", "purpose": "marketing"},
        ]})).await;
        let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();

        assert_eq!(topics["topics"].as_array().unwrap().len(), 6);
        assert_eq!(topics["topics"][0]["key"], "appointments");
        let reasons: Vec<&str> = batch["results"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
        assert_eq!(reasons, ["allowed", "unknown_topic", "unknown_contact"]);
        for path in ["/contacts/{ref}", "/contacts/{ref}/preferences", "/decisions", "/decisions/batch", "/changes", "/topics", "/webhook-endpoints"] {
            assert!(doc["paths"].get(path).is_some(), "{path} is documented");
        }
        assert!(doc["components"]["schemas"].get("DecisionBody").is_some());
        let choice = &doc["components"]["schemas"]["AddressChoiceBody"];
        assert!(choice["properties"].get("made_through").is_some(), "address choices are described: {choice}");
        let event_types = doc["components"]["schemas"]["Event"]["properties"]["type"]["description"].as_str().unwrap_or_default();
        assert!(event_types.contains("address.choice_recorded"), "{event_types}");
        assert_eq!(docs.status(), 200);
        assert!(docs.text().await.unwrap().contains("POST /api/v1/decisions"));
    }
}

both_backends! {
    async fn webhook_endpoints_are_registered_with_a_secret_and_private_targets_are_refused(db) {
        let app = spawn_app(db).await;
        let api = Api::new(&app).await;

        let (loopback, problem) = api.post("/webhook-endpoints", json!({"url": "http://127.0.0.1:9/hooks"})).await;
        let (bad_scheme, _) = api.post("/webhook-endpoints", json!({"url": "ftp://example.com/x"})).await;
        let (bad_event, _) = api.post("/webhook-endpoints", json!({"url": "http://10.0.0.1/x", "events": ["nope"]})).await;
        assert_eq!((loopback, bad_scheme, bad_event), (422, 422, 422));
        assert!(problem["detail"].as_str().unwrap().contains("ATTUNE_WEBHOOK_ALLOW_PRIVATE"));

        let allowed = spawn_app_with(db, &[("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true")]).await;
        let api = Api::new(&allowed).await;
        let (created, body) = api.post("/webhook-endpoints", json!({"url": "http://127.0.0.1:9/hooks", "events": ["preferences.updated"]})).await;
        assert_eq!(created, 201);
        let secret = body["secret"].as_str().unwrap();
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
        assert!(raw.len() >= 24);
        let (_, list) = api.get("/webhook-endpoints").await;
        assert_eq!(list["endpoints"][0]["id"], body["id"]);
        assert!(list["endpoints"][0].get("secret").is_none(), "the secret is shown once");
        let id = body["id"].as_str().unwrap();
        let (deleted, _, _) = api.send(reqwest::Method::DELETE, &format!("/webhook-endpoints/{id}"), None, None).await;
        let (again, _, _) = api.send(reqwest::Method::DELETE, &format!("/webhook-endpoints/{id}"), None, None).await;
        assert_eq!((deleted, again), (204, 404));
    }
}

both_backends! {
    async fn two_apps_in_one_process_each_name_their_own_base_url_in_problems(db) {
        let ours = spawn_app(db).await;
        let theirs = spawn_app_with(db, &[("ATTUNE_BASE_URL", "https://prefs.example.org")]).await;
        let problem = |app: &TestApp| {
            let url = app.url("/api/v1/topics");
            let client = app.client.clone();
            async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap()["type"].clone() }
        };
        // Asked one after the other, and the other way round: each answer is its own app's,
        // whichever started first.
        assert_eq!(problem(&theirs).await, "https://prefs.example.org/problems/unauthorized");
        assert_eq!(problem(&ours).await, "http://127.0.0.1:3000/problems/unauthorized");
        assert_eq!(problem(&theirs).await, "https://prefs.example.org/problems/unauthorized");
    }
}
