//! What the model holds, under one lock: keeping what a fill read, and dropping what changed.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
};

use app::domain::AddressKind;

use super::{
    state::{DecisionState, HeldChoice},
    tail::Tail,
    CAPACITY,
};

/// What is held, under one lock.
#[derive(Default)]
struct Held {
    /// Bumped by every drop: a fill that began before it keeps nothing.
    generation: u64,
    contacts: HashMap<Arc<str>, Arc<DecisionState>>,
    /// The key each held contact is under, by id (ledger rows name contacts by id).
    refs: HashMap<i64, Arc<str>>,
    /// Choices by normalised address: email addresses, then phone numbers.
    choices: [HashMap<Box<str>, Arc<[HeldChoice]>>; 2],
}

/// Which of the held choice maps an address kind's choices are in; push has none.
pub(super) fn slot(kind: AddressKind) -> Option<usize> {
    match kind {
        AddressKind::Email => Some(0),
        AddressKind::Phone => Some(1),
        AddressKind::Push => None,
    }
}

/// The read model. One per [`crate::store::Store`].
pub struct ReadModel {
    held: RwLock<Held>,
    pub(super) capacity: usize,
    /// Commits made by this process that may have changed what the rules read.
    pub(super) changed: AtomicU64,
    /// The `changed` count the ledger has been read up to.
    pub(super) synced: AtomicU64,
    pub(super) tail: tokio::sync::Mutex<Tail>,
}

impl Default for ReadModel {
    fn default() -> Self {
        ReadModel::with_capacity(CAPACITY)
    }
}

impl ReadModel {
    pub fn with_capacity(capacity: usize) -> Self {
        ReadModel {
            held: Default::default(),
            capacity: capacity.max(16),
            changed: AtomicU64::new(1),
            synced: AtomicU64::new(0),
            tail: Default::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Held> {
        self.held.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Held> {
        self.held.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Says that this process committed a change (call it after the commit).
    pub fn changed(&self) {
        self.changed.fetch_add(1, Ordering::SeqCst);
    }

    /// Take before reading for a fill; pass to [`ReadModel::keep`].
    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    pub fn contact(&self, reference: &str) -> Option<Arc<DecisionState>> {
        self.read().contacts.get(reference).cloned()
    }

    pub fn choices(&self, kind: AddressKind, address: &str) -> Option<Arc<[HeldChoice]>> {
        self.read().choices[slot(kind)?].get(address).cloned()
    }

    /// How many contacts are held.
    pub fn len(&self) -> usize {
        self.read().contacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps what a fill read, unless something was dropped since `generation` was taken;
    /// says whether it did.
    pub fn keep(
        &self,
        generation: u64,
        states: &[Arc<DecisionState>],
        choices: &[(AddressKind, String, Arc<[HeldChoice]>)],
    ) -> bool {
        let mut held = self.write();
        if held.generation != generation {
            return false;
        }
        let room = self.capacity;
        for state in states {
            if held.contacts.len() >= room {
                let victims: Vec<Arc<str>> =
                    held.contacts.keys().take(room / 16).cloned().collect();
                for v in victims {
                    if let Some(s) = held.contacts.remove(&v) {
                        held.refs.remove(&s.id);
                    }
                }
            }
            held.refs.insert(state.id, state.reference.clone());
            held.contacts.insert(state.reference.clone(), state.clone());
        }
        for (kind, address, list) in choices {
            let Some(i) = slot(*kind) else { continue };
            let map = &mut held.choices[i];
            if map.len() >= room {
                let victims: Vec<Box<str>> = map.keys().take(room / 16).cloned().collect();
                for v in victims {
                    map.remove(&v);
                }
            }
            map.insert(address.as_str().into(), list.clone());
        }
        true
    }

    /// Drops contacts by id, and with `choices` every address's choices (a change may have made
    /// or lifted one at any address, and they are cheap to read again).
    pub fn forget(&self, ids: &[i64], choices: bool) {
        let mut held = self.write();
        held.generation += 1;
        for id in ids {
            if let Some(key) = held.refs.remove(id) {
                held.contacts.remove(&key);
            }
        }
        if choices {
            held.choices = Default::default();
        }
    }

    /// Drops everything held, as [`ReadModel::forget`] does for some.
    pub(super) fn forget_all(&self) {
        let mut held = self.write();
        held.generation += 1;
        held.contacts.clear();
        held.refs.clear();
        held.choices = Default::default();
    }
}
