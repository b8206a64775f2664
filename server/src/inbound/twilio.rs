//! The SMS/voice provider's webhook signature (Twilio's scheme, the de-facto format): base64 of
//! HMAC-SHA1, keyed with the auth token, over the full URL the provider called followed by every
//! POST parameter's name and value, sorted by name.

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use sha1::Sha1;

fn mac(token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(token.as_bytes()).expect("HMAC takes any key");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The signature the provider sends for these parameters (what a test or a provider computes).
pub fn sign(token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(token, url, params).finalize().into_bytes())
}

/// Whether `signature` is the provider's for these parameters, compared in constant time.
pub fn verify(token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let Ok(given) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    mac(token, url, params).verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_covers_the_url_and_every_parameter_in_name_order() {
        let params = |body: &str| {
            vec![
                ("To".to_owned(), "+15550009999".to_owned()),
                ("From".to_owned(), "+15550001111".to_owned()),
                ("Body".to_owned(), body.to_owned()),
            ]
        };
        let url = "https://prefs.example.com/inbound/sms/twilio";
        let signature = sign("secret", url, &params("STOP"));
        let mut reordered = params("STOP");
        reordered.reverse();

        assert!(
            verify("secret", url, &reordered, &signature),
            "order does not matter"
        );
        assert!(!verify("secret", url, &params("START"), &signature));
        assert!(!verify("other", url, &params("STOP"), &signature));
        assert!(!verify(
            "secret",
            "https://evil.example/inbound/sms/twilio",
            &params("STOP"),
            &signature
        ));
        assert!(!verify("secret", url, &params("STOP"), "not base64!"));
    }
}
