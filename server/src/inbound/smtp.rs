//! Attune's own SMTP listener for `mailto:` unsubscribes (DESIGN §3.1, `ATTUNE_SMTP_LISTEN`).
//! It speaks just enough SMTP (RFC 5321) to receive: `RCPT TO` accepts only addresses whose
//! token verifies, `DATA` takes at most [`MAX_MESSAGE_BYTES`], and nothing is ever sent from
//! here. Bad input is refused with the protocol's own codes; a message accepted is applied
//! before its `250`, so nothing acknowledged is lost.

use std::time::Duration;

use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader},
    net::TcpListener,
    time::timeout,
};

use super::mail::{self, MAX_MESSAGE_BYTES};
use crate::state::AppState;

/// A command line longer than this is refused (RFC 5321 §4.5.3.1.4 allows 512).
const MAX_LINE: usize = 1000;
/// At most this many recipients per message.
const MAX_RECIPIENTS: usize = 20;
/// A client silent this long is hung up on.
const IDLE: Duration = Duration::from_secs(60);

/// Accepts connections until the task is dropped.
pub async fn serve(listener: TcpListener, state: AppState, domain: String) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let (state, domain) = (state.clone(), domain.clone());
        tokio::spawn(async move {
            let (read, write) = stream.into_split();
            if let Err(e) = session(BufReader::new(read), write, &state, &domain).await {
                tracing::debug!(error = %e, "SMTP session ended");
            }
        });
    }
}

/// Reads one line (up to CRLF) of at most `limit` bytes; `None` at end of input. A longer line
/// is consumed and reported as `Some(Err(()))`.
async fn line(
    reader: &mut (impl AsyncBufReadExt + Unpin),
    limit: usize,
) -> std::io::Result<Option<Result<Vec<u8>, ()>>> {
    let mut buf = Vec::new();
    let n = timeout(
        IDLE,
        (&mut *reader)
            .take(limit as u64 + 2)
            .read_until(b'\n', &mut buf),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
    if n == 0 {
        return Ok(None);
    }
    if !buf.ends_with(b"\n") {
        // Too long: skip the rest of it.
        let mut rest = Vec::new();
        timeout(IDLE, reader.read_until(b'\n', &mut rest))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
        return Ok(Some(Err(())));
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(Ok(buf)))
}

async fn session(
    mut reader: BufReader<impl AsyncRead + Unpin>,
    mut writer: impl AsyncWrite + Unpin,
    state: &AppState,
    domain: &str,
) -> std::io::Result<()> {
    reply(
        &mut writer,
        &format!("220 {domain} Attune ESMTP, unsubscribes only"),
    )
    .await?;
    let mut from = false;
    let mut tokens: Vec<String> = Vec::new();
    loop {
        let Some(command) = line(&mut reader, MAX_LINE).await? else {
            return Ok(());
        };
        let Ok(command) = command else {
            reply(&mut writer, "500 5.5.2 Line too long").await?;
            continue;
        };
        let text = String::from_utf8_lossy(&command).into_owned();
        let upper = text.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or_default();
        match verb {
            "EHLO" => {
                reply(
                    &mut writer,
                    &format!(
                    "250-{domain}\r\n250-SIZE {MAX_MESSAGE_BYTES}\r\n250-8BITMIME\r\n250 SMTPUTF8"
                ),
                )
                .await?
            }
            "HELO" => reply(&mut writer, &format!("250 {domain}")).await?,
            "MAIL" if upper.starts_with("MAIL FROM:") => {
                from = true;
                tokens.clear();
                reply(&mut writer, "250 2.1.0 OK").await?
            }
            "RCPT" if upper.starts_with("RCPT TO:") => {
                let address = text[8..].split_whitespace().next().unwrap_or_default();
                let token =
                    mail::token_in(address, domain).filter(|t| mail::token_verifies(state, t));
                match token {
                    _ if !from => reply(&mut writer, "503 5.5.1 MAIL first").await?,
                    _ if tokens.len() >= MAX_RECIPIENTS => {
                        reply(&mut writer, "452 4.5.3 Too many recipients").await?
                    }
                    Some(token) => {
                        tokens.push(token.to_owned());
                        reply(&mut writer, "250 2.1.5 OK").await?
                    }
                    None => reply(&mut writer, "550 5.1.1 No such unsubscribe address").await?,
                }
            }
            "DATA" => {
                if tokens.is_empty() {
                    reply(&mut writer, "554 5.5.1 No valid recipients").await?;
                    continue;
                }
                reply(&mut writer, "354 End data with <CR><LF>.<CR><LF>").await?;
                let Some(message) = data(&mut reader).await? else {
                    reply(
                        &mut writer,
                        "552 5.3.4 Message too big; nothing was changed",
                    )
                    .await?;
                    from = false;
                    tokens.clear();
                    continue;
                };
                let answer = match mail::receive(state, &message, &tokens).await {
                    Ok(_) => "250 2.0.0 Received".to_owned(),
                    Err(e) if e.to_string() == "not a mail message" => {
                        "554 5.6.0 Not a mail message; nothing was changed".to_owned()
                    }
                    Err(e) => {
                        tracing::error!(error = %format!("{e:#}"), "an unsubscribe by mail failed");
                        "451 4.3.0 Please try again later".to_owned()
                    }
                };
                from = false;
                tokens.clear();
                reply(&mut writer, &answer).await?
            }
            "RSET" => {
                from = false;
                tokens.clear();
                reply(&mut writer, "250 2.0.0 OK").await?
            }
            "NOOP" => reply(&mut writer, "250 2.0.0 OK").await?,
            "QUIT" => {
                reply(&mut writer, "221 2.0.0 Bye").await?;
                return Ok(());
            }
            "VRFY" | "EXPN" => reply(&mut writer, "252 2.5.2 Not verified").await?,
            _ => reply(&mut writer, "502 5.5.1 Not implemented").await?,
        }
    }
}

/// The message after `DATA`, dot-unstuffed, up to the lone `.`; `None` when it exceeds the
/// limit (the rest is read and dropped, so the session can go on).
async fn data(reader: &mut (impl AsyncBufReadExt + Unpin)) -> std::io::Result<Option<Vec<u8>>> {
    let mut message = Vec::new();
    let mut too_big = false;
    loop {
        let Some(next) = line(reader, MAX_LINE * 1000).await? else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "end of input in DATA",
            ));
        };
        let Ok(text) = next else {
            too_big = true;
            continue;
        };
        if text == b"." {
            return Ok((!too_big).then_some(message));
        }
        let text = text.strip_prefix(b".").unwrap_or(&text);
        if message.len() + text.len() + 2 > MAX_MESSAGE_BYTES {
            too_big = true;
        }
        if !too_big {
            message.extend_from_slice(text);
            message.extend_from_slice(b"\r\n");
        }
    }
}

async fn reply(writer: &mut (impl AsyncWrite + Unpin), text: &str) -> std::io::Result<()> {
    writer.write_all(text.as_bytes()).await?;
    writer.write_all(b"\r\n").await?;
    writer.flush().await
}
