//! One partner organisation of the directory: its officers' recipients (all X25519, or all
//! post-quantum `age1pq1…`) and signing keys.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::KeyError;
use crate::agekeys::hybrid::MAX_PER_PARTNER;
use crate::agekeys::{is_hybrid_recipient, Recipient};
use crate::model::PartnerId;

/// One partner organisation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// BCP 47 codes of the languages the partner can answer in.
    #[serde(default)]
    pub languages: Vec<String>,
    /// What the partner does, in one plain line for the person reporting (no legal terms),
    /// by BCP 47 language code; the form shows her language's line, else English's, else
    /// `description`. Absent from the JSON when empty, so older directories keep their bytes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub summary: BTreeMap<String, String>,
    /// The partner a report goes to when she answers "I don't know — let the network choose"
    /// (at most one per directory; without one the form does not offer that answer).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default_for_unsure: bool,
    /// Every officer's `age1…` (or, all of them, post-quantum `age1pq1…`) recipient; reports
    /// are sealed to all of them.
    pub recipients: Vec<String>,
    /// Every officer's Ed25519 signing key (base64), derived from their identity
    /// (`approdo officer show`); acknowledgements in the log are signed with one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub officer_keys: Vec<String>,
}

impl Partner {
    /// The plain line for a person reading in `lang`: hers, else English, else the description
    /// (for officers), with the language it is in (`None`: the description's, unknown).
    pub fn summary_for(&self, lang: &str) -> (&str, Option<&str>) {
        for code in [lang, "en"] {
            if let Some((code, line)) = self.summary.get_key_value(code) {
                return (line, Some(code));
            }
        }
        (&self.description, None)
    }

    /// The recipients, parsed (X25519 `age1…` or post-quantum `age1pq1…`).
    pub fn age_recipients(&self) -> Result<Vec<Recipient>, KeyError> {
        self.recipients
            .iter()
            .map(|r| {
                Recipient::from_str(r).map_err(|e| {
                    let short: String = r.chars().take(24).collect();
                    KeyError::InvalidDirectory(format!(
                        "partner {}: recipient {short}…: {e}",
                        self.id
                    ))
                })
            })
            .collect()
    }

    /// True when the partner is post-quantum: every recipient is `age1pq1…` (reports to it are
    /// sealed with `mlkem768x25519` stanzas only). The directory refuses a partner that mixes
    /// the two kinds.
    pub fn is_pq(&self) -> bool {
        !self.recipients.is_empty() && self.recipients.iter().all(|r| is_hybrid_recipient(r))
    }

    /// Refuses a partner whose recipients mix post-quantum and X25519 keys (no file can be
    /// sealed to both), or whose header would not fit the server's limit.
    pub(super) fn check_kinds(&self) -> Result<(), KeyError> {
        let pq = self
            .recipients
            .iter()
            .filter(|r| is_hybrid_recipient(r))
            .count();
        if pq > 0 && pq < self.recipients.len() {
            return Err(KeyError::InvalidDirectory(format!(
                "partner {} mixes post-quantum (age1pq1…) and X25519 (age1…) recipients;                  a file sealed to both would lose its post-quantum protection, so all of a                  partner's officers must use one kind (approdo officer rotate --pq)",
                self.id
            )));
        }
        if pq > MAX_PER_PARTNER {
            return Err(KeyError::InvalidDirectory(format!(
                "partner {} has {pq} post-quantum recipients; at most {MAX_PER_PARTNER} fit                  the server's header limit",
                self.id
            )));
        }
        Ok(())
    }
}
