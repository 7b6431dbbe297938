//! The transparency log's tables in the store: queueing inside the writer's transactions,
//! integration at the interval, and reads for the HTTP routes (checkpoint, tiles, proofs).
//! The store owns them like every other table ([`super::schema`]); the pure parts (leaves,
//! signing, tile paths, verification) are [`crate::transparency`]'s, which knows no store.
//!
//! Tables: `log_queue` (random u128 → entry, waiting), `log_entries` (index → entry),
//! `log_hashes` (stored-hash index → 32 bytes, as `tlog_tiles::stored_hashes` lays them out),
//! `log_by_report` (report id → index of its `stored` entry). The signed checkpoint and the
//! verifier key live in the `trust` table (`log.checkpoint`, `log.vkey`).

use redb::{ReadableTable, ReadableTableMetadata, TableDefinition};
use tlog_tiles::{Hash, HashReader, Tile};

use super::{StoreError, TRUST};
use crate::transparency::{heartbeat, Entry, LogKey, TILE_HEIGHT};

pub(crate) use super::schema::{LOG_BY_REPORT, LOG_ENTRIES, LOG_HASHES, LOG_QUEUE};

fn db(e: impl Into<redb::Error>) -> StoreError {
    StoreError::from_db(e)
}

/// Queues an entry in the writer's transaction.
pub(crate) fn queue(txn: &redb::WriteTransaction, entry: &Entry) -> Result<(), StoreError> {
    let mut q = txn.open_table(LOG_QUEUE).map_err(db)?;
    q.insert(rand::random::<u128>(), entry.to_bytes().as_slice())
        .map_err(db)?;
    Ok(())
}

/// Random keys fall in the top 2^32 with probability 2^-96: this range is [`queue_last`]'s.
const LAST_BASE: u128 = u128::MAX - (1 << 32);

/// Where an entry goes within one integrated batch: a report's `stored` entry before its
/// acknowledgement, the acknowledgement before its deletion (a report pulled within the
/// interval it arrived in is all three in one batch; the random keys alone would put an
/// `ack` before its `stored` half of the time, which every auditor reports as an
/// acknowledgement of a report never stored), and [`queue_last`]'s entries after all of them.
/// Within a rank the random order stays.
fn batch_rank(key: u128, data: &[u8]) -> u8 {
    if key >= LAST_BASE {
        return 3;
    }
    match Entry::parse(data) {
        Ok(Entry::Stored { .. }) | Ok(Entry::Directory { .. }) | Err(_) => 0,
        Ok(Entry::Ack { .. }) => 1,
        Ok(Entry::Deleted { .. }) => 2,
    }
}

/// Queues an entry so that it is integrated after every entry queued before it (and after
/// every random-keyed one queued later in the same batch): the queue is otherwise shuffled
/// (random keys) so a batch does not reveal the order of submissions. Used for a new directory
/// version, so that the log orders the reports sealed under the old directory before it
/// without an early checkpoint (which would reveal the restart's time).
pub(crate) fn queue_last(txn: &redb::WriteTransaction, entry: &Entry) -> Result<(), StoreError> {
    let mut q = txn.open_table(LOG_QUEUE).map_err(db)?;
    let last = q.last().map_err(db)?.map(|(k, _)| k.value());
    let key = match last {
        Some(k) if k >= LAST_BASE => k.checked_add(1).ok_or_else(|| {
            db(redb::StorageError::Corrupted(
                "the log queue is full".into(),
            ))
        })?,
        _ => LAST_BASE,
    };
    q.insert(key, entry.to_bytes().as_slice()).map_err(db)?;
    Ok(())
}

/// Reads stored hashes from a table (written or read-only).
pub struct TableHashes<'a, T>(pub &'a T);

impl<T: ReadableTable<u64, &'static [u8]>> HashReader for TableHashes<'_, T> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                let v = self
                    .0
                    .get(i)
                    .map_err(|_| tlog_tiles::Error::IndexesNotInTree)?
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)?;
                <[u8; 32]>::try_from(v.value())
                    .map(Hash)
                    .map_err(|_| tlog_tiles::Error::MalformedHash)
            })
            .collect()
    }
}

/// Appends every queued entry and signs a new checkpoint for `time` (seconds since the epoch,
/// an interval boundary); with nothing queued, still once [`heartbeat`] has passed since the
/// last checkpoint's time, so a checkpoint that keeps its time is a frozen log, not a quiet
/// one (issue 18). Returns the new tree size.
pub(crate) fn integrate(
    txn: &redb::WriteTransaction,
    key: &LogKey,
    time: u64,
    interval: u64,
) -> Result<u64, StoreError> {
    let mut queue = txn.open_table(LOG_QUEUE).map_err(db)?;
    let mut entries = txn.open_table(LOG_ENTRIES).map_err(db)?;
    let mut hashes = txn.open_table(LOG_HASHES).map_err(db)?;
    let mut by_report = txn.open_table(LOG_BY_REPORT).map_err(db)?;
    let mut trust = txn.open_table(TRUST).map_err(db)?;
    let mut size = entries.len().map_err(db)?;
    let mut waiting: Vec<(u8, Vec<u8>)> = queue
        .iter()
        .map_err(db)?
        .map(|r| r.map(|(k, v)| (batch_rank(k.value(), v.value()), v.value().to_vec())))
        .collect::<Result<_, _>>()
        .map_err(db)?;
    waiting.sort_by_key(|(rank, _)| *rank);
    let last = trust
        .get("log.checkpoint")
        .map_err(db)?
        .map(|v| crate::transparency::key::note_time(v.value()));
    if let Some(last) = last {
        let due = last.is_none_or(|t| time >= t.saturating_add(heartbeat(interval)));
        if waiting.is_empty() && !due {
            return Ok(size);
        }
    }
    queue.retain(|_, _| false).map_err(db)?;
    for (_, data) in waiting {
        let new = tlog_tiles::stored_hashes(size, &data, &TableHashes(&hashes))
            .map_err(|e| StoreError::Db(format!("log: {e}")))?;
        let base = tlog_tiles::stored_hash_index(0, size);
        for (i, h) in new.iter().enumerate() {
            hashes.insert(base + i as u64, h.0.as_slice()).map_err(db)?;
        }
        if let Ok(Entry::Stored { id, .. }) = Entry::parse(&data) {
            if let Ok(id) = u128::from_str_radix(&id, 16) {
                by_report.insert(id, size).map_err(db)?;
            }
        }
        entries.insert(size, data.as_slice()).map_err(db)?;
        size += 1;
    }
    let root = tlog_tiles::tree_hash(size, &TableHashes(&hashes))
        .map_err(|e| StoreError::Db(format!("log: {e}")))?;
    let checkpoint = key
        .sign_checkpoint_at(size, root, time)
        .map_err(|e| StoreError::Db(e.to_string()))?;
    trust
        .insert("log.checkpoint", checkpoint.as_slice())
        .map_err(db)?;
    trust
        .insert("log.vkey", key.vkey().as_bytes())
        .map_err(db)?;
    Ok(size)
}

/// What the HTTP routes read, in one read transaction.
pub struct LogView {
    txn: redb::ReadTransaction,
}

impl LogView {
    pub(crate) fn new(txn: redb::ReadTransaction) -> Self {
        LogView { txn }
    }

    fn open<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        t: TableDefinition<K, V>,
    ) -> Result<Option<redb::ReadOnlyTable<K, V>>, StoreError> {
        match self.txn.open_table(t) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(db(e)),
        }
    }

    /// The latest signed checkpoint.
    pub fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(trust) = self.open(TRUST)? else {
            return Ok(None);
        };
        Ok(trust
            .get("log.checkpoint")
            .map_err(db)?
            .map(|v| v.value().to_vec()))
    }

    /// Tree size of the latest checkpoint (the entries integrated).
    pub fn size(&self) -> Result<u64, StoreError> {
        match self.open(LOG_ENTRIES)? {
            Some(t) => t.len().map_err(db),
            None => Ok(0),
        }
    }

    /// The bytes of a tile (hashes, or an entry bundle), if the tree has it.
    pub fn tile(&self, tile: &Tile) -> Result<Option<Vec<u8>>, StoreError> {
        let size = self.size()?;
        let width = u64::from(tile.width());
        let end = ((tile.level_index() << TILE_HEIGHT) + width)
            << (u32::from(TILE_HEIGHT) * u32::from(tile.level()));
        if width == 0 || end > size {
            return Ok(None);
        }
        if tile.is_data() {
            let Some(entries) = self.open(LOG_ENTRIES)? else {
                return Ok(None);
            };
            let start = tile.level_index() << TILE_HEIGHT;
            let mut out = Vec::new();
            for i in start..start + width {
                let Some(v) = entries.get(i).map_err(db)? else {
                    return Ok(None);
                };
                let data = v.value();
                let len = u16::try_from(data.len())
                    .map_err(|_| StoreError::Db("log entry too long".into()))?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(data);
            }
            return Ok(Some(out));
        }
        let Some(hashes) = self.open(LOG_HASHES)? else {
            return Ok(None);
        };
        tile.read_data(&TableHashes(&hashes))
            .map(Some)
            .map_err(|e| StoreError::Db(format!("log: {e}")))
    }

    /// The index of a report's `stored` entry, once integrated.
    pub fn index_of(&self, id: u128) -> Result<Option<u64>, StoreError> {
        let Some(t) = self.open(LOG_BY_REPORT)? else {
            return Ok(None);
        };
        Ok(t.get(id).map_err(db)?.map(|v| v.value()))
    }

    /// An inclusion proof of entry `n` in the tree of `size` leaves.
    pub fn prove(&self, size: u64, n: u64) -> Result<Vec<Hash>, StoreError> {
        let Some(hashes) = self.open(LOG_HASHES)? else {
            return Err(StoreError::NotFound);
        };
        tlog_tiles::prove_record(size, n, &TableHashes(&hashes))
            .map_err(|e| StoreError::Db(format!("log: {e}")))
    }

    /// The entry at `n`.
    pub fn entry(&self, n: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(t) = self.open(LOG_ENTRIES)? else {
            return Ok(None);
        };
        Ok(t.get(n).map_err(db)?.map(|v| v.value().to_vec()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{ReportState, Store};
    use crate::keys::demo;
    use crate::model::ReportId;
    use crate::transparency::Entry;

    async fn put(store: &Store) -> ReportId {
        crate::store::testing::put_report(store, 100).await
    }

    /// A report stored, acknowledged and deleted within one interval is logged in that order,
    /// whatever the random keys (the CI failure of stop 24: an `ack` integrated before its
    /// `stored`, which `audit log` rightly reported).
    #[tokio::test]
    async fn one_batch_keeps_stored_before_ack_before_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &demo::directory().unwrap()).unwrap();
        let mut ids = Vec::new();
        for i in 0..24 {
            let id = put(&store).await;
            store
                .set_state(id, "cav-milano", ReportState::Acknowledged, None)
                .await
                .unwrap();
            if i % 2 == 0 {
                store.delete(id, "cav-milano").await.unwrap();
            }
            ids.push(id.to_string());
        }
        store.integrate_log(1_000_000, 60).await.unwrap();
        let view = store.log_view_blocking().unwrap();
        let mut seen = std::collections::BTreeMap::<String, Vec<&str>>::new();
        for n in 0..view.size().unwrap() {
            let entry = Entry::parse(&view.entry(n).unwrap().unwrap()).unwrap();
            let (id, kind) = match entry {
                Entry::Stored { id, .. } => (id, "stored"),
                Entry::Ack { id, .. } => (id, "ack"),
                Entry::Deleted { id, .. } => (id, "deleted"),
                Entry::Directory { .. } => continue,
            };
            seen.entry(id).or_default().push(kind);
        }
        for (i, id) in ids.iter().enumerate() {
            let want: &[&str] = if i % 2 == 0 {
                &["stored", "ack", "deleted"]
            } else {
                &["stored", "ack"]
            };
            assert_eq!(seen[id], want, "report {id}");
        }
    }
}
