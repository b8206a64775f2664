//! The staff console: passwords, sign-in and lockout, roles, changes on a contact's behalf,
//! disputed addresses, admin pages — over HTTP, on both backends.

use app::domain::AddressKind;
use server::{
    staff::users::{hash_password, verify_password_blocking, Role},
    store::{apply_change, ChangeOp, ChangeRequest},
};

use crate::helpers::{count, TestApp};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// Creates a staff user straight in the store and returns their id.
pub(crate) async fn staff_user(app: &TestApp, email: &str, role: Role) -> i64 {
    let hash = hash_password(PASSWORD.to_owned()).await.unwrap();
    app.store
        .create_staff_user(&app::domain::Email::parse(email).unwrap(), role, &hash)
        .await
        .unwrap()
}

pub(crate) async fn try_login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_form(
        "/staff/login",
        None,
        &[("email", email), ("password", password)],
    )
    .await
}

/// Signs in and returns the staff cookie (`name=value`).
pub(crate) async fn login(app: &TestApp, email: &str) -> String {
    let res = try_login(app, email, PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/staff");
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("attune_staff=")
            && set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Strict")
            && set_cookie.contains("Path=/"),
        "{set_cookie}"
    );
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Seeds the demo organisation; returns a sign-in token for the demo contact.
async fn seed(app: &TestApp) -> String {
    let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
    let link = server::demo::seed(&app.store, &base).await.unwrap();
    link.rsplit('/').next().unwrap().to_owned()
}

async fn customer_cookie(app: &TestApp, token: &str) -> String {
    let res = app
        .post_form("/sf/redeem_sign_in", None, &[("token", token)])
        .await;
    assert_eq!(res.headers()["location"], "/preferences");
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn ann_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM contacts WHERE ref = 'demo-ann'")
        .fetch_one(app.store.reader())
        .await
        .unwrap()
}

both_backends! {
    async fn passwords_are_stored_as_argon2id_with_the_required_cost_and_only_the_right_one_verifies(db) {
        let app = crate::helpers::spawn_app(db).await;
        staff_user(&app, "ada@staff.example", Role::Admin).await;

        let hash: String = sqlx::query_scalar("SELECT password_hash FROM staff_users")
            .fetch_one(app.store.reader()).await.unwrap();

        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(!hash.contains(PASSWORD));
        assert!(verify_password_blocking(&hash, PASSWORD));
        assert!(!verify_password_blocking(&hash, "correct horse battery stapler"));
        assert_eq!(try_login(&app, "ada@staff.example", PASSWORD).await.status(), 303);
        assert_eq!(try_login(&app, "ADA@staff.example", PASSWORD).await.status(), 303, "addresses are case-insensitive");
        assert_eq!(try_login(&app, "ada@staff.example", "wrong password!").await.status(), 401);
    }
}

both_backends! {
    async fn the_staff_cookie_opens_the_console_and_a_customer_session_does_not(db) {
        let app = crate::helpers::spawn_app(db).await;
        let token = seed(&app).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;

        let staff = login(&app, "agent@staff.example").await;
        let customer = customer_cookie(&app, &token).await;
        let customer_value = customer.split_once('=').unwrap().1;
        let (ok, page) = app.get_page("/staff", Some(&staff)).await;
        let anonymous = app.client.get(app.url("/staff")).send().await.unwrap();
        let as_customer = app.client.get(app.url("/staff")).header("cookie", &customer).send().await.unwrap();
        let forged = app.client.get(app.url("/staff"))
            .header("cookie", format!("attune_staff={customer_value}")).send().await.unwrap();

        assert_eq!(ok, 200);
        assert!(page.contains("Find a contact") && page.contains("agent@staff.example"), "{page}");
        for res in [anonymous, as_customer, forged] {
            assert_eq!(res.status(), 303);
            assert_eq!(res.headers()["location"], "/staff/login");
        }
        // And the staff cookie is no customer session.
        let (_, prefs) = app.get_page("/preferences", Some(&staff)).await;
        assert!(!prefs.contains("ann.demo@example.com"));

        // Signing out ends the session.
        let out = app.post_form("/staff/logout", Some(&staff), &[]).await;
        assert_eq!(out.status(), 303);
        let after = app.client.get(app.url("/staff")).header("cookie", &staff).send().await.unwrap();
        assert_eq!(after.headers()["location"], "/staff/login");
    }
}

both_backends! {
    async fn an_agent_is_refused_admin_pages_and_does_not_see_them_while_an_admin_does(db) {
        let app = crate::helpers::spawn_app(db).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        staff_user(&app, "admin@staff.example", Role::Admin).await;
        let agent = login(&app, "agent@staff.example").await;
        let admin = login(&app, "admin@staff.example").await;

        let (_, agent_home) = app.get_page("/staff", Some(&agent)).await;
        let (_, admin_home) = app.get_page("/staff", Some(&admin)).await;
        assert!(!agent_home.contains("/staff/admin/"), "{agent_home}");
        assert!(admin_home.contains("/staff/admin/topics") && admin_home.contains("/staff/admin/users"));
        for path in ["/staff/admin/topics", "/staff/admin/senders", "/staff/admin/endpoints", "/staff/admin/users"] {
            let (status, page) = app.get_page(path, Some(&agent)).await;
            assert_eq!(status, 403, "{path}");
            assert!(page.contains("You don’t have access to this page"), "{page}");
            let (status, _) = app.get_page(path, Some(&admin)).await;
            assert_eq!(status, 200, "{path}");
        }
        let res = app.post_form("/staff/admin/topics", Some(&agent), &[
            ("key", "sneaky"), ("name", "Sneaky"), ("kind", "optional"), ("channels", "email"),
            ("default_frequency", "weekly"), ("position", "1"),
        ]).await;
        assert_eq!(res.status(), 403);
        let res = app.post_form("/staff/admin/senders", Some(&agent), &[("name", "Sneaky CRM")]).await;
        assert_eq!(res.status(), 403);
        assert_eq!(count(&app.store, "topics").await, 0);
        assert_eq!(count(&app.store, "api_keys").await, 0);
    }
}

both_backends! {
    async fn wrong_passwords_make_that_client_wait_and_then_even_the_right_one_must_wait(db) {
        let app = crate::helpers::spawn_app(db).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;

        for _ in 0..5 {
            let res = try_login(&app, "agent@staff.example", "guess guess guess").await;
            assert_eq!(res.status(), 401);
            assert!(res.text().await.unwrap().contains("don’t match"));
        }
        let res = try_login(&app, "agent@staff.example", PASSWORD).await;
        assert_eq!(res.status(), 429);
        assert!(res.headers().get("set-cookie").is_none());
        assert_eq!(res.headers()["retry-after"], "60");
        assert!(res.text().await.unwrap().contains("Please wait 1 minute"));

        // Once the wait has passed, the right password works and the count starts again.
        sqlx::query("UPDATE rate_limits SET window_start = window_start - 61000").execute(app.store.writer()).await.unwrap();
        login(&app, "agent@staff.example").await;
        let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits WHERE key LIKE 'staff_login:failed:%'")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(failed, 0);
    }
}

both_backends! {
    async fn agents_find_contacts_by_part_of_their_ref_email_or_phone(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;

        let (_, by_email) = app.get_page("/staff?q=ANN.DEMO", Some(&agent)).await;
        let (_, by_phone) = app.get_page("/staff?q=555-0123", Some(&agent)).await;
        let (_, by_ref) = app.get_page("/staff?q=demo-", Some(&agent)).await;
        let (_, page_two) = app.get_page("/staff?q=demo-&page=2", Some(&agent)).await;
        let (_, wildcard) = app.get_page("/staff?q=%25", Some(&agent)).await;

        assert!(by_email.contains("/staff/contacts/demo-ann") && !by_email.contains("demo-ben"), "{by_email}");
        assert!(by_phone.contains("/staff/contacts/demo-ann"), "{by_phone}");
        assert!(by_ref.contains("demo-ann") && by_ref.contains("demo-kim"));
        assert!(!page_two.contains("/staff/contacts/"), "11 contacts fit on one page");
        assert!(wildcard.contains("No contact matches"), "a % is a character, not a wildcard");

        let (status, page) = app.get_page("/staff/contacts/demo-ann", Some(&agent)).await;
        assert_eq!(status, 200);
        assert!(page.contains("ann.demo@example.com") && page.contains("+15555550123"));
        assert!(page.contains("Appointments and reminders") && page.contains("Reason (shown to the customer)"));
        assert!(page.contains("Turned on Offers"), "the ledger in plain words: {page}");
        let (status, _) = app.get_page("/staff/contacts/nobody-here", Some(&agent)).await;
        assert_eq!(status, 404);
    }
}

/// The form a staff user posts to turn off SMS for Appointments (email and calls stay on).
fn no_texts(reason: &str) -> Vec<(&'static str, String)> {
    vec![
        ("channels", "email".into()),
        ("channels", "voice".into()),
        ("frequency", "immediate".into()),
        ("reason", reason.into()),
    ]
}

pub(crate) async fn post_pairs(
    app: &TestApp,
    path: &str,
    cookie: &str,
    pairs: &[(&str, String)],
) -> reqwest::Response {
    let form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form(path, Some(cookie), &form).await
}

both_backends! {
    async fn a_change_on_behalf_without_a_reason_is_refused_and_changes_nothing(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        let ledger_before = count(&app.store, "ledger").await;

        let res = post_pairs(&app, "/staff/contacts/demo-ann/topics/appointments", &agent, &no_texts("   ")).await;

        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(page.contains("Give a reason"), "{page}");
        assert_eq!(count(&app.store, "ledger").await, ledger_before);
        app.settle().await;
        assert!(app.mail_files().is_empty());
    }
}

both_backends! {
    async fn a_change_on_behalf_is_in_the_ledger_on_the_customers_history_and_mailed_to_them(db) {
        let app = crate::helpers::spawn_app(db).await;
        let token = seed(&app).await;
        let staff_id = staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        let reason = "Customer called: no texts about appointments, please";

        let res = post_pairs(&app, "/staff/contacts/demo-ann/topics/appointments", &agent, &no_texts(reason)).await;

        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/staff/contacts/demo-ann?flash=saved");
        let (kind, id, stored_reason, changes): (String, Option<i64>, Option<String>, String) = sqlx::query_as(
            "SELECT actor_kind, actor_id, reason, changes FROM ledger ORDER BY seq DESC LIMIT 1",
        ).fetch_one(app.store.reader()).await.unwrap();
        assert_eq!((kind.as_str(), id, stored_reason.as_deref()), ("staff", Some(staff_id), Some(reason)));
        assert!(changes.contains("preferences.appointments.channels"), "{changes}");

        let (_, staff_page) = app.get_page("/staff/contacts/demo-ann?flash=saved", Some(&agent)).await;
        assert!(staff_page.contains("Staff: agent@staff.example") && staff_page.contains(reason));

        let customer = customer_cookie(&app, &token).await;
        let (_, history) = app.get_page("/history", Some(&customer)).await;
        assert!(history.contains("Changed by our staff"), "{history}");
        // (Leptos puts a `<!>` marker between the label and the text.)
        assert!(history.contains("Reason given:") && history.contains(reason), "{history}");
        assert!(history.contains("Turned off text messages for Appointments and reminders"), "{history}");

        let mails = app.wait_for_mails(1).await;
        let mail = &mails[0];
        assert!(mail.contains("To: ann.demo@example.com"), "{mail}");
        assert!(mail.contains("We changed your message preferences for you"), "{mail}");
        assert!(mail.contains("Turned off text messages for Appointments and reminders"), "{mail}");
        assert!(mail.contains("/p/") && mail.contains("Undo"), "{mail}");

        // Saving the same again changes nothing and mails nobody.
        let res = post_pairs(&app, "/staff/contacts/demo-ann/topics/appointments", &agent, &no_texts(reason)).await;
        assert_eq!(res.headers()["location"], "/staff/contacts/demo-ann?flash=unchanged");
        app.settle().await;
        assert_eq!(app.mail_files().len(), 1);
    }
}

both_backends! {
    async fn resolving_a_disputed_address_is_in_the_ledger_and_the_address_is_usable_again(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        let staff_id = staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        let ann = ann_id(&app).await;
        for kind in [AddressKind::Email, AddressKind::Phone] {
            apply_change(&app.store, &ChangeRequest {
                contact_id: ann, grant: server::store::Grant::not_me(ann, kind), reason: None, meta: None,
                ops: vec![ChangeOp::DisputeAddress(kind)],
                said_at: None,
                consent_at: None,
                together: Vec::new(),
                keep_session: None,
            }).await.unwrap();
        }
        assert_eq!(app.store.contact_by_email("ann.demo@example.com").await.unwrap(), None);
        let (_, home) = app.get_page("/staff", Some(&agent)).await;
        assert!(home.contains("reported as “not me”") && home.contains("/staff/contacts/demo-ann"), "{home}");
        let (_, page) = app.get_page("/staff/contacts/demo-ann", Some(&agent)).await;
        assert!(page.contains("Disputed addresses") && page.contains("Resolve the email report"), "{page}");

        let confirm = post_pairs(&app, "/staff/contacts/demo-ann/disputes/email", &agent, &[
            ("resolution", "confirm".into()), ("replacement", String::new()), ("reason", "Checked with Ann by phone".into()),
        ]).await;
        let bad_phone = post_pairs(&app, "/staff/contacts/demo-ann/disputes/phone", &agent, &[
            ("resolution", "replace".into()), ("replacement", "555".into()), ("reason", "New number".into()),
        ]).await;
        let replace = post_pairs(&app, "/staff/contacts/demo-ann/disputes/phone", &agent, &[
            ("resolution", "replace".into()), ("replacement", "+1 555 555 0999".into()), ("reason", "New number".into()),
        ]).await;

        assert_eq!(confirm.status(), 303);
        assert_eq!(bad_phone.status(), 422);
        assert!(bad_phone.text().await.unwrap().contains("international form"));
        assert_eq!(replace.status(), 303);
        let rows: Vec<(String, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT kind, resolved_by, resolution FROM disputed_addresses ORDER BY kind",
        ).fetch_all(app.store.reader()).await.unwrap();
        assert_eq!(rows, [
            ("email".to_owned(), Some(staff_id), Some("confirmed".to_owned())),
            ("phone".to_owned(), Some(staff_id), Some("replaced".to_owned())),
        ]);
        let ledger: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT event_type, actor_kind, changes FROM ledger ORDER BY seq DESC LIMIT 2",
        ).fetch_all(app.store.reader()).await.unwrap();
        assert_eq!(ledger[0].0, "contact.updated");
        assert_eq!(ledger[0].1, "staff");
        assert!(ledger[0].2.contains("disputed.phone") && ledger[0].2.contains("+15555550999"), "{:?}", ledger[0]);
        assert!(ledger[1].2.contains("disputed.email"), "{:?}", ledger[1]);
        assert_eq!(app.store.contact_by_email("ann.demo@example.com").await.unwrap(), Some(ann));
        let phone_now: String = sqlx::query_scalar("SELECT phone FROM contacts WHERE id = $1")
            .bind(ann).fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(phone_now, "+15555550999");
        let (_, page) = app.get_page("/staff/contacts/demo-ann", Some(&agent)).await;
        assert!(!page.contains("Disputed addresses"));
        assert!(page.contains("Our staff checked the reported email address"), "{page}");
    }
}

both_backends! {
    async fn a_cross_site_post_to_the_console_is_refused(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        let ledger_before = count(&app.store, "ledger").await;

        let form: Vec<(&str, String)> = no_texts("forged");
        let forged = app.client.post(app.url("/staff/contacts/demo-ann/topics/appointments"))
            .header("cookie", &agent)
            .header("sec-fetch-site", "cross-site")
            .form(&form).send().await.unwrap();
        let forged_login = app.client.post(app.url("/staff/login"))
            .header("origin", "https://evil.example")
            .form(&[("email", "agent@staff.example"), ("password", PASSWORD)]).send().await.unwrap();

        assert_eq!(forged.status(), 403);
        assert_eq!(forged_login.status(), 403);
        assert!(forged_login.headers().get("set-cookie").is_none());
        assert_eq!(count(&app.store, "ledger").await, ledger_before);
    }
}

both_backends! {
    async fn an_admin_creates_a_topic_and_a_sender_key_revokes_it_and_disables_staff(db) {
        let app = crate::helpers::spawn_app(db).await;
        staff_user(&app, "admin@staff.example", Role::Admin).await;
        let agent_id = staff_user(&app, "agent@staff.example", Role::Agent).await;
        let admin = login(&app, "admin@staff.example").await;
        let agent = login(&app, "agent@staff.example").await;

        let topic = [
            ("key", "reminders"), ("name", "Reminders"), ("description", "Gentle nudges"),
            ("kind", "optional"), ("channels", "email"), ("channels", "sms"),
            ("default_frequency", "weekly"), ("position", "3"),
        ];
        let created = app.post_form("/staff/admin/topics", Some(&admin), &topic).await;
        let again = app.post_form("/staff/admin/topics", Some(&admin), &topic).await;
        assert_eq!(created.status(), 303);
        assert_eq!(again.status(), 422);
        let again = again.text().await.unwrap();
        assert!(again.contains("already exists") && again.contains("Gentle nudges"), "the input is kept");
        let t = app.store.topic(&app::domain::TopicKey::parse("reminders").unwrap()).await.unwrap().unwrap();
        assert_eq!((t.name.as_str(), t.channels.to_list().as_str(), t.position), ("Reminders", "email,sms", 3));

        let mut edit = topic.to_vec();
        edit[0] = ("key", "renamed-key");
        edit[1] = ("name", "Friendly reminders");
        let edited = app.post_form("/staff/admin/topics/reminders", Some(&admin), &edit).await;
        assert_eq!(edited.status(), 303);
        let t = app.store.topic(&app::domain::TopicKey::parse("reminders").unwrap()).await.unwrap().unwrap();
        assert_eq!(t.name, "Friendly reminders", "edited, and the key stays");

        let key = app::domain::TopicKey::parse("reminders").unwrap();
        assert!(app.store.cached_topic(&key).await.unwrap().is_some(), "decisions know the topic");
        let archived = app.post_form("/staff/admin/topics/reminders/archive", Some(&admin), &[("archived", "on")]).await;
        assert_eq!(archived.status(), 303);
        assert!(app.store.list_topics().await.unwrap().is_empty());
        assert!(app.store.cached_topic(&key).await.unwrap().is_none(), "and forget it at once when it is archived");

        let res = app.post_form("/staff/admin/senders", Some(&admin), &[("name", "Clinic CRM")]).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("location").is_none());
        let page = res.text().await.unwrap();
        let start = page.find("att_").expect("the new key on the page");
        let key: String = page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
        assert!(app.store.sender_by_key(&key).await.unwrap().is_some());
        let (_, list) = app.get_page("/staff/admin/senders", Some(&admin)).await;
        assert!(list.contains("Clinic CRM") && list.contains(&key[..12]) && !list.contains(&key), "the key is shown once");
        let revoked = app.post_form("/staff/admin/senders/revoke", Some(&admin), &[("prefix", &key[..12])]).await;
        assert_eq!(revoked.status(), 303);
        assert!(app.store.sender_by_key(&key).await.unwrap().is_none());

        let path = format!("/staff/admin/users/{agent_id}/disable");
        let disabled = app.post_form(&path, Some(&admin), &[("disabled", "on")]).await;
        assert_eq!(disabled.status(), 303);
        let after = app.client.get(app.url("/staff")).header("cookie", &agent).send().await.unwrap();
        assert_eq!(after.headers()["location"], "/staff/login", "a disabled user's session ends");
        assert_eq!(try_login(&app, "agent@staff.example", PASSWORD).await.status(), 401);

        let made = app.post_form("/staff/admin/users", Some(&admin), &[("email", "new@staff.example"), ("role", "agent")]).await;
        assert_eq!(made.status(), 200);
        assert!(made.text().await.unwrap().contains("Password for new@staff.example"));
        let (status, _) = app.get_page("/staff/admin/endpoints", Some(&admin)).await;
        assert_eq!(status, 200);
    }
}

fn attune(db_url: &str, data_dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_attune"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("ATTUNE_DATA_DIR", data_dir)
        .env("ATTUNE_LOG", "warn")
        .current_dir(data_dir);
    cmd
}

both_backends! {
    async fn staff_create_prints_a_generated_password_alone_on_its_last_line_or_reads_one_from_stdin(db) {
        use std::io::Write;
        let test_db = crate::helpers::fresh_db(db).await;
        let dir = test_db.dir.path();

        let made = attune(&test_db.url, dir)
            .args(["staff", "create", "ada@staff.example", "--role", "admin"]).output().unwrap();
        let again = attune(&test_db.url, dir)
            .args(["staff", "create", "ADA@staff.example", "--role", "agent"]).output().unwrap();
        let bad_role = attune(&test_db.url, dir)
            .args(["staff", "create", "bob@staff.example", "--role", "boss"]).output().unwrap();
        let mut short = attune(&test_db.url, dir)
            .args(["staff", "create", "bob@staff.example", "--role", "agent", "--password-stdin"])
            .stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped())
            .spawn().unwrap();
        short.stdin.take().unwrap().write_all(b"too short\n").unwrap();
        let short = short.wait_with_output().unwrap();
        let mut piped = attune(&test_db.url, dir)
            .args(["staff", "create", "bob@staff.example", "--role", "agent", "--password-stdin"])
            .stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped())
            .spawn().unwrap();
        piped.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
        let piped = piped.wait_with_output().unwrap();

        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let out = String::from_utf8(made.stdout).unwrap();
        let password = out.lines().last().unwrap();
        assert_eq!(password.len(), 20, "{out}");
        assert!(!password.contains(' '));
        assert!(!again.status.success(), "an existing address is refused");
        assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
        assert!(!bad_role.status.success());
        assert!(!short.status.success());
        assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
        assert!(piped.status.success());
        assert!(!String::from_utf8(piped.stdout).unwrap().contains("a long enough password"));

        let store = server::store::Store::connect(&test_db.url).await.unwrap();
        let hashes: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT email, role, password_hash FROM staff_users ORDER BY email",
        ).fetch_all(store.reader()).await.unwrap();
        assert_eq!(hashes.len(), 2);
        assert_eq!((hashes[0].0.as_str(), hashes[0].1.as_str()), ("ada@staff.example", "admin"));
        assert!(verify_password_blocking(&hashes[0].2, password));
        assert_eq!(hashes[1].1, "agent");
        assert!(verify_password_blocking(&hashes[1].2, "a long enough password"));
    }
}

both_backends! {
    async fn failing_webhook_endpoints_are_listed_first_and_an_admin_can_replay_them(db) {
        let app = crate::helpers::spawn_app(db).await;
        staff_user(&app, "admin@staff.example", Role::Admin).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let admin = login(&app, "admin@staff.example").await;
        let agent = login(&app, "agent@staff.example").await;
        let (sender, _) = app.store.create_sender("Clinic CRM").await.unwrap();
        for (id, url, failing, created) in [
            ("ep-failing", "https://crm.example/failing-hook", Some(1_000_i64), 1_000_i64),
            ("ep-healthy", "https://crm.example/healthy-hook", None, 2_000),
        ] {
            sqlx::query(
                "INSERT INTO webhook_endpoints (id, sender_id, url, secret, failing_since, created_at)
                 VALUES ($1, $2, $3, 'whsec_test', $4, $5)",
            )
            .bind(id).bind(sender).bind(url).bind(failing).bind(created)
            .execute(app.store.writer()).await.unwrap();
        }

        let (status, page) = app.get_page("/staff/admin/endpoints", Some(&admin)).await;
        let replay = app.post_form("/staff/admin/endpoints/ep-failing/replay", Some(&admin), &[("after", "0")]).await;
        let refused = app.post_form("/staff/admin/endpoints/ep-failing/replay", Some(&agent), &[("after", "0")]).await;
        let bad = app.post_form("/staff/admin/endpoints/ep-failing/replay", Some(&admin), &[("after", "soon")]).await;

        assert_eq!(status, 200);
        let (failing, healthy) = (page.find("failing-hook").unwrap(), page.find("healthy-hook").unwrap());
        assert!(failing < healthy, "the failing endpoint comes first");
        assert!(page.contains("Failing since") && page.contains("Replay"), "{page}");
        assert_eq!(replay.status(), 303);
        assert_eq!(replay.headers()["location"], "/staff/admin/endpoints?flash=replayed");
        assert_eq!(refused.status(), 403);
        assert_eq!(bad.status(), 422);
    }
}

both_backends! {
    async fn staff_cannot_give_a_contact_an_erased_address(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        app.store
            .erase_contact(&app::domain::ContactRef::parse("demo-ben").unwrap(), server::store::Grant::system(), None)
            .await
            .unwrap();
        let ledger = count(&app.store, "ledger").await;

        let res = post_pairs(&app, "/staff/contacts/demo-ann/details", &agent, &[
            ("email", "ben.demo@example.com".to_owned()),
            ("phone", String::new()),
            ("locale", "en".to_owned()),
            ("time_zone", "Europe/London".to_owned()),
            ("reason", "Customer gave a new address".to_owned()),
        ]).await;

        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(page.contains("That email address was erased; it is never added again."), "{page}");
        assert_eq!(count(&app.store, "ledger").await, ledger, "nothing changed");
    }
}

both_backends! {
    async fn staff_can_pause_a_contact_until_a_date_but_not_for_more_than_two_years(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        let pause = |date: String| vec![
            ("pause", "until".to_owned()),
            ("pause_until", date),
            ("reason", "Customer asked on the phone".to_owned()),
        ];
        let today = jiff::Zoned::now().date();
        let ledger = count(&app.store, "ledger").await;

        let too_far = post_pairs(&app, "/staff/contacts/demo-ann/global", &agent,
            &pause(today.checked_add(jiff::Span::new().years(3)).unwrap().to_string())).await;
        let status = too_far.status();
        let page = too_far.text().await.unwrap();
        assert_eq!(status, 422);
        assert!(page.contains("A pause can last at most two years."), "{page}");
        assert_eq!(count(&app.store, "ledger").await, ledger, "nothing changed");

        let fine = post_pairs(&app, "/staff/contacts/demo-ann/global", &agent,
            &pause(today.checked_add(jiff::Span::new().months(2)).unwrap().to_string())).await;
        assert_eq!(fine.status(), 303);
        assert_eq!(count(&app.store, "ledger").await, ledger + 1);
    }
}

both_backends! {
    async fn a_disabled_or_unknown_endpoint_is_not_replayed_from_the_console(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        staff_user(&app, "admin@staff.example", Role::Admin).await;
        let admin = login(&app, "admin@staff.example").await;
        let (sender, _) = app.store.create_sender("Clinic CRM").await.unwrap();
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, sender_id, url, secret, disabled_at, disabled_reason, created_at)
             VALUES ('ep-gone', $1, 'https://crm.example/gone-hook', 'whsec_test', 5000, 'answered 410 Gone', 1000)",
        )
        .bind(sender)
        .execute(app.store.writer()).await.unwrap();
        assert!(count(&app.store, "outbox").await > 0, "there are events that could be replayed");

        let (_, page) = app.get_page("/staff/admin/endpoints", Some(&admin)).await;
        let disabled = app.post_form("/staff/admin/endpoints/ep-gone/replay", Some(&admin), &[("after", "0")]).await;
        let unknown = app.post_form("/staff/admin/endpoints/ep-nothing/replay", Some(&admin), &[("after", "0")]).await;

        assert!(page.contains("Disabled:") && !page.contains("/staff/admin/endpoints/ep-gone/replay"), "{page}");
        assert_eq!(disabled.status(), 409);
        assert!(disabled.text().await.unwrap().contains("That endpoint is disabled"));
        assert_eq!(count(&app.store, "webhook_deliveries").await, 0, "nothing was queued for it");
        assert_eq!(unknown.status(), 404);
    }
}

both_backends! {
    async fn staff_change_contact_details_and_a_new_address_is_unverified(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        let staff_id = staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        let details = |email: &'static str, tz: &'static str, reason: &'static str| {
            vec![
                ("email", email.to_owned()),
                ("phone", "+15555550123".to_owned()),
                ("locale", "fr-CA".to_owned()),
                ("time_zone", tz.to_owned()),
                ("reason", reason.to_owned()),
            ]
        };

        let bad = post_pairs(&app, "/staff/contacts/demo-ann/details", &agent, &details("ann.new@example.com", "Mars/Olympus", "Moved")).await;
        let ok = post_pairs(&app, "/staff/contacts/demo-ann/details", &agent, &details("ann.new@example.com", "Europe/Paris", "Moved to Paris")).await;

        assert_eq!(bad.status(), 422);
        let page = bad.text().await.unwrap();
        assert!(page.contains("Mars/Olympus") && page.contains("Moved"), "the input is kept: {page}");
        assert_eq!(ok.status(), 303);
        let row: (Option<String>, String, String) = sqlx::query_as(
            "SELECT email, locale, time_zone FROM contacts WHERE ref = 'demo-ann'",
        ).fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(row, (Some("ann.new@example.com".into()), "fr-CA".into(), "Europe/Paris".into()));
        let verified: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN email_verified THEN 1 ELSE 0 END FROM contacts WHERE ref = 'demo-ann'",
        ).fetch_one(app.store.reader()).await.unwrap();
        let verified = verified == 1;
        assert!(!verified, "a new address waits for the contact to confirm it");
        let mails = app.wait_for_mails(2).await;
        assert!(mails.iter().any(|m| m.contains("To: ann.new@example.com")));
        assert!(mails.iter().any(|m| m.contains("To: ann.demo@example.com")), "the old address is told too");
        let (actor, id): (String, Option<i64>) = sqlx::query_as("SELECT actor_kind, actor_id FROM ledger ORDER BY seq DESC LIMIT 1")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!((actor.as_str(), id), ("staff", Some(staff_id)));
    }
}

both_backends! {
    async fn replacing_a_disputed_email_mails_only_the_new_address(db) {
        let app = crate::helpers::spawn_app(db).await;
        seed(&app).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        apply_change(&app.store, &ChangeRequest {
            contact_id: ann_id(&app).await, grant: server::store::Grant::not_me(ann_id(&app).await, AddressKind::Email), reason: None, meta: None,
            ops: vec![ChangeOp::DisputeAddress(AddressKind::Email)],
            said_at: None,
            consent_at: None,
            together: Vec::new(),
            keep_session: None,
        }).await.unwrap();

        let res = post_pairs(&app, "/staff/contacts/demo-ann/disputes/email", &agent, &[
            ("resolution", "replace".into()), ("replacement", "ann.real@example.com".into()),
            ("reason", "Ann gave us her real address".into()),
        ]).await;

        assert_eq!(res.status(), 303);
        let mails = app.wait_for_mails(1).await;
        app.settle().await;
        let mails = if app.mail_files().len() > mails.len() { app.wait_for_mails(app.mail_files().len()).await } else { mails };
        assert_eq!(mails.len(), 1, "nothing goes to the disputed address");
        assert!(mails[0].contains("To: ann.real@example.com"));
    }
}
