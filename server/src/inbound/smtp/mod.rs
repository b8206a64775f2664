//! Attune's own SMTP listener for `mailto:` unsubscribes (DESIGN §3.1, `ATTUNE_SMTP_LISTEN`).
//! It speaks just enough SMTP (RFC 5321) to receive: `RCPT TO` accepts only addresses whose
//! token verifies, `DATA` takes at most [`MAX_MESSAGE_BYTES`], and nothing is ever sent from
//! here. Bad input is refused with the protocol's own codes; a message accepted is applied
//! before its `250`, so nothing acknowledged is lost. How far a client may go is [`Limits`].

pub mod conn;

use std::{io, time::Duration};

use tokio::{
    io::{AsyncBufRead, AsyncWrite, BufReader},
    net::TcpListener,
};

pub use conn::{Limits, MAX_SKIP};

use super::mail::{self, MAX_MESSAGE_BYTES, MAX_RECIPIENTS};
use crate::state::AppState;
use conn::{Conn, Line, Slots};

/// A command line longer than this is refused (RFC 5321 §4.5.3.1.4 allows 512).
const MAX_LINE: usize = 1000;

/// Accepts connections until the task is dropped: at most `limits.connections` at once, and
/// `limits.per_peer` from one peer; one more is told `421` and closed.
pub async fn serve(listener: TcpListener, state: AppState, domain: String, limits: Limits) {
    let slots = Slots::default();
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let Some(slot) = slots.take(peer.ip(), &limits) else {
            // Not waited for: a new connection's buffer takes one line at once, and a client
            // that cannot take it loses nothing it was owed.
            let _ = stream.try_write(b"421 4.7.0 Too many connections\r\n");
            continue;
        };
        let (state, domain) = (state.clone(), domain.clone());
        tokio::spawn(async move {
            let (read, write) = stream.into_split();
            let mut conn = Conn::new(BufReader::new(read), write, limits);
            if let Err(e) = session(&mut conn, &state, &domain).await {
                tracing::debug!(error = %e, "SMTP session ended");
            }
            // Given back before the connection closes, so a client that saw it close may
            // come straight back.
            drop(slot);
        });
    }
}

/// What the client has said in the mail transaction under way.
#[derive(Default)]
struct Envelope {
    from: bool,
    /// The recipients' tokens, each once.
    tokens: Vec<String>,
}

async fn session(
    conn: &mut Conn<impl AsyncBufRead + Unpin, impl AsyncWrite + Unpin>,
    state: &AppState,
    domain: &str,
) -> io::Result<()> {
    conn.reply(&format!("220 {domain} Attune ESMTP, unsubscribes only"))
        .await?;
    let mut envelope = Envelope::default();
    let mut command = Vec::new();
    loop {
        command.clear();
        match conn.line(&mut command, MAX_LINE).await? {
            Line::End => return Ok(()),
            Line::TooLong => {
                conn.reply("500 5.5.2 Line too long").await?;
                continue;
            }
            Line::Read => {}
        }
        let text = String::from_utf8_lossy(&command).into_owned();
        let upper = text.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or_default();
        let answer = match verb {
            "EHLO" => format!(
                "250-{domain}\r\n250-SIZE {MAX_MESSAGE_BYTES}\r\n250-8BITMIME\r\n250 SMTPUTF8"
            ),
            "HELO" => format!("250 {domain}"),
            "MAIL" if upper.starts_with("MAIL FROM:") => {
                envelope = Envelope {
                    from: true,
                    tokens: Vec::new(),
                };
                "250 2.1.0 OK".to_owned()
            }
            // The prefix is ASCII, so its length in `text` is the same.
            "RCPT" if upper.starts_with("RCPT TO:") => {
                rcpt(&mut envelope, &text[8..], state, domain).to_owned()
            }
            "DATA" => data_command(conn, &mut envelope, state).await?,
            "RSET" => {
                envelope = Envelope::default();
                "250 2.0.0 OK".to_owned()
            }
            "NOOP" => "250 2.0.0 OK".to_owned(),
            "QUIT" => {
                conn.reply("221 2.0.0 Bye").await?;
                return Ok(());
            }
            "VRFY" | "EXPN" => "252 2.5.2 Not verified".to_owned(),
            _ => "502 5.5.1 Not implemented".to_owned(),
        };
        conn.reply(&answer).await?;
    }
}

/// The answer to `RCPT TO:`. Only an address of ours whose token verifies is a recipient; the
/// same one twice is one recipient, and there are at most [`MAX_RECIPIENTS`].
fn rcpt(envelope: &mut Envelope, rest: &str, state: &AppState, domain: &str) -> &'static str {
    let address = rest.split_whitespace().next().unwrap_or_default();
    let token = mail::token_in(address, domain).filter(|t| mail::token_verifies(state, t));
    match token {
        _ if !envelope.from => "503 5.5.1 MAIL first",
        Some(token) if envelope.tokens.iter().any(|t| t == token) => "250 2.1.5 OK",
        _ if envelope.tokens.len() >= MAX_RECIPIENTS => "452 4.5.3 Too many recipients",
        Some(token) => {
            envelope.tokens.push(token.to_owned());
            "250 2.1.5 OK"
        }
        None => "550 5.1.1 No such unsubscribe address",
    }
}

/// `DATA`: reads the message and applies it, all before the answer; the transaction ends
/// whatever the answer.
async fn data_command(
    conn: &mut Conn<impl AsyncBufRead + Unpin, impl AsyncWrite + Unpin>,
    envelope: &mut Envelope,
    state: &AppState,
) -> io::Result<String> {
    if envelope.tokens.is_empty() {
        return Ok("554 5.5.1 No valid recipients".to_owned());
    }
    conn.reply("354 End data with <CR><LF>.<CR><LF>").await?;
    let tokens = std::mem::take(envelope).tokens;
    let Some(message) = data(conn).await? else {
        return Ok("552 5.3.4 Message too big; nothing was changed".to_owned());
    };
    Ok(match mail::receive(state, &message, &tokens).await {
        Ok(_) => "250 2.0.0 Received".to_owned(),
        Err(e) if e.to_string() == "not a mail message" => {
            "554 5.6.0 Not a mail message; nothing was changed".to_owned()
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "an unsubscribe by mail failed");
            "451 4.3.0 Please try again later".to_owned()
        }
    })
}

/// The message after `DATA`, dot-unstuffed, up to the lone `.`; `None` when it exceeds the
/// limit (the rest is read and dropped, so the session can go on). Lines are read straight
/// into the message, so a session holds no more than the message and a line.
async fn data(
    conn: &mut Conn<impl AsyncBufRead + Unpin, impl AsyncWrite + Unpin>,
) -> io::Result<Option<Vec<u8>>> {
    let mut message = Vec::new();
    let mut too_big = false;
    loop {
        let start = message.len();
        // A line may take what is left of the message (and a little more, for the final
        // dot); once the message is too big, only that dot matters.
        let limit = if too_big {
            MAX_LINE
        } else {
            MAX_LINE.max(MAX_MESSAGE_BYTES.saturating_sub(start))
        };
        match conn.line(&mut message, limit).await? {
            Line::End => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "end of input in DATA",
                ))
            }
            Line::TooLong => {
                too_big = true;
                message.clear();
                continue;
            }
            Line::Read => {}
        }
        if message[start..] == *b"." {
            message.truncate(start);
            return Ok((!too_big).then_some(message));
        }
        if message.get(start) == Some(&b'.') {
            message.remove(start);
        }
        if too_big || message.len() + 2 > MAX_MESSAGE_BYTES {
            too_big = true;
            message.clear();
            continue;
        }
        message.extend_from_slice(b"\r\n");
    }
}
