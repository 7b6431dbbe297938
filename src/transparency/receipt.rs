//! Submission receipts: the log key's signed promise (a C2SP signed note) that a report will
//! be in the log. The note's text, one item a line:
//!
//! ```text
//! approdo.receipt/v1
//! <origin>
//! <report id>
//! <SHA-256 of the whole age file, hex>
//! by <seconds since the epoch>          (since issue 18)
//! chunks <chunk size> <chunk root, hex>  (since issue 16)
//! ```
//!
//! The last line binds the file's chunk root ([`crate::model::ChunkRoot`]): what the page
//! computes with WebCrypto and checks before it trusts the whole-file hash above it. Receipts
//! of the older forms (four or five lines) still parse and verify.

use super::key::RECEIPT_TAG;
use super::LogError;
use crate::model::{ChunkRoot, Sha256};

/// The prefix of a receipt's chunk-root line.
pub const CHUNKS_LINE: &str = "chunks ";

/// What a verified receipt promises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The log's origin it names.
    pub origin: String,
    /// The report id.
    pub id: String,
    /// The SHA-256 of the whole age file, hex.
    pub sha256: String,
    /// When the report will be in the log (absent on receipts signed before issue 18).
    pub by: Option<u64>,
    /// The file's chunk size and chunk root (absent on receipts signed before issue 16).
    pub chunks: Option<ChunkRoot>,
}

impl Receipt {
    /// Parses a receipt's note text (already verified).
    pub(super) fn parse(text: &str) -> Result<Self, LogError> {
        let not_ours = || LogError::Checkpoint("not a receipt of this log".into());
        let lines: Vec<&str> = text.lines().collect();
        let (head, by, chunks) = match lines.as_slice() {
            [head @ .., by, chunks] if lines.len() == 6 => (head, Some(by), Some(chunks)),
            [head @ .., by] if lines.len() == 5 => (head, Some(by), None),
            head if lines.len() == 4 => (head, None, None),
            _ => return Err(not_ours()),
        };
        let [tag, origin, id, sha] = head else {
            return Err(not_ours());
        };
        if *tag != RECEIPT_TAG {
            return Err(not_ours());
        }
        let by = match by {
            Some(line) => Some(
                line.strip_prefix("by ")
                    .and_then(|t| t.parse::<u64>().ok())
                    .ok_or_else(not_ours)?,
            ),
            None => None,
        };
        let chunks = match chunks {
            Some(line) => Some(parse_chunks(line).ok_or_else(not_ours)?),
            None => None,
        };
        Ok(Receipt {
            origin: (*origin).to_owned(),
            id: (*id).to_owned(),
            sha256: (*sha).to_owned(),
            by,
            chunks,
        })
    }
}

/// `chunks <size> <root>`.
fn parse_chunks(line: &str) -> Option<ChunkRoot> {
    let (size, root) = line.strip_prefix(CHUNKS_LINE)?.split_once(' ')?;
    if size.starts_with('0') || !size.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(ChunkRoot {
        size: size.parse().ok()?,
        root: root.parse::<Sha256>().ok()?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::model::ChunkRoot;
    use crate::transparency::{LogKey, LogVerifier};

    #[test]
    fn receipts_of_every_form_verify_and_the_chunk_line_is_bound() {
        let dir = tempfile::tempdir().unwrap();
        let key = LogKey::load_or_create(dir.path()).unwrap();
        let v = LogVerifier::new(key.vkey()).unwrap();
        let chunks = ChunkRoot::of(b"ciphertext", 4);
        let sha = "ab".repeat(32);
        let new = key.sign_receipt("aa", &sha, 86_400, Some(&chunks)).unwrap();
        let r = v.open_receipt(&new).unwrap();
        assert_eq!(
            (r.id.as_str(), r.sha256.as_str(), r.by),
            ("aa", sha.as_str(), Some(86_400))
        );
        assert_eq!(r.chunks, Some(chunks));
        assert!(new.contains(&format!("\nchunks 4 {}\n", chunks.root)));
        assert_eq!(
            v.receipt_by(&new).unwrap(),
            ("aa".into(), sha.clone(), Some(86_400))
        );
        // The forms signed before: no chunk line (issue 18), no time either (before it).
        let timed = key.sign_receipt("aa", &sha, 86_400, None).unwrap();
        assert_eq!(v.open_receipt(&timed).unwrap().chunks, None);
        assert_eq!(v.receipt_by(&timed).unwrap().2, Some(86_400));
        let oldest = super::Receipt::parse(&format!("approdo.receipt/v1\no\naa\n{sha}\n")).unwrap();
        assert_eq!((oldest.by, oldest.chunks), (None, None));
        // Another root is another signed text: the signature no longer verifies.
        let other = ChunkRoot::of(b"ciphertexT", 4);
        let forged = new
            .replace(&other.root.to_hex(), "x")
            .replace(&chunks.root.to_hex(), &other.root.to_hex());
        assert!(v.open_receipt(&forged).is_err());
        for bad in [
            "chunks 4",
            "chunks 04 00",
            "chunks x 00",
            &format!("chunks -4 {}", chunks.root),
            &format!("chunk 4 {}", chunks.root),
            &format!("chunks 4 {} extra", chunks.root),
        ] {
            let text = format!("approdo.receipt/v1\no\naa\n{sha}\nby 1\n{bad}\n");
            assert!(super::Receipt::parse(&text).is_err(), "{bad}");
        }
    }
}
