//! Signed link tokens (DESIGN §3): stateless, URL-safe, HMAC-SHA256 with a key id so keys can
//! rotate. Nothing is written to the database per link.
//!
//! Layout before base64url (no padding), all integers big-endian, 46 bytes → 62 characters:
//!
//! ```text
//! version u8 (=1) | key u32 | kind u8 | channel u8 | purpose u8 | contact i64 | topic i64 | issued_at i64 (s) | mac [16]
//! ```
//!
//! The MAC is HMAC-SHA256 over the first 30 bytes, truncated to 128 bits (RFC 2104 §5 allows
//! truncation to half the output and no less than 80 bits), compared in constant time.
//!
//! This file depends only on `hmac`, `sha2` and `base64`, so the fuzz target can include it.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION: u8 = 1;
const BODY_LEN: usize = 30;
const MAC_LEN: usize = 16;
const TOKEN_LEN: usize = BODY_LEN + MAC_LEN;
/// Characters in an encoded token.
pub const ENCODED_LEN: usize = 62;

/// How long a link works. CASL and CAN-SPAM want unsubscribe links to work for at least 30–60
/// days after a message is sent; messages are read late, so links last half a year.
pub const LINK_TTL_SECS: i64 = 183 * 24 * 3600;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    Unsubscribe,
    Preferences,
    NotMe,
    /// Not a link: the proof an undo button carries that the change it undoes was made just now
    /// (it is posted to the unsubscribe link it came from).
    Undo,
    /// Not a link: the proof a preferences link's page carries in `?saved=` that the change it
    /// describes was made through it just now.
    Saved,
}

impl LinkKind {
    fn code(self) -> u8 {
        match self {
            LinkKind::Unsubscribe => b'u',
            LinkKind::Preferences => b'p',
            LinkKind::NotMe => b'n',
            LinkKind::Undo => b'r',
            LinkKind::Saved => b's',
        }
    }

    fn from_code(c: u8) -> Option<Self> {
        match c {
            b'u' => Some(LinkKind::Unsubscribe),
            b'p' => Some(LinkKind::Preferences),
            b'n' => Some(LinkKind::NotMe),
            b'r' => Some(LinkKind::Undo),
            b's' => Some(LinkKind::Saved),
            _ => None,
        }
    }

    /// The path prefix the link is served under.
    pub fn path(self) -> &'static str {
        match self {
            LinkKind::Unsubscribe => "u",
            LinkKind::Preferences => "p",
            LinkKind::NotMe => "n",
            LinkKind::Undo => "u",
            LinkKind::Saved => "p",
        }
    }
}

/// What a link says, once its signature has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkClaims {
    pub kind: LinkKind,
    /// The key number that signed it.
    pub key: u32,
    pub contact_id: i64,
    /// The topic the message was about; 0 when the link is not about one topic.
    pub topic_id: i64,
    /// The channel the message went out on (a code from [`channel_code`]), 0 if unknown.
    pub channel: u8,
    /// The message's purpose (a code from [`purpose_code`]), 0 if unknown.
    pub purpose: u8,
    /// Unix seconds.
    pub issued_at: i64,
}

/// Why a token was refused. Every case is the client's (a 4xx), never the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link is incomplete or garbled")]
    Malformed,
    #[error("the link was not made by us, or was changed")]
    BadSignature,
    #[error("the link is signed with a key we no longer accept")]
    UnknownKey,
    #[error("the link has expired")]
    Expired,
    #[error("the link is for another page")]
    WrongKind,
}

/// One signing key, with its HMAC state keyed once (cloning it is cheaper than re-keying).
#[derive(Clone)]
pub struct LinkKey {
    pub number: u32,
    mac: Hmac<Sha256>,
}

impl LinkKey {
    pub fn new(number: u32, secret: &[u8]) -> Self {
        LinkKey {
            number,
            mac: Hmac::new_from_slice(secret).expect("HMAC takes keys of any length"),
        }
    }
}

/// Signs with the newest key and verifies with every key not yet retired.
#[derive(Clone)]
pub struct LinkCodec {
    /// Newest first; the first signs.
    keys: Vec<LinkKey>,
}

impl LinkCodec {
    /// `keys` newest first; there must be at least one.
    pub fn new(keys: Vec<LinkKey>) -> Self {
        assert!(!keys.is_empty(), "a link codec needs a key");
        LinkCodec { keys }
    }

    /// Signs the claims (their `key` is ignored: the newest key signs).
    pub fn sign(&self, claims: &LinkClaims) -> String {
        let key = &self.keys[0];
        let mut raw = [0u8; TOKEN_LEN];
        raw[0] = VERSION;
        raw[1..5].copy_from_slice(&key.number.to_be_bytes());
        raw[5] = claims.kind.code();
        raw[6] = claims.channel;
        raw[7] = claims.purpose;
        raw[8..16].copy_from_slice(&claims.contact_id.to_be_bytes());
        raw[16..24].copy_from_slice(&claims.topic_id.to_be_bytes());
        raw[24..30].copy_from_slice(&claims.issued_at.to_be_bytes()[2..]);
        let mut mac = key.mac.clone();
        mac.update(&raw[..BODY_LEN]);
        raw[BODY_LEN..].copy_from_slice(&mac.finalize().into_bytes()[..MAC_LEN]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The one way in: decodes, checks the signature and the age, and the kind of page asked
    /// for. `now` is Unix seconds.
    pub fn parse(
        &self,
        token: &str,
        expected: LinkKind,
        now: i64,
    ) -> Result<LinkClaims, LinkError> {
        if token.len() != ENCODED_LEN {
            return Err(LinkError::Malformed);
        }
        let mut raw = [0u8; TOKEN_LEN];
        match URL_SAFE_NO_PAD.decode_slice(token.as_bytes(), &mut raw) {
            Ok(TOKEN_LEN) => {}
            _ => return Err(LinkError::Malformed),
        }
        if raw[0] != VERSION {
            return Err(LinkError::Malformed);
        }
        let number = u32::from_be_bytes(raw[1..5].try_into().expect("4 bytes"));
        let key = self
            .keys
            .iter()
            .find(|k| k.number == number)
            .ok_or(LinkError::UnknownKey)?;
        let mut mac = key.mac.clone();
        mac.update(&raw[..BODY_LEN]);
        mac.verify_truncated_left(&raw[BODY_LEN..])
            .map_err(|_| LinkError::BadSignature)?;
        // Only signed bytes are interpreted from here on.
        let kind = LinkKind::from_code(raw[5]).ok_or(LinkError::Malformed)?;
        let mut issued = [0u8; 8];
        issued[2..].copy_from_slice(&raw[24..30]);
        let claims = LinkClaims {
            kind,
            key: number,
            channel: raw[6],
            purpose: raw[7],
            contact_id: i64::from_be_bytes(raw[8..16].try_into().expect("8 bytes")),
            topic_id: i64::from_be_bytes(raw[16..24].try_into().expect("8 bytes")),
            issued_at: i64::from_be_bytes(issued),
        };
        if kind != expected {
            return Err(LinkError::WrongKind);
        }
        if now.saturating_sub(claims.issued_at) > LINK_TTL_SECS {
            return Err(LinkError::Expired);
        }
        Ok(claims)
    }
}

/// Stable one-byte codes for channels in links (0: none).
pub fn channel_code(name: &str) -> u8 {
    match name {
        "email" => 1,
        "sms" => 2,
        "voice" => 3,
        "push" => 4,
        _ => 0,
    }
}

/// The channel name for a code, if any.
pub fn channel_name(code: u8) -> Option<&'static str> {
    ["", "email", "sms", "voice", "push"]
        .get(code as usize)
        .copied()
        .filter(|s| !s.is_empty())
}

/// Stable one-byte codes for message purposes in links (0: none).
pub fn purpose_code(name: &str) -> u8 {
    match name {
        "transactional" => 1,
        "informational" => 2,
        "marketing" => 3,
        "follow_up" => 4,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn codec(keys: &[(u32, &[u8])]) -> LinkCodec {
        LinkCodec::new(keys.iter().map(|(n, s)| LinkKey::new(*n, s)).collect())
    }

    fn claims(kind: LinkKind) -> LinkClaims {
        LinkClaims {
            kind,
            key: 0,
            contact_id: 42,
            topic_id: 7,
            channel: 1,
            purpose: 3,
            issued_at: NOW,
        }
    }

    #[test]
    fn a_signed_link_parses_back_to_its_claims() {
        let c = codec(&[(1, b"secret one")]);
        let token = c.sign(&claims(LinkKind::Unsubscribe));
        assert_eq!(token.len(), ENCODED_LEN);
        assert!(
            token
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'),
            "URL-safe"
        );
        let parsed = c.parse(&token, LinkKind::Unsubscribe, NOW + 10).unwrap();
        assert_eq!(
            parsed,
            LinkClaims {
                key: 1,
                ..claims(LinkKind::Unsubscribe)
            }
        );
    }

    #[test]
    fn any_changed_character_breaks_the_signature() {
        let c = codec(&[(1, b"secret one")]);
        let token = c.sign(&claims(LinkKind::Unsubscribe));
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert!(
                c.parse(&tampered, LinkKind::Unsubscribe, NOW).is_err(),
                "position {i}"
            );
        }
    }

    #[test]
    fn truncated_padded_or_garbage_tokens_are_malformed() {
        let c = codec(&[(1, b"k")]);
        let token = c.sign(&claims(LinkKind::Preferences));
        assert_eq!(
            c.parse(&token[..40], LinkKind::Preferences, NOW),
            Err(LinkError::Malformed)
        );
        assert_eq!(
            c.parse(&format!("{token}="), LinkKind::Preferences, NOW),
            Err(LinkError::Malformed)
        );
        assert_eq!(
            c.parse("", LinkKind::Preferences, NOW),
            Err(LinkError::Malformed)
        );
        assert_eq!(
            c.parse(&"é".repeat(31), LinkKind::Preferences, NOW),
            Err(LinkError::Malformed)
        );
    }

    #[test]
    fn a_link_for_one_page_does_not_work_on_another() {
        let c = codec(&[(1, b"k")]);
        let token = c.sign(&claims(LinkKind::Preferences));
        assert_eq!(
            c.parse(&token, LinkKind::Unsubscribe, NOW),
            Err(LinkError::WrongKind)
        );
    }

    #[test]
    fn links_expire_after_half_a_year_and_not_before_sixty_days() {
        let c = codec(&[(1, b"k")]);
        let token = c.sign(&claims(LinkKind::Unsubscribe));
        assert!(c
            .parse(&token, LinkKind::Unsubscribe, NOW + 60 * 24 * 3600)
            .is_ok());
        assert_eq!(
            c.parse(&token, LinkKind::Unsubscribe, NOW + LINK_TTL_SECS + 1),
            Err(LinkError::Expired)
        );
    }

    #[test]
    fn after_rotation_old_links_still_work_until_their_key_is_retired() {
        let old = codec(&[(1, b"old")]);
        let token = old.sign(&claims(LinkKind::Unsubscribe));
        let rotated = codec(&[(2, b"new"), (1, b"old")]);
        assert_eq!(
            rotated
                .parse(&token, LinkKind::Unsubscribe, NOW)
                .unwrap()
                .key,
            1
        );
        assert_eq!(
            rotated
                .parse(
                    &rotated.sign(&claims(LinkKind::Unsubscribe)),
                    LinkKind::Unsubscribe,
                    NOW
                )
                .unwrap()
                .key,
            2
        );
        let retired = codec(&[(2, b"new")]);
        assert_eq!(
            retired.parse(&token, LinkKind::Unsubscribe, NOW),
            Err(LinkError::UnknownKey)
        );
        let other_secret = codec(&[(1, b"not the old one")]);
        assert_eq!(
            other_secret.parse(&token, LinkKind::Unsubscribe, NOW),
            Err(LinkError::BadSignature)
        );
    }
}
