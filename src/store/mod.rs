//! The ciphertext-only store: one redb file.
//!
//! Tables (declared below) hold report metadata, the age files cut into chunks of at most
//! 1 MiB, and the uploads still in progress. Every write goes through one writer thread that
//! batches commands into a single transaction (group commit): chunk writes are committed
//! without fsync, and a batch that completes a report is committed durably, which also makes
//! the chunks before it durable. Replies to codename mailboxes live in their own table
//! (`mailbox`). A report becomes visible only when its metadata row is
//! committed, so after a crash only whole reports exist; chunks of unfinished uploads are
//! removed when the store opens. A batch that deletes reports is followed by an erasure
//! (`erase`): the live rows are copied into a fresh file that replaces this one, so deleted
//! ciphertext does not linger in freed pages.
//!
//! The store owns every table, the transparency log's included (`tlog`: its queue, entries,
//! tree hashes, integration and the [`LogView`] the routes read); [`schema`] declares them
//! all — a new table is one line there, its types and what a backup and an audit do with it —
//! and the writer, backups, restores, erasures and `audit store` read that one list. Its rows
//! are its own ([`ReportMeta`]); the officer API lists [`crate::model::ReportSummary`]s made
//! from them.

mod backup;
mod batch;
mod binding;
mod cases;
mod chunks;
mod erase;
mod held;
mod init;
mod mailbox;
mod progress;
mod resumable;
mod retention;
pub mod schema;
mod space;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod tlog;
mod trust;
mod types;
mod upload;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};
use tokio::sync::{mpsc, oneshot};

use crate::model::{ReportId, ReportState};
pub use backup::{backup_offline, restore, verify_backup, BackupError, BackupSummary};
pub(crate) use cases::CASES;
pub use cases::MAX_PER_REPORT as MAX_CASES_PER_REPORT;
pub use chunks::ChunkScan;
pub(crate) use chunks::{parse_meta, scan_chunks};
pub use mailbox::MailboxMessage;
pub use progress::UploadDigest;
pub use resumable::{Assembled, Resume};
pub use retention::{run_retention, Deleted, DeletionReason, Sweep};
pub use space::SpacePolicy;
pub use tlog::LogView;
pub use trust::{
    check_log_key, recorded_directory, recorded_log_key, DirectoryFiles, COSIGNED_CHECKPOINT,
};
pub use types::ReportMeta;
pub use upload::Upload;
use writer::{Command, Op};

/// Size of a stored chunk (the last of a report may be shorter): 1 MiB less one 4 KiB page.
/// redb places a large value in a power-of-two region together with its page header, so an
/// exact 1 MiB value would occupy 2 MiB and every upload would be written twice
/// (BENCHMARKS.md, "chunk size").
pub const CHUNK_SIZE: usize = 1024 * 1024 - 4096;
/// How many chunks of one upload may be in flight at once: a new chunk is stored only within
/// this many of the first one missing ([`crate::http`]'s slots enforce it, the writer keeps a
/// looser backstop). Four reach the bandwidth floor over an emulated tor link (issue 16).
pub const CHUNK_WINDOW: u32 = 4;
/// Page cache of the redb file. Ciphertext is written once and read rarely: caching it buys
/// nothing and would grow the server's memory with every upload (redb's default is 1 GiB).
/// 4 MiB: as fast as 32 MiB for small and large uploads, 20+ MiB less peak memory
/// (BENCHMARKS.md, "against OnionShare").
pub const CACHE_BYTES: usize = 4 * 1024 * 1024;

pub(crate) use schema::{CHUNKS, PENDING, REPORTS, RESUMABLE, TRUST};

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "approdo.redb";

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The disk is full (or the file system refused to grow the file).
    #[error("storage is full")]
    Full,
    /// No report with this id (for this partner).
    #[error("no such report")]
    NotFound,
    /// A chunk arrived before the one it must follow.
    #[error("chunk out of order")]
    OutOfOrder,
    /// The stored chunks no longer match what finalisation validated and hashed.
    #[error("the upload changed while it was finalised")]
    Changed,
    /// The writer thread is gone (the server is shutting down).
    #[error("the store is closed")]
    Closed,
    /// A stored row does not parse.
    #[error("corrupt metadata for report {0}")]
    CorruptMeta(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Db(String),
    /// The store's transparency log was signed by a key that is not `DATA/log.key` (or that
    /// file is missing): serving would start a second log under the same store.
    #[error("{0}")]
    LogKey(String),
    /// The directory to serve is older than the one this store already served and logged.
    #[error(
        "the directory is version {version}, older than version {logged} this store already served \
         and logged; an older directory may list revoked keys, so the server will not go back: serve \
         the current signed directory, or sign a new one with a version above {logged}"
    )]
    OldDirectory { version: u64, logged: u64 },
    /// The data directory could not be prepared.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    pub(crate) fn from_db(e: impl Into<redb::Error>) -> Self {
        let e: redb::Error = e.into();
        let full = match &e {
            redb::Error::Io(io) => is_full(io),
            redb::Error::PreviousIo => true,
            _ => false,
        } || e.to_string().contains("No space left");
        if full {
            StoreError::Full
        } else {
            StoreError::Db(e.to_string())
        }
    }
}

fn is_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: erase::DbCell,
    tx: mpsc::UnboundedSender<Command>,
    writer: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
    resumable_at_open: Arc<Vec<u128>>,
    log_key: Arc<crate::transparency::LogKey>,
    data: Arc<PathBuf>,
    usage: Arc<space::Usage>,
    /// What the writer already hashed of each resumable upload.
    tracked: progress::Tracked,
}

/// Waits for the writer thread to finish after the last [`Store`] handle is gone, so the
/// database file is closed cleanly (the next open needs no repair).
pub struct Closer(Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>);

impl Closer {
    /// Waits up to `timeout`; returns whether the writer finished.
    pub fn wait(self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let handle = self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(handle) = handle else { return true };
        while !handle.is_finished() {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        handle.join().is_ok()
    }
}

impl Store {
    /// Opens (or creates) `data/approdo.redb`, records the directory it serves, removes
    /// unfinished uploads and starts the writer.
    pub fn open(
        data: &Path,
        directory: &crate::keys::SignedDirectory,
    ) -> Result<Store, StoreError> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data)
            .map_err(|source| StoreError::Io {
                path: data.to_owned(),
                source,
            })?;
        let file = data.join(DB_FILE);
        // Create it 0600 before redb opens it (redb would use the umask).
        {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&file)
                .map_err(|source| StoreError::Io {
                    path: file.clone(),
                    source,
                })?;
        }
        let db = redb::Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&file)
            .map_err(StoreError::from_db)?;
        erase::remove_leftover(data)?;
        trust::refuse_older_directory(&db, directory)?;
        let log_key = trust::open_log_key(&db, data)?;
        let resumable = init::init_and_sweep(&db, directory, &log_key)?;
        let usage = Arc::new(space::Usage::at_open(&db)?);
        let usage2 = usage.clone();
        let db = erase::DbCell::new(db);
        let (tx, rx) = mpsc::unbounded_channel();
        let db2 = db.clone();
        let dir = data.to_owned();
        let tracked = progress::Tracked::default();
        let tracked2 = tracked.clone();
        let handle = std::thread::Builder::new()
            .name("approdo-writer".into())
            .spawn(move || writer::run(db2, &dir, rx, usage2, tracked2))
            .map_err(|source| StoreError::Io {
                path: data.to_owned(),
                source,
            })?;
        Ok(Store {
            db,
            tx,
            writer: Arc::new(std::sync::Mutex::new(Some(handle))),
            resumable_at_open: Arc::new(resumable),
            log_key: Arc::new(log_key),
            data: Arc::new(data.to_owned()),
            usage,
            tracked,
        })
    }

    /// Something to wait on for a clean close once every other handle is dropped.
    pub fn closer(&self) -> Closer {
        Closer(self.writer.clone())
    }

    async fn call(&self, op: Op) -> Result<bool, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command {
                op,
                reply: Some(reply),
            })
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Sets a report's state, if it belongs to `partner`; an acknowledgement is logged with
    /// the officer's `(key, signature)` when given.
    pub async fn set_state(
        &self,
        id: ReportId,
        partner: &str,
        state: ReportState,
        signed: Option<(String, String)>,
    ) -> Result<(), StoreError> {
        let found = self
            .call(Op::SetState {
                id: id.0,
                partner: partner.to_owned(),
                state,
                signed,
            })
            .await?;
        if found {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Integrates the queued log entries and signs a checkpoint for `time` (a boundary of
    /// `interval` seconds); with nothing queued, only once a heartbeat has passed
    /// ([`crate::transparency::heartbeat`]).
    pub async fn integrate_log(&self, time: u64, interval: u64) -> Result<(), StoreError> {
        self.call(Op::IntegrateLog(self.log_key.clone(), time, interval))
            .await
            .map(|_| ())
    }

    /// The log's signing key (for receipts and the verifier key).
    pub fn log_key(&self) -> &crate::transparency::LogKey {
        &self.log_key
    }

    /// A consistent read view of the log, blocking.
    pub fn log_view_blocking(&self) -> Result<LogView, StoreError> {
        Ok(LogView::new(
            self.db.get().begin_read().map_err(StoreError::from_db)?,
        ))
    }

    /// A durable empty commit: proves the store is writable.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.call(Op::Ping).await.map(|_| ())
    }

    /// Metadata of every report (optionally of one partner), blocking.
    pub fn list_blocking(&self, partner: Option<&str>) -> Result<Vec<ReportMeta>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let table = txn.open_table(REPORTS).map_err(StoreError::from_db)?;
        let mut out = Vec::new();
        for row in table.iter().map_err(StoreError::from_db)? {
            let (k, v) = row.map_err(StoreError::from_db)?;
            let meta = parse_meta(k.value(), v.value())?;
            if partner.is_none_or(|p| meta.partner.as_str() == p) {
                out.push(meta);
            }
        }
        Ok(out)
    }

    /// Metadata of one report, blocking.
    pub fn meta_blocking(&self, id: ReportId) -> Result<ReportMeta, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let table = txn.open_table(REPORTS).map_err(StoreError::from_db)?;
        let v = table
            .get(id.0)
            .map_err(StoreError::from_db)?
            .ok_or(StoreError::NotFound)?;
        parse_meta(id.0, v.value())
    }

    /// One chunk of a report, blocking. `None` past the end.
    pub fn chunk_blocking(&self, id: ReportId, index: u32) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let table = txn.open_table(CHUNKS).map_err(StoreError::from_db)?;
        Ok(table
            .get((id.0, index))
            .map_err(StoreError::from_db)?
            .map(|v| v.value().to_vec()))
    }

    /// Number of unfinished uploads.
    pub fn pending_blocking(&self) -> Result<u64, StoreError> {
        let txn = self.db.get().begin_read().map_err(StoreError::from_db)?;
        let table = txn.open_table(PENDING).map_err(StoreError::from_db)?;
        table.len().map_err(StoreError::from_db)
    }
}
