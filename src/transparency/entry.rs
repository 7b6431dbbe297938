//! Log entries: one compact JSON object per leaf, `{"type": …}` first. They hold what an
//! auditor needs and nothing about who submitted: a report's id, ciphertext hash, partner,
//! day and sealing side; deletions with their reason; directory versions by hash;
//! acknowledgements by the partner (signed by the officer where the CLI can).

use serde::{Deserialize, Serialize};

use crate::store::{Day, ReportMeta, SealedBy};

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
        sealed: SealedBy,
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
    /// The entry recording a stored report.
    pub fn stored(meta: &ReportMeta) -> Self {
        Entry::Stored {
            id: meta.id.to_string(),
            sha256: meta.sha256.clone(),
            partner: meta.partner.to_string(),
            day: meta.day,
            sealed: meta.sealed,
        }
    }

    /// The canonical bytes of the leaf.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
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
            sealed: SealedBy::Server,
        };
        let bytes = e.to_bytes();
        assert!(bytes.starts_with(b"{\"type\":\"stored\",\"id\":\"000"));
        assert!(String::from_utf8_lossy(&bytes).contains("\"day\":\"2024-10-04\""));
        assert_eq!(Entry::parse(&bytes).unwrap(), e);
        assert!(Entry::parse(b"{\"type\":\"stored\",\"ip\":\"1.2.3.4\"}").is_err());
    }
}
