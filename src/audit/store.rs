//! `approdo audit store`: checks a copy of the store with no key that decrypts.
//!
//! For every report: its chunks are contiguous and hash to the recorded SHA-256; the file is
//! structurally a binary age v1 file sealed to as many X25519 recipients as its partner has in
//! the recorded, signed directory; its payload length is one age's STREAM produces, of a
//! Padmé-padded plaintext; its bytes look random; it has its entry in the transparency log
//! with the same hash (see `store_log`). Also: no chunk without a report, no unknown table,
//! days not in the future, nothing that looks like an IP address; case records are signed
//! ciphertext filed under their report (see `store_cases`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use redb::{ReadableDatabase, ReadableTable, TableHandle};

use super::{read_err, AuditError, AuditReport, Finding, Pins, Scratch};
use crate::admission;
use crate::keys::{NetworkPublicKey, SignedDirectory};
use crate::model::{Day, ReportId};
use crate::store::{self, CHUNK_SIZE};

/// Opens a table whose rows the audit checks. Every table the audit reads goes through here, so
/// a test can hold the audit to the registry: the tables it checks are exactly those
/// [`crate::store::schema`] marks `Checked` (issue 19).
pub(super) fn open_checked<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &redb::ReadTransaction,
    table: redb::TableDefinition<'static, K, V>,
) -> Result<redb::ReadOnlyTable<K, V>, redb::TableError> {
    #[cfg(test)]
    tests::OPENED.with(|o| o.borrow_mut().insert(table.name().to_owned()));
    txn.open_table(table)
}

/// Audits `data/approdo.redb`. With `network`, the recorded directory's signature must verify.
pub fn audit_store(
    data: &Path,
    network: Option<&NetworkPublicKey>,
) -> Result<AuditReport, AuditError> {
    audit_store_pinned(data, network, &Pins::default())
}

/// [`audit_store`] against what the auditor brings from outside the copy ([`Pins`]); the
/// directory's witnesses are added to `pins` from the verified directory.
pub fn audit_store_pinned(
    data: &Path,
    network: Option<&NetworkPublicKey>,
    pins: &Pins,
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
    // A small page cache: the audit reads everything once (redb's default is 1 GiB).
    let open = || {
        redb::Database::builder()
            .set_cache_size(store::CACHE_BYTES)
            .open_read_only(&path)
    };
    let txn = match open() {
        Ok(db) => db.begin_read().map_err(read_err)?,
        Err(e) if !path.is_file() => return Err(open_err(&e)),
        Err(_) => {
            let copy = Scratch::new()?;
            std::fs::copy(&path, copy.file()).map_err(|e| open_err(&e))?;
            let db = redb::Database::builder()
                .set_cache_size(store::CACHE_BYTES)
                .create(copy.file())
                .map_err(|e| open_err(&e))?;
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
    for t in txn.list_tables().map_err(read_err)? {
        if crate::store::schema::table_named(t.name()).is_none() {
            add(
                None,
                format!("unexpected table {:?} outside the schema", t.name()),
            );
        }
    }

    // The directory the server served.
    let trust = open_checked(&txn, store::TRUST).map_err(read_err)?;
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

    let reports = open_checked(&txn, store::REPORTS).map_err(read_err)?;
    let chunks = open_checked(&txn, store::CHUNKS).map_err(read_err)?;
    let pending = open_checked(&txn, store::PENDING).map_err(read_err)?;
    let pending_ids: HashSet<u128> = pending
        .iter()
        .map_err(read_err)?
        .filter_map(|r| r.ok().map(|(k, _)| k.value()))
        .collect();
    out.pending = pending_ids.len();
    let today = Day::today();
    let mut known = HashSet::new();
    let mut metas = HashMap::new();
    let mut mismatched: Vec<(ReportId, String)> = Vec::new();
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
        if super::store_log::has_ipv4(&String::from_utf8_lossy(v.value())) {
            add(
                Some(&meta.id),
                "its metadata holds something shaped like an IP address".into(),
            );
        }
        metas.insert(k.value(), meta.clone());
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
            admission::MAX_HEADER + admission::NONCE_LEN,
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
        match admission::inspect_header(&head) {
            Ok(Some(shape)) => {
                if let Some(dir) = &directory {
                    match dir.partner(meta.partner.as_str()) {
                        Some(p) => {
                            if let Err(e) =
                                admission::check_recipients(&shape, p.recipients.len(), p.is_pq())
                            {
                                // Judged after the log is read: a report sealed for an earlier
                                // directory version (before a rotation) is not a finding.
                                mismatched.push((id, format!("partner {}: {e}", p.id)));
                            }
                        }
                        None => add(
                            Some(&id),
                            format!("partner {} is not in the directory", meta.partner),
                        ),
                    }
                }
                let header = (shape.header_len + admission::NONCE_LEN) as u64;
                // The same rule the server applies at the door (`admission::envelope_len`).
                match admission::envelope_len(total.saturating_sub(header)) {
                    Err(admission::ValidationError::NotEnvelope(plain)) => add(
                        Some(&id),
                        format!("its plaintext length {plain} is not a Padmé length: not an approdo envelope"),
                    ),
                    Err(e) => add(Some(&id), e.to_string()),
                    Ok(_) => {}
                }
                // Chi-squared over the byte histogram (255 degrees of freedom): ciphertext stays far
                // below 400; text and zero padding are in the tens of thousands. Over the payload
                // only: the header is base64 text by design (checked stanza by stanza above), and a
                // post-quantum one is ~1.6 KB per officer, enough to swamp a small report.
                for &b in head
                    .get(..shape.header_len + admission::NONCE_LEN)
                    .expect("inspect_header saw the whole header and nonce in `head`")
                {
                    histogram[b as usize] = histogram[b as usize].saturating_sub(1);
                }
                let payload = total.saturating_sub(header);
                if payload >= 4096 {
                    let expected = payload as f64 / 256.0;
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
    let mut pins = Pins {
        log_key: pins.log_key.clone(),
        checkpoint: pins.checkpoint.clone(),
        ..Pins::default()
    };
    if let Some(dir) = directory.as_ref().filter(|_| network.is_some()) {
        pins.quorum = dir.witness_quorum;
        match dir.witness_verifiers() {
            Ok(w) => pins.witnesses = w,
            Err(e) => add(None, format!("recorded directory: {e}")),
        }
    }
    let cases = super::store_cases::check(&txn, &metas, directory.as_ref(), &mut add)?;
    out.case_records = cases.records;
    let version = directory.as_ref().map(|d| d.version);
    let summary = super::store_log::check(&txn, &metas, &pins, version, &mut add)?;
    for (id, why) in cases.mismatched {
        // A report logged before the current directory may have records sealed before a
        // rotation, as it was.
        if !summary.predate_directory.contains(&id.0) {
            add(Some(&id), why);
        }
    }
    for (id, why) in mismatched {
        if summary.predate_directory.contains(&id.0) {
            out.sealed_for_earlier_directory += 1;
        } else {
            add(Some(&id), why);
        }
    }
    out.log_size = summary.size;
    out.log_queued = summary.queued;
    out.findings = findings;
    drop(txn);
    drop(scratch);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(super) mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use crate::store::schema::{Audit, TABLES};

    thread_local! {
        /// The tables [`super::open_checked`] opened on this thread.
        pub(in crate::audit) static OPENED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
    }

    /// Issue 19: the registry's `Checked` is a promise that `audit store` checks a table's
    /// rows. The tables the audit reads are exactly those, no more, no fewer.
    #[tokio::test]
    async fn the_audit_reads_exactly_the_tables_the_registry_marks_checked() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let store =
            crate::store::Store::open(&data, &crate::keys::demo::directory().unwrap()).unwrap();
        crate::store::testing::put_report(&store, 20_000).await;
        crate::store::testing::put_report(&store, 20_000).await;
        store.integrate_log(1_000_000, 60).await.unwrap();
        // One entry left queued: the audit reads the queue too.
        crate::store::testing::put_report(&store, 20_000).await;
        drop(store);
        OPENED.with(|o| o.borrow_mut().clear());
        super::audit_store(&data, None).unwrap();
        let opened = OPENED.with(|o| o.borrow().clone());
        let checked: BTreeSet<String> = TABLES
            .iter()
            .filter(|t| t.audit == Audit::Checked)
            .map(|t| t.name.to_owned())
            .collect();
        assert_eq!(opened, checked);
    }
}
