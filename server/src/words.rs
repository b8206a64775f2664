//! Plain words for people: how Attune writes times, shared by history, receipts, the console and
//! mail. (The descriptions of changes still live in `customer.rs`; they move here next.)

/// "3 May 2026 14:02" in the contact's time zone.
pub fn format_time(ms: i64, tz: &str) -> String {
    let tz = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz).strftime("%-d %b %Y %H:%M").to_string())
        .unwrap_or_default()
}
