//! The decisions' read model: what rules 1–13 read about a contact (DESIGN §2), held in memory,
//! so that a decision without `record` runs no SQL when its contact is held.
//!
//! - **Filled on a miss**: a batch's misses are read together, one query per table however
//!   many contacts ([`load_in`], [`choices_in`]).
//! - **Bounded**: at most [`CAPACITY`] contacts; when full, an arbitrary sixteenth is dropped
//!   (the hash map's own order, so no bookkeeping on a hit).
//! - **Kept current by the ledger**: every change to what the rules read is a change-function
//!   commit, which writes a ledger row whose `seq` is taken under one counter row's lock, so
//!   `seq` order is commit order. A commit in this process bumps a counter ([`ReadModel::changed`]);
//!   the next decision first reads the ledger rows past the last one applied and drops their
//!   contacts ([`ReadModel::sync`]): a decision reflects every change committed before it was
//!   asked. Changes made by other processes are read the same way when Postgres says there
//!   are some (`LISTEN`/`NOTIFY` on [`CHANNEL`]) and by a poll every [`POLL`] in any case
//!   (with sends, which have no ledger row, read by their time).
//! - **A fill never brings back what a change dropped**: a fill keeps what it read only if
//!   nothing was dropped since it began ([`ReadModel::generation`]).
//!
//! Here: how much is held and how often others' changes are looked for. One contact's state,
//! packed, is `state.rs`; reading states in, `fill.rs`; what is held and dropping it,
//! `model.rs`; following the ledger, `tail.rs`; telling the other instances, `notify.rs`.

mod fill;
mod model;
mod notify;
mod state;
mod tail;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use fill::{choices_in, load_in};
pub use model::ReadModel;
pub use notify::{listen, tell_others_in, CHANNEL};
pub use state::{covers, DecisionState, HeldChoice};

/// The most contacts held: a little over a million, so the benchmark's million contacts are
/// all held (a full index at that size); beyond it the model is a bounded cache.
pub const CAPACITY: usize = 1 << 20;

/// How often changes made by other processes are looked for.
pub const POLL: Duration = Duration::from_millis(200);
