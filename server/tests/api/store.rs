//! The store: the single change function, the ledger and the outbox, on both backends.

use app::domain::{
    AddressKind, Channel, ChannelSet, ContactRef, Email, Frequency, Locale, PauseUntil,
    TimeZoneName, TopicKey,
};
use serde_json::{json, Value};
use server::store::{
    apply_change, apply_change_in, parse_topics_toml_checked, ChangeError, ChangeOp, ChangeRequest,
    Store,
};
use sqlx::Row;

use crate::helpers::{count, fresh_store};

fn key(k: &str) -> TopicKey {
    TopicKey::parse(k).unwrap()
}

/// A pause ending `days` days and `extra_ms` milliseconds after `base`, set at `base`.
fn pause_after(base: jiff::Timestamp, days: i64, extra_ms: i64) -> PauseUntil {
    let until = base
        + jiff::SignedDuration::from_hours(24 * days)
        + jiff::SignedDuration::from_millis(extra_ms);
    PauseUntil::at(until, base).unwrap()
}
/// The demo topics and one contact with an email address.
async fn seeded(store: &Store, reference: &str) -> i64 {
    store
        .upsert_topics(&parse_topics_toml_checked(server::demo::DEMO_TOPICS).unwrap())
        .await
        .unwrap();
    let (id, created) = store
        .upsert_contact(
            &ContactRef::parse(reference).unwrap(),
            server::store::Grant::system(),
            vec![ChangeOp::Email {
                email: Some(Email::parse("ann@example.com").unwrap()),
                verified: true,
            }],
        )
        .await
        .unwrap();
    assert!(created);
    id
}

/// The demo topics and four contacts, `c-0` to `c-3`.
async fn four_contacts(store: &Store) -> Vec<i64> {
    let mut contacts = vec![seeded(store, "c-0").await];
    for i in 1..4 {
        let (id, _) = store
            .upsert_contact(
                &ContactRef::parse(&format!("c-{i}")).unwrap(),
                server::store::Grant::system(),
                vec![],
            )
            .await
            .unwrap();
        contacts.push(id);
    }
    contacts
}

fn change(contact_id: i64, ops: Vec<ChangeOp>) -> ChangeRequest {
    ChangeRequest {
        contact_id,
        grant: server::store::Grant::system(),
        reason: None,
        meta: None,
        ops,
        said_at: None,
        consent_at: None,
        together: Vec::new(),
        keep_session: None,
    }
}

async fn seqs(store: &Store, table: &str) -> Vec<i64> {
    sqlx::query_scalar(&format!("SELECT seq FROM {table} ORDER BY seq"))
        .fetch_all(store.reader())
        .await
        .unwrap()
}

both_backends! {
    async fn a_change_writes_exactly_one_ledger_row_and_one_outbox_row(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;
        let (ledger_before, outbox_before) = (count(&store, "ledger").await, count(&store, "outbox").await);

        let committed = apply_change(&store, &ChangeRequest {
            grant: server::store::Grant::staff(7),
            reason: Some("asked at the front desk".into()),
            ..change(ann, vec![ChangeOp::Subscribed { topic: key("offers"), subscribed: true }])
        })
        .await
        .unwrap()
        .expect("subscribing changes something");

        assert_eq!(count(&store, "ledger").await, ledger_before + 1);
        assert_eq!(count(&store, "outbox").await, outbox_before + 1);
        assert_eq!(committed.event_type.as_str(), "preferences.updated");
        let row = sqlx::query("SELECT version, actor_kind, reason, changes FROM ledger WHERE seq = $1")
            .bind(committed.seq)
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(row.get::<i64, _>("version"), committed.version);
        assert_eq!(row.get::<String, _>("actor_kind"), "staff");
        assert_eq!(row.get::<Option<String>, _>("reason").as_deref(), Some("asked at the front desk"));
        let changes: Value = serde_json::from_str(&row.get::<String, _>("changes")).unwrap();
        assert_eq!(changes, json!([{"field": "preferences.offers.subscribed", "from": false, "to": true}]));

        let payload: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE seq = $1")
            .bind(committed.seq)
            .fetch_one(store.reader())
            .await
            .unwrap();
        let event: Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(event["type"], "preferences.updated");
        assert_eq!(event["seq"], committed.seq);
        assert_eq!(event["version"], committed.version);
        assert_eq!(event["contact"], json!({"ref": "c-1", "email": "ann@example.com"}));
        assert_eq!(event["actor"], json!({"kind": "staff", "id": "7"}));
        assert_eq!(event["changes"], changes);
    }
}

both_backends! {
    async fn repeating_a_change_writes_no_second_ledger_row(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;
        let ops = vec![
            ChangeOp::Subscribed { topic: key("offers"), subscribed: true },
            ChangeOp::Frequency { topic: key("offers"), frequency: Frequency::Monthly },
        ];
        assert!(apply_change(&store, &change(ann, ops.clone())).await.unwrap().is_some());
        let ledger = count(&store, "ledger").await;

        let again = apply_change(&store, &change(ann, ops)).await.unwrap();

        assert_eq!(again, None, "nothing differed, so nothing was committed");
        assert_eq!(count(&store, "ledger").await, ledger);
        assert_eq!(count(&store, "outbox").await, ledger);
    }
}

both_backends! {
    async fn versions_and_seq_grow_without_gaps_under_concurrent_writers(db) {
        let (store, _db) = fresh_store(db).await;
        let contacts = four_contacts(&store).await;
        let before = count(&store, "ledger").await;

        // 48 writers at once, 12 per contact; each pauses until a different instant, so every
        // one of them is a real change.
        let base = jiff::Timestamp::now();
        let mut tasks = Vec::new();
        for i in 0..48i64 {
            let store = store.clone();
            let contact = contacts[(i % 4) as usize];
            tasks.push(tokio::spawn(async move {
                let op = ChangeOp::PausedUntil(Some(pause_after(base, 30, i)));
                apply_change(&store, &change(contact, vec![op])).await.unwrap().expect("a real change")
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }

        let ledger = seqs(&store, "ledger").await;
        assert_eq!(ledger, (1..=before + 48).collect::<Vec<_>>(), "seq has no gaps and no repeats");
        assert_eq!(seqs(&store, "outbox").await, ledger, "every ledger row has its outbox row");
        for contact in contacts {
            let versions: Vec<i64> =
                sqlx::query_scalar("SELECT version FROM ledger WHERE contact_id = $1 ORDER BY seq")
                    .bind(contact)
                    .fetch_all(store.reader())
                    .await
                    .unwrap();
            let n = versions.len() as i64;
            assert_eq!(versions, (1..=n).collect::<Vec<_>>(), "versions rise by one in seq order");
            let current: i64 = sqlx::query_scalar("SELECT version FROM contacts WHERE id = $1")
                .bind(contact)
                .fetch_one(store.reader())
                .await
                .unwrap();
            assert_eq!(current, n);
        }
    }
}

both_backends! {
    async fn changes_made_at_the_same_moment_succeed_or_fail_each_on_its_own(db) {
        let (store, _db) = fresh_store(db).await;
        let contacts = four_contacts(&store).await;
        let before = count(&store, "ledger").await;
        // One endpoint wants everything, one only what the changes below are not.
        let (sender, _) = store.create_sender("crm").await.unwrap();
        for (id, events) in [("ep-all", None), ("ep-other", Some(r#"["contact.erased"]"#.to_owned()))] {
            store
                .create_endpoint(&server::store::endpoints::NewEndpoint {
                    id,
                    sender_id: sender,
                    url: "http://127.0.0.1:9/hook",
                    events,
                    secret: "s",
                })
                .await
                .unwrap();
        }

        // 60 changes at once (on SQLite they share group commits): every third is refused after
        // a valid first operation, the others each set a different pause.
        let base = jiff::Timestamp::now();
        let mut tasks = Vec::new();
        for i in 0..60i64 {
            let store = store.clone();
            let contact = contacts[(i % 4) as usize];
            tasks.push(tokio::spawn(async move {
                let ops = if i % 3 == 0 {
                    vec![
                        ChangeOp::Subscribed { topic: key("offers"), subscribed: true },
                        ChangeOp::Channels { topic: key("offers"), channels: ChannelSet::new([Channel::Voice]) },
                    ]
                } else {
                    vec![ChangeOp::PausedUntil(Some(pause_after(base, 30, i)))]
                };
                (i, apply_change(&store, &change(contact, ops)).await)
            }));
        }
        let mut told = Vec::new();
        for t in tasks {
            let (i, result) = t.await.unwrap();
            if i % 3 == 0 {
                assert!(matches!(result, Err(ChangeError::ChannelNotOffered { .. })), "{i}: {result:?}");
            } else {
                assert!(matches!(result, Ok(Some(_))), "{i}: {result:?}");
                let committed = result.unwrap().unwrap();
                told.push((committed.seq, contacts[(i % 4) as usize], committed.version));
            }
        }

        let ledger = seqs(&store, "ledger").await;
        assert_eq!(ledger, (1..=before + 40).collect::<Vec<_>>(), "every accepted change, none refused");
        assert_eq!(seqs(&store, "outbox").await, ledger);
        // Each caller was told the seq and version of its own ledger row.
        for (seq, contact, version) in told {
            let row: (i64, i64) = sqlx::query_as("SELECT contact_id, version FROM ledger WHERE seq = $1")
                .bind(seq)
                .fetch_one(store.reader())
                .await
                .unwrap();
            assert_eq!(row, (contact, version), "seq {seq}");
            let payload: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE seq = $1")
                .bind(seq)
                .fetch_one(store.reader())
                .await
                .unwrap();
            let event: serde_json::Value = serde_json::from_str(&payload).unwrap();
            assert_eq!((event["seq"].as_i64(), event["version"].as_i64()), (Some(seq), Some(version)));
        }
        // Every change queued for the endpoint that wants it, and none for the other.
        let queued: Vec<(String, i64)> =
            sqlx::query_as("SELECT endpoint_id, seq FROM webhook_deliveries ORDER BY seq, endpoint_id")
                .fetch_all(store.reader())
                .await
                .unwrap();
        let all: Vec<(String, i64)> =
            ledger.iter().filter(|&&seq| seq > before).map(|&seq| ("ep-all".to_owned(), seq)).collect();
        assert_eq!(queued, all);
        assert_eq!(count(&store, "preferences").await, 0, "no refused change left its first half");
        let paused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM global_settings WHERE paused_until IS NOT NULL")
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(paused, 4, "each contact holds a pause");
    }
}

both_backends! {
    async fn a_refused_change_leaves_nothing_behind(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;
        let ledger = count(&store, "ledger").await;

        // The first operation is valid; the second names a channel the topic does not offer.
        let err = apply_change(&store, &change(ann, vec![
            ChangeOp::Subscribed { topic: key("offers"), subscribed: true },
            ChangeOp::Channels { topic: key("offers"), channels: ChannelSet::new([Channel::Voice]) },
        ]))
        .await
        .unwrap_err();

        assert!(matches!(err, ChangeError::ChannelNotOffered { channel: Channel::Voice, .. }), "{err}");
        assert_eq!(count(&store, "ledger").await, ledger);
        assert_eq!(count(&store, "preferences").await, 0, "the valid first half was not kept");
    }
}

both_backends! {
    async fn a_rolled_back_transaction_leaves_no_change_ledger_row_or_sequence_gap(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;
        let ledger = count(&store, "ledger").await;

        {
            let mut tx = store.writer().begin().await.unwrap();
            let committed = apply_change_in(&mut tx, &change(ann, vec![ChangeOp::UnsubscribedAll(true)]))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(committed.event_type.as_str(), "contact.unsubscribed_all");
            // Something later in the same transaction fails: a duplicate contact ref.
            let dup = sqlx::query("INSERT INTO contacts (ref, created_at, updated_at) VALUES ('c-1', 0, 0)")
                .execute(&mut *tx)
                .await;
            assert!(dup.is_err());
            tx.rollback().await.unwrap();
        }

        assert_eq!(count(&store, "ledger").await, ledger);
        assert_eq!(count(&store, "outbox").await, ledger);
        let unsubscribed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM global_settings WHERE contact_id = $1 AND unsubscribed_all = $2",
        )
        .bind(ann)
        .bind(true)
        .fetch_one(store.reader())
        .await
        .unwrap();
        assert_eq!(unsubscribed, 0);
        let next = apply_change(&store, &change(ann, vec![ChangeOp::UnsubscribedAll(true)])).await.unwrap().unwrap();
        assert_eq!(next.seq, ledger + 1, "the rolled-back sequence number is reused, leaving no gap");
        assert_eq!(next.version, 2, "the contact's version did not move either");
    }
}

both_backends! {
    async fn required_topics_can_be_rerouted_but_not_switched_off(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;

        let off = apply_change(&store, &change(ann, vec![ChangeOp::Subscribed { topic: key("account"), subscribed: false }])).await;
        let no_channel = apply_change(&store, &change(ann, vec![ChangeOp::Channels { topic: key("account"), channels: ChannelSet::default() }])).await;
        let sms_only = apply_change(&store, &change(ann, vec![ChangeOp::Channels { topic: key("account"), channels: ChannelSet::new([Channel::Sms]) }])).await;

        assert!(matches!(off, Err(ChangeError::RequiredTopic(_))));
        assert!(matches!(no_channel, Err(ChangeError::RequiredTopic(_))));
        let sms_only = sms_only.unwrap().unwrap();
        assert_eq!(
            sms_only.changes[0].field.to_string(),
            "preferences.account.channels"
        );
        assert_eq!(sms_only.changes[0].from, json!(["email", "sms"]));
        assert_eq!(sms_only.changes[0].to, json!(["sms"]));
    }
}

both_backends! {
    async fn disputing_an_address_is_recorded_once_as_its_own_event(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;

        let first = apply_change(&store, &ChangeRequest { grant: server::store::Grant::not_me(ann, AddressKind::Email), ..change(ann, vec![ChangeOp::DisputeAddress(AddressKind::Email)]) }).await.unwrap();
        let again = apply_change(&store, &change(ann, vec![ChangeOp::DisputeAddress(AddressKind::Email)])).await.unwrap();
        let no_phone = apply_change(&store, &change(ann, vec![ChangeOp::DisputeAddress(AddressKind::Phone)])).await;

        assert_eq!(first.unwrap().event_type.as_str(), "contact.address_disputed");
        assert_eq!(again, None);
        assert!(matches!(no_phone, Err(ChangeError::NoAddress(AddressKind::Phone))));
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM disputed_addresses WHERE contact_id = $1 AND resolved_at IS NULL")
            .bind(ann)
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(open, 1);
    }
}

both_backends! {
    async fn bad_contact_details_are_refused_with_a_clear_message(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;

        // The change function takes parsed values only: a bad one is refused where it is parsed.
        let tz = TimeZoneName::parse("Mars/Olympus").unwrap_err();
        let locale = Locale::parse("en US; drop").unwrap_err();
        let gone = apply_change(&store, &change(ann + 1000, vec![ChangeOp::UnsubscribedAll(true)])).await.unwrap_err();

        assert!(tz.to_string().contains("Mars/Olympus"), "{tz}");
        assert!(locale.to_string().contains("not a language we offer"), "{locale}");
        assert!(matches!(gone, ChangeError::UnknownContact));
        let ok = apply_change(&store, &change(ann, vec![ChangeOp::TimeZone(TimeZoneName::parse("Europe/Paris").unwrap())])).await.unwrap().unwrap();
        assert_eq!(ok.event_type.as_str(), "contact.updated");
    }
}

both_backends! {
    async fn topics_load_from_toml_and_a_bad_file_changes_nothing(db) {
        let (store, _db) = fresh_store(db).await;
        let topics = parse_topics_toml_checked(server::demo::DEMO_TOPICS).unwrap();
        store.upsert_topics(&topics).await.unwrap();

        let listed = store.list_topics().await.unwrap();
        let keys: Vec<&str> = listed.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["appointments", "account", "service-follow-ups", "offers", "newsletter", "surveys"]);
        let offers = store.topic(&key("offers")).await.unwrap().unwrap();
        assert!(!offers.subscribed_by_default(), "optional topics are not pre-ticked");
        assert!(listed[0].subscribed_by_default(), "required topics always reach the contact");

        let bad = "[[topic]]\nkey = \"promo\"\nname = \"Promo\"\nkind = \"optional\"\nchannels = [\"fax\"]\n";
        assert!(parse_topics_toml_checked(bad).unwrap_err().to_string().contains("not valid"));
        let dup = format!("{}\n{}", server::demo::DEMO_TOPICS, "[[topic]]\nkey = \"offers\"\nname = \"x\"\nkind = \"optional\"\nchannels = [\"email\"]\n");
        assert!(parse_topics_toml_checked(&dup).unwrap_err().to_string().contains("twice"));
        assert_eq!(store.list_topics().await.unwrap().len(), 6);
    }
}

both_backends! {
    async fn signing_keys_are_generated_once_and_kept(db) {
        let (store, test_db) = fresh_store(db).await;
        let first = store.ensure_signing_keys("links").await.unwrap();
        store.close().await;

        let reopened = Store::connect(&test_db.url).await.unwrap();
        let again = reopened.ensure_signing_keys("links").await.unwrap();

        assert_eq!(first.len(), 1);
        assert_eq!(first[0].kid, again[0].kid);
        assert_eq!(first[0].secret, again[0].secret);
        assert!(first[0].secret.len() >= 32);
    }
}

both_backends! {
    async fn sign_in_tokens_are_stored_only_as_a_hash(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;

        let token = store.create_sign_in_token(ann).await.unwrap();

        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sign_in_tokens").fetch_all(store.reader()).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], token);
        assert_eq!(stored[0], server::store::sha256_hex(token.as_bytes()));
        assert!(token.len() >= 43, "256 random bits");
    }
}

both_backends! {
    async fn a_rate_limit_window_opens_at_the_first_attempt_so_a_clock_quarter_hour_resets_nothing(db) {
        let (store, _db) = fresh_store(db).await;
        const WINDOW: i64 = 15 * 60 * 1000;
        // Three attempts of a limit of three, the first 20 seconds ago: a clock-aligned bucket
        // would have started over at most quarter hours since; the window must not.
        let started = jiff::Timestamp::now().as_millisecond() - 20_000;
        sqlx::query("INSERT INTO rate_limits (key, window_start, count) VALUES ('k', $1, 3)")
            .bind(started)
            .execute(store.writer())
            .await
            .unwrap();
        assert!(!store.rate_limit("k", 3, WINDOW).await.unwrap(), "a fourth attempt in the window is refused");
        assert!(!store.rate_limit("k", 3, WINDOW).await.unwrap());

        // A window that has fully passed starts a new one at this attempt.
        sqlx::query("UPDATE rate_limits SET window_start = $1 WHERE key = 'k'")
            .bind(started - WINDOW)
            .execute(store.writer())
            .await
            .unwrap();
        assert!(store.rate_limit("k", 3, WINDOW).await.unwrap());
        assert!(store.rate_limit("k", 3, WINDOW).await.unwrap());
        assert!(store.rate_limit("k", 3, WINDOW).await.unwrap());
        assert!(!store.rate_limit("k", 3, WINDOW).await.unwrap(), "the new window counts from one");
    }
}

both_backends! {
    async fn a_ledger_with_events_already_in_it_survives_the_migration_that_lets_replies_in(db) {
        let test_db = crate::helpers::fresh_db(db).await;
        // The schema as it was before replies, with a change and its event in it.
        let mut before = match db {
            crate::helpers::Db::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            crate::helpers::Db::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        before.migrations = before.migrations.iter().filter(|m| m.version < 6).cloned().collect::<Vec<_>>().into();
        let rows = [
            "INSERT INTO contacts (id, ref, email, created_at, updated_at, version) VALUES (1, 'c-1', 'a@example.com', 1, 1, 1)",
            "INSERT INTO ledger (seq, contact_id, version, event_type, actor_kind, changes, occurred_at) VALUES (1, 1, 1, 'contact.updated', 'sender', '[]', 1)",
            "INSERT INTO outbox (seq, contact_id, event_type, payload, created_at) VALUES (1, 1, 'contact.updated', '{}', 1)",
        ];
        match db {
            crate::helpers::Db::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&test_db.url).await.unwrap();
                before.run(&pool).await.unwrap();
                for sql in rows { sqlx::query(sql).execute(&pool).await.unwrap(); }
                pool.close().await;
            }
            crate::helpers::Db::Postgres => {
                let pool = sqlx::PgPool::connect(&test_db.url).await.unwrap();
                before.run(&pool).await.unwrap();
                for sql in rows { sqlx::query(sql).execute(&pool).await.unwrap(); }
                pool.close().await;
            }
        }

        let store = Store::connect(&test_db.url).await.expect("the rest of the migrations run");

        let kept: (i64, i64) = sqlx::query_as("SELECT (SELECT COUNT(*) FROM ledger), (SELECT COUNT(*) FROM outbox)")
            .fetch_one(store.reader()).await.unwrap();
        assert_eq!(kept, (1, 1), "the change and its event are still there");
        sqlx::query("INSERT INTO ledger (seq, contact_id, version, event_type, actor_kind, changes, occurred_at) VALUES (2, 1, 2, 'preferences.updated', 'reply', '[]', 2)")
            .execute(store.writer()).await.expect("a reply is a ledger actor now");
    }
}

both_backends! {
    async fn a_stored_value_that_does_not_parse_is_an_error_naming_its_table_and_column(db) {
        let (store, _db) = fresh_store(db).await;
        let ann = seeded(&store, "c-1").await;
        sqlx::query("UPDATE contacts SET time_zone = 'Mars/Olympus' WHERE id = $1")
            .bind(ann)
            .execute(store.writer())
            .await
            .unwrap();
        let ledger_before = count(&store, "ledger").await;

        let read = store.contact_view(ann).await;
        let change = apply_change(&store, &change(ann, vec![ChangeOp::Subscribed { topic: key("offers"), subscribed: true }])).await;

        let read = format!("{:#}", read.expect_err("the snapshot is refused, not read as UTC"));
        assert!(read.contains("contacts.time_zone"), "{read}");
        assert!(read.contains("Mars/Olympus"), "{read}");
        let change = change.expect_err("the change is refused").to_string();
        assert!(change.contains("contacts.time_zone"), "{change}");
        assert_eq!(count(&store, "ledger").await, ledger_before, "nothing was written");
    }
}
