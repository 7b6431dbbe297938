//! Deleting reports, and erasing them: a deleted report's ciphertext leaves the redb file, not
//! just the index.
//!
//! redb is copy-on-write: removing a row frees its pages, and their bytes stay in the file
//! until something happens to reuse them. `Database::compact` moves pages down and truncates,
//! but leaves freed regions it does not refill as they were, so it does not promise erasure
//! either. So after a batch that deleted reports, the writer thread — the only writer, at a
//! point where no write transaction is open — copies every live row into a fresh file
//! (`approdo.redb.erase`, 0600), commits it durably, renames it over `approdo.redb`, syncs the
//! directory and serves from it. Readers that began before keep their consistent view of the
//! old file until they finish; the old file's inode is freed with the last of them.
//!
//! The cost is one copy of the live store per erasure (deletions in one batch share it); it runs
//! when the writer has nothing else queued. A crash during the copy leaves the old file whole
//! and a partial `.erase` file, removed at the next open; a crash after the rename leaves the
//! complete new file. What this does not reach: blocks the file system or the SSD keep after
//! the old file is unlinked (full-disk encryption is the answer there, docs/operator.md).

use std::path::Path;
use std::sync::{Arc, RwLock};

use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use super::writer::Op;
use super::{ReportId, Store, StoreError, CACHE_BYTES, DB_FILE};

/// The temporary file an erasure writes before it replaces the store.
pub const ERASE_FILE: &str = "approdo.redb.erase";

/// Commit the copy every so many bytes (the write transaction's dirty pages stay bounded).
const COPY_COMMIT_BYTES: usize = 64 * 1024 * 1024;

impl Store {
    /// Deletes a report and its chunks, if it belongs to `partner` (an officer's request).
    pub async fn delete(&self, id: ReportId, partner: &str) -> Result<(), StoreError> {
        self.delete_because(id, partner, format!("deleted by an officer of {partner}"))
            .await
    }

    /// Deletes a report and its chunks, if it belongs to `partner`; `reason` goes into the
    /// transparency log in the same transaction.
    pub async fn delete_because(
        &self,
        id: ReportId,
        partner: &str,
        reason: String,
    ) -> Result<(), StoreError> {
        self.delete_then(id, partner, reason, true).await
    }

    /// The deletion; `erase`: erase the file (`erase`) once nothing else is queued. A sweep of
    /// many deletions passes `false` and erases once at the end ([`Store::erase_deleted`]).
    pub(super) async fn delete_then(
        &self,
        id: ReportId,
        partner: &str,
        reason: String,
        erase: bool,
    ) -> Result<(), StoreError> {
        let found = self
            .call(Op::Delete {
                id: id.0,
                partner: partner.to_owned(),
                reason,
                erase,
            })
            .await?;
        if found {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Erases deleted reports' bytes from the file once nothing else is queued (`erase`).
    pub async fn erase_deleted(&self) -> Result<(), StoreError> {
        self.call(Op::Erase).await.map(|_| ())
    }
}

/// Runs [`rewrite`], logging a failure (the deleted bytes then wait for the next erasure).
pub(crate) fn erase_logged(cell: &DbCell, data: &Path) {
    if let Err(e) = rewrite(cell, data) {
        eprintln!("approdo: erasing deleted reports from the store failed: {e}");
    }
}

/// The open database, replaced by its rewritten copy after an erasure.
#[derive(Clone)]
pub(crate) struct DbCell(Arc<RwLock<Arc<redb::Database>>>);

impl DbCell {
    pub(crate) fn new(db: redb::Database) -> Self {
        DbCell(Arc::new(RwLock::new(Arc::new(db))))
    }

    /// The database to begin a transaction on now.
    pub(crate) fn get(&self) -> Arc<redb::Database> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, db: redb::Database) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(db);
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Removes a copy a crash left half-written.
pub(crate) fn remove_leftover(data: &Path) -> Result<(), StoreError> {
    let tmp = data.join(ERASE_FILE);
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&tmp)(e)),
        _ => Ok(()),
    }
}

/// Copies every live row of the current database into a new file, puts it in the store's
/// place and serves from it. Call only from the writer thread, between transactions.
pub(crate) fn rewrite(cell: &DbCell, data: &Path) -> Result<(), StoreError> {
    let tmp = data.join(ERASE_FILE);
    remove_leftover(data)?;
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io(&tmp))?;
    }
    let copied = copy_into(&cell.get(), &tmp);
    let new = match copied {
        Ok(new) => new,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let file = data.join(DB_FILE);
    std::fs::rename(&tmp, &file).map_err(io(&file))?;
    std::fs::File::open(data)
        .and_then(|d| d.sync_all())
        .map_err(io(data))?;
    cell.set(new);
    Ok(())
}

fn copy_into(old: &redb::Database, tmp: &Path) -> Result<redb::Database, StoreError> {
    let new = redb::Database::builder()
        .set_cache_size(CACHE_BYTES)
        .create(tmp)
        .map_err(StoreError::from_db)?;
    let read = old.begin_read().map_err(StoreError::from_db)?;
    for t in read.list_tables().map_err(StoreError::from_db)? {
        if super::schema::table_named(t.name()).is_none() {
            return Err(StoreError::Db(format!(
                "erasure: unknown table {:?}, not rewriting",
                t.name()
            )));
        }
    }
    let mut copier = Copier {
        new: &new,
        txn: None,
        bytes: 0,
    };
    for table in super::schema::TABLES {
        table.rows.copy(&read, &mut copier)?;
    }
    let mut last = copier.take()?;
    last.set_durability(redb::Durability::Immediate)
        .map_err(StoreError::from_db)?;
    last.commit().map_err(StoreError::from_db)?;
    // Every table of the old file, with all its rows: a table the copy missed stops the
    // erasure instead of vanishing.
    let counts = |db: &redb::Database| {
        db.begin_read()
            .map_err(StoreError::from_db)
            .and_then(|t| super::schema::row_counts(&t).map_err(StoreError::Db))
            .map(|c| c.into_iter().map(|(t, n)| (t.name, n)).collect::<Vec<_>>())
    };
    let (mut before, mut after) = (counts(old)?, counts(&new)?);
    before.retain(|(_, n)| *n > 0);
    after.retain(|(_, n)| *n > 0);
    before.sort_unstable();
    after.sort_unstable();
    if before != after {
        return Err(StoreError::Db(format!(
            "erasure: the copy differs from the store ({before:?} → {after:?}), not replacing it"
        )));
    }
    Ok(new)
}

/// Copies tables into the new file in transactions of about [`COPY_COMMIT_BYTES`].
pub(crate) struct Copier<'a> {
    new: &'a redb::Database,
    txn: Option<redb::WriteTransaction>,
    bytes: usize,
}

impl Copier<'_> {
    fn take(&mut self) -> Result<redb::WriteTransaction, StoreError> {
        match self.txn.take() {
            Some(t) => Ok(t),
            None => self.new.begin_write().map_err(StoreError::from_db),
        }
    }

    /// Copies every row of `def` (nothing if the old file lacks it).
    pub(crate) fn table<K: redb::Key + 'static, V: redb::Value + 'static>(
        &mut self,
        read: &redb::ReadTransaction,
        def: TableDefinition<K, V>,
    ) -> Result<(), StoreError> {
        let src = match read.open_table(def) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(StoreError::from_db(e)),
        };
        let mut rows = src.iter().map_err(StoreError::from_db)?;
        loop {
            let mut txn = self.take()?;
            txn.set_durability(redb::Durability::None)
                .map_err(StoreError::from_db)?;
            let mut done = true;
            {
                let mut dst = txn.open_table(def).map_err(StoreError::from_db)?;
                for row in rows.by_ref() {
                    let (k, v) = row.map_err(StoreError::from_db)?;
                    let (k, v) = (k.value(), v.value());
                    self.bytes += K::as_bytes(&k).as_ref().len() + V::as_bytes(&v).as_ref().len();
                    dst.insert(k, v).map_err(StoreError::from_db)?;
                    if self.bytes >= COPY_COMMIT_BYTES {
                        done = false;
                        break;
                    }
                }
            }
            if done {
                self.txn = Some(txn);
                return Ok(());
            }
            txn.commit().map_err(StoreError::from_db)?;
            self.bytes = 0;
        }
    }
}
