//! Signed replies (`approdo.signed-reply/v1`): who really wrote a reply.
//!
//! The name she sees above a reply must come from the signed directory, never from what an
//! officer typed. So the officer signs, with the Ed25519 key the directory lists for her
//! partner (`officer_keys`, derived from her identity), a domain-separated text that binds the
//! mailbox, the report answered, the partner, the officer key and the SHA-256 of the sealed
//! age file:
//!
//! ```text
//! approdo.signed-reply/v1\n
//! mailbox <64 lowercase hex>\n
//! report <32 lowercase hex>\n
//! partner <partner id>\n
//! officer <base64 Ed25519 public key>\n
//! sealed <SHA-256 of the age file, 64 lowercase hex>\n
//! ```
//!
//! Every field has a charset without newlines or spaces (checked before signing and before
//! verifying), so the text is unambiguous. The server checks the signature when an officer
//! posts and files `partner`, `officer_key` and `signature` beside the age file (never the
//! report id: it travels inside the sealed reply, as `in_reply_to`). Her browser and the page
//! without JavaScript verify again after opening the reply, with the report id from inside it,
//! and show the partner's name from the verified directory; a reply that does not verify is
//! hidden, with a message saying so. Vectors: `tests/vectors/reply.json`.

use base64::prelude::{Engine, BASE64_STANDARD};
use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{Directory, Partner};

/// The schema tag, also the first line of the signed text.
pub const SIGNED_SCHEMA: &str = "approdo.signed-reply/v1";

/// Why a reply's signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// A field is not in its charset (mailbox, report id, partner id, key).
    #[error("the reply signature names a malformed {0}")]
    Malformed(&'static str),
    /// The partner is not in the directory, or does not list this officer key.
    #[error("the officer key is not one of partner {0}'s keys in the signed directory")]
    NotListed(String),
    /// The signature does not verify.
    #[error("the reply signature does not verify; the reply may be forged")]
    Invalid,
}

/// What travels beside a sealed reply: who signed it and the signature.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReplySignature {
    /// The partner the officer belongs to (as the directory spells it).
    pub partner: String,
    /// The officer's Ed25519 public key, base64 (one of the partner's `officer_keys`).
    pub officer_key: String,
    /// The Ed25519 signature over [`signed_message`], base64.
    pub signature: String,
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The exact text an officer signs (see the module doc).
pub fn signed_message(
    mailbox: &str,
    report: &str,
    partner: &str,
    officer_key: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, SignatureError> {
    if !is_hex(mailbox, 64) {
        return Err(SignatureError::Malformed("mailbox id"));
    }
    if !is_hex(report, 32) {
        return Err(SignatureError::Malformed("report id"));
    }
    if partner.parse::<crate::model::PartnerId>().is_err() {
        return Err(SignatureError::Malformed("partner id"));
    }
    if crate::keys::officer::parse_officer_key(officer_key).is_none() {
        return Err(SignatureError::Malformed("officer key"));
    }
    let hash = hex::encode(Sha256::digest(sealed));
    Ok(format!(
        "{SIGNED_SCHEMA}\nmailbox {mailbox}\nreport {report}\npartner {partner}\nofficer {officer_key}\nsealed {hash}\n"
    )
    .into_bytes())
}

impl ReplySignature {
    /// Signs a sealed reply with an officer's key.
    pub fn sign(
        key: &ed25519_dalek::SigningKey,
        mailbox: &str,
        report: &str,
        partner: &str,
        sealed: &[u8],
    ) -> Result<Self, SignatureError> {
        let officer_key = BASE64_STANDARD.encode(key.verifying_key().as_bytes());
        let message = signed_message(mailbox, report, partner, &officer_key, sealed)?;
        Ok(ReplySignature {
            partner: partner.to_owned(),
            officer_key,
            signature: BASE64_STANDARD.encode(key.sign(&message).to_bytes()),
        })
    }

    /// Verifies the signature, and that the directory lists the officer key under the partner;
    /// returns that partner (whose `name` is the one to show).
    pub fn verify<'d>(
        &self,
        directory: &'d Directory,
        mailbox: &str,
        report: &str,
        sealed: &[u8],
    ) -> Result<&'d Partner, SignatureError> {
        let message = signed_message(mailbox, report, &self.partner, &self.officer_key, sealed)?;
        let partner = directory
            .partner(&self.partner)
            .filter(|p| p.officer_keys.iter().any(|k| k == &self.officer_key))
            .ok_or_else(|| SignatureError::NotListed(self.partner.clone()))?;
        let key = crate::keys::officer::parse_officer_key(&self.officer_key)
            .ok_or(SignatureError::Malformed("officer key"))?;
        let sig = BASE64_STANDARD
            .decode(&self.signature)
            .ok()
            .and_then(|b| ed25519_dalek::Signature::from_slice(&b).ok())
            .ok_or(SignatureError::Invalid)?;
        key.verify_strict(&message, &sig)
            .map_err(|_| SignatureError::Invalid)?;
        Ok(partner)
    }

    /// A stored row's payload: the schema line, this signature as one JSON line, the age file.
    pub fn frame(&self, sealed: &[u8]) -> Vec<u8> {
        let mut out = format!("{SIGNED_SCHEMA}\n").into_bytes();
        out.extend_from_slice(
            &serde_json::to_vec(self).expect("a signature is three strings: JSON cannot fail"),
        );
        out.push(b'\n');
        out.extend_from_slice(sealed);
        out
    }

    /// Splits a stored payload into its signature (if it has one) and the age file. A payload
    /// from before signed replies is all age file, with no signature (it will be hidden).
    pub fn unframe(payload: &[u8]) -> (Option<ReplySignature>, &[u8]) {
        let prefix = format!("{SIGNED_SCHEMA}\n");
        let Some(rest) = payload.strip_prefix(prefix.as_bytes()) else {
            return (None, payload);
        };
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            return (None, payload);
        };
        match serde_json::from_slice(&rest[..nl]) {
            Ok(sig) => (Some(sig), &rest[nl + 1..]),
            Err(_) => (None, payload),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vectors() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/vectors/reply.json")).unwrap()
    }

    #[test]
    fn vectors_verify_as_stated() {
        let v = vectors();
        let directory: Directory = serde_json::from_value(v["directory"].clone()).unwrap();
        for case in v["cases"].as_array().unwrap() {
            let sealed = BASE64_STANDARD
                .decode(case["sealed"].as_str().unwrap())
                .unwrap();
            let sig: ReplySignature = serde_json::from_value(case["signature"].clone()).unwrap();
            let mailbox = case["mailbox"].as_str().unwrap();
            let report = case["report"].as_str().unwrap();
            if let Some(m) = case["message"].as_str() {
                let text = signed_message(mailbox, report, &sig.partner, &sig.officer_key, &sealed)
                    .unwrap();
                assert_eq!(String::from_utf8(text).unwrap(), m, "{}", case["name"]);
            }
            let got = sig.verify(&directory, mailbox, report, &sealed);
            match case["valid_partner_name"].as_str() {
                Some(name) => assert_eq!(got.unwrap().name, name, "{}", case["name"]),
                None => assert!(got.is_err(), "{} must not verify", case["name"]),
            }
        }
    }

    #[test]
    fn frame_round_trip_and_legacy_rows() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let sig =
            ReplySignature::sign(&key, &"a".repeat(64), &"b".repeat(32), "cav", b"x").unwrap();
        let framed = sig.frame(b"age-bytes\n\x00");
        assert_eq!(
            ReplySignature::unframe(&framed),
            (Some(sig), &b"age-bytes\n\x00"[..])
        );
        assert_eq!(
            ReplySignature::unframe(b"age-encryption.org/v1\n"),
            (None, &b"age-encryption.org/v1\n"[..])
        );
        assert!(ReplySignature::sign(&key, "A", &"b".repeat(32), "cav", b"x").is_err());
        assert!(
            ReplySignature::sign(&key, &"a".repeat(64), &"b".repeat(32), "Cav\nx", b"x").is_err()
        );
    }
}
