//! The `attune` binary itself, run as a user would run it, on both backends.

use std::process::{Command, Stdio};

use crate::helpers::{fresh_db, Db};

pub(crate) fn attune(db_url: &str, data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attune"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("ATTUNE_DATA_DIR", data_dir)
        .env("ATTUNE_BASE_URL", "https://prefs.example.com")
        .env("ATTUNE_LOG", "warn")
        .current_dir(data_dir);
    cmd
}

both_backends! {
    async fn demo_prints_a_sign_in_link_alone_on_its_last_line_and_can_run_twice(db) {
        let test_db = fresh_db(db).await;

        let first = attune(&test_db.url, test_db.dir.path()).arg("demo").output().unwrap();
        let second = attune(&test_db.url, test_db.dir.path()).arg("demo").output().unwrap();

        assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
        assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
        let out = String::from_utf8(second.stdout).unwrap();
        let last = out.lines().last().unwrap();
        assert!(last.starts_with("https://prefs.example.com/auth/"), "{out}");
        assert!(!last.contains(' '));
        let first_link = String::from_utf8(first.stdout).unwrap().lines().last().unwrap().to_owned();
        assert_ne!(first_link, last, "each run makes a new single-use link");
    }
}

both_backends! {
    async fn serve_answers_on_the_configured_address_and_stops_on_sigterm(db) {
        let test_db = fresh_db(db).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();

        let mut child = attune(&test_db.url, test_db.dir.path())
            .env("ATTUNE_LISTEN", format!("127.0.0.1:{port}"))
            .arg("serve")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let client = reqwest::Client::new();
        let mut ready = None;
        for _ in 0..100 {
            if let Ok(res) = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await {
                ready = Some(res.status());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let page = client.get(format!("http://127.0.0.1:{port}/")).send().await.map(|r| r.status());
        unsafe_free_sigterm(child.id());
        let status = child.wait().unwrap();

        assert_eq!(ready, Some(reqwest::StatusCode::OK));
        assert_eq!(page.unwrap(), 200);
        assert!(status.success(), "a SIGTERM is a clean stop: {status}");
    }
}

pub(crate) fn unsafe_free_sigterm(pid: u32) {
    Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
}

#[test]
fn a_bad_setting_stops_attune_with_the_variable_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = attune("sqlite://x.db?mode=rwc", dir.path())
        .env("ATTUNE_LISTEN", "everywhere")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ATTUNE_LISTEN"));
}

#[tokio::test]
async fn topics_import_refuses_a_bad_file_and_says_why() {
    let test_db = fresh_db(Db::Sqlite).await;
    let file = test_db.dir.path().join("topics.toml");
    std::fs::write(
        &file,
        "[[topic]]\nkey = \"Promo!\"\nname = \"x\"\nkind = \"optional\"\nchannels = [\"email\"]\n",
    )
    .unwrap();

    let out = attune(&test_db.url, test_db.dir.path())
        .args(["topics", "import"])
        .arg(&file)
        .output()
        .unwrap();

    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("topic key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

both_backends! {
    async fn link_prints_the_three_urls_one_per_line(db) {
        let test_db = fresh_db(db).await;
        let demo = attune(&test_db.url, test_db.dir.path()).arg("demo").output().unwrap();
        assert!(demo.status.success());

        let out = attune(&test_db.url, test_db.dir.path()).args(["link", "demo-ann", "--topic", "offers"]).output().unwrap();
        let unknown = attune(&test_db.url, test_db.dir.path()).args(["link", "nobody"]).output().unwrap();

        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("https://prefs.example.com/u/"));
        assert!(lines[1].starts_with("https://prefs.example.com/p/"));
        assert!(lines[2].starts_with("https://prefs.example.com/n/"));
        assert!(!unknown.status.success());
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("no contact nobody"));
    }
}

both_backends! {
    async fn sender_create_prints_a_working_key_alone_on_its_last_line(db) {
        let test_db = fresh_db(db).await;

        let out = attune(&test_db.url, test_db.dir.path()).args(["sender", "create", "Scheduling"]).output().unwrap();

        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        let key = text.lines().last().unwrap();
        assert!(key.starts_with("att_") && !key.contains(' ') && key.len() >= 40, "{text}");
        let store = server::store::Store::connect(&test_db.url).await.unwrap();
        let (_, name) = store.sender_by_key(key).await.unwrap().expect("the printed key works");
        assert_eq!(name, "Scheduling");
        let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys").fetch_one(store.reader()).await.unwrap();
        assert_eq!(stored, server::store::sha256_hex(key.as_bytes()), "only the SHA-256 is stored");
    }
}

#[test]
fn attune_says_its_version() {
    let dir = tempfile::tempdir().unwrap();
    let out = attune("sqlite://x.db?mode=rwc", dir.path())
        .arg("--version")
        .output()
        .unwrap();

    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("attune {}\n", env!("CARGO_PKG_VERSION"))
    );
}
