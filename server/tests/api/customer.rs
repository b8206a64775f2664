//! Customers: magic-link sign-in, the preference page's saves, history, export — over HTTP, on
//! both backends.

use std::process::{Child, Command, Stdio};

use crate::helpers::{count, spawn_app, spawn_app_with, TestApp};

/// Seeds the demo organisation and returns a fresh sign-in token for the demo contact.
pub(crate) async fn seed(app: &TestApp) -> String {
    let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
    let link = server::demo::seed(&app.store, &base).await.unwrap();
    link.rsplit('/').next().unwrap().to_owned()
}

/// Uses a sign-in token as the Continue button does, and returns the session cookie.
pub(crate) async fn sign_in(app: &TestApp, token: &str) -> String {
    let res = app
        .post_form("/sf/redeem_sign_in", None, &[("token", token)])
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/preferences");
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    set_cookie.split(';').next().unwrap().to_owned()
}

pub(crate) fn link_token(mail: &str) -> String {
    let start = mail.find("/auth/").expect("a sign-in link in the mail") + "/auth/".len();
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

both_backends! {
    async fn looking_at_a_sign_in_link_changes_nothing_and_continue_signs_in(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;

        let (status, page) = app.get_page(&format!("/auth/{token}"), None).await;
        let head = app.client.head(app.url(&format!("/auth/{token}"))).send().await.unwrap();
        assert_eq!(status, 200);
        assert!(page.contains("Continue"), "{page}");
        assert_eq!(head.status(), 200);
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_tokens WHERE used_at IS NOT NULL")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(used, 0, "GET and HEAD do not use the link");

        let cookie = sign_in(&app, &token).await;
        let (status, page) = app.get_page("/preferences", Some(&cookie)).await;
        assert_eq!(status, 200);
        assert!(page.contains("Your message preferences") && page.contains("ann.demo@example.com"), "{page}");
    }
}

both_backends! {
    async fn a_sign_in_link_works_once_even_when_used_concurrently(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;

        let form = [("token", token.as_str())];
        let attempts: Vec<_> = (0..8).map(|_| app.post_form("/sf/redeem_sign_in", None, &form)).collect();
        let results = futures_util::future::join_all(attempts).await;

        let winners = results.iter().filter(|r| r.headers()["location"] == "/preferences").count();
        assert_eq!(winners, 1, "exactly one redemption wins");
        let sessions = count(&app.store, "sessions").await;
        assert_eq!(sessions, 1);
        let (_, page) = app.get_page(&format!("/auth/{token}"), None).await;
        assert!(page.contains("already been used") && page.contains("Email me a new link"), "{page}");
    }
}

both_backends! {
    async fn an_expired_or_tampered_link_says_so_and_signs_nobody_in(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let ann: i64 = sqlx::query_scalar("SELECT id FROM contacts WHERE ref = 'demo-ann'")
            .fetch_one(app.store.reader()).await.unwrap();
        let expired = app.store.create_token(ann, "sign_in", -1).await.unwrap();

        let (_, expired_page) = app.get_page(&format!("/auth/{expired}"), None).await;
        let (_, tampered_page) = app.get_page("/auth/not-a-real-token", None).await;
        let res = app.post_form("/sf/redeem_sign_in", None, &[("token", &expired)]).await;

        assert!(expired_page.contains("expired"), "{expired_page}");
        assert!(tampered_page.contains("not valid"), "{tampered_page}");
        assert_ne!(res.headers()["location"], "/preferences");
        assert!(res.headers().get("set-cookie").is_none());
        assert_eq!(count(&app.store, "sessions").await, 0);
    }
}

both_backends! {
    async fn the_answer_is_the_same_for_known_and_unknown_addresses(db) {
        let app = spawn_app(db).await;
        seed(&app).await;

        let known = app.post_form("/sf/request_sign_in", None, &[("email", "ann.demo@example.com")]).await;
        let unknown = app.post_form("/sf/request_sign_in", None, &[("email", "nobody@example.com")]).await;

        assert_eq!(known.status(), unknown.status());
        assert_eq!(known.headers()["location"], unknown.headers()["location"]);
        assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
        let mails = app.wait_for_mails(1).await;
        app.settle().await;
        assert_eq!(app.mail_files().len(), 1, "only the known address gets mail");
        assert!(mails[0].contains("To: ann.demo@example.com"));
        assert!(mails[0].contains("Content-Type: text/plain") && mails[0].contains("Content-Type: text/html"));

        // The link in the mail works.
        let cookie = sign_in(&app, &link_token(&mails[0])).await;
        assert!(cookie.starts_with("attune_session="));
    }
}

both_backends! {
    async fn sign_in_requests_are_rate_limited_per_address_and_per_ip(db) {
        let app = spawn_app_with(db, &[("ATTUNE_SIGN_IN_LIMIT_PER_IP", "8")]).await;
        seed(&app).await;
        let app = &app;
        let ask = |name: &'static str| async move {
            let email = format!("{name}.demo@example.com");
            app.post_form("/sf/request_sign_in", None, &[("email", email.as_str())]).await
        };

        let mut per_address = Vec::new();
        for _ in 0..6 {
            per_address.push(ask("ben").await.headers()["location"].to_str().unwrap().to_owned());
        }
        let others = [ask("cara").await, ask("dev").await, ask("eli").await];

        assert!(per_address[..5].iter().all(|l| l == "/?sign_in=requested"), "{per_address:?}");
        let page = app.get_page(&per_address[5], None).await.1;
        assert!(page.contains("Too many sign-in requests"), "the sixth for one address is refused: {page}");
        let last = others[2].headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(others[0].headers()["location"], "/?sign_in=requested", "another address is still served");
        assert!(app.get_page(&last, None).await.1.contains("Too many"), "the ninth from one IP is refused");
    }
}

both_backends! {
    async fn a_saved_topic_is_in_the_ledger_the_page_and_the_history(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;
        let ledger = count(&app.store, "ledger").await;

        // Offers: keep email, drop nothing else; turn on SMS and go monthly.
        let res = app.post_form("/sf/save_topic", Some(&cookie), &[
            ("topic", "offers"), ("subscribed", "on"), ("frequency", "monthly"),
            ("ch_email", "on"), ("ch_sms", "on"),
        ]).await;

        assert_eq!(res.status(), 302);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/preferences?saved="), "{location}");
        assert_eq!(count(&app.store, "ledger").await, ledger + 1);
        assert_eq!(count(&app.store, "outbox").await, ledger + 1);
        let (_, page) = app.get_page(&location, Some(&cookie)).await;
        assert!(page.contains("Turned on text messages for Offers"), "{page}");
        assert!(page.contains("Chose at most once a month for Offers"));
        assert!(page.contains("Allowed follow-ups for Offers again"), "info only was on in the demo and the box was not ticked");
        let (_, history) = app.get_page("/history", Some(&cookie)).await;
        assert!(history.contains("Turned on text messages for Offers") && history.contains("You"), "{history}");
    }
}

both_backends! {
    async fn a_topic_saved_by_the_page_script_says_what_changed_without_sending_the_browser_away(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;
        // As the island's script sends it: the form's fields, asking for JSON back.
        let save = |form: &'static [(&'static str, &'static str)]| {
            let (app, cookie) = (&app, &cookie);
            async move {
                app.client
                    .post(app.url("/sf/save_topic"))
                    .header("accept", "application/json")
                    .header("sec-fetch-site", "same-origin")
                    .header("cookie", cookie.as_str())
                    .form(form)
                    .send()
                    .await
                    .unwrap()
            }
        };

        let res = save(&[("topic", "offers"), ("subscribed", "on"), ("frequency", "monthly"), ("ch_email", "on"), ("ch_sms", "on")]).await;

        assert_eq!(res.status(), 200, "no redirect: the page stays where it is");
        assert!(res.headers().get("location").is_none());
        let saved: serde_json::Value = res.json().await.unwrap();
        let items: Vec<&str> = saved["items"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
        assert!(items.contains(&"Turned on text messages for Offers") && items.contains(&"Chose at most once a month for Offers"), "{saved}");
        assert_eq!(saved["topic"]["key"], "offers");
        assert_eq!(saved["topic"]["frequency"], "monthly", "the topic as it is now: {saved}");
        assert_eq!(saved["topic"]["subscribed"], true);

        // The same form again changes nothing, and says so.
        let again: serde_json::Value = save(&[("topic", "offers"), ("subscribed", "on"), ("frequency", "monthly"), ("ch_email", "on"), ("ch_sms", "on")]).await.json().await.unwrap();
        assert_eq!(again["items"], serde_json::json!([]), "{again}");
        let (_, history) = app.get_page("/history", Some(&cookie)).await;
        assert_eq!(history.matches("Turned on text messages for Offers").count(), 1, "{history}");
    }
}

both_backends! {
    async fn global_settings_and_unsubscribe_all_are_saved_and_explained(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;

        let global = app.post_form("/sf/save_global", Some(&cookie), &[
            ("pause", "week"), ("quiet_hours", "on"), ("quiet_start", "21:30"), ("quiet_end", "07:00"),
            ("never_call", "on"),
        ]).await;
        let all = app.post_form("/sf/set_unsubscribed_all", Some(&cookie), &[("on", "true")]).await;
        let bad = app.post_form_from("/preferences", "/sf/save_global", Some(&cookie), &[("pause", "until"), ("pause_until", "2001-01-01")]).await;

        let (_, page) = app.get_page(global.headers()["location"].to_str().unwrap(), Some(&cookie)).await;
        assert!(page.contains("Paused messages until"), "{page}");
        assert!(page.contains("Set quiet hours for texts and calls: 21:30–07:00"));
        assert!(page.contains("Asked never to be called"));
        let (_, page) = app.get_page(all.headers()["location"].to_str().unwrap(), Some(&cookie)).await;
        assert!(page.contains("Unsubscribed from everything optional"), "{page}");
        assert!(page.contains("Subscribe again to my topics"));
        let (_, page) = app.get_page(bad.headers()["location"].to_str().unwrap(), Some(&cookie)).await;
        assert!(page.contains("The pause must end in the future"), "{page}");
    }
}

both_backends! {
    async fn changing_the_email_address_asks_the_new_address_to_confirm_it(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;

        let res = app.post_form("/sf/save_details", Some(&cookie), &[
            ("email", "ann.new@example.org"), ("time_zone", "Europe/Paris"), ("locale", "en"),
        ]).await;
        let mails = app.wait_for_mails(1).await;
        let (_, page) = app.get_page(res.headers()["location"].to_str().unwrap(), Some(&cookie)).await;

        assert!(page.contains("Waiting for confirmation: we sent a link to ann.new@example.org"), "{page}");
        assert!(!page.contains("Set the email address to"), "nothing changes before the new address confirms: {page}");
        let unchanged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contacts WHERE ref = 'demo-ann' AND email = 'ann.demo@example.com'")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(unchanged, 1, "the record keeps its address until then");
        assert!(mails[0].contains("To: ann.new@example.org") && mails[0].contains("Confirm"));
        let confirmed = sign_in(&app, &link_token(&mails[0])).await;
        let (_, page) = app.get_page("/preferences", Some(&confirmed)).await;
        assert!(!page.contains("Waiting for confirmation"), "{page}");
        let verified: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM contacts WHERE ref = 'demo-ann' AND email = 'ann.new@example.org' AND email_verified = $1",
        )
        .bind(true)
        .fetch_one(app.store.reader())
        .await
        .unwrap();
        assert_eq!(verified, 1, "the confirmation link confirmed the address");
    }
}

both_backends! {
    async fn an_erased_address_cannot_come_back_as_a_new_email_address(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;
        app.store
            .erase_contact(&app::domain::ContactRef::parse("demo-ben").unwrap(), server::store::Grant::system(), None)
            .await
            .unwrap();
        let ledger = count(&app.store, "ledger").await;

        let res = app.post_form_from("/preferences", "/sf/save_details", Some(&cookie), &[
            ("email", "Ben.Demo@example.com"), ("time_zone", "Europe/Paris"), ("locale", "en"),
        ]).await;
        let (_, page) = app.get_page(res.headers()["location"].to_str().unwrap(), Some(&cookie)).await;

        assert!(page.contains("was erased; it is never added again"), "{page}");
        assert_eq!(count(&app.store, "ledger").await, ledger, "nothing changed");
        app.settle().await;
        assert!(app.mail_files().is_empty(), "no confirmation mail went to the erased address");
    }
}

both_backends! {
    async fn a_cross_site_form_post_cannot_change_preferences(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;
        let ledger = count(&app.store, "ledger").await;

        let res = app.client.post(app.url("/sf/set_unsubscribed_all"))
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .form(&[("on", "true")])
            .send().await.unwrap();

        assert_eq!(res.status(), 403);
        assert_eq!(count(&app.store, "ledger").await, ledger);
    }
}

both_backends! {
    async fn signing_out_ends_the_session(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;

        let res = app.post_form("/sf/sign_out", Some(&cookie), &[]).await;

        assert_eq!(res.headers()["location"], "/?signed_out=1");
        assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        let (_, page) = app.get_page("/preferences", Some(&cookie)).await;
        assert!(page.contains("Please sign in"), "the old cookie no longer works: {page}");
        assert_eq!(count(&app.store, "sessions").await, 0);
    }
}

both_backends! {
    async fn a_contact_downloads_everything_held_about_them(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;

        let res = app.client.get(app.url("/preferences/export")).header("cookie", &cookie).send().await.unwrap();
        let anonymous = app.client.get(app.url("/preferences/export")).send().await.unwrap();

        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["ref"], "demo-ann");
        assert_eq!(body["contact"]["email"], "ann.demo@example.com");
        assert!(body["ledger"].as_array().unwrap().len() >= 2);
        assert_eq!(anonymous.status(), 401);
    }
}

/// A real SMTP server (aiosmtpd, from PyPI) writing what it receives into a Maildir.
pub(crate) struct SmtpServer {
    child: Child,
    pub(crate) port: u16,
    maildir: tempfile::TempDir,
}

/// A port nothing listens on (yet).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpServer {
    pub(crate) async fn start() -> Self {
        Self::start_on(free_port()).await
    }

    /// Starts the server on `port`, where a mailer may already be trying to reach it.
    pub(crate) async fn start_on(port: u16) -> Self {
        let maildir = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd) for the SMTP test");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return SmtpServer {
                    child,
                    port,
                    maildir,
                };
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the SMTP server did not start");
    }

    pub(crate) fn received(&self) -> Vec<String> {
        let dir = self.maildir.path().join("box").join("new");
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

both_backends! {
    async fn sign_in_mail_is_delivered_through_a_real_smtp_server(db) {
        let smtp = SmtpServer::start().await;
        let app = spawn_app_with(db, &[("ATTUNE_MAIL_URL", &format!("smtp://127.0.0.1:{}", smtp.port))]).await;
        seed(&app).await;

        let res = app.post_form("/sf/request_sign_in", None, &[("email", "ann.demo@example.com")]).await;
        assert_eq!(res.headers()["location"], "/?sign_in=requested");
        let mut received = Vec::new();
        for _ in 0..100 {
            received = smtp.received();
            if !received.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }

        assert_eq!(received.len(), 1);
        let mail = &received[0];
        assert!(mail.contains("To: ann.demo@example.com") && mail.contains("Subject: Your sign-in link for 127.0.0.1"), "{mail}");
        assert!(mail.contains("multipart/alternative"));
        let cookie = sign_in(&app, &link_token(mail)).await;
        assert!(!cookie.is_empty());
        assert!(app.mail_files().is_empty(), "nothing went to the file mailer");
    }
}

both_backends! {
    async fn history_is_newest_first_in_pages_of_twenty(db) {
        let app = spawn_app(db).await;
        let token = seed(&app).await;
        let cookie = sign_in(&app, &token).await;
        for i in 0..25 {
            let on = if i % 2 == 0 { "true" } else { "false" };
            app.post_form("/sf/set_unsubscribed_all", Some(&cookie), &[("on", on)]).await;
        }

        let (_, first) = app.get_page("/history", Some(&cookie)).await;
        let older = first.split("href=\"/history?before=").nth(1).expect("a link to older changes");
        let before: String = older.chars().take_while(|c| c.is_ascii_digit()).collect();
        let (_, second) = app.get_page(&format!("/history?before={before}"), Some(&cookie)).await;

        assert_eq!(first.matches("<li><p class=\"when\">").count(), 20, "{first}");
        let newest = first.find("Unsubscribed from everything optional").unwrap();
        let older_change = first.find("Subscribed again after unsubscribing").unwrap();
        assert!(newest < older_change, "the 25th change (an unsubscribe) comes first");
        assert!(second.contains("Set up by 127.0.0.1"), "the oldest page reaches the contact's creation: {second}");
        assert!(!second.contains("href=\"/history?before="), "the last page has no older link");
    }
}

both_backends! {
    async fn a_page_speaks_the_browsers_language_until_the_switch_chooses_another(db) {
        let app = spawn_app(db).await;
        let page = |lang: &'static str, cookie: Option<&'static str>| {
            let mut req = app.client.get(app.url("/")).header("accept-language", lang);
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            async move { req.send().await.unwrap().text().await.unwrap() }
        };
        let (es, de) = (app::i18n::Lang::from_code("es").unwrap(), app::i18n::Lang::from_code("de").unwrap());

        let spanish = page("es-ES,es;q=0.9,en;q=0.5", None).await;
        assert!(spanish.contains("<html lang=\"es\""), "{spanish}");
        assert!(spanish.contains(&app::tr!(es, "home-heading")), "{spanish}");
        let unknown = page("ja", None).await;
        assert!(unknown.contains("<html lang=\"en\"") && unknown.contains("Your messages, your way"), "{unknown}");

        // The switch: a form post that remembers the choice and goes back to the page.
        let res = app.post_form("/language", None, &[("lang", "de"), ("back", "/?signed_out=1")]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/?signed_out=1");
        let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set_cookie.starts_with("attune_lang=de;") && set_cookie.contains("HttpOnly"), "{set_cookie}");
        let german = page("es-ES", Some("attune_lang=de")).await;
        assert!(german.contains("<html lang=\"de\"") && german.contains(&app::tr!(de, "home-heading")), "{german}");

        // Only back to this site, only a language there is, and only from this site.
        let away = app.post_form("/language", None, &[("lang", "fr"), ("back", "//evil.example/")]).await;
        assert_eq!(away.headers()["location"], "/");
        let unknown = app.post_form("/language", None, &[("lang", "xx"), ("back", "/")]).await;
        assert_eq!(unknown.status(), 400);
        let forged = app.client.post(app.url("/language")).header("origin", "https://evil.example")
            .form(&[("lang", "fr"), ("back", "/")]).send().await.unwrap();
        assert_eq!(forged.status(), 403);
    }
}

both_backends! {
    async fn a_contact_who_speaks_spanish_gets_the_sign_in_mail_and_the_preference_page_in_spanish(db) {
        let app = spawn_app(db).await;
        seed(&app).await;
        let es = app::i18n::Lang::from_code("es").unwrap();

        // The browser says English; the contact's own language wins for what is theirs.
        let res = app.post_form("/sf/request_sign_in", None, &[("email", "paz.demo@example.com")]).await;
        assert_eq!(res.status(), 302);
        let mails = app.wait_for_mails(1).await;
        assert!(mails[0].contains(&app::tr!(es, "hello")), "{}", mails[0]);
        assert!(!mails[0].contains("Use this link to sign in"), "{}", mails[0]);

        let cookie = sign_in(&app, &link_token(&mails[0])).await;
        let (status, page) = app.get_page("/preferences", Some(&cookie)).await;
        assert_eq!(status, 200);
        assert!(page.contains("<html lang=\"es\""), "{page}");
        assert!(page.contains(&app::tr!(es, "prefs-heading")), "{page}");
        assert!(page.contains(&app::tr!(es, "frequency-option", frequency = "weekly")), "{page}");

        // Saving "Your details" in English makes the pages English, whatever the switch said.
        let res = app.post_form_from("/preferences", "/sf/save_details", Some(&cookie),
            &[("email", "paz.demo@example.com"), ("time_zone", "Europe/London"), ("locale", "en")]).await;
        assert_eq!(res.status(), 302);
        let cleared = res.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("attune_lang=;"));
        assert!(cleared, "the switch's choice is cleared");
        let (_, page) = app.get_page("/preferences", Some(&cookie)).await;
        assert!(page.contains("<html lang=\"en\"") && page.contains("Your message preferences"), "{page}");
    }
}
