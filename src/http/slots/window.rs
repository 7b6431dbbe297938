//! The chunks of one upload admitted so far, as a window: up to [`CHUNK_WINDOW`] chunks may be
//! in flight at once. Over tor a round trip takes ~0.6 s, and one chunk at a time spent most of
//! a 20 MiB send waiting (issue 16: 42 s, against 25 s with four in flight). So a new chunk is
//! admitted anywhere in `done .. done + CHUNK_WINDOW` (`done`: every chunk below it is in),
//! and a re-send (its answer was lost) replaces a chunk still remembered. A short chunk is the
//! last one: nothing may be admitted above it, and it may not be admitted below another.

use std::collections::BTreeMap;

use super::Refusal;
use crate::store::{CHUNK_SIZE, CHUNK_WINDOW};

/// What admitting a chunk does.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admit {
    /// A chunk not seen before: progress.
    Fresh,
    /// A chunk already admitted, of `old` bytes, sent again.
    Resend { old: u64 },
}

/// The chunks one upload has been admitted.
#[derive(Debug, Default)]
pub(super) struct Window {
    /// Chunks `0..done` are all admitted.
    done: u32,
    /// Lengths of the admitted chunks from `done - CHUNK_WINDOW` up (at most twice the window).
    lens: BTreeMap<u32, u64>,
    /// The short (last) chunk, once admitted.
    short: Option<u32>,
}

impl Window {
    /// An upload found in the store after a restart: chunks `0..next` and `above` stored
    /// (their lengths unknown here, counted as full chunks: an upper bound).
    pub fn resumed(next: u32, above: &[u32]) -> Self {
        let mut w = Window::default();
        let full = CHUNK_SIZE as u64;
        for n in next.saturating_sub(CHUNK_WINDOW)..next {
            w.lens.insert(n, full);
        }
        for &n in above.iter().filter(|&&n| n > next) {
            w.lens.insert(n, full);
        }
        w.done = next;
        w
    }

    /// Every chunk below this index is admitted.
    pub fn done(&self) -> u32 {
        self.done
    }

    /// Whether chunk `n` of `len` bytes may be admitted now, and as what.
    pub fn check(&self, n: u32, len: u64) -> Result<Admit, Refusal> {
        let short = len < CHUNK_SIZE as u64;
        let highest = self.lens.keys().next_back().copied();
        if short && highest.is_some_and(|h| h > n) {
            return Err(Refusal::AfterLast);
        }
        if let Some(&old) = self.lens.get(&n) {
            return Ok(Admit::Resend { old });
        }
        if n < self.done || n - self.done >= CHUNK_WINDOW {
            return Err(Refusal::OutOfOrder);
        }
        if self.short.is_some_and(|s| n > s) {
            return Err(Refusal::AfterLast);
        }
        Ok(Admit::Fresh)
    }

    /// Admits chunk `n` of `len` bytes (after [`Window::check`] said yes).
    pub fn admit(&mut self, n: u32, len: u64) {
        self.lens.insert(n, len);
        if len < CHUNK_SIZE as u64 {
            self.short = Some(n);
        } else if self.short == Some(n) {
            self.short = None;
        }
        while self.lens.contains_key(&self.done) {
            self.done += 1;
        }
        self.lens = self.lens.split_off(&self.done.saturating_sub(CHUNK_WINDOW));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const FULL: u64 = CHUNK_SIZE as u64;

    fn admit(w: &mut Window, n: u32, len: u64) -> Result<Admit, Refusal> {
        let a = w.check(n, len)?;
        w.admit(n, len);
        Ok(a)
    }

    #[test]
    fn chunks_arrive_in_any_order_within_the_window() {
        let mut w = Window::default();
        for n in [2, 0, 3, 1] {
            assert_eq!(admit(&mut w, n, FULL), Ok(Admit::Fresh));
        }
        assert_eq!(w.done(), 4);
        // Beyond the window, and a chunk long forgotten, are out of order.
        assert_eq!(w.check(4 + CHUNK_WINDOW, FULL), Err(Refusal::OutOfOrder));
        admit(&mut w, 4 + CHUNK_WINDOW - 1, FULL).unwrap();
        assert_eq!(w.done(), 4, "a hole stays a hole");
        for n in 4..4 + CHUNK_WINDOW - 1 {
            admit(&mut w, n, FULL).unwrap();
        }
        assert_eq!(w.done(), 4 + CHUNK_WINDOW);
        assert_eq!(w.check(0, FULL), Err(Refusal::OutOfOrder));
        // A recent one may be sent again (its answer was lost).
        assert_eq!(w.check(w.done() - 1, FULL), Ok(Admit::Resend { old: FULL }));
    }

    #[test]
    fn a_short_chunk_is_the_last() {
        let mut w = Window::default();
        admit(&mut w, 0, FULL).unwrap();
        admit(&mut w, 2, FULL).unwrap();
        assert_eq!(w.check(1, 10), Err(Refusal::AfterLast), "not below another");
        admit(&mut w, 1, FULL).unwrap();
        admit(&mut w, 3, 10).unwrap();
        assert_eq!(w.check(4, FULL), Err(Refusal::AfterLast));
        assert_eq!(w.check(4, 10), Err(Refusal::AfterLast));
        // Re-sent whole, it is no longer the last.
        assert_eq!(admit(&mut w, 3, FULL), Ok(Admit::Resend { old: 10 }));
        assert_eq!(admit(&mut w, 4, 5), Ok(Admit::Fresh));
    }

    #[test]
    fn a_resumed_upload_continues_where_the_store_left_it() {
        let mut w = Window::resumed(2, &[3]);
        assert_eq!(w.done(), 2);
        assert_eq!(w.check(1, FULL), Ok(Admit::Resend { old: FULL }));
        admit(&mut w, 2, FULL).unwrap();
        assert_eq!(w.done(), 4);
    }
}
