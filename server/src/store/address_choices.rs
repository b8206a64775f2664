//! Reading address choices (DESIGN §1.1): what applies to a contact's addresses, and which other
//! records share them. Writing them is the change function's (`changes/write.rs`).

use app::domain::AddressKind;

use super::{
    changes::address::{normalised, Scope},
    Store,
};

/// One choice made at an address, as the API and the console show it.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressChoice {
    pub kind: AddressKind,
    /// `all`, `topic` or `channel`.
    pub scope: String,
    /// The topic's key, for a topic's choice.
    pub topic: Option<String>,
    /// The channel, for a channel-wide one.
    pub channel: Option<String>,
    /// Unix ms.
    pub made_at: i64,
    /// The record it was made through (`None` once that record is erased).
    pub made_through: Option<String>,
    /// `customer`, `one_click` (or `reply`).
    pub made_by: String,
}

/// A stored row: scope, topic key, channel, made at, made through, made by.
type ChoiceRow = (String, Option<String>, String, i64, Option<String>, String);

/// Another live record holding one of a contact's addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedRecord {
    pub id: i64,
    pub reference: String,
    pub kind: AddressKind,
}

impl Store {
    /// The choices held at a contact's addresses, oldest first.
    pub async fn address_choices(
        &self,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> anyhow::Result<Vec<AddressChoice>> {
        let mut found = Vec::new();
        for (kind, address) in [(AddressKind::Email, email), (AddressKind::Phone, phone)] {
            let Some(address) = address.map(|a| normalised(kind, a)) else {
                continue;
            };
            let rows: Vec<ChoiceRow> = sqlx::query_as(
                "SELECT a.scope, t.key, a.channel, a.made_at, c.ref, a.actor_kind
                     FROM address_choices a
                     LEFT JOIN topics t ON t.id = a.topic_id
                     LEFT JOIN contacts c ON c.id = a.contact_id AND c.erased_at IS NULL
                     WHERE a.kind = $1 AND a.address = $2
                     ORDER BY a.made_at, a.scope, a.topic_id, a.channel",
            )
            .bind(kind.as_str())
            .bind(&address)
            .fetch_all(self.reader())
            .await?;
            found.extend(rows.into_iter().map(
                |(scope, topic, channel, made_at, made_through, made_by)| AddressChoice {
                    kind,
                    topic: topic.filter(|_| scope == "topic"),
                    channel: Some(channel).filter(|c| !c.is_empty()),
                    scope,
                    made_at,
                    made_through,
                    made_by,
                },
            ));
        }
        Ok(found)
    }

    /// The records a person signed in by email manages: the signed-in one first, then every
    /// other live record holding that email address with no open "not me" report on it.
    /// What a customer session signed in by `email` reaches (DESIGN §3.2): every live record
    /// whose **verified** email is that address and not reported as someone else's, the
    /// session's own record first. Empty when even that record no longer qualifies.
    pub async fn records_verified_at(
        &self,
        contact_id: i64,
        email: &str,
    ) -> anyhow::Result<Vec<i64>> {
        let mut records: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM contacts c
             WHERE c.erased_at IS NULL AND c.email_key = $1 AND c.email_verified = $2
               AND NOT EXISTS (SELECT 1 FROM disputed_addresses d WHERE d.contact_id = c.id
                                 AND d.kind = 'email' AND d.resolved_at IS NULL)
             ORDER BY c.id",
        )
        .bind(normalised(AddressKind::Email, email))
        .bind(true)
        .fetch_all(self.reader())
        .await?;
        match records.iter().position(|&id| id == contact_id) {
            Some(at) => {
                records[..=at].rotate_right(1);
                Ok(records)
            }
            None => Ok(Vec::new()),
        }
    }

    pub async fn records_of_person(&self, contact_id: i64) -> anyhow::Result<Vec<i64>> {
        let others: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM contacts c JOIN contacts me ON me.id = $1
             WHERE c.id <> me.id AND c.erased_at IS NULL AND c.email_key = me.email_key
               AND NOT EXISTS (SELECT 1 FROM disputed_addresses d WHERE d.contact_id = c.id
                                 AND d.kind = 'email' AND d.resolved_at IS NULL)
             ORDER BY c.id",
        )
        .bind(contact_id)
        .fetch_all(self.reader())
        .await?;
        Ok(std::iter::once(contact_id).chain(others).collect())
    }

    /// The other live records holding the contact's email address or phone number.
    pub async fn records_sharing(
        &self,
        contact_id: i64,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> anyhow::Result<Vec<SharedRecord>> {
        let mut found = Vec::new();
        for (kind, address, sql) in [
            (
                AddressKind::Email,
                email,
                "SELECT id, ref FROM contacts WHERE email_key = $1 AND erased_at IS NULL AND id <> $2 ORDER BY id",
            ),
            (
                AddressKind::Phone,
                phone,
                "SELECT id, ref FROM contacts WHERE phone = $1 AND erased_at IS NULL AND id <> $2 ORDER BY id",
            ),
        ] {
            let Some(address) = address.map(|a| normalised(kind, a)) else {
                continue;
            };
            let rows: Vec<(i64, String)> = sqlx::query_as(sql)
                .bind(&address)
                .bind(contact_id)
                .fetch_all(self.reader())
                .await?;
            found.extend(
                rows.into_iter()
                    .map(|(id, reference)| SharedRecord { id, reference, kind }),
            );
        }
        Ok(found)
    }

    /// The live records holding a phone number, oldest first.
    pub async fn records_with_phone(&self, phone: &str) -> anyhow::Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM contacts WHERE phone = $1 AND erased_at IS NULL ORDER BY id",
        )
        .bind(phone)
        .fetch_all(self.reader())
        .await?)
    }

    /// A reply from an address no record holds: the choice is kept (or lifted) at the address
    /// alone, for records given it later to inherit.
    pub async fn reply_without_record(
        &self,
        kind: AddressKind,
        address: &str,
        scope: &Scope,
        out: bool,
    ) -> anyhow::Result<()> {
        let address = normalised(kind, address);
        let mut conn = self.writer().acquire().await?;
        if out {
            put_choice_in(
                &mut conn,
                kind,
                &address,
                scope,
                0,
                super::now_ms(),
                0,
                "reply",
            )
            .await?;
        } else {
            drop_choice_in(&mut conn, kind, &address, scope, 0).await?;
        }
        // No record holds the address, so no ledger row tells the read model; drop what it
        // holds of addresses' choices here (it reads them again when asked).
        self.read_model.forget(&[], true);
        Ok(())
    }

    /// Whether a provider's delivery (`twilio-sms:<MessageSid>`…) was handled before.
    pub async fn inbound_seen(&self, id: &str) -> anyhow::Result<bool> {
        let seen: Option<i64> =
            sqlx::query_scalar("SELECT received_at FROM inbound_messages WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        Ok(seen.is_some())
    }

    /// Notes a provider's delivery as handled.
    pub async fn mark_inbound(&self, id: &str) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO inbound_messages (id, received_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(super::now_ms())
        .execute(self.writer())
        .await?;
        Ok(())
    }
}

/// Stores a choice (again: a repeat is as new, its time the latest).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn put_choice_in(
    conn: &mut sqlx::AnyConnection,
    kind: AddressKind,
    address: &str,
    scope: &Scope,
    topic_id: i64,
    made_at: i64,
    contact_id: i64,
    actor_kind: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO address_choices (kind, address, scope, topic_id, channel, made_at, contact_id, actor_kind)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (kind, address, scope, topic_id, channel) DO UPDATE SET
            made_at = excluded.made_at, contact_id = excluded.contact_id,
            actor_kind = excluded.actor_kind",
    )
    .bind(kind.as_str())
    .bind(address)
    .bind(scope.kind())
    .bind(topic_id)
    .bind(scope.channel())
    .bind(made_at)
    .bind(contact_id)
    .bind(actor_kind)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The row of one choice, as `$1`…`$5` bound in [`bind_key`]'s order.
const ONE_CHOICE: &str =
    "kind = $1 AND address = $2 AND scope = $3 AND topic_id = $4 AND channel = $5";

fn bind_key<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    kind: AddressKind,
    address: &'q str,
    scope: &Scope,
    topic_id: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(kind.as_str())
        .bind(address)
        .bind(scope.kind())
        .bind(topic_id)
        .bind(scope.channel())
}

/// When a choice was made, if it stands.
pub(crate) async fn made_at_in(
    conn: &mut sqlx::AnyConnection,
    kind: AddressKind,
    address: &str,
    scope: &Scope,
    topic_id: i64,
) -> sqlx::Result<Option<i64>> {
    let sql = format!("SELECT made_at FROM address_choices WHERE {ONE_CHOICE}");
    let row = bind_key(sqlx::query(&sql), kind, address, scope, topic_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| sqlx::Row::try_get::<i64, _>(&r, "made_at"))
        .transpose()
}

/// Lifts a choice; how many rows went (0 or 1).
pub(crate) async fn drop_choice_in(
    conn: &mut sqlx::AnyConnection,
    kind: AddressKind,
    address: &str,
    scope: &Scope,
    topic_id: i64,
) -> sqlx::Result<u64> {
    let sql = format!("DELETE FROM address_choices WHERE {ONE_CHOICE}");
    Ok(bind_key(sqlx::query(&sql), kind, address, scope, topic_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
