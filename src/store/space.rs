//! Room on disk: a write is admitted only if, after it, the data directory's filesystem keeps
//! a reserve free and the store stays under its cap. redb treats a failed write as fatal for
//! the open database (every later write fails until it is reopened), so the server refuses
//! with 507 *before* the disk is full rather than after.
//!
//! redb's file never shrinks: the pages of removed chunks (a cancelled or expired upload, a
//! deleted report) are reused by later writes instead. So "used" is the file's size less what
//! the store can reuse, counted by the writer as it removes and writes chunks
//! ([`Reusable`]): a cancelled upload frees its room at once, without a restart. The count
//! starts at zero when the store opens (the file's size is then the conservative truth).

use std::sync::atomic::{AtomicU64, Ordering};

use super::{Store, StoreError, DB_FILE};

/// What the operator allows.
#[derive(Clone, Copy, Debug)]
pub struct SpacePolicy {
    /// Bytes that must stay free on the filesystem after a write.
    pub min_free: u64,
    /// Largest the store file may grow to, if capped.
    pub max_store: Option<u64>,
}

/// Bytes inside the store file that removed chunks left and later writes have not yet taken
/// back (an estimate: redb reuses freed pages before it grows the file).
#[derive(Debug, Default)]
pub struct Reusable(AtomicU64);

impl Reusable {
    /// After a committed batch: `freed` bytes of chunks removed, `written` bytes stored.
    pub(super) fn account(&self, freed: u64, written: u64) {
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(freed).saturating_sub(written))
            });
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
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

    /// Bytes inside the store file the store can reuse (see [`Reusable`]), at most the file.
    pub fn reusable_bytes(&self) -> u64 {
        self.reusable.get().min(self.store_bytes())
    }

    /// `Ok` if `bytes` more can be written under `policy`; `Full` otherwise.
    pub fn room_for(&self, bytes: u64, policy: SpacePolicy) -> Result<(), StoreError> {
        // redb grows its file in steps; count twice the bytes to stay clear of the edge.
        let need = bytes.saturating_mul(2);
        let reusable = self.reusable_bytes();
        if let Some(free) = self.free_bytes() {
            if free.saturating_add(reusable) < need.saturating_add(policy.min_free) {
                return Err(StoreError::Full);
            }
        }
        if let Some(cap) = policy.max_store {
            let used = self.store_bytes().saturating_sub(reusable);
            if used.saturating_add(need) > cap {
                return Err(StoreError::Full);
            }
        }
        Ok(())
    }
}
