//! The customer side of the site (DESIGN §4, §5): magic-link sign-in, sessions, the preference
//! page's reads and writes, history in plain words, and the data download.

use std::{net::IpAddr, sync::Arc};

use app::{
    api::{
        types::{
            ChannelChoice, ContactView, DetailsForm, GlobalForm, GlobalView, HistoryEntry,
            HistoryPage, LinkStatus, PreferencesView, TopicForm, TopicPrefView,
        },
        AppError,
    },
    backend::{Backend, ContactId, NewSession, Saved},
    domain::{
        Actor, AddressKind, Channel, ChannelSet, Email, Frequency, Locale, PauseUntil, QuietHours,
        TimeZoneName, TopicKey, TopicKind,
    },
};
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};

use crate::{
    mail::{html_escape, OutgoingMail},
    state::AppState,
    store::{
        apply_change, contact_view::ContactSnapshot, contacts::SIGN_IN_TOKEN_TTL_MS, now_ms,
        sessions::Redeemed, sessions::SESSION_TTL_MS, sha256_hex, ChangeError, ChangeOp,
        ChangeRequest, FieldChange, Store,
    },
};

const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Sign-in requests per address per 15 minutes.
const PER_ADDRESS_LIMIT: i64 = 5;
/// How long an email confirmation link works.
const VERIFY_TTL_MS: i64 = 24 * 3600 * 1000;

/// Time zones offered on the preference page (the contact's own is always added).
const TIME_ZONES: &[&str] = &[
    "UTC",
    "America/St_Johns",
    "America/Halifax",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Berlin",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Manila",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Auckland",
];

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

    fn cookie_name(&self) -> &'static str {
        if self.state.config.is_plain_http_localhost() {
            "attune_session"
        } else {
            "__Host-attune_session"
        }
    }

    fn session_cookie(&self, value: &str, max_age_ms: i64) -> String {
        cookie::Cookie::build((self.cookie_name(), value.to_owned()))
            .http_only(true)
            .secure(!self.state.config.is_plain_http_localhost())
            .same_site(cookie::SameSite::Lax)
            .path("/")
            .max_age(cookie::time::Duration::milliseconds(max_age_ms))
            .build()
            .to_string()
    }

    fn session_id(&self, cookie_header: Option<&str>) -> Option<String> {
        cookie::Cookie::split_parse(cookie_header?)
            .flatten()
            .find(|c| c.name() == self.cookie_name())
            .map(|c| c.value().to_owned())
    }

    /// Sends a link by email in the background, so the answer to the request does not depend on
    /// whether (or how slowly) mail was sent.
    fn send_link_later(&self, contact_id: i64, to: Email, purpose: String, ttl_ms: i64) {
        let state = self.state.clone();
        tokio::spawn(async move {
            let result = async {
                let token = state
                    .store
                    .create_token(contact_id, &purpose, ttl_ms)
                    .await?;
                let link = state.config.base_url.join(&format!("auth/{token}"))?;
                let mail = if purpose == "sign_in" {
                    sign_in_mail(to, link.as_str())
                } else {
                    verify_mail(to, link.as_str())
                };
                state.mailer.send(mail).await?;
                if state.mailer.is_local() {
                    // Only for the file mailer, i.e. on a developer's machine (DESIGN §8).
                    tracing::info!(%link, "link mailed (file mailer)");
                }
                anyhow::Ok(())
            }
            .await;
            if let Err(e) = result {
                tracing::error!(error = %format!("{e:#}"), "could not send a link by email");
            }
        });
    }

    async fn change(&self, contact: ContactId, ops: Vec<ChangeOp>) -> Result<Saved, AppError> {
        let req = ChangeRequest {
            contact_id: contact.0,
            actor: Actor::Customer,
            reason: None,
            meta: Some(json!({"source": "preferences page"})),
            ops,
        };
        match apply_change(self.store(), &req).await {
            Ok(committed) => Ok(committed.map(|c| c.seq)),
            Err(e) => Err(change_error(e)),
        }
    }

    /// The signed-in (or linked) contact's snapshot; an erased contact is signed out.
    async fn contact(&self, id: i64) -> Result<ContactSnapshot, AppError> {
        self.store()
            .contact_view(id)
            .await
            .map_err(|e| internal(format!("{e:#}")))?
            .ok_or(AppError::NotSignedIn)
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "request failed");
    AppError::Internal
}

fn change_error(e: ChangeError) -> AppError {
    match e {
        ChangeError::Database(e) => internal(e),
        ChangeError::Internal(e) => internal(format!("{e:#}")),
        ChangeError::UnknownContact => AppError::NotSignedIn,
        other => AppError::Invalid(other.to_string()),
    }
}

fn sign_in_mail(to: Email, link: &str) -> OutgoingMail {
    let text = format!(
        "Hello,\n\nUse this link to sign in and manage the messages you get from us:\n\n{link}\n\n\
         It works once, for 15 minutes. If you did not ask for it, you can ignore this email: \
         nothing changes until the link is used.\n"
    );
    let l = html_escape(link);
    let html = format!(
        "<p>Hello,</p><p>Use this link to sign in and manage the messages you get from us:</p>\
         <p><a href=\"{l}\">Sign in to your preferences</a></p><p>Or copy this address: {l}</p>\
         <p>It works once, for 15 minutes. If you did not ask for it, you can ignore this email.</p>"
    );
    OutgoingMail {
        to,
        subject: "Your sign-in link".into(),
        text,
        html,
    }
}

fn verify_mail(to: Email, link: &str) -> OutgoingMail {
    let text = format!(
        "Hello,\n\nPlease confirm that this is your email address by opening this link:\n\n{link}\n\n\
         If you did not change your email address with us, ignore this email.\n"
    );
    let l = html_escape(link);
    let html = format!(
        "<p>Hello,</p><p>Please confirm that this is your email address:</p><p><a href=\"{l}\">Confirm my email address</a></p>\
         <p>Or copy this address: {l}</p><p>If you did not change your email address with us, ignore this email.</p>"
    );
    OutgoingMail {
        to,
        subject: "Confirm your email address".into(),
        text,
        html,
    }
}

fn verify_purpose(email: &str) -> String {
    format!(
        "verify_email:{}",
        sha256_hex(email.to_lowercase().as_bytes())
    )
}

#[async_trait::async_trait]
impl Backend for CustomerBackend {
    async fn request_sign_in(
        &self,
        email: Email,
        client_ip: Option<IpAddr>,
    ) -> Result<(), AppError> {
        let too_many = || {
            AppError::RateLimited(
                "Too many sign-in requests. Please wait 15 minutes and try again.".into(),
            )
        };
        if let Some(ip) = client_ip {
            let ok = self
                .store()
                .rate_limit(
                    &format!("sign_in:ip:{ip}"),
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
            self.send_link_later(contact_id, email, "sign_in".into(), SIGN_IN_TOKEN_TTL_MS);
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
            Redeemed::Used => {
                return Err(AppError::Invalid(
                    "This link has already been used. Ask for a new one below.".into(),
                ))
            }
            Redeemed::Expired => {
                return Err(AppError::Invalid(
                    "This link has expired. Ask for a new one below.".into(),
                ))
            }
            Redeemed::Unknown => {
                return Err(AppError::Invalid(
                    "This link is not valid. Ask for a new one below.".into(),
                ))
            }
        };
        if let Some(_hash) = purpose.strip_prefix("verify_email:") {
            // Confirms the address only if it is still the one the link was sent to.
            let email = self.contact(contact_id).await?.email;
            if let Some(email) = email.filter(|e| verify_purpose(e) == purpose) {
                let email = Email::parse(&email).map_err(internal)?;
                self.change(
                    ContactId(contact_id),
                    vec![ChangeOp::Email {
                        email: Some(email),
                        verified: true,
                    }],
                )
                .await?;
            }
        }
        let session = self
            .store()
            .create_customer_session(contact_id)
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
            .map(ContactId))
    }

    async fn link_contact(&self, token: &str) -> Result<Option<ContactId>, AppError> {
        match self
            .state
            .links
            .parse(token, crate::links::LinkKind::Preferences)
        {
            Ok(claims) => {
                let live = self
                    .store()
                    .contact_is_live(claims.contact_id)
                    .await
                    .map_err(internal)?;
                Ok(live.then_some(ContactId(claims.contact_id)))
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

    async fn preferences(
        &self,
        contact: ContactId,
        saved: Option<i64>,
    ) -> Result<PreferencesView, AppError> {
        load_preferences(self.store(), contact.0, saved)
            .await
            .map_err(|e| match e.downcast::<AppError>() {
                Ok(app) => app,
                Err(e) => internal(format!("{e:#}")),
            })
    }

    async fn save_topic(&self, contact: ContactId, form: TopicForm) -> Result<Saved, AppError> {
        let key = TopicKey::parse(&form.topic)?;
        let frequency = Frequency::parse(&form.frequency)?;
        let view = self.preferences(contact, None).await?;
        let topic = view
            .topics
            .iter()
            .find(|t| t.key == form.topic)
            .ok_or_else(|| AppError::Invalid(format!("There is no topic {:?}.", form.topic)))?;
        // Channels the contact has no address for are not on the form; keep their stored choice.
        let kept_unavailable = topic
            .channels
            .iter()
            .filter(|c| !c.available && c.chosen)
            .map(|c| c.channel);
        let channels = ChannelSet::new(form.channels.iter().copied().chain(kept_unavailable));
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
        let tz = jiff::tz::TimeZone::get(&current.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
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
                    .ok_or_else(|| AppError::Invalid("Choose the date to pause until.".into()))?;
                Some(Some(PauseUntil::parse_date(date, &tz, now)?))
            }
            other => {
                return Err(AppError::Invalid(format!(
                    "Unknown pause choice {other:?}."
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
            return Err(AppError::Invalid(
                "Enter an email address: it is how you sign in.".into(),
            ));
        }
        let email = Email::parse(&form.email)?;
        let mut ops = vec![
            ChangeOp::TimeZone(TimeZoneName::parse(&form.time_zone)?),
            ChangeOp::Locale(Locale::parse(&form.locale)?),
        ];
        let new_address =
            current.as_deref().map(str::to_lowercase) != Some(email.as_str().to_lowercase());
        if new_address {
            ops.push(ChangeOp::Email {
                email: Some(email.clone()),
                verified: false,
            });
        }
        let saved = self.change(contact, ops).await?;
        if new_address {
            self.send_link_later(
                contact.0,
                email.clone(),
                verify_purpose(email.as_str()),
                VERIFY_TTL_MS,
            );
        }
        Ok(saved)
    }

    async fn history(
        &self,
        contact: ContactId,
        before: Option<i64>,
    ) -> Result<HistoryPage, AppError> {
        const PAGE: i64 = 20;
        let tz = self.contact(contact.0).await?.time_zone;
        let names = self.store().topic_names().await.map_err(internal)?;
        let rows = self
            .store()
            .ledger_page(contact.0, before.unwrap_or(i64::MAX), PAGE + 1)
            .await
            .map_err(internal)?;
        let more = rows.len() as i64 > PAGE;
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let mut receipts = crate::webhooks::receipts(self.store(), &seqs, &tz)
            .await
            .map_err(|e| internal(format!("{e:#}")))?;
        let mut entries = Vec::new();
        for r in rows.into_iter().take(PAGE as usize) {
            let changes: Vec<FieldChangeIn> = serde_json::from_str(&r.changes).map_err(internal)?;
            let sender = r.sender_name;
            let by = match r.actor_kind.as_str() {
                "customer" => "You".to_owned(),
                "one_click" => "You, from a link in an email".to_owned(),
                "staff" => "Changed by our staff".to_owned(),
                "sender" => format!(
                    "Changed by {} on your behalf",
                    sender.unwrap_or_else(|| "one of our systems".into())
                ),
                _ => "Set up by Attune".to_owned(),
            };
            entries.push(HistoryEntry {
                seq: r.seq,
                when: format_time(r.occurred_at, &tz),
                by,
                reason: r.reason,
                items: describe(&changes, &names, &tz),
                receipts: receipts.remove(&r.seq).unwrap_or_default(),
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

/// A ledger change as read back.
#[derive(serde::Deserialize)]
pub(crate) struct FieldChangeIn {
    pub(crate) field: String,
    pub(crate) from: Value,
    pub(crate) to: Value,
}

impl From<&FieldChange> for FieldChangeIn {
    fn from(c: &FieldChange) -> Self {
        FieldChangeIn {
            field: c.field.clone(),
            from: c.from.clone(),
            to: c.to.clone(),
        }
    }
}

pub(crate) use crate::words::format_time;

fn format_date(rfc3339: &str, tz: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(t) => format_time(t.as_millisecond(), tz),
        Err(_) => rfc3339.to_owned(),
    }
}

fn channels_of(v: &Value) -> Vec<Channel> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().and_then(|s| Channel::parse(s).ok()))
                .collect()
        })
        .unwrap_or_default()
}

fn channel_word(c: Channel) -> &'static str {
    match c {
        Channel::Email => "email",
        Channel::Sms => "text messages",
        Channel::Voice => "phone calls",
        Channel::Push => "app notifications",
    }
}

/// Each field change in plain words, e.g. "Turned off text messages for Offers".
pub(crate) fn describe(
    changes: &[FieldChangeIn],
    topics: &std::collections::HashMap<String, String>,
    tz: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let email_changed = changes.iter().any(|c| c.field == "contact.email");
    let phone_changed = changes.iter().any(|c| c.field == "contact.phone");
    for c in changes {
        let parts: Vec<&str> = c.field.splitn(3, '.').collect();
        let text = match parts.as_slice() {
            ["preferences", key, field] => {
                let topic = topics.get(*key).cloned().unwrap_or_else(|| key.to_string());
                match *field {
                    "subscribed" if c.to == json!(true) => format!("Turned on {topic}"),
                    "subscribed" => format!("Turned off {topic}"),
                    "channels" => {
                        let (from, to) = (channels_of(&c.from), channels_of(&c.to));
                        for ch in to.iter().filter(|ch| !from.contains(ch)) {
                            out.push(format!("Turned on {} for {topic}", channel_word(*ch)));
                        }
                        for ch in from.iter().filter(|ch| !to.contains(ch)) {
                            out.push(format!("Turned off {} for {topic}", channel_word(*ch)));
                        }
                        continue;
                    }
                    "frequency" => {
                        let f = c.to.as_str().and_then(|s| Frequency::parse(s).ok());
                        let how = match f {
                            Some(Frequency::Immediate) => "as it happens",
                            Some(Frequency::Daily) => "at most once a day",
                            Some(Frequency::Weekly) => "at most once a week",
                            Some(Frequency::Monthly) => "at most once a month",
                            None => "a new frequency",
                        };
                        format!("Chose {how} for {topic}")
                    }
                    "info_only" if c.to == json!(true) => {
                        format!("Chose information only, no follow-up, for {topic}")
                    }
                    "info_only" => format!("Allowed follow-ups for {topic} again"),
                    other => format!("Changed {other} for {topic}"),
                }
            }
            ["global", "unsubscribed_all"] if c.to == json!(true) => {
                "Unsubscribed from everything optional".into()
            }
            ["global", "unsubscribed_all"] => {
                "Subscribed again after unsubscribing from everything".into()
            }
            ["global", "channel_opt_outs"] => {
                let (from, to) = (channels_of(&c.from), channels_of(&c.to));
                for ch in to.iter().filter(|ch| !from.contains(ch)) {
                    out.push(match ch {
                        Channel::Voice => "Asked never to be called".into(),
                        Channel::Sms => "Asked never to be texted".into(),
                        other => format!("Stopped all {}", channel_word(*other)),
                    });
                }
                for ch in from.iter().filter(|ch| !to.contains(ch)) {
                    out.push(format!("Allowed {} again", channel_word(*ch)));
                }
                continue;
            }
            ["global", "paused_until"] => match c.to.as_str() {
                Some(t) => format!("Paused messages until {}", format_date(t, tz)),
                None => "Ended the pause".into(),
            },
            ["global", "quiet_hours"] => match (
                c.to.get("start").and_then(Value::as_str),
                c.to.get("end").and_then(Value::as_str),
            ) {
                (Some(s), Some(e)) => format!("Set quiet hours for texts and calls: {s}–{e}"),
                _ => "Turned off quiet hours".into(),
            },
            ["global", "weekly_cap"] => match c.to.as_i64() {
                Some(n) => format!("Limited messages to {n} a week"),
                None => "Removed the weekly limit".into(),
            },
            ["contact", "email"] => match c.to.as_str() {
                Some(e) => format!("Set the email address to {e}"),
                None => "Removed the email address".into(),
            },
            ["contact", "email_verified"] if c.to == json!(true) => {
                "Confirmed the email address".into()
            }
            ["contact", "email_verified"] if !email_changed => {
                "The email address needs confirming".into()
            }
            ["contact", "phone"] => match c.to.as_str() {
                Some(p) => format!("Set the phone number to {p}"),
                None => "Removed the phone number".into(),
            },
            ["contact", "phone_verified"] if c.to == json!(true) => {
                "Confirmed the phone number".into()
            }
            ["contact", "phone_verified"] if !phone_changed => {
                "The phone number needs confirming".into()
            }
            ["contact", "email_verified" | "phone_verified"] => continue,
            ["contact", "locale"] => {
                format!("Set the language to {}", c.to.as_str().unwrap_or("?"))
            }
            ["contact", "time_zone"] => {
                format!("Set the time zone to {}", c.to.as_str().unwrap_or("?"))
            }
            ["disputed", kind] if c.to == json!(false) => {
                format!("Our staff checked the reported {kind} address")
            }
            ["disputed", kind] => format!("Reported that the {kind} address is not theirs"),
            _ => format!("Changed {}", c.field),
        };
        out.push(text);
    }
    out
}

/// Everything the preference page shows, for one contact.
pub async fn load_preferences(
    store: &Store,
    contact_id: i64,
    saved: Option<i64>,
) -> anyhow::Result<PreferencesView> {
    let snapshot = store
        .contact_view(contact_id)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    preferences_view(store, snapshot, saved).await
}

/// The preference page's view of a contact snapshot.
pub(crate) async fn preferences_view(
    store: &Store,
    c: ContactSnapshot,
    saved: Option<i64>,
) -> anyhow::Result<PreferencesView> {
    let tz = c.time_zone.clone();
    let disputed = c.disputed.clone();
    let g = &c.global;
    let global = GlobalView {
        unsubscribed_all: g.unsubscribed_all,
        never_call: g.channel_opt_outs.contains(Channel::Voice),
        never_text: g.channel_opt_outs.contains(Channel::Sms),
        paused_until: g
            .paused_until
            .filter(|p| *p > now_ms())
            .map(|p| format_time(p, &tz)),
        quiet_start: g.quiet_hours.as_ref().map(|q| q.0.clone()),
        quiet_end: g.quiet_hours.as_ref().map(|q| q.1.clone()),
    };
    let topics = store.list_topics().await?;
    let has_address = |ch: Channel| match ch.address_kind() {
        AddressKind::Email => c.email.is_some() && !c.is_disputed(AddressKind::Email),
        AddressKind::Phone => c.phone.is_some() && !c.is_disputed(AddressKind::Phone),
        AddressKind::Push => false,
    };
    let topic_views = topics
        .iter()
        .map(|t| {
            let p = c.preference(t);
            let chosen = p.channels;
            TopicPrefView {
                key: t.key.to_string(),
                name: t.name.clone(),
                description: t.description.clone(),
                required: t.kind == TopicKind::Required,
                subscribed: p.subscribed,
                frequency: p.frequency,
                info_only: p.info_only,
                channels: t
                    .channels
                    .iter()
                    .map(|ch| {
                        let available = has_address(ch);
                        let note = (!available).then(|| match ch.address_kind() {
                            AddressKind::Email if disputed.contains(&AddressKind::Email) => {
                                "Your email address was reported as not yours; our staff will check it.".to_owned()
                            }
                            AddressKind::Phone if disputed.contains(&AddressKind::Phone) => {
                                "Your phone number was reported as not yours; our staff will check it.".to_owned()
                            }
                            AddressKind::Email => "We have no email address for you.".to_owned(),
                            AddressKind::Phone => "We have no phone number for you, so we can’t text or call.".to_owned(),
                            AddressKind::Push => "Our app is not set up for notifications yet.".to_owned(),
                        });
                        ChannelChoice { channel: ch, chosen: chosen.contains(ch), available, note }
                    })
                    .collect(),
            }
        })
        .collect();

    let saved = match saved {
        Some(0) => Some(Vec::new()),
        Some(seq) => match store.ledger_changes(c.id, seq).await? {
            Some(json) => {
                let changes: Vec<FieldChangeIn> = serde_json::from_str(&json)?;
                Some(describe(&changes, &store.topic_names().await?, &tz))
            }
            None => None,
        },
        None => None,
    };
    let mut time_zones: Vec<String> = TIME_ZONES.iter().map(|s| s.to_string()).collect();
    if !time_zones.contains(&tz) {
        time_zones.insert(0, tz.clone());
    }
    Ok(PreferencesView {
        contact: ContactView {
            email: c.email.clone(),
            email_verified: c.email_verified,
            phone: c.phone.clone(),
            locale: c.locale.clone(),
            time_zone: tz,
            disputed,
        },
        global,
        topics: topic_views,
        saved,
        time_zones,
    })
}

/// `GET /preferences/export`: everything held about the signed-in contact, as a JSON download.
pub async fn export(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let backend = CustomerBackend {
        state: state.clone(),
    };
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    let contact = match backend.session_contact(cookie).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return (
                StatusCode::UNAUTHORIZED,
                "Please sign in to download your data.\n",
            )
                .into_response()
        }
        Err(_) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.\n").into_response()
        }
    };
    match export_contact(&state.store, contact.0).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"attune-my-data.json\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::to_string_pretty(&body).unwrap_or_default(),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "export failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.\n").into_response()
        }
    }
}

/// Everything held about a contact: details, settings, preferences, and the whole ledger.
pub async fn export_contact(store: &Store, contact_id: i64) -> anyhow::Result<Value> {
    let snapshot = store
        .contact_view(contact_id)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    let reference = snapshot.reference.clone();
    let view = preferences_view(store, snapshot, None).await?;
    let mut rows = store.ledger_page(contact_id, i64::MAX, i64::MAX).await?;
    rows.reverse();
    let ledger = rows
        .into_iter()
        .map(|r| -> anyhow::Result<Value> {
            Ok(json!({
                "seq": r.seq,
                "version": r.version,
                "type": r.event_type,
                "actor": {"kind": r.actor_kind, "id": r.actor_id},
                "reason": r.reason,
                "changes": serde_json::from_str::<Value>(&r.changes)?,
                "occurred_at": jiff::Timestamp::from_millisecond(r.occurred_at)?.to_string(),
            }))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(json!({
        "ref": reference,
        "contact": view.contact,
        "global": view.global,
        "preferences": view.topics,
        "ledger": ledger,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> std::collections::HashMap<String, String> {
        [("offers".to_owned(), "Offers".to_owned())]
            .into_iter()
            .collect()
    }

    fn c(field: &str, from: Value, to: Value) -> FieldChangeIn {
        FieldChangeIn {
            field: field.into(),
            from,
            to,
        }
    }

    #[test]
    fn changes_read_as_plain_words() {
        let items = describe(
            &[
                c(
                    "preferences.offers.channels",
                    json!(["email", "sms"]),
                    json!(["email"]),
                ),
                c("preferences.offers.subscribed", json!(false), json!(true)),
                c("global.channel_opt_outs", json!([]), json!(["voice"])),
                c(
                    "global.quiet_hours",
                    json!(null),
                    json!({"start": "21:00", "end": "08:00"}),
                ),
            ],
            &names(),
            "UTC",
        );
        assert_eq!(
            items,
            [
                "Turned off text messages for Offers",
                "Turned on Offers",
                "Asked never to be called",
                "Set quiet hours for texts and calls: 21:00–08:00"
            ]
        );
    }

    #[test]
    fn times_are_shown_in_the_contacts_time_zone() {
        // 2026-05-03T19:02:00Z is 14:02 in Chicago (daylight time).
        let ms = "2026-05-03T19:02:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond();
        assert_eq!(format_time(ms, "America/Chicago"), "3 May 2026 14:02");
    }
}
