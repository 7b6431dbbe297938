//! Upload slots: the resumable uploads in progress, who holds each (the tor circuit, when tor
//! sends its PROXY line), the bytes each has stored, and when each last made progress. Memory
//! only: no time, circuit or size goes to disk.
//!
//! The rules that keep one anonymous client from holding the channel (issue 15):
//! - the proof of work to open a slot costs more as slots fill ([`Slots::pow_bits`]);
//! - progress is a *new* chunk; re-sending one or asking where to resume is not. A slot with no
//!   progress for `stale` is given to the next client who needs a slot (or bytes), and one with
//!   no progress for `ttl` is collected whatever the load;
//! - one circuit holds at most `per_circuit` slots; the server at most `max`;
//! - bytes stored but not finalised (resumable chunks and single-request submissions in
//!   flight) share their own cap, `max_pending`, apart from the room kept for accepted reports;
//! - once finalisation starts the slot is frozen: no chunk may change under it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod load;
mod window;

use super::proxy::CircuitId;
use crate::model::ReportId;
use crate::store::CHUNK_SIZE;

/// How many slots and pending bytes the server gives out.
#[derive(Clone, Copy, Debug)]
pub struct SlotPolicy {
    /// Slots server-wide.
    pub max: usize,
    /// Slots one tor circuit may hold (with the PROXY line).
    pub per_circuit: usize,
    /// A slot without progress for this long goes to the next client who needs one.
    pub stale: Duration,
    /// A slot without progress for this long is collected, whatever the load.
    pub ttl: Duration,
    /// Bytes stored but not yet finalised, server-wide.
    pub max_pending: u64,
}

/// Why a slot, a chunk or pending bytes are refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Every slot is held and none is stale.
    Full,
    /// This circuit holds its share of slots.
    CircuitFull,
    /// The pending-bytes cap is reached and nothing stale can be reclaimed.
    Pending,
    /// No such upload (finalised, cancelled, collected or never made).
    Unknown,
    /// Finalisation has begun: the chunks are frozen.
    Frozen,
    /// A short chunk was the last one: only finalising may follow.
    AfterLast,
    /// Outside the window of chunks in flight, nor a re-send of a recent one.
    OutOfOrder,
}

struct Slot {
    /// Last progress (creation or a new chunk).
    progressed: Instant,
    circuit: Option<CircuitId>,
    /// The chunks admitted so far.
    window: window::Window,
    /// Bytes stored.
    bytes: u64,
    frozen: bool,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<ReportId, Slot>,
    /// Bytes written by single-request submissions not yet finished.
    streaming: u64,
}

impl Inner {
    fn pending(&self) -> u64 {
        self.slots
            .values()
            .map(|s| s.bytes)
            .sum::<u64>()
            .saturating_add(self.streaming)
    }

    /// Removes the slot idle longest if it is idle for longer than `stale` (and not frozen,
    /// and not `except`), optionally only among one circuit's; returns its id.
    fn evict_stalest(
        &mut self,
        stale: Duration,
        of: Option<CircuitId>,
        except: Option<ReportId>,
    ) -> Option<ReportId> {
        let now = Instant::now();
        let id = self
            .slots
            .iter()
            .filter(|(_, s)| !s.frozen && now.duration_since(s.progressed) > stale)
            .filter(|(id, s)| (of.is_none() || s.circuit == of) && Some(**id) != except)
            .min_by_key(|(_, s)| s.progressed)
            .map(|(id, _)| *id)?;
        self.slots.remove(&id);
        Some(id)
    }
}

/// The upload slots of one server.
pub struct Slots {
    inner: Mutex<Inner>,
    policy: SlotPolicy,
}

impl Slots {
    /// No slot held yet.
    pub fn new(policy: SlotPolicy) -> Self {
        Slots {
            inner: Mutex::new(Inner::default()),
            policy,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The policy in force.
    pub fn policy(&self) -> SlotPolicy {
        self.policy
    }

    /// Slots held now.
    pub fn held(&self) -> usize {
        self.lock().slots.len()
    }

    /// Bytes stored or being written and not yet finalised.
    pub fn pending_bytes(&self) -> u64 {
        self.lock().pending()
    }

    /// Gives `id` a slot for `circuit`. The stale slots taken back to make room are added to
    /// `evicted` (the caller removes their chunks, whatever the answer).
    pub fn open(
        &self,
        id: ReportId,
        circuit: Option<CircuitId>,
        evicted: &mut Vec<ReportId>,
    ) -> Result<(), Refusal> {
        let mut inner = self.lock();
        if let Some(c) = circuit {
            // Over its share, a circuit can only recycle its own stale slots.
            while inner
                .slots
                .values()
                .filter(|s| s.circuit == Some(c))
                .count()
                >= self.policy.per_circuit
            {
                match inner.evict_stalest(self.policy.stale, Some(c), None) {
                    Some(old) => evicted.push(old),
                    None => return Err(Refusal::CircuitFull),
                }
            }
        }
        while inner.slots.len() >= self.policy.max {
            match inner.evict_stalest(self.policy.stale, None, None) {
                Some(old) => evicted.push(old),
                None => return Err(Refusal::Full),
            }
        }
        inner.slots.insert(
            id,
            Slot {
                progressed: Instant::now(),
                circuit,
                window: window::Window::default(),
                bytes: 0,
                frozen: false,
            },
        );
        Ok(())
    }

    /// An upload that survived a restart, with chunks `0..next` and `above` stored.
    pub fn seed(&self, id: ReportId, next: u32, above: &[u32]) {
        let stored = u64::from(next) + above.len() as u64;
        let bytes = stored * CHUNK_SIZE as u64;
        self.lock().slots.insert(
            id,
            Slot {
                progressed: Instant::now(),
                circuit: None,
                window: window::Window::resumed(next, above),
                bytes,
                frozen: false,
            },
        );
    }

    /// Whether `id` holds a slot.
    pub fn known(&self, id: ReportId) -> bool {
        self.lock().slots.contains_key(&id)
    }

    /// Admits chunk `n` of `len` bytes for `id` before it is written: a new chunk within the
    /// window of chunks in flight (`window`), or a re-send of a recent one; never above a
    /// short chunk, never once frozen; within the pending-bytes cap (stale slots are taken
    /// back to make room: their ids go to `evicted` for the caller to remove). A new chunk is
    /// progress. Answers the first chunk still missing.
    pub fn admit_chunk(
        &self,
        id: ReportId,
        n: u32,
        len: u64,
        evicted: &mut Vec<ReportId>,
    ) -> Result<u32, Refusal> {
        let mut inner = self.lock();
        let slot = inner.slots.get(&id).ok_or(Refusal::Unknown)?;
        if slot.frozen {
            return Err(Refusal::Frozen);
        }
        let admit = slot.window.check(n, len)?;
        let grow = match admit {
            window::Admit::Fresh => len,
            window::Admit::Resend { old } => len.saturating_sub(old),
        };
        while inner.pending().saturating_add(grow) > self.policy.max_pending {
            match inner.evict_stalest(self.policy.stale, None, Some(id)) {
                Some(old) => evicted.push(old),
                None => return Err(Refusal::Pending),
            }
        }
        let slot = inner.slots.get_mut(&id).ok_or(Refusal::Unknown)?;
        match admit {
            window::Admit::Fresh => {
                slot.progressed = Instant::now();
                slot.bytes = slot.bytes.saturating_add(len);
            }
            window::Admit::Resend { old } => {
                slot.bytes = slot.bytes.saturating_sub(old).saturating_add(len);
            }
        }
        slot.window.admit(n, len);
        Ok(slot.window.done())
    }

    /// Freezes `id` for finalisation; refused if it is unknown or already being finalised.
    pub fn freeze(&self, id: ReportId) -> Result<(), Refusal> {
        let mut inner = self.lock();
        let slot = inner.slots.get_mut(&id).ok_or(Refusal::Unknown)?;
        if slot.frozen {
            return Err(Refusal::Frozen);
        }
        slot.frozen = true;
        Ok(())
    }

    /// Lets chunks change again (finalisation found the upload changed under it).
    pub fn thaw(&self, id: ReportId) {
        if let Some(s) = self.lock().slots.get_mut(&id) {
            s.frozen = false;
        }
    }

    /// Gives the slot up (finalised, cancelled, refused or collected).
    pub fn forget(&self, id: ReportId) {
        self.lock().slots.remove(&id);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::CHUNK_WINDOW;

    /// Makes every slot's last progress `by` older, instead of sleeping for it.
    fn age(s: &Slots, by: Duration) {
        for slot in s.lock().slots.values_mut() {
            slot.progressed = slot.progressed.checked_sub(by).unwrap();
        }
    }

    fn slots(max: usize, per_circuit: usize, stale_ms: u64) -> Slots {
        Slots::new(SlotPolicy {
            max,
            per_circuit,
            stale: Duration::from_millis(stale_ms),
            ttl: Duration::from_secs(300),
            max_pending: 4 * CHUNK_SIZE as u64,
        })
    }

    #[test]
    fn price_rises_with_occupancy() {
        let s = slots(10, 10, 60_000);
        assert_eq!(s.pow_bits(14), 14);
        assert_eq!(s.pow_bits(0), 0);
        for i in 0..10 {
            s.open(ReportId::random(), None, &mut vec![]).unwrap();
            let want = 14 + ((i + 1) * 5 / 10).min(4);
            assert_eq!(s.pow_bits(14), want as u32, "{} slots", i + 1);
        }
        assert_eq!(
            s.open(ReportId::random(), None, &mut vec![]),
            Err(Refusal::Full)
        );
    }

    #[test]
    fn a_circuit_holds_its_share_and_stale_slots_are_taken_back() {
        let s = slots(3, 2, 0);
        let c = Some(CircuitId(7));
        let a = ReportId::random();
        let mut gone = vec![];
        s.open(a, c, &mut gone).unwrap();
        s.open(ReportId::random(), c, &mut gone).unwrap();
        // Stale after 0 ms: the circuit's third slot recycles its own oldest.
        age(&s, Duration::from_secs(1));
        s.open(ReportId::random(), c, &mut gone).unwrap();
        assert_eq!(gone, vec![a]);
        let strict = slots(3, 2, 60_000);
        strict.open(ReportId::random(), c, &mut gone).unwrap();
        strict.open(ReportId::random(), c, &mut gone).unwrap();
        assert_eq!(
            strict.open(ReportId::random(), c, &mut gone),
            Err(Refusal::CircuitFull)
        );
        strict
            .open(ReportId::random(), Some(CircuitId(8)), &mut gone)
            .unwrap();
        assert_eq!(
            strict.open(ReportId::random(), None, &mut gone),
            Err(Refusal::Full)
        );
        assert_eq!(gone, vec![a]);
    }

    #[test]
    fn chunks_in_the_window_within_the_pending_cap_and_frozen_at_finalize() {
        let s = slots(10, 10, 60_000);
        let g = &mut vec![];
        let id = ReportId::random();
        s.open(id, None, g).unwrap();
        let full = CHUNK_SIZE as u64;
        s.admit_chunk(id, 0, full, g).unwrap();
        s.admit_chunk(id, 0, full, g).unwrap();
        assert_eq!(s.pending_bytes(), full);
        assert_eq!(
            s.admit_chunk(id, 1 + CHUNK_WINDOW, full, g),
            Err(Refusal::OutOfOrder)
        );
        s.admit_chunk(id, 1, 10, g).unwrap();
        assert_eq!(s.pending_bytes(), full + 10);
        assert_eq!(s.admit_chunk(id, 2, 10, g), Err(Refusal::AfterLast));
        let other = ReportId::random();
        s.open(other, None, g).unwrap();
        for n in 0..2 {
            s.admit_chunk(other, n, full, g).unwrap();
        }
        assert_eq!(s.admit_chunk(other, 2, full, g), Err(Refusal::Pending));
        assert_eq!(s.reserve(full, g), Err(Refusal::Pending));
        s.freeze(id).unwrap();
        assert_eq!(s.admit_chunk(id, 1, 10, g), Err(Refusal::Frozen));
        assert_eq!(s.freeze(id), Err(Refusal::Frozen));
        s.forget(id);
        assert_eq!(s.admit_chunk(id, 1, 10, g), Err(Refusal::Unknown));
        s.reserve(full, g).unwrap();
        s.release(full);
        assert_eq!(s.pending_bytes(), 2 * full);
        assert!(g.is_empty());
    }
}
