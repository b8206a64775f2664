//! A contact's settings that have rules: language, time zone, pause, weekly cap, quiet hours.
//!
//! Each has one `parse` constructor, and every edge — the customer page, the staff console and
//! the sender API — goes through it, so the three refuse the same values with the same words.
//! The change function takes these types, never raw strings: inside, the type is the proof.
//! Server-side only: the rules need the time-zone database.

use std::fmt;

use serde::Serialize;

use super::{err, ParseError};

/// A contact's language: one Attune speaks (a folder under `app/locales/`, see
/// [`crate::i18n`]), optionally with a region, kept for the sender's use, as `ll` or `ll-RR`
/// (BCP 47's language and region subtags), normalised to lower-case language, upper-case region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Locale(String);

impl Locale {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        let languages: Vec<String> = crate::i18n::Lang::all().iter().map(|l| l.code()).collect();
        let refuse = || {
            err(format!(
                "{s:?} is not a language we offer: use one of {} (a region may follow, like fr-CA)",
                languages.join(", ")
            ))
        };
        let (language, region) = match s.split_once(['-', '_']) {
            Some((l, r)) => (l, Some(r)),
            None => (s, None),
        };
        let language = language.to_ascii_lowercase();
        if !languages.contains(&language) {
            return refuse();
        }
        match region {
            None => Ok(Locale(language)),
            Some(r)
                if (r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()))
                    || (r.len() == 3 && r.chars().all(|c| c.is_ascii_digit())) =>
            {
                Ok(Locale(format!("{language}-{}", r.to_ascii_uppercase())))
            }
            Some(_) => refuse(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language alone (`fr` for `fr-CA`): what pages and messages are written in.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl From<Locale> for String {
    fn from(l: Locale) -> Self {
        l.0
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time zone name the time-zone database knows, like `Europe/Paris`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        match jiff::tz::TimeZone::get(s) {
            Ok(_) if !s.is_empty() => Ok(TimeZoneName(s.to_owned())),
            _ => err(format!("{s:?} is not a time zone like Europe/Paris")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

impl From<TimeZoneName> for String {
    fn from(t: TimeZoneName) -> Self {
        t.0
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest pause anyone may set: a snooze, not a silent opt-out.
const MAX_PAUSE_MS: i64 = 2 * 366 * 24 * 3600 * 1000;

/// The end of a pause: in the future, and at most two years ahead of when it was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PauseUntil(i64);

impl PauseUntil {
    /// A pause ending at `until`, set at `now`.
    pub fn at(until: jiff::Timestamp, now: jiff::Timestamp) -> Result<Self, ParseError> {
        if until <= now {
            return err("the pause must end in the future");
        }
        if until.as_millisecond() - now.as_millisecond() > MAX_PAUSE_MS {
            return err("a pause can last at most two years");
        }
        Ok(PauseUntil(until.as_millisecond()))
    }

    /// A pause ending at an RFC 3339 time, as the sender API takes it.
    pub fn parse_rfc3339(s: &str, now: jiff::Timestamp) -> Result<Self, ParseError> {
        let until = s
            .parse::<jiff::Timestamp>()
            .map_err(|_| ParseError(format!("{s:?} is not an RFC 3339 time")))?;
        Self::at(until, now)
    }

    /// A pause until the start of a calendar date (`2026-12-31`) in the contact's time zone, as
    /// the pages take it.
    pub fn parse_date(
        date: &str,
        tz: &jiff::tz::TimeZone,
        now: jiff::Timestamp,
    ) -> Result<Self, ParseError> {
        let parsed: jiff::civil::Date = date
            .trim()
            .parse()
            .map_err(|_| ParseError(format!("{date:?} is not a date like 2026-12-31")))?;
        let until = parsed
            .to_zoned(tz.clone())
            .map_err(|_| ParseError(format!("{date:?} is not a date we can pause until")))?
            .timestamp();
        Self::at(until, now)
    }

    /// A pause of a fixed span from now ("a week", "a month"), in the contact's calendar.
    pub fn after(
        span: jiff::Span,
        tz: &jiff::tz::TimeZone,
        now: jiff::Timestamp,
    ) -> Result<Self, ParseError> {
        let until = now
            .to_zoned(tz.clone())
            .checked_add(span)
            .map_err(|_| ParseError("that pause ends too far ahead".into()))?
            .timestamp();
        Self::at(until, now)
    }

    /// Unix milliseconds, as stored.
    pub fn as_millisecond(self) -> i64 {
        self.0
    }
}

/// The most messages a contact may set as their overall weekly cap.
pub const MAX_WEEKLY_CAP: i64 = 1000;

/// At most this many non-transactional messages a week: 0 to [`MAX_WEEKLY_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "i64")]
pub struct WeeklyCap(i64);

impl WeeklyCap {
    pub fn new(n: i64) -> Result<Self, ParseError> {
        if (0..=MAX_WEEKLY_CAP).contains(&n) {
            Ok(WeeklyCap(n))
        } else {
            err(format!(
                "{n} is not a weekly cap: give a number of messages from 0 to {MAX_WEEKLY_CAP}"
            ))
        }
    }

    /// From a form field: a whole number from 0 to [`MAX_WEEKLY_CAP`].
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        match s.parse::<i64>() {
            Ok(n) => Self::new(n),
            Err(_) => err(format!(
                "{s:?} is not a number of messages from 0 to {MAX_WEEKLY_CAP}"
            )),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl From<WeeklyCap> for i64 {
    fn from(c: WeeklyCap) -> Self {
        c.0
    }
}

/// A local-time window in which sms and voice are deferred, e.g. 21:00–08:00. It may cross
/// midnight but not be empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
}

impl QuietHours {
    /// Parses two `HH:MM` times.
    pub fn parse(start: &str, end: &str) -> Result<Self, ParseError> {
        let t = |s: &str| {
            jiff::civil::Time::strptime("%H:%M", s.trim())
                .map_err(|_| ParseError(format!("{s:?} is not a time like 21:00")))
        };
        let (a, b) = (t(start)?, t(end)?);
        if a == b {
            return err("quiet hours must not start and end at the same time");
        }
        Ok(QuietHours {
            start: a.strftime("%H:%M").to_string(),
            end: b.strftime("%H:%M").to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        "2026-12-02T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_locale_is_a_language_we_offer_with_an_optional_region() {
        assert_eq!(Locale::parse("fr").unwrap().as_str(), "fr");
        assert_eq!(Locale::parse("fr_ca").unwrap().as_str(), "fr-CA");
        assert_eq!(Locale::parse("ES-419").unwrap().as_str(), "es-419");
        assert_eq!(Locale::parse("de-AT").unwrap().language(), "de");
        for bad in ["xx", "", "en US; drop", "pt-BR", "en-", "en-USA", "klingon"] {
            assert!(Locale::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_time_zone_must_be_one_the_database_knows() {
        assert_eq!(
            TimeZoneName::parse("Europe/Paris").unwrap().as_str(),
            "Europe/Paris"
        );
        let e = TimeZoneName::parse("Mars/Olympus").unwrap_err();
        assert!(e.0.contains("Mars/Olympus"), "{e}");
        assert!(TimeZoneName::parse("").is_err());
    }

    #[test]
    fn a_pause_ends_in_the_future_and_within_two_years() {
        let tz = jiff::tz::TimeZone::get("America/Chicago").unwrap();
        assert!(PauseUntil::parse_date("2027-01-15", &tz, now()).is_ok());
        assert!(PauseUntil::parse_date("2028-11-30", &tz, now()).is_ok());
        let far = PauseUntil::parse_date("2029-12-02", &tz, now()).unwrap_err();
        assert!(far.0.contains("two years"), "{far}");
        let past = PauseUntil::parse_rfc3339("2026-01-01T00:00:00Z", now()).unwrap_err();
        assert!(past.0.contains("future"), "{past}");
        assert!(PauseUntil::parse_rfc3339("2029-12-03T00:00:00Z", now()).is_err());
        assert!(PauseUntil::parse_date("next week", &tz, now()).is_err());
        let month = PauseUntil::after(jiff::Span::new().months(1), &tz, now()).unwrap();
        assert_eq!(
            month.as_millisecond(),
            "2027-01-02T10:00:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond()
        );
    }

    #[test]
    fn a_weekly_cap_is_a_whole_number_from_zero_to_a_thousand() {
        assert_eq!(WeeklyCap::parse("0").unwrap().get(), 0);
        assert_eq!(WeeklyCap::parse(" 1000 ").unwrap().get(), 1000);
        for bad in ["1001", "5000", "-1", "two", ""] {
            assert!(WeeklyCap::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(WeeklyCap::new(5000).is_err());
    }

    #[test]
    fn quiet_hours_may_cross_midnight_but_not_be_empty() {
        let q = QuietHours::parse("21:00", " 08:00").unwrap();
        assert_eq!((q.start.as_str(), q.end.as_str()), ("21:00", "08:00"));
        assert!(QuietHours::parse("21:00", "21:00").is_err());
        assert!(QuietHours::parse("25:00", "08:00").is_err());
    }
}
