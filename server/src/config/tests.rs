use super::*;
use std::collections::HashMap;

fn with_env(vars: &[(&str, &str)], file: &str) -> anyhow::Result<Config> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let file: toml::Table = file.parse()?;
    Config::resolve(file, |k| map.get(k).cloned())
}

#[test]
fn mail_comes_from_the_organisation_unless_attune_mail_from_says_otherwise() {
    let shop = with_env(
        &[
            ("ATTUNE_BASE_URL", "https://prefs.shop.example"),
            ("ATTUNE_ORG_NAME", "Example Shop"),
        ],
        "",
    )
    .unwrap();
    assert_eq!(
        shop.mail_from.to_string(),
        "Example Shop <no-reply@prefs.shop.example>"
    );
    let given = with_env(&[("ATTUNE_MAIL_FROM", "Shop News <news@shop.example>")], "").unwrap();
    assert_eq!(given.mail_from.email.to_string(), "news@shop.example");
    let err = with_env(&[("ATTUNE_MAIL_FROM", "not an address")], "").unwrap_err();
    assert!(err.to_string().contains("ATTUNE_MAIL_FROM"), "{err}");
}

#[test]
fn a_plain_http_base_url_off_this_machine_is_refused_with_a_reason() {
    for ok in [
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://[::1]:3000",
        "https://prefs.example.com",
    ] {
        assert!(
            with_env(&[("ATTUNE_BASE_URL", ok)], "").is_ok(),
            "{ok} is refused"
        );
    }
    let err = with_env(&[("ATTUNE_BASE_URL", "http://prefs.example.com")], "")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ATTUNE_BASE_URL") && err.contains("https://"),
        "{err}"
    );
    assert!(with_env(&[], "base_url = \"http://10.0.0.5:3000\"").is_err());
}

#[test]
fn defaults_work_on_a_laptop() {
    let c = with_env(&[], "").unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
    assert_eq!(c.base_url.as_str(), "http://127.0.0.1:3000/");
    assert_eq!(c.database_url, "sqlite://./data/attune.db?mode=rwc");
    assert_eq!(c.mail_url, "file://./data/mail");
    assert!(!c.webhook_allow_private);
    assert!(c.is_plain_http_localhost());
    let total: std::time::Duration = c.webhook_retry_schedule.iter().sum();
    assert_eq!(c.webhook_retry_schedule.len(), 9, "ten attempts in all");
    assert!(
        (48..=72).contains(&(total.as_secs() / 3600)),
        "retries span about three days, not {total:?}"
    );
    let mail: std::time::Duration = c.mail_retry_schedule.iter().sum();
    assert!(
        (20..=26).contains(&(mail.as_secs() / 3600)),
        "mail is tried for about a day, not {mail:?}"
    );
}

#[test]
fn environment_variables_override_the_file() {
    let c = with_env(
        &[
            ("ATTUNE_LISTEN", "0.0.0.0:8080"),
            ("ATTUNE_DATA_DIR", "/var/lib/attune"),
        ],
        "listen = \"127.0.0.1:9999\"\nbase_url = \"https://prefs.example.com\"",
    )
    .unwrap();
    assert_eq!(c.listen.to_string(), "0.0.0.0:8080");
    assert_eq!(c.origin(), "https://prefs.example.com");
    assert_eq!(c.mail_url, "file:///var/lib/attune/mail");
    assert!(!c.is_plain_http_localhost());
}

#[test]
fn bad_values_are_refused_with_the_variable_named() {
    let e = with_env(&[("ATTUNE_LISTEN", "port 80")], "").unwrap_err();
    assert!(e.to_string().contains("ATTUNE_LISTEN"), "{e}");
    let e = with_env(&[("DATABASE_URL", "mysql://x")], "").unwrap_err();
    assert!(e.to_string().contains("DATABASE_URL"), "{e}");
    let e = with_env(&[("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "maybe")], "").unwrap_err();
    assert!(
        e.to_string().contains("ATTUNE_WEBHOOK_ALLOW_PRIVATE"),
        "{e}"
    );
    let e = with_env(&[("ATTUNE_MAIL_RETRY_SCHEDULE", "5s,,1m")], "").unwrap_err();
    assert!(e.to_string().contains("ATTUNE_MAIL_RETRY_SCHEDULE"), "{e}");
    let e = with_env(&[("ATTUNE_WEBHOOK_RETRY_SCHEDULE", "5s,soon")], "").unwrap_err();
    assert!(
        e.to_string().contains("ATTUNE_WEBHOOK_RETRY_SCHEDULE"),
        "{e}"
    );
    assert!(
        with_env(&[], "lisen = \"x\"").is_err(),
        "unknown keys in attune.toml are refused"
    );
}

#[test]
fn a_short_sms_auth_token_is_refused_at_start_without_showing_it() {
    let e = with_env(&[("ATTUNE_SMS_AUTH_TOKEN", "hunter2-secret")], "").unwrap_err();

    assert!(e.to_string().contains("ATTUNE_SMS_AUTH_TOKEN"), "{e}");
    assert!(e.to_string().contains("16"), "{e}");
    assert!(
        !e.to_string().contains("hunter2"),
        "the secret is not shown: {e}"
    );
    let twilio_like = "0123456789abcdef0123456789abcdef";
    let c = with_env(&[("ATTUNE_SMS_AUTH_TOKEN", twilio_like)], "").unwrap();
    assert_eq!(c.sms_auth_token.as_deref(), Some(twilio_like));
}

#[test]
fn the_sms_account_sid_must_be_a_twilio_account_sid() {
    let token = ("ATTUNE_SMS_AUTH_TOKEN", "0123456789abcdef0123456789abcdef");
    let sid = "AC0123456789abcdef0123456789abcdef";

    let c = with_env(&[token, ("ATTUNE_SMS_ACCOUNT_SID", sid)], "").unwrap();
    assert_eq!(c.sms_account_sid.as_deref(), Some(sid));
    for bad in [
        "AC123",
        "SM0123456789abcdef0123456789abcdef",
        "AC0123456789abcdef0123456789abcdeg",
    ] {
        let e = with_env(&[token, ("ATTUNE_SMS_ACCOUNT_SID", bad)], "").unwrap_err();
        assert!(
            e.to_string().contains("ATTUNE_SMS_ACCOUNT_SID"),
            "{bad}: {e}"
        );
    }
    let e = with_env(&[("ATTUNE_SMS_ACCOUNT_SID", sid)], "").unwrap_err();
    assert!(
        e.to_string().contains("ATTUNE_SMS_AUTH_TOKEN"),
        "an account needs its token: {e}"
    );
    assert_eq!(with_env(&[token], "").unwrap().sms_account_sid, None);
}

#[test]
fn the_file_takes_every_setting_by_its_name_in_lower_case_and_refuses_others() {
    let c = with_env(
        &[("ATTUNE_LISTEN", "127.0.0.1:4000")],
        "listen = \"127.0.0.1:5000\"\norg_name = \"Example Shop\"\nattune_group_commit = false\nheader_timeout = \"30s\"\nsign_in_limit_per_ip = 5",
    )
    .unwrap();
    assert_eq!(
        c.listen.to_string(),
        "127.0.0.1:4000",
        "the environment wins"
    );
    assert_eq!(c.org_name, "Example Shop");
    assert!(!c.group_commit);
    assert_eq!(c.header_timeout, std::time::Duration::from_secs(30));
    assert_eq!(c.sign_in_limit_per_ip, 5);
    assert_eq!(c.given.source("ATTUNE_LISTEN"), Source::Environment);
    assert_eq!(c.given.source("ATTUNE_ORG_NAME"), Source::File);
    assert_eq!(c.given.source("ATTUNE_DATA_DIR"), Source::Default);
    let err = with_env(&[], "colour = \"blue\"").unwrap_err().to_string();
    assert!(err.contains("\"colour\" is not a setting"), "{err}");
}

#[test]
fn a_secret_may_come_from_the_file_named_by_its_file_variable_and_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "0123456789abcdef0123456789abcdef\n").unwrap();
    let db = dir.path().join("db");
    std::fs::write(&db, "postgres://attune:hunter2@db.internal/attune").unwrap();
    let token_file = token.display().to_string();
    let db_file = db.display().to_string();
    let c = with_env(
        &[
            ("ATTUNE_SMS_AUTH_TOKEN_FILE", &token_file),
            ("DATABASE_URL_FILE", &db_file),
        ],
        "",
    )
    .unwrap();
    assert_eq!(
        c.sms_auth_token.as_deref(),
        Some("0123456789abcdef0123456789abcdef")
    );
    assert_eq!(
        c.database_url,
        "postgres://attune:hunter2@db.internal/attune"
    );
    let printed = format!("{:?}", c.describe());
    assert!(
        !printed.contains("hunter2") && !printed.contains("0123456789abcdef"),
        "{printed}"
    );
    assert!(
        printed.contains("postgres://attune:****@db.internal/attune"),
        "{printed}"
    );
    assert_eq!(c.given.source("DATABASE_URL"), Source::SecretFile);
    let missing = with_env(&[("DATABASE_URL_FILE", "/nonexistent/secret")], "").unwrap_err();
    assert!(
        format!("{missing:#}").contains("DATABASE_URL_FILE"),
        "{missing:#}"
    );
}
