//! One snapshot of a contact, read in one place: the preference page, the sender API's GET and
//! the export all start from [`ContactSnapshot`], so "what Attune holds about a contact" and
//! "a topic without a row has its defaults" are written once.

use std::collections::HashMap;

pub use app::domain::Preference;
use app::domain::{AddressKind, ChannelSet, Frequency, Locale, TimeZoneName, TopicKind};
use sqlx::{any::AnyRow, Row};

pub use super::rows::GlobalSettings;
use super::{
    flag, opt_flag, placeholders, rows,
    topics::{topic_columns_of, Topic},
    Store,
};

/// Everything held about one live contact, read at one moment.
#[derive(Debug, Clone)]
pub struct ContactSnapshot {
    pub id: i64,
    pub reference: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub locale: Locale,
    pub time_zone: TimeZoneName,
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
            .unwrap_or_else(|| topic.default_preference());
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

/// The stored choice in a row holding `{prefix}subscribed`, `{prefix}channels`,
/// `{prefix}frequency` and `{prefix}info_only`; `None` when there is none (a LEFT JOIN's NULLs).
pub(crate) fn stored_preference(row: &AnyRow, prefix: &str) -> anyhow::Result<Option<Preference>> {
    let col = |name: &str| format!("{prefix}{name}");
    let Some(channels) = row.try_get::<Option<String>, _>(col("channels").as_str())? else {
        return Ok(None);
    };
    Ok(Some(Preference {
        subscribed: opt_flag(row, &col("subscribed"))?,
        channels: ChannelSet::parse_list(&channels)?,
        frequency: Frequency::parse(&row.try_get::<String, _>(col("frequency").as_str())?)?,
        info_only: opt_flag(row, &col("info_only"))?,
    }))
}

/// What a link page needs: where the message went, and the topic it was about with the
/// contact's current choice for it.
#[derive(Debug, Clone)]
pub struct LinkTarget {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub topic: Option<(Topic, Preference)>,
    /// When the email address was last replaced (Unix milliseconds).
    pub email_changed_at: Option<i64>,
    /// Whether the email address has an open "not me" report.
    pub email_disputed: bool,
    /// The contact's language (a link page is written in it).
    pub locale: String,
}

impl LinkTarget {
    /// Whether a link issued at `issued_at_secs` was mailed before the email address was
    /// replaced: then it may be in a stranger's inbox, and opens nothing personal.
    pub fn outdates(&self, issued_at_secs: i64) -> bool {
        self.email_changed_at
            .is_some_and(|changed| issued_at_secs < changed.div_euclid(1000))
    }
}

impl Store {
    /// A link's target in one query (the one-click path reads nothing else); `None` when the
    /// contact is gone or erased. `topic_id` 0 is "every topic".
    pub async fn link_target(
        &self,
        contact_id: i64,
        topic_id: i64,
    ) -> anyhow::Result<Option<LinkTarget>> {
        // Built once: the one-click path reads a link's target on every POST.
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "SELECT c.email, c.phone, c.email_changed_at, c.locale,
                    EXISTS (SELECT 1 FROM disputed_addresses d WHERE d.contact_id = c.id
                            AND d.kind = 'email' AND d.resolved_at IS NULL) AS email_disputed,
                    {},
                    p.subscribed AS p_subscribed, p.channels AS p_channels,
                    p.frequency AS p_frequency, p.info_only AS p_info_only
             FROM contacts c
             LEFT JOIN topics t ON t.id = $2
             LEFT JOIN preferences p ON p.contact_id = c.id AND p.topic_id = t.id
             WHERE c.id = $1 AND c.erased_at IS NULL",
                topic_columns_of("t")
            )
        });
        let Some(row) = sqlx::query(&SQL)
            .bind(contact_id)
            .bind(topic_id)
            .fetch_optional(self.reader())
            .await?
        else {
            return Ok(None);
        };
        let topic = match row.try_get::<Option<i64>, _>("id")? {
            None => None,
            Some(_) => {
                let topic = Topic::from_row(&row)?;
                let pref =
                    stored_preference(&row, "p_")?.unwrap_or_else(|| topic.default_preference());
                Some((topic, pref))
            }
        };
        Ok(Some(LinkTarget {
            email: row.try_get("email")?,
            phone: row.try_get("phone")?,
            topic,
            email_changed_at: row.try_get("email_changed_at")?,
            email_disputed: flag(&row, "email_disputed")?,
            locale: row.try_get("locale")?,
        }))
    }

    /// A live contact's snapshot; `None` when there is no such contact or it was erased.
    pub async fn contact_view(&self, contact_id: i64) -> anyhow::Result<Option<ContactSnapshot>> {
        let mut conn = self.reader().acquire().await?;
        Ok(snapshots_in(&mut conn, Which::Ids(&[contact_id]))
            .await?
            .pop())
    }

    /// Every topic's name by key, archived ones included (history names them too).
    pub async fn topic_names(&self) -> anyhow::Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, name FROM topics")
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().collect())
    }
}

/// Which contacts [`snapshots_in`] reads.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    Ids(&'a [i64]),
    Refs(&'a [&'a str]),
}

/// The snapshots of the live contacts among `which`, in two queries however many there are
/// (contacts with their settings and open disputes, then stored choices), in no particular
/// order.
/// Unknown and erased contacts are left out.
pub async fn snapshots_in(
    conn: &mut sqlx::AnyConnection,
    which: Which<'_>,
) -> anyhow::Result<Vec<ContactSnapshot>> {
    let mut found = contacts_in(conn, which).await?;
    let ids: Vec<i64> = found.iter().map(|s| s.id).collect();
    let at: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for stored in stored_in(conn, &ids).await? {
        if let Some(&i) = at.get(&stored.contact_id) {
            found[i].stored.insert(stored.topic_key, stored.preference);
        }
    }
    Ok(found)
}

/// One stored choice, as [`stored_in`] reads it.
#[derive(Debug, Clone)]
pub struct StoredChoice {
    pub contact_id: i64,
    pub topic_id: i64,
    pub topic_key: String,
    pub preference: Preference,
}

/// The stored choices of the contacts `ids`, in one query.
pub async fn stored_in(
    conn: &mut sqlx::AnyConnection,
    ids: &[i64],
) -> anyhow::Result<Vec<StoredChoice>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.contact_id, p.topic_id, t.key, p.subscribed, p.channels, p.frequency, p.info_only
         FROM preferences p JOIN topics t ON t.id = p.topic_id WHERE p.contact_id IN ({})",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let mut found = Vec::new();
    for r in &query.fetch_all(&mut *conn).await? {
        if let Some(preference) = stored_preference(r, "")? {
            found.push(StoredChoice {
                contact_id: r.try_get("contact_id")?,
                topic_id: r.try_get("topic_id")?,
                topic_key: r.try_get("key")?,
                preference,
            });
        }
    }
    Ok(found)
}

/// The live contacts among `which` with their settings and open disputes, and no stored
/// choices yet ([`stored_in`] reads those): one query.
pub async fn contacts_in(
    conn: &mut sqlx::AnyConnection,
    which: Which<'_>,
) -> anyhow::Result<Vec<ContactSnapshot>> {
    let (column, n) = match which {
        Which::Ids(ids) => ("c.id", ids.len()),
        Which::Refs(refs) => ("c.ref", refs.len()),
    };
    if n == 0 {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.id, c.ref, c.email, c.email_verified, c.phone, c.phone_verified, c.locale,
                c.time_zone, c.version, g.contact_id AS has_global, g.unsubscribed_all,
                g.channel_opt_outs, g.paused_until, g.quiet_start, g.quiet_end, g.weekly_cap,
                EXISTS (SELECT 1 FROM disputed_addresses d WHERE d.contact_id = c.id
                        AND d.kind = 'email' AND d.resolved_at IS NULL) AS email_disputed,
                EXISTS (SELECT 1 FROM disputed_addresses d WHERE d.contact_id = c.id
                        AND d.kind = 'phone' AND d.resolved_at IS NULL) AS phone_disputed
         FROM contacts c LEFT JOIN global_settings g ON g.contact_id = c.id
         WHERE {column} IN ({}) AND c.erased_at IS NULL",
        placeholders(1, n)
    );
    let mut query = sqlx::query(&sql);
    match which {
        Which::Ids(ids) => {
            for id in ids {
                query = query.bind(*id);
            }
        }
        Which::Refs(refs) => {
            for r in refs {
                query = query.bind(*r);
            }
        }
    }
    let rows = query.fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    rows.iter().map(snapshot_of).collect()
}

/// One row of [`contacts_in`]'s query as a snapshot without stored choices.
fn snapshot_of(c: &AnyRow) -> anyhow::Result<ContactSnapshot> {
    let global = global_settings_of(c)?;
    let mut disputed = Vec::new();
    if flag(c, "email_disputed")? {
        disputed.push(AddressKind::Email);
    }
    if flag(c, "phone_disputed")? {
        disputed.push(AddressKind::Phone);
    }
    Ok(ContactSnapshot {
        id: c.try_get("id")?,
        reference: c.try_get("ref")?,
        email: c.try_get("email")?,
        email_verified: flag(c, "email_verified")?,
        phone: c.try_get("phone")?,
        phone_verified: flag(c, "phone_verified")?,
        locale: rows::locale(c)?,
        time_zone: rows::time_zone(c)?,
        version: c.try_get("version")?,
        disputed,
        global,
        stored: HashMap::new(),
    })
}

/// The global settings in a row of [`contacts_in`]'s query; the defaults when it has none.
fn global_settings_of(c: &AnyRow) -> anyhow::Result<GlobalSettings> {
    Ok(match c.try_get::<Option<i64>, _>("has_global")? {
        None => GlobalSettings::default(),
        Some(_) => GlobalSettings::from_row(c)?,
    })
}
