//! How many attempts each endpoint and each sender has in flight (DESIGN §7): one endpoint, or
//! one sender with many endpoints, never takes every slot, so one sending system's slow or dead
//! receivers cannot hold up everyone else's webhooks.

use std::collections::HashMap;

/// Attempts running at once, across endpoints.
pub const MAX_IN_FLIGHT: usize = 256;
/// Attempts running at once to one endpoint: half of all, so one endpoint never takes every
/// slot, and a single fast endpoint still has two claims in flight (one being written while the
/// other is on the wire).
pub const PER_ENDPOINT: usize = 128;
/// Attempts running at once for all of one sender's endpoints: also half of all, however many
/// endpoints it registered.
pub const PER_SENDER: usize = 128;

/// Claimed and not yet recorded, counted per endpoint and per sender.
#[derive(Debug, Default)]
pub struct Slots {
    total: usize,
    per_endpoint: HashMap<String, usize>,
    per_sender: HashMap<i64, usize>,
}

impl Slots {
    /// How many more attempts may start, across endpoints.
    pub fn free(&self) -> usize {
        MAX_IN_FLIGHT.saturating_sub(self.total)
    }

    pub fn in_flight(&self) -> usize {
        self.total
    }

    /// Takes a slot for one attempt to `endpoint` of `sender`, unless either is at its share.
    pub fn take(&mut self, endpoint: &str, sender: i64) -> bool {
        let at_endpoint = self.per_endpoint.get(endpoint).copied().unwrap_or(0);
        let at_sender = self.per_sender.get(&sender).copied().unwrap_or(0);
        if self.total >= MAX_IN_FLIGHT || at_endpoint >= PER_ENDPOINT || at_sender >= PER_SENDER {
            return false;
        }
        self.total += 1;
        *self.per_endpoint.entry(endpoint.to_owned()).or_default() += 1;
        *self.per_sender.entry(sender).or_default() += 1;
        true
    }

    /// Gives back a slot [`Slots::take`] gave.
    pub fn give_back(&mut self, endpoint: &str, sender: i64) {
        self.total = self.total.saturating_sub(1);
        release(&mut self.per_endpoint, endpoint.to_owned());
        release(&mut self.per_sender, sender);
    }

    /// Endpoints at their share: a claim skips them.
    pub fn busy_endpoints(&self) -> Vec<String> {
        full(&self.per_endpoint, PER_ENDPOINT)
    }

    /// Senders at their share: a claim skips all their endpoints.
    pub fn busy_senders(&self) -> Vec<i64> {
        full(&self.per_sender, PER_SENDER)
    }
}

fn release<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: K) {
    if let Some(n) = counts.get_mut(&key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(&key);
        }
    }
}

fn full<K: Clone>(counts: &HashMap<K, usize>, share: usize) -> Vec<K> {
    counts
        .iter()
        .filter(|(_, n)| **n >= share)
        .map(|(k, _)| k.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_with_many_endpoints_takes_no_more_than_its_share_of_the_slots() {
        let mut slots = Slots::default();
        let greedy = 1;
        let mut taken = 0;
        for endpoint in 0..10 {
            for _ in 0..PER_ENDPOINT {
                taken += usize::from(slots.take(&format!("ep_{endpoint}"), greedy));
            }
        }
        assert_eq!(taken, PER_SENDER);
        assert_eq!(slots.busy_senders(), vec![greedy]);
        assert_eq!(slots.free(), MAX_IN_FLIGHT - PER_SENDER);
        // Another sender still gets the rest.
        assert!(slots.take("other", 2));
        slots.give_back("ep_0", greedy);
        assert!(slots.busy_senders().is_empty());
        assert!(slots.take("ep_0", greedy));
    }

    #[test]
    fn one_endpoint_takes_no_more_than_its_share_and_a_slot_given_back_is_free_again() {
        let mut slots = Slots::default();
        for _ in 0..PER_ENDPOINT {
            assert!(slots.take("ep", 1));
        }
        assert!(!slots.take("ep", 1));
        assert_eq!(slots.busy_endpoints(), vec!["ep".to_owned()]);
        slots.give_back("ep", 1);
        assert!(slots.busy_endpoints().is_empty());
        assert_eq!(slots.in_flight(), PER_ENDPOINT - 1);
    }
}
