//! Syncing a vault with the server: new reports are downloaded into `tmp/` as ciphertext,
//! checked against the server's SHA-256, opened in memory (to index them, and because an
//! acknowledgement says "decrypted"), moved into `reports/`, acknowledged. Reports the server
//! no longer holds (deleted by an officer, or by its retention) are wiped from the vault, and
//! so are acknowledged reports past the local retention — the same rule the server applies,
//! for a laptop that stays offline.
//!
//! Order, for a kill at any moment: the report file is renamed in before the index names it,
//! so the index never lists a missing file; a file the index does not list is wiped and
//! fetched again. The index is saved at most once a second while reports arrive (sealing and
//! syncing it per report cost a third of a sync of 1 000), and at the end.

use std::collections::BTreeSet;
use std::io::{BufReader, Read, Seek, Write};

use sha2::{Digest, Sha256};

use super::{Entry, Index, Vault, VaultError};
use crate::client::{Client, ClientError};
use crate::keys::OfficerIdentity;
use crate::model::{Day, ReportId, ReportState, ReportSummary};

/// How to sync.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Acknowledge the reports pulled.
    pub ack: bool,
    /// Days an acknowledged report is kept (the server's default is 90).
    pub retention_days: u32,
}

/// What a sync did.
#[derive(Debug, Default)]
pub struct Synced {
    /// Reports the server holds.
    pub on_server: usize,
    /// New reports kept (ids, with their attachment counts).
    pub new: Vec<(ReportId, Day, usize)>,
    /// Reports acknowledged.
    pub acked: usize,
    /// Reports removed (deleted on the server, or past retention).
    pub removed: usize,
    /// Reports that failed (id, reason without content).
    pub failed: Vec<(ReportId, String)>,
}

fn expired(m_ack: Option<Day>, day: Day, today: Day, days: u32) -> bool {
    m_ack
        .map(|a| a.max(day))
        .is_some_and(|a| a.0.saturating_add(days) < today.0)
}

/// Brings `vault` (whose `index` is given, opened) up to date with the server `client` is
/// logged in to; saves the index as it goes.
pub fn sync(
    vault: &Vault,
    index: &mut Index,
    client: &mut Client,
    ids: &[OfficerIdentity],
    opts: &SyncOptions,
) -> Result<Synced, VaultError> {
    let _lock = vault.lock()?;
    let mut out = Synced::default();
    let reports = with_session(client, ids, |c| c.list()).map_err(|e| VaultError::Io {
        path: vault.root().to_path_buf(),
        source: std::io::Error::other(format!("listing the server's reports: {e}")),
    })?;
    out.on_server = reports.len();
    let today = Day::today();
    let on_server: BTreeSet<ReportId> = reports.iter().map(|m| m.id).collect();
    // 1. What the server no longer has, or what is past retention here: wiped.
    let gone: Vec<ReportId> = index
        .reports
        .iter()
        .filter(|(id, e)| {
            !on_server.contains(id) || expired(e.acknowledged, e.day, today, opts.retention_days)
        })
        .map(|(id, _)| *id)
        .collect();
    for id in &gone {
        vault.remove(*id)?;
        index.reports.remove(id);
        // Its case records went with it on the server.
        index.case_heads.remove(id);
        out.removed += 1;
    }
    if !gone.is_empty() {
        vault.save_index(index, ids)?;
    }
    for id in vault.ids_on_disk()? {
        if !index.reports.contains_key(&id) {
            vault.remove(id)?;
        }
    }
    // 2. New reports, then acknowledgements.
    let mut saved = std::time::Instant::now();
    let mut dirty = false;
    for meta in &reports {
        if expired(meta.acknowledged, meta.day, today, opts.retention_days) {
            continue;
        }
        let known = index.reports.contains_key(&meta.id);
        if !known {
            match fetch(vault, client, ids, meta) {
                Ok(entry) => {
                    out.new.push((meta.id, meta.day, entry.attachments.len()));
                    index.reports.insert(meta.id, entry);
                    dirty = true;
                    if saved.elapsed() >= std::time::Duration::from_secs(1) {
                        vault.sync_reports()?;
                        vault.save_index(index, ids)?;
                        (saved, dirty) = (std::time::Instant::now(), false);
                    }
                }
                Err(e) => {
                    out.failed.push((meta.id, e));
                    continue;
                }
            }
        }
        // Only a report known to be received (a newer server's state is left as it is).
        if !opts.ack || meta.state != ReportState::Received {
            continue;
        }
        match with_session(client, ids, |c| {
            c.acknowledge(meta.id, &meta.sha256.to_string())
        }) {
            Ok(()) => {
                out.acked += 1;
                dirty = true;
                if let Some(e) = index.reports.get_mut(&meta.id) {
                    e.acknowledged = Some(today);
                }
            }
            Err(e) => out.failed.push((
                meta.id,
                format!("not acknowledged ({e}); the next sync tries again"),
            )),
        }
    }
    if dirty {
        vault.sync_reports()?;
        vault.save_index(index, ids)?;
    }
    Ok(out)
}

/// Downloads one report into `tmp/`, checks it, opens it in memory, moves it in.
fn fetch(
    vault: &Vault,
    client: &mut Client,
    ids: &[OfficerIdentity],
    meta: &ReportSummary,
) -> Result<Entry, String> {
    let (tmp, mut file) = vault.temp_file().map_err(|e| e.to_string())?;
    let result = (|| {
        let mut download = with_session(client, ids, |c| c.download(meta.id))
            .map_err(|e| format!("downloading: {e}"))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = match download.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("downloading: {e}")),
            };
            let chunk = buf
                .get(..n)
                .expect("Read::read returns at most the buffer's length");
            hasher.update(chunk);
            size += n as u64;
            file.write_all(chunk).map_err(|e| format!("writing: {e}"))?;
        }
        let got = hex::encode(hasher.finalize());
        if got != meta.sha256 || size != meta.size {
            return Err(format!(
                "the downloaded file does not match the server's record (SHA-256 {got}); not kept"
            ));
        }
        file.sync_all().map_err(|e| format!("writing: {e}"))?;
        file.rewind().map_err(|e| format!("reading back: {e}"))?;
        let opened = super::open_reader(BufReader::with_capacity(1 << 16, &mut file), ids, None)
            .map_err(|e| format!("opening: {e}"))?;
        let mut entry = Entry {
            day: meta.day,
            acknowledged: meta.acknowledged,
            sha256: meta.sha256.to_string(),
            size: meta.size,
            urgency: None,
            safe_now: None,
            language: None,
            kind: None,
            attachments: Vec::new(),
            seen: Some(super::now_secs()),
        };
        entry.describe(&opened.report, &opened.attachments);
        vault.keep(&tmp, meta.id).map_err(|e| e.to_string())?;
        Ok(entry)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Runs `op`; when the session expired meanwhile (401), logs in again once and retries.
fn with_session<T>(
    client: &mut Client,
    ids: &[OfficerIdentity],
    op: impl Fn(&Client) -> Result<T, ClientError>,
) -> Result<T, ClientError> {
    match op(client) {
        Err(ClientError::Refused { status: 401, .. }) => {
            client.login(ids)?;
            op(client)
        }
        other => other,
    }
}
