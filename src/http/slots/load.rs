//! How full the slots are, and what that changes: the price of a new slot follows the load
//! ([`Slots::pow_bits`]), slots idle for `stale` are collected early once slots or pending
//! bytes are under pressure ([`Slots::expired`]), and single-request submissions reserve
//! their share of the pending bytes ([`Slots::reserve`], [`Slots::release`]).

use std::time::Instant;

use super::{Refusal, Slots};
use crate::model::ReportId;

impl Slots {
    /// The price of a slot now: `base` zero bits while fewer than a fifth of the slots (or of
    /// the pending bytes) are taken, one more bit per further fifth, `base + 4` from four
    /// fifths up (0 stays 0: proof of work off). Like tor's onion-service defence, the price
    /// follows the load, so a flood pays ~16× per slot by the time the pool is nearly full
    /// while a victim at idle pays the base price.
    pub fn pow_bits(&self, base: u32) -> u32 {
        if base == 0 {
            return 0;
        }
        let inner = self.lock();
        let slots = fifths(inner.slots.len() as u64, self.policy.max as u64);
        let bytes = fifths(inner.pending(), self.policy.max_pending);
        base + slots.max(bytes).min(4)
    }

    /// Slots to collect now: no progress for `ttl`, or for `stale` while slots or pending
    /// bytes are under pressure (four fifths taken). Frozen slots are being finalised.
    pub fn expired(&self) -> Vec<ReportId> {
        let now = Instant::now();
        let inner = self.lock();
        let pressed = fifths(inner.slots.len() as u64, self.policy.max as u64) >= 4
            || fifths(inner.pending(), self.policy.max_pending) >= 4;
        let limit = if pressed {
            self.policy.stale.min(self.policy.ttl)
        } else {
            self.policy.ttl
        };
        inner
            .slots
            .iter()
            .filter(|(_, s)| !s.frozen && now.duration_since(s.progressed) > limit)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Reserves `bytes` of pending room for a single-request submission (stale slots are
    /// taken back to make room: their ids go to `evicted` for the caller to remove).
    pub fn reserve(&self, bytes: u64, evicted: &mut Vec<ReportId>) -> Result<(), Refusal> {
        let mut inner = self.lock();
        while inner.pending().saturating_add(bytes) > self.policy.max_pending {
            match inner.evict_stalest(self.policy.stale, None, None) {
                Some(old) => evicted.push(old),
                None => return Err(Refusal::Pending),
            }
        }
        inner.streaming = inner.streaming.saturating_add(bytes);
        Ok(())
    }

    /// Returns what [`Slots::reserve`] took.
    pub fn release(&self, bytes: u64) {
        let mut inner = self.lock();
        inner.streaming = inner.streaming.saturating_sub(bytes);
    }
}

/// How many fifths of `max` `used` is (0..=5, more when over).
fn fifths(used: u64, max: u64) -> u32 {
    if max == 0 {
        return 5;
    }
    u32::try_from(used.saturating_mul(5) / max).unwrap_or(u32::MAX)
}
