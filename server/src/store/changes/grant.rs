//! What a credential lets its holder change (DESIGN §3.2). A session, a link, an undo proof or a
//! reply proves control of one address at one moment, not authority over a person: each edge
//! turns the credential that arrived into one [`Grant`], and the change function refuses
//! whatever the change turns out to do beyond it — which records, which channels, which kinds of
//! change, which earlier change an undo may reverse.

use app::domain::{Actor, AddressKind, Channel, ChannelSet, Preference};

use super::{
    apply::{Applied, ContactFields, State},
    ChangeError,
};

/// Who acts, on which records, on which channels, and what they may do.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    actor: Actor,
    records: Records,
    /// The channels the credential may loosen choices for; tightening is open on every channel.
    channels: ChannelSet,
    may: May,
}

/// Which records a grant reaches.
#[derive(Debug, Clone, PartialEq)]
pub enum Records {
    /// Any record: a sender, staff, the system (each bound by its own rules: consent, a reason).
    Any,
    /// The one record a link or a reply is about.
    One(i64),
    /// Every live record whose **verified** email is this address (lower case): what a customer
    /// session proved at sign-in (DESIGN §4).
    VerifiedEmail(String),
}

/// What kind of change a grant allows.
#[derive(Debug, Clone, PartialEq)]
pub enum May {
    /// Whatever the change function's own rules allow.
    Anything,
    /// The person's own choices — loosening only on the grant's channels — and their language and
    /// time zone; never an address (an email change waits for its confirmation, DESIGN §4).
    Choose,
    /// Only tightening: unsubscribe, stop everything, less often.
    Tighten,
    /// Exactly the reverse of change `seq`, once.
    Undo(i64),
    /// Address choices at the address a reply came from: its channels out (STOP, an unsubscribe
    /// mail) or, for START, back in.
    Reply,
    /// This address (lower case), proved by a link mailed to it, becomes the record's verified
    /// email; nothing else changes.
    ConfirmEmail(String),
    /// The record's address of this kind is reported as someone else's.
    Dispute(AddressKind),
}

/// Why a grant refused a change (DESIGN §3.2): said to the person in their language
/// ([`Refusal::words`]), and in English to the API, the console and the logs (`Display`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The record's verified email is not the address the session was signed in by.
    NotYourRecord,
    UndoOfAnotherChange,
    UndoneAlready,
    ReportChangesNothingElse,
    ReportOtherAddress,
    ConfirmationOnly,
    AddressUnconfirmed,
    LinkChangesOnlyWhatYouGet,
    LinkOnlyLess,
    ReplyChangesOnlyWhatYouGet,
    /// The change would let more through on a channel of another address than the link's.
    LinkOtherChannel(Channel),
}

impl Refusal {
    /// The sentence in `lang` (`refusal-*` in the locales' `pages.ftl`).
    pub fn words(&self, lang: &app::i18n::Lang) -> String {
        use app::tr;
        match self {
            Refusal::NotYourRecord => tr!(lang, "refusal-not-your-record"),
            Refusal::UndoOfAnotherChange => tr!(lang, "refusal-undo-of-another-change"),
            Refusal::UndoneAlready => tr!(lang, "refusal-undone-already"),
            Refusal::ReportChangesNothingElse => tr!(lang, "refusal-report-only"),
            Refusal::ReportOtherAddress => tr!(lang, "refusal-report-other-address"),
            Refusal::ConfirmationOnly => tr!(lang, "refusal-confirmation-only"),
            Refusal::AddressUnconfirmed => tr!(lang, "refusal-address-unconfirmed"),
            Refusal::LinkChangesOnlyWhatYouGet => tr!(lang, "refusal-link-only-what-you-get"),
            Refusal::LinkOnlyLess => tr!(lang, "refusal-link-only-less"),
            Refusal::ReplyChangesOnlyWhatYouGet => tr!(lang, "refusal-reply-only-what-you-get"),
            Refusal::LinkOtherChannel(channel) => tr!(
                lang,
                "refusal-link-other-channel",
                channel = lang.channel_word(*channel)
            ),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(&app::i18n::Lang::english()))
    }
}

fn refused(why: Refusal) -> ChangeError {
    ChangeError::NotPermitted(why)
}

const ALL: [Channel; 4] = [Channel::Email, Channel::Sms, Channel::Voice, Channel::Push];

/// The channels that use addresses of `kind`: a text or call link speaks for sms and voice.
fn channels_of(kind: AddressKind) -> ChannelSet {
    ChannelSet::new(ALL.into_iter().filter(|c| c.address_kind() == kind))
}

impl Grant {
    fn new(actor: Actor, records: Records, channels: ChannelSet, may: May) -> Self {
        Grant {
            actor,
            records,
            channels,
            may,
        }
    }

    /// A sender's API key (DESIGN §6): consent is checked for every loosening, elsewhere.
    pub fn sender(sender_id: i64) -> Self {
        Grant::new(
            Actor::Sender(sender_id),
            Records::Any,
            ChannelSet::new(ALL),
            May::Anything,
        )
    }

    /// A staff session (DESIGN §5): every change carries a reason.
    pub fn staff(staff_id: i64) -> Self {
        Grant::new(
            Actor::Staff(staff_id),
            Records::Any,
            ChannelSet::new(ALL),
            May::Anything,
        )
    }

    /// Attune itself: demo data, inherited address choices, lapses.
    pub fn system() -> Self {
        Grant::new(
            Actor::System,
            Records::Any,
            ChannelSet::new(ALL),
            May::Anything,
        )
    }

    /// The organisation's own actors: a sender, staff or the system (what the store's contact
    /// writes accept). `None` for a person's actor, whose grant must come from a credential.
    pub fn organisation(actor: Actor) -> Option<Self> {
        match actor {
            Actor::Sender(id) => Some(Grant::sender(id)),
            Actor::Staff(id) => Some(Grant::staff(id)),
            Actor::System => Some(Grant::system()),
            Actor::Customer | Actor::OneClick | Actor::Reply => None,
        }
    }

    /// A customer session signed in by `email`: every record whose verified email it is.
    pub fn session(email: &str) -> Self {
        Grant::new(
            Actor::Customer,
            Records::VerifiedEmail(email.to_lowercase()),
            ChannelSet::new(ALL),
            May::Choose,
        )
    }

    /// A `/p/` link sent on `kind`'s channels: that record's choices for those channels.
    pub fn preferences_link(contact_id: i64, kind: AddressKind) -> Self {
        Grant::new(
            Actor::Customer,
            Records::One(contact_id),
            channels_of(kind),
            May::Choose,
        )
    }

    /// A `/u/` link: that record, tightening only. `actor` is `one_click` for the unsubscribe
    /// itself and `customer` for the page's other buttons.
    pub fn unsubscribe_link(contact_id: i64, kind: AddressKind, actor: Actor) -> Self {
        Grant::new(
            actor,
            Records::One(contact_id),
            channels_of(kind),
            May::Tighten,
        )
    }

    /// An undo proof for change `seq` of that record.
    pub fn undo(contact_id: i64, seq: i64, kind: AddressKind) -> Self {
        Grant::new(
            Actor::Customer,
            Records::One(contact_id),
            channels_of(kind),
            May::Undo(seq),
        )
    }

    /// A `/n/` link: the report that the record's address of `kind` is someone else's.
    pub fn not_me(contact_id: i64, kind: AddressKind) -> Self {
        Grant::new(
            Actor::OneClick,
            Records::One(contact_id),
            channels_of(kind),
            May::Dispute(kind),
        )
    }

    /// A reply from the record's address of `kind` (STOP, START, an unsubscribe mail, press 9).
    pub fn reply(contact_id: i64, kind: AddressKind) -> Self {
        Grant::new(
            Actor::Reply,
            Records::One(contact_id),
            channels_of(kind),
            May::Reply,
        )
    }

    /// A confirmation link mailed to `email` for that record (a sign-in, or an address change).
    pub fn confirm_email(contact_id: i64, email: &str) -> Self {
        Grant::new(
            Actor::Customer,
            Records::One(contact_id),
            channels_of(AddressKind::Email),
            May::ConfirmEmail(email.to_lowercase()),
        )
    }

    /// Who the ledger says acted.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The earlier change this grant may reverse.
    pub fn undoes(&self) -> Option<i64> {
        match self.may {
            May::Undo(seq) => Some(seq),
            _ => None,
        }
    }

    /// Whether the grant reaches this record, as locked for the change.
    pub(super) fn covers(&self, contact_id: i64, contact: &ContactFields) -> bool {
        match &self.records {
            Records::Any => true,
            Records::One(id) => *id == contact_id,
            Records::VerifiedEmail(email) => {
                contact.email_verified
                    && contact.email.as_deref().map(str::to_lowercase).as_ref() == Some(email)
            }
        }
    }

    /// Refuses a change that does more than the grant allows. `before` is the state the change
    /// read and `after` what it would make of it.
    pub(super) fn check(&self, before: &State, after: &Applied) -> Result<(), ChangeError> {
        if after.changes.is_empty() || self.may == May::Anything {
            return Ok(());
        }
        let contact_changed = after.contact != before.contact;
        let disputes = !after.disputes.is_empty() || !after.resolutions.is_empty();
        match &self.may {
            May::Anything => Ok(()),
            May::Dispute(kind) => {
                if contact_changed
                    || after.erase
                    || after.global != before.global
                    || after.prefs != before.prefs
                {
                    return Err(refused(Refusal::ReportChangesNothingElse));
                }
                if after.disputes.iter().any(|(k, _)| k != kind) || !after.resolutions.is_empty() {
                    return Err(refused(Refusal::ReportOtherAddress));
                }
                Ok(())
            }
            May::ConfirmEmail(email) => {
                let expected = ContactFields {
                    email: after.contact.email.clone(),
                    email_verified: true,
                    ..before.contact.clone()
                };
                let same_address = after
                    .contact
                    .email
                    .as_deref()
                    .map(str::to_lowercase)
                    .as_ref()
                    == Some(email);
                if !same_address
                    || after.contact != expected
                    || disputes
                    || after.erase
                    || after.global != before.global
                    || after.prefs != before.prefs
                {
                    return Err(refused(Refusal::ConfirmationOnly));
                }
                Ok(())
            }
            May::Choose | May::Tighten | May::Undo(_) | May::Reply => {
                let addresses_changed = after.contact.email != before.contact.email
                    || after.contact.phone != before.contact.phone
                    || after.contact.email_verified != before.contact.email_verified
                    || after.contact.phone_verified != before.contact.phone_verified;
                if addresses_changed || disputes || after.erase {
                    return Err(refused(Refusal::AddressUnconfirmed));
                }
                self.check_choices(before, after, contact_changed)
            }
        }
    }

    /// The rules for choices: what a change loosens must be on the grant's channels; a grant to
    /// tighten loosens nothing; an undo is checked against its change when it is written.
    fn check_choices(
        &self,
        before: &State,
        after: &Applied,
        contact_changed: bool,
    ) -> Result<(), ChangeError> {
        let opened = loosened(before, after);
        match self.may {
            May::Tighten => {
                if contact_changed {
                    return Err(refused(Refusal::LinkChangesOnlyWhatYouGet));
                }
                if !opened.is_empty() {
                    return Err(refused(Refusal::LinkOnlyLess));
                }
            }
            May::Reply if contact_changed => {
                return Err(refused(Refusal::ReplyChangesOnlyWhatYouGet));
            }
            // An undo may open what its change closed, on any channel: that it reverses exactly
            // that change is checked against the ledger when it is written.
            May::Undo(_) => return Ok(()),
            _ => {}
        }
        if let Some(channel) = opened.iter().find(|c| !self.channels.contains(*c)) {
            return Err(refused(Refusal::LinkOtherChannel(channel)));
        }
        Ok(())
    }
}

/// The channels a change lets more messages through on: a topic subscribed again, a channel
/// added, a higher frequency, "information only" lifted, a global opt-out, pause, quiet hours or
/// weekly cap lifted or eased.
fn loosened(before: &State, after: &Applied) -> ChannelSet {
    let mut opened: Vec<Channel> = Vec::new();
    for (key, a) in &after.prefs {
        let Some(b) = before.prefs.get(key) else {
            continue;
        };
        opened.extend(topic_loosened(b, a).iter());
    }
    let (b, a) = (&before.global, &after.global);
    if b.unsubscribed_all && !a.unsubscribed_all {
        opened.extend(ALL);
    }
    opened.extend(
        b.channel_opt_outs
            .iter()
            .filter(|c| !a.channel_opt_outs.contains(*c)),
    );
    let eased =
        |before: Option<i64>, after: Option<i64>, lower_is_looser: bool| match (before, after) {
            (Some(_), None) => true,
            (Some(b), Some(a)) => {
                if lower_is_looser {
                    a < b
                } else {
                    a > b
                }
            }
            _ => false,
        };
    if eased(b.paused_until, a.paused_until, true)
        || eased(b.weekly_cap, a.weekly_cap, false)
        || (b.quiet_hours.is_some() && a.quiet_hours != b.quiet_hours)
    {
        opened.extend(ALL);
    }
    ChannelSet::new(opened)
}

/// What one topic's new choice opens.
fn topic_loosened(b: &Preference, a: &Preference) -> ChannelSet {
    if !a.subscribed {
        return ChannelSet::default();
    }
    let more_often = a.frequency < b.frequency || (b.info_only && !a.info_only);
    if !b.subscribed || more_often {
        return a.channels.clone();
    }
    ChannelSet::new(a.channels.iter().filter(|c| !b.channels.contains(*c)))
}

/// Whether `now` reverses (part of) `original` and nothing else: each field goes back from what
/// `original` made it to what it was.
pub(super) fn reverses(now: &[super::FieldChange], original: &[super::FieldChange]) -> bool {
    !now.is_empty()
        && now.iter().all(|c| {
            original
                .iter()
                .any(|o| o.field == c.field && o.to == c.from && o.from == c.to)
        })
}

#[cfg(test)]
#[path = "grant/tests.rs"]
mod tests;
