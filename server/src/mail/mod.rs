//! Outgoing mail: one trait, two implementations — SMTP (`smtp://`, `smtps://`) and `.eml` files
//! in a folder (`file://`, the laptop default).

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

/// The sender address of every message.
fn from_mailbox(base_url: &url::Url) -> Mailbox {
    let host = base_url.host_str().unwrap_or("localhost");
    let domain = if host.contains('.') && host.parse::<std::net::IpAddr>().is_err() {
        host
    } else {
        "attune.localhost"
    };
    format!("Attune <no-reply@{domain}>")
        .parse()
        .expect("a valid mailbox")
}

fn build(from: &Mailbox, mail: OutgoingMail) -> anyhow::Result<Message> {
    Message::builder()
        .from(from.clone())
        .to(mail.to.as_str().parse().context("the recipient address")?)
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
        self.transport
            .send(message)
            .await
            .context("sending through SMTP")?;
        Ok(())
    }

    fn is_local(&self) -> bool {
        false
    }
}

/// The mailer `ATTUNE_MAIL_URL` names.
pub fn from_url(mail_url: &str, base_url: &url::Url) -> anyhow::Result<std::sync::Arc<dyn Mailer>> {
    let from = from_mailbox(base_url);
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
