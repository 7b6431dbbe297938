//! The partner directory: who the partners are and which age recipients read their reports,
//! signed by the network key.
//!
//! `directory.json` is served byte for byte; its signature travels beside it in
//! `directory.sig` (JSON: the network public key and an Ed25519 signature over
//! `"approdo.directory/v1\n" || directory.json`). Signing exact bytes means verifiers need no
//! JSON canonicalisation, in Rust or in the browser.

use std::collections::HashSet;
use std::path::Path;

use base64::prelude::{Engine, BASE64_STANDARD};
use serde::{Deserialize, Serialize};

use super::network::{NetworkKey, NetworkPublicKey};
pub use super::partner::Partner;
use super::{secretfile, KeyError, WitnessEntry};

/// Schema tag of the directory JSON.
pub const SCHEMA: &str = "approdo.directory/v1";
/// Schema tag of the detached signature.
pub const SIGNATURE_SCHEMA: &str = "approdo.directory-signature/v1";
const DOMAIN: &[u8] = b"approdo.directory/v1\n";

/// The form's answer "I don't know — let the network choose" (`partner=` value): not a valid
/// [`crate::model::PartnerId`] (an underscore), so it never names a partner.
pub const LET_NETWORK_CHOOSE: &str = "let_network_choose";

/// The directory document.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    pub schema: String,
    /// A human label for the network (the demo network says DEMO here).
    pub network: String,
    /// Increases with every published change.
    pub version: u64,
    pub partners: Vec<Partner>,
    /// The witnesses whose cosignatures verifiers require on the log's checkpoints
    /// ([`crate::witness`]); absent on a network without witnesses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<WitnessEntry>,
    /// How many of them must have cosigned a checkpoint (0: none required).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub witness_quorum: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The partners file an operator edits (`partners.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnersFile {
    network: String,
    version: u64,
    #[serde(rename = "partner")]
    partners: Vec<Partner>,
    #[serde(default, rename = "witness")]
    witnesses: Vec<WitnessEntry>,
    #[serde(default)]
    witness_quorum: u32,
}

impl Directory {
    /// Reads `partners.toml` (`network`, `version`, `[[partner]]` tables) and checks it.
    pub fn from_partners_toml(text: &str) -> Result<Self, KeyError> {
        let file: PartnersFile =
            toml::from_str(text).map_err(|e| KeyError::InvalidDirectory(e.to_string()))?;
        let dir = Directory {
            schema: SCHEMA.to_owned(),
            network: file.network,
            version: file.version,
            partners: file.partners,
            witnesses: file.witnesses,
            witness_quorum: file.witness_quorum,
        };
        dir.check()?;
        Ok(dir)
    }

    /// Rules: a known schema, at least one partner, unique ids, every partner has at least one
    /// valid recipient, no recipient belongs to two partners (a session is bound to one), and
    /// at most one partner is `default_for_unsure`.
    pub fn check(&self) -> Result<(), KeyError> {
        if self.schema != SCHEMA {
            return Err(KeyError::InvalidDirectory(format!(
                "schema is {:?}, expected {SCHEMA:?}",
                self.schema
            )));
        }
        if self.partners.is_empty() {
            return Err(KeyError::InvalidDirectory("no partners".into()));
        }
        let mut ids = HashSet::new();
        let mut recipients = HashSet::new();
        for p in &self.partners {
            if !ids.insert(&p.id) {
                return Err(KeyError::InvalidDirectory(format!(
                    "partner id {} appears twice",
                    p.id
                )));
            }
            if p.recipients.is_empty() {
                return Err(KeyError::InvalidDirectory(format!(
                    "partner {} has no recipients",
                    p.id
                )));
            }
            for k in &p.officer_keys {
                let ok = super::officer::parse_officer_key(k).is_some();
                if !ok || !recipients.insert(k.clone()) {
                    return Err(KeyError::InvalidDirectory(format!(
                        "partner {}: officer key {k} is not a unique base64 Ed25519 public key",
                        p.id
                    )));
                }
            }
            p.check_kinds()?;
            for r in p.age_recipients()? {
                if !recipients.insert(r.to_string()) {
                    return Err(KeyError::InvalidDirectory(format!(
                        "recipient {r} appears twice; each officer key belongs to one partner"
                    )));
                }
            }
        }
        if self
            .partners
            .iter()
            .filter(|p| p.default_for_unsure)
            .count()
            > 1
        {
            return Err(KeyError::InvalidDirectory(
                "more than one partner has default_for_unsure; mark one".into(),
            ));
        }
        self.witness_verifiers()?;
        if self.witness_quorum as usize > self.witnesses.len() {
            return Err(KeyError::InvalidDirectory(format!(
                "witness_quorum is {} but only {} witnesses are listed",
                self.witness_quorum,
                self.witnesses.len()
            )));
        }
        Ok(())
    }

    /// The partner with this id.
    pub fn partner(&self, id: &str) -> Option<&Partner> {
        self.partners.iter().find(|p| p.id.as_str() == id)
    }

    /// The partner the directory marks for reports whose author did not know whom to choose
    /// (`default_for_unsure`), if any.
    pub fn for_unsure(&self) -> Option<&Partner> {
        self.partners.iter().find(|p| p.default_for_unsure)
    }

    /// The partner a form answer names: an id, or [`LET_NETWORK_CHOOSE`] for [`Self::for_unsure`].
    pub fn chosen(&self, answer: &str) -> Option<&Partner> {
        if answer == LET_NETWORK_CHOOSE {
            self.for_unsure()
        } else {
            self.partner(answer)
        }
    }

    /// The partner whose recipients include `recipient`.
    pub fn partner_of_recipient(&self, recipient: &str) -> Option<&Partner> {
        self.partners
            .iter()
            .find(|p| p.recipients.iter().any(|r| r == recipient))
    }

    /// Signs the directory: returns the exact JSON bytes to publish and their signature file.
    pub fn sign(&self, key: &NetworkKey) -> Result<(Vec<u8>, Vec<u8>), KeyError> {
        self.check()?;
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| KeyError::InvalidDirectory(e.to_string()))?;
        bytes.push(b'\n');
        let sig = key.sign(&signed_message(&bytes));
        let file = SignatureFile {
            schema: SIGNATURE_SCHEMA.to_owned(),
            key: key.public().to_string(),
            signature: BASE64_STANDARD.encode(sig.to_bytes()),
        };
        let mut sig_bytes = serde_json::to_vec_pretty(&file)
            .map_err(|e| KeyError::InvalidDirectory(e.to_string()))?;
        sig_bytes.push(b'\n');
        Ok((bytes, sig_bytes))
    }
}

fn signed_message(bytes: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + bytes.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(bytes);
    m
}

/// `directory.sig`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureFile {
    schema: String,
    key: String,
    signature: String,
}

/// A directory whose signature verified against a pinned network key, with its exact bytes.
#[derive(Clone, Debug)]
pub struct SignedDirectory {
    network: NetworkPublicKey,
    directory: Directory,
    bytes: Vec<u8>,
    signature: Vec<u8>,
}

impl SignedDirectory {
    /// Verifies `bytes` and `signature` against `network`, then parses and checks the directory.
    pub fn verify(
        network: &NetworkPublicKey,
        bytes: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<Self, KeyError> {
        let file: SignatureFile = serde_json::from_slice(&signature)
            .map_err(|e| KeyError::malformed("directory signature", "signature file", e))?;
        if file.schema != SIGNATURE_SCHEMA {
            return Err(KeyError::malformed(
                "directory signature",
                "signature file",
                "unknown schema",
            ));
        }
        let raw = BASE64_STANDARD
            .decode(&file.signature)
            .map_err(|e| KeyError::malformed("directory signature", "signature file", e))?;
        let sig = ed25519_dalek::Signature::from_slice(&raw)
            .map_err(|e| KeyError::malformed("directory signature", "signature file", e))?;
        if file.key != network.to_string() || !network.verify(&signed_message(&bytes), &sig) {
            return Err(KeyError::BadSignature(network.to_string()));
        }
        let directory: Directory = serde_json::from_slice(&bytes)
            .map_err(|e| KeyError::InvalidDirectory(e.to_string()))?;
        directory.check()?;
        Ok(SignedDirectory {
            network: *network,
            directory,
            bytes,
            signature,
        })
    }

    /// Reads `directory.json` and the `directory.sig` beside it (or at `sig_path`).
    pub fn read(
        network: &NetworkPublicKey,
        path: &Path,
        sig_path: Option<&Path>,
    ) -> Result<Self, KeyError> {
        let default_sig = path.with_extension("sig");
        let sig_path = sig_path.unwrap_or(&default_sig);
        Self::verify(
            network,
            secretfile::read(path)?,
            secretfile::read(sig_path)?,
        )
    }

    /// The network public key the signature verified against.
    pub fn network_key(&self) -> &NetworkPublicKey {
        &self.network
    }

    /// The verified directory.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The exact signed bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The signature file's bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::keys::OfficerIdentity;
    use crate::model::PartnerId;

    fn toml_for(recipients: &[String]) -> String {
        format!(
            "network = \"test\"\nversion = 1\n[[partner]]\nid = \"cav\"\nname = \"CAV\"\nrecipients = {:?}\n",
            recipients
        )
    }

    #[test]
    fn sign_verify_and_tamper() {
        let key = NetworkKey::generate();
        let r = vec![OfficerIdentity::generate().recipient().to_string()];
        let dir = Directory::from_partners_toml(&toml_for(&r)).unwrap();
        let (bytes, sig) = dir.sign(&key).unwrap();
        let ok = SignedDirectory::verify(&key.public(), bytes.clone(), sig.clone()).unwrap();
        assert_eq!(ok.directory().partners[0].id.as_str(), "cav");
        let mut tampered = bytes.clone();
        let pos = tampered.iter().position(|&b| b == b'C').unwrap();
        tampered[pos] = b'D';
        assert!(matches!(
            SignedDirectory::verify(&key.public(), tampered, sig.clone()),
            Err(KeyError::BadSignature(_))
        ));
        let other = NetworkKey::generate();
        assert!(SignedDirectory::verify(&other.public(), bytes, sig).is_err());
    }

    #[test]
    fn unsure_goes_to_the_one_marked_partner_and_absent_fields_keep_the_bytes() {
        let key = NetworkKey::generate();
        let r = vec![OfficerIdentity::generate().recipient().to_string()];
        let plain = Directory::from_partners_toml(&toml_for(&r)).unwrap();
        assert!(plain.for_unsure().is_none());
        assert!(plain.chosen(LET_NETWORK_CHOOSE).is_none());
        let (bytes, _) = plain.sign(&key).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("summary") && !text.contains("default_for_unsure"));
        let marked = toml_for(&r) + "default_for_unsure = true\nsummary = { en = \"Help\" }\n";
        let dir = Directory::from_partners_toml(&marked).unwrap();
        assert_eq!(dir.chosen(LET_NETWORK_CHOOSE).unwrap().id.as_str(), "cav");
        assert_eq!(
            dir.chosen("cav").unwrap().summary_for("ar"),
            ("Help", Some("en"))
        );
        assert!(LET_NETWORK_CHOOSE.parse::<PartnerId>().is_err());
        let r2 = OfficerIdentity::generate().recipient().to_string();
        let two = format!(
            "{marked}[[partner]]\nid = \"b\"\nname = \"B\"\nrecipients = [{r2:?}]\ndefault_for_unsure = true\n"
        );
        assert!(Directory::from_partners_toml(&two).is_err());
    }

    #[test]
    fn rules_are_enforced() {
        assert!(Directory::from_partners_toml(&toml_for(&[])).is_err());
        assert!(Directory::from_partners_toml(&toml_for(&["age1nope".into()])).is_err());
        assert!("Bad Id".parse::<PartnerId>().is_err());
        assert!("../x".parse::<PartnerId>().is_err());
    }
}
