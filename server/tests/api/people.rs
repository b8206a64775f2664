//! One person, many records (DESIGN §1.1): what the person says at an address follows the
//! address into every record holding it, in every sending system, on both backends.

use std::time::Duration;

use serde_json::json;
use server::staff::users::Role;

use crate::{
    customer::sign_in,
    helpers::spawn_app_with,
    sender_api::Api,
    staff::{login, staff_user},
    webhooks::{register, Answer, Receiver, FAST_RETRIES},
};

both_backends! {
    async fn an_opt_out_through_one_system_s_record_holds_in_every_system_and_for_records_made_later(db) {
        let app = spawn_app_with(db, &[
            ("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("ATTUNE_WEBHOOK_RETRY_SCHEDULE", FAST_RETRIES),
        ]).await;
        let crm = Api::new(&app).await;
        let scheduler = Api::other(&app, "Scheduler").await;
        let (crm_hooks, scheduler_hooks) = (Receiver::start(Answer::Ok).await, Receiver::start(Answer::Ok).await);
        register(&app.address, &crm.key, &crm_hooks.url, None).await;
        register(&app.address, &scheduler.key, &scheduler_hooks.url, None).await;
        let pat = json!({"email": "pat@example.com", "email_verified": true});
        // Each system signs Pat up, with the consent Pat gave it last month.
        let topics = ["offers", "surveys", "newsletter", "service-follow-ups"]
            .map(|t| json!({"topic": t, "subscribed": true, "channels": ["email"]}));
        let signed_up = json!({"reason": "signed up", "consent": {"source": "sign-up form", "text": "Keep me posted", "at": "2026-11-20T10:00:00Z"},
            "preferences": topics});
        assert_eq!(crm.put("/contacts/crm-88", pat.clone()).await.0, 201);
        crm.change("crm-88", signed_up.clone()).await;
        assert_eq!(scheduler.put("/contacts/appt-4411", pat).await.0, 201);
        scheduler.change("appt-4411", signed_up).await;
        assert_eq!(scheduler.reason("appt-4411", "offers", "email", "marketing").await, "allowed");

        // Offers: one click on the link in the CRM's mail.
        let answer = crm.decide("crm-88", "offers", "email", "marketing").await;
        let unsubscribe = answer["links"]["unsubscribe"].as_str().unwrap().to_owned();
        let path = url::Url::parse(&unsubscribe).unwrap().path().to_owned();
        let one_click = app.client.post(app.url(&path)).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
        assert_eq!(one_click.status(), 200);

        assert_eq!(scheduler.reason("appt-4411", "offers", "email", "marketing").await, "address_opted_out");
        assert_eq!(scheduler.reason("appt-4411", "surveys", "email", "marketing").await, "allowed", "only offers");
        let (_, body) = scheduler.get("/contacts/appt-4411").await;
        assert_eq!(body["address_choices"][0]["scope"], "topic", "{body}");
        assert_eq!(body["address_choices"][0]["topic"], "offers");
        assert_eq!(body["address_choices"][0]["made_through"], "crm-88");
        assert_eq!(body["address_choices"][0]["made_by"], "one_click");
        assert_eq!(body["preferences"].as_array().unwrap().iter().find(|p| p["topic"] == "offers").unwrap()["subscribed"], true,
            "the scheduler's own record is as it was; the address decides");
        let appt = app.store.contact_id(&app::domain::ContactRef::parse("appt-4411").unwrap()).await.unwrap().unwrap();
        let news: (String, String, String) = sqlx::query_as(
            "SELECT event_type, actor_kind, changes FROM ledger WHERE contact_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(appt).fetch_one(app.store.reader()).await.unwrap();
        assert_eq!((news.0.as_str(), news.1.as_str()), ("address.choice_recorded", "system"), "{news:?}");
        assert!(news.2.contains("address_choice.email.topic.offers") && !news.2.contains("pat@"), "{news:?}");

        // Everything, from the same link's page.
        let everything = app.post_form_from(&path, &path, None, &[("action", "everything")]).await;
        assert_eq!(everything.status(), 200);
        for topic in ["surveys", "newsletter", "service-follow-ups"] {
            let decision = scheduler.decide("appt-4411", topic, "email", "marketing").await;
            assert_eq!(decision["decision"], "deny", "{topic}: {decision}");
            assert_eq!(decision["reason"], "address_opted_out", "{topic}");
        }
        let sign_in_mail = scheduler.decide("appt-4411", "account", "email", "transactional").await;
        assert_eq!(sign_in_mail["decision"], "allow", "a required transactional message still goes");

        // The next day a list import brings the address back, in other letters, as a new record.
        let (created, _) = crm.put("/contacts/list-2026-12-0192", json!({"email": "Pat@Example.COM", "email_verified": true})).await;
        assert_eq!(created, 201);
        let imported = crm.decide("list-2026-12-0192", "offers", "email", "marketing").await;
        assert_eq!(imported["decision"], "deny", "{imported}");
        let (_, history) = crm.get("/changes?after=0&limit=1000").await;
        let inherited: Vec<_> = history["events"].as_array().unwrap().iter()
            .filter(|e| e["contact"]["ref"] == "list-2026-12-0192" && e["actor"]["kind"] == "system").collect();
        assert_eq!(inherited.len(), 1, "one ledger row says what it inherited: {history}");
        assert!(inherited[0]["reason"].as_str().unwrap().contains("inherited"), "{}", inherited[0]);

        // An old list's consent, dated before the opt-out, lifts nothing.
        let (status, problem) = crm.patch("/contacts/list-2026-12-0192/preferences", json!({
            "reason": "imported list",
            "consent": {"source": "2025 trade show", "text": "Send me offers", "at": "2025-05-01T10:00:00Z"},
            "global": {"unsubscribed_all": false},
            "preferences": [{"topic": "offers", "subscribed": true}]})).await;
        assert_eq!(status, 422, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("opted out at this email address") && detail.contains("consent given after"), "{detail}");
        assert_eq!(crm.decide("list-2026-12-0192", "offers", "email", "marketing").await["decision"], "deny");

        // The person re-subscribes on their own page: the address is theirs to open again, and
        // the page is one for every record holding it.
        let crm_88 = app.store.contact_id(&app::domain::ContactRef::parse("crm-88").unwrap()).await.unwrap().unwrap();
        let cookie = sign_in(&app, &app.store.create_sign_in_token(crm_88).await.unwrap()).await;
        assert_eq!(app.post_form("/sf/set_unsubscribed_all", Some(&cookie), &[("on", "false")]).await.status(), 302);
        let saved = app.post_form("/sf/save_topic", Some(&cookie), &[
            ("topic", "offers"), ("subscribed", "on"), ("frequency", "weekly"), ("ch_email", "on"),
        ]).await;
        assert_eq!(saved.status(), 302);
        assert_eq!(scheduler.reason("appt-4411", "offers", "email", "marketing").await, "allowed");
        assert_eq!(scheduler.reason("appt-4411", "surveys", "email", "marketing").await, "allowed");
        assert_eq!(crm.reason("crm-88", "offers", "email", "marketing").await, "allowed");
        assert_eq!(crm.reason("list-2026-12-0192", "offers", "email", "marketing").await, "allowed", "one save for all three");
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.ref, l.actor_kind FROM ledger l JOIN contacts c ON c.id = l.contact_id
             WHERE l.seq > (SELECT MAX(seq) FROM ledger WHERE actor_kind <> 'customer') ORDER BY l.seq")
            .fetch_all(app.store.reader()).await.unwrap();
        let refs: Vec<&str> = rows.iter().map(|(r, _)| r.as_str()).collect();
        // Each save: a row for each record it changed (the scheduler's was as asked already),
        // and no news rows for records saved together.
        assert_eq!(refs, ["crm-88", "list-2026-12-0192", "crm-88", "list-2026-12-0192"], "{rows:?}");
        let (_, body) = scheduler.get("/contacts/appt-4411").await;
        assert_eq!(body["address_choices"], json!([]), "{body}");
        // Their history is every record's, each row naming its record.
        let (_, history) = app.get_page("/history", Some(&cookie)).await;
        assert!(history.contains("record appt-4411") && history.contains("record list-2026-12-0192"), "{history}");
        assert!(history.contains("Stopped Offers at this email address, as asked through another record"), "{history}");

        // Each system heard each change once, the scheduler's record's news included.
        for hooks in [&crm_hooks, &scheduler_hooks] {
            let (_, feed) = crm.get("/changes?after=0&limit=1000").await;
            // Everything since the endpoints were registered: the three records' changes.
            let events = feed["events"].as_array().unwrap().iter()
                .filter(|e| ["crm-88", "appt-4411", "list-2026-12-0192"].contains(&e["contact"]["ref"].as_str().unwrap()))
                .count();
            let seqs = hooks.wait_for_events(events, Duration::from_secs(15)).await;
            assert_eq!(seqs.len(), events);
            let ids: Vec<String> = hooks.received().iter().map(|r| r.id()).collect();
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), ids.len(), "no event twice");
            let news = hooks.received().iter().filter(|r| r.event()["type"] == "address.choice_recorded"
                && r.event()["contact"]["ref"] == "appt-4411").count();
            assert_eq!(news, 2, "offers, then everything");
        }
    }
}

both_backends! {
    async fn staff_see_the_other_records_of_a_person_and_where_each_address_choice_came_from(db) {
        let app = crate::helpers::spawn_app(db).await;
        let crm = Api::new(&app).await;
        let scheduler = Api::other(&app, "Scheduler").await;
        crm.put("/contacts/crm-88", json!({"email": "pat@example.com"})).await;
        scheduler.put("/contacts/appt-4411", json!({"email": "PAT@example.com"})).await;
        // The account topic's mail carries no unsubscribe link (DESIGN §3.2); a newsletter's would.
        let path = crate::links::link(&app, server::links::LinkKind::Unsubscribe, "crm-88", "account").await;
        app.post_form_from(&path, &path, None, &[("action", "everything")]).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;

        let (status, page) = app.get_page("/staff/contacts/appt-4411", Some(&agent)).await;

        assert_eq!(status, 200);
        assert!(page.contains("The same person elsewhere"), "{page}");
        assert!(page.contains(r#"<a href="/staff/contacts/crm-88">crm-88</a> (same email address)"#), "{page}");
        assert!(page.contains("Email address: nothing optional — by one-click through crm-88"), "{page}");
    }
}

both_backends! {
    async fn never_text_me_said_on_the_page_stops_texts_to_that_phone_in_every_record_until_staff_lift_it(db) {
        let app = crate::helpers::spawn_app(db).await;
        let crm = Api::new(&app).await;
        let scheduler = Api::other(&app, "Scheduler").await;
        let consent = json!({"source": "sign-up form", "text": "Text me reminders", "at": "2026-11-20T10:00:00Z"});
        crm.put("/contacts/crm-7", json!({"email": "sam@example.com", "phone": "+15550001111", "phone_verified": true})).await;
        // The scheduler knows Sam by phone only.
        scheduler.put("/contacts/appt-7", json!({"phone": "+15550001111", "phone_verified": true})).await;
        scheduler.change("appt-7", json!({"reason": "booked by phone", "consent": consent,
            "preferences": [{"topic": "service-follow-ups", "subscribed": true, "channels": ["sms"]}]})).await;
        assert_eq!(scheduler.reason("appt-7", "service-follow-ups", "sms", "follow_up").await, "allowed");

        // Sam, signed in by email through the CRM's record, asks never to be texted.
        let crm_7 = app.store.contact_id(&app::domain::ContactRef::parse("crm-7").unwrap()).await.unwrap().unwrap();
        let cookie = sign_in(&app, &app.store.create_sign_in_token(crm_7).await.unwrap()).await;
        let saved = app.post_form("/sf/save_global", Some(&cookie), &[("pause", "none"), ("never_text", "on")]).await;
        assert_eq!(saved.status(), 302);

        assert_eq!(scheduler.reason("appt-7", "service-follow-ups", "sms", "follow_up").await, "address_opted_out",
            "held at the phone, whichever page it was said on");
        let (_, body) = scheduler.get("/contacts/appt-7").await;
        assert_eq!((&body["address_choices"][0]["address"], &body["address_choices"][0]["channel"]), (&json!("phone"), &json!("sms")), "{body}");

        // Staff, told by Sam on the phone that texts are fine again, lift it with a reason.
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        let lifted = crate::staff::post_pairs(&app, "/staff/contacts/crm-7/global", &agent, &[
            ("pause", "none".to_owned()), ("reason", "Sam called: texts are fine again".to_owned()),
        ]).await;
        assert_eq!(lifted.status(), 303);
        assert_eq!(scheduler.reason("appt-7", "service-follow-ups", "sms", "follow_up").await, "allowed");
        let lifted_news: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ledger l JOIN contacts c ON c.id = l.contact_id
             WHERE c.ref = 'appt-7' AND l.event_type = 'address.choice_lifted'")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(lifted_news, 1, "the scheduler's record hears the choice was lifted");
    }
}
