//! Replies are choices too (DESIGN §3.1): STOP / START / HELP by text and "press 9" on a call,
//! through the provider's signed webhooks, on both backends.

use serde_json::json;
use server::inbound::twilio;

use crate::{
    customer::sign_in,
    helpers::{count, spawn_app_with, TestApp},
    sender_api::Api,
};

/// As long as Twilio's (32 characters); Attune refuses one under 16.
pub(crate) const TOKEN: &str = "test-auth-token-of-32-characters";
pub(crate) const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
/// What the provider was told to call: the base URL (never the request's Host) and the route.
pub(crate) const BASE: &str = "http://127.0.0.1:3000";
pub(crate) const PHONE: &str = "+15550002222";

async fn app(db: crate::helpers::Db) -> TestApp {
    spawn_app_with(
        db,
        &[
            ("ATTUNE_SMS_AUTH_TOKEN", TOKEN),
            ("ATTUNE_ORG_NAME", "Northside Clinic"),
        ],
    )
    .await
}

/// Posts the provider's form, signed with `token`; returns the status and the body.
pub(crate) async fn provider_post(
    app: &TestApp,
    path: &str,
    token: &str,
    params: &[(&str, &str)],
) -> (u16, String) {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let signature = twilio::sign(token, &format!("{BASE}{path}"), &owned);
    let res = app
        .client
        .post(app.url(path))
        .header("x-twilio-signature", signature)
        .form(&owned)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A Twilio id: the prefix and 32 hex digits.
pub(crate) fn sid(prefix: &str, n: u32) -> String {
    format!("{prefix}{n:032x}")
}

async fn text(app: &TestApp, n: u32, body: &str) -> (u16, String) {
    let sid = sid("SM", n);
    provider_post(
        app,
        "/inbound/sms/twilio",
        TOKEN,
        &[
            ("From", PHONE),
            ("To", "+15550009999"),
            ("Body", body),
            ("MessageSid", &sid),
        ],
    )
    .await
}

/// Two systems know the number, each under its own ref, subscribed to texts about follow-ups.
pub(crate) async fn two_records(app: &TestApp) -> Api<'_> {
    let crm = Api::new(app).await;
    for reference in ["crm-5", "appt-5"] {
        crm.put(
            &format!("/contacts/{reference}"),
            json!({"email": format!("{reference}@example.com"), "email_verified": true,
            "phone": PHONE, "phone_verified": true, "time_zone": "UTC"}),
        )
        .await;
        crm.change(reference, json!({"reason": "signed up", "consent": {"source": "form", "text": "Text me", "at": "2026-11-20T10:00:00Z"},
            "preferences": [{"topic": "service-follow-ups", "subscribed": true, "channels": ["sms", "voice", "email"]}]})).await;
    }
    crm
}

both_backends! {
    async fn stop_by_text_opts_the_number_out_of_texts_in_every_record_and_start_opens_them_again(db) {
        let app = app(db).await;
        let api = two_records(&app).await;
        let reason = |c: &'static str, ch: &'static str| { let api = &api; async move { api.reason(c, "service-follow-ups", ch, "informational").await } };
        assert_eq!(reason("appt-5", "sms").await, "allowed");

        let (status, answer) = text(&app, 1, " Stop. ").await;

        assert_eq!(status, 200);
        assert!(answer.starts_with("<?xml") && answer.contains("<Message>Northside Clinic: you will get no more texts from us."), "{answer}");
        assert!(answer.contains("/p/"), "the answer carries the preference page: {answer}");
        assert_eq!(reason("crm-5", "sms").await, "address_opted_out");
        assert_eq!(reason("appt-5", "sms").await, "address_opted_out");
        assert_eq!(reason("appt-5", "email").await, "allowed", "only texts");
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT actor_kind, reason FROM ledger WHERE actor_kind = 'reply' ORDER BY seq").fetch_all(app.store.reader()).await.unwrap();
        assert_eq!(rows, vec![("reply".to_owned(), "You replied STOP by text".to_owned()); 2], "one row per record");

        // The same delivery again, and a message that is not a keyword: nothing changes.
        let ledger = count(&app.store, "ledger").await;
        let (_, again) = text(&app, 1, " Stop. ").await;
        let (_, chatter) = text(&app, 2, "please stop texting me so often").await;
        assert!(again.contains("no more texts"), "the provider gets the same answer: {again}");
        assert_eq!(chatter, r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#, "no reply to anything else");
        assert_eq!(count(&app.store, "ledger").await, ledger);

        let (_, help) = text(&app, 3, "help").await;
        assert!(help.contains("Reply STOP to stop texts"), "{help}");
        assert_eq!(count(&app.store, "ledger").await, ledger, "HELP changes nothing");

        let (_, started) = text(&app, 4, "YES").await;
        assert!(started.contains("texts are on again"), "{started}");
        assert_eq!(reason("appt-5", "sms").await, "allowed");
        assert_eq!(reason("crm-5", "sms").await, "allowed");

        // The person's history says it in their words.
        let crm_5 = app.store.contact_id(&app::domain::ContactRef::parse("crm-5").unwrap()).await.unwrap().unwrap();
        let cookie = sign_in(&app, &app.store.create_sign_in_token(crm_5).await.unwrap()).await;
        let (_, history) = app.get_page("/history", Some(&cookie)).await;
        assert!(history.contains("You replied STOP by text") && history.contains("Asked never to be texted"), "{history}");
        assert!(history.contains("You replied YES by text") && history.contains("Allowed text messages again"), "{history}");
    }
}

both_backends! {
    async fn a_forged_or_unsigned_provider_webhook_is_refused_and_changes_nothing(db) {
        let app = app(db).await;
        two_records(&app).await;
        let ledger = count(&app.store, "ledger").await;
        let params = [("From", PHONE), ("Body", "STOP"), ("MessageSid", "SM9")];

        let (forged, _) = provider_post(&app, "/inbound/sms/twilio", "not-the-token", &params).await;
        let unsigned = app.client.post(app.url("/inbound/sms/twilio")).form(&params).send().await.unwrap().status();
        let (forged_call, _) = provider_post(&app, "/inbound/voice/twilio", "not-the-token", &[("To", PHONE), ("Digits", "9")]).await;

        assert_eq!((forged, unsigned.as_u16(), forged_call), (403, 403, 403));
        assert_eq!(count(&app.store, "ledger").await, ledger);
        assert_eq!(count(&app.store, "address_choices").await, 0);

        // Without a token configured the routes are not there at all.
        let bare = crate::helpers::spawn_app(crate::helpers::Db::Sqlite).await;
        assert_eq!(bare.client.post(bare.url("/inbound/sms/twilio")).form(&params).send().await.unwrap().status(), 404);
    }
}

both_backends! {
    async fn pressing_9_on_an_automated_call_stops_those_calls_to_that_number(db) {
        let app = app(db).await;
        let api = two_records(&app).await;
        let voice = api.decide("appt-5", "service-follow-ups", "voice", "informational").await;
        assert_eq!(voice["ivr_prompt"], "To stop these automated calls, press 9 now.", "{voice}");

        let (_, other_key) = provider_post(&app, "/inbound/voice/twilio", TOKEN, &[("To", PHONE), ("Digits", "1"), ("CallSid", &sid("CA", 1))]).await;
        assert_eq!(api.reason("appt-5", "service-follow-ups", "voice", "informational").await, "allowed", "{other_key}");

        let (status, answer) = provider_post(&app, "/inbound/voice/twilio", TOKEN, &[("To", PHONE), ("Digits", "9"), ("CallSid", &sid("CA", 2))]).await;

        assert_eq!(status, 200);
        assert!(answer.contains("<Say>You will get no more automated calls from Northside Clinic. Goodbye.</Say><Hangup/>"), "{answer}");
        assert_eq!(api.reason("appt-5", "service-follow-ups", "voice", "informational").await, "address_opted_out");
        assert_eq!(api.reason("crm-5", "service-follow-ups", "voice", "informational").await, "address_opted_out");
        assert_eq!(api.reason("appt-5", "service-follow-ups", "sms", "informational").await, "allowed", "only calls");
    }
}

both_backends! {
    async fn a_text_reply_from_any_provider_signed_the_standard_webhooks_way_opts_out_once(db) {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let app = spawn_app_with(db, &[("ATTUNE_SMS_AUTH_TOKEN", secret)]).await;
        let api = two_records(&app).await;
        let signer = standardwebhooks::Webhook::new(secret).unwrap();
        let post = |id: &'static str, at: i64, body: serde_json::Value, signed_with: &'static standardwebhooks::Webhook| {
            let app = &app;
            async move {
                let bytes = serde_json::to_vec(&body).unwrap();
                let signature = signed_with.sign(id, at, &bytes).unwrap();
                let res = app.client.post(app.url("/inbound/sms")).header("content-type", "application/json")
                    .header("webhook-id", id).header("webhook-timestamp", at.to_string()).header("webhook-signature", signature)
                    .body(bytes).send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };
        let signer: &'static standardwebhooks::Webhook = Box::leak(Box::new(signer));
        let stranger: &'static standardwebhooks::Webhook = Box::leak(Box::new(standardwebhooks::Webhook::new("whsec_QWxzb0FTZWNyZXRUaGF0SXNMb25nRW5vdWdo").unwrap()));
        let now = jiff::Timestamp::now().as_second();
        let stop = json!({"from": PHONE, "to": "+15550009999", "body": "STOP"});

        let (forged, _) = post("msg_1", now, stop.clone(), stranger).await;
        let (stale, _) = post("msg_1", now - 3600, stop.clone(), signer).await;
        assert_eq!((forged, stale), (403, 403), "a forged or an hour-old delivery");
        assert_eq!(api.reason("appt-5", "service-follow-ups", "sms", "informational").await, "allowed");

        let ledger = count(&app.store, "ledger").await;
        let (status, answer) = post("msg_1", now, stop.clone(), signer).await;
        let (_, again) = post("msg_1", now, stop, signer).await;
        let (_, chatter) = post("msg_2", now, json!({"from": PHONE, "body": "thanks!"}), signer).await;

        assert_eq!(status, 200);
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert!(answer["reply"].as_str().unwrap().contains("you will get no more texts"), "{answer}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&again).unwrap(), answer, "the same answer, nothing applied twice");
        assert_eq!(chatter, r#"{"reply":null}"#);
        assert_eq!(count(&app.store, "ledger").await, ledger + 2, "one row per record, once");
        assert_eq!(api.reason("appt-5", "service-follow-ups", "sms", "informational").await, "address_opted_out");
    }
}

const MAIL_DOMAIN: &str = "mail.example.test";

/// Drives an SMTP session with Python's smtplib (a real client, not ours): each step's reply
/// code, as JSON.
fn smtp_session(port: u16, steps: serde_json::Value) -> serde_json::Value {
    let script = r#"
import json, smtplib, sys
port, steps = int(sys.argv[1]), json.load(sys.stdin)
s = smtplib.SMTP("127.0.0.1", port, timeout=20)
out = [s.ehlo()[0]]
for step in steps:
    s.rset()
    s.mail("someone@example.com")
    codes = [s.rcpt(r)[0] for r in step["to"]]
    data = None
    if any(c == 250 for c in codes):
        try:
            data = s.data(step["message"].encode())[0]
        except smtplib.SMTPDataError as e:
            data = e.smtp_code
    out.append({"rcpt": codes, "data": data})
s.quit()
print(json.dumps(out))
"#;
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script, &port.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(steps.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

both_backends! {
    async fn an_unsubscribe_mail_to_attune_s_own_smtp_listener_opts_out_and_nothing_else_does(db) {
        let app = spawn_app_with(db, &[("ATTUNE_INBOUND_MAIL_DOMAIN", MAIL_DOMAIN), ("ATTUNE_SMTP_LISTEN", "127.0.0.1:0")]).await;
        let api = Api::new(&app).await;
        api.contact("c-mail").await;
        let answer = api.decide("c-mail", "offers", "email", "marketing").await;
        let list = answer["headers"]["List-Unsubscribe"].as_str().unwrap().to_owned();
        let mailto = list.split("<mailto:").nth(1).and_then(|r| r.split('?').next()).unwrap_or_else(|| panic!("{list}")).to_owned();
        assert!(list.starts_with("<http") && mailto.starts_with("unsubscribe+") && mailto.ends_with(MAIL_DOMAIN), "{list}");
        let ledger = count(&app.store, "ledger").await;
        let message = |extra: &str| format!("From: c-mail@example.com\r\nTo: {mailto}\r\nSubject: unsubscribe\r\n{extra}\r\nPlease stop.\r\n");

        let port = app.smtp_port.unwrap();
        let steps = json!([
            {"to": [format!("unsubscribe+not-a-token@{MAIL_DOMAIN}"), "someone@elsewhere.example"], "message": message("")},
            {"to": [mailto.clone()], "message": message("Auto-Submitted: auto-replied\r\n")},
            {"to": [mailto.clone()], "message": message(&format!("X-Padding: {}\r\n", "x".repeat(300 * 1024)))},
        ]);
        let refused = tokio::task::spawn_blocking(move || smtp_session(port, steps)).await.unwrap();
        assert_eq!(refused[0], 250, "EHLO");
        assert_eq!(refused[1], json!({"rcpt": [550, 550], "data": null}), "unknown addresses are refused at RCPT TO");
        assert_eq!(refused[2], json!({"rcpt": [250], "data": 250}), "an auto-reply is accepted and ignored");
        assert_eq!(refused[3]["data"], 552, "too big: {}", refused[3]);
        assert_eq!(count(&app.store, "ledger").await, ledger, "nothing changed");
        assert_eq!(api.reason("c-mail", "offers", "email", "marketing").await, "allowed");

        let steps = json!([{"to": [mailto.clone()], "message": message("")}]);
        let sent = tokio::task::spawn_blocking(move || smtp_session(port, steps)).await.unwrap();

        assert_eq!(sent[1], json!({"rcpt": [250], "data": 250}));
        assert_eq!(api.decide("c-mail", "offers", "email", "marketing").await["decision"], "deny");
        let row: (String, String, String) = sqlx::query_as("SELECT actor_kind, reason, changes FROM ledger ORDER BY seq DESC LIMIT 1")
            .fetch_one(app.store.reader()).await.unwrap();
        assert_eq!((row.0.as_str(), row.1.as_str()), ("reply", "You replied by email to unsubscribe"));
        assert!(row.2.contains("preferences.offers.subscribed"), "{}", row.2);
    }
}

both_backends! {
    async fn an_unsubscribe_mail_forwarded_by_a_provider_s_webhook_opts_out(db) {
        let app = spawn_app_with(db, &[("ATTUNE_INBOUND_MAIL_DOMAIN", MAIL_DOMAIN)]).await;
        let api = Api::new(&app).await;
        api.contact("c-hook").await;
        let answer = api.decide("c-hook", "offers", "email", "marketing").await;
        let list = answer["headers"]["List-Unsubscribe"].as_str().unwrap();
        let mailto = list.split("<mailto:").nth(1).and_then(|r| r.split('?').next()).unwrap().to_owned();
        let post = |raw: String| {
            let app = &app;
            async move {
                let res = app.client.post(app.url("/inbound/mail")).header("content-type", "message/rfc822").body(raw).send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };

        let (_, robot) = post(format!("From: mailer-daemon@example.com\r\nTo: {mailto}\r\nAuto-Submitted: auto-generated\r\n\r\nbounce\r\n")).await;
        assert_eq!(robot, r#"{"applied":0}"#);
        assert_eq!(api.reason("c-hook", "offers", "email", "marketing").await, "allowed");

        let (status, applied) = post(format!("From: c-hook@example.com\r\nTo: Unsubscribe <{mailto}>\r\nSubject: unsubscribe\r\n\r\nstop\r\n")).await;
        assert_eq!((status, applied.as_str()), (200, r#"{"applied":1}"#));
        assert_eq!(api.decide("c-hook", "offers", "email", "marketing").await["decision"], "deny");

        let (too_big, _) = post(format!("To: {mailto}\r\n\r\n{}", "x".repeat(300 * 1024))).await;
        assert_eq!(too_big, 413);
    }
}

both_backends! {
    async fn a_stop_from_a_spanish_speakers_number_is_answered_in_spanish_and_their_history_reads_in_spanish(db) {
        let app = app(db).await;
        let api = two_records(&app).await;
        for reference in ["crm-5", "appt-5"] {
            api.put(&format!("/contacts/{reference}"), json!({"locale": "es-MX"})).await;
        }
        let es = app::i18n::Lang::from_code("es").unwrap();

        let (status, answer) = text(&app, 1, "STOP").await;

        assert_eq!(status, 200);
        let said = app::tr!(es, "reply-stop", org = "Northside Clinic", link = "LINK");
        let (before_link, _) = said.split_once("LINK").unwrap();
        assert!(answer.contains(&format!("<Message>{}", before_link.replace('&', "&amp;"))), "{answer}");
        assert!(!answer.contains("you will get no more texts"), "{answer}");

        let crm_5 = app.store.contact_id(&app::domain::ContactRef::parse("crm-5").unwrap()).await.unwrap().unwrap();
        let cookie = sign_in(&app, &app.store.create_sign_in_token(crm_5).await.unwrap()).await;
        let (_, history) = app.get_page("/history", Some(&cookie)).await;
        assert!(history.contains("<html lang=\"es\""), "{history}");
        assert!(history.contains(&app::tr!(es, "by-reply-text", word = "STOP")), "{history}");
        assert!(history.contains(&app::tr!(es, "change-never-text")), "{history}");
    }
}

/// The `mailto:` address of a fresh contact's unsubscribe link for offers.
async fn unsubscribe_address(api: &Api<'_>, reference: &str) -> String {
    api.contact(reference).await;
    let answer = api.decide(reference, "offers", "email", "marketing").await;
    let list = answer["headers"]["List-Unsubscribe"].as_str().unwrap();
    list.split("<mailto:")
        .nth(1)
        .and_then(|r| r.split('?').next())
        .unwrap()
        .to_owned()
}

async fn post_mail(app: &TestApp, raw: String) -> (u16, String) {
    let res = app
        .client
        .post(app.url("/inbound/mail"))
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

both_backends! {
    async fn an_unsubscribe_mail_naming_our_address_twice_counts_it_once_by_webhook_and_by_smtp(db) {
        let app = spawn_app_with(db, &[("ATTUNE_INBOUND_MAIL_DOMAIN", MAIL_DOMAIN), ("ATTUNE_SMTP_LISTEN", "127.0.0.1:0")]).await;
        let api = Api::new(&app).await;
        let hooked = unsubscribe_address(&api, "c-twice-hook").await;
        let mailed = unsubscribe_address(&api, "c-twice-smtp").await;
        let shouted = hooked.replace(MAIL_DOMAIN, &MAIL_DOMAIN.to_ascii_uppercase());
        let ledger = count(&app.store, "ledger").await;

        let (status, applied) = post_mail(&app, format!("From: a@example.com\r\nTo: {hooked}\r\nCc: <{shouted}>\r\nDelivered-To: {hooked}\r\nSubject: unsubscribe\r\n\r\nstop\r\n")).await;

        assert_eq!((status, applied.as_str()), (200, r#"{"applied":1}"#));
        assert_eq!(count(&app.store, "ledger").await, ledger + 1, "one change");

        // Over SMTP the same recipient 21 times is one recipient, within the cap of 20.
        let port = app.smtp_port.unwrap();
        let message = format!("From: b@example.com\r\nTo: {mailed}\r\nSubject: unsubscribe\r\n\r\nstop\r\n");
        let steps = json!([{"to": vec![mailed.clone(); 21], "message": message}]);
        let sent = tokio::task::spawn_blocking(move || smtp_session(port, steps)).await.unwrap();

        assert_eq!(sent[1], json!({"rcpt": vec![250; 21], "data": 250}));
        assert_eq!(count(&app.store, "ledger").await, ledger + 2, "one change more");
        assert_eq!(api.decide("c-twice-smtp", "offers", "email", "marketing").await["decision"], "deny");
    }
}

both_backends! {
    async fn a_mail_to_more_than_20_of_our_addresses_by_webhook_is_refused_and_changes_nothing(db) {
        let app = spawn_app_with(db, &[("ATTUNE_INBOUND_MAIL_DOMAIN", MAIL_DOMAIN)]).await;
        let api = Api::new(&app).await;
        let mut addresses = Vec::new();
        for n in 0..21 {
            addresses.push(unsubscribe_address(&api, &format!("c-many-{n}")).await);
        }
        let to_all = |addresses: &[String]| format!("From: a@example.com\r\nTo: {}\r\nSubject: unsubscribe\r\n\r\nstop\r\n", addresses.join(", "));
        let ledger = count(&app.store, "ledger").await;

        let (status, refused) = post_mail(&app, to_all(&addresses)).await;

        assert_eq!(status, 422, "{refused}");
        assert!(refused.contains("more than 20") && refused.contains("nothing was changed"), "{refused}");
        assert_eq!(count(&app.store, "ledger").await, ledger);
        assert_eq!(api.reason("c-many-0", "offers", "email", "marketing").await, "allowed");

        let (status, applied) = post_mail(&app, to_all(&addresses[..20])).await;
        assert_eq!((status, applied.as_str()), (200, r#"{"applied":20}"#), "20 are within the cap");
        assert_eq!(api.decide("c-many-0", "offers", "email", "marketing").await["decision"], "deny");
    }
}
