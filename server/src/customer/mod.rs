//! The customer side of the site (DESIGN §4, §5): magic-link sign-in, sessions, and the
//! preference page's reads and writes (the server side of its server functions). What the pages
//! show is `view.rs`; the words are `crate::words`.
//!
//! Here: the `Backend` the server functions call. Around it: the session cookie
//! (`session.rs`), the links mailed to a customer (`mailed_links.rs`), what a request may change
//! (`reach.rs`) and the errors the pages are given (`errors.rs`).

mod errors;
mod mailed_links;
mod reach;
mod session;
mod view;

pub use view::{export, export_contact, load_preferences};

use std::{net::IpAddr, sync::Arc};

use app::{
    api::{
        types::{
            DetailsForm, GlobalForm, HistoryEntry, HistoryPage, LinkStatus, PreferencesView,
            TopicForm,
        },
        AppError,
    },
    backend::{Backend, ContactId, NewSession, Saved, Via},
    domain::{
        AddressKind, Channel, ChannelSet, Email, Frequency, Locale, PauseUntil, QuietHours,
        TimeZoneName, TopicKey,
    },
};

use app::{
    i18n::{lang, Lang},
    tr,
};

use self::errors::{change_error, internal};
use crate::{
    state::AppState,
    store::{
        sessions::{LinkPurpose, Redeemed, SESSION_TTL_MS},
        sha256_hex, ChangeError, ChangeOp, Store,
    },
    words::{ledger_line, Reader},
};

const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Sign-in requests per address per 15 minutes.
const PER_ADDRESS_LIMIT: i64 = 5;
/// How long an email confirmation link works.
const VERIFY_TTL_MS: i64 = 24 * 3600 * 1000;

/// The server side of the pages' server functions.
pub struct CustomerBackend {
    pub state: AppState,
}

impl CustomerBackend {
    pub fn shared(state: AppState) -> app::backend::SharedBackend {
        Arc::new(CustomerBackend { state })
    }

    fn store(&self) -> &Store {
        &self.state.store
    }
}

#[async_trait::async_trait]
impl Backend for CustomerBackend {
    async fn request_sign_in(
        &self,
        email: Email,
        client_ip: Option<IpAddr>,
    ) -> Result<(), AppError> {
        let too_many = || AppError::RateLimited(tr!(lang(), "error-too-many-sign-ins"));
        if let Some(ip) = client_ip {
            let ok = self
                .store()
                .rate_limit(
                    &format!("sign_in:ip:{}", crate::http::client_ip::rate_key(ip)),
                    self.state.config.sign_in_limit_per_ip,
                    WINDOW_MS,
                )
                .await
                .map_err(internal)?;
            if !ok {
                return Err(too_many());
            }
        }
        let address_key = format!(
            "sign_in:address:{}",
            sha256_hex(email.as_str().to_lowercase().as_bytes())
        );
        if !self
            .store()
            .rate_limit(&address_key, PER_ADDRESS_LIMIT, WINDOW_MS)
            .await
            .map_err(internal)?
        {
            return Err(too_many());
        }
        if let Some(contact_id) = self
            .store()
            .contact_by_email(email.as_str())
            .await
            .map_err(internal)?
        {
            self.send_sign_in_link_later(contact_id, email);
        }
        Ok(())
    }

    async fn sign_in_link_status(&self, token: &str) -> Result<LinkStatus, AppError> {
        Ok(
            match self
                .store()
                .peek_sign_in_token(token)
                .await
                .map_err(internal)?
            {
                Redeemed::Ok { .. } => LinkStatus::Valid,
                Redeemed::Used => LinkStatus::Used,
                Redeemed::Expired => LinkStatus::Expired,
                Redeemed::Unknown => LinkStatus::Unknown,
            },
        )
    }

    async fn redeem_sign_in(&self, token: &str) -> Result<NewSession, AppError> {
        let (contact_id, purpose) = match self
            .store()
            .redeem_sign_in_token(token)
            .await
            .map_err(internal)?
        {
            Redeemed::Ok {
                contact_id,
                purpose,
            } => (contact_id, purpose),
            Redeemed::Used => return Err(AppError::Invalid(tr!(lang(), "redeem-used"))),
            Redeemed::Expired => return Err(AppError::Invalid(tr!(lang(), "redeem-expired"))),
            Redeemed::Unknown => return Err(AppError::Invalid(tr!(lang(), "redeem-unknown"))),
        };
        let email = self.redeemed_address(contact_id, &purpose).await?;
        let session = self
            .store()
            .create_customer_session(contact_id, &email)
            .await
            .map_err(internal)?;
        Ok(NewSession {
            set_cookie: self.session_cookie(&session, SESSION_TTL_MS),
        })
    }

    async fn session_contact(
        &self,
        cookie_header: Option<&str>,
    ) -> Result<Option<ContactId>, AppError> {
        let Some(id) = self.session_id(cookie_header) else {
            return Ok(None);
        };
        Ok(self
            .store()
            .customer_session(&id)
            .await
            .map_err(internal)?
            .map(|id| ContactId(id, Via::Session)))
    }

    async fn link_contact(&self, token: &str) -> Result<Option<ContactId>, AppError> {
        match self
            .state
            .links
            .parse(token, crate::links::LinkKind::Preferences)
        {
            Ok(claims) => {
                // A link mailed to an address since replaced or reported opens nothing.
                let target = self
                    .store()
                    .link_target(claims.contact_id, 0)
                    .await
                    .map_err(internal)?;
                Ok(target
                    .filter(|t| crate::links::opens_preferences(&claims, t))
                    .map(|_| {
                        ContactId(
                            claims.contact_id,
                            Via::Link(crate::links::address_kind(&claims)),
                        )
                    }))
            }
            Err(_) => Ok(None),
        }
    }

    async fn sign_out(&self, cookie_header: Option<&str>) -> Result<String, AppError> {
        if let Some(id) = self.session_id(cookie_header) {
            self.store().delete_session(&id).await.map_err(internal)?;
        }
        Ok(self.session_cookie("", 0))
    }

    fn saved_token(&self, contact: ContactId, seq: i64) -> String {
        match contact.1 {
            Via::Session => seq.to_string(),
            Via::Link(_) => self.state.links.saved_proof(contact.0, seq),
        }
    }

    fn saved_seq(&self, contact: ContactId, saved: &str) -> Option<i64> {
        match contact.1 {
            Via::Session => saved.parse().ok(),
            // A link's page describes only the change made through it just now.
            Via::Link(_) if saved == "0" => Some(0),
            Via::Link(_) => self.state.links.saved_seq(contact.0, saved),
        }
    }

    async fn preferences(
        &self,
        contact: ContactId,
        saved: Option<i64>,
        lang: &Lang,
    ) -> Result<PreferencesView, AppError> {
        load_preferences(self.store(), contact.0, saved, lang)
            .await
            .map_err(|e| match e.downcast::<AppError>() {
                Ok(app) => app,
                Err(e) => internal(format!("{e:#}")),
            })
    }

    async fn save_topic(&self, contact: ContactId, form: TopicForm) -> Result<Saved, AppError> {
        let key = TopicKey::parse(&form.topic)?;
        let frequency = Frequency::parse(&form.frequency)?;
        let lang = lang();
        let view = self.preferences(contact, None, &lang).await?;
        let topic = view
            .topics
            .iter()
            .find(|t| t.key == form.topic)
            .ok_or_else(|| {
                AppError::Invalid(tr!(lang, "error-no-topic", topic = form.topic.as_str()))
            })?;
        // Channels the contact has no address for are not on the form; keep their stored choice.
        // Through a link, the channels of the other address are the link's to close but not to
        // open (DESIGN §3.2): their stored choice stands, whatever the form says, except when
        // this save subscribes the topic again — then they are left out, for the person to
        // choose when signed in.
        let in_scope = |c: Channel| match contact.1 {
            Via::Session => true,
            Via::Link(kind) => c.address_kind() == kind,
        };
        let subscribing = !topic.required && !topic.subscribed && form.subscribed;
        let kept = topic.channels.iter().filter(|c| {
            c.chosen
                && if in_scope(c.channel) {
                    !c.available
                } else {
                    !subscribing
                }
        });
        let chosen = form.channels.iter().copied().filter(|c| in_scope(*c));
        let channels = ChannelSet::new(chosen.chain(kept.map(|c| c.channel)));
        let mut ops = Vec::new();
        if !topic.required {
            ops.push(ChangeOp::Subscribed {
                topic: key.clone(),
                subscribed: form.subscribed,
            });
        }
        ops.push(ChangeOp::Channels {
            topic: key.clone(),
            channels,
        });
        ops.push(ChangeOp::Frequency {
            topic: key.clone(),
            frequency,
        });
        ops.push(ChangeOp::InfoOnly {
            topic: key,
            info_only: form.info_only,
        });
        self.change(contact, ops).await
    }

    async fn save_global(&self, contact: ContactId, form: GlobalForm) -> Result<Saved, AppError> {
        let current = self.contact(contact.0).await?;
        let tz = current.time_zone.time_zone();
        let now = jiff::Timestamp::now();
        let mut ops = Vec::new();
        let pause = match form.pause.as_str() {
            "keep" => None,
            "none" => Some(None),
            "week" => Some(Some(PauseUntil::after(
                jiff::Span::new().days(7),
                &tz,
                now,
            )?)),
            "month" => Some(Some(PauseUntil::after(
                jiff::Span::new().months(1),
                &tz,
                now,
            )?)),
            "until" => {
                let date = form
                    .pause_until
                    .as_deref()
                    .ok_or_else(|| AppError::Invalid(tr!(lang(), "error-pause-date")))?;
                Some(Some(PauseUntil::parse_date(date, &tz, now)?))
            }
            other => {
                return Err(AppError::Invalid(tr!(
                    lang(),
                    "error-pause-choice",
                    choice = other
                )))
            }
        };
        if let Some(p) = pause {
            ops.push(ChangeOp::PausedUntil(p));
        }
        let quiet = if form.quiet_hours {
            let start = form.quiet_start.as_deref().unwrap_or("");
            let end = form.quiet_end.as_deref().unwrap_or("");
            Some(QuietHours::parse(start, end)?)
        } else {
            None
        };
        ops.push(ChangeOp::QuietHours(quiet));
        let mut opt_outs: Vec<Channel> = current
            .global
            .channel_opt_outs
            .iter()
            .filter(|c| !matches!(c, Channel::Voice | Channel::Sms))
            .collect();
        if form.never_call {
            opt_outs.push(Channel::Voice);
        }
        if form.never_text {
            opt_outs.push(Channel::Sms);
        }
        ops.push(ChangeOp::ChannelOptOuts(ChannelSet::new(opt_outs)));
        self.change(contact, ops).await
    }

    async fn set_unsubscribed_all(&self, contact: ContactId, on: bool) -> Result<Saved, AppError> {
        self.change(contact, vec![ChangeOp::UnsubscribedAll(on)])
            .await
    }

    async fn save_details(&self, contact: ContactId, form: DetailsForm) -> Result<Saved, AppError> {
        let current = self.contact(contact.0).await?.email;
        if form.email.trim().is_empty() {
            return Err(AppError::Invalid(tr!(lang(), "error-email-needed")));
        }
        let email = Email::parse(&form.email)?;
        let ops = vec![
            ChangeOp::TimeZone(TimeZoneName::parse(&form.time_zone)?),
            ChangeOp::Locale(Locale::parse(&form.locale)?),
        ];
        let new_address =
            current.as_deref().map(str::to_lowercase) != Some(email.as_str().to_lowercase());
        if new_address
            && self
                .store()
                .suppressed("email", email.as_str())
                .await
                .map_err(internal)?
        {
            return Err(change_error(ChangeError::Suppressed(AddressKind::Email)));
        }
        let saved = self.change(contact, ops).await?;
        // A new address waits for its confirmation: until the link mailed to it is used, the
        // record keeps its address and the session its reach (DESIGN §4). Typing the current
        // address again withdraws it.
        if new_address {
            // The address waits, and its link is mailed, in one transaction.
            Self::send_link(
                &self.state,
                contact.0,
                email.clone(),
                LinkPurpose::VerifyEmail,
                VERIFY_TTL_MS,
            )
            .await
            .map_err(|e| internal(format!("{e:#}")))?;
        } else {
            self.store()
                .set_pending_email(contact.0, None)
                .await
                .map_err(internal)?;
        }
        Ok(saved)
    }

    async fn history(
        &self,
        contact: ContactId,
        before: Option<i64>,
        lang: &Lang,
    ) -> Result<HistoryPage, AppError> {
        const PAGE: i64 = 20;
        let tz = self.contact(contact.0).await?.time_zone.to_string();
        let names = self.store().topic_names().await.map_err(internal)?;
        let records = self.reach(contact).await?.records;
        let rows = self
            .store()
            .ledger_page_of(&records, before.unwrap_or(i64::MAX), PAGE + 1)
            .await
            .map_err(internal)?;
        let more = rows.len() as i64 > PAGE;
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let mut receipts = crate::webhooks::receipts(self.store(), &seqs, &tz, lang)
            .await
            .map_err(|e| internal(format!("{e:#}")))?;
        let mut entries = Vec::new();
        for r in rows.into_iter().take(PAGE as usize) {
            let record = (records.len() > 1).then(|| r.contact_ref.clone());
            let reader = Reader::Customer {
                org: &self.state.config.org_name,
            };
            let line = ledger_line(r, &names, &tz, reader, lang).map_err(internal)?;
            entries.push(HistoryEntry {
                record,
                receipts: receipts.remove(&line.seq).unwrap_or_default(),
                seq: line.seq,
                when: line.when,
                by: line.by,
                reason: line.reason,
                items: line.items,
            });
        }
        let next_before = if more {
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(HistoryPage {
            entries,
            next_before,
        })
    }
}
