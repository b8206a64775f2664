//! The SMTP listener's bounds (DESIGN §9, "an SMTP client"): no client gets memory,
//! connections or time beyond them. These touch no database, so each runs once, on SQLite.

use std::time::Duration;

use server::inbound::smtp::Limits;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpSocket, TcpStream},
    time::{sleep, timeout, Instant},
};

use crate::helpers::{spawn_app_tuned, Db, TestApp};

/// Long enough for anything that must happen on a busy machine.
const PATIENCE: Duration = Duration::from_secs(30);

async fn listener(tune: impl FnOnce(&mut Limits)) -> TestApp {
    spawn_app_tuned(
        Db::Sqlite,
        &[
            ("ATTUNE_INBOUND_MAIL_DOMAIN", "mail.example.test"),
            ("ATTUNE_SMTP_LISTEN", "127.0.0.1:0"),
        ],
        |config| tune(&mut config.smtp_limits),
    )
    .await
}

/// A raw client: no politeness it does not choose.
struct Client(BufReader<TcpStream>);

impl Client {
    /// Connects from `ip` (any of 127.0.0.0/8 is this machine) and reads the first line.
    async fn connect(ip: &str, port: u16) -> (Client, String) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(format!("{ip}:0").parse().unwrap()).unwrap();
        let stream = socket
            .connect(format!("127.0.0.1:{port}").parse().unwrap())
            .await
            .unwrap();
        let mut client = Client(BufReader::new(stream));
        let first = client.line().await;
        (client, first)
    }

    /// One line of answer; empty once the listener has closed (or reset) the connection.
    async fn line(&mut self) -> String {
        let mut line = String::new();
        let read = timeout(PATIENCE, self.0.read_line(&mut line)).await;
        match read.expect("an answer or the connection closed") {
            Ok(_) => line,
            Err(_) => String::new(),
        }
    }

    /// Sends a command; its answer's last line (empty: closed).
    async fn say(&mut self, command: &str) -> String {
        if self
            .0
            .get_mut()
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .is_err()
        {
            return String::new();
        }
        loop {
            let line = self.line().await;
            if line.len() < 4 || line.as_bytes()[3] == b' ' {
                return line;
            }
        }
    }

    /// Waits until the listener closes the connection; what it said before.
    async fn closed(mut self) -> String {
        let mut rest = Vec::new();
        let mut buf = [0u8; 4096];
        timeout(PATIENCE, async {
            loop {
                match self.0.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => rest.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await
        .expect("the listener closes the connection");
        String::from_utf8_lossy(&rest).into_owned()
    }
}

/// This process's resident memory (the listener runs in it), in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_client_streaming_a_line_without_end_uses_no_more_than_a_line_of_memory() {
    let app = listener(|_| {}).await;
    let port = app.smtp_port.unwrap();
    let (client, greeting) = Client::connect("127.0.0.1", port).await;
    assert!(greeting.starts_with("220"), "{greeting}");
    let stream = client.0.into_inner();
    let (mut read, mut write) = stream.into_split();
    let before = resident_kib();

    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0usize;
    let streaming = async {
        while sent < 64 * 1024 * 1024 {
            if write.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
    };
    timeout(PATIENCE, streaming)
        .await
        .expect("the line is read on or the client dropped, never left waiting");
    let grown = resident_kib().saturating_sub(before);

    assert!(
        grown < 16 * 1024,
        "the process grew by {grown} KiB while a client sent {sent} bytes without a line end"
    );
    let mut said = Vec::new();
    let _ = timeout(PATIENCE, read.read_to_end(&mut said))
        .await
        .expect("the listener drops the client");
    let said = String::from_utf8_lossy(&said);
    assert!(said.is_empty() || said.starts_with("500 "), "{said}");
    let (mut next, greeting) = Client::connect("127.0.0.1", port).await;
    assert!(greeting.starts_with("220"), "{greeting}");
    assert!(next.say("EHLO client.example").await.starts_with("250 "));
    assert!(next.say("QUIT").await.starts_with("221"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smtp_listener_refuses_connections_past_its_per_peer_cap() {
    let app = listener(|_| {}).await;
    let port = app.smtp_port.unwrap();
    let mut open = Vec::new();
    for _ in 0..Limits::default().per_peer {
        let (client, greeting) = Client::connect("127.0.0.1", port).await;
        assert!(greeting.starts_with("220"), "{greeting}");
        open.push(client);
    }

    let (one_more, refused) = Client::connect("127.0.0.1", port).await;

    assert!(
        refused.starts_with("421 4.7.0 Too many connections"),
        "{refused}"
    );
    assert_eq!(one_more.closed().await, "", "and closed");
    let (_other_peer, greeting) = Client::connect("127.0.0.2", port).await;
    assert!(
        greeting.starts_with("220"),
        "another peer is let in: {greeting}"
    );
    let mut first = open.remove(0);
    assert!(first.say("QUIT").await.starts_with("221"));
    first.closed().await;
    let (_again, greeting) = Client::connect("127.0.0.1", port).await;
    assert!(greeting.starts_with("220"), "a slot given back: {greeting}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smtp_listener_refuses_connections_past_its_cap_in_all() {
    let app = listener(|_| {}).await;
    let port = app.smtp_port.unwrap();
    let limits = Limits::default();
    let peers = limits.connections / limits.per_peer;
    let mut open = Vec::new();
    for peer in 1..=peers {
        for _ in 0..limits.per_peer {
            let (client, greeting) = Client::connect(&format!("127.0.0.{peer}"), port).await;
            assert!(greeting.starts_with("220"), "{greeting}");
            open.push(client);
        }
    }
    let newcomer = format!("127.0.0.{}", peers + 1);

    let (one_more, refused) = Client::connect(&newcomer, port).await;

    assert!(
        refused.starts_with("421 4.7.0 Too many connections"),
        "{refused}"
    );
    one_more.closed().await;
    let mut last = open.pop().unwrap();
    assert!(last.say("QUIT").await.starts_with("221"));
    last.closed().await;
    let (_in, greeting) = Client::connect(&newcomer, port).await;
    assert!(greeting.starts_with("220"), "{greeting}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_session_ends_at_its_deadline_however_busy_it_keeps() {
    let deadline = Duration::from_secs(2);
    let app = listener(|limits| limits.session = deadline).await;
    let (mut client, greeting) = Client::connect("127.0.0.1", app.smtp_port.unwrap()).await;
    assert!(greeting.starts_with("220"), "{greeting}");
    let began = Instant::now();
    let mut answered = 0;

    let last = timeout(PATIENCE, async {
        loop {
            let answer = client.say("NOOP").await;
            if !answer.starts_with("250") {
                return answer;
            }
            answered += 1;
            sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the session ends");

    assert!(
        last.is_empty() || last.starts_with("421 4.4.2"),
        "told, or just closed: {last}"
    );
    assert!(began.elapsed() >= deadline, "{:?}", began.elapsed());
    assert!(answered >= 5, "the client kept busy until then: {answered}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_client_that_never_reads_its_answers_is_dropped_at_the_write_timeout() {
    let app = listener(|limits| limits.write = Duration::from_secs(1)).await;
    let (client, greeting) = Client::connect("127.0.0.1", app.smtp_port.unwrap()).await;
    assert!(greeting.starts_with("220"), "{greeting}");
    let mut stream = client.0.into_inner();
    // Commands pipelined and answers never read: the answers fill the buffers both ways
    // until the listener's writes wait.
    let commands = "NOOP\r\n".repeat(10_000).into_bytes();

    let dropped = timeout(PATIENCE, async {
        loop {
            if stream.write_all(&commands).await.is_err() {
                return;
            }
        }
    })
    .await;

    assert!(
        dropped.is_ok(),
        "the listener drops a client that stopped reading"
    );
}
