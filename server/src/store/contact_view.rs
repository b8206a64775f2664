//! One snapshot of a contact, read in one place: the preference page, the sender API's GET and
//! the export all start from [`ContactSnapshot`], so "what Attune holds about a contact" and
//! "a topic without a row has its defaults" are written once.

use std::collections::HashMap;

use app::domain::{AddressKind, ChannelSet, Frequency, TopicKind};
use sqlx::Row;

use super::{flag, topics::Topic, Store};

/// A contact's stored choice for one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Preference {
    pub subscribed: bool,
    pub channels: ChannelSet,
    pub frequency: Frequency,
    pub info_only: bool,
}

/// A contact's global settings; the default is what a contact without a row has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalSettings {
    pub unsubscribed_all: bool,
    pub channel_opt_outs: ChannelSet,
    /// Unix milliseconds.
    pub paused_until: Option<i64>,
    /// `HH:MM` start and end, local time.
    pub quiet_hours: Option<(String, String)>,
    pub weekly_cap: Option<i64>,
}

/// Everything held about one live contact, read at one moment.
#[derive(Debug, Clone)]
pub struct ContactSnapshot {
    pub id: i64,
    pub reference: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub locale: String,
    pub time_zone: String,
    pub version: i64,
    /// Address kinds with an open "not me" report.
    pub disputed: Vec<AddressKind>,
    pub global: GlobalSettings,
    /// Stored rows by topic key; a topic without one has its defaults ([`Self::preference`]).
    pub stored: HashMap<String, Preference>,
}

impl ContactSnapshot {
    /// The contact's choice for a topic: the stored row, or the topic's defaults. A required
    /// topic is always subscribed.
    pub fn preference(&self, topic: &Topic) -> Preference {
        let mut p = self
            .stored
            .get(topic.key.as_str())
            .cloned()
            .unwrap_or_else(|| Preference {
                subscribed: topic.subscribed_by_default(),
                channels: topic.channels.clone(),
                frequency: topic.default_frequency,
                info_only: false,
            });
        p.subscribed |= topic.kind == TopicKind::Required;
        p
    }

    pub fn is_disputed(&self, kind: AddressKind) -> bool {
        self.disputed.contains(&kind)
    }

    /// The email address mail may go to: the current one, unless it is disputed.
    pub fn mailable_email(&self) -> Option<&str> {
        self.email
            .as_deref()
            .filter(|_| !self.is_disputed(AddressKind::Email))
    }
}

impl Store {
    /// A live contact's snapshot; `None` when there is no such contact or it was erased.
    pub async fn contact_view(&self, contact_id: i64) -> anyhow::Result<Option<ContactSnapshot>> {
        let mut conn = self.reader().acquire().await?;
        let Some(c) = sqlx::query(
            "SELECT c.ref, c.email, c.email_verified, c.phone, c.phone_verified, c.locale,
                    c.time_zone, c.version, g.contact_id AS has_global, g.unsubscribed_all,
                    g.channel_opt_outs, g.paused_until, g.quiet_start, g.quiet_end, g.weekly_cap
             FROM contacts c LEFT JOIN global_settings g ON g.contact_id = c.id
             WHERE c.id = $1 AND c.erased_at IS NULL",
        )
        .bind(contact_id)
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let global = match c.try_get::<Option<i64>, _>("has_global")? {
            None => GlobalSettings::default(),
            Some(_) => {
                let start: Option<String> = c.try_get("quiet_start")?;
                let end: Option<String> = c.try_get("quiet_end")?;
                GlobalSettings {
                    unsubscribed_all: flag(&c, "unsubscribed_all")?,
                    channel_opt_outs: ChannelSet::parse_list(
                        &c.try_get::<Option<String>, _>("channel_opt_outs")?
                            .unwrap_or_default(),
                    )?,
                    paused_until: c.try_get("paused_until")?,
                    quiet_hours: start.zip(end),
                    weekly_cap: c.try_get("weekly_cap")?,
                }
            }
        };
        let disputed: Vec<String> = sqlx::query_scalar(
            "SELECT kind FROM disputed_addresses WHERE contact_id = $1 AND resolved_at IS NULL
             ORDER BY kind",
        )
        .bind(contact_id)
        .fetch_all(&mut *conn)
        .await?;
        let rows = sqlx::query(
            "SELECT t.key, p.subscribed, p.channels, p.frequency, p.info_only
             FROM preferences p JOIN topics t ON t.id = p.topic_id WHERE p.contact_id = $1",
        )
        .bind(contact_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut stored = HashMap::new();
        for r in &rows {
            stored.insert(
                r.try_get::<String, _>("key")?,
                Preference {
                    subscribed: flag(r, "subscribed")?,
                    channels: ChannelSet::parse_list(&r.try_get::<String, _>("channels")?)?,
                    frequency: Frequency::parse(&r.try_get::<String, _>("frequency")?)?,
                    info_only: flag(r, "info_only")?,
                },
            );
        }
        Ok(Some(ContactSnapshot {
            id: contact_id,
            reference: c.try_get("ref")?,
            email: c.try_get("email")?,
            email_verified: flag(&c, "email_verified")?,
            phone: c.try_get("phone")?,
            phone_verified: flag(&c, "phone_verified")?,
            locale: c.try_get("locale")?,
            time_zone: c.try_get("time_zone")?,
            version: c.try_get("version")?,
            disputed: disputed
                .iter()
                .filter_map(|k| AddressKind::parse(k).ok())
                .collect(),
            global,
            stored,
        }))
    }

    /// Whether a contact exists and was not erased.
    pub async fn contact_is_live(&self, contact_id: i64) -> anyhow::Result<bool> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1 AND erased_at IS NULL")
                .bind(contact_id)
                .fetch_optional(self.reader())
                .await?;
        Ok(id.is_some())
    }

    /// Every topic's name by key, archived ones included (history names them too).
    pub async fn topic_names(&self) -> anyhow::Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, name FROM topics")
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().collect())
    }
}
