//! The log key: an Ed25519 key in the C2SP signed-note format, made on the server's first
//! start (`DATA/log.key`, 0600: the private key line, then the public verifier key line). Its
//! name is the log's origin. It signs checkpoints and submission receipts; auditors pin the
//! verifier key (`GET /api/v1/log/key`, also recorded in the store).

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use signed_note::{Note, Signer, StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles::{Checkpoint, Hash};
use zeroize::Zeroizing;

use super::receipt::{Receipt, CHUNKS_LINE};
use super::LogError;
use crate::model::ChunkRoot;

/// File name of the log key in the data directory.
pub const KEY_FILE: &str = "log.key";
/// First line of a receipt's note text.
pub const RECEIPT_TAG: &str = "approdo.receipt/v1";
/// The checkpoint extension line that says when it was signed (`time <seconds>`).
pub const TIME_EXTENSION: &str = "time ";

/// The time a stored checkpoint note says it was signed (not verified: for the log's own
/// schedule).
pub(crate) fn note_time(note: &[u8]) -> Option<u64> {
    let note = signed_note::Note::from_bytes(note).ok()?;
    checkpoint_time(&Checkpoint::from_bytes(note.text()).ok()?)
}

/// The time a checkpoint says it was signed (its `time` extension line), if it says one.
pub fn checkpoint_time(cp: &Checkpoint) -> Option<u64> {
    cp.extension()
        .lines()
        .find_map(|l| l.strip_prefix(TIME_EXTENSION))
        .and_then(|t| t.parse().ok())
}

/// The signing side.
pub struct LogKey {
    signer: StandardSigner,
    vkey: String,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogKey({})", self.vkey)
    }
}

fn key_err(path: &Path, reason: impl std::fmt::Display) -> LogError {
    LogError::Key {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

impl LogKey {
    /// Loads `data/log.key`, or makes one (named `approdo.log/<16 random hex>`) if missing.
    pub fn load_or_create(data: &Path) -> Result<Self, LogError> {
        let path = data.join(KEY_FILE);
        if !path.exists() {
            let name = format!("approdo.log/{:016x}", rand::random::<u64>());
            let (skey, vkey) = signed_note::generate_key(&mut rand::rngs::OsRng, &name);
            let skey = Zeroizing::new(skey);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| key_err(&path, e))?;
            f.write_all(format!("{}\n{vkey}\n", skey.as_str()).as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| key_err(&path, e))?;
        }
        let mode = std::fs::metadata(&path)
            .map_err(|e| key_err(&path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(key_err(
                &path,
                format!("is readable by others (mode {mode:o}); chmod 600 it"),
            ));
        }
        let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| key_err(&path, e))?);
        let mut lines = text.lines();
        let (Some(skey), Some(vkey)) = (lines.next(), lines.next()) else {
            return Err(key_err(
                &path,
                "expected two lines: the private key, then the verifier key",
            ));
        };
        let signer = StandardSigner::new(skey.trim()).map_err(|e| key_err(&path, e))?;
        let key = LogKey {
            signer,
            vkey: vkey.trim().to_owned(),
        };
        // The two lines must belong together.
        let probe = key.sign_note(b"probe\n")?;
        LogVerifier::new(&key.vkey)
            .and_then(|v| v.open_note(&probe).map(|_| ()))
            .map_err(|_| key_err(&path, "the verifier key does not match the private key"))?;
        Ok(key)
    }

    /// The verifier key (`name+id+base64`), what auditors pin.
    pub fn vkey(&self) -> &str {
        &self.vkey
    }

    /// The log's origin (the key's name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    fn sign_note(&self, text: &[u8]) -> Result<Vec<u8>, LogError> {
        let mut note = Note::new(text, &[]).map_err(|e| LogError::Checkpoint(e.to_string()))?;
        note.add_sigs(&[&self.signer])
            .map_err(|e| LogError::Checkpoint(e.to_string()))?;
        Ok(note.to_bytes())
    }

    /// A signed checkpoint for a tree of `size` leaves with root `hash`.
    pub fn sign_checkpoint(&self, size: u64, hash: Hash) -> Result<Vec<u8>, LogError> {
        let cp = Checkpoint::new(self.origin(), size, hash, "")
            .map_err(|e| LogError::Checkpoint(e.to_string()))?;
        self.sign_note(&cp.to_bytes())
    }

    /// A signed checkpoint that also says when it was signed: the extension line
    /// `time <seconds since the epoch>` (C2SP tlog-checkpoint allows extension lines; the
    /// time is an integration boundary, so it says nothing about when an entry arrived).
    pub fn sign_checkpoint_at(
        &self,
        size: u64,
        hash: Hash,
        time: u64,
    ) -> Result<Vec<u8>, LogError> {
        let cp = Checkpoint::new(
            self.origin(),
            size,
            hash,
            &format!("{TIME_EXTENSION}{time}\n"),
        )
        .map_err(|e| LogError::Checkpoint(e.to_string()))?;
        self.sign_note(&cp.to_bytes())
    }

    /// A signed promise that report `id` with ciphertext `sha256` will be in the log by `by`
    /// (seconds since the epoch: the next integration), the line `by <time>`, and — on every
    /// receipt approdo signs since issue 16 — that its chunks hash to `chunks`, the line
    /// `chunks <size> <root>` ([`crate::model::ChunkRoot`]). `None` makes the older form.
    pub fn sign_receipt(
        &self,
        id: &str,
        sha256: &str,
        by: u64,
        chunks: Option<&ChunkRoot>,
    ) -> Result<String, LogError> {
        let mut text = format!(
            "{RECEIPT_TAG}\n{}\n{id}\n{sha256}\nby {by}\n",
            self.origin()
        );
        if let Some(c) = chunks {
            text.push_str(&format!("{CHUNKS_LINE}{c}\n"));
        }
        let note = self.sign_note(text.as_bytes())?;
        String::from_utf8(note).map_err(|e| LogError::Checkpoint(e.to_string()))
    }
}

/// The verifying side, from a pinned verifier key.
pub struct LogVerifier {
    vkey: String,
    origin: String,
}

impl LogVerifier {
    /// From a verifier key string (`name+id+base64`).
    pub fn new(vkey: &str) -> Result<Self, LogError> {
        let v = StandardVerifier::new(vkey.trim())
            .map_err(|e| LogError::Checkpoint(format!("bad log verifier key: {e}")))?;
        use signed_note::Verifier;
        Ok(LogVerifier {
            origin: v.name().to_owned(),
            vkey: vkey.trim().to_owned(),
        })
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key.
    pub fn vkey(&self) -> &str {
        &self.vkey
    }

    fn open_note(&self, bytes: &[u8]) -> Result<Vec<u8>, LogError> {
        let v =
            StandardVerifier::new(&self.vkey).map_err(|e| LogError::Checkpoint(e.to_string()))?;
        let note = Note::from_bytes(bytes).map_err(|e| LogError::Checkpoint(e.to_string()))?;
        note.verify(&VerifierList::new(vec![Box::new(v)]))
            .map_err(|e| {
                LogError::Checkpoint(format!("signature does not verify with the log key: {e}"))
            })?;
        Ok(note.text().to_vec())
    }

    /// Verifies a signed checkpoint; returns it.
    pub fn checkpoint(&self, bytes: &[u8]) -> Result<Checkpoint, LogError> {
        let text = self.open_note(bytes)?;
        let cp = Checkpoint::from_bytes(&text).map_err(|e| LogError::Checkpoint(e.to_string()))?;
        if cp.origin() != self.origin {
            return Err(LogError::Checkpoint(format!(
                "origin {:?} is not this log's {:?}",
                cp.origin(),
                self.origin
            )));
        }
        Ok(cp)
    }

    /// Verifies a receipt; returns `(id, sha256)`.
    pub fn receipt(&self, note: &str) -> Result<(String, String), LogError> {
        self.receipt_by(note).map(|(id, sha, _)| (id, sha))
    }

    /// Verifies a receipt; returns `(id, sha256, by)`, `by` the time it promised the entry
    /// would be in the log (absent on receipts signed before approdo promised one).
    pub fn receipt_by(&self, note: &str) -> Result<(String, String, Option<u64>), LogError> {
        self.open_receipt(note).map(|r| (r.id, r.sha256, r.by))
    }

    /// Verifies a receipt of any form approdo signed; returns what it promises.
    pub fn open_receipt(&self, note: &str) -> Result<Receipt, LogError> {
        let text = self.open_note(note.as_bytes())?;
        let text = String::from_utf8(text).map_err(|e| LogError::Checkpoint(e.to_string()))?;
        let receipt = Receipt::parse(&text)?;
        if receipt.origin != self.origin {
            return Err(LogError::Checkpoint("not a receipt of this log".into()));
        }
        Ok(receipt)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn key_signs_checkpoints_and_receipts_that_verify_only_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let key = LogKey::load_or_create(dir.path()).unwrap();
        let again = LogKey::load_or_create(dir.path()).unwrap();
        assert_eq!(key.vkey(), again.vkey());
        let v = LogVerifier::new(key.vkey()).unwrap();
        let cp = key.sign_checkpoint(3, Hash([7; 32])).unwrap();
        assert_eq!(v.checkpoint(&cp).unwrap().size(), 3);
        let r = key.sign_receipt("aa", "bb", 86_400, None).unwrap();
        assert_eq!(v.receipt(&r).unwrap(), ("aa".into(), "bb".into()));
        assert_eq!(v.receipt_by(&r).unwrap().2, Some(86_400));
        let timed = key
            .sign_checkpoint_at(3, Hash([7; 32]), 1_700_000_000)
            .unwrap();
        assert_eq!(
            checkpoint_time(&v.checkpoint(&timed).unwrap()),
            Some(1_700_000_000)
        );
        assert_eq!(checkpoint_time(&v.checkpoint(&cp).unwrap()), None);
        let mut forged = cp.clone();
        let pos = forged.iter().position(|&b| b == b'3').unwrap();
        forged[pos] = b'4';
        assert!(v.checkpoint(&forged).is_err());
        let other = tempfile::tempdir().unwrap();
        let stranger =
            LogVerifier::new(LogKey::load_or_create(other.path()).unwrap().vkey()).unwrap();
        assert!(stranger.checkpoint(&cp).is_err());
        assert!(v.receipt(std::str::from_utf8(&cp).unwrap()).is_err());
    }
}
