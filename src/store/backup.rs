//! Backups: one consistent snapshot of the store as a single file, and its restore.
//!
//! The snapshot is taken inside one redb read transaction, so the server keeps accepting
//! reports while it is written and the file shows the store as it was at one instant: every
//! complete report with all its chunks, the recorded directory, the codename mailboxes, the
//! transparency log (entries, tree hashes, the queue, the signed checkpoint). The log's
//! signing key (`DATA/log.key`) is a secret and is not in the backup: keep it with the onion
//! service key; a restored store without it starts signing with a new key, which auditors see.
//! Uploads still in progress are left out (they were never acknowledged). Everything in it is
//! ciphertext or public: it is safe to keep off-site.
//!
//! Format `approdo.backup/v2`: the line `approdo.backup/v2\n`, then records — a tag byte and
//! length-prefixed fields (u32 little-endian lengths) — and an end record holding the number of
//! records and the SHA-256 of every byte before it. A truncated or altered file is refused.
//! The writer walks the table registry ([`super::schema::TABLES`]): every table a backup
//! copies is a section record followed by its rows, as redb encodes them, so a new table
//! needs no code here.
//!
//! | tag | fields |
//! | --- | --- |
//! | `S` | a table's name (each copied table once, in the registry's order, even when empty) |
//! | `G` | a row of that table: key, value (redb's encoding of their types); of an `OfReports` table (chunks, bindings, case records) only the rows of finished reports |
//! | `E` | record count (8 bytes LE), SHA-256 (32 bytes) — last |
//! | `X` | instead of `E`, from a running server that failed mid-stream: its message (`crate::admin`) |
//!
//! The same checks run while writing, verifying and restoring (`restore::Checker`): each row
//! is a valid encoding of its table's types, every report has all its chunks in order. Files
//! of the first format (`approdo.backup/v1`, a tag per kind of row) are still read (`v1`).
//!
//! A store holding a table this code does not know (a newer approdo) is refused rather than
//! backed up partially.

mod restore;
#[cfg(test)]
mod tests_hostile;
mod v1;

use std::io::Write;
use std::path::{Path, PathBuf};

use redb::{ReadableDatabase, TableHandle};
use sha2::{Digest, Sha256};

use super::schema::{Backup, TABLES};
use super::{Store, StoreError, DB_FILE, REPORTS};

pub use restore::{restore, verify_backup};

/// The first line of every backup file written now.
pub const MAGIC: &[u8] = b"approdo.backup/v2\n";
/// The first line of a backup of the first format (read, no longer written).
pub const MAGIC_V1: &[u8] = b"approdo.backup/v1\n";

/// Errors taking or restoring a backup.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Reading the store failed.
    #[error("reading the store: {0}")]
    Store(#[from] StoreError),
    /// The store has a table this version cannot back up.
    #[error("the store has a table {0:?} this approdo does not know how to back up; use the approdo version that serves it")]
    UnknownTable(String),
    /// Writing or reading the backup stream failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a complete, unaltered approdo backup.
    #[error("not a valid approdo backup: {0}")]
    Invalid(String),
    /// Restore would overwrite a store.
    #[error("{0} already holds a store; restore into an empty data directory")]
    NotEmpty(PathBuf),
    /// The server reported an error while writing the snapshot.
    #[error("the server could not finish the backup: {0}")]
    Server(String),
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

fn db_err(e: impl Into<redb::Error>) -> BackupError {
    BackupError::Store(StoreError::from_db(e))
}

/// What a backup holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// Complete reports.
    pub reports: u64,
    /// Their chunks.
    pub chunks: u64,
    /// Bytes of report ciphertext.
    pub bytes: u64,
    /// Replies waiting in codename mailboxes.
    pub replies: u64,
}

/// Writes records and hashes everything it writes.
struct Writer<W: Write> {
    out: W,
    hash: Sha256,
    records: u64,
}

impl<W: Write> Writer<W> {
    fn raw(&mut self, bytes: &[u8]) -> Result<(), BackupError> {
        self.hash.update(bytes);
        self.out
            .write_all(bytes)
            .map_err(io_err("writing the backup"))
    }

    fn record(&mut self, tag: u8, fields: &[&[u8]]) -> Result<(), BackupError> {
        self.raw(&[tag])?;
        for f in fields {
            let len = u32::try_from(f.len())
                .map_err(|_| BackupError::Invalid("a field over 4 GiB".into()))?;
            self.raw(&len.to_le_bytes())?;
            self.raw(f)?;
        }
        self.records += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<W, BackupError> {
        let digest = self.hash.clone().finalize();
        self.out
            .write_all(b"E")
            .and_then(|()| self.out.write_all(&self.records.to_le_bytes()))
            .and_then(|()| self.out.write_all(&digest))
            .and_then(|()| self.out.flush())
            .map_err(io_err("writing the backup"))?;
        Ok(self.out)
    }
}

/// A check of the rows being written failed: the store is at fault, not a backup file.
fn inconsistent(e: BackupError) -> BackupError {
    match e {
        BackupError::Invalid(why) => {
            BackupError::Store(StoreError::Db(format!("the store is inconsistent: {why}")))
        }
        e => e,
    }
}

/// Writes a snapshot of everything `txn` sees to `out`.
fn snapshot<W: Write>(txn: &redb::ReadTransaction, out: W) -> Result<BackupSummary, BackupError> {
    for table in txn.list_tables().map_err(db_err)? {
        let name = table.name();
        if super::schema::table_named(name).is_none() {
            return Err(BackupError::UnknownTable(name.to_owned()));
        }
    }
    if txn.list_multimap_tables().map_err(db_err)?.next().is_some() {
        return Err(BackupError::UnknownTable("(a multimap table)".into()));
    }
    let mut w = Writer {
        out,
        hash: Sha256::new(),
        records: 0,
    };
    w.raw(MAGIC)?;
    // The checks a restore makes, made now: a store that would not restore is not backed up.
    let mut check = restore::Checker::default();
    let reports = match txn.open_table(REPORTS) {
        Ok(t) => Some(t),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(db_err(e)),
    };
    // A row of an `OfReports` table whose report is not finished (an upload in progress).
    let unfinished = |key: &[u8]| -> Result<bool, BackupError> {
        let id = key
            .get(..16)
            .and_then(|b| b.try_into().ok())
            .map(u128::from_le_bytes)
            .ok_or_else(|| BackupError::Invalid("a key without its report id".into()))?;
        match &reports {
            Some(t) => Ok(t.get(id).map_err(db_err)?.is_none()),
            None => Ok(true),
        }
    };
    for table in TABLES.iter().filter(|t| t.backup != Backup::Skipped) {
        w.record(b'S', &[table.name.as_bytes()])?;
        check.table(table.name.as_bytes())?;
        let of_reports = table.backup == Backup::OfReports;
        table.rows.each(txn, &mut |key, value| {
            if of_reports && unfinished(key)? {
                return Ok(());
            }
            check.row(key, value).map_err(inconsistent)?;
            w.record(b'G', &[key, value])
        })?;
    }
    let summary = check.end().map_err(inconsistent)?;
    w.finish()?;
    Ok(summary)
}

impl Store {
    /// Writes a consistent snapshot of the live store to `out` (blocking; the server keeps
    /// serving meanwhile).
    pub fn backup_blocking(&self, out: impl Write) -> Result<BackupSummary, BackupError> {
        let txn = self.db.get().begin_read().map_err(db_err)?;
        snapshot(&txn, out)
    }
}

/// Backs up the store in `data` while no server has it open (redb locks the file of a running
/// server: use its admin socket then, see `approdo backup`).
pub fn backup_offline(data: &Path, out: impl Write) -> Result<BackupSummary, BackupError> {
    let path = data.join(DB_FILE);
    let db = redb::ReadOnlyDatabase::open(&path).map_err(db_err)?;
    let txn = db.begin_read().map_err(db_err)?;
    snapshot(&txn, out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::keys::demo;
    use crate::model::{Day, MailboxId};

    #[tokio::test]
    async fn round_trip_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a"), &demo::directory().unwrap()).unwrap();
        store
            .put_partner_reply(
                MailboxId([7; 32]),
                Day(20_000),
                "cav-milano",
                false,
                b"sealed".to_vec(),
            )
            .await
            .unwrap();
        let mut file = Vec::new();
        let summary = store.backup_blocking(&mut file).unwrap();
        assert_eq!(summary.replies, 1);
        assert_eq!(verify_backup(file.as_slice()).unwrap(), summary);

        let restored = dir.path().join("b");
        assert_eq!(restore(file.as_slice(), &restored).unwrap(), summary);
        assert!(matches!(
            restore(file.as_slice(), &restored),
            Err(BackupError::NotEmpty(_))
        ));
        // The log key is not in the backup: without it the copy is not served (no second log).
        assert!(matches!(
            Store::open(&restored, &demo::directory().unwrap()),
            Err(StoreError::LogKey(_))
        ));
        std::fs::copy(dir.path().join("a/log.key"), restored.join("log.key")).unwrap();
        let copy = Store::open(&restored, &demo::directory().unwrap()).unwrap();
        // Every table the registry marks copied holds as many rows as in the original; a
        // skipped one holds none.
        let (before, after) = (
            super::super::schema::row_counts(&store.db.get().begin_read().unwrap()).unwrap(),
            super::super::schema::row_counts(&copy.db.get().begin_read().unwrap()).unwrap(),
        );
        for (table, rows) in before {
            let want = match table.backup {
                super::super::schema::Backup::Copied | super::super::schema::Backup::OfReports => {
                    rows
                }
                super::super::schema::Backup::Skipped => 0,
            };
            let got = after
                .iter()
                .find(|(t, _)| t.name == table.name)
                .map(|(_, n)| *n);
            assert_eq!(got.unwrap_or(0), want, "{}", table.name);
        }
        let replies = copy.mailbox_blocking(MailboxId([7; 32])).unwrap();
        assert_eq!(replies[0].sealed, b"sealed");
        let partners = copy.mailbox_partners_blocking(MailboxId([7; 32])).unwrap();
        assert_eq!(partners, ["cav-milano"]);

        // A table this version does not know (a newer approdo's) is never skipped silently.
        const NEW: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("newer");
        let txn = store.db.get().begin_write().unwrap();
        txn.open_table(NEW).unwrap().insert(1, 1).unwrap();
        txn.commit().unwrap();
        assert!(matches!(
            store.backup_blocking(&mut Vec::new()),
            Err(BackupError::UnknownTable(t)) if t == "newer"
        ));
    }

    /// Chunks of an upload still in progress are not in a backup (they were never
    /// acknowledged), and do not stop it.
    #[tokio::test]
    async fn an_upload_in_progress_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a"), &demo::directory().unwrap()).unwrap();
        let mut upload = store.upload(Day(20_000));
        for _ in 0..2 {
            let chunk = bytes::Bytes::from(vec![7u8; crate::store::CHUNK_SIZE]);
            upload.write(chunk).await.unwrap();
        }
        let mut file = Vec::new();
        let summary = store.backup_blocking(&mut file).unwrap();
        assert_eq!((summary.reports, summary.chunks), (0, 0));
        assert!(file.len() < 64 * 1024, "{} bytes", file.len());
        assert_eq!(verify_backup(file.as_slice()).unwrap(), summary);
        drop(upload);
    }
}
