//! The signed, sealed form of a case record ([`super::CaseRecord`]): the text an officer
//! signs ([`signed_message`], see the parent module's doc), sealing and signing
//! ([`super::CaseRecord::seal`]), and checking and opening ([`SignedCase::verify`],
//! [`SignedCase::open`]); the link hash that chains an officer's records on a report.

use base64::prelude::{Engine, BASE64_STANDARD};
use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{CaseError, CaseRecord, MAX_PLAINTEXT, NO_PREV, SCHEMA, SIGNED_SCHEMA};
use crate::keys::{Directory, OfficerIdentity};

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where a record sits in its officer's chain for a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link<'a> {
    /// 0 for her first record on the report, then one more each time.
    pub seq: u64,
    /// The link hash ([`SignedCase::link_hash`]) of her previous record, or [`NO_PREV`].
    pub prev: &'a str,
}

/// The exact text an officer signs (see the module doc).
pub fn signed_message(
    report: &str,
    partner: &str,
    officer_key: &str,
    link: Link<'_>,
    sealed: &[u8],
) -> Result<Vec<u8>, CaseError> {
    if !is_hex(report, 32) {
        return Err(CaseError::Malformed("report id"));
    }
    if partner.parse::<crate::model::PartnerId>().is_err() {
        return Err(CaseError::Malformed("partner id"));
    }
    if crate::keys::officer::parse_officer_key(officer_key).is_none() {
        return Err(CaseError::Malformed("officer key"));
    }
    if !is_hex(link.prev, 64) || (link.seq == 0) != (link.prev == NO_PREV) {
        return Err(CaseError::Malformed("link to the previous record"));
    }
    let hash = hex::encode(Sha256::digest(sealed));
    let (seq, prev) = (link.seq, link.prev);
    Ok(format!(
        "{SIGNED_SCHEMA}\nreport {report}\npartner {partner}\nofficer {officer_key}\nseq {seq}\nprev {prev}\nsealed {hash}\n"
    )
    .into_bytes())
}

/// A sealed record and its signature, as a server would store it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignedCase {
    /// The report it is filed under.
    pub report: String,
    /// The writing officer's partner.
    pub partner: String,
    /// The writing officer's Ed25519 key, base64.
    pub officer_key: String,
    /// Its place in the officer's chain for the report (see [`Link`]).
    pub seq: u64,
    /// The link hash of her previous record on the report, or [`NO_PREV`].
    pub prev: String,
    /// The signature over [`signed_message`], base64.
    pub signature: String,
    /// The age file, base64.
    pub age: String,
}

impl CaseRecord {
    /// Seals the record to every officer of `partner` in `directory` and signs it with
    /// `officer`'s key, at `link` in her chain for the report.
    pub fn seal(
        &self,
        directory: &Directory,
        partner: &str,
        officer: &OfficerIdentity,
        link: Link<'_>,
    ) -> Result<SignedCase, CaseError> {
        let plain = serde_json::to_vec(self).map_err(|e| CaseError::Seal(e.to_string()))?;
        if plain.len() > MAX_PLAINTEXT || self.schema != SCHEMA {
            return Err(CaseError::Seal(
                "empty, too long or not approdo.case/v1".into(),
            ));
        }
        let recipients = directory
            .partner(partner)
            .ok_or_else(|| CaseError::NotListed(partner.to_owned()))?
            .age_recipients()
            .map_err(|e| CaseError::Seal(e.to_string()))?;
        let mut sealed = Vec::new();
        crate::envelope::seal_to(&mut sealed, &recipients, plain.as_slice())
            .map_err(|e| CaseError::Seal(e.to_string()))?;
        let key = officer
            .signing_key()
            .map_err(|e| CaseError::Seal(e.to_string()))?;
        let officer_key = BASE64_STANDARD.encode(key.verifying_key().as_bytes());
        let message = signed_message(&self.report, partner, &officer_key, link, &sealed)?;
        Ok(SignedCase {
            report: self.report.clone(),
            partner: partner.to_owned(),
            officer_key,
            seq: link.seq,
            prev: link.prev.to_owned(),
            signature: BASE64_STANDARD.encode(key.sign(&message).to_bytes()),
            age: BASE64_STANDARD.encode(&sealed),
        })
    }
}

impl SignedCase {
    /// The age file.
    pub fn sealed(&self) -> Result<Vec<u8>, CaseError> {
        BASE64_STANDARD
            .decode(&self.age)
            .map_err(|_| CaseError::Malformed("age file"))
    }

    fn link(&self) -> Link<'_> {
        Link {
            seq: self.seq,
            prev: &self.prev,
        }
    }

    /// What the officer's next record on this report links to: the SHA-256 of the signed
    /// text and the signature (64 lowercase hex).
    pub fn link_hash(&self) -> Result<String, CaseError> {
        let sealed = self.sealed()?;
        let mut h = Sha256::new();
        h.update(signed_message(
            &self.report,
            &self.partner,
            &self.officer_key,
            self.link(),
            &sealed,
        )?);
        h.update(self.signature.as_bytes());
        Ok(hex::encode(h.finalize()))
    }

    /// Verifies the signature, and that the directory lists the officer key under the partner.
    pub fn verify(&self, directory: &Directory) -> Result<(), CaseError> {
        directory
            .partner(&self.partner)
            .filter(|p| p.officer_keys.iter().any(|k| k == &self.officer_key))
            .ok_or_else(|| CaseError::NotListed(self.partner.clone()))?;
        self.check_signature()
    }

    /// Verifies the signature against the officer key the record names, whoever lists it (an
    /// auditor's check of a record filed before a key rotation).
    pub fn check_signature(&self) -> Result<(), CaseError> {
        let sealed = self.sealed()?;
        let message = signed_message(
            &self.report,
            &self.partner,
            &self.officer_key,
            self.link(),
            &sealed,
        )?;
        let key = crate::keys::officer::parse_officer_key(&self.officer_key)
            .ok_or(CaseError::Malformed("officer key"))?;
        let sig = BASE64_STANDARD
            .decode(&self.signature)
            .ok()
            .and_then(|b| ed25519_dalek::Signature::from_slice(&b).ok())
            .ok_or(CaseError::Invalid)?;
        key.verify_strict(&message, &sig)
            .map_err(|_| CaseError::Invalid)
    }

    /// Verifies, then opens the record with one of `identities`; refuses a record written for
    /// another report than the one it is filed under.
    pub fn open(
        &self,
        directory: &Directory,
        identities: &[OfficerIdentity],
    ) -> Result<CaseRecord, CaseError> {
        self.verify(directory)?;
        let sealed = self.sealed()?;
        let ages: Vec<crate::agekeys::Identity> =
            identities.iter().map(|i| i.age().clone()).collect();
        let mut plain = Vec::new();
        let reader =
            crate::envelope::open(sealed.as_slice(), &ages).map_err(|_| CaseError::Unreadable)?;
        std::io::Read::read_to_end(
            &mut std::io::Read::take(reader, MAX_PLAINTEXT as u64 + 1),
            &mut plain,
        )
        .map_err(|_| CaseError::Unreadable)?;
        let record: CaseRecord =
            serde_json::from_slice(&plain).map_err(|_| CaseError::Unreadable)?;
        if record.schema != SCHEMA {
            return Err(CaseError::Unreadable);
        }
        if record.report != self.report {
            return Err(CaseError::Moved);
        }
        Ok(record)
    }
}
