//! Standard Webhooks signing (<https://www.standardwebhooks.com/>, "Signature scheme"):
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the
//! bytes behind an endpoint's `whsec_` secret. During a rotation both secrets sign, and the
//! signatures are sent space-separated, so a receiver holding either one verifies.

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of every endpoint secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// An endpoint secret: the raw key bytes behind `whsec_<base64>`.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Reads `whsec_<base64>`; at least 24 key bytes, as the standard asks.
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        let b64 = s
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| anyhow::anyhow!("a webhook secret starts with {SECRET_PREFIX}"))?;
        let bytes = STANDARD.decode(b64)?;
        anyhow::ensure!(bytes.len() >= 24, "a webhook secret has at least 24 bytes");
        Ok(Secret(bytes))
    }

    /// A new secret of 32 random bytes, as `whsec_<base64>`.
    pub fn generate() -> String {
        use rand::TryRngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .expect("the OS random generator failed");
        format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
    }

    /// A key given as configuration: `whsec_<base64>` like an endpoint's, or any other text,
    /// whose bytes are the key (a provider's auth token).
    pub fn from_config(s: &str) -> Self {
        Secret::parse(s).unwrap_or_else(|_| Secret(s.as_bytes().to_vec()))
    }

    /// Whether one of the space-separated signatures of a `webhook-signature` header is this
    /// key's for the message, compared in constant time.
    pub fn verifies(&self, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        header.split_whitespace().any(|one| {
            let Some(Ok(given)) = one.strip_prefix("v1,").map(|b64| STANDARD.decode(b64)) else {
                return false;
            };
            self.mac(id, timestamp, body).verify_slice(&given).is_ok()
        })
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// `v1,<base64 signature>` of one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let signature = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(signature))
    }
}

/// The `webhook-signature` header value: one signature per secret, space-separated.
pub fn signature_header(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        // The example in the Standard Webhooks specification.
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_must_be_whsec_and_long_enough() {
        assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(Secret::parse("whsec_c2hvcnQ=").is_err());
        assert!(Secret::parse(&Secret::generate()).is_ok());
    }

    #[test]
    fn during_a_rotation_both_secrets_sign() {
        let (a, b) = (
            Secret::parse(&Secret::generate()).unwrap(),
            Secret::parse(&Secret::generate()).unwrap(),
        );
        let header = signature_header(&[a.clone(), b.clone()], "evt_1", 1, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            parts,
            [a.sign("evt_1", 1, b"{}"), b.sign("evt_1", 1, b"{}")]
        );
    }
}
