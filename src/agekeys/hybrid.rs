//! The post-quantum hybrid `mlkem768x25519` recipient (`age1pq1…`) and identity
//! (`AGE-SECRET-KEY-PQ-1…`) of the C2SP age spec, through the `age` crate's public
//! [`age::Recipient`] / [`age::Identity`] traits.
//!
//! Hand-composed here (see the parent module for why): the stanza — tag `mlkem768x25519`, one
//! argument, the canonical base64 of HPKE's 1120-byte `enc`; body the HPKE ciphertext of the
//! file key (exactly 32 bytes) — with HPKE SealBase/OpenBase from `age-core` (KDF
//! HKDF-SHA256, AEAD ChaCha20-Poly1305, `info = "age-encryption.org/mlkem768x25519"`, empty
//! aad) over the X-Wing KEM of [`super::xwing`]; and the Bech32 encodings without BIP-173's
//! 90-character limit (`age-core`'s `bech32_encode`/`bech32_decode`).
//!
//! Outcomes follow the spec and the CCTV `hybrid*` vectors: a stanza of another tag is not
//! ours (`None`, case-sensitive); a wrong argument count, a non-canonical or wrong-length
//! `enc`, a body that is not 32 bytes, or an all-zero X25519 shared secret is a header failure;
//! a body that does not authenticate is "no match" (another recipient's stanza).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use age_core::format::{FileKey, Stanza};
use age_core::primitives::{bech32_decode, bech32_encode, hpke_open, hpke_seal};
use base64::prelude::{Engine, BASE64_STANDARD_NO_PAD};
use hpke::{Deserializable, HpkeError, Kem as _, Serializable};
use zeroize::{Zeroize, Zeroizing};

use super::xwing::{self, XWing};

/// The stanza tag.
pub const STANZA_TAG: &str = "mlkem768x25519";
/// HPKE `info`.
const INFO: &[u8] = b"age-encryption.org/mlkem768x25519";
/// Bech32 HRP of a recipient.
const RECIPIENT_HRP: bech32::Hrp = bech32::Hrp::parse_unchecked("age1pq");
/// Bech32 HRP of an identity (upper case in the text form).
const IDENTITY_HRP: bech32::Hrp = bech32::Hrp::parse_unchecked("age-secret-key-pq-");
/// Prefix of a recipient string.
pub const RECIPIENT_PREFIX: &str = "age1pq1";
/// Prefix of an identity string.
pub const IDENTITY_PREFIX: &str = "AGE-SECRET-KEY-PQ-1";
/// Most post-quantum officers one partner may have: each stanza is ~1.6 KB and the server's
/// header limit (`admission::MAX_HEADER`, 256 KiB) must hold them all.
pub const MAX_PER_PARTNER: usize = 160;
/// The label that keeps the `age` crate from mixing these stanzas with X25519 ones in one file.
const LABEL_PQ: &str = "postquantum";

/// An `age1pq1…` recipient (1216 bytes: ML-KEM-768 encapsulation key and X25519 point).
#[derive(Clone, PartialEq)]
pub struct Recipient(xwing::PublicKey);

impl FromStr for Recipient {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !s.starts_with(RECIPIENT_PREFIX) {
            return Err("not an age1pq1 recipient");
        }
        let bytes = bech32_decode(
            s,
            |_| "invalid Bech32 encoding",
            |hrp| (hrp == RECIPIENT_HRP).then_some(()).ok_or("incorrect HRP"),
            |_, bytes| Ok(bytes.collect::<Vec<u8>>()),
        )?;
        xwing::PublicKey::from_bytes(&bytes)
            .map(Recipient)
            .map_err(|_| "invalid mlkem768x25519 recipient")
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bech32_encode(RECIPIENT_HRP, &self.0.to_bytes()))
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.to_string();
        write!(f, "hybrid::Recipient({}…)", s.get(..20).unwrap_or(&s))
    }
}

impl age::Recipient for Recipient {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        let (enc, body) = hpke_seal::<XWing, _>(
            &self.0,
            INFO,
            file_key.expose_secret(),
            &mut rand::rngs::OsRng,
        );
        let stanza = Stanza {
            tag: STANZA_TAG.to_owned(),
            args: vec![BASE64_STANDARD_NO_PAD.encode(enc.to_bytes())],
            body,
        };
        Ok((vec![stanza], [LABEL_PQ.to_owned()].into_iter().collect()))
    }
}

/// An `AGE-SECRET-KEY-PQ-1…` identity: a 32-byte seed. Redacted in `Debug`, zeroised on drop.
#[derive(Clone)]
pub struct Identity(xwing::PrivateKey);

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("hybrid::Identity(<redacted>)")
    }
}

impl FromStr for Identity {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !s.starts_with(IDENTITY_PREFIX) {
            return Err("not an AGE-SECRET-KEY-PQ-1 identity");
        }
        let bytes = Zeroizing::new(bech32_decode(
            s,
            |_| "invalid Bech32 encoding",
            |hrp| (hrp == IDENTITY_HRP).then_some(()).ok_or("incorrect HRP"),
            |_, bytes| Ok(bytes.collect::<Vec<u8>>()),
        )?);
        let mut seed = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| "wrong length")?;
        let id = Identity(xwing::PrivateKey::from_seed(seed));
        seed.zeroize();
        Ok(id)
    }
}

impl Identity {
    /// A fresh identity (32 bytes from the OS CSPRNG).
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let id = Identity(xwing::PrivateKey::from_seed(seed));
        seed.zeroize();
        id
    }

    /// The identity as text (`AGE-SECRET-KEY-PQ-1…`, upper case).
    pub fn to_string(&self) -> SecretString {
        let lower = Zeroizing::new(bech32_encode(IDENTITY_HRP, self.0.seed()));
        SecretString::from(lower.to_uppercase())
    }

    /// The matching `age1pq1…` recipient.
    pub fn to_public(&self) -> Recipient {
        Recipient(XWing::sk_to_pk(&self.0))
    }

    /// The 32-byte seed (for key derivations beside age, e.g. the officer's signing key).
    pub fn seed(&self) -> &[u8; 32] {
        self.0.seed()
    }
}

impl age::Identity for Identity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        if stanza.tag != STANZA_TAG {
            return None;
        }
        let invalid = || Some(Err(age::DecryptError::InvalidHeader));
        let [arg] = &stanza.args[..] else {
            return invalid();
        };
        // The base64 engine refuses padding and non-zero trailing bits: canonical only.
        let Ok(enc) = BASE64_STANDARD_NO_PAD.decode(arg) else {
            return invalid();
        };
        if enc.len() != xwing::ENC_LEN || stanza.body.len() != 32 {
            return invalid();
        }
        let Ok(enc) = xwing::EncappedKey::from_bytes(&enc) else {
            return invalid();
        };
        match hpke_open::<XWing>(&enc, &self.0, INFO, &stanza.body) {
            Ok(plain) => {
                let plain = Zeroizing::new(plain);
                let key: Result<&[u8; 16], _> = plain.as_slice().try_into();
                match key {
                    Ok(k) => Some(Ok(FileKey::init_with_mut(|f| f.copy_from_slice(k)))),
                    Err(_) => invalid(),
                }
            }
            // The all-zero X25519 shared secret (see `xwing`): a header failure.
            Err(HpkeError::DecapError) => invalid(),
            // Does not authenticate: another recipient's stanza.
            Err(_) => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_encodings() {
        let id = Identity::generate();
        let text = id.to_string();
        assert!(text.expose_secret().starts_with(IDENTITY_PREFIX));
        let back: Identity = text.expose_secret().parse().unwrap();
        assert_eq!(back.to_public(), id.to_public());
        let r = id.to_public().to_string();
        assert!(
            r.starts_with(RECIPIENT_PREFIX) && r.len() > 1900,
            "{}",
            r.len()
        );
        assert_eq!(r.parse::<Recipient>().unwrap(), id.to_public());
        assert!(!format!("{id:?}").contains("AGE-SECRET"));
        // Other kinds are refused.
        assert!(
            "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
                .parse::<Recipient>()
                .is_err()
        );
        assert!(r.to_uppercase().parse::<Recipient>().is_err());
        let mut bad = r.clone();
        bad.pop();
        bad.push(if r.ends_with('q') { 'p' } else { 'q' });
        assert!(bad.parse::<Recipient>().is_err());
    }

    #[test]
    fn wrap_unwrap() {
        use age::{Identity as _, Recipient as _};
        let id = Identity::generate();
        let key = FileKey::init_with_mut(|k| k.copy_from_slice(&[7; 16]));
        let (stanzas, labels) = id.to_public().wrap_file_key(&key).unwrap();
        assert!(labels.contains(LABEL_PQ));
        let s = &stanzas[0];
        assert_eq!(s.tag, STANZA_TAG);
        assert_eq!(s.args[0].len(), 1494);
        assert_eq!(s.body.len(), 32);
        let got = id.unwrap_stanza(s).unwrap().unwrap();
        assert_eq!(got.expose_secret(), &[7; 16]);
        assert!(Identity::generate().unwrap_stanza(s).is_none());
        let mut body = s.body.clone();
        body.push(0);
        let long = Stanza {
            tag: s.tag.clone(),
            args: s.args.clone(),
            body,
        };
        assert!(matches!(id.unwrap_stanza(&long), Some(Err(_))));
    }
}
