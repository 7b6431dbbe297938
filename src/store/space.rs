//! Room on disk: a write is admitted only if, after it, the data directory's filesystem keeps
//! a reserve free and the store stays under its cap. redb treats a failed write as fatal for
//! the open database (every later write fails until it is reopened), so the server refuses
//! with 507 *before* the disk is full rather than after.
//!
//! redb's file never shrinks: the pages of removed chunks (a cancelled or expired upload, a
//! deleted report) are reused by later writes instead, and the file grows in steps ahead of
//! its data. So the store's size is what it *holds* ([`Usage`]: the room of the chunks
//! present, counted when the store opens and kept by the writer as it writes and removes
//! them), not the file's length: a cancelled upload frees its room at once, without a restart.
//! The filesystem check credits only room freed since the store opened, which redb reuses
//! before it grows the file.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{Store, StoreError, CHUNK_SIZE, DB_FILE};

/// What the operator allows.
#[derive(Clone, Copy, Debug)]
pub struct SpacePolicy {
    /// Bytes that must stay free on the filesystem after a write.
    pub min_free: u64,
    /// Largest the store file may grow to, if capped.
    pub max_store: Option<u64>,
}

/// Room a stored value of `len` bytes takes in the file: redb places a large value, with its
/// page header, in a power-of-two run of 4 KiB pages (see `CHUNK_SIZE`).
pub(super) fn footprint(len: usize) -> u64 {
    (len as u64).saturating_add(4096).next_power_of_two()
}

/// What the store holds and what it can reuse, in bytes of file room.
#[derive(Debug, Default)]
pub struct Usage {
    /// Room of the chunks present.
    live: AtomicU64,
    /// Room freed since the store opened and not yet written again.
    freed: AtomicU64,
}

impl Usage {
    /// Counts the chunks present (reports from their metadata; unfinished uploads as whole
    /// chunks) when the store opens.
    pub(super) fn at_open(db: &redb::Database) -> Result<Usage, StoreError> {
        use redb::{ReadableDatabase, ReadableTable};
        let txn = db.begin_read().map_err(StoreError::from_db)?;
        let mut live = 0u64;
        let reports = txn
            .open_table(super::REPORTS)
            .map_err(StoreError::from_db)?;
        for row in reports.iter().map_err(StoreError::from_db)? {
            let (k, v) = row.map_err(StoreError::from_db)?;
            let meta = super::parse_meta(k.value(), v.value())?;
            let full = meta.size / CHUNK_SIZE as u64;
            let rest = (meta.size % CHUNK_SIZE as u64) as usize;
            live += full * footprint(CHUNK_SIZE) + if rest > 0 { footprint(rest) } else { 0 };
        }
        let pending = txn
            .open_table(super::PENDING)
            .map_err(StoreError::from_db)?;
        let chunks = txn.open_table(super::CHUNKS).map_err(StoreError::from_db)?;
        for row in pending.iter().map_err(StoreError::from_db)? {
            let id = row.map_err(StoreError::from_db)?.0.value();
            let n = chunks
                .range((id, 0)..=(id, u32::MAX))
                .map_err(StoreError::from_db)?
                .count() as u64;
            live += n * footprint(CHUNK_SIZE);
        }
        Ok(Usage {
            live: AtomicU64::new(live),
            freed: AtomicU64::new(0),
        })
    }

    /// After the file was compacted: it holds no freed room any more.
    pub(super) fn compacted(&self) {
        self.freed.store(0, Ordering::SeqCst);
    }

    /// After a committed batch: `freed` room of chunks removed, `written` room of chunks stored.
    pub(super) fn account(&self, freed: u64, written: u64) {
        let update = |a: &AtomicU64, up: u64, down: u64| {
            let _ = a.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(up).saturating_sub(down))
            });
        };
        update(&self.live, written, freed);
        update(&self.freed, freed, written);
    }
}

impl Store {
    /// Bytes free for unprivileged writes on the data directory's filesystem.
    pub fn free_bytes(&self) -> Option<u64> {
        let st = rustix::fs::statvfs(self.data.as_path()).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }

    /// Size of the store file.
    pub fn store_bytes(&self) -> u64 {
        std::fs::metadata(self.data.join(DB_FILE)).map_or(0, |m| m.len())
    }

    /// Room the store's chunks take (what `--max-store-mib` caps).
    pub fn held_bytes(&self) -> u64 {
        self.usage.live.load(Ordering::SeqCst)
    }

    /// `Ok` if `bytes` more can be written under `policy`; `Full` otherwise.
    pub fn room_for(&self, bytes: u64, policy: SpacePolicy) -> Result<(), StoreError> {
        // redb grows its file in steps; count twice the bytes to stay clear of the edge.
        let need = bytes.saturating_mul(2);
        let reusable = self
            .usage
            .freed
            .load(Ordering::SeqCst)
            .min(self.store_bytes());
        if let Some(free) = self.free_bytes() {
            if free.saturating_add(reusable) < need.saturating_add(policy.min_free) {
                return Err(StoreError::Full);
            }
        }
        if let Some(cap) = policy.max_store {
            // Metadata, the log and the mailboxes: a margin of 1 MiB and 1/32 of the data.
            let held = self.held_bytes();
            let used = held.saturating_add(held / 32).saturating_add(1024 * 1024);
            if used.saturating_add(need) > cap {
                return Err(StoreError::Full);
            }
        }
        Ok(())
    }
}
