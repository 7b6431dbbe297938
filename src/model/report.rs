//! What a report is, as every layer names it: how it was sealed, where it is in its life, and
//! the summary the officer API lists ([`ReportSummary`]) — the wire type, apart from the
//! store's row so that either can change without breaking the other. The summary names its
//! sealing mode and state as [`Lenient`] values: a newer server may add one, and a deployed
//! officer CLI shows it as the server spelled it instead of failing to list reports.

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

/// A value of one of the enums above as a client reads it from a server that may be newer:
/// one this build knows, or the server's word for one it does not. A client shows an unknown
/// value as it is and acts only on known ones (it never sends a state back); the server's own
/// rows stay strict (`store::ReportMeta` holds the plain enums).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lenient<T> {
    /// A value this build knows.
    Known(T),
    /// A value a newer server sent, as it spelled it.
    Unknown(String),
}

impl<T> Lenient<T> {
    /// The known value, if it is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Lenient::Known(t) => Some(t),
            Lenient::Unknown(_) => None,
        }
    }
}

impl<T> From<T> for Lenient<T> {
    fn from(t: T) -> Self {
        Lenient::Known(t)
    }
}

impl<T: PartialEq> PartialEq<T> for Lenient<T> {
    fn eq(&self, other: &T) -> bool {
        self.known() == Some(other)
    }
}

impl<T: Serialize> Serialize for Lenient<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Lenient::Known(t) => t.serialize(s),
            Lenient::Unknown(word) => s.serialize_str(word),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::value::{Error, StringDeserializer};
        let word = String::deserialize(d)?;
        Ok(
            match T::deserialize(StringDeserializer::<Error>::new(word.clone())) {
                Ok(t) => Lenient::Known(t),
                Err(_) => Lenient::Unknown(word),
            },
        )
    }
}

impl std::fmt::Display for SealedBy {
    /// How the officer CLI names it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SealedBy::Client => "sealed in the browser",
            SealedBy::Server => "sealed by the server (JavaScript off)",
        })
    }
}

impl std::fmt::Display for ReportState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ReportState::Received => "received",
            ReportState::Acknowledged => "acknowledged",
        })
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Lenient<T> {
    /// A known value as this build names it, an unknown one as the server spelled it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lenient::Known(t) => t.fmt(f),
            Lenient::Unknown(word) => f.write_str(word),
        }
    }
}

/// One report as `GET /api/v1/officer/reports` lists it. Frozen by the golden test
/// `tests/vectors/report_summary.json`; parsed tolerantly (unknown fields are ignored), so
/// a field, a sealing mode or a state a newer server adds never breaks a deployed officer CLI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub id: ReportId,
    pub partner: PartnerId,
    /// The day it arrived.
    pub day: Day,
    /// Ciphertext bytes (the plaintext inside is Padmé-padded).
    pub size: u64,
    pub sealed: Lenient<SealedBy>,
    pub state: Lenient<ReportState>,
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

    /// A newer server's sealing mode and state parse, shown as the server spells them; known
    /// ones still parse to the enums, and a non-string value is still refused.
    #[test]
    fn a_summary_with_a_new_state_and_sealing_mode_parses() {
        let mut json = summary();
        json["sealed"] = serde_json::json!("relay");
        json["state"] = serde_json::json!("withdrawn");
        let got: ReportSummary = serde_json::from_value(json).unwrap();
        assert_eq!(got.sealed, Lenient::Unknown("relay".into()));
        assert_eq!(got.state, Lenient::Unknown("withdrawn".into()));
        assert_eq!(got.state.known(), None);
        assert_eq!(
            (got.sealed.to_string(), got.state.to_string()),
            ("relay".into(), "withdrawn".into())
        );

        let known: ReportSummary = serde_json::from_value(summary()).unwrap();
        assert_eq!(known.sealed, SealedBy::Client);
        assert_eq!(known.state, ReportState::Received);
        assert_eq!(known.state.to_string(), "received");

        let mut bad = summary();
        bad["state"] = serde_json::json!(3);
        assert!(serde_json::from_value::<ReportSummary>(bad).is_err());
    }
}
