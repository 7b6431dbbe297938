//! Room on disk: a write is admitted only if, after it, the data directory's filesystem keeps
//! a reserve free and the store stays under its cap. redb treats a failed write as fatal for
//! the open database (every later write fails until it is reopened), so the server refuses
//! with 507 *before* the disk is full rather than after.

use super::{Store, StoreError, DB_FILE};

/// What the operator allows.
#[derive(Clone, Copy, Debug)]
pub struct SpacePolicy {
    /// Bytes that must stay free on the filesystem after a write.
    pub min_free: u64,
    /// Largest the store file may grow to, if capped.
    pub max_store: Option<u64>,
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

    /// `Ok` if `bytes` more can be written under `policy`; `Full` otherwise.
    pub fn room_for(&self, bytes: u64, policy: SpacePolicy) -> Result<(), StoreError> {
        // redb grows its file in steps; count twice the bytes to stay clear of the edge.
        let need = bytes.saturating_mul(2);
        if let Some(free) = self.free_bytes() {
            if free < need.saturating_add(policy.min_free) {
                return Err(StoreError::Full);
            }
        }
        if let Some(cap) = policy.max_store {
            if self.store_bytes().saturating_add(need) > cap {
                return Err(StoreError::Full);
            }
        }
        Ok(())
    }
}
