//! `approdo audit store`: checks a copy of the store with no key that decrypts.
//!
//! For every report: its chunks are contiguous and hash to the recorded SHA-256; the file is
//! structurally a binary age v1 file sealed to as many X25519 recipients as its partner has in
//! the recorded, signed directory; its payload length is one age's STREAM produces; its bytes
//! look random. Also: no chunk without a report, no unknown table, days not in the future.

use std::collections::HashSet;
use std::path::Path;

use redb::{ReadableDatabase, ReadableTable, TableHandle};

use crate::keys::{NetworkPublicKey, SignedDirectory};
use crate::sealed;
use crate::store::{self, Day, ReportId, CHUNK_SIZE};

/// Errors that stop an audit from running at all (findings are not errors).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The database file cannot be opened read-only.
    #[error("cannot open {path} read-only: {reason}; audit a copy taken while the server was stopped, or a backup")]
    Open { path: String, reason: String },
    /// A read failed midway.
    #[error("reading the store failed: {0}")]
    Read(String),
}

/// One problem found.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The report concerned, if any.
    pub report: Option<String>,
    /// What is wrong.
    pub problem: String,
}

/// The outcome.
#[derive(Debug, Default)]
pub struct AuditReport {
    pub reports: usize,
    pub bytes: u64,
    pub pending: usize,
    /// The store had not been closed cleanly; a repaired temporary copy was audited.
    pub repaired_copy: bool,
    pub findings: Vec<Finding>,
}

fn read_err(e: impl std::fmt::Display) -> AuditError {
    AuditError::Read(e.to_string())
}

/// Audits `data/approdo.redb`. With `network`, the recorded directory's signature must verify.
pub fn audit_store(
    data: &Path,
    network: Option<&NetworkPublicKey>,
) -> Result<AuditReport, AuditError> {
    let path = data.join(store::DB_FILE);
    let open_err = |e: &dyn std::fmt::Display| AuditError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut out = AuditReport::default();
    // A store that was not closed cleanly (a crash, a copy of a live file) needs redb's repair,
    // which writes: repair a temporary copy, never the original.
    let mut scratch = None;
    let txn = match redb::ReadOnlyDatabase::open(&path) {
        Ok(db) => db.begin_read().map_err(read_err)?,
        Err(e) if !path.is_file() => return Err(open_err(&e)),
        Err(_) => {
            let copy = Scratch::new()?;
            std::fs::copy(&path, copy.file()).map_err(|e| open_err(&e))?;
            let db = redb::Database::create(copy.file()).map_err(|e| open_err(&e))?;
            out.repaired_copy = true;
            let txn = db.begin_read().map_err(read_err)?;
            scratch = Some((copy, db));
            txn
        }
    };
    let mut findings = Vec::new();
    let mut add = |report: Option<&ReportId>, problem: String| {
        findings.push(Finding {
            report: report.map(ToString::to_string),
            problem,
        })
    };

    // Only the tables of the schema.
    let allowed = [
        "reports",
        "chunks",
        "pending",
        "resumable",
        "trust",
        "mailbox",
    ];
    for t in txn.list_tables().map_err(read_err)? {
        if !allowed.contains(&t.name()) {
            add(
                None,
                format!("unexpected table {:?} outside the schema", t.name()),
            );
        }
    }

    // The directory the server served.
    let trust = txn.open_table(store::TRUST).map_err(read_err)?;
    let dir_bytes = trust
        .get("directory.json")
        .map_err(read_err)?
        .map(|v| v.value().to_vec());
    let sig_bytes = trust
        .get("directory.sig")
        .map_err(read_err)?
        .map(|v| v.value().to_vec());
    let directory = match (dir_bytes, sig_bytes) {
        (Some(d), Some(s)) => match network {
            Some(key) => match SignedDirectory::verify(key, d, s) {
                Ok(dir) => Some(dir.directory().clone()),
                Err(e) => {
                    add(None, format!("recorded directory: {e}"));
                    None
                }
            },
            None => serde_json::from_slice::<crate::keys::Directory>(&d).ok(),
        },
        _ => {
            add(None, "no directory recorded in the store".into());
            None
        }
    };

    let reports = txn.open_table(store::REPORTS).map_err(read_err)?;
    let chunks = txn.open_table(store::CHUNKS).map_err(read_err)?;
    let pending = txn.open_table(store::PENDING).map_err(read_err)?;
    let pending_ids: HashSet<u128> = pending
        .iter()
        .map_err(read_err)?
        .filter_map(|r| r.ok().map(|(k, _)| k.value()))
        .collect();
    out.pending = pending_ids.len();
    let today = Day::today();
    let mut known = HashSet::new();
    for row in reports.iter().map_err(read_err)? {
        let (k, v) = row.map_err(read_err)?;
        let meta = match store::parse_meta(k.value(), v.value()) {
            Ok(m) => m,
            Err(e) => {
                add(None, e.to_string());
                continue;
            }
        };
        known.insert(k.value());
        out.reports += 1;
        out.bytes += meta.size;
        let id = meta.id;
        if meta.day > today {
            add(
                Some(&id),
                format!("arrival day {} is in the future", meta.day),
            );
        }
        // Reassemble, hash, and look at the header and the byte distribution.
        let mut histogram = [0u64; 256];
        let scan = store::scan_chunks(
            &chunks,
            id.0,
            sealed::MAX_HEADER + sealed::NONCE_LEN,
            |bytes| {
                for &b in bytes {
                    histogram[b as usize] += 1;
                }
            },
        )
        .map_err(read_err)?;
        let (count, total, head) = (scan.chunks, scan.total, scan.head);
        if !scan.contiguous {
            add(Some(&id), "a chunk is missing".into());
        }
        if scan.oversized {
            add(
                Some(&id),
                format!("a chunk is larger than {CHUNK_SIZE} bytes"),
            );
        }
        if count != meta.chunks || total != meta.size {
            add(
                Some(&id),
                format!(
                    "holds {count} chunks / {total} bytes, metadata says {} / {}",
                    meta.chunks, meta.size
                ),
            );
        }
        if scan.sha256 != meta.sha256 {
            add(
                Some(&id),
                "ciphertext does not match its recorded SHA-256".into(),
            );
        }
        match sealed::inspect_header(&head) {
            Ok(Some(shape)) => {
                if let Some(dir) = &directory {
                    match dir.partner(meta.partner.as_str()) {
                        Some(p) if p.recipients.len() == shape.x25519 => {}
                        Some(p) => add(
                            Some(&id),
                            format!(
                                "sealed to {} recipients, partner {} has {}",
                                shape.x25519,
                                p.id,
                                p.recipients.len()
                            ),
                        ),
                        None => add(
                            Some(&id),
                            format!("partner {} is not in the directory", meta.partner),
                        ),
                    }
                }
                let header = (shape.header_len + sealed::NONCE_LEN) as u64;
                if let Err(e) = sealed::plaintext_len(total.saturating_sub(header)) {
                    add(Some(&id), e.to_string());
                }
                // Chi-squared over the byte histogram (255 degrees of freedom): ciphertext stays far
                // below 400; text and zero padding are in the tens of thousands.
                if total >= 4096 {
                    let expected = total as f64 / 256.0;
                    let chi2: f64 = histogram
                        .iter()
                        .map(|&o| (o as f64 - expected).powi(2) / expected)
                        .sum();
                    if chi2 > 400.0 {
                        add(Some(&id), format!("bytes do not look random (chi-squared {chi2:.0}); possible plaintext"));
                    }
                }
            }
            Ok(None) => add(Some(&id), "the age header is incomplete".into()),
            Err(e) => add(Some(&id), format!("not valid sealed age: {e}")),
        }
    }
    // Chunks that belong to no report and no upload in progress.
    let mut orphans = HashSet::new();
    for c in chunks.iter().map_err(read_err)? {
        let (ck, _) = c.map_err(read_err)?;
        let (rid, _) = ck.value();
        if !known.contains(&rid) && !pending_ids.contains(&rid) {
            orphans.insert(rid);
        }
    }
    for rid in orphans {
        add(Some(&ReportId(rid)), "chunks without a report".into());
    }
    out.findings = findings;
    drop(txn);
    drop(scratch);
    Ok(out)
}

/// A private temporary folder for a repaired copy, removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Result<Self, AuditError> {
        use std::os::unix::fs::DirBuilderExt;
        let dir =
            std::env::temp_dir().join(format!("approdo-audit-{:016x}", rand::random::<u64>()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| AuditError::Read(format!("creating {}: {e}", dir.display())))?;
        Ok(Scratch(dir))
    }

    fn file(&self) -> std::path::PathBuf {
        self.0.join(store::DB_FILE)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
