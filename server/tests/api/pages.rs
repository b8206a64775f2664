//! The site over HTTP: the first page, operations endpoints and request guards.

use crate::{
    customer::seed,
    helpers::{spawn_app, spawn_app_with, TestApp},
};

/// The organisation named in the tests of branding: an ampersand, which HTML must escape.
const ORG: &str = "Example Shop & Co";
const ORG_IN_HTML: &str = "Example Shop &amp; Co";

async fn branded_app(db: crate::helpers::Db) -> TestApp {
    spawn_app_with(db, &[("ATTUNE_ORG_NAME", ORG)]).await
}

both_backends! {
    async fn the_start_page_is_server_rendered_with_the_sign_in_form_and_loads_no_script_file(db) {
        let app = spawn_app(db).await;

        let res = app.client.get(format!("{}/", app.address)).send().await.unwrap();

        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        let html = res.text().await.unwrap();
        assert!(html.contains("<title>127.0.0.1 — your message preferences</title>"), "without ATTUNE_ORG_NAME, the base URL's host names the site: {html}");
        assert!(html.contains(r#"name="email""#));
        assert!(html.contains("Email me a sign-in link"));
        assert!(!html.contains("/pkg/attune.js") && !html.contains("attune_bg.wasm") && !html.contains("attune.wasm"), "a page with no islands loads no script file: {html}");
    }
}

both_backends! {
    async fn the_front_end_is_served_as_compressed_at_build_time_when_the_browser_takes_it(db) {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let script = "console.log('attune');".repeat(40);
        std::fs::write(pkg.join("attune.js"), &script).unwrap();
        // Stands in for `brotli -q 11`: what matters is that these exact bytes are served.
        std::fs::write(pkg.join("attune.js.br"), b"built-at-q11").unwrap();
        std::fs::write(pkg.join("attune.css"), "body { margin: 0 }".repeat(40)).unwrap();
        // A copy made before its file was rebuilt would pair old code with new: it goes.
        std::fs::write(pkg.join("attune.css.br"), b"stale").unwrap();
        std::fs::File::options()
            .write(true)
            .open(pkg.join("attune.css.br"))
            .unwrap()
            .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
            .unwrap();
        let root = site.path().to_string_lossy().to_string();
        let app = spawn_app_with(db, &[("ATTUNE_SITE_ROOT", root.as_str())]).await;
        let get = |path: &str, encodings: &str| {
            app.client.get(app.url(path)).header("accept-encoding", encodings).send()
        };

        let br = get("/pkg/attune.js", "gzip, deflate, br").await.unwrap();
        assert_eq!(br.status(), 200);
        assert_eq!(br.headers()["content-encoding"], "br");
        assert!(br.headers()["content-type"].to_str().unwrap().contains("javascript"));
        assert_eq!(br.bytes().await.unwrap().as_ref(), b"built-at-q11");

        let plain = get("/pkg/attune.js", "identity").await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        assert_eq!(plain.text().await.unwrap(), script);

        // A file without a compressed copy (here: its stale one removed) is compressed on the fly.
        assert!(!pkg.join("attune.css.br").exists(), "the stale copy was removed");
        let css = get("/pkg/attune.css", "br").await.unwrap();
        assert_eq!(css.status(), 200);
        assert_eq!(css.headers()["content-encoding"], "br");
        let body = css.bytes().await.unwrap();
        assert!(body.len() < 100 && body.as_ref() != b"stale", "{body:?}");

        let missing = get("/pkg/nothing.js", "br").await.unwrap();
        assert_eq!(missing.status(), 404);
    }
}

both_backends! {
    async fn a_page_is_sent_brotli_compressed_to_a_browser_that_takes_it_and_reads_whole(db) {
        let app = spawn_app(db).await;
        let get = |encodings: &'static str| {
            app.client.get(app.url("/")).header("accept-encoding", encodings).send()
        };

        let br = get("br, gzip").await.unwrap();
        assert_eq!(br.status(), 200);
        assert_eq!(br.headers()["content-encoding"], "br");
        let compressed = br.bytes().await.unwrap();
        let mut html = String::new();
        std::io::Read::read_to_string(
            &mut brotli_decompressor::Decompressor::new(compressed.as_ref(), 4096),
            &mut html,
        )
        .unwrap();
        let plain = get("identity").await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.text().await.unwrap();

        // The whole page, smaller on the wire (how much smaller depends on whether the built
        // stylesheet is inlined, so only that it is).
        assert!(html.contains(r#"name="email""#) && html.contains("</html>"), "{html}");
        assert!(compressed.len() < plain.len(), "{} of {} bytes", compressed.len(), plain.len());
    }
}

both_backends! {
    async fn unknown_pages_answer_404_with_a_way_back(db) {
        let app = spawn_app(db).await;

        let res = app.client.get(format!("{}/no/such/page", app.address)).send().await.unwrap();

        assert_eq!(res.status(), 404);
        assert!(res.text().await.unwrap().contains("Page not found"));
    }
}

both_backends! {
    async fn health_and_readiness_answer(db) {
        let app = spawn_app(db).await;

        let health = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
        let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(ready.status(), 200);
        let health: serde_json::Value = health.json().await.unwrap();
        assert_eq!(health, serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}));

        app.store.close().await;
        let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
        assert_eq!(ready.status(), 503, "not ready once the database is gone");
    }
}

both_backends! {
    async fn metrics_count_requests_by_route_and_status_without_tokens(db) {
        let app = spawn_app(db).await;
        app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
        app.client.get(format!("{}/auth/secret-token-123", app.address)).send().await.unwrap();

        let text = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();

        assert!(text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#), "{text}");
        assert!(text.contains("http_request_duration_seconds_bucket"), "latency is a histogram");
        assert!(!text.contains("secret-token-123"), "raw paths never become labels");
    }
}

both_backends! {
    async fn a_cross_site_post_to_a_server_function_is_refused(db) {
        let app = spawn_app(db).await;
        let url = format!("{}/sf/request_sign_in", app.address);
        let post = |headers: &[(&str, &str)]| {
            let mut req = app.client.post(&url).form(&[("email", "ann@example.com")]);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.send()
        };

        let cross_site = post(&[("sec-fetch-site", "cross-site"), ("accept", "text/html")]).await.unwrap();
        let foreign_origin = post(&[("origin", "https://evil.example"), ("accept", "text/html")]).await.unwrap();
        let same_origin = post(&[("sec-fetch-site", "same-origin"), ("accept", "text/html")]).await.unwrap();
        let own_origin = post(&[("origin", "http://127.0.0.1:3000"), ("accept", "text/html")]).await.unwrap();

        assert_eq!(cross_site.status(), 403);
        assert_eq!(foreign_origin.status(), 403);
        assert_eq!(same_origin.status(), 302);
        assert_eq!(same_origin.headers()["location"], "/?sign_in=requested");
        assert_eq!(own_origin.status(), 302);
    }
}

both_backends! {
    async fn a_mistyped_email_gets_a_clear_error_without_javascript(db) {
        let app = spawn_app(db).await;

        let res = app.client.post(format!("{}/sf/request_sign_in", app.address))
            .header("accept", "text/html")
            .header("referer", format!("{}/", app.address))
            .form(&[("email", "ann.example.com")])
            .send()
            .await
            .unwrap();

        assert_eq!(res.status(), 302);
        let back = res.headers()["location"].to_str().unwrap().to_owned();
        let page = app.client.get(&back).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("needs an @"), "the form shows what is wrong: {page}");
    }
}

both_backends! {
    async fn each_part_of_the_site_has_the_guards_it_needs_and_no_others(db) {
        let app = spawn_app(db).await;
        let get = |path: &'static str| {
            let app = &app;
            async move { app.client.get(app.url(path)).header("accept-language", "de").send().await.unwrap() }
        };
        let varies = |res: &reqwest::Response| {
            res.headers().get_all("vary").iter().any(|v| v.to_str().unwrap().contains("Accept-Language"))
        };

        // The customer's pages, the not-found page among them, speak the browser's language.
        let start = get("/").await;
        assert!(varies(&start), "{:?}", start.headers());
        let missing = get("/no-such-page").await;
        assert_eq!(missing.status(), 404);
        assert!(varies(&missing), "{:?}", missing.headers());
        assert!(missing.text().await.unwrap().contains("Seite nicht gefunden"));
        // The console, the API and the front end's files do not.
        for path in ["/staff/login", "/api/v1/openapi.json", "/healthz"] {
            let res = get(path).await;
            assert!(res.status().is_success(), "{path}: {}", res.status());
            assert!(!varies(&res), "{path}: {:?}", res.headers());
        }

        // Posts from another site: refused where a cookie could be abused, taken where other
        // sites post by design (a one-click unsubscribe, the API by its key).
        let cross = |path: &'static str| {
            let app = &app;
            async move { app.client.post(app.url(path)).header("sec-fetch-site", "cross-site").form(&[("a", "b")]).send().await.unwrap().status().as_u16() }
        };
        assert_eq!(cross("/sf/save_topic").await, 403);
        assert_eq!(cross("/language").await, 403);
        assert_eq!(cross("/staff/login").await, 403);
        assert_eq!(cross("/n/not-a-token").await, 403);
        assert_ne!(cross("/u/not-a-token").await, 403, "one-click unsubscribes come from mail providers");
        assert_eq!(cross("/api/v1/decisions").await, 401, "the API answers by its key, not by the sending site");
    }
}

both_backends! {
    async fn every_customer_page_is_branded_with_the_organisations_name_and_not_with_attune(db) {
        let app = branded_app(db).await;

        let (status, start) = app.get_page("/", None).await;
        let (missing, not_found) = app.get_page("/no/such/page", None).await;
        let (_, link) = app.get_page("/u/not-a-token", None).await;
        let (_, api_docs) = app.get_page("/api/docs", None).await;

        assert_eq!((status, missing), (200, 404));
        assert!(start.contains(&format!("<title>{ORG_IN_HTML} — your message preferences</title>")), "{start}");
        assert!(link.contains(&format!("— {ORG_IN_HTML}</title>")), "{link}");
        assert!(api_docs.contains(&format!("<title>Sender API — {ORG_IN_HTML}</title>")), "{api_docs}");
        for page in [&start, &not_found, &link, &api_docs] {
            assert!(page.contains(&format!(r#"<a href="/" class="brand">{ORG_IN_HTML}</a>"#)), "the header names the organisation: {page}");
            assert!(!page.contains("Attune") && !page.contains(ORG), "never Attune, never unescaped: {page}");
        }
        for page in [&start, &not_found, &link] {
            assert!(page.contains(&format!("{ORG_IN_HTML} keeps track of the messages you asked for")), "{page}");
        }
    }
}

both_backends! {
    async fn the_staff_console_is_the_organisations_console(db) {
        let app = branded_app(db).await;

        let (status, login) = app.get_page("/staff/login", None).await;

        assert_eq!(status, 200);
        assert!(login.contains(&format!("<title>Sign in — {ORG_IN_HTML} staff</title>")), "{login}");
        assert!(login.contains(&format!(r#"<a href="/staff" class="brand">{ORG_IN_HTML} staff</a>"#)), "{login}");
        assert!(!login.contains("Attune") && !login.contains(ORG), "{login}");
    }
}

both_backends! {
    async fn a_sign_in_mail_names_the_organisation_in_its_subject_and_signature(db) {
        let app = branded_app(db).await;
        seed(&app).await;

        app.post_form("/sf/request_sign_in", None, &[("email", "ann.demo@example.com")]).await;

        let raw = app.wait_for_mails(1).await.remove(0);
        let mail = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
        let text = mail.body_text(0).unwrap().replace("\r\n", "\n");
        let html = mail.body_html(0).unwrap();
        assert_eq!(mail.subject(), Some("Your sign-in link for Example Shop & Co"));
        assert!(text.contains("Kind regards,\nExample Shop & Co"), "the text is signed: {text}");
        assert!(html.contains(&format!("Kind regards,<br>{ORG_IN_HTML}</p>")), "the HTML is signed: {html}");
        assert!(!text.contains("Attune") && !html.contains("Attune"), "{text}");
    }
}
