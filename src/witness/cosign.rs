//! C2SP tlog-cosignature, Ed25519 type (`cosignature/v1`): the witness's signature over a
//! checkpoint, and checking a quorum of them.
//!
//! Quoting c2sp.org/tlog-cosignature: the key ID is `SHA-256(<name> || "\n" || 0x04 ||
//! 32-byte Ed25519 cosigner public key)[:4]`; the signature is a `timestamped_signature`
//! (`u64` big-endian POSIX timestamp, then the 64-byte Ed25519 signature); the signed message
//! is `cosignature/v1\n`, `time <timestamp>\n`, then the checkpoint's whole note body. The
//! note framing is `signed_note`'s; the signature is `ed25519-dalek`'s: this module only puts
//! the spec's bytes in order (checked against the spec's own example and a Go-generated
//! vector in the tests).
//!
//! Key files: the secret is `PRIVATE+KEY+<name>+<id hex>+base64(0x04 || seed)` (the signed-note
//! skey layout with the cosignature type byte), the public `<name>+<id hex>+base64(0x04 ||
//! key)` (a vkey, as the spec allows).

use base64::prelude::{Engine, BASE64_STANDARD};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::{Note, Signature, Verifier, VerifierList};
use zeroize::Zeroizing;

use super::WitnessError;

/// The cosignature key type byte (Ed25519, `cosignature/v1`).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut material = vec![ALG_COSIGNATURE_V1];
    material.extend_from_slice(key.as_bytes());
    signed_note::key_id(name, &material)
}

fn signed_message(time: u64, body: &[u8]) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {time}\n").into_bytes();
    msg.extend_from_slice(body);
    msg
}

fn valid_name(name: &str) -> Result<(), WitnessError> {
    if signed_note::is_key_name_valid(name) {
        Ok(())
    } else {
        Err(WitnessError::Key(format!(
            "{name:?} is not a key name (no spaces or '+')"
        )))
    }
}

/// A witness's signing key.
pub struct Cosigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cosigner({}, <secret>)", self.name)
    }
}

impl Cosigner {
    /// A new random key named `name` (a schema-less URL, e.g. `witness.example.org/w1`).
    pub fn generate(name: &str) -> Result<Self, WitnessError> {
        valid_name(name)?;
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        Ok(Self::from_key(name, key))
    }

    fn from_key(name: &str, key: SigningKey) -> Self {
        Cosigner {
            name: name.to_owned(),
            id: key_id(name, &key.verifying_key()),
            key,
        }
    }

    /// Parses the secret key text (`PRIVATE+KEY+…`).
    pub fn parse(text: &str) -> Result<Self, WitnessError> {
        let bad = || WitnessError::Key("not a witness secret key (PRIVATE+KEY+name+id+key)".into());
        let rest = text.trim().strip_prefix("PRIVATE+KEY+").ok_or_else(bad)?;
        let (name, rest) = rest.split_once('+').ok_or_else(bad)?;
        let (id, b64) = rest.split_once('+').ok_or_else(bad)?;
        valid_name(name)?;
        let raw = Zeroizing::new(BASE64_STANDARD.decode(b64).map_err(|_| bad())?);
        let seed: [u8; 32] = match raw.split_first() {
            Some((&ALG_COSIGNATURE_V1, seed)) => seed.try_into().map_err(|_| bad())?,
            _ => return Err(bad()),
        };
        let me = Self::from_key(name, SigningKey::from_bytes(&seed));
        if format!("{:08x}", me.id) != id {
            return Err(WitnessError::Key(
                "the key id does not match the key".into(),
            ));
        }
        Ok(me)
    }

    /// The secret key text (write it 0600).
    pub fn secret_text(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new(vec![ALG_COSIGNATURE_V1]);
        raw.extend_from_slice(self.key.as_bytes());
        Zeroizing::new(format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64_STANDARD.encode(&*raw)
        ))
    }

    /// The public verifier key (`name+id+base64(0x04 || key)`).
    pub fn vkey(&self) -> String {
        vkey(&self.name, &self.key.verifying_key())
    }

    /// The cosignature line (`— name base64…\n`) over a checkpoint note, made at `time`
    /// (seconds since the epoch): the `timestamped_signature`, framed by `signed_note`.
    pub fn cosign(&self, note: &Note, time: u64) -> Result<String, WitnessError> {
        let sig = self
            .key
            .try_sign(&signed_message(time, note.text()))
            .map_err(|e| WitnessError::Note(e.to_string()))?;
        let mut timestamped = time.to_be_bytes().to_vec();
        timestamped.extend_from_slice(&sig.to_bytes());
        let line = Signature::new(self.name.clone(), self.id, timestamped)
            .map_err(|e| WitnessError::Note(e.to_string()))?
            .to_bytes();
        String::from_utf8(line).map_err(|e| WitnessError::Note(e.to_string()))
    }
}

fn vkey(name: &str, key: &VerifyingKey) -> String {
    let mut raw = vec![ALG_COSIGNATURE_V1];
    raw.extend_from_slice(key.as_bytes());
    format!(
        "{name}+{:08x}+{}",
        key_id(name, key),
        BASE64_STANDARD.encode(raw)
    )
}

/// A witness's public key, to check its cosignatures.
#[derive(Clone, Debug)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// Parses a vkey (`name+id+base64(0x04 || key)`).
    pub fn new(vkey: &str) -> Result<Self, WitnessError> {
        let bad = |why: &str| WitnessError::Key(format!("witness key {vkey:?}: {why}"));
        let (name, rest) = vkey.trim().split_once('+').ok_or_else(|| bad("no name"))?;
        let (id, b64) = rest.split_once('+').ok_or_else(|| bad("no key id"))?;
        valid_name(name)?;
        let raw = BASE64_STANDARD.decode(b64).map_err(|_| bad("not base64"))?;
        let key: [u8; 32] = match raw.split_first() {
            Some((&ALG_COSIGNATURE_V1, key)) => key.try_into().map_err(|_| bad("length"))?,
            _ => return Err(bad("not a cosignature/v1 (0x04) key")),
        };
        let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("not an Ed25519 key"))?;
        let me = CosignatureVerifier {
            name: name.to_owned(),
            id: key_id(name, &key),
            key,
        };
        if format!("{:08x}", me.id) != id {
            return Err(bad("the key id does not match the key"));
        }
        Ok(me)
    }

    /// The witness's name.
    pub fn witness(&self) -> &str {
        &self.name
    }
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig): Result<[u8; 72], _> = sig.try_into() else {
            return false;
        };
        let mut time = [0u8; 8];
        time.copy_from_slice(&sig[..8]);
        let time = u64::from_be_bytes(time);
        if time > i64::MAX as u64 {
            return false;
        }
        let mut s = [0u8; 64];
        s.copy_from_slice(&sig[8..]);
        self.key
            .verify_strict(
                &signed_message(time, msg),
                &ed25519_dalek::Signature::from_bytes(&s),
            )
            .is_ok()
    }
}

/// One verified cosignature: who, and when it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    pub witness: String,
    /// Seconds since the epoch.
    pub time: u64,
    /// The signature line (`— name base64…\n`).
    pub line: String,
}

/// The witnesses of `witnesses` whose cosignature on `note` verifies (each once).
/// Signatures by other keys are ignored; a bad signature by a known key is an error.
pub fn verified_cosignatures(
    note: &[u8],
    witnesses: &[CosignatureVerifier],
) -> Result<Vec<Cosigned>, WitnessError> {
    if witnesses.is_empty() {
        return Ok(Vec::new());
    }
    let note = Note::from_bytes(note).map_err(|e| WitnessError::Note(e.to_string()))?;
    let list = VerifierList::new(
        witnesses
            .iter()
            .map(|w| Box::new(w.clone()) as Box<dyn Verifier>)
            .collect(),
    );
    let verified = match note.verify(&list) {
        Ok((verified, _)) => verified,
        Err(signed_note::NoteError::UnverifiedNote) => Vec::new(),
        Err(e) => return Err(WitnessError::Note(e.to_string())),
    };
    let mut out: Vec<Cosigned> = Vec::new();
    for sig in verified {
        let time = sig
            .signature()
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or_default();
        if !out.iter().any(|c| c.witness == sig.name()) {
            out.push(Cosigned {
                witness: sig.name().to_owned(),
                time,
                line: String::from_utf8_lossy(&sig.to_bytes()).into_owned(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CHECKPOINT: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    /// `tests/vectors/cosignature.json`, made by Python's `cryptography` from the spec's rules:
    /// the same key gives the same key id, vkey and signature line, and the line verifies.
    #[test]
    fn independent_vectors_sign_and_verify_the_same_bytes() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/cosignature.json")).unwrap();
        let cases = v["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 2);
        for c in cases {
            let seed: [u8; 32] = hex::decode(c["seed"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            let w = Cosigner::from_key(c["name"].as_str().unwrap(), SigningKey::from_bytes(&seed));
            let time = c["time"].as_u64().unwrap();
            assert_eq!(w.vkey(), c["vkey"].as_str().unwrap());
            let body = c["checkpoint"].as_str().unwrap();
            let note = Note::new(body.as_bytes(), &[]).unwrap();
            let line = w.cosign(&note, time).unwrap();
            assert_eq!(line, c["line"].as_str().unwrap(), "{}", c["label"]);
            let mut signed = note.to_bytes();
            signed.extend_from_slice(line.as_bytes());
            let verifier = CosignatureVerifier::new(c["vkey"].as_str().unwrap()).unwrap();
            let got = verified_cosignatures(&signed, &[verifier]).unwrap();
            assert_eq!(got[0].time, time);
        }
    }

    #[test]
    fn cosign_verify_round_trip_and_key_texts() {
        let w = Cosigner::generate("witness.example.org/w1").unwrap();
        let again = Cosigner::parse(&w.secret_text()).unwrap();
        assert_eq!(again.vkey(), w.vkey());
        let v = CosignatureVerifier::new(&w.vkey()).unwrap();
        // A note signed by the log (any key) plus the cosignature.
        let note = Note::new(CHECKPOINT.as_bytes(), &[]).unwrap();
        let line = w.cosign(&note, 1_679_315_147).unwrap();
        assert!(
            line.starts_with("\u{2014} witness.example.org/w1 "),
            "{line}"
        );
        let mut signed = note.to_bytes();
        signed.extend_from_slice(line.as_bytes());
        let got = verified_cosignatures(&signed, std::slice::from_ref(&v)).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].witness, "witness.example.org/w1");
        assert_eq!(got[0].time, 1_679_315_147);
        assert_eq!(got[0].line, line);
        // Another key of the same name is ignored; a flipped bit is an error.
        let other = Cosigner::generate("witness.example.org/w1").unwrap();
        let ov = CosignatureVerifier::new(&other.vkey()).unwrap();
        assert!(verified_cosignatures(&signed, &[ov]).unwrap().is_empty());
        let mut text = String::from_utf8(signed).unwrap();
        text = text.replace("20852163", "20852164");
        assert!(verified_cosignatures(text.as_bytes(), &[v]).is_err());
        assert!(CosignatureVerifier::new("w+00000000+AAAA").is_err());
        assert!(Cosigner::parse("PRIVATE+KEY+w+00000000+AAAA").is_err());
    }
}
