//! The mail worker inside `attune serve` (DESIGN §7): sends what the outbox holds, a few at a
//! time, and tries a mail that failed again on a schedule (`ATTUNE_MAIL_RETRY_SCHEDULE`), so a
//! sign-in link or a "we changed this for you" outlives an SMTP server being down or a restart.

use std::{sync::Arc, time::Duration};

use app::domain::Email;
use rand::Rng;
use tokio::{sync::watch, task::JoinHandle};

use super::{Mailer, OutgoingMail};
use crate::store::{
    mail_outbox::{ClaimedMail, QueuedText},
    now_ms, Store,
};

/// Mails claimed at a time: one, so that a slow mail server never holds a claimed mail past
/// its lease while others wait their turn (another instance would then send it too).
const CLAIM_BATCH: usize = 1;
/// How often the worker looks for mails due again when nothing wakes it.
const POLL: Duration = Duration::from_millis(500);

impl From<&OutgoingMail> for QueuedText {
    fn from(mail: &OutgoingMail) -> Self {
        QueuedText {
            recipient: mail.to.as_str().to_owned(),
            subject: mail.subject.clone(),
            text: mail.text.clone(),
            html: mail.html.clone(),
        }
    }
}

/// A running worker; [`MailWorker::stop`] ends it after the mail being sent.
pub struct MailWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl MailWorker {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the worker on the current runtime.
pub fn spawn(store: Store, mailer: Arc<dyn Mailer>, schedule: Vec<Duration>) -> MailWorker {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(store, mailer, schedule, stopped));
    MailWorker { stop, task }
}

async fn run(
    store: Store,
    mailer: Arc<dyn Mailer>,
    schedule: Vec<Duration>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        let claimed = match store.claim_mails(CLAIM_BATCH).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "could not claim mail to send");
                Vec::new()
            }
        };
        let busy = claimed.len() == CLAIM_BATCH;
        let mut left: Vec<String> = Vec::new();
        for (i, mail) in claimed.iter().enumerate() {
            if *stop.borrow() {
                left.extend(claimed[i..].iter().map(|m| m.lease_token.clone()));
                break;
            }
            send_one(&store, mailer.as_ref(), &schedule, mail).await;
        }
        if !left.is_empty() {
            left.dedup();
            let _ = store.release_mail_leases(&left).await;
            return;
        }
        if busy {
            continue;
        }
        tokio::select! {
            _ = store.mail_wait() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => {}
        }
    }
}

/// One attempt, and its outcome recorded.
async fn send_one(
    store: &Store,
    mailer: &dyn Mailer,
    schedule: &[Duration],
    claimed: &ClaimedMail,
) {
    let outcome = match Email::parse(&claimed.mail.recipient) {
        Ok(to) => {
            let mail = OutgoingMail {
                to,
                subject: claimed.mail.subject.clone(),
                text: claimed.mail.text.clone(),
                html: claimed.mail.html.clone(),
            };
            mailer.send(mail).await.map_err(|e| format!("{e:#}"))
        }
        Err(_) => Err("the recipient is not an address we can send to".to_owned()),
    };
    let recorded = match outcome {
        Ok(()) => {
            metrics::counter!("attune_mail_attempts_total", "outcome" => "sent").increment(1);
            store.mail_sent(claimed.id, &claimed.lease_token).await
        }
        Err(error) => {
            let retry_at = retry_at(schedule, claimed.attempts);
            let outcome = if retry_at.is_some() {
                "retrying"
            } else {
                "failed"
            };
            metrics::counter!("attune_mail_attempts_total", "outcome" => outcome).increment(1);
            // The mailer's errors name no address (mail::scrub); the mail's id says which.
            tracing::warn!(mail = claimed.id, attempts = claimed.attempts + 1, outcome, %error, "a mail could not be sent");
            store
                .mail_failed(claimed.id, &claimed.lease_token, retry_at, &error)
                .await
        }
    };
    if let Err(e) = recorded {
        // The lease runs out and the mail is tried again: at worst it is sent twice.
        tracing::error!(error = %format!("{e:#}"), "could not record a mail attempt");
    }
}

/// When a mail whose `attempts`-th attempt (counting from 0) failed is tried again: the
/// schedule's wait with ±20 % jitter, `None` once the schedule is used up.
fn retry_at(schedule: &[Duration], attempts: i64) -> Option<i64> {
    let wait = schedule.get(usize::try_from(attempts).ok()?)?;
    let factor = rand::rng().random_range(0.8..1.2);
    Some(now_ms() + (wait.as_millis() as f64 * factor) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_mail_waits_its_turn_in_the_schedule_and_is_given_up_after_the_last() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(60)];
        let now = now_ms();
        let first = retry_at(&schedule, 0).unwrap() - now;
        let second = retry_at(&schedule, 1).unwrap() - now;
        assert!((4_000..=6_100).contains(&first), "{first}");
        assert!((48_000..=72_100).contains(&second), "{second}");
        assert_eq!(retry_at(&schedule, 2), None);
    }
}
