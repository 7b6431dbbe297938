//! The vault's index: one small JSON document sealed to the officer's own recipients (so a
//! seized vault lists report ids and sizes, nothing a victim wrote). It caches what the inbox
//! sorts and shows without opening every report, and lists the plaintext exports.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{read_all, VaultError};
use crate::envelope;
use crate::keys::OfficerIdentity;
use crate::model::{Day, ReportId};

/// What the vault knows about one report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// The day the server recorded it.
    pub day: Day,
    /// The day it was first acknowledged (retention counts from here).
    #[serde(default)]
    pub acknowledged: Option<Day>,
    /// SHA-256 of the age file, as the server recorded it.
    pub sha256: String,
    /// Size of the age file.
    pub size: u64,
    /// Her answer to "how urgent" (a code), if any.
    #[serde(default)]
    pub urgency: Option<String>,
    /// Her answer to "are you safe now" (a code), if any.
    #[serde(default)]
    pub safe_now: Option<String>,
    /// The page language she used.
    #[serde(default)]
    pub language: Option<String>,
    /// `report`, or another kind (an answer in her mailbox).
    #[serde(default)]
    pub kind: Option<String>,
    /// Attachment names and sizes.
    #[serde(default)]
    pub attachments: Vec<(String, u64)>,
    /// When this vault first kept it (seconds since 1970, this computer's clock; in the sealed
    /// index only): with the arrival day, how long it has waited at least.
    #[serde(default)]
    pub seen: Option<u64>,
}

impl Entry {
    /// Fills the inbox fields from an opened `report.json`.
    pub fn describe(&mut self, report: &serde_json::Value, attachments: &[(String, u64)]) {
        let s = |k: &str| report.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        self.urgency = s("urgency");
        self.safe_now = s("safe_now");
        self.language = s("language");
        self.kind = s("kind");
        self.attachments = attachments.to_vec();
    }
}

/// Seconds since 1970 by this computer's clock.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Entry {
    /// How long the report has waited at least, in seconds at `now`: since the end of its
    /// arrival day, or since this vault first kept it if that was earlier.
    pub fn waited(&self, now: u64) -> u64 {
        let end_of_day = (u64::from(self.day.0) + 1) * 86_400;
        now.saturating_sub(self.seen.map_or(end_of_day, |s| s.min(end_of_day)))
    }
}

/// The inbox order: urgency first (today, this week, not said, not urgent), then safety (not
/// safe, not sure, not said, safe), then newest first — urgency and safety lead as they lead
/// `approdo show`'s summary.
pub fn rank(e: &Entry) -> (u8, u8, std::cmp::Reverse<Day>) {
    let urgency = match e.urgency.as_deref() {
        Some("today") => 0,
        Some("this_week") => 1,
        Some("not_urgent") => 3,
        _ => 2,
    };
    let safety = match e.safe_now.as_deref() {
        Some("not_safe") => 0,
        Some("not_sure" | "not sure") => 1,
        Some("safe") => 3,
        _ => 2,
    };
    (urgency, safety, std::cmp::Reverse(e.day))
}

/// A report written out in the clear on the officer's request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Export {
    /// Which report.
    pub id: ReportId,
    /// The folder it was unpacked into.
    pub path: PathBuf,
}

/// The index.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Index {
    /// Reports kept, by id.
    #[serde(default)]
    pub reports: BTreeMap<ReportId, Entry>,
    /// Plaintext exports not wiped yet.
    #[serde(default)]
    pub exports: Vec<Export>,
    /// The last case record the desk saw of each officer's chain on each report
    /// ([`crate::case::chain`]): a record the server drops later is noticed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub case_heads: BTreeMap<ReportId, crate::case::chain::Heads>,
}

impl Index {
    /// The reports in inbox order.
    pub fn sorted(&self) -> Vec<(ReportId, &Entry)> {
        let mut v: Vec<(ReportId, &Entry)> = self.reports.iter().map(|(k, e)| (*k, e)).collect();
        v.sort_by_key(|(_, e)| rank(e));
        v
    }

    pub(super) fn load(path: &Path, ids: &[OfficerIdentity]) -> Result<Index, VaultError> {
        let f = match std::fs::File::open(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Index::default()),
            other => other.map_err(super::io(path))?,
        };
        let ages: Vec<crate::agekeys::Identity> = ids.iter().map(|i| i.age().clone()).collect();
        let open = |source| VaultError::Open {
            what: "index".into(),
            source,
        };
        let plain = envelope::open(BufReader::new(f), &ages).map_err(open)?;
        let bytes =
            read_all(plain).map_err(|e| open(envelope::EnvelopeError::ReadCiphertext(e)))?;
        serde_json::from_slice(&bytes).map_err(|e| VaultError::Damaged(e.to_string()))
    }

    pub(super) fn seal(&self, ids: &[OfficerIdentity]) -> Result<Vec<u8>, VaultError> {
        let recipients = OfficerIdentity::own_recipients(ids);
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(self).map_err(|e| VaultError::Damaged(e.to_string()))?,
        );
        let mut out = Vec::new();
        envelope::seal_to(&mut out, &recipients, json.as_slice()).map_err(VaultError::Seal)?;
        Ok(out)
    }
}
