//! Trust at the edges (DESIGN §9): the stranger at a mistyped or reported address gets nothing
//! of the customer's, on both backends.

use app::domain::{AddressKind, ContactRef, Email};
use server::store::{apply_change, ChangeOp, ChangeRequest, Grant};

use crate::customer::sign_in;
use crate::helpers::{count, spawn_app, TestApp};

/// The demo organisation; returns Ann's contact id.
async fn seed(app: &TestApp) -> i64 {
    let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
    server::demo::seed(&app.store, &base).await.unwrap();
    app.store
        .contact_id(&ContactRef::parse("demo-ann").unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn change(app: &TestApp, ann: i64, grant: Grant, op: ChangeOp) {
    let req = ChangeRequest {
        contact_id: ann,
        grant,
        reason: Some("corrected at the front desk".into()),
        meta: None,
        ops: vec![op],
        said_at: None,
        consent_at: None,
        together: Vec::new(),
        keep_session: None,
    };
    apply_change(&app.store, &req).await.unwrap();
}

async fn signed_in(app: &TestApp, cookie: &str) -> bool {
    let (_, page) = app.get_page("/preferences", Some(cookie)).await;
    assert!(
        page.contains("Your message preferences") || page.contains("Please sign in"),
        "{page}"
    );
    page.contains("Your message preferences")
}

both_backends! {
    async fn a_sign_in_link_mailed_before_the_address_was_corrected_signs_nobody_in(db) {
        let app = spawn_app(db).await;
        let ann = seed(&app).await;
        let token = app.store.create_sign_in_token(ann).await.unwrap();
        let sessions = count(&app.store, "sessions").await;

        change(&app, ann, Grant::system(), ChangeOp::Email {
            email: Some(Email::parse("ann.real@example.org").unwrap()),
            verified: false,
        }).await;
        let res = app.post_form("/sf/redeem_sign_in", None, &[("token", token.as_str())]).await;

        assert_ne!(res.headers().get("location").map(|l| l.to_str().unwrap()), Some("/preferences"));
        assert!(res.headers().get("set-cookie").is_none(), "no session cookie");
        assert_eq!(count(&app.store, "sessions").await, sessions, "no session was created");
    }
}

both_backends! {
    async fn reporting_an_address_as_not_mine_ends_the_contacts_sessions_and_unused_links(db) {
        let app = spawn_app(db).await;
        let ann = seed(&app).await;
        let first = app.store.create_sign_in_token(ann).await.unwrap();
        let cookie = sign_in(&app, &first).await;
        let unused = app.store.create_sign_in_token(ann).await.unwrap();
        let preferences = crate::links::link(&app, server::links::LinkKind::Preferences, "demo-ann", "offers").await;
        assert!(signed_in(&app, &cookie).await);

        change(&app, ann, Grant::not_me(ann, AddressKind::Email), ChangeOp::DisputeAddress(AddressKind::Email)).await;

        assert!(!signed_in(&app, &cookie).await, "the session ended with the report");
        let res = app.post_form("/sf/redeem_sign_in", None, &[("token", unused.as_str())]).await;
        assert!(res.headers().get("set-cookie").is_none(), "the unused link signs nobody in");
        let (_, page) = app.get_page(&preferences, None).await;
        assert!(page.contains("doesn’t work any more"), "a preferences link to the reported address opens nothing: {page}");
    }
}

both_backends! {
    async fn an_address_change_takes_effect_when_confirmed_and_then_ends_every_earlier_session(db) {
        let app = spawn_app(db).await;
        let ann = seed(&app).await;
        let here = sign_in(&app, &app.store.create_sign_in_token(ann).await.unwrap()).await;
        let elsewhere = sign_in(&app, &app.store.create_sign_in_token(ann).await.unwrap()).await;

        let res = app.post_form("/sf/save_details", Some(&here), &[
            ("email", "ann.new@example.org"), ("time_zone", "Europe/London"), ("locale", "en"),
        ]).await;
        assert_eq!(res.status(), 302, "saved");
        assert!(signed_in(&app, &here).await && signed_in(&app, &elsewhere).await, "nothing changes until it is confirmed");

        let mails = app.wait_for_mails(1).await;
        assert!(mails[0].contains("To: ann.new@example.org"), "{}", mails[0]);
        let token = mails[0].split("/auth/").nth(1).unwrap().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>();
        let confirmed = sign_in(&app, &token).await;

        assert!(signed_in(&app, &confirmed).await, "the confirmation signs in by the new address");
        assert!(!signed_in(&app, &here).await && !signed_in(&app, &elsewhere).await, "every session of the old address ended");
    }
}

both_backends! {
    async fn confirming_or_relabelling_the_same_address_ends_no_session(db) {
        let app = spawn_app(db).await;
        let ann = seed(&app).await;
        let cookie = sign_in(&app, &app.store.create_sign_in_token(ann).await.unwrap()).await;

        change(&app, ann, Grant::system(), ChangeOp::Email {
            email: Some(Email::parse("ANN.DEMO@example.com").unwrap()),
            verified: false,
        }).await;

        assert!(signed_in(&app, &cookie).await, "the same address in other letters is no new address");
    }
}

/// A mail's text with quoted-printable soft line breaks joined, so a word split across lines is
/// still found (or found missing).
fn joined(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=\n", "")
}

both_backends! {
    async fn staff_correcting_a_mistyped_address_tell_the_old_address_nothing_about_the_customer(db) {
        use crate::staff::{login, post_pairs, staff_user};
        let app = spawn_app(db).await;
        seed(&app).await;
        staff_user(&app, "agent@staff.example", server::store::staff::Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;

        let res = post_pairs(&app, "/staff/contacts/demo-ann/details", &agent, &[
            ("email", "ann.real@example.org".to_owned()),
            ("phone", String::new()),
            ("locale", "en".to_owned()),
            ("time_zone", "Europe/London".to_owned()),
            ("reason", "The address was mistyped at sign-up".to_owned()),
        ]).await;
        assert_eq!(res.status(), 303);

        let mails: Vec<String> = app.wait_for_mails(2).await.iter().map(|m| joined(m)).collect();
        let old = mails.iter().find(|m| m.contains("To: ann.demo@example.com")).expect("the old address is told");
        let new = mails.iter().find(|m| m.contains("To: ann.real@example.org")).expect("the new address is told");
        let body = &old[old.find("\r\n\r\n").or_else(|| old.find("\n\n")).unwrap()..];
        for secret in ["ann.real", "Ann", "http", "/p/", "mistyped"] {
            assert!(!body.contains(secret), "the old address learns nothing ({secret}): {old}");
        }
        assert!(old.contains("removed from an account"), "{old}");
        assert!(new.contains("/p/") && new.contains("mistyped"), "the customer gets the review link and the reason: {new}");
    }
}

both_backends! {
    async fn a_forwarded_preferences_link_shows_the_address_masked_and_no_phone(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let path = crate::links::link(&app, server::links::LinkKind::Preferences, "demo-cara", "offers").await;
        let token = path.trim_start_matches("/p/").to_owned();

        let (status, page) = app.get_page(&path, None).await;
        let data = app.client.post(app.url("/sf/get_preferences"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("link", token.as_str())])
            .send().await.unwrap();
        assert_eq!(data.status(), 200);
        let data = data.text().await.unwrap();

        assert_eq!(status, 200);
        for shown in [&page, &data] {
            assert!(shown.contains("c***@example.com"), "{shown}");
            assert!(!shown.contains("cara.demo@example.com"), "no full address: {shown}");
            assert!(!shown.contains("5555550124"), "no phone number: {shown}");
        }
    }
}

both_backends! {
    async fn links_mailed_before_the_address_was_corrected_open_nothing_personal_and_report_nothing(db) {
        use server::links::LinkKind;
        let app = spawn_app(db).await;
        seed(&app).await;
        let p = crate::links::link(&app, LinkKind::Preferences, "demo-cara", "offers").await;
        let u = crate::links::link(&app, LinkKind::Unsubscribe, "demo-cara", "offers").await;
        let n = crate::links::link(&app, LinkKind::NotMe, "demo-cara", "offers").await;
        let cara = app.store.contact_id(&ContactRef::parse("demo-cara").unwrap()).await.unwrap().unwrap();
        // Links carry their issue time in whole seconds.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        change(&app, cara, Grant::system(), ChangeOp::Email {
            email: Some(Email::parse("cara.real@example.org").unwrap()),
            verified: false,
        }).await;

        let (_, preferences) = app.get_page(&p, None).await;
        let (_, unsubscribe) = app.get_page(&u, None).await;
        let report = app.post_form_from(&n, &n, None, &[]).await;

        assert!(preferences.contains("doesn’t work any more") && !preferences.contains("Your message preferences"), "{preferences}");
        assert!(!unsubscribe.contains("example.org") && !unsubscribe.contains("***@"), "{unsubscribe}");
        assert_eq!(report.status(), 404);
        let disputes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM disputed_addresses WHERE contact_id = $1")
            .bind(cara).fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(disputes, 0, "the real address is not reported by a stranger's old link");

        // A link issued after the correction works as before.
        let fresh = crate::links::link(&app, LinkKind::Preferences, "demo-cara", "offers").await;
        let (_, page) = app.get_page(&fresh, None).await;
        assert!(page.contains("c***@example.org"), "{page}");
    }
}

both_backends! {
    async fn a_sender_cannot_loosen_what_the_customer_tightened_without_consent(db) {
        let app = spawn_app(db).await;
        let api = crate::sender_api::Api::new(&app).await;
        api.put("/contacts/t-1", serde_json::json!({"email": "t1@example.com", "email_verified": true})).await;
        let day = 24 * 3600;
        let at = |secs: i64| jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + secs).unwrap().to_string();
        // What the customer chose (tightening needs no consent).
        let (status, _) = api.patch("/contacts/t-1/preferences", serde_json::json!({"reason": "customer asked",
            "global": {"channel_opt_outs": ["voice"], "paused_until": at(10 * day), "weekly_cap": 3},
            "preferences": [{"topic": "offers", "channels": ["email"], "info_only": true}]})).await;
        assert_eq!(status, 200);
        let (_, before) = api.get("/contacts/t-1").await;
        let ledger = count(&app.store, "ledger").await;

        let attempts = [
            ("clears info_only on offers", serde_json::json!({"preferences": [{"topic": "offers", "info_only": false}]})),
            ("adds sms to offers", serde_json::json!({"preferences": [{"topic": "offers", "channels": ["email", "sms"]}]})),
            ("removes the opt-out from voice", serde_json::json!({"global": {"channel_opt_outs": []}})),
            ("ends or shortens a pause", serde_json::json!({"global": {"paused_until": at(2 * day)}})),
            ("raises or removes the weekly cap", serde_json::json!({"global": {"weekly_cap": 50}})),
        ];
        for (words, patch) in &attempts {
            let mut body = patch.clone();
            body["reason"] = "sales call".into();
            let (status, problem) = api.patch("/contacts/t-1/preferences", body).await;
            assert_eq!(status, 422, "{words}: {problem}");
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains("consent") && detail.contains(words), "{detail}");
        }
        let (_, after) = api.get("/contacts/t-1").await;
        assert_eq!(after, before, "nothing changed");
        assert_eq!(count(&app.store, "ledger").await, ledger);

        // With the person's consent it goes through, and they are told, with a way to undo.
        let (status, _) = api.patch("/contacts/t-1/preferences", serde_json::json!({"reason": "sales call",
            // Given now, to the instant: a time to the second could fall before the customer's
            // choice made earlier in the same second (it did once), and is then refused.
            "consent": {"source": "phone call", "text": "Yes, you may call me", "at": jiff::Timestamp::now().to_string()},
            "global": {"channel_opt_outs": []}})).await;
        assert_eq!(status, 200);
        let mail = joined(&app.wait_for_mails(1).await[0]);
        assert!(mail.contains("To: t1@example.com") && mail.contains("phone calls again") && mail.contains("/p/"), "{mail}");
    }
}

both_backends! {
    async fn a_message_id_replays_only_the_same_send_and_the_rules_run_again(db) {
        use serde_json::json;
        let app = spawn_app(db).await;
        let api = crate::sender_api::Api::new(&app).await;
        api.contact("a-1").await;
        api.contact("b-1").await;
        api.change("a-1", json!({"reason": "asked", "preferences": [{"topic": "offers", "frequency": "weekly"}]})).await;
        api.change("b-1", json!({"reason": "asked", "preferences": [{"topic": "offers", "subscribed": false}]})).await;
        let ask = |contact: &str, channel: &str| json!({"contact": contact, "topic": "offers", "channel": channel,
            "purpose": "marketing", "record": true, "message_id": "crm-77"});

        let (_, first) = api.post("/decisions", ask("a-1", "email")).await;
        let (_, replay) = api.post("/decisions", ask("a-1", "email")).await;
        let (_, other_contact) = api.post("/decisions", ask("b-1", "email")).await;
        let (_, other_channel) = api.post("/decisions", ask("a-1", "sms")).await;

        assert_eq!(first["decision"], "allow", "{first}");
        assert_eq!(replay["decision"], "allow", "the same send asked again, past the weekly cap it counts in: {replay}");
        assert_eq!(replay["address"], "a-1@example.com");
        assert_eq!(other_contact["decision"], "deny", "another contact's id is no pass: {other_contact}");
        assert_eq!(other_contact["reason"], "topic_opted_out");
        assert_eq!(other_channel["decision"], "defer", "another channel is a new send under the cap: {other_channel}");
        assert_eq!(count(&app.store, "sends").await, 1);

        // The person opts out after the first send: a replay no longer allows it.
        api.change("a-1", json!({"reason": "asked", "preferences": [{"topic": "offers", "subscribed": false}]})).await;
        let (_, after) = api.post("/decisions", ask("a-1", "email")).await;
        assert_eq!(after["decision"], "deny", "{after}");
    }
}

both_backends! {
    async fn personal_pages_server_functions_and_the_api_are_never_kept_by_a_cache(db) {
        let app = spawn_app(db).await;
        let ann = seed(&app).await;
        let token = app.store.create_sign_in_token(ann).await.unwrap();
        let auth = app.client.get(app.url(&format!("/auth/{token}"))).send().await.unwrap();
        let cookie = sign_in(&app, &token).await;
        let (_, key) = app.store.create_sender("CRM").await.unwrap();

        let responses = [
            ("/auth", auth),
            ("/preferences", app.client.get(app.url("/preferences")).header("cookie", &cookie).send().await.unwrap()),
            ("/history", app.client.get(app.url("/history")).header("cookie", &cookie).send().await.unwrap()),
            ("/sf/get_preferences", app.client.post(app.url("/sf/get_preferences")).header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin").form(&[("saved", "")]).send().await.unwrap()),
            ("/api/v1/contacts/demo-ann", app.client.get(app.url("/api/v1/contacts/demo-ann")).bearer_auth(&key).send().await.unwrap()),
        ];
        for (path, res) in responses {
            assert!(res.status().is_success(), "{path}: {}", res.status());
            assert_eq!(res.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
            assert!(res.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
        }
    }
}

both_backends! {
    async fn an_https_base_url_tells_browsers_to_use_https_only(db) {
        let app = crate::helpers::spawn_app_with(db, &[("ATTUNE_BASE_URL", "https://prefs.example.com")]).await;
        let res = app.client.get(app.url("/")).send().await.unwrap();
        let hsts = res.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(hsts.as_deref(), Some("max-age=63072000; includeSubDomains"));
    }
}

both_backends! {
    async fn an_idempotency_key_answers_for_a_day_and_a_claim_whose_request_died_is_let_go(db) {
        use serde_json::json;
        let app = spawn_app(db).await;
        let api = crate::sender_api::Api::new(&app).await;
        let put = |email: &str| json!({"email": email});
        let send = |key: &'static str, email: &'static str| {
            let api = &api;
            async move { api.send(reqwest::Method::PUT, "/contacts/idem", Some(put(email)), Some(key)).await.0 }
        };

        assert_eq!(send("k-1", "a@example.com").await, 201);
        assert_eq!(send("k-1", "b@example.com").await, 422, "within the day, the key names the first request");
        sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1")
            .bind(25 * 3600 * 1000_i64).execute(app.store.writer()).await.unwrap();
        assert_eq!(send("k-1", "b@example.com").await, 200, "a day later the key is free for a new request");

        // A claim with no answer: running if recent, abandoned if older than two minutes.
        let sender: i64 = sqlx::query_scalar("SELECT id FROM senders").fetch_one(app.store.reader()).await.unwrap();
        let now = jiff::Timestamp::now().as_millisecond();
        // The fingerprint the middleware keeps: method, full path, body.
        let hash = server::store::sha256_hex(format!("PUT /api/v1/contacts/idem\n{}", put("c@example.com")).as_bytes());
        for (key, age) in [("running", 1_000_i64), ("died", 3 * 60 * 1000)] {
            sqlx::query("INSERT INTO idempotency_keys (sender_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(sender).bind(key).bind(&hash).bind(now - age).execute(app.store.writer()).await.unwrap();
        }
        assert_eq!(send("running", "c@example.com").await, 409);
        assert_eq!(send("died", "c@example.com").await, 200, "the dead request's key is taken over");
    }
}

both_backends! {
    async fn expired_sessions_links_keys_and_rate_limit_windows_are_purged_and_live_ones_kept(db) {
        let app = spawn_app(db).await;
        let ann = seed(&app).await;
        let live = sign_in(&app, &app.store.create_sign_in_token(ann).await.unwrap()).await;
        let (sender, _) = app.store.create_sender("CRM").await.unwrap();
        let now = jiff::Timestamp::now().as_millisecond();
        let day = 24 * 3600 * 1000_i64;
        sqlx::query("INSERT INTO sessions (id_hash, kind, contact_id, created_at, expires_at, last_seen_at) VALUES ('old', 'customer', $1, $2, $3, $2)")
            .bind(ann).bind(now - 40 * day).bind(now - day).execute(app.store.writer()).await.unwrap();
        app.store.create_token(ann, "sign_in", -1).await.unwrap();
        for (key, at) in [("old", now - 2 * day), ("new", now)] {
            sqlx::query("INSERT INTO idempotency_keys (sender_id, key, request_hash, created_at) VALUES ($1, $2, 'x', $3)")
                .bind(sender).bind(key).bind(at).execute(app.store.writer()).await.unwrap();
            sqlx::query("INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)")
                .bind(key).bind(at).execute(app.store.writer()).await.unwrap();
        }

        let purged = app.store.purge_expired().await.unwrap();

        assert_eq!((purged.sessions, purged.sign_in_tokens, purged.idempotency_keys, purged.rate_limits), (1, 1, 1, 1));
        assert!(signed_in(&app, &live).await, "a live session stays");
        let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM idempotency_keys").fetch_all(app.store.reader()).await.unwrap();
        assert_eq!(keys, ["new"]);
    }
}

both_backends! {
    async fn erasure_erases_every_address_the_contact_ever_had_and_suppresses_them_all(db) {
        use serde_json::json;
        let app = spawn_app(db).await;
        let api = crate::sender_api::Api::new(&app).await;
        let typo = "ann.typo@example.com";
        let (status, _, _) = api.send(reqwest::Method::PUT, "/contacts/e-1",
            Some(json!({"email": typo, "phone": "+15550001111"})), Some("create-e-1")).await;
        assert_eq!(status, 201);
        let (status, _) = api.put("/contacts/e-1", json!({"email": "ann.right@example.com", "phone": "+15550002222"})).await;
        assert_eq!(status, 200);

        let (status, _, _) = api.send(reqwest::Method::DELETE, "/contacts/e-1", None, None).await;
        assert_eq!(status, 204);

        let everywhere = [
            "SELECT changes FROM ledger", "SELECT COALESCE(request_meta, '') FROM ledger", "SELECT payload FROM outbox",
            "SELECT COALESCE(response_body, '') FROM idempotency_keys",
        ];
        let (_, feed) = api.get("/changes?after=0&limit=1000").await;
        let mut texts = vec![feed.to_string()];
        for sql in everywhere {
            texts.extend(sqlx::query_scalar::<_, String>(sql).fetch_all(app.store.reader()).await.unwrap());
        }
        for address in [typo, "ann.right@example.com", "+15550001111", "+15550002222"] {
            assert!(texts.iter().all(|t| !t.contains(address)), "{address} is gone everywhere");
        }
        for (email, phone) in [(typo, "+15550003333"), ("other@example.com", "+15550001111")] {
            let (status, problem) = api.put("/contacts/someone-new", json!({"email": email, "phone": phone})).await;
            assert_eq!(status, 409, "an earlier address is suppressed too: {problem}");
        }
    }
}

both_backends! {
    async fn a_flood_of_staff_sign_ins_is_answered_busy_at_once_instead_of_queueing(db) {
        use crate::staff::{login, staff_user, try_login};
        let app = crate::helpers::spawn_app_with(db, &[("ATTUNE_PASSWORD_CHECKS", "1")]).await;
        staff_user(&app, "agent@staff.example", server::store::staff::Role::Agent).await;

        let emails: Vec<String> = (0..8).map(|i| format!("nobody{i}@staff.example")).collect();
        let flood = futures_util::future::join_all(emails.iter().map(|e| try_login(&app, e, "whatever whatever"))).await;
        let mut statuses: Vec<u16> = Vec::new();
        for res in flood {
            let status = res.status().as_u16();
            if status == 503 {
                assert_eq!(res.headers()["retry-after"], "2");
                assert!(res.text().await.unwrap().contains("try again in a moment"));
            }
            statuses.push(status);
        }

        assert!(statuses.iter().all(|s| *s == 401 || *s == 503), "{statuses:?}");
        assert!(statuses.contains(&503), "with one check at a time, eight at once are not all checked: {statuses:?}");
        assert!(statuses.contains(&401), "{statuses:?}");
        login(&app, "agent@staff.example").await;
    }
}

both_backends! {
    async fn rate_limits_count_the_client_a_trusted_proxy_names_and_ignore_the_header_from_anyone_else(db) {
        let ask = |app: &TestApp, from: &'static str, name: &'static str| {
            let email = format!("{name}.demo@example.com");
            let req = app.client.post(app.url("/sf/request_sign_in"))
                .header("accept", "text/html")
                .header("sec-fetch-site", "same-origin")
                .header("referer", app.url("/"))
                .header("x-forwarded-for", from)
                .form(&[("email", email)]);
            async move {
                let res = req.send().await.unwrap();
                res.headers()["location"].to_str().unwrap() == "/?sign_in=requested"
            }
        };

        // Behind a trusted proxy: each forwarded client has its own limit of two.
        let proxied = crate::helpers::spawn_app_with(db, &[
            ("ATTUNE_TRUSTED_PROXIES", "127.0.0.1/32, ::1"),
            ("ATTUNE_SIGN_IN_LIMIT_PER_IP", "2"),
        ]).await;
        seed(&proxied).await;
        let first = [ask(&proxied, "203.0.113.1", "ann").await, ask(&proxied, "203.0.113.1", "ben").await, ask(&proxied, "203.0.113.1", "cara").await];
        let other = ask(&proxied, "203.0.113.2", "dev").await;
        // Two addresses in one IPv6 /64 are one client.
        let v6 = [ask(&proxied, "2001:db8:1:2::a", "eli").await, ask(&proxied, "2001:db8:1:2::b", "fay").await, ask(&proxied, "2001:db8:1:2::c", "gus").await];
        assert_eq!(first, [true, true, false]);
        assert!(other, "another client behind the proxy is served");
        assert_eq!(v6, [true, true, false]);
    }
}

both_backends! {
    async fn a_forwarded_for_header_from_an_untrusted_connection_changes_nothing(db) {
        let app = crate::helpers::spawn_app_with(db, &[("ATTUNE_SIGN_IN_LIMIT_PER_IP", "2")]).await;
        seed(&app).await;
        let mut served = Vec::new();
        for (from, name) in [("203.0.113.1", "ann"), ("203.0.113.2", "ben"), ("203.0.113.3", "cara")] {
            let res = app.client.post(app.url("/sf/request_sign_in"))
                .header("accept", "text/html").header("sec-fetch-site", "same-origin").header("referer", app.url("/"))
                .header("x-forwarded-for", from)
                .form(&[("email", format!("{name}.demo@example.com"))]).send().await.unwrap();
            served.push(res.headers()["location"].to_str().unwrap() == "/?sign_in=requested");
        }
        assert_eq!(served, [true, true, false], "every request counts against the connection's address");
    }
}

both_backends! {
    async fn metrics_can_be_served_on_an_address_of_their_own_and_not_beside_the_pages(db) {
        let apart = crate::helpers::spawn_app_with(db, &[("ATTUNE_METRICS_LISTEN", "127.0.0.1:0")]).await;
        let metrics_at = apart.metrics_address.clone().expect("a metrics listener");

        let on_main = apart.client.get(apart.url("/metrics")).send().await.unwrap();
        let on_own = apart.client.get(format!("{metrics_at}/metrics")).send().await.unwrap();
        let health = apart.client.get(apart.url("/healthz")).send().await.unwrap();

        assert_eq!(on_main.status(), 404, "not on the public address");
        assert_eq!(on_own.status(), 200);
        assert_eq!(on_own.headers()["content-type"], "text/plain; version=0.0.4", "Prometheus text");
        assert_eq!(health.status(), 200, "health checks stay on the main address");
    }
}

both_backends! {
    async fn pages_run_only_scripts_that_carry_the_nonce_of_their_own_response(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let get = |path: &'static str| {
            let app = &app;
            async move {
                let res = app.client.get(app.url(path)).send().await.unwrap();
                let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
                (csp, res.text().await.unwrap())
            }
        };

        // The start page has no islands, so it loads no script file (Leptos's two inline one-line
        // scripts still come); its policy names a fresh nonce each time.
        let (first, page) = get("/").await;
        let (second, _) = get("/").await;
        let nonce = first.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("a nonce in the policy").to_owned();
        assert!(nonce.len() >= 16, "{first}");
        assert!(!first.contains("'unsafe-inline'") && !first.contains("'unsafe-eval'"), "{first}");
        assert_ne!(first, second, "a new nonce for every response");
        assert!(!page.contains("/pkg/attune.js"), "{page}");
        for script in page.split("<script").skip(1) {
            let tag = &script[..script.find('>').unwrap()];
            assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "a script without the nonce: <script{tag}>");
        }

        // The preference page has islands: each of its scripts carries the nonce of its response.
        let ann = app.store.contact_id(&ContactRef::parse("demo-ann").unwrap()).await.unwrap().unwrap();
        let cookie = sign_in(&app, &app.store.create_sign_in_token(ann).await.unwrap()).await;
        let res = app.client.get(app.url("/preferences")).header("cookie", &cookie).send().await.unwrap();
        let status = res.status();
        let csp = match res.headers().get("content-security-policy") {
            Some(policy) => policy.to_str().unwrap().to_owned(),
            None => panic!("no policy on a {status} answer: {:?}", res.headers()),
        };
        let page = res.text().await.unwrap();
        let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).unwrap().to_owned();
        assert!(page.contains("<leptos-island"), "the topics are islands: {page}");
        let scripts: Vec<&str> = page.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "the page has its island script");
        for script in scripts {
            let tag = &script[..script.find('>').unwrap()];
            assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "a script without the nonce: <script{tag}>");
        }

        let (link_page, _) = get("/staff/login").await;
        assert!(link_page.contains("script-src 'none'"), "{link_page}");
    }
}
