//! Staff sign-in answers every address on one schedule, and a guesser's failures make only
//! their own client wait (DESIGN §9). On both backends.

use server::staff::users::Role;

use crate::{
    helpers::TestApp,
    staff::{staff_user, PASSWORD},
};

/// A sign-in from `ip`, as a trusted proxy forwards it.
async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/staff/login"))
        .header("accept", "text/html")
        .header("sec-fetch-site", "same-origin")
        .header("referer", app.url("/"))
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Time passing for every sign-in record: rate-limit rows and (before they were per client)
/// account locks.
async fn let_time_pass(app: &TestApp, ms: i64) {
    sqlx::query("UPDATE rate_limits SET window_start = window_start - $1")
        .bind(ms)
        .execute(app.store.writer())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE staff_users SET locked_until = locked_until - $1 WHERE locked_until IS NOT NULL",
    )
    .bind(ms)
    .execute(app.store.writer())
    .await
    .unwrap();
}

both_backends! {
    async fn staff_sign_in_answers_an_unknown_address_exactly_as_a_known_one(db) {
        let app = crate::helpers::spawn_app_with(db, &[("ATTUNE_TRUSTED_PROXIES", "127.0.0.1/32, ::1"), ("ATTUNE_SIGN_IN_LIMIT_PER_IP", "9")]).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let mut answers = Vec::new();
        for (ip, email) in [("203.0.113.1", "agent@staff.example"), ("203.0.113.2", "nobody@staff.example")] {
            let mut seen = Vec::new();
            for attempt in 1..=10 {
                if attempt == 7 {
                    // The first wait is over: the next failure waits twice as long.
                    let_time_pass(&app, 61_000).await;
                }
                let res = login_from(&app, ip, email, "whatever whatever").await;
                let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
                let status = res.status().as_u16();
                seen.push((status, retry, res.text().await.unwrap().replace(email, "X")));
            }
            answers.push(seen);
        }

        // Same statuses, waits and pages: the schedule does not tell which addresses have accounts.
        assert_eq!(answers[0], answers[1]);
        let schedule: Vec<_> = answers[0].iter().map(|(s, r, _)| (*s, r.clone())).collect();
        let wait = |s: &str| (429, Some(s.to_owned()));
        assert_eq!(schedule, [(401, None), (401, None), (401, None), (401, None), (401, None), wait("60"),
            (401, None), wait("120"), wait("120"), wait("900")]);
        assert!(answers[0][7].2.contains("Please wait 2 minutes"));
        assert!(answers[0][9].2.contains("wait 15 minutes"), "past the client's limit");
    }
}

both_backends! {
    async fn failed_staff_sign_ins_from_one_client_do_not_lock_the_user_out_elsewhere(db) {
        let app = crate::helpers::spawn_app_with(db, &[("ATTUNE_TRUSTED_PROXIES", "127.0.0.1/32, ::1")]).await;
        staff_user(&app, "agent@staff.example", Role::Agent).await;
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(login_from(&app, "198.51.100.66", "agent@staff.example", "guess guess guess").await.status().as_u16());
        }
        assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);

        let elsewhere = login_from(&app, "203.0.113.5", "agent@staff.example", PASSWORD).await;
        let guesser = login_from(&app, "198.51.100.66", "agent@staff.example", PASSWORD).await;

        assert_eq!(elsewhere.status(), 303, "the real user, from their own client, signs in");
        assert!(elsewhere.headers()["set-cookie"].to_str().unwrap().starts_with("attune_staff="));
        assert_eq!(guesser.status(), 429, "the guessing client still waits, right password or not");
    }
}
