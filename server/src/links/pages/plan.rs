//! What a choice posted to `/u/{token}` will do, planned before anything is written.

use app::{
    domain::{Actor, Frequency},
    i18n::Lang,
    pages::links::Undo,
    tr,
};
use axum::{http::StatusCode, response::Response};

use super::{
    problems::{problem, refused, undo_refused},
    Page, Target,
};
use crate::{
    http::form::FormFields,
    links::UndoAction,
    state::AppState,
    store::{ChangeOp, Grant},
};

/// What a choice will do, decided before anything is written: the change (with the grant the
/// link or the undo proof gives it), the words of the outcome, and the undo it offers once made.
pub(super) struct Plan {
    pub(super) change: Option<(ChangeOp, Grant)>,
    pub(super) title: String,
    pub(super) message: String,
    pub(super) undo: Option<(Undo, UndoAction)>,
}

/// Plans what `action` does with the link's target. Pure but for reading the undo proof.
// A refusal is the page to answer with; it is made once per request.
#[allow(clippy::result_large_err)]
pub(super) fn plan_choice(
    state: &AppState,
    page: &Page,
    target: &Target,
    action: &str,
    fields: &FormFields,
) -> Result<Plan, Response> {
    let lang = page.lang;
    if let Some(undo) = UndoAction::parse(action) {
        let Some(seq) = state
            .links
            .undoable(&target.claims, fields.get("undo").as_deref(), undo)
        else {
            return Err(undo_refused(page));
        };
        let (op, title, message) = plan_undo(page, target, undo, fields)?;
        let grant = Grant::undo(target.claims.contact_id, seq, target.address_kind());
        return Ok(Plan {
            change: Some((op, grant)),
            title,
            message,
            undo: None,
        });
    }
    match action {
        "unsubscribe" => Ok(plan_unsubscribe(page, target)),
        "everything" => Ok(Plan {
            title: tr!(lang, "outcome-unsubscribed-everything"),
            ..plan_everything(page, target)
        }),
        "less_often" => plan_less_often(page, target, fields),
        other => Err(problem(
            page,
            StatusCode::BAD_REQUEST,
            tr!(lang, "link-unknown-choice-heading"),
            tr!(
                lang,
                "link-unknown-choice-text",
                choice = format!("{other:?}")
            ),
        )),
    }
}

/// What a link may do: only tighten, for its record, on the channels of its address.
fn tighten(target: &Target, actor: Actor) -> Grant {
    Grant::unsubscribe_link(target.claims.contact_id, target.address_kind(), actor)
}

/// Unsubscribe from everything optional, with an undo.
fn plan_everything(page: &Page, target: &Target) -> Plan {
    let lang = page.lang;
    Plan {
        change: Some((
            ChangeOp::UnsubscribedAll(true),
            tighten(target, Actor::OneClick),
        )),
        title: tr!(lang, "outcome-unsubscribed"),
        message: tr!(lang, "outcome-unsubscribed-all"),
        undo: Some((
            Undo::new("undo_everything", None, tr!(lang, "undo-subscribe-again")),
            UndoAction::Everything,
        )),
    }
}

/// Unsubscribe from the link's topic (a required one can't be left), or, for a link without a
/// topic, from everything optional.
fn plan_unsubscribe(page: &Page, target: &Target) -> Plan {
    let lang = page.lang;
    match &target.topic {
        Some(t) if t.required => Plan {
            change: None,
            title: tr!(lang, "outcome-required-heading", topic = t.name.as_str()),
            message: tr!(lang, "outcome-required-text", topic = t.name.as_str()),
            undo: None,
        },
        Some(t) => Plan {
            change: Some((
                ChangeOp::Subscribed {
                    topic: t.key.clone(),
                    subscribed: false,
                },
                tighten(target, Actor::OneClick),
            )),
            title: tr!(lang, "outcome-unsubscribed"),
            message: tr!(lang, "outcome-unsubscribed-topic", topic = t.name.as_str()),
            undo: Some((
                Undo::new(
                    "undo_unsubscribe",
                    None,
                    tr!(lang, "undo-keep-getting", topic = t.name.as_str()),
                ),
                UndoAction::Unsubscribe,
            )),
        },
        None => plan_everything(page, target),
    }
}

/// Less often: a lower frequency than today's, since a link only tightens (DESIGN §3.2).
// A refusal is the page to answer with; it is made once per request.
#[allow(clippy::result_large_err)]
fn plan_less_often(page: &Page, target: &Target, fields: &FormFields) -> Result<Plan, Response> {
    let lang = page.lang;
    let Some(t) = target.topic.as_ref().filter(|t| !t.required) else {
        return Err(refused(page, "link-no-topic-heading", "link-no-topic-text"));
    };
    let Some(frequency) = fields
        .get("frequency")
        .and_then(|f| Frequency::parse(&f).ok())
        .filter(|f| *f > t.frequency)
    else {
        return Err(refused(
            page,
            "link-choose-how-often-heading",
            "link-choose-how-often-text",
        ));
    };
    Ok(Plan {
        change: Some((
            ChangeOp::Frequency {
                topic: t.key.clone(),
                frequency,
            },
            tighten(target, Actor::Customer),
        )),
        title: tr!(lang, "outcome-less-often"),
        message: tr!(
            lang,
            "outcome-less-often-text",
            topic = t.name.as_str(),
            frequency = frequency_words(&lang, frequency)
        ),
        undo: Some((
            Undo::new(
                "undo_frequency",
                Some(t.frequency.as_str().to_owned()),
                tr!(lang, "undo-as-before"),
            ),
            UndoAction::Frequency,
        )),
    })
}

/// What an undo button asks to put back; the change function checks that it is exactly what
/// the proof's change took away.
// A refusal is the page to answer with; it is made once per request.
#[allow(clippy::result_large_err)]
fn plan_undo(
    page: &Page,
    target: &Target,
    undo: UndoAction,
    fields: &FormFields,
) -> Result<(ChangeOp, String, String), Response> {
    let lang = page.lang;
    Ok(match undo {
        UndoAction::Unsubscribe => {
            let Some(t) = target.topic.as_ref() else {
                return Err(refused(page, "link-nothing-to-undo", "link-no-topic-text"));
            };
            (
                ChangeOp::Subscribed {
                    topic: t.key.clone(),
                    subscribed: true,
                },
                tr!(lang, "outcome-subscribed-again"),
                tr!(lang, "outcome-keep-getting", topic = t.name.as_str()),
            )
        }
        UndoAction::Everything => (
            ChangeOp::UnsubscribedAll(false),
            tr!(lang, "outcome-subscribed-again"),
            tr!(lang, "outcome-earlier-choices"),
        ),
        UndoAction::Frequency => {
            let (Some(t), Some(frequency)) = (
                target.topic.as_ref(),
                fields.get("value").and_then(|f| Frequency::parse(&f).ok()),
            ) else {
                return Err(refused(
                    page,
                    "link-nothing-to-undo",
                    "link-form-incomplete",
                ));
            };
            (
                ChangeOp::Frequency {
                    topic: t.key.clone(),
                    frequency,
                },
                tr!(lang, "outcome-changed-back"),
                tr!(
                    lang,
                    "outcome-changed-back-text",
                    topic = t.name.as_str(),
                    frequency = frequency_words(&lang, frequency)
                ),
            )
        }
    })
}

/// "once a week", as in "You will get Offers once a week at most".
fn frequency_words(lang: &Lang, f: Frequency) -> String {
    tr!(lang, "link-frequency", frequency = f.as_str())
}
