//! What a report is, as every layer names it: how it was sealed, where it is in its life, and
//! the summary the officer API lists ([`ReportSummary`]) — the wire type, apart from the
//! store's row so that either can change without breaking the other.

use serde::{Deserialize, Serialize};

use super::{Day, PartnerId, ReportId, Sha256};

/// Which side sealed the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SealedBy {
    /// The victim's browser (typage) or another client: the server never saw plaintext.
    Client,
    /// The server, in memory, for the form that works without JavaScript.
    Server,
}

/// Where a report is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportState {
    /// Stored, not yet acknowledged by an officer.
    Received,
    /// An officer of the partner confirmed that they decrypted it.
    Acknowledged,
}

/// One report as `GET /api/v1/officer/reports` lists it. Frozen by the golden test
/// `tests/vectors/report_summary.json`; parsed tolerantly (unknown fields are ignored), so
/// a field a newer server adds never breaks a deployed officer CLI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub id: ReportId,
    pub partner: PartnerId,
    /// The day it arrived.
    pub day: Day,
    /// Ciphertext bytes (the plaintext inside is Padmé-padded).
    pub size: u64,
    pub sealed: SealedBy,
    pub state: ReportState,
    /// The day an officer first acknowledged it; absent until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Day>,
    /// SHA-256 of the whole age file.
    pub sha256: Sha256,
    /// How many chunks the server streams it in.
    pub chunks: u32,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn summary() -> serde_json::Value {
        serde_json::json!({
            "id": "0123456789abcdef0123456789abcdef", "partner": "cav-milano",
            "day": "2026-11-28", "size": 1024, "sealed": "client", "state": "received",
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "chunks": 1,
        })
    }

    /// The wire format of `GET /api/v1/officer/reports`, frozen: change the fixture only on
    /// purpose, with a note in CHANGELOG.md, since deployed officer CLIs parse it.
    #[test]
    fn the_report_summary_wire_format_is_frozen() {
        let golden = include_str!("../../tests/vectors/report_summary.json");
        let parsed: Vec<ReportSummary> = serde_json::from_str(golden).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].acknowledged, Some(Day(20_001)));
        let again = serde_json::to_string_pretty(&parsed).unwrap() + "\n";
        assert_eq!(again, golden, "tests/vectors/report_summary.json changed");
    }

    #[test]
    fn a_summary_with_a_field_this_client_does_not_know_parses() {
        let mut json = summary();
        json["retention_days"] = serde_json::json!(90);
        json["nested"] = serde_json::json!({"new": [1, 2]});
        let got: ReportSummary = serde_json::from_value(json).unwrap();
        assert_eq!(got, serde_json::from_value(summary()).unwrap());
        assert_eq!(got.day, Day(20_785));
    }
}
