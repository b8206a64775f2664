//! Mail is never lost (DESIGN §7, issue 28): every mail goes through the outbox, and the mail
//! worker tries it again until the SMTP server takes it — across an outage and a restart. Real
//! SMTP server (aiosmtpd), both backends.

use std::time::Duration;

use server::{startup::Application, store::Store};

use crate::{
    customer::{free_port, link_token, seed, sign_in, SmtpServer},
    helpers::{config_from, fresh_db, spawn_app_with, TestApp, TestDb},
};

/// Tries again quickly, for as long as a test may take.
const QUICK_RETRIES: &str = "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms";

/// Waits (up to 10 s) until a queued mail has had at least one failed attempt.
async fn first_attempt_failed(store: &Store) {
    for _ in 0..400 {
        let tried: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(attempts), 0) FROM mail_outbox")
            .fetch_one(store.reader())
            .await
            .unwrap();
        if tried >= 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no attempt to send the mail failed within 10 s");
}

/// Waits (up to 15 s) until the SMTP server has received `n` mails.
async fn received(smtp: &SmtpServer, n: usize) -> Vec<String> {
    for _ in 0..150 {
        let got = smtp.received();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    smtp.received()
}

both_backends! {
    async fn a_mail_whose_smtp_server_was_down_is_delivered_when_it_comes_back(db) {
        let port = free_port();
        let mail_url = format!("smtp://127.0.0.1:{port}");
        let app = spawn_app_with(db, &[("ATTUNE_MAIL_URL", &mail_url), ("ATTUNE_MAIL_RETRY_SCHEDULE", QUICK_RETRIES)]).await;
        seed(&app).await;

        let res = app.post_form("/sf/request_sign_in", None, &[("email", "ann.demo@example.com")]).await;
        assert_eq!(res.headers()["location"], "/?sign_in=requested");
        first_attempt_failed(&app.store).await;
        assert_eq!(app.store.mail_unsent().await.unwrap(), 1, "the mail waits while the server is down");

        let smtp = SmtpServer::start_on(port).await;
        app.settle().await;

        let got = received(&smtp, 1).await;
        assert_eq!(got.len(), 1, "sent once it came back, and once");
        assert!(got[0].contains("To: ann.demo@example.com"), "{}", got[0]);
        let cookie = sign_in(&app, &link_token(&got[0])).await;
        assert!(cookie.starts_with("attune_session="), "the link in it works");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox").fetch_one(app.store.reader()).await.unwrap();
        assert_eq!(left, 0, "a sent mail (and the link in it) leaves the database");
    }
}

/// `attune serve` on an existing database, mailing through `mail_url`, until told to stop.
async fn serve(
    db: &TestDb,
    mail_url: &str,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let config = config_from(&[
        ("ATTUNE_LISTEN", "127.0.0.1:0".to_owned()),
        (
            "ATTUNE_DATA_DIR",
            db.dir.path().to_string_lossy().to_string(),
        ),
        ("DATABASE_URL", db.url.clone()),
        ("ATTUNE_MAIL_URL", mail_url.to_owned()),
        ("ATTUNE_MAIL_RETRY_SCHEDULE", QUICK_RETRIES.to_owned()),
    ]);
    let app = Application::build(config).await.expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    (address, stop, done)
}

both_backends! {
    async fn a_mail_queued_before_a_restart_is_sent_after_it(db) {
        let test_db = fresh_db(db).await;
        let store = Store::connect(&test_db.url).await.unwrap();
        server::demo::seed(&store, &url::Url::parse("http://127.0.0.1:3000").unwrap()).await.unwrap();
        let port = free_port();
        let mail_url = format!("smtp://127.0.0.1:{port}");

        // The first process takes the request while the mail server is down, then stops.
        let (address, stop, done) = serve(&test_db, &mail_url).await;
        let res = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
            .post(format!("{address}/sf/request_sign_in"))
            .header("accept", "text/html")
            .header("sec-fetch-site", "same-origin")
            .header("referer", format!("{address}/"))
            .form(&[("email", "ann.demo@example.com")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["location"], "/?sign_in=requested");
        first_attempt_failed(&store).await;
        let _ = stop.send(());
        done.await.unwrap().unwrap();
        assert_eq!(store.mail_unsent().await.unwrap(), 1, "the stopped process left the mail queued");

        // The mail server comes back, and so does Attune: the mail goes.
        let smtp = SmtpServer::start_on(port).await;
        let (_, stop, done) = serve(&test_db, &mail_url).await;
        let got = received(&smtp, 1).await;
        assert_eq!(got.len(), 1, "the mail queued before the restart was sent after it");
        assert!(got[0].contains("To: ann.demo@example.com") && got[0].contains("/auth/"), "{}", got[0]);
        let _ = stop.send(());
        done.await.unwrap().unwrap();
    }
}

// The settle helper itself: right after a request that queues mail, nothing is left unsent
// once it returns.
both_backends! {
    async fn settling_waits_for_every_queued_mail_to_be_written(db) {
        let app: TestApp = spawn_app_with(db, &[]).await;
        seed(&app).await;
        app.post_form("/sf/request_sign_in", None, &[("email", "ann.demo@example.com")]).await;
        app.settle().await;
        assert_eq!(app.mail_files().len(), 1);
        assert_eq!(app.store.mail_unsent().await.unwrap(), 0);
    }
}
