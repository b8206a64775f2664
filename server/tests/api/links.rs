//! Links in messages (DESIGN §3): one-click unsubscribe, the pages behind links, signing and
//! rotation — over HTTP, on both backends.

use app::domain::TopicKey;
use server::{
    links::{LinkClaims, LinkCodec, LinkKey, LinkKind, LinkSubject, Links},
    store::{apply_change, ChangeOp, ChangeRequest, Store},
};

use crate::helpers::{count, spawn_app, TestApp};

async fn seed(app: &TestApp) {
    let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
    server::demo::seed(&app.store, &base).await.unwrap();
}

pub(crate) async fn ids(store: &Store, contact: &str, topic: &str) -> (i64, i64) {
    let c: i64 = sqlx::query_scalar("SELECT id FROM contacts WHERE ref = $1")
        .bind(contact)
        .fetch_one(store.reader())
        .await
        .unwrap();
    let t: i64 = sqlx::query_scalar("SELECT id FROM topics WHERE key = $1")
        .bind(topic)
        .fetch_one(store.reader())
        .await
        .unwrap();
    (c, t)
}

pub(crate) async fn subscribe(store: &Store, contact_id: i64, topic: &str) {
    let req = ChangeRequest {
        contact_id,
        grant: server::store::Grant::system(),
        reason: None,
        meta: None,
        ops: vec![ChangeOp::Subscribed {
            topic: TopicKey::parse(topic).unwrap(),
            subscribed: true,
        }],
        said_at: None,
        consent_at: None,
        together: Vec::new(),
        keep_session: None,
    };
    apply_change(store, &req).await.unwrap();
}

/// The path (`/u/…`) of a link for a contact and topic, signed with the app's keys.
pub(crate) async fn link(app: &TestApp, kind: LinkKind, contact: &str, topic: &str) -> String {
    let (contact_id, topic_id) = ids(&app.store, contact, topic).await;
    let links = Links::load(&app.store, url::Url::parse("http://x").unwrap())
        .await
        .unwrap();
    let url = links.url(
        kind,
        &LinkSubject {
            contact_id,
            topic_id,
            channel: Some("email"),
            purpose: Some("marketing"),
        },
    );
    url.trim_start_matches("http://x").to_owned()
}

pub(crate) async fn subscribed(store: &Store, contact_id: i64, topic_id: i64) -> Option<bool> {
    let v: Option<String> = sqlx::query_scalar(
        "SELECT CASE WHEN subscribed THEN 'yes' ELSE 'no' END FROM preferences WHERE contact_id = $1 AND topic_id = $2",
    )
    .bind(contact_id)
    .bind(topic_id)
    .fetch_optional(store.reader())
    .await
    .unwrap();
    v.map(|v| v == "yes")
}

async fn ledger_for(store: &Store, contact_id: i64) -> Vec<(String, String)> {
    sqlx::query_as("SELECT actor_kind, changes FROM ledger WHERE contact_id = $1 ORDER BY seq")
        .bind(contact_id)
        .fetch_all(store.reader())
        .await
        .unwrap()
}

both_backends! {
    async fn one_click_posts_of_every_kind_unsubscribe_once_and_never_redirect(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let multipart_body = "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n";
        let styles: [(&str, Option<&str>, &str); 3] = [
            ("demo-ben", Some("application/x-www-form-urlencoded"), "List-Unsubscribe=One-Click"),
            ("demo-cara", Some("multipart/form-data; boundary=XyZ"), multipart_body),
            ("demo-dev", None, ""),
        ];
        for (contact, content_type, body) in styles {
            let (contact_id, topic_id) = ids(&app.store, contact, "offers").await;
            subscribe(&app.store, contact_id, "offers").await;
            let path = link(&app, LinkKind::Unsubscribe, contact, "offers").await;
            let before = ledger_for(&app.store, contact_id).await.len();

            for attempt in 0..2 {
                // Like a mail provider: no cookie, no Origin of ours.
                let mut req = app.client.post(app.url(&path)).header("origin", "https://mail.google.com").body(body);
                if let Some(ct) = content_type {
                    req = req.header("content-type", ct);
                }
                let res = req.send().await.unwrap();
                assert_eq!(res.status(), 200, "{contact} attempt {attempt}");
                assert!(res.headers().get("location").is_none());
                assert!(res.text().await.unwrap().contains("You will get no more Offers"));
            }

            let ledger = ledger_for(&app.store, contact_id).await;
            assert_eq!(ledger.len(), before + 1, "{contact}: one change, however often it is posted");
            assert_eq!(ledger.last().unwrap().0, "one_click");
            assert!(ledger.last().unwrap().1.contains("preferences.offers.subscribed"));
            assert_eq!(subscribed(&app.store, contact_id, topic_id).await, Some(false));
        }
    }
}

both_backends! {
    async fn looking_at_links_changes_nothing(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let tables = ["ledger", "outbox", "preferences", "disputed_addresses", "sessions"];
        let mut before = Vec::new();
        for t in tables { before.push(count(&app.store, t).await); }

        for kind in [LinkKind::Unsubscribe, LinkKind::NotMe, LinkKind::Preferences] {
            let path = link(&app, kind, "demo-ann", "offers").await;
            let get = app.client.get(app.url(&path)).send().await.unwrap();
            let head = app.client.head(app.url(&path)).send().await.unwrap();
            assert_eq!(get.status(), 200, "{path}");
            assert_eq!(head.status(), 200, "{path}");
        }

        let mut after = Vec::new();
        for t in tables { after.push(count(&app.store, t).await); }
        assert_eq!(before, after);
    }
}

both_backends! {
    async fn the_unsubscribe_page_offers_the_alternatives_without_scripts(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let path = link(&app, LinkKind::Unsubscribe, "demo-ann", "offers").await;

        let (status, page) = app.get_page(&path, None).await;

        assert_eq!(status, 200);
        assert!(page.contains("Unsubscribe from Offers"), "{page}");
        assert!(page.contains("Send less often instead") && page.contains("Stop everything"));
        assert!(page.contains("This isn’t me") && page.contains("href=\"http://127.0.0.1:3000/n/"));
        assert!(page.contains("a***@example.com"), "the address is partly hidden");
        assert!(!page.contains("<script"), "the page needs no JavaScript");
    }
}

both_backends! {
    async fn less_often_stop_everything_and_undo_work_from_the_page(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (ann, offers) = ids(&app.store, "demo-ann", "offers").await;
        let path = link(&app, LinkKind::Unsubscribe, "demo-ann", "offers").await;
        let frequency = || async {
            let f: String = sqlx::query_scalar("SELECT frequency FROM preferences WHERE contact_id = $1 AND topic_id = $2")
                .bind(ann).bind(offers).fetch_one(app.store.reader()).await.unwrap();
            f
        };
        assert_eq!(frequency().await, "weekly");

        let less = app.post_form_from(&path, &path, None, &[("action", "less_often"), ("frequency", "monthly")]).await;
        assert_eq!(less.status(), 200);
        let page = less.text().await.unwrap();
        assert!(page.contains("Offers once a month at most") && page.contains("Undo"), "{page}");
        assert_eq!(frequency().await, "monthly");
        assert_eq!(subscribed(&app.store, ann, offers).await, Some(true), "still subscribed");

        let undo = app.post_form_from(&path, &path, None, &[("action", "undo_frequency"), ("value", "weekly"), ("undo", &undo_proof(&page))]).await;
        assert_eq!(undo.status(), 200);
        assert_eq!(frequency().await, "weekly");

        let everything = app.post_form_from(&path, &path, None, &[("action", "everything")]).await;
        let page = everything.text().await.unwrap();
        assert!(page.contains("unsubscribed from everything"));
        let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM global_settings WHERE contact_id = $1 AND unsubscribed_all = $2")
            .bind(ann).bind(true).fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(all, 1);

        // Only the one-click unsubscribe may come from another site.
        let forged = app.client.post(app.url(&path)).header("origin", "https://evil.example")
            .form(&[("action", "undo_everything"), ("undo", &undo_proof(&page))]).send().await.unwrap();
        assert_eq!(forged.status(), 403);
        let undo = app.post_form_from(&path, &path, None, &[("action", "undo_everything"), ("undo", &undo_proof(&page))]).await;
        assert!(undo.text().await.unwrap().contains("subscribed again"));
    }
}

/// The proof an outcome page's undo button carries.
pub(crate) fn undo_proof(page: &str) -> String {
    let needle = r#"name="undo" value=""#;
    let at = page
        .find(needle)
        .unwrap_or_else(|| panic!("no undo button: {page}"));
    page[at + needle.len()..]
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

both_backends! {
    async fn an_old_unsubscribe_link_re_subscribes_nobody(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (ann, offers) = ids(&app.store, "demo-ann", "offers").await;
        let path = link(&app, LinkKind::Unsubscribe, "demo-ann", "offers").await;
        let one_click = app.client.post(app.url(&path)).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
        assert_eq!(one_click.status(), 200);
        assert_eq!(subscribed(&app.store, ann, offers).await, Some(false));

        // Whoever holds the link later — a forwarder, a relay — posts an undo without the
        // page's proof, or unsubscribes again to be offered one.
        let bare = app.post_form_from(&path, &path, None, &[("action", "undo_unsubscribe")]).await;
        let with_link = app.post_form_from(&path, &path, None, &[("action", "undo_unsubscribe"), ("undo", path.trim_start_matches("/u/"))]).await;
        let again = app.post_form_from(&path, &path, None, &[("action", "unsubscribe")]).await;

        assert_eq!(bare.status(), 403);
        assert!(bare.text().await.unwrap().contains("This undo has expired"));
        assert_eq!(with_link.status(), 403, "the link itself is no proof");
        let again = again.text().await.unwrap();
        assert!(again.contains("You are unsubscribed") && !again.contains("Undo"), "no undo for a change not made: {again}");
        assert_eq!(subscribed(&app.store, ann, offers).await, Some(false), "still unsubscribed");
    }
}

both_backends! {
    async fn required_topics_are_not_unsubscribed_by_a_link(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (ann, _) = ids(&app.store, "demo-ann", "account").await;
        let path = link(&app, LinkKind::Unsubscribe, "demo-ann", "account").await;
        let before = ledger_for(&app.store, ann).await.len();

        let res = app.client.post(app.url(&path)).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();

        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("required"));
        assert_eq!(ledger_for(&app.store, ann).await.len(), before);
    }
}

both_backends! {
    async fn tampered_truncated_wrong_key_and_expired_links_get_a_4xx_page(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let good = link(&app, LinkKind::Unsubscribe, "demo-ann", "offers").await;
        let token = good.trim_start_matches("/u/").to_owned();
        let mut tampered = token.clone().into_bytes();
        tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        let (contact_id, topic_id) = ids(&app.store, "demo-ann", "offers").await;
        let keys = app.store.ensure_signing_keys("links").await.unwrap();
        let claims = |issued_at| LinkClaims { kind: LinkKind::Unsubscribe, key: 0, contact_id, topic_id, channel: 1, purpose: 3, issued_at };
        let now = jiff::Timestamp::now().as_second();
        let wrong_key = LinkCodec::new(vec![LinkKey::new(1, b"somebody else's key")]).sign(&claims(now));
        let expired = LinkCodec::new(vec![LinkKey::new(1, &keys[0].secret)]).sign(&claims(now - 200 * 24 * 3600));
        let ledger = count(&app.store, "ledger").await;

        for (name, t, status) in [
            ("tampered", tampered.as_str(), 400),
            ("truncated", &token[..30], 400),
            ("wrong key", wrong_key.as_str(), 400),
            ("expired", expired.as_str(), 410),
            ("garbage", "%00%FF..", 400),
        ] {
            let (get_status, page) = app.get_page(&format!("/u/{t}"), None).await;
            let post = app.client.post(app.url(&format!("/u/{t}"))).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
            assert_eq!(get_status, status, "{name}: {page}");
            assert!(page.contains("Nothing was changed"), "{name}");
            assert_eq!(post.status().as_u16(), status, "{name}");
        }
        assert_eq!(count(&app.store, "ledger").await, ledger);
        let p = app.get_page(&good.replace("/u/", "/p/"), None).await.0;
        let n = app.get_page(&good.replace("/u/", "/n/"), None).await.0;
        assert_eq!((p, n), (200, 404), "a /u/ token is refused by /n/ (the /p/ page explains in the page itself)");
    }
}

both_backends! {
    async fn after_key_rotation_old_links_keep_working_until_the_key_is_retired(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let base = url::Url::parse("http://x").unwrap();
        let (contact_id, topic_id) = ids(&app.store, "demo-ann", "offers").await;
        let subject = LinkSubject { contact_id, topic_id, channel: Some("email"), purpose: None };
        let old = Links::load(&app.store, base.clone()).await.unwrap().token(LinkKind::Unsubscribe, &subject);

        let new_kid = app.store.rotate_signing_key("links").await.unwrap();
        let rotated = Links::load(&app.store, base.clone()).await.unwrap();

        assert_eq!(new_kid, "links-2");
        assert_eq!(rotated.parse(&old, LinkKind::Unsubscribe).unwrap().key, 1, "old links still work");
        let fresh = rotated.token(LinkKind::Unsubscribe, &subject);
        assert_eq!(rotated.parse(&fresh, LinkKind::Unsubscribe).unwrap().key, 2, "new links use the new key");
        app.store.retire_signing_key("links-1").await.unwrap();
        let retired = Links::load(&app.store, base).await.unwrap();
        assert!(retired.parse(&old, LinkKind::Unsubscribe).is_err());
        assert!(retired.parse(&fresh, LinkKind::Unsubscribe).is_ok());
    }
}

both_backends! {
    async fn not_me_disputes_the_address_once_and_tells_senders(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (ann, _) = ids(&app.store, "demo-ann", "offers").await;
        let path = link(&app, LinkKind::NotMe, "demo-ann", "offers").await;

        let (_, page) = app.get_page(&path, None).await;
        let first = app.post_form_from(&path, &path, None, &[]).await;
        let again = app.post_form_from(&path, &path, None, &[]).await;
        let forged = app.client.post(app.url(&path)).header("sec-fetch-site", "cross-site").send().await.unwrap();

        assert!(page.contains("This isn’t me"), "{page}");
        assert_eq!(first.status(), 200);
        assert!(first.text().await.unwrap().contains("We will send nothing more to a***@example.com"));
        assert_eq!(again.status(), 200);
        assert_eq!(forged.status(), 403);
        let disputed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM disputed_addresses WHERE contact_id = $1 AND kind = 'email' AND resolved_at IS NULL")
            .bind(ann).fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(disputed, 1);
        let events: Vec<String> = sqlx::query_scalar("SELECT event_type FROM outbox WHERE contact_id = $1 AND event_type = 'contact.address_disputed'")
            .bind(ann).fetch_all(app.store.reader()).await.unwrap();
        assert_eq!(events.len(), 1, "one event for senders, however often it is posted");
    }
}

both_backends! {
    async fn a_preferences_link_opens_that_contacts_page_and_saves_without_signing_in(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let path = link(&app, LinkKind::Preferences, "demo-cara", "offers").await;
        let token = path.trim_start_matches("/p/").to_owned();
        let (cara, offers) = ids(&app.store, "demo-cara", "offers").await;

        let (status, page) = app.get_page(&path, None).await;
        let save = app.post_form_from(&path, "/sf/save_topic", None, &[
            ("topic", "offers"), ("subscribed", "on"), ("frequency", "weekly"), ("ch_email", "on"), ("link", &token),
        ]).await;
        let forged = app.post_form_from(&path, "/sf/save_topic", None, &[
            ("topic", "offers"), ("subscribed", "on"), ("frequency", "weekly"), ("ch_email", "on"), ("link", "not-a-link"),
        ]).await;

        assert_eq!(status, 200);
        assert!(page.contains("c***@example.com") && page.contains("from a link in one of our messages"), "{page}");
        assert!(!page.contains("cara.demo@example.com"), "a forwarded link shows the address masked");
        assert!(!page.contains("Your details"), "details can only be changed when signed in");
        let location = save.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(&format!("/p/{token}?saved=")), "{location}");
        assert_eq!(subscribed(&app.store, cara, offers).await, Some(true));
        assert_eq!(ledger_for(&app.store, cara).await.last().unwrap().0, "customer");
        let back = forged.headers()["location"].to_str().unwrap().to_owned();
        assert!(app.get_page(&back, None).await.1.contains("doesn’t work any more"));
    }
}

both_backends! {
    async fn a_disputed_address_gets_no_sign_in_links(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let path = link(&app, LinkKind::NotMe, "demo-ann", "offers").await;
        app.post_form_from(&path, &path, None, &[]).await;

        let res = app.post_form("/sf/request_sign_in", None, &[("email", "ann.demo@example.com")]).await;
        let other = app.post_form("/sf/request_sign_in", None, &[("email", "ben.demo@example.com")]).await;

        assert_eq!(res.headers()["location"], "/?sign_in=requested", "the answer does not tell");
        assert_eq!(other.headers()["location"], "/?sign_in=requested");
        let mails = app.wait_for_mails(1).await;
        app.settle().await;
        assert_eq!(app.mail_files().len(), 1);
        assert!(mails[0].contains("To: ben.demo@example.com"), "only the undisputed address got mail");
    }
}

both_backends! {
    async fn a_link_page_is_in_its_contacts_language_unless_the_switch_chose_another(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let (paz, _) = ids(&app.store, "demo-paz", "offers").await;
        subscribe(&app.store, paz, "offers").await;
        let path = link(&app, LinkKind::Unsubscribe, "demo-paz", "offers").await;
        let es = app::i18n::Lang::from_code("es").unwrap();
        let fr = app::i18n::Lang::from_code("fr").unwrap();
        let get = |cookie: Option<&'static str>| {
            let mut req = app.client.get(app.url(&path)).header("accept-language", "en");
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            async move { req.send().await.unwrap().text().await.unwrap() }
        };

        let spanish = get(None).await;
        assert!(spanish.contains("<html lang=\"es\""), "{spanish}");
        assert!(spanish.contains(&app::tr!(es, "unsubscribe-topic-heading", topic = "Offers")), "{spanish}");
        let french = get(Some("attune_lang=fr")).await;
        assert!(french.contains("<html lang=\"fr\"") && french.contains(&app::tr!(fr, "stop-everything-heading")), "{french}");

        // A link that doesn't work has no contact to follow: the browser's language, here English.
        let (status, broken) = app.get_page("/u/not-a-token", None).await;
        assert_eq!(status, 400);
        assert!(broken.contains("<html lang=\"en\"") && broken.contains("This link doesn’t work"), "{broken}");
    }
}
