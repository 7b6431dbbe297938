//! Chunks of a resumable upload that arrived above a gap (the window lets a few overtake each
//! other), kept in memory until the gap fills, so that the writer hashes them from memory on a
//! second thread instead of reading them back from the file and hashing them itself (issue
//! 16: with four chunks in flight most arrive out of order, and the read-back was a tenth of
//! the writer's time). Bounded across all uploads by [`MAX_HELD_BYTES`]: past it a chunk is
//! not kept and is read back as before, so an upload that never fills its gap costs this
//! budget, never more memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use super::CHUNK_SIZE;

/// Most bytes of chunks kept above a gap, all uploads together (16 chunks).
pub const MAX_HELD_BYTES: usize = 16 * CHUNK_SIZE;

/// The bytes held now, shared by every upload's progress.
#[derive(Clone, Default)]
pub(crate) struct Budget(Arc<AtomicUsize>);

impl Budget {
    /// Keeps `bytes` if the budget allows.
    pub(crate) fn hold(&self, bytes: &Bytes) -> Option<Held> {
        let len = bytes.len();
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (now + len <= MAX_HELD_BYTES).then_some(now + len)
            })
            .ok()?;
        Some(Held {
            bytes: bytes.clone(),
            budget: self.clone(),
        })
    }

    /// Bytes held now.
    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }
}

/// One chunk kept; its bytes go back to the budget when it is dropped.
pub(crate) struct Held {
    bytes: Bytes,
    budget: Budget,
}

impl Held {
    /// The chunk's bytes (shared, not copied).
    pub(crate) fn into_bytes(self) -> Bytes {
        self.bytes.clone()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.0.fetch_sub(self.bytes.len(), Ordering::AcqRel);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{ChunkRoot, Sha256};
    use crate::store::progress::{advance, Progress};
    use crate::store::schema::CHUNKS;

    /// Chunks 2, 1, 3 then 0: within the budget every chunk above the gap is hashed from
    /// memory and given back, past it read back, to the same digest. A chunk above the gap
    /// re-sent with other bytes is hashed as re-sent, even when only dropping its first bytes
    /// makes room for the second.
    #[test]
    fn chunks_above_a_gap_are_hashed_from_memory_within_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        let table = std::cell::RefCell::new(txn.open_table(CHUNKS).unwrap());
        let parts: Vec<Bytes> = (0..4u8)
            .map(|n| Bytes::from(vec![n; if n == 3 { 10 } else { CHUNK_SIZE }]))
            .collect();
        let file: Vec<u8> = parts.concat();
        let send = |budget: &Budget, order: &[(usize, &Bytes)]| {
            let mut p = Some(Progress::new());
            for &(n, data) in order {
                // Stored first, as the writer does.
                table.borrow_mut().insert((7, n as u32), &data[..]).unwrap();
                let now = p.take().unwrap();
                let t = table.borrow();
                p = advance(&t, 7, now, n as u32, data, Sha256::digest(data), budget).unwrap();
                p.as_ref()?;
            }
            p.and_then(|p| p.digest())
        };
        let in_order: Vec<(usize, &Bytes)> = [2, 1, 3, 0].iter().map(|&n| (n, &parts[n])).collect();
        let budget = Budget::default();
        let d = send(&budget, &in_order).unwrap();
        assert_eq!(d.sha256, Sha256::digest(&file));
        assert_eq!(d.root, ChunkRoot::of(&file, CHUNK_SIZE as u32));
        assert_eq!(budget.used(), 0, "all given back once hashed");

        let other = Bytes::from(vec![9u8; CHUNK_SIZE]);
        let resending = [
            (1, &parts[1]),
            (2, &parts[2]),
            (3, &parts[3]),
            (1, &other),
            (0, &parts[0]),
        ];
        let d = send(&budget, &resending).unwrap();
        let resent: Vec<u8> = [&parts[0][..], &other[..], &parts[2][..], &parts[3][..]].concat();
        assert_eq!(
            d.sha256,
            Sha256::digest(&resent),
            "the re-sent bytes, not the first"
        );
        assert_eq!(budget.used(), 0);

        // Past the budget the chunks above the gap are read back: the same digest.
        let full = Budget::default();
        let mut taken: Vec<Held> = (0..16).filter_map(|_| full.hold(&parts[0])).collect();
        assert_eq!(
            send(&full, &in_order).unwrap(),
            send(&budget, &in_order).unwrap()
        );
        // Room for one chunk: chunk 1 is held, then re-sent with other bytes; its first bytes
        // make room for the second, and are never hashed in their place.
        taken.pop();
        assert_eq!(
            send(&full, &resending).unwrap().sha256,
            Sha256::digest(&resent)
        );
        assert_eq!(full.used(), 15 * CHUNK_SIZE);
    }

    #[test]
    fn the_budget_is_shared_bounded_and_given_back() {
        let budget = Budget::default();
        let chunk = Bytes::from(vec![7u8; CHUNK_SIZE]);
        let held: Vec<Held> = (0..16).filter_map(|_| budget.hold(&chunk)).collect();
        assert_eq!(held.len(), 16);
        assert!(budget.hold(&chunk).is_none(), "past the budget");
        assert_eq!(budget.used(), MAX_HELD_BYTES);
        drop(held);
        assert_eq!(budget.used(), 0);
        let one = budget.hold(&chunk);
        assert!(one.is_some());
        assert_eq!(one.map(Held::into_bytes), Some(chunk));
        assert_eq!(budget.used(), 0, "given back once taken out");
    }
}
