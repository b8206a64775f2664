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

    /// The proof an undo button carries: signed now, for the same contact and topic as the
    /// link whose change it undoes.
    pub fn undo_proof(&self, claims: &LinkClaims) -> String {
        self.undo_proof_at(claims, jiff::Timestamp::now().as_second())
    }

    fn undo_proof_at(&self, claims: &LinkClaims, now: i64) -> String {
        self.codec.sign(&LinkClaims {
            kind: LinkKind::Undo,
            issued_at: now,
            ..*claims
        })
    }

    /// Whether `proof` lets the holder of the link with `claims` undo its change now: it was
    /// handed out by [`Links::undo_proof`] for the same contact and topic within
    /// [`UNDO_WINDOW_SECS`]. An old link alone re-subscribes nobody.
    pub fn undo_allowed(&self, claims: &LinkClaims, proof: Option<&str>) -> bool {
        self.undo_allowed_at(claims, proof, jiff::Timestamp::now().as_second())
    }

    fn undo_allowed_at(&self, claims: &LinkClaims, proof: Option<&str>, now: i64) -> bool {
        let Ok(proof) = self.codec.parse(proof.unwrap_or(""), LinkKind::Undo, now) else {
            return false;
        };
        proof.contact_id == claims.contact_id
            && proof.topic_id == claims.topic_id
            && (0..=UNDO_WINDOW_SECS).contains(&(now - proof.issued_at))
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
    fn an_undo_works_for_an_hour_for_its_own_contact_and_topic_and_never_with_a_link() {
        let key = SigningKey {
            kid: "links-1".into(),
            secret: b"s".to_vec(),
            retired: false,
        };
        let links = Links::new(&[key], Url::parse("https://example.com/").unwrap()).unwrap();
        let subject = |topic_id| LinkSubject {
            contact_id: 7,
            topic_id,
            channel: Some("email"),
            purpose: None,
        };
        let link = links.token(LinkKind::Unsubscribe, &subject(2));
        let claims = links.parse(&link, LinkKind::Unsubscribe).unwrap();
        let now = jiff::Timestamp::now().as_second();
        let proof = links.undo_proof_at(&claims, now);
        let other_topic = links
            .parse(
                &links.token(LinkKind::Unsubscribe, &subject(3)),
                LinkKind::Unsubscribe,
            )
            .unwrap();

        assert!(links.undo_allowed_at(&claims, Some(&proof), now + UNDO_WINDOW_SECS));
        assert!(!links.undo_allowed_at(&claims, Some(&proof), now + UNDO_WINDOW_SECS + 1));
        assert!(!links.undo_allowed_at(&other_topic, Some(&proof), now));
        assert!(
            !links.undo_allowed_at(&claims, Some(&link), now),
            "a link is no proof"
        );
        assert!(!links.undo_allowed_at(&claims, None, now));
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
