//! A flood and the parts of the network nobody controls (DESIGN §9): clients that send their
//! headers slowly or never, webhook endpoints that answer without end, and a proxy named in
//! the environment. Each holds nothing of Attune's for long.

use std::{
    process::Stdio,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{body::Body, routing::post, Router};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::{sleep, timeout, Instant},
};

use crate::{
    cli::{attune, unsafe_free_sigterm},
    helpers::{fresh_db, spawn_app_with},
    webhooks::{demo, register, sender, Answer, Receiver, FAST_RETRIES},
};

/// Reads from `stream` until the server closes it (or resets it); returns what it read.
async fn read_until_closed(stream: &mut (impl AsyncReadExt + Unpin)) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

both_backends! {
    async fn a_client_sending_its_headers_a_byte_at_a_time_is_cut_off_at_the_header_timeout(db) {
        let app = spawn_app_with(db, &[("ATTUNE_HEADER_TIMEOUT", "1s")]).await;
        let stream = TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
        let (mut from_server, mut to_server) = stream.into_split();
        // 60 bytes at one every 200 ms: twelve seconds for headers that are due in one.
        let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaa\r\n\r\n";
        let trickle = tokio::spawn(async move {
            for byte in request {
                if to_server.write_all(&[*byte]).await.is_err() {
                    return;
                }
                sleep(Duration::from_millis(200)).await;
            }
        });

        let started = Instant::now();
        let answer = timeout(Duration::from_secs(8), read_until_closed(&mut from_server)).await;
        trickle.abort();

        let answer = answer.expect("the server closed the connection before the headers were done");
        assert!(started.elapsed() < Duration::from_secs(8));
        assert!(!String::from_utf8_lossy(&answer).contains(" 200 "), "the trickled request was never served");
    }
}

both_backends! {
    async fn a_connection_left_idle_after_its_answer_is_closed_at_the_header_timeout(db) {
        let app = spawn_app_with(db, &[("ATTUNE_HEADER_TIMEOUT", "1s")]).await;
        let mut stream = TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "a prompt request is served");

        // Keep-alive, and then nothing.
        let rest = timeout(Duration::from_secs(8), read_until_closed(&mut stream)).await;
        assert!(rest.is_ok(), "an idle connection is closed, not held open");
    }
}

both_backends! {
    async fn a_webhook_endpoint_that_answers_without_end_is_read_no_further_than_64_kib(db) {
        let app = spawn_app_with(db, &[
            ("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("ATTUNE_WEBHOOK_RETRY_SCHEDULE", FAST_RETRIES),
        ]).await;
        demo(&app.store).await;
        // 200 OK, then a body of 64 KiB chunks that stops only at 512 MiB.
        let sent = Arc::new(AtomicUsize::new(0));
        let counter = sent.clone();
        let endless = Router::new().route("/hooks", post(move || {
            let counter = counter.clone();
            async move {
                let chunks = futures_util::stream::unfold(counter, |counter| async move {
                    if counter.fetch_add(65_536, Ordering::SeqCst) >= 512 << 20 {
                        return None;
                    }
                    Some((Ok::<_, std::io::Error>(vec![b'x'; 65_536]), counter))
                });
                Body::from_stream(chunks)
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, endless).await });
        let key = sender(&app.store, "CRM").await;
        let (endpoint, _) = register(&app.address, &key, &url, None).await;
        app.client.put(app.url("/api/v1/contacts/c-1")).bearer_auth(&key)
            .json(&json!({"email": "c1@example.com"})).send().await.unwrap();

        let mut delivery = serde_json::Value::Null;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let listed: serde_json::Value = app.client.get(app.url(&format!("/api/v1/webhook-endpoints/{endpoint}/deliveries")))
                .bearer_auth(&key).send().await.unwrap().json().await.unwrap();
            delivery = listed["deliveries"][0].clone();
            if delivery["status"] == "delivered" {
                break;
            }
            sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(delivery["status"], "delivered", "a 200 is a delivery, whatever follows it: {delivery}");
        // What the endpoint got out before Attune hung up: the 64 KiB read and what the
        // sockets' buffers hold, not the half gigabyte on offer.
        sleep(Duration::from_millis(500)).await;
        let streamed = sent.load(Ordering::SeqCst);
        assert!(streamed < 48 << 20, "Attune kept reading: {streamed} bytes");
    }
}

/// A proxy that only counts the connections made to it.
async fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (address, connections)
}

both_backends! {
    async fn webhooks_go_straight_to_the_endpoint_whatever_proxy_the_environment_names(db) {
        let test_db = fresh_db(db).await;
        let (proxy, proxied) = counting_proxy().await;
        let receiver = Receiver::start(Answer::Ok).await;
        let created = attune(&test_db.url, test_db.dir.path()).args(["sender", "create", "CRM"]).output().unwrap();
        assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
        let key = String::from_utf8(created.stdout).unwrap().lines().last().unwrap().to_owned();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let address = format!("http://127.0.0.1:{port}");

        let mut child = attune(&test_db.url, test_db.dir.path())
            .env("ATTUNE_LISTEN", format!("127.0.0.1:{port}"))
            .env("ATTUNE_WEBHOOK_ALLOW_PRIVATE", "true")
            .env("ATTUNE_WEBHOOK_RETRY_SCHEDULE", FAST_RETRIES)
            .envs(["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"].map(|v| (v, &proxy)))
            .arg("serve")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        for _ in 0..100 {
            if client.get(format!("{address}/readyz")).send().await.is_ok() {
                break;
            }
            sleep(Duration::from_millis(100)).await;
        }
        register(&address, &key, &receiver.url, None).await;
        let put = client.put(format!("{address}/api/v1/contacts/c-1")).bearer_auth(&key)
            .json(&json!({"email": "c1@example.com"})).send().await.map(|r| r.status().as_u16());
        let events = receiver.wait_for_events(1, Duration::from_secs(10)).await;
        unsafe_free_sigterm(child.id());
        let _ = child.wait();

        assert_eq!(put.unwrap(), 201);
        assert_eq!(events.len(), 1, "the endpoint got the event");
        assert_eq!(proxied.load(Ordering::SeqCst), 0, "nothing went through the proxy");
    }
}
