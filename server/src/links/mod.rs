//! Links embedded in every message (DESIGN §3): signing, the URLs and email headers, and the
//! pages behind `/u/`, `/n/` (here) and `/p/` (the preference page, in the app).

pub mod pages;
pub mod token;

use anyhow::Context;
use url::Url;

pub use token::{LinkClaims, LinkCodec, LinkError, LinkKey, LinkKind};

use crate::store::{keys::SigningKey, Store};

/// Whether a link went by email before the contact's email address was replaced: it may be in a
/// stranger's inbox, so it shows nothing personal and reports nothing. Links sent by text or
/// call are about the phone number and stay good.
pub fn outdated(claims: &LinkClaims, target: &crate::store::contact_view::LinkTarget) -> bool {
    by_email(claims) && target.outdates(claims.issued_at)
}

/// Whether a preferences link may open the contact's page: not one mailed to an address since
/// replaced, nor one mailed to an address reported as someone else's while the report is open.
pub fn opens_preferences(
    claims: &LinkClaims,
    target: &crate::store::contact_view::LinkTarget,
) -> bool {
    let reported = by_email(claims) && target.email_disputed;
    !outdated(claims, target) && !reported
}

fn by_email(claims: &LinkClaims) -> bool {
    !matches!(token::channel_name(claims.channel), Some("sms" | "voice"))
}

/// The three links for one message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkUrls {
    pub unsubscribe: String,
    pub preferences: String,
    pub not_me: String,
}

/// What a message is about, for its links.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkSubject<'a> {
    pub contact_id: i64,
    /// 0 when the message is not about one topic.
    pub topic_id: i64,
    pub channel: Option<&'a str>,
    pub purpose: Option<&'a str>,
}

/// What an undo button reverses: a proof for one is no proof for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum UndoAction {
    Unsubscribe = 1,
    Everything = 2,
    Frequency = 3,
}

impl UndoAction {
    /// The page's button (`undo_unsubscribe`, …).
    pub fn parse(action: &str) -> Option<Self> {
        match action {
            "undo_unsubscribe" => Some(UndoAction::Unsubscribe),
            "undo_everything" => Some(UndoAction::Everything),
            "undo_frequency" => Some(UndoAction::Frequency),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UndoAction::Unsubscribe => "undo_unsubscribe",
            UndoAction::Everything => "undo_everything",
            UndoAction::Frequency => "undo_frequency",
        }
    }
}

/// Which address a link went to: a link sent by text or call speaks for the phone number, any
/// other for the email address.
pub fn address_kind(claims: &LinkClaims) -> app::domain::AddressKind {
    if by_email(claims) {
        app::domain::AddressKind::Email
    } else {
        app::domain::AddressKind::Phone
    }
}

/// How long a preferences link's page may describe a change just made through it: long enough
/// for the page to load after its form's redirect.
pub const SAVED_WINDOW_SECS: i64 = 600;

/// How long the undo button after a choice on a link page works (DESIGN §9: an old unsubscribe
/// link re-subscribes nobody). Later, the preference page is the way back.
pub const UNDO_WINDOW_SECS: i64 = 3600;

/// Signs and checks links, and builds their URLs on the configured base URL (never the request's
/// `Host`).
#[derive(Clone)]
pub struct Links {
    codec: LinkCodec,
    base_url: Url,
}

impl Links {
    /// From the stored keys (newest first); retired keys are left out, so their links stop
    /// working.
    pub fn new(keys: &[SigningKey], base_url: Url) -> anyhow::Result<Self> {
        let keys = keys
            .iter()
            .filter(|k| !k.retired)
            .map(|k| {
                let number = k
                    .kid
                    .rsplit('-')
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .with_context(|| {
                        format!("signing key id {:?} does not end in a number", k.kid)
                    })?;
                Ok(LinkKey::new(number, &k.secret))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut keys = keys;
        // The highest key number is the newest; it signs.
        keys.sort_by_key(|k| std::cmp::Reverse(k.number));
        anyhow::ensure!(
            !keys.is_empty(),
            "there is no link signing key that is not retired"
        );
        Ok(Links {
            codec: LinkCodec::new(keys),
            base_url,
        })
    }

    /// Loads (creating on first start) the link keys.
    pub async fn load(store: &Store, base_url: Url) -> anyhow::Result<Self> {
        Links::new(&store.ensure_signing_keys("links").await?, base_url)
    }

    /// A signed token for one kind of link.
    pub fn token(&self, kind: LinkKind, s: &LinkSubject<'_>) -> String {
        self.codec.sign(&LinkClaims {
            kind,
            key: 0,
            contact_id: s.contact_id,
            topic_id: s.topic_id,
            channel: s.channel.map(token::channel_code).unwrap_or(0),
            purpose: s.purpose.map(token::purpose_code).unwrap_or(0),
            issued_at: jiff::Timestamp::now().as_second(),
        })
    }

    /// The URL of one kind of link.
    pub fn url(&self, kind: LinkKind, s: &LinkSubject<'_>) -> String {
        self.path_url(&format!("{}/{}", kind.path(), self.token(kind, s)))
    }

    /// A contact's preference-page link, for a message Attune itself emails them.
    pub fn preferences_url(&self, contact_id: i64) -> String {
        self.url(
            LinkKind::Preferences,
            &LinkSubject {
                contact_id,
                topic_id: 0,
                channel: Some("email"),
                purpose: None,
            },
        )
    }

    /// A contact's preference-page link for a text Attune sends them (a reply to STOP, START
    /// or HELP): it opens their text and call choices only (DESIGN §3.2), since whoever holds
    /// the number may not be whoever reads the record's mail.
    pub fn text_preferences_url(&self, contact_id: i64) -> String {
        self.url(
            LinkKind::Preferences,
            &LinkSubject {
                contact_id,
                topic_id: 0,
                channel: Some("sms"),
                purpose: None,
            },
        )
    }

    fn path_url(&self, path: &str) -> String {
        let mut url = self.base_url.as_str().trim_end_matches('/').to_owned();
        url.push('/');
        url.push_str(path);
        url
    }

    /// The unsubscribe, preferences and not-me URLs for one message.
    pub fn urls(&self, s: &LinkSubject<'_>) -> LinkUrls {
        LinkUrls {
            unsubscribe: self.url(LinkKind::Unsubscribe, s),
            preferences: self.url(LinkKind::Preferences, s),
            not_me: self.url(LinkKind::NotMe, s),
        }
    }

    /// Checks a token from a URL for the page it arrived on.
    pub fn parse(&self, token: &str, kind: LinkKind) -> Result<LinkClaims, LinkError> {
        self.codec
            .parse(token, kind, jiff::Timestamp::now().as_second())
    }

    /// The proof an undo button carries: that this request just made change `seq` through the
    /// link with `claims`, by the page's button `action` (DESIGN §3.2). Signed now; it undoes
    /// that change only, once (the change function spends it), within [`UNDO_WINDOW_SECS`].
    pub fn undo_proof(&self, claims: &LinkClaims, seq: i64, action: UndoAction) -> String {
        self.undo_proof_at(claims, seq, action, jiff::Timestamp::now().as_second())
    }

    fn undo_proof_at(&self, claims: &LinkClaims, seq: i64, action: UndoAction, now: i64) -> String {
        // An undo proof's topic slot carries the change's seq, its purpose slot the action.
        self.codec.sign(&LinkClaims {
            kind: LinkKind::Undo,
            issued_at: now,
            topic_id: seq,
            purpose: action as u8,
            ..*claims
        })
    }

    /// The change `proof` lets the holder of the link with `claims` undo now by `action`: one
    /// handed out by [`Links::undo_proof`] for the same contact and action within
    /// [`UNDO_WINDOW_SECS`]. An old link alone re-subscribes nobody.
    pub fn undoable(
        &self,
        claims: &LinkClaims,
        proof: Option<&str>,
        action: UndoAction,
    ) -> Option<i64> {
        self.undoable_at(claims, proof, action, jiff::Timestamp::now().as_second())
    }

    fn undoable_at(
        &self,
        claims: &LinkClaims,
        proof: Option<&str>,
        action: UndoAction,
        now: i64,
    ) -> Option<i64> {
        let proof = self
            .codec
            .parse(proof.unwrap_or(""), LinkKind::Undo, now)
            .ok()?;
        (proof.contact_id == claims.contact_id
            && proof.channel == claims.channel
            && proof.purpose == action as u8
            && (0..=UNDO_WINDOW_SECS).contains(&(now - proof.issued_at)))
        .then_some(proof.topic_id)
    }

    /// The `?saved=` proof that change `seq` of the contact was just made through a link.
    pub fn saved_proof(&self, contact_id: i64, seq: i64) -> String {
        self.codec.sign(&LinkClaims {
            kind: LinkKind::Saved,
            key: 0,
            contact_id,
            topic_id: seq,
            channel: 0,
            purpose: 0,
            issued_at: jiff::Timestamp::now().as_second(),
        })
    }

    /// The change a `?saved=` proof names, if it is for this contact and at most
    /// [`SAVED_WINDOW_SECS`] old.
    pub fn saved_seq(&self, contact_id: i64, proof: &str) -> Option<i64> {
        let now = jiff::Timestamp::now().as_second();
        let claims = self.codec.parse(proof, LinkKind::Saved, now).ok()?;
        (claims.contact_id == contact_id
            && (0..=SAVED_WINDOW_SECS).contains(&(now - claims.issued_at)))
        .then_some(claims.topic_id)
    }

    /// The link of another kind for the same message (the not-me link on the unsubscribe page).
    pub fn sibling(&self, claims: &LinkClaims, kind: LinkKind) -> String {
        let mut c = *claims;
        c.kind = kind;
        self.path_url(&format!("{}/{}", kind.path(), self.codec.sign(&c)))
    }
}

/// The email headers for one-click unsubscribe (RFC 2369, RFC 8058), ready to add before DKIM
/// signing.
pub fn list_unsubscribe_headers(
    unsubscribe_url: &str,
    mailto: Option<&str>,
) -> [(&'static str, String); 2] {
    let list = match mailto {
        // RFC 2369 lists both; RFC 8058's one-click uses the HTTPS one.
        Some(mailto) => format!("<{unsubscribe_url}>, <{mailto}>"),
        None => format!("<{unsubscribe_url}>"),
    };
    [
        ("List-Unsubscribe", list),
        (
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_owned(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headers_are_what_rfc_8058_asks_for() {
        let [(n1, v1), (n2, v2)] =
            list_unsubscribe_headers("https://prefs.example.com/u/abc", None);
        assert_eq!(
            (n1, v1.as_str()),
            ("List-Unsubscribe", "<https://prefs.example.com/u/abc>")
        );
        assert_eq!(
            (n2, v2.as_str()),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        );
    }

    #[test]
    fn an_undo_works_for_an_hour_for_its_own_change_and_action_and_never_with_a_link() {
        let key = SigningKey {
            kid: "links-1".into(),
            secret: b"s".to_vec(),
            retired: false,
        };
        let links = Links::new(&[key], Url::parse("https://example.com/").unwrap()).unwrap();
        let subject = |contact_id| LinkSubject {
            contact_id,
            topic_id: 2,
            channel: Some("email"),
            purpose: None,
        };
        let link = links.token(LinkKind::Unsubscribe, &subject(7));
        let claims = links.parse(&link, LinkKind::Unsubscribe).unwrap();
        let now = jiff::Timestamp::now().as_second();
        let proof = links.undo_proof_at(&claims, 41, UndoAction::Unsubscribe, now);
        let other_contact = links
            .parse(
                &links.token(LinkKind::Unsubscribe, &subject(8)),
                LinkKind::Unsubscribe,
            )
            .unwrap();
        let at =
            |claims, proof: Option<&str>, action, t| links.undoable_at(claims, proof, action, t);

        assert_eq!(
            at(
                &claims,
                Some(&proof),
                UndoAction::Unsubscribe,
                now + UNDO_WINDOW_SECS
            ),
            Some(41),
            "the proof names the change it undoes"
        );
        assert_eq!(
            at(
                &claims,
                Some(&proof),
                UndoAction::Unsubscribe,
                now + UNDO_WINDOW_SECS + 1
            ),
            None
        );
        assert_eq!(
            at(&claims, Some(&proof), UndoAction::Everything, now),
            None,
            "a proof for one button is no proof for another"
        );
        assert_eq!(
            at(&other_contact, Some(&proof), UndoAction::Unsubscribe, now),
            None
        );
        assert_eq!(
            at(&claims, Some(&link), UndoAction::Unsubscribe, now),
            None,
            "a link is no proof"
        );
        assert_eq!(at(&claims, None, UndoAction::Unsubscribe, now), None);
    }

    #[test]
    fn urls_are_built_on_the_base_url_with_a_path_prefix_kept() {
        let key = SigningKey {
            kid: "links-1".into(),
            secret: b"s".to_vec(),
            retired: false,
        };
        let links = Links::new(&[key], Url::parse("https://example.com/prefs/").unwrap()).unwrap();
        let urls = links.urls(&LinkSubject {
            contact_id: 1,
            topic_id: 2,
            channel: Some("email"),
            purpose: None,
        });
        assert!(
            urls.unsubscribe.starts_with("https://example.com/prefs/u/"),
            "{}",
            urls.unsubscribe
        );
        assert!(urls.preferences.starts_with("https://example.com/prefs/p/"));
        assert!(urls.not_me.starts_with("https://example.com/prefs/n/"));
        let token = urls.unsubscribe.rsplit('/').next().unwrap();
        assert_eq!(
            links.parse(token, LinkKind::Unsubscribe).unwrap().topic_id,
            2
        );
    }
}
