//! The three edges — the customer page, the staff console and the sender API — refuse the same
//! bad values with the same rule and the same words, and change nothing when they do.

use serde_json::json;
use server::staff::users::Role;

use crate::{
    customer::sign_in,
    helpers::{count, spawn_app},
    sender_api::Api,
    staff::{login, post_pairs, staff_user},
};

const TOO_LONG_A_PAUSE: &str = "A pause can last at most two years.";
const TOO_HIGH_A_CAP: &str = "5000 is not a weekly cap: give a number of messages from 0 to 1000.";
const UNKNOWN_LANGUAGE: &str = "\"xx\" is not a language we offer";
const UNKNOWN_TIME_ZONE: &str = "\"Mars/Olympus\" is not a time zone like Europe/Paris.";

both_backends! {
    async fn page_console_and_api_refuse_a_long_pause_a_huge_cap_an_unknown_language_and_time_zone_alike(db) {
        let app = spawn_app(db).await;
        let base = url::Url::parse("http://127.0.0.1:3000").unwrap();
        let link = server::demo::seed(&app.store, &base).await.unwrap();
        let api = Api::new(&app).await;
        let customer = sign_in(&app, link.rsplit('/').next().unwrap()).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let agent = login(&app, "agent@staff.example").await;
        let in_three_years = jiff::Zoned::now().date().checked_add(jiff::Span::new().years(3)).unwrap();
        let ledger = count(&app.store, "ledger").await;

        // The customer page (no JavaScript: the form posts, the page says what went wrong).
        let page_says = |res: reqwest::Response| {
            let location = res.headers()["location"].to_str().unwrap().to_owned();
            let (app, customer) = (&app, &customer);
            async move { app.get_page(&location, Some(customer)).await.1 }
        };
        let pause = app.post_form_from("/preferences", "/sf/save_global", Some(&customer),
            &[("pause", "until"), ("pause_until", &in_three_years.to_string())]).await;
        let language = app.post_form_from("/preferences", "/sf/save_details", Some(&customer),
            &[("email", "ann.demo@example.com"), ("time_zone", "Europe/Paris"), ("locale", "xx")]).await;
        let zone = app.post_form_from("/preferences", "/sf/save_details", Some(&customer),
            &[("email", "ann.demo@example.com"), ("time_zone", "Mars/Olympus"), ("locale", "fr")]).await;
        let page = [page_says(pause).await, page_says(language).await, page_says(zone).await];

        // The staff console.
        let global = |pause: &str, until: String, cap: &str| vec![
            ("pause", pause.to_owned()), ("pause_until", until), ("weekly_cap", cap.to_owned()),
            ("reason", "Customer asked on the phone".to_owned()),
        ];
        let details = |locale: &str, tz: &str| vec![
            ("email", "ann.demo@example.com".to_owned()), ("phone", "+15555550123".to_owned()),
            ("locale", locale.to_owned()), ("time_zone", tz.to_owned()), ("reason", "Moved".to_owned()),
        ];
        let mut console = Vec::new();
        for (path, form) in [
            ("global", global("until", in_three_years.to_string(), "")),
            ("global", global("keep", String::new(), "5000")),
            ("details", details("xx", "Europe/Paris")),
            ("details", details("fr", "Mars/Olympus")),
        ] {
            let res = post_pairs(&app, &format!("/staff/contacts/demo-ann/{path}"), &agent, &form).await;
            console.push((res.status().as_u16(), res.text().await.unwrap()));
        }

        // The sender API.
        let pause_end = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365 * 3);
        let api_answers = [
            api.patch("/contacts/demo-ann/preferences", json!({"reason": "asked", "global": {"paused_until": pause_end.to_string()}})).await,
            api.patch("/contacts/demo-ann/preferences", json!({"reason": "asked", "global": {"weekly_cap": 5000}})).await,
            api.put("/contacts/demo-ann", json!({"locale": "xx"})).await,
            api.put("/contacts/demo-ann", json!({"time_zone": "Mars/Olympus"})).await,
        ];

        assert!(page[0].contains(TOO_LONG_A_PAUSE), "{}", page[0]);
        assert!(page[1].contains(UNKNOWN_LANGUAGE), "{}", page[1]);
        assert!(page[2].contains(UNKNOWN_TIME_ZONE), "{}", page[2]);
        for ((status, body), words) in console.iter().zip([TOO_LONG_A_PAUSE, TOO_HIGH_A_CAP, UNKNOWN_LANGUAGE, UNKNOWN_TIME_ZONE]) {
            assert_eq!(*status, 422, "{body}");
            assert!(body.contains(&words.replace('"', "&quot;")) || body.contains(words), "{words} not in {body}");
        }
        let api_words = ["a pause can last at most two years", "5000 is not a weekly cap", UNKNOWN_LANGUAGE, "\"Mars/Olympus\" is not a time zone"];
        for ((status, problem), words) in api_answers.iter().zip(api_words) {
            assert_eq!(*status, 422, "{problem}");
            assert!(problem["detail"].as_str().unwrap_or_default().contains(words), "{words} not in {problem}");
        }
        assert_eq!(count(&app.store, "ledger").await, ledger, "nothing changed anywhere");
    }
}
