//! Reading a backup back: the framing every version shares (tagged records of length-prefixed
//! fields, an end record with the count and the SHA-256 of everything before it, an `X` record
//! when the server failed mid-stream), the checks of a v2 file ([`Checker`], also run while a
//! backup is written) and its restore, which walks the table registry like the writer: a
//! section record opens a registered table, each row record goes into it. A v1 file is read by
//! [`super::v1`]. [`verify_backup`] only checks; [`restore`] also writes a new store, which
//! appears under its final name only once the whole file has verified.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use redb::Value;
use sha2::{Digest, Sha256};

use super::{db_err, io_err, BackupError, BackupSummary, MAGIC, MAGIC_V1};
use crate::store::schema::{self, Backup, RowWriter, Table, TABLES};
use crate::store::{parse_meta, DB_FILE};

/// Largest field accepted when reading a backup (a chunk or a mailbox row is far smaller).
const MAX_FIELD: u32 = 16 * 1024 * 1024;
/// Bytes restored per transaction before a commit.
pub(super) const RESTORE_BATCH: u64 = 64 * 1024 * 1024;

/// Reads records and checks the end record.
pub(super) struct Reader<R: Read> {
    input: R,
    hash: Sha256,
    records: u64,
}

impl<R: Read> Reader<R> {
    fn exact(&mut self, n: usize) -> Result<Vec<u8>, BackupError> {
        let mut buf = vec![0; n];
        self.input
            .read_exact(&mut buf)
            .map_err(|_| BackupError::Invalid("the file ends early (truncated?)".into()))?;
        self.hash.update(&buf);
        Ok(buf)
    }

    /// One length-prefixed field.
    pub(super) fn field(&mut self) -> Result<Vec<u8>, BackupError> {
        let len = u32::from_le_bytes(array(&self.exact(4)?)?);
        if len > MAX_FIELD {
            return Err(BackupError::Invalid(format!("a field of {len} bytes")));
        }
        self.exact(len as usize)
    }

    /// The next record's tag; `None` after a valid end record (count and checksum match,
    /// nothing follows).
    pub(super) fn tag(&mut self) -> Result<Option<u8>, BackupError> {
        let mut tag = [0u8; 1];
        self.input
            .read_exact(&mut tag)
            .map_err(|_| BackupError::Invalid("the file ends early (truncated?)".into()))?;
        if tag[0] == b'E' {
            let mut end = [0u8; 40];
            self.input
                .read_exact(&mut end)
                .map_err(|_| BackupError::Invalid("the end record is cut".into()))?;
            let digest = self.hash.clone().finalize();
            if end[..8] != self.records.to_le_bytes() || end[8..] != digest[..] {
                return Err(BackupError::Invalid("the checksum does not match".into()));
            }
            let mut rest = [0u8; 1];
            return match self.input.read(&mut rest) {
                Ok(0) => Ok(None),
                _ => Err(BackupError::Invalid("bytes after the end record".into())),
            };
        }
        if tag[0] == b'X' {
            let mut msg = Vec::new();
            let _ = (&mut self.input).take(4096).read_to_end(&mut msg);
            return Err(BackupError::Server(String::from_utf8_lossy(&msg).into()));
        }
        self.hash.update(tag);
        self.records += 1;
        Ok(Some(tag[0]))
    }
}

pub(super) fn array<const N: usize>(b: &[u8]) -> Result<[u8; N], BackupError> {
    b.try_into()
        .map_err(|_| BackupError::Invalid(format!("a field of {} bytes, expected {N}", b.len())))
}

/// Which format a file is in.
enum Version {
    V1,
    V2,
}

fn reader<R: Read>(input: R) -> Result<(Version, Reader<std::io::BufReader<R>>), BackupError> {
    let mut reader = Reader {
        input: std::io::BufReader::with_capacity(1 << 20, input),
        hash: Sha256::new(),
        records: 0,
    };
    let magic = reader.exact(MAGIC.len())?;
    let version = if magic == MAGIC {
        Version::V2
    } else if magic == MAGIC_V1 {
        Version::V1
    } else {
        return Err(BackupError::Invalid(
            "it does not start with approdo.backup/v2 (or v1)".into(),
        ));
    };
    Ok((version, reader))
}

/// Checks a v2 stream as it goes: sections name registered, backed-up tables, once each; rows
/// are valid encodings of their table's types; every report has all its chunks, in order, and
/// every chunk its report. Keeps the running totals.
#[derive(Default)]
pub(super) struct Checker {
    summary: BackupSummary,
    table: Option<&'static Table>,
    done: Vec<&'static str>,
    /// Report → chunks its row says it has.
    want: BTreeMap<u128, u32>,
    /// Report → chunks seen.
    seen: BTreeMap<u128, u32>,
}

impl Checker {
    /// A section record: the table the following rows belong to.
    pub(super) fn table(&mut self, name: &[u8]) -> Result<&'static Table, BackupError> {
        let name = String::from_utf8_lossy(name);
        let table = schema::table_named(&name)
            .ok_or_else(|| BackupError::Invalid(format!("unknown table {name:?}")))?;
        if table.backup == Backup::Skipped {
            return Err(BackupError::Invalid(format!(
                "table {name:?} is never backed up"
            )));
        }
        if self.done.contains(&table.name) {
            return Err(BackupError::Invalid(format!("table {name:?} twice")));
        }
        self.done.push(table.name);
        self.table = Some(table);
        Ok(table)
    }

    /// A row of the current table.
    pub(super) fn row(&mut self, key: &[u8], value: &[u8]) -> Result<(), BackupError> {
        let table = self
            .table
            .ok_or_else(|| BackupError::Invalid("a row before any table".into()))?;
        if !table.rows.valid(key, value) {
            return Err(BackupError::Invalid(format!(
                "a row of table {:?} is not of its types",
                table.name
            )));
        }
        use redb::TableHandle;
        let name = table.name;
        if name == schema::REPORTS.name() {
            let id = u128::from_bytes(key);
            self.want.insert(id, parse_meta(id, value)?.chunks);
            self.summary.reports += 1;
        } else if name == schema::CHUNKS.name() {
            let (id, index) = <(u128, u32)>::from_bytes(key);
            let seen = self.seen.entry(id).or_default();
            if *seen != index {
                return Err(BackupError::Invalid(format!(
                    "chunk {index} of {id:032x} out of place"
                )));
            }
            *seen += 1;
            self.summary.chunks += 1;
            self.summary.bytes += value.len() as u64;
        } else if name == schema::MAILBOX.name() {
            self.summary.replies += 1;
        }
        Ok(())
    }

    /// The end: every report has all its chunks and every chunk its report.
    pub(super) fn end(mut self) -> Result<BackupSummary, BackupError> {
        self.want.retain(|_, n| *n > 0);
        if self.want != self.seen {
            let id = self
                .want
                .iter()
                .find(|(id, n)| self.seen.get(id) != Some(n))
                .map(|(id, _)| *id)
                .or_else(|| {
                    self.seen
                        .keys()
                        .find(|id| !self.want.contains_key(id))
                        .copied()
                })
                .unwrap_or_default();
            return Err(BackupError::Invalid(format!(
                "report {id:032x} does not have exactly the chunks its row lists"
            )));
        }
        Ok(self.summary)
    }
}

/// Reads a whole backup and checks it (records, chunks, checksum) without restoring it.
pub fn verify_backup(input: impl Read) -> Result<BackupSummary, BackupError> {
    let (version, mut reader) = reader(input)?;
    if let Version::V1 = version {
        return super::v1::verify(reader);
    }
    let mut checker = Checker::default();
    loop {
        match reader.tag()? {
            None => return checker.end(),
            Some(b'S') => {
                checker.table(&reader.field()?)?;
            }
            Some(b'G') => checker.row(&reader.field()?, &reader.field()?)?,
            Some(t) => return Err(BackupError::Invalid(format!("unknown record tag {t:#04x}"))),
        }
    }
}

/// Restores a backup into `data`, which must not hold a store yet. The store is built beside
/// its final name and appears only once the whole file has verified.
pub fn restore(input: impl Read, data: &Path) -> Result<BackupSummary, BackupError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let target = data.join(DB_FILE);
    if std::fs::metadata(&target).is_ok_and(|m| m.len() > 0) {
        return Err(BackupError::NotEmpty(data.to_owned()));
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data)
        .map_err(io_err(data.display().to_string()))?;
    let partial = data.join(format!("{DB_FILE}.restoring"));
    let _ = std::fs::remove_file(&partial);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(io_err(partial.display().to_string()))?;
    let result = restore_into(input, &partial);
    match result {
        Ok(summary) => {
            std::fs::rename(&partial, &target).map_err(io_err(target.display().to_string()))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn restore_into(input: impl Read, file: &Path) -> Result<BackupSummary, BackupError> {
    let (version, mut reader) = reader(input)?;
    let db = redb::Database::builder()
        .set_cache_size(crate::store::CACHE_BYTES)
        .create(file)
        .map_err(db_err)?;
    if let Version::V1 = version {
        return super::v1::restore(reader, &db);
    }
    let mut checker = Checker::default();
    let mut first = true;
    loop {
        let mut txn = db.begin_write().map_err(db_err)?;
        txn.set_durability(redb::Durability::None).map_err(db_err)?;
        if first {
            // Every table of the schema exists, as in any store (those of uploads in
            // progress empty).
            for table in TABLES {
                table.rows.writer(&txn)?;
            }
            first = false;
        }
        let mut batch = 0u64;
        let mut ended = None;
        {
            let mut rows: Option<Box<dyn RowWriter + '_>> = match checker.table {
                Some(t) => Some(t.rows.writer(&txn)?),
                None => None,
            };
            while batch < RESTORE_BATCH && ended.is_none() {
                match reader.tag()? {
                    None => ended = Some(std::mem::take(&mut checker).end()?),
                    Some(b'S') => {
                        let table = checker.table(&reader.field()?)?;
                        rows = Some(table.rows.writer(&txn)?);
                    }
                    Some(b'G') => {
                        let (key, value) = (reader.field()?, reader.field()?);
                        checker.row(&key, &value)?;
                        let rows = rows
                            .as_mut()
                            .ok_or_else(|| BackupError::Invalid("a row before any table".into()))?;
                        rows.insert(&key, &value)?;
                        batch += (key.len() + value.len()) as u64;
                    }
                    Some(t) => {
                        return Err(BackupError::Invalid(format!("unknown record tag {t:#04x}")))
                    }
                }
            }
        }
        if let Some(summary) = ended {
            txn.set_durability(redb::Durability::Immediate)
                .map_err(db_err)?;
            txn.commit().map_err(db_err)?;
            return Ok(summary);
        }
        txn.commit().map_err(db_err)?;
    }
}
