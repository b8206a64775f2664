//! Every credential acts only within what it proved (DESIGN §3.2), on both backends: a session
//! reaches the records of the verified address it was signed in by, an undo proof undoes its own
//! change once, a link mailed before a correction changes nothing, a forwarded link walks no
//! ledger, and a text reply's link opens no email choices.

use app::domain::{AddressKind, Channel, ChannelSet, ContactRef};
use server::{
    links::LinkKind,
    store::{apply_change, ChangeOp, ChangeRequest, Grant},
};

use crate::{
    customer::sign_in,
    helpers::{count, spawn_app, spawn_app_with, TestApp},
    links::{ids, link, subscribed, undo_proof},
};

async fn seed(app: &TestApp) {
    let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
    server::demo::seed(&app.store, &base).await.unwrap();
}

async fn id(app: &TestApp, reference: &str) -> i64 {
    app.store
        .contact_id(&ContactRef::parse(reference).unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn set(app: &TestApp, contact_id: i64, grant: Grant, reason: &str, ops: Vec<ChangeOp>) {
    let req = ChangeRequest {
        contact_id,
        grant,
        reason: Some(reason.to_owned()),
        meta: None,
        ops,
        said_at: None,
        consent_at: None,
        together: Vec::new(),
        keep_session: None,
    };
    apply_change(&app.store, &req)
        .await
        .unwrap()
        .expect("a real change");
}

async fn rows_of(app: &TestApp, contact_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE contact_id = $1")
        .bind(contact_id)
        .fetch_one(app.store.reader())
        .await
        .unwrap()
}

async fn unsubscribed_all(app: &TestApp, contact_id: i64) -> bool {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM global_settings WHERE contact_id = $1 AND unsubscribed_all = $2",
    )
    .bind(contact_id)
    .bind(true)
    .fetch_one(app.store.reader())
    .await
    .unwrap();
    n == 1
}

async fn frequency(app: &TestApp, contact_id: i64, topic_id: i64) -> String {
    sqlx::query_scalar("SELECT frequency FROM preferences WHERE contact_id = $1 AND topic_id = $2")
        .bind(contact_id)
        .bind(topic_id)
        .fetch_one(app.store.reader())
        .await
        .unwrap()
}

both_backends! {
    async fn a_customer_who_types_someone_elses_address_reaches_none_of_their_records(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (ann, ben) = (id(&app, "demo-ann").await, id(&app, "demo-ben").await);
        set(&app, ben, Grant::staff(1), "Ben asked at the desk: a private matter", vec![
            ChangeOp::UnsubscribedAll(true),
            ChangeOp::ChannelOptOuts(ChannelSet::new([Channel::Voice])),
        ]).await;
        let bens_rows = rows_of(&app, ben).await;
        let cookie = sign_in(&app, &app.store.create_sign_in_token(ann).await.unwrap()).await;

        let typed = app.post_form("/sf/save_details", Some(&cookie), &[
            ("email", "ben.demo@example.com"), ("time_zone", "America/Chicago"), ("locale", "en"),
        ]).await;
        assert_eq!(typed.status(), 302);
        let (_, history) = app.get_page("/history", Some(&cookie)).await;
        app.post_form("/sf/set_unsubscribed_all", Some(&cookie), &[("on", "false")]).await;
        app.post_form("/sf/save_global", Some(&cookie), &[("pause", "keep")]).await;

        assert!(history.contains("Your history"), "{history}");
        assert!(!history.contains("private matter") && !history.contains("demo-ben"), "Ben's history is not Ann's: {history}");
        assert_eq!(rows_of(&app, ben).await, bens_rows, "nothing was changed in Ben's name");
        assert!(unsubscribed_all(&app, ben).await, "Ben still hears nothing");
        let anns: String = sqlx::query_scalar("SELECT email FROM contacts WHERE id = $1")
            .bind(ann).fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(anns, "ann.demo@example.com", "the typed address waits for its confirmation");
    }
}

both_backends! {
    async fn an_undo_proof_undoes_only_the_change_it_was_given_for_and_only_once(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (ann, offers) = ids(&app.store, "demo-ann", "offers").await;
        // Long ago, Ann unsubscribed from offers and then from everything.
        set(&app, ann, Grant::unsubscribe_link(ann, AddressKind::Email, app::domain::Actor::OneClick), "earlier", vec![
            ChangeOp::Subscribed { topic: app::domain::TopicKey::parse("offers").unwrap(), subscribed: false },
            ChangeOp::UnsubscribedAll(true),
        ]).await;
        let path = link(&app, LinkKind::Unsubscribe, "demo-ann", "offers").await;

        // Whoever holds an old link makes a harmless change and takes its proof…
        let less = app.post_form_from(&path, &path, None, &[("action", "less_often"), ("frequency", "monthly")]).await;
        assert_eq!(less.status(), 200);
        let proof = undo_proof(&less.text().await.unwrap());
        // …which undoes nothing else.
        for action in ["undo_unsubscribe", "undo_everything"] {
            let res = app.post_form_from(&path, &path, None, &[("action", action), ("undo", &proof)]).await;
            assert_eq!(res.status(), 403, "{action}");
        }
        assert_eq!(subscribed(&app.store, ann, offers).await, Some(false), "still unsubscribed from offers");
        assert!(unsubscribed_all(&app, ann).await, "still unsubscribed from everything");

        // It undoes its own change, once.
        let undo = app.post_form_from(&path, &path, None, &[("action", "undo_frequency"), ("value", "weekly"), ("undo", &proof)]).await;
        assert_eq!(undo.status(), 200);
        assert_eq!(frequency(&app, ann, offers).await, "weekly");
        app.post_form_from(&path, &path, None, &[("action", "less_often"), ("frequency", "monthly")]).await;
        let again = app.post_form_from(&path, &path, None, &[("action", "undo_frequency"), ("value", "weekly"), ("undo", &proof)]).await;
        assert_eq!(again.status(), 403, "a spent proof undoes nothing");
        assert_eq!(frequency(&app, ann, offers).await, "monthly");
    }
}

both_backends! {
    async fn less_often_through_an_unsubscribe_link_never_means_more_often(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (ann, offers) = ids(&app.store, "demo-ann", "offers").await;
        let path = link(&app, LinkKind::Unsubscribe, "demo-ann", "offers").await;
        let ledger = count(&app.store, "ledger").await;

        let more = app.post_form_from(&path, &path, None, &[("action", "less_often"), ("frequency", "immediate")]).await;

        assert_eq!(more.status(), 400);
        assert_eq!(frequency(&app, ann, offers).await, "weekly");
        assert_eq!(count(&app.store, "ledger").await, ledger, "nothing was written");
    }
}

both_backends! {
    async fn an_unsubscribe_link_mailed_before_an_address_correction_changes_nothing_and_makes_no_address_choice(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (cara, offers) = ids(&app.store, "demo-cara", "offers").await;
        set(&app, cara, Grant::system(), "subscribed", vec![ChangeOp::Subscribed {
            topic: app::domain::TopicKey::parse("offers").unwrap(), subscribed: true,
        }]).await;
        let path = link(&app, LinkKind::Unsubscribe, "demo-cara", "offers").await;
        // Links carry their issue time in whole seconds.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        set(&app, cara, Grant::staff(1), "corrected at the front desk", vec![ChangeOp::Email {
            email: Some(app::domain::Email::parse("cara.real@example.org").unwrap()),
            verified: false,
        }]).await;
        let (ledger, choices) = (count(&app.store, "ledger").await, count(&app.store, "address_choices").await);

        let one_click = app.client.post(app.url(&path)).header("origin", "https://mail.example")
            .form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
        let from_page = app.post_form_from(&path, &path, None, &[("action", "everything")]).await;
        let (shown, page) = app.get_page(&path, None).await;

        assert_eq!(one_click.status(), 410);
        assert!(one_click.text().await.unwrap().contains("nothing was changed"));
        assert_eq!(from_page.status(), 410);
        assert_eq!(shown, 410, "{page}");
        assert_eq!(subscribed(&app.store, cara, offers).await, Some(true));
        assert_eq!(count(&app.store, "ledger").await, ledger, "nothing was written");
        assert_eq!(count(&app.store, "address_choices").await, choices, "no address choice was made");
    }
}

both_backends! {
    async fn a_forwarded_preferences_link_describes_no_earlier_change_of_its_record(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let ann = id(&app, "demo-ann").await;
        let first: i64 = sqlx::query_scalar("SELECT MIN(seq) FROM ledger WHERE contact_id = $1")
            .bind(ann).fetch_one(app.store.reader()).await.unwrap();
        let path = link(&app, LinkKind::Preferences, "demo-ann", "offers").await;
        let token = path.rsplit('/').next().unwrap().to_owned();

        let (_, walked) = app.get_page(&format!("{path}?saved={first}"), None).await;
        let saved = app.post_form_from(&path, "/sf/set_unsubscribed_all", None, &[("on", "true"), ("link", &token)]).await;
        let back = saved.headers()["location"].to_str().unwrap().to_owned();
        let (_, described) = app.get_page(&back, None).await;

        assert!(walked.contains("Your message preferences"), "{walked}");
        assert!(!walked.contains("ann.demo@example.com") && !walked.contains("5555550123"), "an earlier change is not described: {walked}");
        assert!(back.starts_with(&format!("{path}?saved=")) && back.rsplit('=').next().unwrap().parse::<i64>().is_err(), "{back}");
        assert!(described.contains("Unsubscribed from everything optional"), "the change just made is described: {described}");
        assert!(!described.contains("ann.demo@example.com"), "{described}");
    }
}

const SMS_TOKEN: &str = "test-auth-token-of-32-characters";

both_backends! {
    async fn a_text_reply_carries_a_link_that_opens_no_email_choices(db) {
        let app = spawn_app_with(db, &[("ATTUNE_SMS_AUTH_TOKEN", SMS_TOKEN)]).await;
        seed(&app).await;
        let (ann, offers) = ids(&app.store, "demo-ann", "offers").await;
        let params: Vec<(String, String)> = [
            ("From", "+15555550123"), ("To", "+15550009999"), ("Body", "HELP"),
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("NumMedia", "0"),
        ].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let signature = server::inbound::twilio::sign(SMS_TOKEN, "http://127.0.0.1:3000/inbound/sms/twilio", &params);
        let answer = app.client.post(app.url("/inbound/sms/twilio")).header("x-twilio-signature", signature)
            .form(&params).send().await.unwrap().text().await.unwrap();
        let at = answer.find("/p/").unwrap_or_else(|| panic!("a link: {answer}"));
        let token: String = answer[at + 3..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        let path = format!("/p/{token}");
        let topic = |frequency: &'static str, sms: bool| {
            let mut form = vec![("topic", "offers"), ("subscribed", "on"), ("frequency", frequency), ("info_only", "on"), ("ch_email", "on"), ("link", token.as_str())];
            if sms { form.push(("ch_sms", "on")); }
            form
        };

        // More offers by email is an email choice: not the text's to make.
        app.post_form_from(&path, "/sf/save_topic", None, &topic("immediate", false)).await;
        assert_eq!(frequency(&app, ann, offers).await, "weekly", "the email choice is unchanged");
        // Offers by text is the text's to choose.
        let ledger = rows_of(&app, ann).await;
        app.post_form_from(&path, "/sf/save_topic", None, &topic("weekly", true)).await;
        assert_eq!(rows_of(&app, ann).await, ledger + 1, "the text link changed the text choice");
        let channels: String = sqlx::query_scalar("SELECT channels FROM preferences WHERE contact_id = $1 AND topic_id = $2")
            .bind(ann).bind(offers).fetch_one(app.store.reader()).await.unwrap();
        assert!(channels.contains("sms"), "{channels}");
    }
}

both_backends! {
    async fn a_decision_for_a_required_topic_carries_no_unsubscribe_link_or_headers(db) {
        let app = spawn_app(db).await;
        let api = crate::sender_api::Api::new(&app).await;
        let ask = |topic: &str, purpose: &str| serde_json::json!({"contact": "demo-ann", "topic": topic, "channel": "email", "purpose": purpose});

        let (_, account) = api.post("/decisions", ask("account", "transactional")).await;
        let (_, offers) = api.post("/decisions", ask("offers", "marketing")).await;

        assert_eq!(account["decision"], "allow", "{account}");
        assert!(account["links"]["preferences"].as_str().is_some_and(|p| p.contains("/p/")), "{account}");
        assert!(account["links"].get("unsubscribe").is_none(), "{account}");
        assert!(account.get("headers").is_none(), "no List-Unsubscribe for a password reset: {account}");
        assert_eq!(offers["decision"], "allow", "{offers}");
        assert!(offers["headers"]["List-Unsubscribe"].as_str().is_some_and(|h| h.contains("/u/")), "{offers}");
    }
}

both_backends! {
    async fn erasure_leaves_no_address_in_free_text_of_the_ledger_the_events_or_the_feed(db) {
        let app = spawn_app(db).await;
        let api = crate::sender_api::Api::new(&app).await;
        api.put("/contacts/pat", serde_json::json!({"email": "pat.gone@example.com", "email_verified": true, "phone": "+15550004444"})).await;
        let at = jiff::Timestamp::now().to_string();
        let (status, _) = api.patch("/contacts/pat/preferences", serde_json::json!({
            "reason": "Pat wrote from Pat.Gone@example.com asking for offers",
            "consent": {"source": "mail from pat.gone@example.com", "text": "Yes, text me at +15550004444", "at": at},
            "preferences": [{"topic": "offers", "subscribed": true}],
        })).await;
        assert_eq!(status, 200);
        let pat = id(&app, "pat").await;
        set(&app, pat, Grant::staff(1), "called +15550004444 back about PAT.GONE@EXAMPLE.COM", vec![ChangeOp::UnsubscribedAll(true)]).await;

        let (erased, _, _) = api.send(reqwest::Method::DELETE, "/contacts/pat", None, None).await;
        let (_, feed) = api.get("/changes?after=0&limit=1000").await;

        assert_eq!(erased, 204);
        let traces: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ledger WHERE lower(changes) LIKE '%pat.gone%' OR lower(request_meta) LIKE '%pat.gone%'
               OR lower(reason) LIKE '%pat.gone%' OR changes LIKE '%5550004444%' OR request_meta LIKE '%5550004444%' OR reason LIKE '%5550004444%'",
        ).fetch_one(app.store.reader()).await.unwrap();
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE lower(payload) LIKE '%pat.gone%' OR payload LIKE '%5550004444%'")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!((traces, events), (0, 0), "no address in any row, free text included");
        let feed = feed.to_string().to_lowercase();
        assert!(!feed.contains("pat.gone") && !feed.contains("5550004444"), "{feed}");
    }
}

both_backends! {
    async fn one_sender_can_register_at_most_ten_webhook_endpoints(db) {
        let app = crate::helpers::spawn_app_with(db, &[("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true")]).await;
        let api = crate::sender_api::Api::new(&app).await;
        let other = crate::sender_api::Api::other(&app, "Scheduler").await;
        for i in 0..10 {
            let (status, body) = api.post("/webhook-endpoints", serde_json::json!({"url": format!("http://127.0.0.1:9/hook-{i}")})).await;
            assert_eq!(status, 201, "{body}");
        }

        let (status, problem) = api.post("/webhook-endpoints", serde_json::json!({"url": "http://127.0.0.1:9/one-more"})).await;
        let (theirs, _) = other.post("/webhook-endpoints", serde_json::json!({"url": "http://127.0.0.1:9/theirs"})).await;

        assert_eq!(status, 422, "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains("at most 10"), "{problem}");
        assert_eq!(count(&app.store, "webhook_endpoints").await, 11, "the eleventh was not kept; another sender's was");
        assert_eq!(theirs, 201);
    }
}

both_backends! {
    async fn a_change_through_an_email_link_to_a_topic_left_off_keeps_its_text_choice(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        // Nia has an email address and a phone; offers (by email and text) are off.
        let (nia, offers) = ids(&app.store, "demo-nia", "offers").await;
        let stored = || async {
            sqlx::query_as::<_, (String, String)>("SELECT channels, frequency FROM preferences WHERE contact_id = $1 AND topic_id = $2")
                .bind(nia).bind(offers).fetch_optional(app.store.reader()).await.unwrap()
        };
        let path = link(&app, LinkKind::Preferences, "demo-nia", "offers").await;
        let token = path.trim_start_matches("/p/").to_owned();
        let ledger = rows_of(&app, nia).await;

        // The form, as a browser sends it from the link's page, with the frequency changed: the
        // text choice is not on it (the link was mailed).
        let form = [("topic", "offers"), ("frequency", "monthly"), ("ch_email", "on"), ("link", token.as_str())];
        let saved = app.post_form_from(&path, "/sf/save_topic", None, &form).await;

        assert!(saved.status().is_redirection(), "{:?}", saved.headers());
        assert_eq!(rows_of(&app, nia).await, ledger + 1);
        let (channels, frequency) = stored().await.expect("a stored choice");
        assert_eq!(frequency, "monthly");
        assert!(channels.contains("sms") && channels.contains("email"), "the text choice stands: {channels}");
        let back = saved.headers()["location"].to_str().unwrap().to_owned();
        let (_, page) = app.get_page(&back, None).await;
        assert!(page.contains("Chose at most once a month for Offers"), "{page}");
        assert!(!page.contains("Turned off text messages"), "nothing was said of texts: {page}");
    }
}

both_backends! {
    async fn a_refusal_is_said_in_the_language_of_the_page(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        // Rosa reads German; offers reach her by email and text.
        let (rosa, offers) = ids(&app.store, "demo-rosa", "offers").await;
        crate::links::subscribe(&app.store, rosa, "offers").await;
        let links = server::links::Links::load(&app.store, url::Url::parse("http://x").unwrap()).await.unwrap();
        let path = links.text_preferences_url(rosa).trim_start_matches("http://x").to_owned();
        let token = path.trim_start_matches("/p/").to_owned();

        // From the page a text's link opened, as the island sends it: offers more often, which
        // would mean more email too — not the text's to choose.
        let res = app.client.post(app.url("/sf/save_topic"))
            .header("accept", "application/json")
            .header("accept-language", "de")
            .header("sec-fetch-site", "same-origin")
            .form(&[("topic", "offers"), ("subscribed", "on"), ("frequency", "immediate"), ("ch_email", "on"), ("ch_sms", "on"), ("link", token.as_str())])
            .send().await.unwrap();

        assert!(!res.status().is_success(), "{}", res.status());
        let body = res.text().await.unwrap();
        assert!(body.contains("Dieser Link kann nicht ändern, was Sie als E-Mails erhalten"), "{body}");
        assert_eq!(frequency(&app, rosa, offers).await, "weekly", "nothing changed");
    }
}
