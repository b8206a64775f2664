//! The delivery worker inside `attune serve` (DESIGN §7): claims due deliveries, posts them
//! signed, and records each outcome.
//!
//! - At most [`MAX_IN_FLIGHT`] attempts run at once, at most [`PER_ENDPOINT`] per endpoint and
//!   [`PER_SENDER`] per sender ([`super::slots`]), so a slow or dead endpoint, or one sender's
//!   many endpoints, hold half the slots and never all of them.
//! - Each attempt has a 15 s timeout and follows no redirects (a 3xx is a failure).
//! - Outcomes are written in batches, one transaction per batch (the SQLite writer is shared
//!   with every change, so one commit per delivery would starve both).
//! - A commit that wrote outbox rows wakes the worker at once; otherwise it polls, which is how
//!   it sees retries fall due and changes made by other instances.

use std::{collections::HashMap, net::IpAddr, sync::Arc, time::Duration};

use super::slots::Slots;
pub use super::slots::{MAX_IN_FLIGHT, PER_ENDPOINT, PER_SENDER};

use rand::Rng;
use tokio::{sync::mpsc, sync::watch, task::JoinHandle, time::Instant};

use super::{is_private, signing};
use crate::store::{
    now_ms,
    webhooks::{Claimed, Outcome},
    Store,
};

/// The most one claim takes.
const CLAIM_BATCH: usize = 64;
/// How long finished attempts wait for others to finish, so they are written together.
const LINGER: Duration = Duration::from_millis(2);
/// How long one attempt may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How often the worker looks for due retries when nothing wakes it.
const POLL: Duration = Duration::from_millis(250);
/// How long a stopping worker waits for attempts in flight before giving their leases back.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What the worker needs from the configuration.
#[derive(Clone)]
pub struct WorkerConfig {
    pub retry_schedule: Vec<Duration>,
    pub allow_private: bool,
}

/// A running worker; [`WorkerHandle::stop`] ends it.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming, lets attempts in flight finish (for a few seconds), records them, and
    /// gives back the leases of any that did not finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the worker on the current runtime.
pub fn spawn(store: Store, config: WorkerConfig) -> anyhow::Result<WorkerHandle> {
    let client = http_client(config.allow_private)?;
    let (stop, stopped) = watch::channel(false);
    let worker = Worker {
        store,
        client,
        schedule: Arc::new(config.retry_schedule),
        allow_private: config.allow_private,
    };
    let task = tokio::spawn(worker.run(stopped));
    Ok(WorkerHandle { stop, task })
}

/// The HTTP client attempts go through: no redirects, a timeout, and (unless private targets
/// are allowed) a resolver that refuses names resolving to private or loopback addresses, so a
/// host that changed its DNS after registration still can't reach inside.
fn http_client(allow_private: bool) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        // HTTP(S)_PROXY in the environment must not route deliveries around the address checks.
        .no_proxy()
        .pool_max_idle_per_host(PER_ENDPOINT)
        .user_agent(concat!("Attune-Webhooks/", env!("CARGO_PKG_VERSION")));
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    Ok(builder.build()?)
}

/// A resolver that drops private, loopback and link-local addresses.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| !is_private(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err("the endpoint's host resolves only to private addresses".into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

struct Worker {
    store: Store,
    client: reqwest::Client,
    schedule: Arc<Vec<Duration>>,
    allow_private: bool,
}

impl Worker {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Outcome>();
        // Claimed and not yet recorded: counted per endpoint and sender, and each claim's
        // (id, lease token).
        let mut slots = Slots::default();
        let mut in_flight: HashMap<i64, String> = HashMap::new();
        let mut finished: Vec<Outcome> = Vec::new();
        let mut stopping = false;
        let mut stop_deadline = None;
        loop {
            if !stopping {
                self.claim(&mut slots, &mut in_flight, &done_tx).await;
            }
            if stopping && in_flight.is_empty() {
                break;
            }
            let deadline = stop_deadline.unwrap_or_else(|| Instant::now() + POLL);
            tokio::select! {
                n = done_rx.recv_many(&mut finished, MAX_IN_FLIGHT) => {
                    if n > 0 {
                        // Attempts started together finish together: wait a moment for the rest,
                        // so one commit records them all.
                        if finished.len() < in_flight.len() {
                            tokio::time::sleep(LINGER).await;
                            while let Ok(o) = done_rx.try_recv() {
                                finished.push(o);
                            }
                        }
                        self.record(&mut finished, &mut slots, &mut in_flight).await;
                    }
                }
                _ = self.store.outbox_wait(), if !stopping => {}
                _ = tokio::time::sleep_until(deadline) => {
                    if stopping {
                        break;
                    }
                }
                _ = stop.changed(), if !stopping => {
                    stopping = true;
                    stop_deadline = Some(Instant::now() + STOP_GRACE);
                }
            }
        }
        // Whatever is still in flight after the grace period goes back to the queue.
        let leftover: Vec<(i64, String)> = in_flight.into_iter().collect();
        if let Err(e) = self.store.release_leases(&leftover).await {
            tracing::warn!(error = %format!("{e:#}"), "could not give back webhook leases; they run out in a minute");
        }
    }

    /// Claims as many due deliveries as there are free slots and starts their attempts.
    async fn claim(
        &self,
        slots: &mut Slots,
        in_flight: &mut HashMap<i64, String>,
        done: &mpsc::UnboundedSender<Outcome>,
    ) {
        loop {
            let free = slots.free().min(CLAIM_BATCH);
            if free == 0 {
                return;
            }
            let (endpoints, senders) = (slots.busy_endpoints(), slots.busy_senders());
            let claimed = match self
                .store
                .claim_deliveries(free, &endpoints, &senders)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "could not claim webhook deliveries");
                    return;
                }
            };
            let full = claimed.len() == free;
            // One endpoint or sender may have been given more than its share in this batch;
            // the extra ones go back at once.
            let mut over = Vec::new();
            for c in claimed {
                if !slots.take(&c.endpoint_id, c.sender_id) {
                    over.push((c.id, c.lease_token));
                    continue;
                }
                in_flight.insert(c.id, c.lease_token.clone());
                let (client, done) = (self.client.clone(), done.clone());
                let allow_private = self.allow_private;
                tokio::spawn(async move {
                    let _ = done.send(attempt(&client, c, allow_private).await);
                });
            }
            if !over.is_empty() {
                let _ = self.store.release_leases(&over).await;
                return;
            }
            if !full {
                return;
            }
        }
    }

    /// Writes finished attempts (one transaction) and frees their slots. On a database error
    /// they are kept and written with the next batch; their leases hold meanwhile.
    async fn record(
        &self,
        finished: &mut Vec<Outcome>,
        slots: &mut Slots,
        in_flight: &mut HashMap<i64, String>,
    ) {
        let with_retry: Vec<(Outcome, Option<i64>)> = finished
            .iter()
            .map(|o| (o.clone(), self.retry_at(o)))
            .collect();
        if let Err(e) = self.store.complete_deliveries(&with_retry).await {
            tracing::error!(error = %format!("{e:#}"), "could not record webhook attempts; retrying");
            tokio::time::sleep(Duration::from_millis(500)).await;
            return;
        }
        for (o, retry) in &with_retry {
            in_flight.remove(&o.delivery_id);
            slots.give_back(&o.endpoint_id, o.sender_id);
            let outcome = if o.succeeded() {
                "delivered"
            } else if retry.is_some() && o.status != Some(410) {
                "retrying"
            } else {
                "failed"
            };
            metrics::counter!("attune_webhook_attempts_total", "outcome" => outcome).increment(1);
            if !o.succeeded() {
                tracing::info!(
                    endpoint = %o.endpoint_id,
                    delivery = o.delivery_id,
                    status = o.status,
                    error = o.error.as_deref().unwrap_or(""),
                    outcome,
                    "webhook attempt failed"
                );
            }
        }
        finished.clear();
    }

    /// When a failed attempt is tried again: the schedule's wait for this attempt, with ±20 %
    /// jitter so that endpoints coming back are not hit by every retry at once; `None` once
    /// the schedule is used up.
    fn retry_at(&self, o: &Outcome) -> Option<i64> {
        if o.succeeded() {
            return None;
        }
        let wait = self.schedule.get(o.attempts_before as usize)?;
        let factor = rand::rng().random_range(0.8..1.2);
        Some(now_ms() + (wait.as_millis() as f64 * factor) as i64)
    }
}

/// One signed POST. Never fails: every failure is an outcome.
async fn attempt(client: &reqwest::Client, c: Claimed, allow_private: bool) -> Outcome {
    let attempted_at = now_ms();
    if c.attempts == 0 {
        let waited = (attempted_at - c.created_at).max(0) as f64 / 1000.0;
        metrics::histogram!("attune_webhook_first_attempt_seconds").record(waited);
    }
    let started = Instant::now();
    let result = send(client, &c, attempted_at / 1000, allow_private).await;
    let (status, error) = match result {
        Ok(status) if (200..300).contains(&status) => (Some(status), None),
        Ok(status) => (Some(status), Some(format!("HTTP {status}"))),
        Err(e) => (None, Some(e)),
    };
    Outcome {
        delivery_id: c.id,
        lease_token: c.lease_token,
        endpoint_id: c.endpoint_id,
        sender_id: c.sender_id,
        attempts_before: c.attempts,
        attempted_at,
        duration_ms: started.elapsed().as_millis() as i64,
        status,
        error,
    }
}

/// The `webhook-id` of an event: the same for every attempt and every endpoint.
pub fn webhook_id(seq: i64) -> String {
    format!("evt_{seq}")
}

/// How much of an endpoint's answer is read.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

async fn send(
    client: &reqwest::Client,
    c: &Claimed,
    timestamp: i64,
    allow_private: bool,
) -> Result<u16, String> {
    let url = url::Url::parse(&c.url).map_err(|_| "the endpoint URL is not valid".to_owned())?;
    if !allow_private {
        // Names are checked by the resolver; addresses written as such are checked here.
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if literal.is_some_and(is_private) {
            return Err("the endpoint's address is private".into());
        }
    }
    let mut secrets = vec![signing::Secret::parse(&c.secret)
        .map_err(|_| "the endpoint's secret is unreadable".to_owned())?];
    if let Some(previous) = c.previous_secret.as_deref() {
        if let Ok(s) = signing::Secret::parse(previous) {
            secrets.push(s);
        }
    }
    let id = webhook_id(c.seq);
    let body = c.payload.clone().into_bytes();
    let signature = signing::signature_header(&secrets, &id, timestamp, &body);
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(describe)?;
    let status = response.status().as_u16();
    // Read (and drop) at most 64 KiB of the answer, so the connection can be used again and a
    // hostile endpoint cannot make Attune read without end.
    let mut response = response;
    let mut read = 0usize;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > MAX_RESPONSE_BYTES {
            break;
        }
    }
    Ok(status)
}

/// A failed request in a few words, without the URL.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        let mut text = "could not connect".to_owned();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            if s.source().is_none() {
                text = format!("could not connect: {s}");
            }
            source = s.source();
        }
        text.chars().take(200).collect()
    } else {
        format!("{}", e.without_url()).chars().take(200).collect()
    }
}
