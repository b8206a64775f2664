//! What a request's credential reaches (DESIGN §3.2), and a change made within that reach.

use app::{
    api::AppError,
    backend::{ContactId, Saved, Via},
    domain::AddressKind,
};
use serde_json::json;

use super::{
    errors::{change_error, internal},
    CustomerBackend,
};
use crate::store::{apply_changes, contact_view::ContactSnapshot, ChangeOp, ChangeRequest, Grant};

/// What one request may change, from its credential.
pub(super) struct Reach {
    grant: Grant,
    pub(super) records: Vec<i64>,
    /// The session to keep when the change ends the contact's others.
    keep_session: Option<String>,
    said_at: AddressKind,
}

impl CustomerBackend {
    /// Makes `ops` on every record the request reaches, in one transaction.
    pub(super) async fn change(
        &self,
        contact: ContactId,
        ops: Vec<ChangeOp>,
    ) -> Result<Saved, AppError> {
        let reach = self.reach(contact).await?;
        let reqs: Vec<ChangeRequest> = reach
            .records
            .iter()
            .map(|&contact_id| ChangeRequest {
                contact_id,
                grant: reach.grant.clone(),
                reason: None,
                meta: Some(json!({"source": "preferences page"})),
                ops: ops.clone(),
                // What the person says on the page, they say at the address the session or the
                // link proved (DESIGN §1.1).
                said_at: Some(reach.said_at),
                consent_at: None,
                together: reach.records.clone(),
                keep_session: reach.keep_session.clone(),
            })
            .collect();
        match apply_changes(self.store(), &reqs).await {
            // The signed-in record's row says what was saved; the others' rows are the same.
            Ok(committed) => Ok(committed.into_iter().flatten().next().map(|c| c.seq)),
            Err(e) => Err(change_error(e)),
        }
    }

    /// What the request's credential reaches (DESIGN §3.2). Signed in: every live record whose
    /// verified email is the address the session was signed in by, the signed-in one first.
    /// Through a link: the link's record, for the channels it was sent on.
    pub(super) async fn reach(&self, contact: ContactId) -> Result<Reach, AppError> {
        match contact.1 {
            Via::Session => {
                let session = self.request_session().ok_or(AppError::NotSignedIn)?;
                let (id, email) = self
                    .store()
                    .customer_session_email(&session)
                    .await
                    .map_err(internal)?
                    .filter(|(id, _)| *id == contact.0)
                    .ok_or(AppError::NotSignedIn)?;
                let records = self
                    .store()
                    .records_verified_at(id, &email)
                    .await
                    .map_err(internal)?;
                if records.is_empty() {
                    return Err(AppError::NotSignedIn);
                }
                Ok(Reach {
                    grant: Grant::session(&email),
                    records,
                    keep_session: Some(session),
                    said_at: AddressKind::Email,
                })
            }
            Via::Link(kind) => Ok(Reach {
                grant: Grant::preferences_link(contact.0, kind),
                records: vec![contact.0],
                keep_session: None,
                said_at: kind,
            }),
        }
    }

    /// The signed-in (or linked) contact's snapshot; an erased contact is signed out.
    pub(super) async fn contact(&self, id: i64) -> Result<ContactSnapshot, AppError> {
        self.store()
            .contact_view(id)
            .await
            .map_err(|e| internal(format!("{e:#}")))?
            .ok_or(AppError::NotSignedIn)
    }
}
