//! The links mailed to a customer (sign-in, email confirmation): queueing one, and what a used
//! one proves.

use app::{api::AppError, domain::Email, i18n::lang, tr};
use serde_json::json;

use super::{
    errors::{change_error, internal},
    CustomerBackend,
};
use crate::{
    mail::templates,
    state::AppState,
    store::{
        contacts::SIGN_IN_TOKEN_TTL_MS, sessions::LinkPurpose, ChangeOp, ChangeRequest, Grant,
    },
};

impl CustomerBackend {
    /// Queues a mail with a new link, token and mail written together (the mail worker sends
    /// it): the answer never waits for the mail server. For a confirmation the address is set
    /// waiting in the same transaction.
    pub(super) async fn send_link(
        state: &AppState,
        contact_id: i64,
        to: Email,
        purpose: LinkPurpose,
        ttl_ms: i64,
    ) -> anyhow::Result<()> {
        let lang = state.store.contact_language(contact_id).await?;
        let mut link = None;
        let stored = purpose.stored(to.as_str());
        let pending = matches!(purpose, LinkPurpose::VerifyEmail).then(|| to.as_str().to_owned());
        state
            .store
            .create_token_mailed(contact_id, &stored, ttl_ms, pending.as_deref(), |token| {
                let url = state.config.base_url.join(&format!("auth/{token}"))?;
                let org = &state.config.org_name;
                let mail = match purpose {
                    LinkPurpose::SignIn => templates::sign_in(&lang, org, to, url.as_str()),
                    LinkPurpose::VerifyEmail => {
                        templates::verify_email(&lang, org, to, url.as_str())
                    }
                };
                link = Some(url);
                Ok((&mail).into())
            })
            .await?;
        if let Some(link) = link.filter(|_| state.mailer.is_local()) {
            // Only for the file mailer, i.e. on a developer's machine (DESIGN §8).
            tracing::info!(%link, "link mailed (file mailer)");
        }
        Ok(())
    }

    /// A sign-in link, queued in the background: the answer comes as quickly for a known
    /// address as for an unknown one, so its timing tells nothing. Counted as unsent until
    /// queued ([`crate::store::Store::mail_queueing`]).
    pub(super) fn send_sign_in_link_later(&self, contact_id: i64, to: Email) {
        let state = self.state.clone();
        let queueing = state.store.mail_queueing();
        tokio::spawn(async move {
            let sent = Self::send_link(
                &state,
                contact_id,
                to,
                LinkPurpose::SignIn,
                SIGN_IN_TOKEN_TTL_MS,
            );
            if let Err(e) = sent.await {
                tracing::error!(error = %format!("{e:#}"), "could not queue a sign-in link");
            }
            drop(queueing);
        });
    }

    /// The address a used link proved, once it has done what it was for. A sign-in link works
    /// only while the address it was mailed to is still the contact's and not reported as
    /// someone else's (a stranger at a corrected address signs nobody in), and it confirms that
    /// address; a confirmation link works only for the address still waiting for it, which then
    /// becomes the contact's (DESIGN §4).
    pub(super) async fn redeemed_address(
        &self,
        contact_id: i64,
        purpose: &str,
    ) -> Result<String, AppError> {
        let contact = self.contact(contact_id).await?;
        let current = contact.mailable_email();
        let pending = self
            .store()
            .pending_email(contact_id)
            .await
            .map_err(internal)?;
        let (email, verified) = match (
            LinkPurpose::matching(purpose, current),
            LinkPurpose::matching(purpose, pending.as_deref()),
        ) {
            (Some(LinkPurpose::SignIn), _) => (current, contact.email_verified),
            (_, Some(LinkPurpose::VerifyEmail)) => (pending.as_deref(), false),
            _ => return Err(AppError::Invalid(tr!(lang(), "redeem-address-changed"))),
        };
        let email = Email::parse(email.unwrap_or_default()).map_err(internal)?;
        if !verified {
            let req = ChangeRequest {
                contact_id,
                grant: Grant::confirm_email(contact_id, email.as_str()),
                reason: None,
                meta: Some(json!({"source": "confirmation link"})),
                ops: vec![ChangeOp::Email {
                    email: Some(email.clone()),
                    verified: true,
                }],
                said_at: None,
                consent_at: None,
                together: Vec::new(),
                keep_session: None,
            };
            crate::store::apply_change(self.store(), &req)
                .await
                .map_err(change_error)?;
        }
        if pending.is_some()
            && email
                .as_str()
                .eq_ignore_ascii_case(pending.as_deref().unwrap_or_default())
        {
            self.store()
                .set_pending_email(contact_id, None)
                .await
                .map_err(internal)?;
        }
        Ok(email.as_str().to_owned())
    }
}
