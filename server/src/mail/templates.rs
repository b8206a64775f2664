//! Every message Attune sends, in one file: the words of each, in plain text and HTML.

use app::domain::Email;

use super::{html_escape, OutgoingMail};

/// A magic sign-in link (DESIGN §4).
pub fn sign_in(to: Email, link: &str) -> OutgoingMail {
    let text = format!(
        "Hello,\n\nUse this link to sign in and manage the messages you get from us:\n\n{link}\n\n\
         It works once, for 15 minutes. If you did not ask for it, you can ignore this email: \
         nothing changes until the link is used.\n"
    );
    let l = html_escape(link);
    let html = format!(
        "<p>Hello,</p><p>Use this link to sign in and manage the messages you get from us:</p>\
         <p><a href=\"{l}\">Sign in to your preferences</a></p><p>Or copy this address: {l}</p>\
         <p>It works once, for 15 minutes. If you did not ask for it, you can ignore this email.</p>"
    );
    OutgoingMail {
        to,
        subject: "Your sign-in link".into(),
        text,
        html,
    }
}

/// Confirms a new email address.
pub fn verify_email(to: Email, link: &str) -> OutgoingMail {
    let text = format!(
        "Hello,\n\nPlease confirm that this is your email address by opening this link:\n\n{link}\n\n\
         If you did not change your email address with us, ignore this email.\n"
    );
    let l = html_escape(link);
    let html = format!(
        "<p>Hello,</p><p>Please confirm that this is your email address:</p><p><a href=\"{l}\">Confirm my email address</a></p>\
         <p>Or copy this address: {l}</p><p>If you did not change your email address with us, ignore this email.</p>"
    );
    OutgoingMail {
        to,
        subject: "Confirm your email address".into(),
        text,
        html,
    }
}

/// To an address that was replaced on a contact's record. It may be a stranger's (a mistyped
/// address corrected), so it says nothing of the customer: no name, no new address, no link.
pub fn address_removed(to: Email) -> OutgoingMail {
    let text = "Hello,\n\nThis email address has been removed from an account with us, so you \
        will not receive messages about that account here any more.\n\n\
        If you expected this, there is nothing to do. If you think it is a mistake, please \
        contact us the way you usually do.\n"
        .to_owned();
    let html = "<p>Hello,</p><p>This email address has been removed from an account with us, so \
        you will not receive messages about that account here any more.</p>\
        <p>If you expected this, there is nothing to do. If you think it is a mistake, please \
        contact us the way you usually do.</p>"
        .to_owned();
    OutgoingMail {
        to,
        subject: "An email address was removed from an account".into(),
        text,
        html,
    }
}

/// Staff changed a contact's preferences: what, why, and where to review or undo it.
pub fn changed_for_you(to: Email, items: &[String], reason: &str, review: &str) -> OutgoingMail {
    let list: String = items.iter().map(|i| format!("- {i}\n")).collect();
    let text = format!(
        "Hello,\n\nOur staff changed your message preferences for you:\n\n{list}\n\
         Reason given: {reason}\n\n\
         Review your preferences: {review}\n\n\
         Undo: if this is not what you wanted, open the same page and change it back — it takes \
         effect at once: {review}\n"
    );
    let list_html: String = items
        .iter()
        .map(|i| format!("<li>{}</li>", html_escape(i)))
        .collect();
    let r = html_escape(review);
    let html = format!(
        "<p>Hello,</p><p>Our staff changed your message preferences for you:</p><ul>{list_html}</ul>\
         <p>Reason given: {}</p>\
         <p><a href=\"{r}\">Review your preferences</a></p>\
         <p><a href=\"{r}\">Undo</a>: if this is not what you wanted, change it back on your \
         preference page; it takes effect at once.</p>",
        html_escape(reason)
    );
    OutgoingMail {
        to,
        subject: "We changed your message preferences for you".into(),
        text,
        html,
    }
}

/// A sender changed a contact's preferences in a way that needs their consent: each change with
/// an undo link, and the way to review everything.
pub fn sender_changed(
    to: Email,
    sender: &str,
    lines: &[(String, String)],
    preferences: &str,
) -> OutgoingMail {
    let text = format!(
        "Hello,\n\n{sender} changed your message preferences on your behalf:\n\n{}\n\nIf you did not ask for this, undo it with the link above, or review everything: {preferences}\n",
        lines.iter().map(|(l, u)| format!("- {l}\n  Undo: {u}")).collect::<Vec<_>>().join("\n")
    );
    let html = format!(
        "<p>Hello,</p><p>{} changed your message preferences on your behalf:</p><ul>{}</ul><p>If you did not ask for this, undo it, or <a href=\"{}\">review all your preferences</a>.</p>",
        html_escape(sender),
        lines.iter().map(|(l, u)| format!("<li>{} <a href=\"{}\">Undo</a></li>", html_escape(l), html_escape(u))).collect::<String>(),
        html_escape(preferences)
    );
    OutgoingMail {
        to,
        subject: "We changed your preferences — please check".into(),
        text,
        html,
    }
}
