//! `approdo audit log --server URL --state FILE`: follows a live server's transparency log
//! from one run to the next. Each run verifies the checkpoint's signature with the pinned log
//! key, checks that the tree only grew since the state's checkpoint (a shrunk or rewritten log
//! is a rollback or a fork), fetches and verifies every new entry against the tree, and keeps
//! in the state what later runs need: which reports were stored, acknowledged, deleted.

use std::collections::BTreeMap;

use base64::prelude::{Engine, BASE64_STANDARD};
use serde::{Deserialize, Serialize};
use tlog_tiles::Hash;

use super::Finding;
use crate::model::Day;
use crate::transparency::client::{entries, old_root, Fetch};
use crate::transparency::{Entry, LogVerifier};

/// What one run leaves for the next (a JSON file the auditor keeps).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct LogState {
    /// The pinned verifier key (`name+id+base64`).
    pub vkey: String,
    /// The last verified checkpoint: size and root (base64).
    pub size: u64,
    pub root: String,
    /// Reports stored and not deleted: id → (day, partner, acknowledged).
    pub reports: BTreeMap<String, Tracked>,
    /// Reports deleted, with the logged reason.
    pub deleted: BTreeMap<String, String>,
    /// Directory versions seen (sha256 → version).
    pub directories: BTreeMap<String, u64>,
    /// The log's integration interval in seconds, pinned on the first run (a frozen log is one
    /// whose newest checkpoint is older than two of them).
    #[serde(default)]
    pub interval: u64,
}

/// A logged report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tracked {
    pub day: Day,
    pub partner: String,
    pub acknowledged: bool,
    /// The ciphertext's SHA-256 (acknowledgements must sign this one).
    #[serde(default)]
    pub sha256: String,
}

/// The outcome of one run.
#[derive(Debug, Default)]
pub struct LogAudit {
    pub findings: Vec<Finding>,
    /// Entries verified in this run.
    pub new_entries: u64,
    /// The tree size now.
    pub size: u64,
}

fn finding(report: Option<&str>, problem: String) -> Finding {
    Finding {
        report: report.map(str::to_owned),
        problem,
    }
}

/// Runs the log audit: `checkpoint` is what the server serves, `fetch` reads its tiles;
/// `state` is updated only as far as everything verified. Reports stored more than
/// `ack_days` before `today` and never acknowledged are findings.
pub fn audit_log<F: Fetch>(
    state: &mut LogState,
    checkpoint: &[u8],
    fetch: &F,
    today: Day,
    ack_days: u32,
    officers: &BTreeMap<String, Vec<String>>,
) -> LogAudit {
    let mut out = LogAudit::default();
    let cp = match LogVerifier::new(&state.vkey).and_then(|v| v.checkpoint(checkpoint)) {
        Ok(cp) => cp,
        Err(e) => {
            out.findings
                .push(finding(None, format!("the served checkpoint: {e}")));
            return out;
        }
    };
    out.size = cp.size();
    let root = *cp.hash();
    if cp.size() < state.size {
        out.findings.push(finding(
            None,
            format!(
                "the log was rolled back: it now has {} entries, {} were seen before",
                cp.size(),
                state.size
            ),
        ));
        return out;
    }
    if state.size > 0 {
        let before = BASE64_STANDARD
            .decode(&state.root)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(Hash);
        match (before, old_root(fetch, cp.size(), root, state.size)) {
            (Some(b), Ok(r)) if b == r => {}
            (_, Err(e)) => {
                out.findings.push(finding(
                    None,
                    format!("could not check consistency with the last checkpoint: {e}"),
                ));
                return out;
            }
            _ => {
                out.findings.push(finding(None, format!(
                    "the log was rewritten: its first {} entries no longer hash to the checkpoint seen before (rollback or fork)",
                    state.size
                )));
                return out;
            }
        }
    }
    let new = match entries(fetch, cp.size(), root, state.size, cp.size()) {
        Ok(e) => e,
        Err(e) => {
            out.findings.push(finding(
                None,
                format!(
                    "entries {}..{} could not be verified (a gap in what the server serves): {e}",
                    state.size,
                    cp.size()
                ),
            ));
            return out;
        }
    };
    for (i, data) in new.iter().enumerate() {
        let index = state.size + i as u64;
        match Entry::parse(data) {
            Ok(e) => replay(state, e, officers, &mut out),
            Err(e) => out
                .findings
                .push(finding(None, format!("entry {index} does not parse: {e}"))),
        }
    }
    out.new_entries = new.len() as u64;
    state.size = cp.size();
    state.root = BASE64_STANDARD.encode(root.0);
    for (id, t) in &state.reports {
        if !t.acknowledged && today.0.saturating_sub(t.day.0) > ack_days {
            out.findings.push(finding(
                Some(id),
                format!(
                    "not acknowledged by {} {} days after it arrived ({})",
                    t.partner,
                    today.0 - t.day.0,
                    t.day
                ),
            ));
        }
    }
    out
}

fn replay(
    state: &mut LogState,
    entry: Entry,
    officers: &BTreeMap<String, Vec<String>>,
    out: &mut LogAudit,
) {
    match entry {
        Entry::Stored {
            id,
            partner,
            day,
            sha256,
            ..
        } => {
            if state.reports.contains_key(&id) || state.deleted.contains_key(&id) {
                out.findings
                    .push(finding(Some(&id), "is logged as stored twice".into()));
            }
            let t = Tracked {
                day,
                partner,
                acknowledged: false,
                sha256,
            };
            state.reports.insert(id, t);
        }
        Entry::Ack {
            id,
            partner,
            sha256,
            officer,
            signature,
        } => {
            let Some(t) = state.reports.get_mut(&id) else {
                out.findings.push(finding(
                    Some(&id),
                    "acknowledged but never logged as stored".into(),
                ));
                return;
            };
            t.acknowledged = true;
            if sha256 != t.sha256 || partner != t.partner {
                out.findings.push(finding(
                    Some(&id),
                    "acknowledged for another hash or partner than was stored".into(),
                ));
            }
            let listed = officers.get(&partner).cloned().unwrap_or_default();
            match (officer, signature) {
                (Some(k), Some(s)) => {
                    if !crate::keys::officer::verify_ack(&k, &s, &id, &t.sha256) {
                        out.findings.push(finding(
                            Some(&id),
                            format!("its acknowledgement signature by {k} does not verify"),
                        ));
                    } else if !listed.contains(&k) {
                        out.findings.push(finding(
                            Some(&id),
                            format!("acknowledged with key {k}, not an officer key of {partner} in the directory"),
                        ));
                    }
                }
                _ if !listed.is_empty() => out.findings.push(finding(
                    Some(&id),
                    "acknowledged without an officer's signature".into(),
                )),
                _ => {}
            }
        }
        Entry::Deleted { id, reason } => {
            if reason.trim().is_empty() {
                out.findings
                    .push(finding(Some(&id), "deleted without a reason".into()));
            }
            if state.reports.remove(&id).is_none() {
                out.findings.push(finding(
                    Some(&id),
                    "deleted but never logged as stored".into(),
                ));
            }
            state.deleted.insert(id, reason);
        }
        Entry::Directory { sha256, version } => {
            if let Some((_, last)) = state.directories.iter().max_by_key(|(_, v)| **v) {
                if version <= *last {
                    out.findings.push(finding(
                        None,
                        format!(
                        "directory version {version} served after version {last} (a downgrade?)"
                    ),
                    ));
                }
            }
            state.directories.insert(sha256, version);
        }
    }
}
