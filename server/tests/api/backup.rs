//! Backup and restore (DESIGN §8): a copy taken while one-click unsubscribes pour in restores to
//! a server whose links from before still open, whose ledger is the copy's, and whose next event
//! is numbered above every `seq` handed out before the restore.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use server::{
    links::{LinkKind, LinkSubject, Links},
    store::Store,
};

use crate::{
    cli::{attune, unsafe_free_sigterm},
    durability::{seed, serve, wait_ready, CONTACTS},
    helpers::{fresh_db, Db},
};

/// Every ledger row of the SQLite database in `file`, in `seq` order.
async fn ledger_of(file: &std::path::Path) -> Vec<(i64, i64, String)> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=ro", file.display()))
        .await
        .unwrap();
    let rows = sqlx::query_as("SELECT seq, contact_id, changes FROM ledger ORDER BY seq")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    rows
}

async fn counter(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT value FROM counters WHERE name = 'ledger_seq'")
        .fetch_one(store.reader())
        .await
        .unwrap()
}

both_backends! {
    async fn a_backup_taken_during_a_one_click_storm_restores_with_its_links_its_ledger_and_new_seqs(db) {
        let test_db = fresh_db(db).await;
        let dir = test_db.dir.path();
        let backup_file = dir.join("backup.db");
        if db == Db::Postgres {
            let out = attune(&test_db.url, dir).arg("backup").arg(&backup_file).output().unwrap();
            let said = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success());
            assert!(said.contains("pg_dump") && said.contains("pg_restore"), "{said}");
            assert!(!backup_file.exists());
            return;
        }
        let store = Store::connect(&test_db.url).await.unwrap();
        let contacts = seed(&store).await;
        let offers: i64 = sqlx::query_scalar("SELECT id FROM topics WHERE key = 'offers'")
            .fetch_one(store.reader())
            .await
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let links = Links::load(&store, url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap()).await.unwrap();
        let subject = |contact_id| LinkSubject { contact_id, topic_id: offers, channel: Some("email"), purpose: Some("marketing") };
        let unsubscribe: Arc<Vec<String>> =
            Arc::new(contacts.iter().map(|&c| links.url(LinkKind::Unsubscribe, &subject(c))).collect());
        let mut server = serve(&test_db, port);
        wait_ready(port).await;

        // The storm: 32 clients posting one-click unsubscribes to all but the last 100 contacts;
        // the backup is taken once 300 are acknowledged, while the rest go on. The last 100 are
        // unsubscribed after the backup, however fast the storm was.
        let storm = CONTACTS - 100;
        let (next, acks) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let mut clients = Vec::new();
        for _ in 0..32 {
            let (urls, next, acks, client) = (unsubscribe.clone(), next.clone(), acks.clone(), client.clone());
            clients.push(tokio::spawn(async move {
                while let Some(url) = urls[..storm].get(next.fetch_add(1, Ordering::Relaxed)) {
                    let res = client.post(url).body("List-Unsubscribe=One-Click")
                        .header("content-type", "application/x-www-form-urlencoded").send().await.unwrap();
                    assert_eq!(res.status(), 200);
                    acks.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        while acks.load(Ordering::Relaxed) < 300 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let mut backup = attune(&test_db.url, dir);
        backup.arg("backup").arg(&backup_file);
        let backed_up = tokio::task::spawn_blocking(move || backup.output().unwrap()).await.unwrap();
        for c in clients {
            c.await.unwrap();
        }
        for url in &unsubscribe[storm..] {
            let res = client.post(url).body("List-Unsubscribe=One-Click")
                .header("content-type", "application/x-www-form-urlencoded").send().await.unwrap();
            assert_eq!(res.status(), 200);
        }
        let handed_out = counter(&store).await;
        store.close().await;
        unsafe_free_sigterm(server.id());
        server.wait().unwrap();

        let refused = attune(&test_db.url, dir).arg("restore").arg(&backup_file).output().unwrap();
        let restored = attune(&test_db.url, dir).args(["restore", "--force"]).arg(&backup_file).output().unwrap();

        assert!(backed_up.status.success(), "{}", String::from_utf8_lossy(&backed_up.stderr));
        let backup_ledger = ledger_of(&backup_file).await;
        let backup_seq = backup_ledger.last().unwrap().0;
        assert!(backup_seq < handed_out, "events were handed out after the backup ({backup_seq} < {handed_out})");
        assert!(!refused.status.success(), "a database with contacts is not replaced without --force");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
        assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
        let db_file = server::store::backup::sqlite_file(&test_db.url).unwrap();
        assert_eq!(ledger_of(&db_file).await, backup_ledger, "the restored ledger is the backup's");

        // Served again: a link from before opens, and the next change gets a new number.
        let mut server = serve(&test_db, port);
        wait_ready(port).await;
        let store = Store::connect(&test_db.url).await.unwrap();
        let still_subscribed: i64 = sqlx::query_scalar(
            "SELECT p.contact_id FROM preferences p JOIN contacts c ON c.id = p.contact_id
             WHERE c.ref LIKE 'storm-%' AND p.topic_id = $1 AND p.subscribed = $2 ORDER BY p.contact_id LIMIT 1",
        )
        .bind(offers)
        .bind(true)
        .fetch_one(store.reader())
        .await
        .expect("a contact unsubscribed after the backup is subscribed again in it");
        let page = client.get(links.url(LinkKind::Preferences, &subject(still_subscribed))).send().await.unwrap();
        let at = contacts.iter().position(|c| *c == still_subscribed).unwrap();
        let again = client.post(&unsubscribe[at]).body("List-Unsubscribe=One-Click")
            .header("content-type", "application/x-www-form-urlencoded").send().await.unwrap();
        let new_seq: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM ledger WHERE contact_id = $1")
            .bind(still_subscribed)
            .fetch_one(store.reader())
            .await
            .unwrap();
        unsafe_free_sigterm(server.id());
        server.wait().unwrap();
        store.close().await;

        assert_eq!(page.status(), 200, "a preferences link from before the restore opens");
        assert_eq!(again.status(), 200);
        assert!(new_seq > handed_out, "the first event after the restore ({new_seq}) is above every seq handed out ({handed_out})");
    }
}
