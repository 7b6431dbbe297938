//! An officer's view of the log, kept between pulls (Go's sumdb client pattern): the latest
//! checkpoint she verified for each server, and on every pull a proof, from the log's tiles,
//! that the new checkpoint extends it. A log that shrank or whose old entries no longer hash to
//! what she saw is a rollback or a fork: the pull stops, prints both checkpoints and saves them
//! to `fork-<time>.txt` in the state directory — two notes signed by one log key that cannot
//! both be true, evidence an auditor can publish. With the network's directory at hand, the
//! checkpoint must also carry its witness quorum.
//!
//! State: `log-views.json` in the CLI's state directory ([`crate::keys::floor::state_dir`]),
//! `{"<log verifier key>": {"vkey", "size", "root", "note"}}`, one view per log key the server
//! announces (trust on first use). A server that starts signing with another key starts a new
//! view, and [`Followed::Consistent::new_key`] says so, so the pull can warn: a legitimate
//! key rotation is announced by the network; an unannounced one is a question for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::prelude::{Engine, BASE64_STANDARD};
use serde::{Deserialize, Serialize};
use tlog_tiles::Hash;

use super::{require_quorum, CosignatureVerifier, WitnessError};
use crate::transparency::client::{old_root, HttpLog};
use crate::transparency::LogVerifier;

/// What was last verified for one server.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Seen {
    pub vkey: String,
    pub size: u64,
    /// Root hash, base64.
    pub root: String,
    /// The checkpoint as served (signed note).
    pub note: String,
}

/// What a check found.
#[derive(Debug)]
pub enum Followed {
    /// The server has no checkpoint yet.
    NoLog,
    /// Consistent with what was seen (`None`: the first time), now at `size`.
    Consistent {
        before: Option<u64>,
        size: u64,
        witnesses: Vec<String>,
        /// The server announced a log key never seen with it before, while another was.
        new_key: bool,
    },
}

fn state_err(path: &Path, e: impl std::fmt::Display) -> WitnessError {
    WitnessError::State {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Checks `server`'s log against what `state_dir` remembers, requiring `quorum` of
/// `witnesses`; remembers the new checkpoint when everything verified.
pub fn follow(
    agent: &ureq::Agent,
    server: &str,
    state_dir: &Path,
    witnesses: &[CosignatureVerifier],
    quorum: u32,
) -> Result<Followed, WitnessError> {
    let base = server.trim_end_matches('/');
    let path = state_dir.join("log-views.json");
    let mut views: BTreeMap<String, Seen> = match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| state_err(&path, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(state_err(&path, e)),
    };
    let served = HttpLog { agent, base };
    let Some(note) = served.checkpoint().map_err(WitnessError::Remote)? else {
        return Ok(Followed::NoLog);
    };
    let answer: serde_json::Value = agent
        .get(&format!("{base}/api/v1/log/key"))
        .call()
        .map_err(|e| WitnessError::Remote(format!("/api/v1/log/key: {e}")))?
        .into_json()
        .map_err(|e| WitnessError::Remote(e.to_string()))?;
    let vkey = answer["vkey"]
        .as_str()
        .ok_or_else(|| WitnessError::Remote("the server announces no log key".into()))?
        .to_owned();
    let seen = views.get(&vkey).cloned();
    let url_key = format!("server {base}");
    let new_key = views.get(&url_key).is_some_and(|s| s.vkey != vkey);
    let log = LogVerifier::new(&vkey).map_err(|e| WitnessError::Key(e.to_string()))?;
    let cp = log.checkpoint(&note).map_err(|e| {
        WitnessError::Remote(format!(
            "the checkpoint does not verify with the log key pinned for this server ({vkey}): {e}"
        ))
    })?;
    let cosigned = if quorum > 0 {
        require_quorum(&note, witnesses, quorum)?
    } else {
        Vec::new()
    };
    let before = match &seen {
        None => None,
        Some(s) => {
            let old = BASE64_STANDARD
                .decode(&s.root)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .map(Hash)
                .ok_or_else(|| state_err(&path, "a root is not base64 of 32 bytes"))?;
            let consistent = s.size <= cp.size()
                && old_root(&served, cp.size(), *cp.hash(), s.size).is_ok_and(|r| r == old);
            if !consistent {
                let evidence = save_fork(state_dir, &s.note, &String::from_utf8_lossy(&note))?;
                return Err(WitnessError::Fork {
                    before: s.note.clone(),
                    now: String::from_utf8_lossy(&note).into_owned(),
                    evidence: evidence.display().to_string(),
                });
            }
            Some(s.size)
        }
    };
    let now = Seen {
        vkey: vkey.clone(),
        size: cp.size(),
        root: BASE64_STANDARD.encode(cp.hash().0),
        note: String::from_utf8_lossy(&note).into_owned(),
    };
    views.insert(url_key, now.clone());
    views.insert(vkey, now);
    write_atomic(
        &path,
        &serde_json::to_vec_pretty(&views).map_err(|e| state_err(&path, e))?,
    )?;
    Ok(Followed::Consistent {
        before,
        size: cp.size(),
        witnesses: cosigned.into_iter().map(|c| c.witness).collect(),
        new_key,
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WitnessError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| state_err(dir, e))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| state_err(path, e))
}

fn save_fork(state_dir: &Path, before: &str, now: &str) -> Result<PathBuf, WitnessError> {
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let path = state_dir.join(format!("fork-{time}.txt"));
    let text = format!(
        "Two checkpoints signed by one log key that cannot both be true (approdo pull, \
         unix time {time}).\n\nSeen before:\n{before}\nServed now:\n{now}"
    );
    std::fs::create_dir_all(state_dir).map_err(|e| state_err(state_dir, e))?;
    std::fs::write(&path, text).map_err(|e| state_err(&path, e))?;
    Ok(path)
}
