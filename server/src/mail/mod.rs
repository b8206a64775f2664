//! Outgoing mail: one trait, two implementations — SMTP (`smtp://`, `smtps://`) and `.eml` files
//! in a folder (`file://`, the laptop default).

pub mod outbox;
pub mod templates;

use anyhow::Context;
use app::domain::Email;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

/// A message to one person, with a plain-text and an HTML part.
#[derive(Clone)]
pub struct OutgoingMail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends mail. Implementations must not log addresses or message bodies.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: OutgoingMail) -> anyhow::Result<()>;
    /// Whether mail stays on this machine (the file mailer): links may then be logged, to make
    /// local use easy.
    fn is_local(&self) -> bool;
}

fn build(from: &Mailbox, mail: OutgoingMail) -> anyhow::Result<Message> {
    Message::builder()
        .from(from.clone())
        .to(mail
            .to
            .ascii_domain()
            .parse()
            .context("the recipient address")?)
        .subject(mail.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(mail.text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(mail.html),
                ),
        )
        .context("building the message")
}

/// Writes each message as `<id>.eml` into a folder.
pub struct FileMailer {
    from: Mailbox,
    transport: AsyncFileTransport<Tokio1Executor>,
    pub dir: std::path::PathBuf,
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: OutgoingMail) -> anyhow::Result<()> {
        let message = build(&self.from, mail)?;
        let id = self
            .transport
            .send(message)
            .await
            .context("writing the message file")?;
        tracing::info!(file = %self.dir.join(format!("{id}.eml")).display(), "mail written");
        Ok(())
    }

    fn is_local(&self) -> bool {
        true
    }
}

/// Sends through an SMTP server.
pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: OutgoingMail) -> anyhow::Result<()> {
        let message = build(&self.from, mail)?;
        self.transport.send(message).await.map_err(|e| {
            // SMTP servers echo the recipient in their refusals; logs never get an address.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            anyhow::anyhow!("sending through SMTP: {}", scrub(&text))
        })?;
        Ok(())
    }

    fn is_local(&self) -> bool {
        false
    }
}

/// Text with every email address and phone number in it masked (`a***@example.com`,
/// `+*******1111`), for error messages that go to logs.
pub fn scrub(text: &str) -> String {
    let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-'".contains(c);
    let is_domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            // Take back the local part already written, and mask it.
            let mut start = i;
            while start > 0 && is_local(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && is_domain(chars[end]) {
                end += 1;
            }
            if start < i && end > i + 1 {
                let local_len = i - start;
                for _ in 0..local_len {
                    out.pop();
                }
                out.push(chars[start]);
                out.push_str("***@");
                out.extend(&chars[i + 1..end]);
                i = end;
                continue;
            }
        }
        if chars[i] == '+' || chars[i].is_ascii_digit() {
            let mut end = i + usize::from(chars[i] == '+');
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            let digits = end - i - usize::from(chars[i] == '+');
            if chars[i] == '+' && digits >= 7 {
                out.push('+');
                out.extend(std::iter::repeat_n('*', digits - 4));
                out.extend(&chars[end - 4..end]);
                i = end;
                continue;
            }
            out.extend(&chars[i..end.max(i + 1)]);
            i = end.max(i + 1);
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The mailer `ATTUNE_MAIL_URL` names.
pub fn from_url(mail_url: &str, from: &Mailbox) -> anyhow::Result<std::sync::Arc<dyn Mailer>> {
    let from = from.clone();
    if let Some(dir) = mail_url.strip_prefix("file://") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the mail folder {}", dir.display()))?;
        Ok(std::sync::Arc::new(FileMailer {
            from,
            transport: AsyncFileTransport::new(&dir),
            dir,
        }))
    } else {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(mail_url)
            .context("ATTUNE_MAIL_URL is not a valid smtp:// or smtps:// URL")?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(std::sync::Arc::new(SmtpMailer { from, transport }))
    }
}

/// Escapes text for HTML bodies.
pub use app::pages::shell::escape_html as html_escape;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_for_logs_names_no_address_and_no_phone_number() {
        let text = "550 5.1.1 <ann.demo@example.com>: Recipient address rejected; also bob@x.org, +15550001111";
        let scrubbed = scrub(text);
        assert_eq!(
            scrubbed,
            "550 5.1.1 <a***@example.com>: Recipient address rejected; also b***@x.org, +*******1111"
        );
        assert_eq!(
            scrub("no address here: 421 4.7.0 try later"),
            "no address here: 421 4.7.0 try later"
        );
    }

    #[tokio::test]
    async fn an_smtp_refusal_that_echoes_the_recipient_does_not_reach_the_error_text() {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        // A minimal SMTP peer that refuses every recipient, naming it, as real servers do.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 test ESMTP\r\n").await.unwrap();
            while let Ok(Some(line)) = lines.next_line().await {
                let upper = line.to_ascii_uppercase();
                let answer = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    "250 test\r\n".to_owned()
                } else if upper.starts_with("RCPT TO:") {
                    let who = line[8..].trim().to_owned();
                    format!("550 5.1.1 {who}: Recipient address rejected\r\n")
                } else if upper.starts_with("QUIT") {
                    "221 bye\r\n".to_owned()
                } else {
                    "250 OK\r\n".to_owned()
                };
                if write.write_all(answer.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
        let from = "Example Shop <no-reply@prefs.example.com>".parse().unwrap();
        let mailer = from_url(&format!("smtp://127.0.0.1:{port}"), &from).unwrap();
        let to = app::domain::Email::parse("ann.demo@example.com").unwrap();

        let err = mailer
            .send(templates::sign_in(
                &app::i18n::Lang::english(),
                "Example Shop",
                to,
                "https://prefs.example.com/auth/x",
            ))
            .await
            .unwrap_err();

        let text = format!("{err:#}");
        assert!(
            text.contains("550") && text.contains("a***@example.com"),
            "{text}"
        );
        assert!(!text.contains("ann.demo"), "{text}");
    }
}
