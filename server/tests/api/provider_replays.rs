//! Whoever captured one signed provider webhook gets no second effect from it (DESIGN §9): the
//! message id is required, kept, and the parameters must be exactly Twilio's. On both backends.

use server::inbound::twilio;

use crate::{
    helpers::{count, spawn_app_with, TestApp},
    replies::{sid, two_records, ACCOUNT, BASE, PHONE, TOKEN},
};

const SMS: &str = "/inbound/sms/twilio";
const VOICE: &str = "/inbound/voice/twilio";

async fn app(db: crate::helpers::Db) -> TestApp {
    spawn_app_with(
        db,
        &[
            ("ATTUNE_SMS_AUTH_TOKEN", TOKEN),
            ("ATTUNE_SMS_ACCOUNT_SID", ACCOUNT),
        ],
    )
    .await
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Every parameter Twilio posts for a text to one of our numbers, as a real delivery has them.
fn full_text(from: &str, message: &str, body: &str) -> Vec<(String, String)> {
    owned(&[
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", message),
        ("NumMedia", "0"),
        ("ToCity", "SAN FRANCISCO"),
        ("FromZip", "94105"),
        ("SmsSid", message),
        ("FromState", "CA"),
        ("SmsStatus", "received"),
        ("FromCity", "SAN FRANCISCO"),
        ("Body", body),
        ("FromCountry", "US"),
        ("To", "+15550009999"),
        ("MessagingServiceSid", &sid("MG", 7)),
        ("ToZip", "94105"),
        ("NumSegments", "1"),
        ("ReferralNumMedia", "0"),
        ("OptOutType", "STOP"),
        ("MessageSid", message),
        ("AccountSid", ACCOUNT),
        ("From", from),
        ("ApiVersion", "2010-04-01"),
    ])
}

/// Posts `params` with `signature` (a captured one, or their own), returning status and body.
async fn post(
    app: &TestApp,
    path: &str,
    params: &[(String, String)],
    signature: &str,
) -> (u16, String) {
    let res = app
        .client
        .post(app.url(path))
        .header("x-twilio-signature", signature)
        .form(params)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn signed(app: &TestApp, path: &str, params: &[(String, String)]) -> (u16, String) {
    let signature = twilio::sign(TOKEN, &format!("{BASE}{path}"), params);
    post(app, path, params, &signature).await
}

both_backends! {
    async fn a_full_twilio_delivery_with_every_parameter_it_sends_still_opts_out_once(db) {
        let app = app(db).await;
        let api = two_records(&app).await;
        let stop = full_text(PHONE, &sid("SM", 1), "Stop");
        let ledger = count(&app.store, "ledger").await;

        let (status, answer) = signed(&app, SMS, &stop).await;
        let (again, _) = signed(&app, SMS, &stop).await;

        assert_eq!((status, again), (200, 200), "{answer}");
        assert!(answer.contains("no more texts"), "{answer}");
        assert_eq!(count(&app.store, "ledger").await, ledger + 2, "one row per record, once");
        assert_eq!(api.reason("appt-5", "service-follow-ups", "sms", "informational").await, "address_opted_out");

        let call = owned(&[
            ("AccountSid", ACCOUNT), ("ApiVersion", "2010-04-01"), ("CallSid", &sid("CA", 1)),
            ("CallStatus", "in-progress"), ("Called", PHONE), ("CalledCity", "SAN FRANCISCO"),
            ("CalledCountry", "US"), ("CalledState", "CA"), ("CalledZip", "94105"), ("Caller", "+15550009999"),
            ("CallerCity", ""), ("CallerCountry", "US"), ("CallerState", "CA"), ("CallerZip", ""),
            ("Digits", "9"), ("Direction", "outbound-api"), ("FinishedOnKey", ""), ("From", "+15550009999"),
            ("FromCity", ""), ("FromCountry", "US"), ("FromState", "CA"), ("FromZip", ""), ("To", PHONE),
            ("ToCity", "SAN FRANCISCO"), ("ToCountry", "US"), ("ToState", "CA"), ("ToZip", "94105"), ("msg", "Gather End"),
        ]);
        let (status, answer) = signed(&app, VOICE, &call).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(api.reason("appt-5", "service-follow-ups", "voice", "informational").await, "address_opted_out");
    }
}

both_backends! {
    async fn a_captured_twilio_text_cut_again_to_look_new_is_refused_and_changes_nothing(db) {
        let app = app(db).await;
        let api = two_records(&app).await;
        let sms = || api.reason("appt-5", "service-follow-ups", "sms", "informational");
        let url = format!("{BASE}{SMS}");
        // The person texts STOP, then START: texts are on again, and the STOP was captured.
        let stop = full_text(PHONE, &sid("SM", 1), "STOP");
        signed(&app, SMS, &stop).await;
        signed(&app, SMS, &full_text(PHONE, &sid("SM", 2), "START")).await;
        assert_eq!(sms().await, "allowed");
        let ledger = count(&app.store, "ledger").await;
        let captured = twilio::sign(TOKEN, &url, &stop);

        // 1. The id swallows the parameter after it (`MessageSid=SM…MessagingServiceSidMG…`).
        let next = format!("MessagingServiceSid{}", sid("MG", 7));
        let mut grown: Vec<(String, String)> = stop.iter().filter(|(k, _)| k != "MessagingServiceSid").cloned().collect();
        for (k, v) in grown.iter_mut() {
            if k == "MessageSid" { v.push_str(&next); }
        }
        // 2. The id's last digit folded into the next name (`MessageSid=SM…0` + `fTo=+1…`).
        let short = [("AccountSid", ACCOUNT), ("Body", "STOP"), ("From", PHONE), ("MessageSid", &sid("SM", 15)), ("To", "+15550009999")];
        let short_sig = twilio::sign(TOKEN, &url, &owned(&short));
        let cut = &sid("SM", 15)[..33];
        let folded = owned(&[("AccountSid", ACCOUNT), ("Body", "STOP"), ("From", PHONE), ("MessageSid", cut), ("fTo", "+15550009999")]);
        // 3. Someone texts us a body that reads as the rest of a delivery, then cuts it again
        //    into a STOP from the person's number with an id of their choosing.
        let body = format!("STOPFrom{PHONE}MessageSid{}ToZip", sid("SM", 99));
        let theirs = full_text("+15550003333", &sid("SM", 3), &body);
        let (own, _) = signed(&app, SMS, &theirs).await;
        let theirs_sig = twilio::sign(TOKEN, &url, &theirs);
        let mut sorted = theirs.clone();
        sorted.sort();
        let signed_text: String = sorted.iter().map(|(k, v)| format!("{k}{v}")).collect();
        let rest = signed_text.split_once("ToZip").unwrap().1.to_owned();
        let recut = owned(&[("AccountSid", ACCOUNT), ("ApiVersion", "2010-04-01"), ("Body", "STOP"), ("From", PHONE),
            ("MessageSid", &sid("SM", 99)), ("ToZip", &rest)]);
        let recut_text: String = { let mut r = recut.clone(); r.sort(); r.iter().map(|(k, v)| format!("{k}{v}")).collect() };
        assert_eq!(recut_text, signed_text, "the re-cut signs as the delivery it came from");

        let grown_at = post(&app, SMS, &grown, &captured).await;
        let folded_at = post(&app, SMS, &folded, &short_sig).await;
        let recut_at = post(&app, SMS, &recut, &theirs_sig).await;
        let replayed = post(&app, SMS, &stop, &captured).await;

        assert_eq!(own, 200, "their own text is not a keyword and changes nothing");
        assert_eq!((grown_at.0, folded_at.0, recut_at.0), (400, 400, 400), "{grown_at:?} {folded_at:?} {recut_at:?}");
        assert!(grown_at.1.contains("MessageSid is not in the provider's form") && grown_at.1.contains("nothing was changed"), "{}", grown_at.1);
        assert!(folded_at.1.contains("MessageSid is not in the provider's form"), "{}", folded_at.1);
        assert!(recut_at.1.contains("ToZip"), "{}", recut_at.1);
        assert_eq!(replayed.0, 200, "the same delivery again is answered and changes nothing twice");
        assert_eq!(count(&app.store, "ledger").await, ledger);
        assert_eq!(sms().await, "allowed");
    }
}

both_backends! {
    async fn a_twilio_delivery_without_its_id_repeating_a_name_or_for_another_account_changes_nothing(db) {
        let app = app(db).await;
        let api = two_records(&app).await;
        let ledger = count(&app.store, "ledger").await;
        let without = |name: &str| -> Vec<(String, String)> {
            full_text(PHONE, &sid("SM", 4), "STOP").into_iter().filter(|(k, _)| k != name).collect()
        };
        let with = |name: &str, value: &str| -> Vec<(String, String)> {
            let mut p = without(name);
            p.push((name.to_owned(), value.to_owned()));
            p
        };
        let mut twice = full_text(PHONE, &sid("SM", 5), "STOP");
        twice.push(("From".to_owned(), "+15550004444".to_owned()));

        let no_id = signed(&app, SMS, &without("MessageSid")).await;
        let short_id = signed(&app, SMS, &with("MessageSid", "SM1")).await;
        let other_account = signed(&app, SMS, &with("AccountSid", &sid("AC", 9))).await;
        let no_account = signed(&app, SMS, &without("AccountSid")).await;
        let repeated = signed(&app, SMS, &twice).await;
        let call = signed(&app, VOICE, &owned(&[("AccountSid", ACCOUNT), ("To", PHONE), ("Digits", "9")])).await;

        assert_eq!((no_id.0, short_id.0, repeated.0, call.0), (400, 400, 400, 400), "{no_id:?} {short_id:?} {repeated:?} {call:?}");
        assert!(no_id.1.contains("no MessageSid or CallSid"), "{}", no_id.1);
        assert!(repeated.1.contains("\"From\" is given twice"), "{}", repeated.1);
        assert_eq!((other_account.0, no_account.0), (403, 403));
        assert!(other_account.1.contains("not for this account"), "{}", other_account.1);
        assert_eq!(count(&app.store, "ledger").await, ledger);
        assert_eq!(count(&app.store, "address_choices").await, 0);
        assert_eq!(api.reason("appt-5", "service-follow-ups", "sms", "informational").await, "allowed");
        assert_eq!(api.reason("appt-5", "service-follow-ups", "voice", "informational").await, "allowed");
    }
}

both_backends! {
    async fn handled_twilio_ids_are_kept_past_a_year_and_timestamped_ones_are_purged_after_a_month(db) {
        // The store alone: the app's own purge task must not run in between.
        let (store, _db) = crate::helpers::fresh_store(db).await;
        let day = 24 * 3600 * 1000_i64;
        let now = jiff::Timestamp::now().as_millisecond();
        for (id, age) in [(format!("twilio-sms:{}", sid("SM", 1)), 400 * day), (format!("twilio-voice:{}", sid("CA", 1)), 400 * day), ("sms:msg_1".to_owned(), 40 * day)] {
            sqlx::query("INSERT INTO inbound_messages (id, received_at) VALUES ($1, $2)")
                .bind(id).bind(now - age).execute(store.writer()).await.unwrap();
        }

        let purged = store.purge_expired().await.unwrap();

        assert_eq!(purged.inbound_messages, 1);
        assert!(store.inbound_seen(&format!("twilio-sms:{}", sid("SM", 1))).await.unwrap(), "a captured text verifies for as long as the token does");
        assert!(store.inbound_seen(&format!("twilio-voice:{}", sid("CA", 1))).await.unwrap());
        assert!(!store.inbound_seen("sms:msg_1").await.unwrap(), "a timestamped delivery that old is refused anyway");
    }
}
