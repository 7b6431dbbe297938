//! Opening a store: the tables made, the trust material recorded (the log key, the directory
//! served, a log entry for a directory not served before), and uploads that never finished
//! removed — except resumable ones, whose clients may come back.

use redb::ReadableTable;
use sha2::Digest;

use super::tlog;
use super::{StoreError, CHUNKS, PENDING, REPORTS, RESUMABLE, TRUST};
use crate::transparency::Entry;

/// Creates the tables and removes uploads that never finished (a crash or restart mid-upload),
/// except resumable ones, whose ids it returns (their clients may come back).
pub(super) fn init_and_sweep(
    db: &redb::Database,
    directory: &crate::keys::SignedDirectory,
    log_key: &crate::transparency::LogKey,
) -> Result<Vec<u128>, StoreError> {
    let mut kept = Vec::new();
    let txn = db.begin_write().map_err(StoreError::from_db)?;
    let hash = hex::encode(sha2::Sha256::digest(directory.bytes()));
    {
        let mut trust = txn.open_table(TRUST).map_err(StoreError::from_db)?;
        // Recorded from the first start, so a lost log key is noticed before the first
        // checkpoint too (receipts are signed from the first report).
        trust
            .insert("log.vkey", log_key.vkey().as_bytes())
            .map_err(StoreError::from_db)?;
        trust
            .insert("directory.json", directory.bytes())
            .map_err(StoreError::from_db)?;
        trust
            .insert("directory.sig", directory.signature())
            .map_err(StoreError::from_db)?;
        // A directory not served before is a log entry (a changed key is visible to auditors).
        let logged = trust
            .get("log.directory")
            .map_err(StoreError::from_db)?
            .is_some_and(|v| v.value() == hash.as_bytes());
        if !logged {
            trust
                .insert("log.directory", hash.as_bytes())
                .map_err(StoreError::from_db)?;
            // After every entry waiting (the queue is shuffled within a batch): the log then
            // orders every report sealed under the old directory before this leaf, and
            // `audit store` checks each against the directory it was sealed for.
            tlog::queue_last(
                &txn,
                &Entry::Directory {
                    sha256: hash,
                    version: directory.directory().version,
                },
            )?;
        }
        let _ = txn.open_table(REPORTS).map_err(StoreError::from_db)?;
        let mut pending = txn.open_table(PENDING).map_err(StoreError::from_db)?;
        let mut chunks = txn.open_table(CHUNKS).map_err(StoreError::from_db)?;
        let resumable = txn.open_table(RESUMABLE).map_err(StoreError::from_db)?;
        let ids: Vec<u128> = pending
            .iter()
            .map_err(StoreError::from_db)?
            .filter_map(|r| r.ok().map(|(k, _)| k.value()))
            .collect();
        for id in ids {
            if resumable.get(id).map_err(StoreError::from_db)?.is_some() {
                kept.push(id);
                continue;
            }
            super::batch::delete_chunks(&mut chunks, id)?;
            pending.remove(id).map_err(StoreError::from_db)?;
        }
    }
    txn.commit().map_err(StoreError::from_db)?;
    Ok(kept)
}
