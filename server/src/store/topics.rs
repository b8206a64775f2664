//! Topics: the kinds of message the organisation sends, and loading them from TOML.

use anyhow::{bail, Context};
use app::domain::{ChannelSet, Frequency, Preference, TopicKey, TopicKind};
use serde::Deserialize;
use sqlx::{any::AnyRow, Row};

use super::{flag, now_ms, Store};

/// A configured topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub id: i64,
    pub key: TopicKey,
    pub name: String,
    pub description: String,
    pub kind: TopicKind,
    pub channels: ChannelSet,
    pub default_subscribed: bool,
    pub default_frequency: Frequency,
    pub position: i64,
    pub archived: bool,
}

impl Topic {
    pub(crate) fn from_row(row: &AnyRow) -> anyhow::Result<Self> {
        Ok(Topic {
            id: row.try_get("id")?,
            key: TopicKey::parse(&row.try_get::<String, _>("key")?)?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            kind: TopicKind::parse(&row.try_get::<String, _>("kind")?)?,
            channels: ChannelSet::parse_list(&row.try_get::<String, _>("channels")?)?,
            default_subscribed: flag(row, "default_subscribed")?,
            default_frequency: Frequency::parse(&row.try_get::<String, _>("default_frequency")?)?,
            position: row.try_get("position")?,
            archived: row.try_get::<Option<i64>, _>("archived_at")?.is_some(),
        })
    }

    /// Whether a contact without a stored choice gets this topic. Required topics always reach
    /// the contact; optional ones only when configured so (no pre-ticked boxes by default).
    pub fn subscribed_by_default(&self) -> bool {
        self.kind == TopicKind::Required || self.default_subscribed
    }

    /// The choice of a contact who has no stored row for this topic.
    pub fn default_preference(&self) -> Preference {
        Preference {
            subscribed: self.subscribed_by_default(),
            channels: self.channels.clone(),
            frequency: self.default_frequency,
            info_only: false,
        }
    }
}

pub(crate) const TOPIC_COLUMNS: &str = "id, key, name, description, kind, channels, \
    default_subscribed, default_frequency, position, archived_at";

/// [`TOPIC_COLUMNS`] of the table aliased `alias`, for a query that joins topics to another
/// table with columns of the same names (built once, into a `LazyLock` of the whole query).
pub(crate) fn topic_columns_of(alias: &str) -> String {
    TOPIC_COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A topic as written in a topics file (`attune topics import FILE`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub key: TopicKey,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub kind: TopicKind,
    pub channels: ChannelSet,
    #[serde(default)]
    pub default_subscribed: bool,
    #[serde(default = "immediate")]
    pub default_frequency: Frequency,
}

fn immediate() -> Frequency {
    Frequency::Immediate
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicsFile {
    #[serde(rename = "topic")]
    topics: Vec<TopicSpec>,
}

/// Parses a topics file: a list of `[[topic]]` tables. Refuses the whole file on any error, so
/// a typo never half-imports.
pub fn parse_topics_toml(text: &str) -> anyhow::Result<Vec<TopicSpec>> {
    let file: TopicsFile = toml::from_str(text).context("the topics file is not valid")?;
    let mut seen = std::collections::HashSet::new();
    for t in &file.topics {
        if !seen.insert(t.key.clone()) {
            bail!("topic {} appears twice", t.key);
        }
        if t.channels.is_empty() {
            bail!("topic {} offers no channels", t.key);
        }
        if t.name.trim().is_empty() {
            bail!("topic {} has no name", t.key);
        }
    }
    Ok(file.topics)
}

/// Binds a topic's columns as `$1`…`$9`: key, name, description, kind, channels, default
/// subscribed, default frequency, position, and the time of the write.
fn bind_topic<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    t: &'q TopicSpec,
    position: i64,
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(t.key.as_str())
        .bind(&t.name)
        .bind(&t.description)
        .bind(t.kind.as_str())
        .bind(t.channels.to_list())
        .bind(t.default_subscribed)
        .bind(t.default_frequency.as_str())
        .bind(position)
        .bind(now)
}

/// Live topics by key and in display order, and when they were read.
pub struct TopicCache {
    loaded: std::time::Instant,
    topics: std::collections::HashMap<TopicKey, std::sync::Arc<Topic>>,
    ordered: Vec<std::sync::Arc<Topic>>,
}

/// How stale the topic cache may get; an admin's change shows in decisions within this.
const TOPIC_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl Store {
    /// The live topics, from a cache at most a few seconds old (this process's own changes to
    /// topics drop it at once).
    async fn topic_cache(&self) -> anyhow::Result<std::sync::Arc<TopicCache>> {
        {
            let cache = self.topics_cache.read().expect("topic cache lock");
            if let Some(c) = cache
                .as_ref()
                .filter(|c| c.loaded.elapsed() < TOPIC_CACHE_TTL)
            {
                return Ok(c.clone());
            }
        }
        let ordered: Vec<_> = self
            .list_topics()
            .await?
            .into_iter()
            .map(std::sync::Arc::new)
            .collect();
        let cache = std::sync::Arc::new(TopicCache {
            loaded: std::time::Instant::now(),
            topics: ordered.iter().map(|t| (t.key.clone(), t.clone())).collect(),
            ordered,
        });
        *self.topics_cache.write().expect("topic cache lock") = Some(cache.clone());
        Ok(cache)
    }

    /// A live (not archived) topic by key, from a cache at most a few seconds old.
    pub async fn cached_topic(
        &self,
        key: &TopicKey,
    ) -> anyhow::Result<Option<std::sync::Arc<Topic>>> {
        Ok(self.topic_cache().await?.topics.get(key).cloned())
    }

    /// Every live topic in display order, from the same cache.
    pub async fn cached_topics(&self) -> anyhow::Result<Vec<std::sync::Arc<Topic>>> {
        Ok(self.topic_cache().await?.ordered.clone())
    }

    /// Creates or updates topics by key, keeping the given order. One transaction: all or none.
    pub async fn upsert_topics(&self, specs: &[TopicSpec]) -> anyhow::Result<()> {
        let now = now_ms();
        let mut tx = self.writer().begin().await?;
        for (position, t) in specs.iter().enumerate() {
            let query = sqlx::query(
                "INSERT INTO topics (key, name, description, kind, channels, default_subscribed,
                                     default_frequency, position, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
                 ON CONFLICT (key) DO UPDATE SET
                    name = excluded.name, description = excluded.description, kind = excluded.kind,
                    channels = excluded.channels, default_subscribed = excluded.default_subscribed,
                    default_frequency = excluded.default_frequency, position = excluded.position,
                    archived_at = NULL, updated_at = excluded.updated_at",
            );
            bind_topic(query, t, position as i64, now)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("saving topic {}", t.key))?;
        }
        tx.commit().await?;
        self.forget_topics();
        Ok(())
    }

    /// Drops this process's cached topics, after a change to them, so decisions see it at once.
    /// (Other instances see it when their cache expires, within seconds.)
    pub fn forget_topics(&self) {
        *self.topics_cache.write().expect("topic cache lock") = None;
    }

    /// Every topic that is not archived, in display order.
    pub async fn list_topics(&self) -> anyhow::Result<Vec<Topic>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOPIC_COLUMNS} FROM topics WHERE archived_at IS NULL ORDER BY position, key"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(Topic::from_row).collect()
    }

    /// Every topic, live ones first, in display order: the admin's list.
    pub async fn all_topics(&self) -> anyhow::Result<Vec<Topic>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOPIC_COLUMNS} FROM topics
             ORDER BY CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END, position, key"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(Topic::from_row).collect()
    }

    /// Creates a topic; `None` when one with that key exists already.
    pub async fn create_topic(&self, t: &TopicSpec, position: i64) -> anyhow::Result<Option<i64>> {
        let query = sqlx::query(
            "INSERT INTO topics (key, name, description, kind, channels, default_subscribed,
                                 default_frequency, position, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
             ON CONFLICT (key) DO NOTHING RETURNING id",
        );
        let id = bind_topic(query, t, position, now_ms())
            .fetch_optional(self.writer())
            .await?
            .map(|row| row.try_get::<i64, _>("id"))
            .transpose()?;
        self.forget_topics();
        Ok(id)
    }

    /// Edits a topic (its key stays); `false` when there is none with that key.
    pub async fn update_topic(&self, t: &TopicSpec, position: i64) -> anyhow::Result<bool> {
        let query = sqlx::query(
            "UPDATE topics SET name = $2, description = $3, kind = $4, channels = $5,
                    default_subscribed = $6, default_frequency = $7, position = $8, updated_at = $9
             WHERE key = $1",
        );
        let done = bind_topic(query, t, position, now_ms())
            .execute(self.writer())
            .await?;
        self.forget_topics();
        Ok(done.rows_affected() > 0)
    }

    /// Archives a topic or brings it back; `false` when there is none with that key.
    pub async fn set_topic_archived(&self, key: &str, archived: bool) -> anyhow::Result<bool> {
        let done =
            sqlx::query("UPDATE topics SET archived_at = $2, updated_at = $3 WHERE key = $1")
                .bind(key)
                .bind(archived.then(now_ms))
                .bind(now_ms())
                .execute(self.writer())
                .await?;
        self.forget_topics();
        Ok(done.rows_affected() > 0)
    }

    /// One topic by id, archived or not (links name topics by id).
    pub async fn topic_by_id(&self, id: i64) -> anyhow::Result<Option<Topic>> {
        let row = sqlx::query(&format!("SELECT {TOPIC_COLUMNS} FROM topics WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(Topic::from_row).transpose()
    }

    /// One topic by key, archived or not.
    pub async fn topic(&self, key: &TopicKey) -> anyhow::Result<Option<Topic>> {
        let row = sqlx::query(&format!(
            "SELECT {TOPIC_COLUMNS} FROM topics WHERE key = $1"
        ))
        .bind(key.as_str())
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(Topic::from_row).transpose()
    }
}
