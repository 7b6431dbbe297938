//! What the store keeps about a report — and nothing more: partner, day of arrival, size,
//! how it was sealed, state, and the SHA-256 of the ciphertext. This is the redb row; the
//! officer API lists [`ReportSummary`]s made from it ([`ReportMeta::summary`]). The row is
//! strict (`deny_unknown_fields`, closed enums); the summary is what clients parse leniently.

use serde::{Deserialize, Serialize};

use crate::model::{Day, PartnerId, ReportId, ReportState, ReportSummary, SealedBy, Sha256};
use crate::transparency::Entry;

/// The metadata the store keeps per report. Nothing else about a report exists on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportMeta {
    pub id: ReportId,
    pub partner: PartnerId,
    pub day: Day,
    /// Ciphertext bytes (the plaintext inside is Padmé-padded).
    pub size: u64,
    pub sealed: SealedBy,
    pub state: ReportState,
    /// The day an officer first acknowledged it (retention counts from here). Absent until
    /// then, and on reports acknowledged before approdo recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Day>,
    /// SHA-256 of the whole age file.
    pub sha256: Sha256,
    /// How many chunks hold it.
    pub chunks: u32,
}

impl ReportMeta {
    /// The log's leaf recording this report as stored.
    pub fn log_entry(&self) -> Entry {
        Entry::stored(self.id, self.sha256, &self.partner, self.day)
    }

    /// True when `entry` is the log's record of this report.
    pub fn recorded_by(&self, entry: &Entry) -> bool {
        entry.records(&self.log_entry(), self.sealed)
    }

    /// The officer API's view of this row.
    pub fn summary(&self) -> ReportSummary {
        ReportSummary {
            id: self.id,
            partner: self.partner.clone(),
            day: self.day,
            size: self.size,
            sealed: self.sealed.into(),
            state: self.state.into(),
            acknowledged: self.acknowledged,
            sha256: self.sha256,
            chunks: self.chunks,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The row and the API summary are separate types; the summary the officer API lists of a
    /// row is the frozen wire format (`tests/vectors/report_summary.json`).
    #[test]
    fn a_row_summarises_to_the_frozen_wire_format() {
        let golden: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/report_summary.json")).unwrap();
        for want in golden.as_array().unwrap() {
            let row: ReportMeta = serde_json::from_value(want.clone()).unwrap();
            assert_eq!(&serde_json::to_value(row.summary()).unwrap(), want);
        }
    }
}
