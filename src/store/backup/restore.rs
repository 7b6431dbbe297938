//! Reading a backup back: records in order, each report followed by all its chunks, and the
//! end record's count and SHA-256 over everything before it. [`verify_backup`] only checks;
//! [`restore`] also writes a new store, which appears under its final name only once the whole
//! file has verified.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{db_err, io_err, BackupError, BackupSummary, MAGIC};
use crate::store::binding::REPORT_MAILBOX;
use crate::store::mailbox::{MAILBOX, MAILBOX_PARTNERS};
use crate::store::tlog::{LOG_BY_REPORT, LOG_ENTRIES, LOG_HASHES, LOG_QUEUE};
use crate::store::{parse_meta, CHUNKS, DB_FILE, PENDING, REPORTS, RESUMABLE, TRUST};

/// Largest field accepted when reading a backup (a chunk or a mailbox row is far smaller).
const MAX_FIELD: u32 = 16 * 1024 * 1024;
/// Bytes restored per transaction before a commit.
const RESTORE_BATCH: u64 = 64 * 1024 * 1024;

/// Reads records and checks the end record.
struct Reader<R: Read> {
    input: R,
    hash: Sha256,
    records: u64,
}

/// One record read back.
enum Record {
    Trust(String, Vec<u8>),
    Report(u128, Vec<u8>),
    Chunk(u128, u32, Vec<u8>),
    Reply([u8; 32], u128, Vec<u8>),
    /// A mailbox and a partner that replied there (`mailbox_partners`).
    Owner([u8; 32], String),
    /// A report's mailbox binding (`report_mailbox`).
    Binding(u128, [u8; 48]),
    /// A case record of a report (`case_records`): report, sequence number, the record.
    Case(u128, u128, Vec<u8>),
    /// A row of a transparency-log table: (table, key bytes, value).
    Log(String, Vec<u8>, Vec<u8>),
    End,
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

    fn field(&mut self) -> Result<Vec<u8>, BackupError> {
        let len = u32::from_le_bytes(array(&self.exact(4)?)?);
        if len > MAX_FIELD {
            return Err(BackupError::Invalid(format!("a field of {len} bytes")));
        }
        self.exact(len as usize)
    }

    fn next(&mut self) -> Result<Record, BackupError> {
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
                Ok(0) => Ok(Record::End),
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
        let id = |b: Vec<u8>| array::<16>(&b).map(u128::from_le_bytes);
        Ok(match tag[0] {
            b'T' => {
                let name = String::from_utf8(self.field()?)
                    .map_err(|_| BackupError::Invalid("a trust name is not UTF-8".into()))?;
                Record::Trust(name, self.field()?)
            }
            b'R' => Record::Report(id(self.field()?)?, self.field()?),
            b'C' => {
                let report = id(self.field()?)?;
                let index = u32::from_le_bytes(array(&self.field()?)?);
                Record::Chunk(report, index, self.field()?)
            }
            b'M' => {
                let mailbox = array::<32>(&self.field()?)?;
                Record::Reply(mailbox, id(self.field()?)?, self.field()?)
            }
            b'O' => {
                let mailbox = array::<32>(&self.field()?)?;
                let partner = String::from_utf8(self.field()?)
                    .map_err(|_| BackupError::Invalid("a mailbox partner is not UTF-8".into()))?;
                Record::Owner(mailbox, partner)
            }
            b'B' => Record::Binding(id(self.field()?)?, array::<48>(&self.field()?)?),
            b'K' => Record::Case(id(self.field()?)?, id(self.field()?)?, self.field()?),
            b'L' => {
                let table = String::from_utf8(self.field()?)
                    .map_err(|_| BackupError::Invalid("a log table name is not UTF-8".into()))?;
                Record::Log(table, self.field()?, self.field()?)
            }
            t => return Err(BackupError::Invalid(format!("unknown record tag {t:#04x}"))),
        })
    }
}

fn array<const N: usize>(b: &[u8]) -> Result<[u8; N], BackupError> {
    b.try_into()
        .map_err(|_| BackupError::Invalid(format!("a field of {} bytes, expected {N}", b.len())))
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

/// Keeps the running totals and checks that each report's chunks follow it, complete and in
/// order.
#[derive(Default)]
struct Checker {
    summary: BackupSummary,
    /// (report, chunks it should have, chunks seen)
    current: Option<(u128, u32, u32)>,
}

impl Checker {
    fn check(&mut self, record: &Record) -> Result<(), BackupError> {
        if !matches!(record, Record::Chunk(..)) {
            if let Some((id, want, seen)) = self.current.take() {
                if want != seen {
                    return Err(BackupError::Invalid(format!(
                        "report {id:032x} has {seen} of its {want} chunks"
                    )));
                }
            }
        }
        match record {
            Record::Trust(..)
            | Record::Owner(..)
            | Record::Binding(..)
            | Record::Case(..)
            | Record::End => {}
            Record::Report(id, meta) => {
                let parsed = parse_meta(*id, meta)?;
                self.current = Some((*id, parsed.chunks, 0));
                self.summary.reports += 1;
            }
            Record::Chunk(id, index, data) => match &mut self.current {
                Some((report, _, seen)) if report == id && seen == index => {
                    *seen += 1;
                    self.summary.chunks += 1;
                    self.summary.bytes += data.len() as u64;
                }
                _ => {
                    return Err(BackupError::Invalid(format!(
                        "chunk {index} of {id:032x} out of place"
                    )))
                }
            },
            Record::Reply(..) => self.summary.replies += 1,
            Record::Log(table, key, _) => {
                let width = match table.as_str() {
                    "log_entries" | "log_hashes" => 8,
                    "log_queue" | "log_by_report" => 16,
                    other => {
                        return Err(BackupError::Invalid(format!("unknown log table {other:?}")))
                    }
                };
                if key.len() != width {
                    return Err(BackupError::Invalid(format!(
                        "a {table} key is not {width} bytes"
                    )));
                }
            }
        }
        Ok(())
    }
}

fn reader<R: Read>(input: R) -> Result<Reader<std::io::BufReader<R>>, BackupError> {
    let mut reader = Reader {
        input: std::io::BufReader::with_capacity(1 << 20, input),
        hash: Sha256::new(),
        records: 0,
    };
    if reader.exact(MAGIC.len())? != MAGIC {
        return Err(BackupError::Invalid(
            "it does not start with approdo.backup/v1".into(),
        ));
    }
    Ok(reader)
}

/// Reads a whole backup and checks it (records, chunk order, checksum) without restoring it.
pub fn verify_backup(input: impl Read) -> Result<BackupSummary, BackupError> {
    let mut reader = reader(input)?;
    let mut checker = Checker::default();
    loop {
        let record = reader.next()?;
        checker.check(&record)?;
        if matches!(record, Record::End) {
            return Ok(checker.summary);
        }
    }
}

fn restore_into(input: impl Read, file: &Path) -> Result<BackupSummary, BackupError> {
    let mut reader = reader(input)?;
    let db = redb::Database::builder()
        .set_cache_size(crate::store::CACHE_BYTES)
        .create(file)
        .map_err(db_err)?;
    let mut checker = Checker::default();
    loop {
        let mut txn = db.begin_write().map_err(db_err)?;
        txn.set_durability(redb::Durability::None).map_err(db_err)?;
        let mut batch = 0u64;
        let mut ended = false;
        {
            let mut trust = txn.open_table(TRUST).map_err(db_err)?;
            let mut reports = txn.open_table(REPORTS).map_err(db_err)?;
            let mut chunks = txn.open_table(CHUNKS).map_err(db_err)?;
            let mut mailbox = txn.open_table(MAILBOX).map_err(db_err)?;
            let mut partners = txn.open_table(MAILBOX_PARTNERS).map_err(db_err)?;
            let mut bindings = txn.open_table(REPORT_MAILBOX).map_err(db_err)?;
            let mut cases = txn.open_table(crate::store::cases::CASES).map_err(db_err)?;
            let mut entries = txn.open_table(LOG_ENTRIES).map_err(db_err)?;
            let mut hashes = txn.open_table(LOG_HASHES).map_err(db_err)?;
            let mut queue = txn.open_table(LOG_QUEUE).map_err(db_err)?;
            let mut by_report = txn.open_table(LOG_BY_REPORT).map_err(db_err)?;
            // The tables of uploads in progress exist, empty, as in any store.
            txn.open_table(PENDING).map_err(db_err)?;
            txn.open_table(RESUMABLE).map_err(db_err)?;
            while batch < RESTORE_BATCH && !ended {
                let record = reader.next()?;
                checker.check(&record)?;
                match record {
                    Record::Trust(name, value) => {
                        trust
                            .insert(name.as_str(), value.as_slice())
                            .map_err(db_err)?;
                    }
                    Record::Report(id, meta) => {
                        reports.insert(id, meta.as_slice()).map_err(db_err)?;
                    }
                    Record::Chunk(id, index, data) => {
                        chunks
                            .insert((id, index), data.as_slice())
                            .map_err(db_err)?;
                        batch += data.len() as u64;
                    }
                    Record::Reply(mb, id, row) => {
                        mailbox.insert((mb, id), row.as_slice()).map_err(db_err)?;
                    }
                    Record::Owner(mb, partner) => {
                        partners.insert((mb, partner.as_str()), 1).map_err(db_err)?;
                    }
                    Record::Binding(id, binding) => {
                        bindings.insert(id, binding.as_slice()).map_err(db_err)?;
                    }
                    Record::Case(id, seq, record) => {
                        cases.insert((id, seq), record.as_slice()).map_err(db_err)?;
                    }
                    Record::Log(table, key, value) => {
                        let k8 = || array::<8>(&key).map(u64::from_le_bytes);
                        let k16 = || array::<16>(&key).map(u128::from_le_bytes);
                        match table.as_str() {
                            "log_entries" => entries.insert(k8()?, value.as_slice()).map(|_| ()),
                            "log_hashes" => hashes.insert(k8()?, value.as_slice()).map(|_| ()),
                            "log_queue" => queue.insert(k16()?, value.as_slice()).map(|_| ()),
                            _ => by_report
                                .insert(k16()?, u64::from_le_bytes(array::<8>(&value)?))
                                .map(|_| ()),
                        }
                        .map_err(db_err)?;
                    }
                    Record::End => ended = true,
                }
            }
        }
        if ended {
            txn.set_durability(redb::Durability::Immediate)
                .map_err(db_err)?;
            txn.commit().map_err(db_err)?;
            return Ok(checker.summary);
        }
        txn.commit().map_err(db_err)?;
    }
}
