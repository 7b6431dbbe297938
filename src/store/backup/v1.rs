//! Reading the first backup format, `approdo.backup/v1` (files written before issue 19's
//! table registry): a tag per kind of row, each report followed by all its chunks. Frozen:
//! backups are now written as `approdo.backup/v2` ([`super`]), and this only reads old files.
//!
//! | tag | fields |
//! | --- | --- |
//! | `T` | trust name, value (the served `directory.json`, `directory.sig`) |
//! | `R` | report id (16 bytes LE), metadata JSON |
//! | `C` | report id, chunk index (4 bytes LE), ciphertext |
//! | `M` | mailbox id (32 bytes), message id (16 bytes LE), stored row |
//! | `O` | mailbox id (32 bytes), a partner id that replied there (`mailbox_partners`) |
//! | `B` | report id, its mailbox binding (48 bytes, `report_mailbox`) — after its chunks |
//! | `K` | report id, sequence (16 bytes LE), a case record — after its report |
//! | `L` | transparency-log table name, key (8 or 16 bytes LE), value |

use std::io::Read;

use super::restore::{array, Reader, RESTORE_BATCH};
use super::{db_err, BackupError, BackupSummary};
use crate::store::binding::REPORT_MAILBOX;
use crate::store::mailbox::{MAILBOX, MAILBOX_PARTNERS};
use crate::store::tlog::{LOG_BY_REPORT, LOG_ENTRIES, LOG_HASHES, LOG_QUEUE};
use crate::store::{parse_meta, CHUNKS, PENDING, REPORTS, RESUMABLE, TRUST};

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

/// The next record of a v1 file.
fn next<R: Read>(reader: &mut Reader<R>) -> Result<Record, BackupError> {
    let Some(tag) = reader.tag()? else {
        return Ok(Record::End);
    };
    let id = |b: Vec<u8>| array::<16>(&b).map(u128::from_le_bytes);
    Ok(match tag {
        b'T' => {
            let name = String::from_utf8(reader.field()?)
                .map_err(|_| BackupError::Invalid("a trust name is not UTF-8".into()))?;
            Record::Trust(name, reader.field()?)
        }
        b'R' => Record::Report(id(reader.field()?)?, reader.field()?),
        b'C' => {
            let report = id(reader.field()?)?;
            let index = u32::from_le_bytes(array(&reader.field()?)?);
            Record::Chunk(report, index, reader.field()?)
        }
        b'M' => {
            let mailbox = array::<32>(&reader.field()?)?;
            Record::Reply(mailbox, id(reader.field()?)?, reader.field()?)
        }
        b'O' => {
            let mailbox = array::<32>(&reader.field()?)?;
            let partner = String::from_utf8(reader.field()?)
                .map_err(|_| BackupError::Invalid("a mailbox partner is not UTF-8".into()))?;
            Record::Owner(mailbox, partner)
        }
        b'B' => Record::Binding(id(reader.field()?)?, array::<48>(&reader.field()?)?),
        b'K' => Record::Case(id(reader.field()?)?, id(reader.field()?)?, reader.field()?),
        b'L' => {
            let table = String::from_utf8(reader.field()?)
                .map_err(|_| BackupError::Invalid("a log table name is not UTF-8".into()))?;
            Record::Log(table, reader.field()?, reader.field()?)
        }
        t => return Err(BackupError::Invalid(format!("unknown record tag {t:#04x}"))),
    })
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

/// Reads the rest of a v1 file and checks it (records, chunk order) without restoring it.
pub(super) fn verify<R: Read>(mut reader: Reader<R>) -> Result<BackupSummary, BackupError> {
    let mut checker = Checker::default();
    loop {
        let record = next(&mut reader)?;
        checker.check(&record)?;
        if matches!(record, Record::End) {
            return Ok(checker.summary);
        }
    }
}

/// Restores the rest of a v1 file into `db`.
pub(super) fn restore<R: Read>(
    mut reader: Reader<R>,
    db: &redb::Database,
) -> Result<BackupSummary, BackupError> {
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
                let record = next(&mut reader)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use sha2::{Digest, Sha256};

    use crate::store::backup::{backup_offline, restore, verify_backup, BackupSummary, MAGIC_V1};
    use crate::store::testing::two_chunk_report;

    /// A v1 file as the first writer made it: tagged records, an end record.
    fn v1_file(records: &[(u8, Vec<Vec<u8>>)]) -> Vec<u8> {
        let mut out = MAGIC_V1.to_vec();
        for (tag, fields) in records {
            out.push(*tag);
            for f in fields {
                out.extend_from_slice(&(f.len() as u32).to_le_bytes());
                out.extend_from_slice(f);
            }
        }
        let digest = Sha256::digest(&out);
        out.push(b'E');
        out.extend_from_slice(&(records.len() as u64).to_le_bytes());
        out.extend_from_slice(&digest);
        out
    }

    /// Backups written before the table registry (`approdo.backup/v1`) still verify and
    /// restore, every kind of record into its table; the restored store backs up as v2 with
    /// the same contents.
    #[test]
    fn a_v1_backup_still_restores_and_backs_up_as_v2() {
        let id = 7u128;
        let meta = two_chunk_report(id);
        let le = |n: u128| n.to_le_bytes().to_vec();
        let file = v1_file(&[
            (b'T', vec![b"directory.json".to_vec(), b"{}".to_vec()]),
            (b'R', vec![le(id), serde_json::to_vec(&meta).unwrap()]),
            (
                b'C',
                vec![le(id), 0u32.to_le_bytes().to_vec(), b"abc".to_vec()],
            ),
            (
                b'C',
                vec![le(id), 1u32.to_le_bytes().to_vec(), b"def".to_vec()],
            ),
            (b'B', vec![le(id), vec![9; 48]]),
            (b'K', vec![le(id), le(0), b"case".to_vec()]),
            (b'M', vec![vec![3; 32], le(5), b"reply".to_vec()]),
            (b'O', vec![vec![3; 32], b"cav-milano".to_vec()]),
            (
                b'L',
                vec![
                    b"log_entries".to_vec(),
                    0u64.to_le_bytes().to_vec(),
                    b"e".to_vec(),
                ],
            ),
            (
                b'L',
                vec![
                    b"log_by_report".to_vec(),
                    le(id),
                    0u64.to_le_bytes().to_vec(),
                ],
            ),
        ]);
        let want = BackupSummary {
            reports: 1,
            chunks: 2,
            bytes: 6,
            replies: 1,
        };
        assert_eq!(verify_backup(file.as_slice()).unwrap(), want);
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(restore(file.as_slice(), dir.path()).unwrap(), want);

        let mut again = Vec::new();
        assert_eq!(backup_offline(dir.path(), &mut again).unwrap(), want);
        assert!(again.starts_with(super::super::MAGIC));
        assert_eq!(verify_backup(again.as_slice()).unwrap(), want);
        let copy = dir.path().join("copy");
        assert_eq!(restore(again.as_slice(), &copy).unwrap(), want);
        let counts = |data: &std::path::Path| {
            let db = redb::ReadOnlyDatabase::open(data.join(crate::store::DB_FILE)).unwrap();
            let txn = redb::ReadableDatabase::begin_read(&db).unwrap();
            let mut c: Vec<(&str, u64)> = crate::store::schema::row_counts(&txn)
                .unwrap()
                .into_iter()
                .map(|(t, n)| (t.name, n))
                .filter(|(_, n)| *n > 0)
                .collect();
            c.sort_unstable();
            c
        };
        let restored = counts(dir.path());
        assert_eq!(restored.len(), 9, "{restored:?}");
        assert_eq!(restored, counts(&copy));
    }
}
