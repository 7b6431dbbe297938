//! The witness: for each log it trusts (by log key), the latest checkpoint it cosigned, and
//! the `add-checkpoint` rules of c2sp.org/tlog-witness:
//!
//! - origin unknown → 404; no signature by a trusted key for the origin, or a bad one → 403;
//! - old size above the checkpoint's size, or a malformed body → 400;
//! - old size ≠ the size last cosigned → 409 with that size (`text/x.tlog.size`);
//! - a size-0 checkpoint whose root is not the empty tree's, a non-empty proof from size 0, a
//!   proof that does not verify (RFC 6962 §2.1.2), or the same size with another root → 422;
//! - otherwise the new checkpoint is persisted (the check and the write under one lock, the
//!   file replaced atomically and fsynced) before the cosignature is returned.
//!
//! State: one JSON file, `DIR/witness-state.json`, origin → size, root and the cosigned note.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::prelude::{Engine, BASE64_STANDARD};
use serde::{Deserialize, Serialize};
use signed_note::Note;
use tlog_tiles::{Checkpoint, Hash};

use super::{Cosigner, WitnessError};
use crate::transparency::LogVerifier;

/// The most consistency-proof lines a request may carry (the spec's bound).
pub const MAX_PROOF: usize = 63;
/// The largest request body accepted.
pub const MAX_BODY: usize = 16 * 1024;

/// What a witness remembers of one log.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Latest {
    pub size: u64,
    /// Root hash, base64.
    pub root: String,
    /// The checkpoint as cosigned: the log's note with this witness's cosignature.
    pub note: String,
}

/// The answer to `add-checkpoint`.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 200: the cosignature line(s).
    Cosigned(String),
    /// 409: the size last cosigned.
    Conflict(u64),
    /// Another status, with a reason.
    Refused(u16, String),
}

/// A witness: its key, the logs it trusts and its persisted state.
pub struct Witness {
    cosigner: Cosigner,
    logs: Vec<LogVerifier>,
    path: PathBuf,
    state: Mutex<BTreeMap<String, Latest>>,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Witness({:?}, {} logs)", self.cosigner, self.logs.len())
    }
}

fn state_err(path: &Path, reason: impl std::fmt::Display) -> WitnessError {
    WitnessError::State {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

impl Witness {
    /// Opens (or starts) the state in `dir` for `cosigner`, trusting `logs`.
    pub fn open(
        cosigner: Cosigner,
        logs: Vec<LogVerifier>,
        dir: &Path,
    ) -> Result<Self, WitnessError> {
        std::fs::create_dir_all(dir).map_err(|e| state_err(dir, e))?;
        let path = dir.join("witness-state.json");
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| state_err(&path, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(state_err(&path, e)),
        };
        Ok(Witness {
            cosigner,
            logs,
            path,
            state: Mutex::new(state),
        })
    }

    /// The witness's public key.
    pub fn vkey(&self) -> String {
        self.cosigner.vkey()
    }

    /// The latest cosigned checkpoint of the log whose origin hashes to `origin_hash` (lowercase
    /// hex SHA-256 of the origin line).
    pub fn latest_by_hash(&self, origin_hash: &str) -> Option<String> {
        use sha2::{Digest, Sha256};
        let state = self.state.lock().ok()?;
        state
            .iter()
            .find(|(origin, _)| hex::encode(Sha256::digest(origin.as_bytes())) == origin_hash)
            .map(|(_, l)| l.note.clone())
    }

    /// `add-checkpoint` at time `now` (seconds since the epoch).
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<Verdict, WitnessError> {
        let bad = |why: &str| Ok(Verdict::Refused(400, why.to_owned()));
        let Some((old, proof, note)) = parse_request(body) else {
            return bad(
                "the body is: old <size>, up to 63 proof lines, an empty line, a checkpoint",
            );
        };
        let Ok(parsed) = Note::from_bytes(note) else {
            return bad("the checkpoint is not a signed note");
        };
        let Ok(cp) = Checkpoint::from_bytes(parsed.text()) else {
            return bad("the note is not a checkpoint");
        };
        let Some(log) = self.logs.iter().find(|l| l.origin() == cp.origin()) else {
            return Ok(Verdict::Refused(
                404,
                format!("unknown log {}", cp.origin()),
            ));
        };
        if log.checkpoint(note).is_err() {
            return Ok(Verdict::Refused(
                403,
                "no valid signature by the log's key".into(),
            ));
        }
        if old > cp.size() {
            return bad("the old size is larger than the checkpoint's");
        }
        let mut state = self
            .state
            .lock()
            .map_err(|_| state_err(&self.path, "lock poisoned"))?;
        let (last_size, last_root) = match state.get(cp.origin()) {
            Some(l) => (
                l.size,
                decode_hash(&l.root).ok_or_else(|| state_err(&self.path, "bad root"))?,
            ),
            None => (0, tlog_tiles::EMPTY_HASH),
        };
        if old != last_size {
            return Ok(Verdict::Conflict(last_size));
        }
        let unprocessable = |why: &str| Ok(Verdict::Refused(422, why.to_owned()));
        if cp.size() == 0 && *cp.hash() != tlog_tiles::EMPTY_HASH {
            return unprocessable("a size-0 checkpoint must have the empty tree's root");
        }
        if old == 0 {
            if !proof.is_empty() {
                return unprocessable("a proof from size 0 must be empty");
            }
        } else if old == cp.size() {
            if *cp.hash() != last_root {
                return unprocessable("same size, another root: the log forked");
            }
        } else if tlog_tiles::check_tree(&proof, cp.size(), *cp.hash(), old, last_root).is_err() {
            return unprocessable("the consistency proof does not verify");
        }
        let line = self.cosigner.cosign(&parsed, now)?;
        let mut cosigned = parsed.to_bytes();
        cosigned.extend_from_slice(line.as_bytes());
        let latest = Latest {
            size: cp.size(),
            root: BASE64_STANDARD.encode(cp.hash().0),
            note: String::from_utf8_lossy(&cosigned).into_owned(),
        };
        let mut next = state.clone();
        next.insert(cp.origin().to_owned(), latest);
        self.persist(&next)?;
        *state = next;
        Ok(Verdict::Cosigned(line))
    }

    fn persist(&self, state: &BTreeMap<String, Latest>) -> Result<(), WitnessError> {
        let err = |e: std::io::Error| state_err(&self.path, e);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let tmp = self.path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(state).map_err(|e| state_err(&self.path, e))?;
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(&json).map_err(err)?;
        f.sync_all().map_err(err)?;
        std::fs::rename(&tmp, &self.path).map_err(err)?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(err)
    }
}

fn decode_hash(b64: &str) -> Option<Hash> {
    let bytes = BASE64_STANDARD.decode(b64).ok()?;
    Some(Hash(bytes.try_into().ok()?))
}

/// Splits an `add-checkpoint` body into the old size, the proof and the checkpoint note.
fn parse_request(body: &[u8]) -> Option<(u64, Vec<Hash>, &[u8])> {
    if body.len() > MAX_BODY {
        return None;
    }
    let mut rest = body;
    let mut line = || -> Option<&[u8]> {
        let end = rest.iter().position(|&b| b == b'\n')?;
        let (l, r) = rest.split_at(end);
        rest = &r[1..];
        Some(l)
    };
    let first = std::str::from_utf8(line()?).ok()?;
    let digits = first.strip_prefix("old ")?;
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    let old: u64 = digits.parse().ok()?;
    let mut proof = Vec::new();
    loop {
        let l = line()?;
        if l.is_empty() {
            break;
        }
        if proof.len() == MAX_PROOF {
            return None;
        }
        proof.push(decode_hash(std::str::from_utf8(l).ok()?)?);
    }
    Some((old, proof, rest))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn request_bodies_parse_strictly() {
        let cp = b"origin\n1\nAAAA\n\n\xe2\x80\x94 x y\n";
        let h = BASE64_STANDARD.encode([7u8; 32]);
        let ok = [
            b"old 0\n\n".to_vec(),
            format!("old 12\n{h}\n{h}\n\n").into_bytes(),
        ];
        for mut b in ok {
            b.extend_from_slice(cp);
            assert!(
                parse_request(&b).is_some(),
                "{}",
                String::from_utf8_lossy(&b)
            );
        }
        let proof64 = format!("{h}\n").repeat(64);
        for bad in [
            "old 01\n\n",
            "old -1\n\n",
            "old \n\n",
            "new 1\n\n",
            "old 1\nxx\n\n",
            &format!("old 1\n{proof64}\n"),
        ] {
            let mut b = bad.as_bytes().to_vec();
            b.extend_from_slice(cp);
            assert!(parse_request(&b).is_none(), "{bad}");
        }
        assert!(parse_request(b"old 1").is_none());
    }
}
