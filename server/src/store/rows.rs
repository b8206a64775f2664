//! Rows parse once, here: a column that holds a domain value (a locale, a time zone, quiet
//! hours, a list of channels) is read into its type at the store's edge, and one that does not
//! parse is an error naming its table and column — never a quiet default further up.

use app::domain::{ChannelSet, Locale, ParseError, QuietHours, TimeZoneName};
use sqlx::{any::AnyRow, Row};

use super::flag;

/// A stored value that does not parse: which table and column, and why.
#[derive(Debug, thiserror::Error)]
#[error("{table}.{column}: {message}")]
pub struct RowError {
    pub table: &'static str,
    pub column: &'static str,
    pub message: String,
}

/// Reads a text column of `table` into its domain type.
pub fn parsed<T>(
    row: &AnyRow,
    table: &'static str,
    column: &'static str,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> anyhow::Result<T> {
    let text: String = row.try_get(column)?;
    parse(&text).map_err(|e| {
        RowError {
            table,
            column,
            message: e.0,
        }
        .into()
    })
}

/// A contact's locale (`contacts.locale`).
pub fn locale(row: &AnyRow) -> anyhow::Result<Locale> {
    parsed(row, "contacts", "locale", Locale::parse)
}

/// A contact's time zone (`contacts.time_zone`).
pub fn time_zone(row: &AnyRow) -> anyhow::Result<TimeZoneName> {
    parsed(row, "contacts", "time_zone", TimeZoneName::parse)
}

/// A contact's global settings (DESIGN §1): the one shape every reader and the change function
/// use. The default is what a contact without a `global_settings` row has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalSettings {
    pub unsubscribed_all: bool,
    pub channel_opt_outs: ChannelSet,
    /// Unix milliseconds.
    pub paused_until: Option<i64>,
    pub quiet_hours: Option<QuietHours>,
    pub weekly_cap: Option<i64>,
}

impl GlobalSettings {
    /// The pause that still holds: a pause whose end has passed is no pause.
    pub fn pause_in_force(&self) -> Option<i64> {
        self.paused_until.filter(|p| *p > super::now_ms())
    }

    /// The columns of a `global_settings` row (`unsubscribed_all`, `channel_opt_outs`,
    /// `paused_until`, `quiet_start`, `quiet_end`, `weekly_cap`).
    pub fn from_row(row: &AnyRow) -> anyhow::Result<Self> {
        let opt_outs: Option<String> = row.try_get("channel_opt_outs")?;
        let channel_opt_outs = ChannelSet::parse_list(&opt_outs.unwrap_or_default())
            .map_err(|e| row_error("channel_opt_outs", e))?;
        let start: Option<String> = row.try_get("quiet_start")?;
        let end: Option<String> = row.try_get("quiet_end")?;
        let quiet_hours = match start.zip(end) {
            Some((start, end)) => {
                Some(QuietHours::parse(&start, &end).map_err(|e| row_error("quiet_start", e))?)
            }
            None => None,
        };
        Ok(GlobalSettings {
            unsubscribed_all: flag(row, "unsubscribed_all")?,
            channel_opt_outs,
            paused_until: row.try_get("paused_until")?,
            quiet_hours,
            weekly_cap: row.try_get("weekly_cap")?,
        })
    }
}

fn row_error(column: &'static str, e: ParseError) -> RowError {
    RowError {
        table: "global_settings",
        column,
        message: e.0,
    }
}
