//! What server functions send to the pages: plain, serializable views. Text meant for people
//! (dates in the contact's time zone, descriptions of changes) is written by the server.

use serde::{Deserialize, Serialize};

use crate::domain::{AddressKind, Channel, Frequency};

/// Everything the preference page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreferencesView {
    pub contact: ContactView,
    pub global: GlobalView,
    pub topics: Vec<TopicPrefView>,
    /// What the last save changed, in plain words (shown after saving).
    pub saved: Option<Vec<String>>,
    /// Offered time zones, for the contact details form.
    pub time_zones: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactView {
    pub email: Option<String>,
    pub email_verified: bool,
    /// A new address typed on the page, waiting for its confirmation link to be used.
    pub pending_email: Option<String>,
    pub phone: Option<String>,
    pub locale: String,
    pub time_zone: String,
    pub disputed: Vec<AddressKind>,
}

impl ContactView {
    /// What a page opened from a link in a message may show: links get forwarded, so the email
    /// address is masked and the phone number left out; details stay behind sign-in.
    pub fn for_link(self) -> Self {
        ContactView {
            email: self
                .email
                .and_then(|e| crate::domain::Email::parse(&e).ok())
                .map(|e| e.masked()),
            phone: None,
            pending_email: None,
            ..self
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalView {
    pub unsubscribed_all: bool,
    pub never_call: bool,
    pub never_text: bool,
    /// `YYYY-MM-DD` in the contact's time zone, while a pause is in the future.
    pub paused_until: Option<String>,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicPrefView {
    pub key: String,
    pub name: String,
    pub description: String,
    pub required: bool,
    pub subscribed: bool,
    pub frequency: Frequency,
    pub info_only: bool,
    pub channels: Vec<ChannelChoice>,
    /// The topic in one line, in the page's language, e.g. "email, at most once a week".
    pub summary: String,
}

/// The words a topic's card shows in the browser, in the page's language: the browser has no
/// translation files, so the server sends these along with the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicWords {
    pub required_note: String,
    pub send_me: String,
    pub how: String,
    pub how_often: String,
    /// Each frequency's label, in [`Frequency::ALL`]'s order.
    pub frequencies: Vec<String>,
    pub info_only: String,
    pub save: String,
    pub saving: String,
    /// e.g. "Saved: {items}.", with `{items}` put in by the browser.
    pub saved: String,
    pub nothing_changed: String,
    pub undo: String,
    /// e.g. "Not saved: {error}", with `{error}` put in by the browser.
    pub not_saved: String,
    /// What [`crate::api::AppError`]s without words of their own say.
    pub not_signed_in: String,
    pub internal: String,
    pub transport: String,
}

/// What saving a topic's form changed, for the page to say beside the form when it saved
/// without a reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSaved {
    /// The change in plain words; empty when nothing changed.
    pub items: Vec<String>,
    /// The topic as it is now.
    pub topic: TopicPrefView,
}

/// One channel a topic offers, as this contact has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelChoice {
    pub channel: Channel,
    /// The channel's name, in the page's language.
    pub label: String,
    pub chosen: bool,
    /// Whether the contact has an address for it; if not, `note` says why it can't be chosen.
    pub available: bool,
    pub note: Option<String>,
}

/// A page of the contact's history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub seq: i64,
    /// e.g. "3 May 2026 14:02"
    pub when: String,
    /// e.g. "You", "Our staff", "A link in an email"
    pub by: String,
    /// The record it changed, when the person has several (DESIGN §1.1).
    pub record: Option<String>,
    pub reason: Option<String>,
    /// One line per field that changed, e.g. "You turned off SMS for Offers".
    pub items: Vec<String>,
    /// Which sending systems have been told of this change (DESIGN §7 propagation receipts).
    pub receipts: Vec<Receipt>,
}

/// Whether one sending system's webhook endpoint has confirmed one change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// The sending system, e.g. "CRM" (the sender's name).
    pub system: String,
    pub state: ReceiptState,
    /// When it confirmed (2xx), in the contact's time zone, e.g. "3 May 2026 14:02".
    pub when: Option<String>,
}

/// Where a change's delivery to one endpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptState {
    /// The endpoint answered 2xx.
    Confirmed,
    /// Not tried yet, or being sent now.
    Sending,
    /// Tried and failed; another attempt is scheduled.
    Retrying,
    /// Every attempt failed (it can still be replayed).
    Failed,
    /// The endpoint was disabled before it confirmed.
    Disabled,
}

impl ReceiptState {
    /// The state's name in the translation files' `history-receipt`, which reads it after the
    /// system's name, e.g. "CRM ✓" or "Marketing — retrying".
    pub fn key(self) -> &'static str {
        match self {
            ReceiptState::Confirmed => "confirmed",
            ReceiptState::Sending => "sending",
            ReceiptState::Retrying => "retrying",
            ReceiptState::Failed => "failed",
            ReceiptState::Disabled => "disabled",
        }
    }
}

/// What a sign-in link is, checked without using it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkStatus {
    Valid,
    Used,
    Expired,
    Unknown,
}

/// The topic form as posted: checkboxes arrive only when ticked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicForm {
    pub topic: String,
    pub subscribed: bool,
    pub channels: Vec<Channel>,
    pub frequency: String,
    pub info_only: bool,
}

/// The global settings form as posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalForm {
    /// `keep`, `none`, `week`, `month` or `until`.
    pub pause: String,
    pub pause_until: Option<String>,
    pub quiet_hours: bool,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub never_call: bool,
    pub never_text: bool,
}

/// The contact details form as posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetailsForm {
    pub email: String,
    pub time_zone: String,
    pub locale: String,
}
