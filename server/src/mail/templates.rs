//! Every message Attune sends, in one file: each in plain text and HTML, in the contact's
//! language. The words are in `app/locales/<language>/messages.ftl`.

use app::{domain::Email, i18n::Lang, tr};

use super::{html_escape, OutgoingMail};

/// A message's body, written once and put out as plain text and as HTML.
#[derive(Default)]
struct Body {
    text: String,
    html: String,
}

impl Body {
    fn new(lang: &Lang) -> Self {
        Body::default().para(&tr!(lang, "hello"))
    }

    /// A paragraph of plain words.
    fn para(mut self, words: &str) -> Self {
        self.text.push_str(&format!("{words}\n\n"));
        self.html
            .push_str(&format!("<p>{}</p>", html_escape(words)));
        self
    }

    /// A paragraph for the HTML version only (the text version shows the address already).
    fn html_para(mut self, words: &str) -> Self {
        self.html
            .push_str(&format!("<p>{}</p>", html_escape(words)));
        self
    }

    /// A link: its address on a line of its own in text, a named link in HTML.
    fn link(mut self, name: &str, url: &str) -> Self {
        self.text.push_str(&format!("{url}\n\n"));
        self.html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            html_escape(url),
            html_escape(name)
        ));
        self
    }

    /// A list of lines, each with an optional link after it.
    fn list(mut self, items: &[(String, Option<(String, String)>)]) -> Self {
        let mut html = String::from("<ul>");
        for (line, link) in items {
            self.text.push_str(&format!("- {line}\n"));
            html.push_str(&format!("<li>{}", html_escape(line)));
            if let Some((name, url)) = link {
                self.text.push_str(&format!("  {name}: {url}\n"));
                html.push_str(&format!(
                    " <a href=\"{}\">{}</a>",
                    html_escape(url),
                    html_escape(name)
                ));
            }
            html.push_str("</li>");
        }
        self.text.push('\n');
        self.html.push_str(&html);
        self.html.push_str("</ul>");
        self
    }

    fn mail(self, to: Email, subject: String) -> OutgoingMail {
        OutgoingMail {
            to,
            subject,
            text: self.text,
            html: self.html,
        }
    }
}

/// A magic sign-in link (DESIGN §4).
pub fn sign_in(lang: &Lang, to: Email, link: &str) -> OutgoingMail {
    Body::new(lang)
        .para(&tr!(lang, "mail-sign-in-intro"))
        .link(&tr!(lang, "mail-sign-in-button"), link)
        .html_para(&tr!(lang, "mail-copy-address", link = link))
        .para(&tr!(lang, "mail-sign-in-outro"))
        .mail(to, tr!(lang, "mail-sign-in-subject"))
}

/// Confirms a new email address.
pub fn verify_email(lang: &Lang, to: Email, link: &str) -> OutgoingMail {
    Body::new(lang)
        .para(&tr!(lang, "mail-verify-intro"))
        .link(&tr!(lang, "mail-verify-button"), link)
        .html_para(&tr!(lang, "mail-copy-address", link = link))
        .para(&tr!(lang, "mail-verify-outro"))
        .mail(to, tr!(lang, "mail-verify-subject"))
}

/// To an address that was replaced on a contact's record. It may be a stranger's (a mistyped
/// address corrected), so it says nothing of the customer: no name, no new address, no link.
pub fn address_removed(lang: &Lang, to: Email) -> OutgoingMail {
    Body::new(lang)
        .para(&tr!(lang, "mail-removed-text"))
        .para(&tr!(lang, "mail-removed-outro"))
        .mail(to, tr!(lang, "mail-removed-subject"))
}

/// Staff changed a contact's preferences: what, why, and where to review or undo it.
pub fn changed_for_you(
    lang: &Lang,
    to: Email,
    items: &[String],
    reason: &str,
    review: &str,
) -> OutgoingMail {
    let items: Vec<_> = items.iter().map(|i| (i.clone(), None)).collect();
    Body::new(lang)
        .para(&tr!(lang, "mail-staff-changed-intro"))
        .list(&items)
        .para(&tr!(lang, "mail-reason", reason = reason))
        .link(&tr!(lang, "mail-review"), review)
        .para(&tr!(lang, "mail-staff-undo"))
        .link(&tr!(lang, "mail-undo"), review)
        .mail(to, tr!(lang, "mail-staff-changed-subject"))
}

/// A sender changed a contact's preferences in a way that needs their consent: each change with
/// an undo link, and the way to review everything.
pub fn sender_changed(
    lang: &Lang,
    to: Email,
    sender: &str,
    lines: &[(String, String)],
    preferences: &str,
) -> OutgoingMail {
    let undo = tr!(lang, "mail-undo");
    let items: Vec<_> = lines
        .iter()
        .map(|(line, url)| (line.clone(), Some((undo.clone(), url.clone()))))
        .collect();
    Body::new(lang)
        .para(&tr!(lang, "mail-sender-changed-intro", sender = sender))
        .list(&items)
        .para(&tr!(lang, "mail-sender-changed-outro"))
        .link(&tr!(lang, "mail-review"), preferences)
        .mail(to, tr!(lang, "mail-sender-changed-subject"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_is_written_in_the_contacts_language_in_text_and_html() {
        let to = Email::parse("ana@example.com").unwrap();
        let es = Lang::from_code("es").unwrap();
        let mail = sign_in(&es, to.clone(), "https://prefs.example.com/auth/x?a=1&b=2");
        assert_eq!(mail.subject, tr!(es, "mail-sign-in-subject"));
        assert_ne!(mail.subject, "Your sign-in link");
        assert!(mail.text.starts_with(&tr!(es, "hello")));
        assert!(mail
            .text
            .contains("https://prefs.example.com/auth/x?a=1&b=2\n"));
        assert!(mail
            .html
            .contains("href=\"https://prefs.example.com/auth/x?a=1&amp;b=2\""));
        let english = changed_for_you(
            &Lang::english(),
            to,
            &["Turned off <Offers>".to_owned()],
            "You asked by phone",
            "https://prefs.example.com/p/t",
        );
        assert!(english.text.contains("- Turned off <Offers>\n"));
        assert!(english.html.contains("<li>Turned off &lt;Offers&gt;</li>"));
        assert!(english.text.contains("Reason given: You asked by phone"));
    }
}
