//! The two kinds of address a person is reached at, each with one normal form, so that the same
//! address written two ways is one address everywhere (matching, suppression, replies).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{err, ParseError};

/// An email address, trimmed, with its domain in one form: IDNA (UTS #46) mapped, so
/// `ann@BÜCHER.example`, `ann@bücher.example` and `ann@xn--bcher-kva.example` are one address,
/// kept in its Unicode form. The local part is kept as written; [`Email::key`] is the form
/// addresses are matched by. The check is otherwise deliberately simple (one `@`, a dotted
/// domain, no spaces): the only real proof of an address is a message that arrives, which is
/// what verification is for.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        let refused = || {
            err(format!(
                "{s:?} is not an email address we can send to, like ann@example.com"
            ))
        };
        let Some((local, domain)) = s.rsplit_once('@') else {
            return err("an email address needs an @, like ann@example.com");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        let Some(domain) = normal_domain(domain) else {
            return refused();
        };
        if !local_ok || local.len() + 1 + domain.len() > 254 {
            return refused();
        }
        Ok(Email(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two addresses are compared in: the whole address lowercased by Unicode's rules
    /// (Rust's `to_lowercase`). The database keeps this beside the address, so that its
    /// matching is exactly this one and not the database's own `lower()` (SQLite's folds only
    /// ASCII).
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    /// The address with its domain in ASCII (IDNA's punycode), as an SMTP envelope and header
    /// take it from a server without SMTPUTF8: `ann@bücher.example` is sent to
    /// `ann@xn--bcher-kva.example`.
    #[cfg(feature = "ssr")]
    pub fn ascii_domain(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or(("", &self.0));
        let ascii = idna::domain_to_ascii(domain).unwrap_or_else(|_| domain.to_owned());
        format!("{local}@{ascii}")
    }

    /// A form safe for logs and staff lists: `a***@example.com`.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or(("", &self.0));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

/// The domain in its one form, or `None` when it is not a dotted domain we can send to.
#[cfg(feature = "ssr")]
fn normal_domain(domain: &str) -> Option<String> {
    // UTS #46 maps case, width and compatibility forms, and checks each label.
    let ascii = idna::domain_to_ascii_strict(domain).ok()?;
    let dotted = ascii.contains('.') && !ascii.starts_with('.') && !ascii.ends_with('.');
    let plain = ascii
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !dotted || !plain {
        return None;
    }
    let (unicode, result) = idna::domain_to_unicode(&ascii);
    result.ok()?;
    Some(unicode)
}

/// In the browser (which never checks addresses itself) the plain check: lowercased.
#[cfg(not(feature = "ssr"))]
fn normal_domain(domain: &str) -> Option<String> {
    let ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    ok.then(|| domain.to_lowercase())
}

/// Debug never prints the whole address, so it cannot end up in a log by accident.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

impl TryFrom<String> for Email {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> Self {
        e.0
    }
}

/// A phone number in E.164 form: `+`, a country code and the national number, with no national
/// trunk prefix, so `+44 07700 900123`, `+44 (0)7700 900123` and `+447700900123` are one number.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

const PHONE_FORM: &str = "a phone number must be in international form, like +15551234567";

impl Phone {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if !s.starts_with('+') || s.chars().any(char::is_alphabetic) {
            return err(PHONE_FORM);
        }
        let e164 = e164(s).ok_or_else(|| ParseError(PHONE_FORM.into()))?;
        let digits = &e164[1..];
        if (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
        {
            Ok(Phone(e164))
        } else {
            err(PHONE_FORM)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The number in E.164 form: its punctuation dropped, its country code found by
/// libphonenumber's table (the `phonenumber` crate), and a national trunk prefix written after
/// the country code (`+44 0…`) dropped when the number fits its country's numbering plan only
/// without it. A number that fits as written keeps every digit (Russia's free numbers start
/// `+7 800`, and 8 is Russia's trunk prefix), and so does one outside every known range.
#[cfg(feature = "ssr")]
fn e164(s: &str) -> Option<String> {
    let compact: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let code = phonenumber::parse(None, &compact).ok()?.code().value();
    let national = compact.strip_prefix(&format!("+{code}"))?;
    let regions = phonenumber::metadata::DATABASE.by_code(&code)?;
    let fits = |n: &str| {
        regions
            .iter()
            .any(|m| m.descriptors().general().is_match(n))
    };
    let trunk = regions.first().and_then(|m| m.national_prefix());
    let national = match trunk.and_then(|p| national.strip_prefix(p)) {
        Some(stripped) if !fits(national) && fits(stripped) => stripped,
        _ => national,
    };
    Some(format!("+{code}{national}"))
}

/// In the browser (which never checks numbers itself) the plain reading: punctuation dropped.
#[cfg(not(feature = "ssr"))]
fn e164(s: &str) -> Option<String> {
    Some(
        s.chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect(),
    )
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail: String = self
            .0
            .chars()
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        write!(f, "Phone(***{tail})")
    }
}

impl TryFrom<String> for Phone {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> Self {
        p.0
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn email_domains_are_lowercased_and_debug_output_hides_the_address() {
        let e = Email::parse("  Ann.Lee@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Ann.Lee@example.com");
        assert_eq!(format!("{e:?}"), "Email(A***@example.com)");
        assert!(Email::parse("ann.example.com").is_err());
        assert!(Email::parse("ann@localhost").is_err());
        assert!(Email::parse("a b@example.com").is_err());
        assert!(Email::parse("ann@exa_mple.com").is_err());
    }

    #[test]
    fn an_email_domain_written_in_any_of_its_forms_is_one_address() {
        let forms = [
            "ann@BÜCHER.example",
            "ann@bücher.example",
            "ann@xn--bcher-kva.example",
            "ann@ｂücher.example",
        ];
        for form in forms {
            assert_eq!(
                Email::parse(form).unwrap().as_str(),
                "ann@bücher.example",
                "{form}"
            );
        }
        let e = Email::parse("Ann@BÜCHER.example").unwrap();
        assert_eq!(
            e.ascii_domain(),
            "Ann@xn--bcher-kva.example",
            "what the mail server is given"
        );
    }

    #[test]
    fn addresses_are_matched_by_unicode_lowercase_of_the_whole_address() {
        let upper = Email::parse("ÅSA.Öberg@Example.com").unwrap();
        let lower = Email::parse("åsa.öberg@example.com").unwrap();
        assert_ne!(upper, lower, "the address is kept as written");
        assert_eq!(upper.key(), lower.key());
        assert_eq!(upper.key(), "åsa.öberg@example.com");
    }

    #[test]
    fn phone_numbers_must_be_international() {
        assert_eq!(
            Phone::parse("+1 (555) 123-4567").unwrap().as_str(),
            "+15551234567"
        );
        assert!(Phone::parse("5551234567").is_err());
        assert!(Phone::parse("+0123456789").is_err());
        assert!(Phone::parse("+1555").is_err());
        assert!(Phone::parse("+1 555 CALL NOW").is_err());
    }

    #[test]
    fn a_number_written_with_its_national_trunk_prefix_is_the_same_number() {
        for form in [
            "+44 07700 900123",
            "+44 (0)7700 900123",
            "+447700900123",
            "+44 7700 900 123",
        ] {
            assert_eq!(
                Phone::parse(form).unwrap().as_str(),
                "+447700900123",
                "{form}"
            );
        }
        // A real UK mobile, and countries whose numbers keep a leading zero (Italy) or have no
        // trunk prefix (the US).
        assert_eq!(
            Phone::parse("+44 07911 123456").unwrap().as_str(),
            "+447911123456"
        );
        assert_eq!(
            Phone::parse("+39 06 1234 5678").unwrap().as_str(),
            "+390612345678"
        );
        assert_eq!(
            Phone::parse("+1 555 555 0123").unwrap().as_str(),
            "+15555550123"
        );
        assert_eq!(
            Phone::parse("+33 06 12 34 56 78").unwrap().as_str(),
            "+33612345678"
        );
        // Russia's trunk prefix is 8, and so is the start of its free numbers.
        assert_eq!(
            Phone::parse("+7 800 555 35 35").unwrap().as_str(),
            "+78005553535"
        );
    }
}
