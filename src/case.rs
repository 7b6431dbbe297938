//! Case state shared by a partner's officers, invisible to the server (issue 17, item 3):
//! who took a report, its status, notes, and a copy of every reply sent — each a small
//! [`CaseRecord`] sealed with age to **all of the partner's officers' recipients** (from the
//! signed directory) and signed with the writing officer's Ed25519 key (`officer_keys`).
//!
//! The signed text binds the report, the partner, the officer key, the record's place in that
//! officer's chain for the report, and the SHA-256 of the sealed record, domain-separated:
//!
//! ```text
//! approdo.signed-case/v2\n
//! report <32 lowercase hex>\n
//! partner <partner id>\n
//! officer <base64 Ed25519 public key>\n
//! seq <decimal: 0 for the officer's first record on this report, then +1>\n
//! prev <64 lowercase hex: link hash of her previous record on this report; zeros for seq 0>\n
//! sealed <SHA-256 of the age file, 64 lowercase hex>\n
//! ```
//!
//! A server stores such records beside the report as opaque ciphertext (it learns that
//! something was added, and by which officer key). It cannot read, forge or move one to
//! another report: [`SignedCase::verify`] checks the signature against the directory and
//! [`SignedCase::open`] that the report named inside the sealed record is the one it is filed
//! under. It can still drop, replay or reorder records: [`chain`] finds it, from the signed
//! sequence numbers and hash links and from the heads a desk remembers (sealed in its vault).

use serde::{Deserialize, Serialize};

pub mod chain;
mod signed;

pub use signed::{signed_message, Link, SignedCase};

use crate::reply::Appointment;

/// The schema of a record's plaintext.
pub const SCHEMA: &str = "approdo.case/v1";
/// The first line of the signed text.
pub const SIGNED_SCHEMA: &str = "approdo.signed-case/v2";
/// `prev` of an officer's first record on a report.
pub const NO_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Longest record plaintext.
pub const MAX_PLAINTEXT: usize = 64 * 1024;

/// Why a case record was refused. Messages never hold what the record says.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CaseError {
    /// A field is not in its charset.
    #[error("the case record names a malformed {0}")]
    Malformed(&'static str),
    /// The partner is not in the directory, or does not list this officer key.
    #[error("the officer key is not one of partner {0}'s keys in the signed directory")]
    NotListed(String),
    /// The signature does not verify.
    #[error("the case record's signature does not verify; it may be forged")]
    Invalid,
    /// The record does not open with these identities, or is not a case record.
    #[error("the case record does not open with this identity, or is not a case record")]
    Unreadable,
    /// The record inside names another report than the one it is filed under.
    #[error("the case record was written for another report; it was moved")]
    Moved,
    /// The record is empty or too long, or cannot be sealed.
    #[error("the case record cannot be sealed: {0}")]
    Seal(String),
}

/// Where a case stands.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nobody took it yet.
    New,
    /// An officer took it (the signer).
    Taken,
    /// Answered; waiting for her.
    WaitingForHer,
    /// An appointment was proposed or accepted.
    AppointmentSet,
    /// Closed.
    Closed,
}

/// One record's plaintext.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CaseRecord {
    /// [`SCHEMA`].
    pub schema: String,
    /// The report it is about (32 lowercase hex).
    pub report: String,
    /// The status the officer set, if she set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// How the officer signs to colleagues ("Maria"), as she typed it; the key is what is
    /// verified.
    #[serde(default)]
    pub by: String,
    /// A note for colleagues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A copy of a reply sent: its message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// A copy of the appointment proposed with that reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<Appointment>,
    /// The appointment's day (`YYYY-MM-DD`) for colleagues' "appointments today"; not sent to
    /// her (her reply says the time in words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_on: Option<String>,
    /// A status shared with her (sent to her mailbox, sealed for her like a reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<crate::reply::SharedStatus>,
}

/// The furthest status shared with her so far, if any.
pub fn shared(records: &[CaseRecord]) -> Option<crate::reply::SharedStatus> {
    records.iter().filter_map(|r| r.shared).max()
}

/// Whether `s` is a `YYYY-MM-DD` day, as an `<input type="date">` sends it.
pub fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// The day of the latest appointment proposed for a report, unless it was closed since.
pub fn appointment_on(records: &[CaseRecord]) -> Option<&str> {
    if status(records) == Status::Closed {
        return None;
    }
    records
        .iter()
        .rev()
        .find(|r| r.appointment.is_some())
        .and_then(|r| r.appointment_on.as_deref())
}

/// The appointment colleagues already proposed for a report, if any (the latest one), with
/// who proposed it — what the desk shows before another is sent ("Maria already proposed
/// Tue 10:00 — send anyway?").
pub fn proposed_appointment(records: &[CaseRecord]) -> Option<(&str, &Appointment)> {
    records
        .iter()
        .rev()
        .find_map(|r| r.appointment.as_ref().map(|a| (r.by.as_str(), a)))
}

/// The status the records give a report: the latest one set.
pub fn status(records: &[CaseRecord]) -> Status {
    records
        .iter()
        .rev()
        .find_map(|r| r.status)
        .unwrap_or(Status::New)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::keys::{Directory, OfficerIdentity};
    use base64::prelude::{Engine, BASE64_STANDARD};
    use ed25519_dalek::Signer;

    const REPORT: &str = "0123456789abcdef0123456789abcdef";
    const FIRST: Link<'static> = Link {
        seq: 0,
        prev: NO_PREV,
    };

    fn setup() -> (Directory, OfficerIdentity, OfficerIdentity) {
        let directory = crate::keys::demo::directory().unwrap().directory().clone();
        let read = |p: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("keys/demo/secret")
                .join(format!("{p}-1.key"));
            OfficerIdentity::read_all(&path, || unreachable!())
                .unwrap()
                .remove(0)
        };
        (directory, read("cav-milano"), read("lavoro-milano"))
    }

    fn record(by: &str) -> CaseRecord {
        CaseRecord {
            schema: SCHEMA.into(),
            report: REPORT.into(),
            status: Some(Status::AppointmentSet),
            by: by.into(),
            note: Some("called back".into()),
            reply: Some("We can meet you.".into()),
            appointment: Some(Appointment {
                desk: "Via Roma 1".into(),
                time: "Tue 10:00".into(),
                phrase: "blue heron".into(),
            }),
            appointment_on: Some("2026-12-08".into()),
            shared: None,
        }
    }

    #[test]
    fn a_record_opens_for_the_partner_and_is_refused_when_forged_or_moved() {
        let (directory, cav, other) = setup();
        let signed = record("Maria")
            .seal(&directory, "cav-milano", &cav, FIRST)
            .unwrap();
        let opened = signed.open(&directory, std::slice::from_ref(&cav)).unwrap();
        assert_eq!(opened, record("Maria"));
        assert_eq!(
            status(std::slice::from_ref(&opened)),
            Status::AppointmentSet
        );
        assert_eq!(
            appointment_on(std::slice::from_ref(&opened)),
            Some("2026-12-08")
        );
        assert!(is_day("2026-12-08") && !is_day("2026-1-08") && !is_day("tomorrow!!"));
        let (by, a) = proposed_appointment(std::slice::from_ref(&opened)).unwrap();
        assert_eq!((by, a.time.as_str()), ("Maria", "Tue 10:00"));
        // Another partner's officer cannot read it.
        assert_eq!(
            signed.open(&directory, std::slice::from_ref(&other)),
            Err(CaseError::Unreadable)
        );
        // Filed under another report: the signature no longer matches.
        let mut moved = signed.clone();
        moved.report = "f".repeat(32);
        assert_eq!(moved.verify(&directory), Err(CaseError::Invalid));
        // Claimed for another partner: that partner does not list the key.
        let mut claimed = signed.clone();
        claimed.partner = "lavoro-milano".into();
        assert!(matches!(
            claimed.verify(&directory),
            Err(CaseError::NotListed(_))
        ));
        // A flipped byte of the age file.
        let mut bytes = BASE64_STANDARD.decode(&signed.age).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let mut flipped = signed.clone();
        flipped.age = BASE64_STANDARD.encode(&bytes);
        assert_eq!(flipped.verify(&directory), Err(CaseError::Invalid));
        // Signed by another partner's officer while naming this partner.
        let forged = record("Maria")
            .seal(&directory, "cav-milano", &other, FIRST)
            .unwrap();
        assert!(matches!(
            forged.verify(&directory),
            Err(CaseError::NotListed(_))
        ));
    }

    #[test]
    fn a_record_written_for_one_report_and_re_signed_under_another_is_refused() {
        let (directory, cav, _) = setup();
        let mut r = record("Maria");
        r.report = "a".repeat(32);
        let sealed = r.seal(&directory, "cav-milano", &cav, FIRST).unwrap();
        // A colleague's key cannot be borrowed, but the same officer could re-file her own
        // record: the report inside still says where it belongs.
        let key = cav.signing_key().unwrap();
        let age = BASE64_STANDARD.decode(&sealed.age).unwrap();
        let msg = signed_message(REPORT, "cav-milano", &sealed.officer_key, FIRST, &age).unwrap();
        let refiled = SignedCase {
            report: REPORT.into(),
            signature: BASE64_STANDARD.encode(key.sign(&msg).to_bytes()),
            ..sealed
        };
        assert_eq!(
            refiled.open(&directory, std::slice::from_ref(&cav)),
            Err(CaseError::Moved)
        );
    }
}
