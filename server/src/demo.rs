//! `attune demo`: a realistic organisation to click around in, on a fresh database.

use app::domain::{
    Channel, ChannelSet, ContactRef, Email, Frequency, Locale, Phone, TimeZoneName, TopicKey,
};

use crate::store::{parse_topics_toml_checked, ChangeOp, Store};

/// The demo topics, also an example of the topics file format.
pub const DEMO_TOPICS: &str = include_str!("../demo/topics.toml");

/// The ref of the demo contact whose sign-in link `attune demo` prints.
pub const DEMO_CONTACT: &str = "demo-ann";

/// Customers who speak another language (the browser tests' journeys in Spanish and German):
/// (ref, email, phone, locale).
pub const SPEAKERS: &[(&str, &str, &str, &str)] = &[
    ("demo-paz", "paz.demo@example.com", "+15555550141", "es"),
    ("demo-quim", "quim.demo@example.com", "+15555550142", "es"),
    ("demo-rosa", "rosa.demo@example.com", "+15555550143", "de"),
    ("demo-sven", "sven.demo@example.com", "+15555550144", "de"),
];

/// More customers, so that a newcomer (or a browser test) can try several at once:
/// (ref, email, phone).
pub const OTHER_CONTACTS: &[(&str, &str, Option<&str>)] = &[
    ("demo-ben", "ben.demo@example.com", None),
    ("demo-cara", "cara.demo@example.com", Some("+15555550124")),
    ("demo-dev", "dev.demo@example.com", Some("+15555550125")),
    ("demo-eli", "eli.demo@example.com", Some("+15555550126")),
    ("demo-fay", "fay.demo@example.com", Some("+15555550127")),
    ("demo-gus", "gus.demo@example.com", Some("+15555550128")),
    ("demo-hal", "hal.demo@example.com", Some("+15555550129")),
    ("demo-ivy", "ivy.demo@example.com", None),
    ("demo-jo", "jo.demo@example.com", Some("+15555550130")),
    ("demo-kim", "kim.demo@example.com", Some("+15555550131")),
    ("demo-nia", "nia.demo@example.com", Some("+15555550132")),
    ("demo-oli", "oli.demo@example.com", Some("+15555550133")),
    // Two people each known to two systems under their own refs (DESIGN §1.1).
    ("crm-lee", "lee.demo@example.com", None),
    ("appt-lee", "Lee.Demo@example.com", None),
    ("crm-max", "max.demo@example.com", None),
    ("appt-max", "Max.Demo@example.com", None),
];

/// Seeds the demo topics and contact (safe to run again) and returns a sign-in link for the
/// contact.
pub async fn seed(store: &Store, base_url: &url::Url) -> anyhow::Result<String> {
    let topics = parse_topics_toml_checked(DEMO_TOPICS)?;
    store.upsert_topics(&topics).await?;

    let id = seed_demo_contact(store).await?;
    seed_other_contacts(store).await?;
    let token = store.create_sign_in_token(id).await?;
    Ok(base_url.join(&format!("auth/{token}"))?.to_string())
}

/// Creates or updates Ann, the demo contact, and gives her choices the first time; returns her id.
async fn seed_demo_contact(store: &Store) -> anyhow::Result<i64> {
    let reference = ContactRef::parse(DEMO_CONTACT)?;
    let (id, created) = store
        .upsert_contact(
            &reference,
            crate::store::Grant::system(),
            vec![
                ChangeOp::Email {
                    email: Some(Email::parse("ann.demo@example.com")?),
                    verified: true,
                },
                ChangeOp::Phone {
                    phone: Some(Phone::parse("+15555550123")?),
                    verified: true,
                },
                ChangeOp::Locale(Locale::parse("en")?),
                ChangeOp::TimeZone(TimeZoneName::parse("America/Chicago")?),
            ],
        )
        .await?;
    if created {
        crate::store::apply_change(store, &demo_choices(id)).await?;
    }
    Ok(id)
}

/// Ann's own choices: offers by email once a week, and for information only; the newsletter.
fn demo_choices(contact_id: i64) -> crate::store::ChangeRequest {
    let key = |k: &str| TopicKey::parse(k).expect("demo topic keys are valid");
    crate::store::ChangeRequest {
        contact_id,
        // As Ann did it herself, signed in by her address.
        grant: crate::store::Grant::session("ann.demo@example.com"),
        reason: None,
        meta: Some(serde_json::json!({"source": "attune demo"})),
        ops: vec![
            ChangeOp::Subscribed {
                topic: key("offers"),
                subscribed: true,
            },
            ChangeOp::Channels {
                topic: key("offers"),
                channels: ChannelSet::new([Channel::Email]),
            },
            ChangeOp::Frequency {
                topic: key("offers"),
                frequency: Frequency::Weekly,
            },
            ChangeOp::InfoOnly {
                topic: key("offers"),
                info_only: true,
            },
            ChangeOp::Subscribed {
                topic: key("newsletter"),
                subscribed: true,
            },
        ],
        said_at: None,
        consent_at: None,
        together: Vec::new(),
        keep_session: None,
    }
}

/// Creates or updates the other demo contacts: [`OTHER_CONTACTS`], then [`SPEAKERS`].
async fn seed_other_contacts(store: &Store) -> anyhow::Result<()> {
    let speakers = SPEAKERS
        .iter()
        .map(|(reference, email, phone, locale)| (reference, email, Some(*phone), Some(*locale)));
    let others = OTHER_CONTACTS
        .iter()
        .map(|(reference, email, phone)| (reference, email, *phone, None));
    for (reference, email, phone, locale) in others.chain(speakers) {
        let details = contact_details(email, phone, locale)?;
        store
            .upsert_contact(
                &ContactRef::parse(reference)?,
                crate::store::Grant::system(),
                details,
            )
            .await?;
    }
    Ok(())
}

/// A demo contact's verified address, time zone, and phone and language when given.
fn contact_details(
    email: &str,
    phone: Option<&str>,
    locale: Option<&str>,
) -> anyhow::Result<Vec<ChangeOp>> {
    let mut details = vec![
        ChangeOp::Email {
            email: Some(Email::parse(email)?),
            verified: true,
        },
        ChangeOp::TimeZone(TimeZoneName::parse("Europe/London")?),
    ];
    if let Some(phone) = phone {
        details.push(ChangeOp::Phone {
            phone: Some(Phone::parse(phone)?),
            verified: true,
        });
    }
    if let Some(locale) = locale {
        details.push(ChangeOp::Locale(Locale::parse(locale)?));
    }
    Ok(details)
}
