//! Unsubscribe by mail (DESIGN §3.1): the `mailto:` List-Unsubscribe beside the HTTPS one. The
//! address carries the message's unsubscribe token (`unsubscribe+TOKEN@DOMAIN`), so the mail
//! needs no other proof, and it does what a one-click POST would, as the person's reply.

use app::domain::{AddressKind, TopicKind};
use serde_json::json;

use crate::{
    links::{outdated, LinkKind},
    state::AppState,
    store::{apply_change, ChangeOp, ChangeRequest, Grant},
};

/// The local part's prefix; the token follows it.
const PREFIX: &str = "unsubscribe+";

/// A message larger than this is refused (at `DATA` over SMTP, 413 by webhook).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// A message reaches at most this many of our addresses (over SMTP `452` past it, by webhook
/// `422`): one person unsubscribing names one or two; more is someone's list.
pub const MAX_RECIPIENTS: usize = 20;

/// The `mailto:` URL for one message's unsubscribe token.
pub fn mailto(token: &str, domain: &str) -> String {
    format!("mailto:{PREFIX}{token}@{domain}?subject=unsubscribe")
}

/// The token in a recipient address, if the address is one of ours (`<…>` and case of the
/// domain aside).
pub fn token_in<'a>(address: &'a str, domain: &str) -> Option<&'a str> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, at) = address.rsplit_once('@')?;
    if !at.eq_ignore_ascii_case(domain) {
        return None;
    }
    let token = local.strip_prefix(PREFIX)?;
    (!token.is_empty()).then_some(token)
}

/// The tokens of ours that verify among `addresses`, each once, in the order first named (a
/// forwarded message names its recipient in `To` and again in `Delivered-To`).
pub fn tokens_of_ours<'a>(
    state: &AppState,
    addresses: impl IntoIterator<Item = &'a str>,
    domain: &str,
) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for token in addresses
        .into_iter()
        .filter_map(|a| token_in(a, domain))
        .filter(|t| token_verifies(state, t))
    {
        if !tokens.iter().any(|t| t == token) {
            tokens.push(token.to_owned());
        }
    }
    tokens
}

/// Whether a token names a message of ours whose link still works (signature, age, kind).
pub fn token_verifies(state: &AppState, token: &str) -> bool {
    state.links.parse(token, LinkKind::Unsubscribe).is_ok()
}

/// Whether a message was sent by a program (RFC 3834 `Auto-Submitted` other than `no`): an
/// out-of-office answer or a bounce is nobody's choice.
pub fn auto_submitted(message: &mail_parser::Message<'_>) -> bool {
    message
        .header_raw("Auto-Submitted")
        .map(|v| !v.trim().eq_ignore_ascii_case("no"))
        .unwrap_or(false)
}

/// The recipient addresses a forwarded message names (To, Cc, Delivered-To, X-Original-To).
pub fn recipients(message: &mail_parser::Message<'_>) -> Vec<String> {
    let mut found: Vec<String> = [message.to(), message.cc()]
        .into_iter()
        .flatten()
        .flat_map(|list| list.iter().filter_map(|a| a.address()).map(str::to_owned))
        .collect();
    for name in ["Delivered-To", "X-Original-To"] {
        found.extend(message.header_raw(name).map(|v| v.trim().to_owned()));
    }
    found
}

/// Does what a one-click POST of the token's link does, with actor `reply`: the topic
/// unsubscribed, or everything. A link mailed to an address since replaced, or about a
/// required topic, changes nothing. `Ok(false)`: the token is not (or no longer) ours.
pub async fn unsubscribe(state: &AppState, token: &str) -> anyhow::Result<bool> {
    let Ok(claims) = state.links.parse(token, LinkKind::Unsubscribe) else {
        return Ok(false);
    };
    let Some(target) = state
        .store
        .link_target(claims.contact_id, claims.topic_id)
        .await?
    else {
        return Ok(false);
    };
    if outdated(&claims, &target) {
        return Ok(false);
    }
    let op = match &target.topic {
        Some((topic, _)) if topic.kind == TopicKind::Required => return Ok(true),
        Some((topic, _)) => ChangeOp::Subscribed {
            topic: topic.key.clone(),
            subscribed: false,
        },
        None => ChangeOp::UnsubscribedAll(true),
    };
    let req = ChangeRequest {
        contact_id: claims.contact_id,
        grant: Grant::reply(claims.contact_id, AddressKind::Email),
        reason: Some("You replied by email to unsubscribe".to_owned()),
        meta: Some(json!({"source": "reply", "channel": "email"})),
        ops: vec![op],
        keep_session: None,
        said_at: Some(AddressKind::Email),
        consent_at: None,
        together: Vec::new(),
    };
    apply_change(&state.store, &req).await?;
    Ok(true)
}

/// Applies one received message: nothing for an automatic one, else the unsubscribe of each
/// recipient token of ours. Returns how many tokens were applied.
pub async fn receive(state: &AppState, raw: &[u8], tokens: &[String]) -> anyhow::Result<usize> {
    let Some(message) = mail_parser::MessageParser::default().parse(raw) else {
        anyhow::bail!("not a mail message");
    };
    if auto_submitted(&message) {
        return Ok(0);
    }
    let mut applied = 0;
    for token in tokens {
        if unsubscribe(state, token).await? {
            applied += 1;
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_unsubscribe_addresses_carry_a_token() {
        assert_eq!(
            token_in("<unsubscribe+abc@Mail.Example.com>", "mail.example.com"),
            Some("abc")
        );
        assert_eq!(
            token_in("unsubscribe+abc@other.example", "mail.example.com"),
            None
        );
        assert_eq!(
            token_in("someone@mail.example.com", "mail.example.com"),
            None
        );
        assert_eq!(
            token_in("unsubscribe+@mail.example.com", "mail.example.com"),
            None
        );
        assert_eq!(
            mailto("abc", "mail.example.com"),
            "mailto:unsubscribe+abc@mail.example.com?subject=unsubscribe"
        );
    }

    #[test]
    fn out_of_office_answers_and_bounces_are_automatic() {
        let parse = |raw: &'static str| mail_parser::MessageParser::default().parse(raw).unwrap();
        let person = parse("From: a@example.com\r\nSubject: unsubscribe\r\n\r\nstop\r\n");
        let robot = parse("From: a@example.com\r\nAuto-Submitted: auto-replied\r\n\r\naway\r\n");
        let declared = parse("From: a@example.com\r\nAuto-Submitted: No\r\n\r\nstop\r\n");
        assert!(!auto_submitted(&person));
        assert!(auto_submitted(&robot));
        assert!(!auto_submitted(&declared));
    }
}
