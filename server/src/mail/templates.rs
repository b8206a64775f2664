//! Every message Attune sends, in one file: each in plain text and HTML, in the contact's
//! language, signed by the organisation (`ATTUNE_ORG_NAME`) that the customer deals with. The
//! words are in `app/locales/<language>/messages.ftl`.

use app::{domain::Email, i18n::Lang, tr};

use super::{html_escape, OutgoingMail};

/// A message's body, written once and put out as plain text and as HTML.
#[derive(Default)]
struct Body {
    text: String,
    html: String,
    /// The closing lines, added last: every mail is signed by the organisation, so that none
    /// reads as if from a stranger.
    sign_off: String,
}

impl Body {
    /// A mail in `lang` from the organisation `org`.
    fn new(lang: &Lang, org: &str) -> Self {
        let body = Body {
            sign_off: tr!(lang, "mail-sign-off", org = org),
            ..Body::default()
        };
        body.para(&tr!(lang, "hello"))
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

    /// The closing lines: one line each in text, broken lines of one paragraph in HTML.
    fn signed(mut self) -> Self {
        let lines: Vec<&str> = self.sign_off.lines().map(str::trim).collect();
        self.text.push_str(&format!("{}\n", lines.join("\n")));
        let html: Vec<String> = lines.iter().map(|l| html_escape(l)).collect();
        self.html.push_str(&format!("<p>{}</p>", html.join("<br>")));
        self
    }

    fn mail(self, to: Email, subject: String) -> OutgoingMail {
        let Body { text, html, .. } = self.signed();
        OutgoingMail {
            to,
            subject,
            text,
            html,
        }
    }
}

/// A magic sign-in link (DESIGN §4) to the organisation `org`'s pages.
pub fn sign_in(lang: &Lang, org: &str, to: Email, link: &str) -> OutgoingMail {
    Body::new(lang, org)
        .para(&tr!(lang, "mail-sign-in-intro"))
        .link(&tr!(lang, "mail-sign-in-button"), link)
        .html_para(&tr!(lang, "mail-copy-address", link = link))
        .para(&tr!(lang, "mail-sign-in-outro"))
        .mail(to, tr!(lang, "mail-sign-in-subject", org = org))
}

/// Confirms a new email address given to the organisation `org`.
pub fn verify_email(lang: &Lang, org: &str, to: Email, link: &str) -> OutgoingMail {
    Body::new(lang, org)
        .para(&tr!(lang, "mail-verify-intro"))
        .link(&tr!(lang, "mail-verify-button"), link)
        .html_para(&tr!(lang, "mail-copy-address", link = link))
        .para(&tr!(lang, "mail-verify-outro"))
        .mail(to, tr!(lang, "mail-verify-subject", org = org))
}

/// To an address that was replaced on a contact's record. It may be a stranger's (a mistyped
/// address corrected), so it says nothing of the customer: no name, no new address, no link.
pub fn address_removed(lang: &Lang, org: &str, to: Email) -> OutgoingMail {
    Body::new(lang, org)
        .para(&tr!(lang, "mail-removed-text"))
        .para(&tr!(lang, "mail-removed-outro"))
        .mail(to, tr!(lang, "mail-removed-subject"))
}

/// Staff changed a contact's preferences: what, why, and where to review or undo it.
pub fn changed_for_you(
    lang: &Lang,
    org: &str,
    to: Email,
    items: &[String],
    reason: &str,
    review: &str,
) -> OutgoingMail {
    let items: Vec<_> = items.iter().map(|i| (i.clone(), None)).collect();
    Body::new(lang, org)
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
    org: &str,
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
    Body::new(lang, org)
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
        let mail = sign_in(
            &es,
            "Tienda",
            to.clone(),
            "https://prefs.example.com/auth/x?a=1&b=2",
        );
        assert_eq!(mail.subject, "Su enlace de acceso a Tienda");
        assert!(mail.text.starts_with(&tr!(es, "hello")));
        assert!(mail
            .text
            .contains("https://prefs.example.com/auth/x?a=1&b=2\n"));
        assert!(mail
            .html
            .contains("href=\"https://prefs.example.com/auth/x?a=1&amp;b=2\""));
        let english = changed_for_you(
            &Lang::english(),
            "Shop",
            to,
            &["Turned off <Offers>".to_owned()],
            "You asked by phone",
            "https://prefs.example.com/p/t",
        );
        assert!(english.text.contains("- Turned off <Offers>\n"));
        assert!(english.html.contains("<li>Turned off &lt;Offers&gt;</li>"));
        assert!(english.text.contains("Reason given: You asked by phone"));
    }

    #[test]
    fn every_mail_is_signed_by_the_organisation_with_its_name_escaped_in_html() {
        let to = || Email::parse("ana@example.com").unwrap();
        let en = Lang::english();
        let org = "Example Shop & <Co>";
        let link = "https://prefs.example.com/auth/x";
        let mails = [
            sign_in(&en, org, to(), link),
            verify_email(&en, org, to(), link),
            address_removed(&en, org, to()),
            changed_for_you(
                &en,
                org,
                to(),
                &["Turned off Offers".to_owned()],
                "asked",
                link,
            ),
            sender_changed(&en, org, to(), "Shop app", &[], link),
        ];

        for mail in &mails {
            assert!(
                mail.text.ends_with("Kind regards,\nExample Shop & <Co>\n"),
                "{}",
                mail.text
            );
            assert!(
                mail.html
                    .ends_with("<p>Kind regards,<br>Example Shop &amp; &lt;Co&gt;</p>"),
                "{}",
                mail.html
            );
            assert!(!mail.text.contains("Attune") && !mail.subject.contains("Attune"));
        }
        assert_eq!(
            mails[0].subject,
            "Your sign-in link for Example Shop & <Co>"
        );
        assert_eq!(
            mails[1].subject,
            "Confirm your email address for Example Shop & <Co>"
        );
        let de = sign_in(&Lang::from_code("de").unwrap(), "Laden", to(), link);
        assert!(
            de.text.ends_with("Mit freundlichen Grüßen\nLaden\n"),
            "{}",
            de.text
        );
    }
}
