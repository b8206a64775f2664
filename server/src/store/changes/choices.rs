//! Address choices as a change writes them (DESIGN §1.1): a sender's loosening checked against
//! them, a person's choices stored and lifted, the other records holding the address told, and a
//! record given an address inheriting what was said there. Which choices a change makes or lifts
//! is `address.rs`'s (pure); storing one is `store/address_choices.rs`'s.

use std::collections::{BTreeMap, HashMap};

use app::domain::{Actor, AddressKind, TopicKey};
use serde_json::json;
use sqlx::AnyConnection;

use super::{
    address::{self, Scope},
    records::{record_in, Record, Rows},
    ChangeError, ChangeRequest, EventType, FieldChange,
};
use crate::store::{
    address_choices::{drop_choice_in, made_at_in, put_choice_in},
    topics::Topic,
};

/// A stored address choice.
struct StoredChoice {
    made_at: i64,
}

/// The topic id a scope is stored under (0 unless a topic's): from the topics the change read,
/// so the database is asked only for one it did not.
async fn scope_topic_id(
    conn: &mut AnyConnection,
    scope: &Scope,
    topics: &HashMap<TopicKey, Topic>,
) -> Result<i64, ChangeError> {
    Ok(match scope {
        Scope::Topic(key) => match topics.get(key) {
            Some(topic) => topic.id,
            None => sqlx::query_scalar("SELECT id FROM topics WHERE key = $1")
                .bind(key.as_str())
                .fetch_optional(&mut *conn)
                .await?
                .unwrap_or(0),
        },
        _ => 0,
    })
}

async fn stored_choice(
    conn: &mut AnyConnection,
    kind: AddressKind,
    address: &str,
    scope: &Scope,
    topic_id: i64,
) -> Result<Option<StoredChoice>, ChangeError> {
    let made_at = made_at_in(conn, kind, address, scope, topic_id).await?;
    Ok(made_at.map(|made_at| StoredChoice { made_at }))
}

/// The (kind, normalised address) pairs a scope is held at for a contact: where the person
/// spoke for their own tightening, every address the scope can be held at otherwise.
fn holders(
    scope: &Scope,
    said_at: Option<AddressKind>,
    addresses: &[(AddressKind, Option<&str>)],
) -> Vec<(AddressKind, String)> {
    addresses
        .iter()
        .filter_map(|(kind, address)| Some((*kind, address::normalised(*kind, (*address)?))))
        .filter(|(kind, _)| match said_at {
            Some(said) => scope.held_at(said) == Some(*kind),
            None => match scope {
                Scope::Channel(c) => c.address_kind() == *kind,
                _ => true,
            },
        })
        .collect()
}

/// Refuses a sender's loosening that meets an address choice made after the consent it carries
/// (DESIGN §6.1): old consent is how old lists re-add people.
pub(super) async fn refuse_older_consent_in(
    conn: &mut AnyConnection,
    req: &ChangeRequest,
    addresses: &[(AddressKind, Option<&str>)],
    changes: &[FieldChange],
    topics: &HashMap<TopicKey, Topic>,
    now: i64,
) -> Result<(), ChangeError> {
    for scope in address::loosened(changes, now) {
        for (kind, address) in holders(&scope, None, addresses) {
            let topic_id = scope_topic_id(conn, &scope, topics).await?;
            let Some(choice) = stored_choice(conn, kind, &address, &scope, topic_id).await? else {
                continue;
            };
            if req.consent_at.is_none_or(|at| at <= choice.made_at) {
                let when = jiff::Timestamp::from_millisecond(choice.made_at)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                return Err(ChangeError::AddressChoice(format!(
                    "the person opted out at this {} address ({}) on {when}; only consent given after that lifts it; nothing was changed",
                    kind.as_str(),
                    scope_words(&scope),
                )));
            }
        }
    }
    Ok(())
}

fn scope_words(scope: &Scope) -> String {
    match scope {
        Scope::All => "every optional topic".to_owned(),
        Scope::Topic(t) => format!("topic {t}"),
        Scope::Channel(c) => format!("every {} message", c.as_str()),
    }
}

/// The field changes to tell the other records holding an address: (kind, address) → fields.
type News = BTreeMap<(AddressKind, String), Vec<FieldChange>>;

/// Records the address choices a person's own change makes, lifts those a loosening lifts, and
/// tells every other live record holding the address, one ledger row each.
pub(super) async fn address_choices_in(
    conn: &mut AnyConnection,
    rows: &mut Rows,
    req: &ChangeRequest,
    addresses: &[(AddressKind, Option<&str>)],
    changes: &[FieldChange],
    topics: &HashMap<TopicKey, Topic>,
    now: i64,
) -> Result<(), ChangeError> {
    let mut news = News::new();
    for scope in address::loosened(changes, now) {
        for (kind, address) in holders(&scope, None, addresses) {
            let topic_id = scope_topic_id(conn, &scope, topics).await?;
            let lifted = drop_choice_in(conn, kind, &address, &scope, topic_id).await?;
            if lifted > 0 {
                let field = FieldChange::new(scope.field(kind), json!(true), json!(false));
                news.entry((kind, address)).or_default().push(field);
            }
        }
    }
    let person = matches!(
        req.grant.actor(),
        Actor::Customer | Actor::OneClick | Actor::Reply
    );
    if let Some(said_at) = req.said_at.filter(|_| person) {
        for scope in address::tightened(changes) {
            for (kind, address) in holders(&scope, Some(said_at), addresses) {
                if make_choice_in(conn, req, kind, &address, &scope, topics, now).await? {
                    let field = FieldChange::new(scope.field(kind), json!(false), json!(true));
                    news.entry((kind, address)).or_default().push(field);
                }
            }
        }
    }
    tell_others_in(conn, rows, req, news, now).await
}

/// Keeps the choice `scope` at an address; whether it is new there.
async fn make_choice_in(
    conn: &mut AnyConnection,
    req: &ChangeRequest,
    kind: AddressKind,
    address: &str,
    scope: &Scope,
    topics: &HashMap<TopicKey, Topic>,
    now: i64,
) -> Result<bool, ChangeError> {
    let topic_id = scope_topic_id(conn, scope, topics).await?;
    let fresh = stored_choice(conn, kind, address, scope, topic_id)
        .await?
        .is_none();
    let actor = req.grant.actor().kind();
    put_choice_in(
        conn,
        kind,
        address,
        scope,
        topic_id,
        now,
        req.contact_id,
        actor,
    )
    .await?;
    Ok(fresh)
}

/// Writes the news about each address to every other live record holding it (but those the
/// request changes itself), one ledger row per record, actor `system`.
async fn tell_others_in(
    conn: &mut AnyConnection,
    rows: &mut Rows,
    req: &ChangeRequest,
    news: News,
    now: i64,
) -> Result<(), ChangeError> {
    let mut told: BTreeMap<i64, (String, Option<String>, Vec<FieldChange>)> = BTreeMap::new();
    for ((kind, address), fields) in news {
        let sql = match kind {
            AddressKind::Email => {
                "SELECT id, ref, email FROM contacts
                 WHERE email_key = $1 AND erased_at IS NULL AND id <> $2 ORDER BY id"
            }
            _ => {
                "SELECT id, ref, email FROM contacts
                 WHERE phone = $1 AND erased_at IS NULL AND id <> $2 ORDER BY id"
            }
        };
        let others: Vec<(i64, String, Option<String>)> = sqlx::query_as(sql)
            .bind(&address)
            .bind(req.contact_id)
            .fetch_all(&mut *conn)
            .await?;
        for (id, reference, email) in others {
            if req.together.contains(&id) {
                continue;
            }
            told.entry(id)
                .or_insert_with(|| (reference, email, Vec::new()))
                .2
                .extend(fields.iter().cloned());
        }
    }
    // Most changes tell nobody: no query more for them (one-click and sender PATCHes are hot).
    if told.is_empty() {
        return Ok(());
    }
    let through = sqlx::query_scalar::<_, String>("SELECT ref FROM contacts WHERE id = $1")
        .bind(req.contact_id)
        .fetch_one(&mut *conn)
        .await?;
    let reason = format!("said at an address this record shares, through {through}");
    for (contact_id, (reference, email, fields)) in told {
        let event_type = EventType::of(&fields);
        record_in(
            conn,
            rows,
            Record {
                contact_id,
                reference,
                email,
                actor: &Actor::System,
                reason: Some(&reason),
                meta: Some(&json!({"source": "address choice", "through": through})),
                changes: &fields,
                event_type,
            },
            now,
        )
        .await?;
    }
    Ok(())
}
