//! The officer's local vault: pulled reports kept **sealed at rest**.
//!
//! Layout of a vault folder (0700, files 0600):
//!
//! * `reports/<id>.age` — each report's age file exactly as the server sent it (SHA-256 checked
//!   against the server's record before it is kept);
//! * `index.age` — what the inbox lists (day, urgency, safety, language, attachments), sealed
//!   to the officer's own recipients, so the folder names nothing readable but report ids;
//! * `tmp/` — files being written; each one is complete before `rename` moves it into place,
//!   and a vault opened after a crash empties it first (it only ever holds ciphertext);
//! * `.lock` — held (`flock`) by whoever syncs the vault.
//!
//! Nothing in this module writes plaintext: reports are opened only in memory
//! ([`crate::envelope::unpack_in_memory`]). The one way out in the clear is
//! [`Vault::export`], which the officer asks for on purpose, and which the index remembers
//! so that `approdo vault exports` lists it and `approdo vault wipe-exports` wipes it.

mod index;
mod sync;
mod wipe;

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub use index::{now_secs, rank, Entry, Export, Index};
pub use sync::{sync, SyncOptions, Synced};
pub use wipe::{wipe_file, wipe_tree};

use crate::envelope::{self, Limits, Opened};
use crate::keys::OfficerIdentity;
use crate::model::ReportId;

/// What can go wrong with a vault. Messages never hold report content.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// A file or folder of the vault could not be read or written.
    #[error("vault {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The index or a report did not open with the identity.
    #[error("the vault's {what} does not open with this identity ({source}); is it the identity that pulled it?")]
    Open {
        /// `index` or `report <id>`.
        what: String,
        /// Why.
        #[source]
        source: envelope::EnvelopeError,
    },
    /// Sealing the index failed.
    #[error("cannot seal the vault index: {0}")]
    Seal(#[source] envelope::EnvelopeError),
    /// The index opened but is not an index.
    #[error("the vault index is damaged: {0}")]
    Damaged(String),
    /// The vault holds no such report.
    #[error("the vault holds no report {0}; sync it first (approdo pull --vault DIR)")]
    Unknown(ReportId),
    /// Another process syncs this vault.
    #[error("the vault {0} is busy (another pull or desk syncs it); try again when it finishes")]
    Busy(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> VaultError + '_ {
    move |source| VaultError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An open vault folder.
#[derive(Debug)]
pub struct Vault {
    root: PathBuf,
}

/// The vault's lock, released on drop.
#[derive(Debug)]
pub struct Lock(#[allow(dead_code)] File);

impl Vault {
    /// Opens (creating, 0700) the vault at `root`; empties `tmp/`, where a killed writer may
    /// have left a partial (sealed) file.
    pub fn open(root: &Path) -> Result<Self, VaultError> {
        for dir in [root.to_path_buf(), root.join("reports"), root.join("tmp")] {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(io(&dir))?;
        }
        let v = Vault {
            root: root.to_path_buf(),
        };
        Ok(v)
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes the vault's lock (without waiting), and empties `tmp/` under it.
    pub fn lock(&self) -> Result<Lock, VaultError> {
        let path = self.root.join(".lock");
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(io(&path))?;
        rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive)
            .map_err(|_| VaultError::Busy(self.root.clone()))?;
        let tmp = self.root.join("tmp");
        for e in fs::read_dir(&tmp).map_err(io(&tmp))?.flatten() {
            let _ = fs::remove_file(e.path());
        }
        Ok(Lock(f))
    }

    /// Where report `id`'s age file is kept.
    pub fn report_path(&self, id: ReportId) -> PathBuf {
        self.root.join("reports").join(format!("{id}.age"))
    }

    /// The ids of the report files present (whatever the index says).
    pub fn ids_on_disk(&self) -> Result<Vec<ReportId>, VaultError> {
        let dir = self.root.join("reports");
        let mut ids = Vec::new();
        for e in fs::read_dir(&dir).map_err(io(&dir))?.flatten() {
            let name = e.file_name();
            let id = name
                .to_str()
                .and_then(|n| n.strip_suffix(".age"))
                .and_then(|n| n.parse::<ReportId>().ok());
            if let Some(id) = id {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Writes `bytes` to `dest` atomically: a new file in `tmp/` (0600), `sync_all`, `rename`.
    pub(crate) fn write_atomic(
        &self,
        dest: &Path,
        write: impl FnOnce(&mut File) -> std::io::Result<()>,
    ) -> Result<(), VaultError> {
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{:032x}", rand::random::<u128>()));
        let result = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            write(&mut f)?;
            f.flush()?;
            f.sync_all()?;
            fs::rename(&tmp, dest)?;
            if let Some(parent) = dest.parent() {
                File::open(parent)?.sync_all()?;
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(io(dest))
    }

    /// A new file in `tmp/` for a download in progress (moved in by [`Vault::keep`]).
    pub(crate) fn temp_file(&self) -> Result<(PathBuf, File), VaultError> {
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{:032x}.part", rand::random::<u128>()));
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io(&tmp))?;
        Ok((tmp, f))
    }

    /// Moves a complete, synced temp file in as report `id` (the folder is synced by
    /// [`Vault::sync_reports`] before the index names it).
    pub(crate) fn keep(&self, tmp: &Path, id: ReportId) -> Result<(), VaultError> {
        let dest = self.report_path(id);
        fs::rename(tmp, &dest).map_err(io(&dest))
    }

    /// Makes the renames into `reports/` durable.
    pub(crate) fn sync_reports(&self) -> Result<(), VaultError> {
        let dir = self.root.join("reports");
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&dir))
    }

    /// Removes report `id`'s file (overwritten first).
    pub fn remove(&self, id: ReportId) -> Result<(), VaultError> {
        let p = self.report_path(id);
        match wipe_file(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other.map_err(io(&p)),
        }
    }

    /// Opens report `id` in memory: its `report.json` and, if `want` names one, that attachment.
    pub fn open_report(
        &self,
        id: ReportId,
        ids: &[OfficerIdentity],
        want: Option<&str>,
    ) -> Result<Opened, VaultError> {
        let p = self.report_path(id);
        let f = match File::open(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::Unknown(id))
            }
            other => other.map_err(io(&p))?,
        };
        open_reader(BufReader::with_capacity(1 << 16, f), ids, want).map_err(|source| {
            VaultError::Open {
                what: format!("report {id}"),
                source,
            }
        })
    }

    /// Reads the sealed index (empty if there is none yet).
    pub fn load_index(&self, ids: &[OfficerIdentity]) -> Result<Index, VaultError> {
        Index::load(&self.root.join("index.age"), ids)
    }

    /// Seals and writes the index atomically.
    pub fn save_index(&self, index: &Index, ids: &[OfficerIdentity]) -> Result<(), VaultError> {
        let sealed = index.seal(ids)?;
        self.write_atomic(&self.root.join("index.age"), |f| f.write_all(&sealed))
    }

    /// Writes report `id` unpacked, in the clear, into `out/<id>/` (the officer asked for it),
    /// and records the export in the index.
    pub fn export(
        &self,
        id: ReportId,
        ids: &[OfficerIdentity],
        out: &Path,
        index: &mut Index,
    ) -> Result<PathBuf, VaultError> {
        let p = self.report_path(id);
        let f = File::open(&p).map_err(|_| VaultError::Unknown(id))?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(out)
            .map_err(io(out))?;
        let dest = out.join(id.to_string());
        let dest = std::path::absolute(&dest).unwrap_or(dest);
        // Recorded first: a kill while unpacking still leaves the export listed (and wipeable).
        index.exports.push(Export {
            id,
            path: dest.clone(),
        });
        self.save_index(index, ids)?;
        let ages: Vec<crate::agekeys::Identity> = ids.iter().map(|i| i.age().clone()).collect();
        envelope::open(BufReader::new(f), &ages)
            .and_then(|plain| envelope::unpack(plain, &dest, &Limits::default()))
            .map_err(|source| VaultError::Open {
                what: format!("report {id}"),
                source,
            })?;
        Ok(dest)
    }
}

/// Opens an age file of a report in memory.
pub fn open_reader(
    reader: impl std::io::BufRead,
    ids: &[OfficerIdentity],
    want: Option<&str>,
) -> Result<Opened, envelope::EnvelopeError> {
    let ages: Vec<crate::agekeys::Identity> = ids.iter().map(|i| i.age().clone()).collect();
    let plain = envelope::open(reader, &ages)?;
    envelope::unpack_in_memory(plain, want, &Limits::default())
}

/// Reads everything from `r` (helper for small sealed files).
pub(crate) fn read_all(mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    r.read_to_end(&mut v)?;
    Ok(v)
}
