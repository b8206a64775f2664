//! Address choices as a change writes them (DESIGN §1.1): a sender's loosening checked against
//! them, a person's choices stored and lifted, the other records holding the address told, and a
//! record given an address inheriting what was said there. Which choices a change makes or lifts
//! is `address.rs`'s (pure); storing one is `store/address_choices.rs`'s.

use std::collections::{BTreeMap, HashMap};

use app::domain::{Actor, AddressKind, ChannelSet, TopicKey};
use serde_json::json;
use sqlx::AnyConnection;

use super::{
    address::{self, Scope},
    apply::event_type,
    records::{record_in, Record, Rows},
    write::{apply_change_with, load_global},
    ChangeError, ChangeOp, ChangeRequest, FieldChange,
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
    // (kind, address) → the field changes to tell the other records.
    let mut news: BTreeMap<(AddressKind, String), Vec<FieldChange>> = BTreeMap::new();
    for scope in address::loosened(changes, now) {
        for (kind, address) in holders(&scope, None, addresses) {
            let topic_id = scope_topic_id(conn, &scope, topics).await?;
            let lifted = drop_choice_in(conn, kind, &address, &scope, topic_id).await?;
            if lifted > 0 {
                news.entry((kind, address)).or_default().push(FieldChange {
                    field: scope.field(kind),
                    from: json!(true),
                    to: json!(false),
                });
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
                let topic_id = scope_topic_id(conn, &scope, topics).await?;
                let fresh = stored_choice(conn, kind, &address, &scope, topic_id)
                    .await?
                    .is_none();
                put_choice_in(
                    conn,
                    kind,
                    &address,
                    &scope,
                    topic_id,
                    now,
                    req.contact_id,
                    req.grant.actor().kind(),
                )
                .await?;
                if fresh {
                    news.entry((kind, address)).or_default().push(FieldChange {
                        field: scope.field(kind),
                        from: json!(false),
                        to: json!(true),
                    });
                }
            }
        }
    }

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
        let event_type = event_type(&fields);
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

/// Gives a contact that was just given `address` the choices made there: the same opt-outs on
/// its own record, in a ledger row of its own (actor `system`).
pub(super) async fn inherit_in(
    conn: &mut AnyConnection,
    rows: &mut Rows,
    contact_id: i64,
    kind: AddressKind,
    address: &str,
) -> Result<(), ChangeError> {
    let made: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT a.scope, t.key, a.channel FROM address_choices a
         LEFT JOIN topics t ON t.id = a.topic_id AND t.archived_at IS NULL AND t.kind <> 'required'
         WHERE a.kind = $1 AND a.address = $2
         ORDER BY a.scope, a.topic_id, a.channel",
    )
    .bind(kind.as_str())
    .bind(address)
    .fetch_all(&mut *conn)
    .await?;
    if made.is_empty() {
        return Ok(());
    }
    let mut ops = Vec::new();
    let mut opt_outs: Option<ChannelSet> = None;
    for (scope, topic, channel) in made {
        match scope.as_str() {
            "all" => ops.push(ChangeOp::UnsubscribedAll(true)),
            "topic" => {
                if let Some(topic) = topic.and_then(|t| TopicKey::parse(&t).ok()) {
                    ops.push(ChangeOp::Subscribed {
                        topic,
                        subscribed: false,
                    });
                }
            }
            _ => {
                if let Ok(channel) = app::domain::Channel::parse(&channel) {
                    let set = match opt_outs.take() {
                        Some(set) => set,
                        None => load_global(conn, contact_id).await?.channel_opt_outs,
                    };
                    opt_outs = Some(ChannelSet::new(set.iter().chain([channel])));
                }
            }
        }
    }
    ops.extend(opt_outs.map(ChangeOp::ChannelOptOuts));
    let req = ChangeRequest {
        contact_id,
        grant: super::Grant::system(),
        reason: Some(format!(
            "inherited: the person opted out at this {} address through another record",
            kind.as_str()
        )),
        meta: Some(json!({"source": "address choice"})),
        ops,
        keep_session: None,
        said_at: None,
        consent_at: None,
        together: Vec::new(),
    };
    apply_change_with(conn, &req, rows).await?;
    Ok(())
}
