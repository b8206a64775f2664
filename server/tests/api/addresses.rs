//! One address, however it is written (issue 27): phone numbers by libphonenumber's rules,
//! email domains by IDNA, and letter case folded by one rule, Rust's, in the database too.

use serde_json::json;

use crate::{
    customer::seed,
    helpers::spawn_app_with,
    replies::{provider_post, sid, ACCOUNT, TOKEN},
    sender_api::Api,
};

both_backends! {
    async fn a_stop_reaches_a_record_whose_number_was_written_with_its_trunk_prefix(db) {
        let app = spawn_app_with(db, &[("ATTUNE_SMS_AUTH_TOKEN", TOKEN), ("ATTUNE_SMS_ACCOUNT_SID", ACCOUNT)]).await;
        let api = Api::new(&app).await;
        // One system wrote the UK number as people say it, the other as E.164.
        for (reference, phone) in [("crm-uk", "+44 07700 900123"), ("appt-uk", "+447700900123")] {
            let (status, body) = api.put(&format!("/contacts/{reference}"), json!({"phone": phone, "phone_verified": true, "time_zone": "UTC"})).await;
            assert_eq!(status, 201, "{body}");
            assert_eq!(body["phone"], "+447700900123", "one form for the number: {body}");
            api.change(reference, json!({"reason": "signed up", "consent": {"source": "form", "text": "Text me", "at": "2026-11-20T10:00:00Z"},
                "preferences": [{"topic": "service-follow-ups", "subscribed": true, "channels": ["sms"]}]})).await;
        }
        assert_eq!(api.reason("crm-uk", "service-follow-ups", "sms", "informational").await, "allowed");

        let message = sid("SM", 44);
        let (status, answer) = provider_post(&app, "/inbound/sms/twilio", TOKEN, &[
            ("AccountSid", ACCOUNT), ("From", "+447700900123"), ("To", "+15550009999"), ("Body", "STOP"), ("MessageSid", &message),
        ]).await;

        assert_eq!(status, 200, "{answer}");
        assert_eq!(api.reason("crm-uk", "service-follow-ups", "sms", "informational").await, "address_opted_out");
        assert_eq!(api.reason("appt-uk", "service-follow-ups", "sms", "informational").await, "address_opted_out");
    }
}

both_backends! {
    async fn an_email_domain_written_in_punycode_or_capitals_is_stored_in_one_form(db) {
        let app = spawn_app_with(db, &[]).await;
        let api = Api::new(&app).await;
        let (status, body) = api.put("/contacts/c-1", json!({"email": "ann@xn--bcher-kva.example", "time_zone": "UTC"})).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["email"], "ann@bücher.example");
        let (status, body) = api.put("/contacts/c-2", json!({"email": "ann@BÜCHER.example", "time_zone": "UTC"})).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["email"], "ann@bücher.example");
        let (status, body) = api.put("/contacts/c-3", json!({"email": "ann@bad_domain.example", "time_zone": "UTC"})).await;
        assert_eq!(status, 422, "{body}");
    }
}

both_backends! {
    async fn a_sign_in_by_an_address_in_other_capitals_beyond_ascii_reaches_its_record(db) {
        let app = spawn_app_with(db, &[]).await;
        seed(&app).await;
        let api = Api::new(&app).await;
        let (status, body) = api.put("/contacts/asa-1", json!({"email": "ÅSA.ÖBERG@example.com", "email_verified": true, "time_zone": "UTC"})).await;
        assert_eq!(status, 201, "{body}");

        let asked = app.post_form("/sf/request_sign_in", None, &[("email", "åsa.öberg@example.com")]).await;

        assert!(asked.status().is_redirection(), "{}", asked.status());
        let mails = app.wait_for_mails(1).await;
        assert!(mails[0].contains("/auth/"), "the record's sign-in link went out: {}", mails[0]);
    }
}
