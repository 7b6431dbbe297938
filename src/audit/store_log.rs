//! The store's transparency log, checked offline: the recorded checkpoint verifies with the
//! recorded log key; the entries hash to it (recomputed from scratch, and compared with the
//! hashes the server serves tiles from); every report has its `stored` entry with the same
//! hash, partner, day and sealing side; every logged report is still there unless a logged
//! deletion (with a reason) removed it.

use std::collections::{HashMap, HashSet};

use redb::{ReadableTable, ReadableTableMetadata};

use super::{read_err, AuditError};
use crate::model::ReportId;
use crate::store::tlog::{LOG_ENTRIES, LOG_HASHES, LOG_QUEUE};
use crate::store::{ReportMeta, TRUST};
use crate::transparency::client::MemHashes;
use crate::transparency::{Entry, LogVerifier};

/// What an auditor brings from outside the copy, so that the copy cannot vouch for itself
/// (issue 18): the log key the network publishes, a checkpoint seen earlier (an `audit log`
/// state, a witness's `GET /<origin hash>/checkpoint`), and the directory's witnesses.
#[derive(Debug, Default)]
pub struct Pins {
    /// The log verifier key; the store's recorded key must be this one.
    pub log_key: Option<String>,
    /// A signed checkpoint the store's log must contain (its first `size` entries hash to it).
    pub checkpoint: Option<Vec<u8>>,
    /// The directory's witnesses and quorum: the store's cosigned checkpoint must carry it.
    pub witnesses: Vec<crate::witness::CosignatureVerifier>,
    pub quorum: u32,
}

/// What the log holds, for the verdict line.
#[derive(Debug, Default)]
pub struct LogSummary {
    /// Entries integrated (the signed tree size).
    pub size: u64,
    /// Entries waiting for the next integration.
    pub queued: u64,
    /// Reports logged before the server started serving the directory version `check` was
    /// given: they were sealed for an earlier directory (before a rotation, an added officer
    /// or a move to post-quantum keys), so their stanzas cannot be checked against this one.
    pub predate_directory: HashSet<u128>,
}

/// True if `text` holds something shaped like an IPv4 address (four dot-separated numbers).
pub(super) fn has_ipv4(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .any(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 4
                && parts
                    .iter()
                    .all(|p| (1..=3).contains(&p.len()) && p.parse::<u16>().is_ok_and(|n| n < 256))
        })
}

type Add<'a> = dyn FnMut(Option<&ReportId>, String) + 'a;

fn report_id(id: &str) -> Option<ReportId> {
    id.parse().ok()
}

/// Checks the log against the reports; findings go to `add`.
pub(super) fn check(
    txn: &redb::ReadTransaction,
    reports: &HashMap<u128, ReportMeta>,
    pins: &Pins,
    directory_version: Option<u64>,
    add: &mut Add<'_>,
) -> Result<LogSummary, AuditError> {
    let mut summary = LogSummary::default();
    let trust = super::store::open_checked(txn, TRUST).map_err(read_err)?;
    let get = |k: &str| -> Result<Option<Vec<u8>>, AuditError> {
        Ok(trust.get(k).map_err(read_err)?.map(|v| v.value().to_vec()))
    };
    let (Some(vkey), Some(cp_bytes)) = (get("log.vkey")?, get("log.checkpoint")?) else {
        add(
            None,
            "no signed transparency-log checkpoint in the store".into(),
        );
        return Ok(summary);
    };
    let recorded = String::from_utf8_lossy(&vkey).into_owned();
    if let Some(pinned) = &pins.log_key {
        if pinned.trim() != recorded.trim() {
            add(
                None,
                format!(
                    "the store's log key {recorded} is not the pinned one {}: the log was re-signed \
                     with another key",
                    pinned.trim()
                ),
            );
        }
    }
    let key = pins
        .log_key
        .as_deref()
        .unwrap_or(&recorded)
        .trim()
        .to_owned();
    let checkpoint = LogVerifier::new(&key).and_then(|v| v.checkpoint(&cp_bytes));
    let checkpoint = match checkpoint {
        Ok(cp) => Some(cp),
        Err(e) => {
            add(None, format!("the recorded checkpoint: {e}"));
            None
        }
    };

    let open_or_empty = |e: redb::TableError| match e {
        redb::TableError::TableDoesNotExist(_) => Ok(()),
        e => Err(read_err(e)),
    };
    let mut stored: HashMap<String, (Entry, bool)> = HashMap::new();
    let mut deleted: HashSet<String> = HashSet::new();
    // Stored reports seen before the first leaf of the current directory version, in log order.
    let mut before_directory: HashSet<String> = HashSet::new();
    let mut directory_seen = directory_version.is_none();
    let mut note = |entry: Entry, integrated: bool, add: &mut Add<'_>| {
        let text = String::from_utf8_lossy(&entry.to_bytes()).into_owned();
        if has_ipv4(&text) {
            add(
                None,
                "a log entry holds something shaped like an IP address".into(),
            );
        }
        match &entry {
            Entry::Stored { id, .. } => {
                if !directory_seen {
                    before_directory.insert(id.clone());
                }
                stored.insert(id.clone(), (entry.clone(), integrated));
            }
            Entry::Directory { version, .. } if Some(*version) == directory_version => {
                directory_seen = true;
            }
            Entry::Deleted { id, reason } => {
                if reason.trim().is_empty() {
                    add(
                        report_id(id).as_ref(),
                        "deleted without a reason in the log".into(),
                    );
                }
                deleted.insert(id.clone());
            }
            _ => {}
        }
    };

    // Integrated entries: recompute the tree.
    match super::store::open_checked(txn, LOG_ENTRIES) {
        Ok(entries) => {
            let size = entries.len().map_err(read_err)?;
            summary.size = size;
            let mut mem = MemHashes::default();
            for i in 0..size {
                let Some(v) = entries.get(i).map_err(read_err)? else {
                    add(None, format!("log entry {i} is missing"));
                    return Ok(summary);
                };
                let data = v.value();
                let hs = tlog_tiles::stored_hashes(i, data, &mem).map_err(read_err)?;
                mem.0.extend(hs);
                match Entry::parse(data) {
                    Ok(e) => note(e, true, add),
                    Err(e) => add(None, format!("log entry {i} does not parse: {e}")),
                }
            }
            let root = tlog_tiles::tree_hash(size, &mem).map_err(read_err)?;
            contains_pinned(&key, size, &mem, pins, add);
            witnessed(&key, size, &mem, pins, get("log.cosigned")?, add);
            if let Some(cp) = &checkpoint {
                if cp.size() != size || *cp.hash() != root {
                    add(None, format!(
                        "the log's {size} entries do not hash to the signed checkpoint (size {}): the log was altered",
                        cp.size()
                    ));
                }
            }
            if let Ok(served) = super::store::open_checked(txn, LOG_HASHES) {
                for (i, h) in mem.0.iter().enumerate() {
                    let ok = served
                        .get(i as u64)
                        .map_err(read_err)?
                        .is_some_and(|v| v.value() == h.0.as_slice());
                    if !ok {
                        add(
                            None,
                            format!(
                                "stored tree hash {i} differs from the entries' (tiles would lie)"
                            ),
                        );
                        break;
                    }
                }
            }
        }
        Err(e) => open_or_empty(e)?,
    }
    // Entries waiting for integration (promised by receipts).
    match super::store::open_checked(txn, LOG_QUEUE) {
        Ok(queue) => {
            // The last integration's time: an entry of a day that ended before it should
            // have been integrated then (issue 18: queued is not logged).
            let signed_at = checkpoint
                .as_ref()
                .and_then(crate::transparency::checkpoint_time);
            for row in queue.iter().map_err(read_err)? {
                let (_, v) = row.map_err(read_err)?;
                summary.queued += 1;
                match Entry::parse(v.value()) {
                    Ok(e) => {
                        if let (Entry::Stored { id, day, .. }, Some(t)) = (&e, signed_at) {
                            if u64::from(day.0 + 1) * 86_400 <= t {
                                add(
                                    report_id(id).as_ref(),
                                    format!(
                                        "queued on {day} and still not in the log after the \
                                         checkpoint of unix time {t}: an entry the log left out"
                                    ),
                                );
                            }
                        }
                        note(e, false, add)
                    }
                    Err(e) => add(None, format!("a queued log entry does not parse: {e}")),
                }
            }
        }
        Err(e) => open_or_empty(e)?,
    }

    for (id, meta) in reports {
        let key = format!("{id:032x}");
        match stored.get(&key) {
            None => add(
                Some(&meta.id),
                "is in the store but was never logged".into(),
            ),
            Some((entry, _)) if !meta.recorded_by(entry) => add(
                Some(&meta.id),
                format!(
                    "does not match its log entry (log: {}; store: sha256 {}, partner {}, day {})",
                    String::from_utf8_lossy(&entry.to_bytes()),
                    meta.sha256,
                    meta.partner,
                    meta.day
                ),
            ),
            Some(_) => {}
        }
    }
    summary.predate_directory = before_directory
        .iter()
        .filter_map(|id| report_id(id).map(|r| r.0))
        .collect();
    for id in stored.keys() {
        let present = report_id(id).is_some_and(|r| reports.contains_key(&r.0));
        if !present && !deleted.contains(id) {
            add(
                report_id(id).as_ref(),
                "is in the log but missing from the store, with no logged deletion".into(),
            );
        }
    }
    Ok(summary)
}

/// Whether `checkpoint` (signed by `key`) is a prefix of the tree whose hashes are in `mem`.
fn prefix_of(key: &str, size: u64, mem: &MemHashes, checkpoint: &[u8]) -> Result<(), String> {
    let cp = LogVerifier::new(key)
        .and_then(|v| v.checkpoint(checkpoint))
        .map_err(|e| e.to_string())?;
    if cp.size() > size {
        return Err(format!(
            "it has {} entries, the store's log only {size}: the log was rolled back",
            cp.size()
        ));
    }
    match tlog_tiles::tree_hash(cp.size(), mem) {
        Ok(root) if root == *cp.hash() => Ok(()),
        _ => Err(format!(
            "the store's first {} entries do not hash to it: the log was rewritten",
            cp.size()
        )),
    }
}

fn contains_pinned(key: &str, size: u64, mem: &MemHashes, pins: &Pins, add: &mut Add<'_>) {
    if let Some(cp) = &pins.checkpoint {
        if let Err(e) = prefix_of(key, size, mem, cp) {
            add(None, format!("the pinned checkpoint: {e}"));
        }
    }
}

fn witnessed(
    key: &str,
    size: u64,
    mem: &MemHashes,
    pins: &Pins,
    cosigned: Option<Vec<u8>>,
    add: &mut Add<'_>,
) {
    if pins.quorum == 0 {
        return;
    }
    let Some(cosigned) = cosigned else {
        add(
            None,
            "the directory asks for witnesses, and the store holds no witnessed checkpoint \
             (run approdo witness-relay)"
                .into(),
        );
        return;
    };
    if let Err(e) = crate::witness::require_quorum(&cosigned, &pins.witnesses, pins.quorum) {
        add(None, format!("the store's witnessed checkpoint: {e}"));
    }
    if let Err(e) = prefix_of(key, size, mem, &cosigned) {
        add(None, format!("the witnessed checkpoint: {e}"));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv4_shapes() {
        assert!(super::has_ipv4("from 10.0.0.12 today"));
        assert!(super::has_ipv4("x:192.168.1.1"));
        assert!(!super::has_ipv4("version 1.2.3"));
        assert!(!super::has_ipv4("2026-11-28"));
        assert!(!super::has_ipv4("999.1.1.1"));
    }
}
