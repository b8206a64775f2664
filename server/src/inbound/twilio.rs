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

/// Whether `s` is a Twilio id of one of these kinds: the two-letter prefix and exactly 32 hex
/// digits (Twilio documents its SIDs as `^SM[0-9a-fA-F]{32}$`).
pub fn is_sid(s: &str, prefixes: &[&str]) -> bool {
    s.len() == 34
        && prefixes.iter().any(|p| s.starts_with(p))
        && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Which webhook a delivery came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    Sms,
    Voice,
}

/// Why a signed delivery is still refused; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unfit {
    /// A name twice: the signed string cannot tell which one was signed.
    Repeated(String),
    /// A name Twilio does not send to this webhook.
    UnknownName(String),
    /// A value not in the form Twilio gives it (only the name is kept: values are personal).
    BadValue(&'static str),
    /// No `MessageSid` (texts) or `CallSid` (calls).
    NoId,
    /// `AccountSid` is not the configured account, or missing while one is configured.
    OtherAccount,
}

impl std::fmt::Display for Unfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unfit::Repeated(n) => write!(f, "the parameter {n:?} is given twice"),
            Unfit::UnknownName(n) => write!(f, "{n:?} is not a parameter the provider sends"),
            Unfit::BadValue(n) => write!(f, "{n} is not in the provider's form"),
            Unfit::NoId => f.write_str("the delivery has no MessageSid or CallSid"),
            Unfit::OtherAccount => f.write_str("the delivery is not for this account"),
        }
    }
}

/// The form each value has in Twilio's deliveries.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// Written by the person (the text they sent, the name their carrier shows).
    Free,
    /// A SID with one of these prefixes.
    Sid(&'static [&'static str]),
    /// E.164 or a short code, possibly empty (`+` and digits).
    Number,
    /// Digits only (`NumMedia`).
    Count,
    /// Keys pressed: digits, `*` and `#`.
    Keys,
    /// Lower-case words (`received`, `outbound-api`).
    Word,
    /// Place names and codes, which Twilio gives in capitals (`SAN FRANCISCO`, `CA`, `94105`).
    Place,
    /// Letters, digits, spaces and dashes (`TN-Validation-Passed-A`, `Gather End`).
    Label,
    /// `2010-04-01`.
    Date,
    /// A media URL or MIME type: printable, no `+`, no space.
    Media,
}

/// The parameters Twilio posts to a messaging webhook, and their forms.
const SMS: &[(&str, Form)] = &[
    ("AccountSid", Form::Sid(&["AC"])),
    ("ApiVersion", Form::Date),
    ("Body", Form::Free),
    ("From", Form::Number),
    ("FromCity", Form::Place),
    ("FromCountry", Form::Place),
    ("FromState", Form::Place),
    ("FromZip", Form::Place),
    ("MessageSid", Form::Sid(&["SM", "MM"])),
    ("MessagingServiceSid", Form::Sid(&["MG"])),
    ("NumMedia", Form::Count),
    ("NumSegments", Form::Count),
    ("OptOutType", Form::Place),
    ("ReferralNumMedia", Form::Count),
    ("SmsMessageSid", Form::Sid(&["SM", "MM"])),
    ("SmsSid", Form::Sid(&["SM", "MM"])),
    ("SmsStatus", Form::Word),
    ("To", Form::Number),
    ("ToCity", Form::Place),
    ("ToCountry", Form::Place),
    ("ToState", Form::Place),
    ("ToZip", Form::Place),
];

/// The parameters Twilio posts to a voice webhook (a `<Gather>` action), and their forms.
const VOICE: &[(&str, Form)] = &[
    ("AccountSid", Form::Sid(&["AC"])),
    ("AnsweredBy", Form::Word),
    ("ApiVersion", Form::Date),
    ("CallSid", Form::Sid(&["CA"])),
    ("CallStatus", Form::Word),
    ("CallToken", Form::Free),
    ("Called", Form::Number),
    ("CalledCity", Form::Place),
    ("CalledCountry", Form::Place),
    ("CalledState", Form::Place),
    ("CalledZip", Form::Place),
    ("Caller", Form::Number),
    ("CallerCity", Form::Place),
    ("CallerCountry", Form::Place),
    ("CallerName", Form::Free),
    ("CallerState", Form::Place),
    ("CallerZip", Form::Place),
    ("Digits", Form::Keys),
    ("Direction", Form::Word),
    ("FinishedOnKey", Form::Keys),
    ("ForwardedFrom", Form::Number),
    ("From", Form::Number),
    ("FromCity", Form::Place),
    ("FromCountry", Form::Place),
    ("FromState", Form::Place),
    ("FromZip", Form::Place),
    ("ParentCallSid", Form::Sid(&["CA"])),
    ("StirVerstat", Form::Label),
    ("To", Form::Number),
    ("ToCity", Form::Place),
    ("ToCountry", Form::Place),
    ("ToState", Form::Place),
    ("ToZip", Form::Place),
    ("msg", Form::Label),
];

fn fits(form: Form, v: &str) -> bool {
    let all = |ok: fn(char) -> bool| v.chars().all(ok);
    match form {
        Form::Free => true,
        Form::Sid(prefixes) => is_sid(v, prefixes),
        Form::Number => {
            v.len() <= 16
                && v.strip_prefix('+')
                    .unwrap_or(v)
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        }
        Form::Count => v.len() <= 4 && all(|c| c.is_ascii_digit()),
        Form::Keys => v.len() <= 64 && all(|c| c.is_ascii_digit() || c == '*' || c == '#'),
        Form::Word => v.len() <= 32 && all(|c| c.is_ascii_lowercase() || c == '-' || c == '_'),
        Form::Place => {
            v.len() <= 64 && all(|c| !c.is_ascii_lowercase() && !c.is_control() && c != '+')
        }
        Form::Label => {
            v.len() <= 64 && all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ' || c == '_')
        }
        Form::Date => v.len() == 10 && all(|c| c.is_ascii_digit() || c == '-'),
        Form::Media => v.len() <= 512 && all(|c| c.is_ascii_graphic() && c != '+'),
    }
}

/// The form of a parameter Twilio sends to this webhook; MMS adds `MediaUrl0`…`MediaUrl9` and
/// `MediaContentType0`….
fn form(hook: Hook, name: &str) -> Option<Form> {
    let table = match hook {
        Hook::Sms => SMS,
        Hook::Voice => VOICE,
    };
    if let Some((_, f)) = table.iter().find(|(n, _)| *n == name) {
        return Some(*f);
    }
    let media = ["MediaUrl", "MediaContentType"]
        .iter()
        .filter_map(|p| name.strip_prefix(p))
        .any(|n| n.len() == 1 && n.as_bytes()[0].is_ascii_digit());
    (hook == Hook::Sms && media).then_some(Form::Media)
}

/// Checks that a delivery whose signature verified is one Twilio sent as it is (DESIGN §3.2,
/// §9: "the parameters exactly Twilio's").
///
/// The signed string (URL, then each name and value, sorted, with no separators) can be cut
/// again elsewhere and still verify: `MessageSid=SMab` and `c=` sign as `MessageSid=SMabc`; a
/// text whose body reads `STOPFrom+1…MessageSidSM…ToZip` re-cuts into a STOP from another
/// number with a fresh id. A re-cut moves signed text into another parameter: a shortened id
/// fails the id's exact form; text forged from the body pushes everything signed after the body
/// (names with lower-case letters, numbers with `+`) into a value sorting after the forged
/// ones, and every value sorting after the body has a strict form that holds neither. Unknown
/// and repeated names are refused, so that text has nowhere else to go.
pub fn check(hook: Hook, params: &[(String, String)], account: Option<&str>) -> Result<(), Unfit> {
    let mut seen = std::collections::HashSet::new();
    for (name, value) in params {
        if !seen.insert(name.as_str()) {
            return Err(Unfit::Repeated(name.clone()));
        }
        let Some(form) = form(hook, name) else {
            return Err(Unfit::UnknownName(name.clone()));
        };
        if !fits(form, value) {
            let known = SMS.iter().chain(VOICE).find(|(n, _)| n == name);
            return Err(Unfit::BadValue(
                known.map_or("a media parameter", |(n, _)| *n),
            ));
        }
    }
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let id = match hook {
        Hook::Sms => "MessageSid",
        Hook::Voice => "CallSid",
    };
    let id = get(id).ok_or(Unfit::NoId)?;
    // Twilio repeats the message id under its older names; they agree in a real delivery.
    for alias in ["SmsSid", "SmsMessageSid"] {
        if get(alias).is_some_and(|v| v != id) {
            return Err(Unfit::BadValue(alias));
        }
    }
    match (account, get("AccountSid")) {
        (Some(ours), given) if given != Some(ours) => Err(Unfit::OtherAccount),
        _ => Ok(()),
    }
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

    fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const SID: &str = "SM0123456789abcdef0123456789abcdef";

    #[test]
    fn a_twilio_id_is_its_prefix_and_exactly_32_hex_digits() {
        assert!(is_sid(SID, &["SM", "MM"]));
        assert!(is_sid("MM0123456789ABCDEF0123456789ABCDEF", &["SM", "MM"]));
        assert!(!is_sid(&SID[..33], &["SM"]), "one digit short");
        assert!(!is_sid(&format!("{SID}0"), &["SM"]), "one digit long");
        assert!(!is_sid("SM0123456789abcdef0123456789abcdeg", &["SM"]));
        assert!(!is_sid(SID, &["CA"]));
    }

    #[test]
    fn a_delivery_is_checked_for_its_id_its_names_its_values_and_its_account() {
        let ok = params(&[
            ("MessageSid", SID),
            ("SmsSid", SID),
            ("From", "+15550001111"),
            ("Body", "STOP"),
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ]);
        let account = Some("AC0123456789abcdef0123456789abcdef");
        assert_eq!(check(Hook::Sms, &ok, account), Ok(()));
        assert_eq!(
            check(Hook::Sms, &ok, Some("AC0123456789abcdef0123456789abcde0")),
            Err(Unfit::OtherAccount)
        );
        assert_eq!(
            check(Hook::Voice, &ok, None),
            Err(Unfit::UnknownName("MessageSid".into()))
        );
        assert_eq!(
            check(
                Hook::Sms,
                &params(&[("From", "+15550001111"), ("Body", "STOP")]),
                None
            ),
            Err(Unfit::NoId)
        );
        let mut other_alias = ok.clone();
        other_alias[1].1 = "SM0123456789abcdef0123456789abcde0".into();
        assert_eq!(
            check(Hook::Sms, &other_alias, None),
            Err(Unfit::BadValue("SmsSid"))
        );
        let mut twice = ok.clone();
        twice.push(("Body".into(), "START".into()));
        assert_eq!(
            check(Hook::Sms, &twice, None),
            Err(Unfit::Repeated("Body".into()))
        );
        let city = params(&[
            ("MessageSid", SID),
            ("ToCity", "From+15550001111MessageSid"),
        ]);
        assert_eq!(
            check(Hook::Sms, &city, None),
            Err(Unfit::BadValue("ToCity")),
            "signed text moved into a place"
        );
        let mms = params(&[
            ("MessageSid", SID),
            (
                "MediaUrl0",
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            ),
            ("MediaContentType0", "image/jpeg"),
        ]);
        assert_eq!(check(Hook::Sms, &mms, None), Ok(()));
    }
}
