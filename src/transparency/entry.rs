//! Log entries: one compact JSON object per leaf, `{"type": …}` first. They hold what an
//! auditor needs and nothing about who submitted: a report's id, ciphertext hash, partner and
//! day; deletions with their reason; directory versions by hash;
//! acknowledgements by the partner (signed by the officer where the CLI can).

use serde::{Deserialize, Serialize};

use crate::model::{Day, PartnerId, ReportId, SealedBy, Sha256};

/// One leaf of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Entry {
    /// A report was stored.
    Stored {
        id: String,
        sha256: String,
        partner: String,
        day: Day,
        /// How the report was sealed. Leaves written before 0.2 carried it; new leaves do not:
        /// "sealed by the server" means JavaScript was off, a fingerprint of Tor Browser's
        /// Safest level that the public log must not publish per partner and day.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed: Option<SealedBy>,
    },
    /// A report was deleted.
    Deleted { id: String, reason: String },
    /// The server started serving a directory version.
    Directory { sha256: String, version: u64 },
    /// The partner acknowledged (decrypted) a report; `signature` (base64 Ed25519 over
    /// [`crate::keys::officer::ack_message`]) is by `officer`, a key the directory lists.
    Ack {
        id: String,
        partner: String,
        sha256: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        officer: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
}

impl Entry {
    /// The entry recording a stored report (the store makes it from its row:
    /// `ReportMeta::log_entry`).
    pub fn stored(id: ReportId, sha256: Sha256, partner: &PartnerId, day: Day) -> Self {
        Entry::Stored {
            id: id.to_string(),
            sha256: sha256.to_string(),
            partner: partner.to_string(),
            day,
            sealed: None,
        }
    }

    /// True when this entry is `expected` (made by [`Entry::stored`]) for a report sealed by
    /// `sealed`: the fields match (a leaf written before the sealing side left the log may
    /// still name it, and then it must match too).
    pub fn records(&self, expected: &Entry, sealed: SealedBy) -> bool {
        match (self, expected) {
            (
                Entry::Stored {
                    id,
                    sha256,
                    partner,
                    day,
                    sealed: named,
                },
                Entry::Stored {
                    id: id2,
                    sha256: sha2,
                    partner: partner2,
                    day: day2,
                    ..
                },
            ) => {
                named.is_none_or(|s| s == sealed)
                    && (id, sha256, partner, day) == (id2, sha2, partner2, day2)
            }
            _ => false,
        }
    }

    /// The canonical bytes of the leaf.
    pub fn to_bytes(&self) -> Vec<u8> {
        // An empty leaf in the public log would be worse than a crash: this cannot fail.
        serde_json::to_vec(self).expect("a leaf is strings, numbers and days: JSON cannot fail")
    }

    /// Parses a leaf (refuses unknown fields and types).
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }

    /// The report this entry is about, if any.
    pub fn report(&self) -> Option<&str> {
        match self {
            Entry::Stored { id, .. } | Entry::Deleted { id, .. } | Entry::Ack { id, .. } => {
                Some(id)
            }
            Entry::Directory { .. } => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_compact_json_and_round_trip() {
        let e = Entry::Stored {
            id: "0".repeat(32),
            sha256: "ab".repeat(32),
            partner: "cav-milano".into(),
            day: Day(20_000),
            sealed: None,
        };
        let bytes = e.to_bytes();
        assert!(bytes.starts_with(b"{\"type\":\"stored\",\"id\":\"000"));
        assert!(String::from_utf8_lossy(&bytes).contains("\"day\":\"2024-10-04\""));
        assert_eq!(Entry::parse(&bytes).unwrap(), e);
        assert!(Entry::parse(b"{\"type\":\"stored\",\"ip\":\"1.2.3.4\"}").is_err());
        assert!(!String::from_utf8_lossy(&bytes).contains("sealed"));
    }

    #[test]
    fn leaves_written_with_the_sealing_side_still_parse_and_match() {
        let old = br#"{"type":"stored","id":"00000000000000000000000000000000","sha256":"abababababababababababababababababababababababababababababababab","partner":"cav","day":"2024-10-04","sealed":"server"}"#;
        let e = Entry::parse(old).unwrap();
        assert_eq!(
            e.to_bytes(),
            old.to_vec(),
            "old leaves re-serialise byte for byte"
        );
        let id: ReportId = "0".repeat(32).parse().unwrap();
        let sha: Sha256 = "ab".repeat(32).parse().unwrap();
        let expected = Entry::stored(id, sha, &"cav".parse().unwrap(), Day(20_000));
        assert!(e.records(&expected, SealedBy::Server));
        assert!(expected.records(&expected, SealedBy::Server));
        assert!(
            !e.records(&expected, SealedBy::Client),
            "an old leaf's sealing side must still match"
        );
        assert!(expected.records(&expected, SealedBy::Client));
        let other = Entry::stored(id, sha, &"cav".parse().unwrap(), Day(20_001));
        assert!(!e.records(&other, SealedBy::Server));
    }
}
