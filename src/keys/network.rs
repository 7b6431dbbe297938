//! The network coordinator's Ed25519 key: it signs the partner directory, offline.
//!
//! Secret file: comment lines, then `APPRODO-NETWORK-KEY-1 <base64 seed>`.
//! Public key: base64 of the 32-byte Ed25519 public key (comment lines allowed).

use std::fmt;
use std::path::Path;

use base64::prelude::{Engine, BASE64_STANDARD};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use zeroize::Zeroizing;

use super::{secretfile, KeyError};

const SECRET_PREFIX: &str = "APPRODO-NETWORK-KEY-1 ";

/// The network signing key. Zeroised on drop (by `ed25519-dalek`), redacted in `Debug`.
pub struct NetworkKey(SigningKey);

/// The network's public key, pinned by pages and the CLI.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NetworkPublicKey(VerifyingKey);

impl fmt::Debug for NetworkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NetworkKey(<redacted>)")
    }
}

impl fmt::Debug for NetworkPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NetworkPublicKey({self})")
    }
}

impl fmt::Display for NetworkPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&BASE64_STANDARD.encode(self.0.as_bytes()))
    }
}

impl NetworkKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        NetworkKey(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// The public half.
    pub fn public(&self) -> NetworkPublicKey {
        NetworkPublicKey(self.0.verifying_key())
    }

    /// Signs `message` (callers add their own domain separation).
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.0.sign(message)
    }

    /// The secret file's text.
    fn to_file_text(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(self.0.to_bytes());
        Zeroizing::new(format!(
            "# approdo network signing key: it signs the partner directory. Keep it offline.\n\
             # public key: {}\n{SECRET_PREFIX}{}\n",
            self.public(),
            BASE64_STANDARD.encode(*seed)
        ))
    }

    /// Writes a new secret file (0600), refusing to overwrite.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        secretfile::write_new_0600(path, self.to_file_text().as_bytes())
    }

    /// Parses the secret file's text.
    pub fn from_text(what: &str, text: &str) -> Result<Self, KeyError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(SECRET_PREFIX))
            .ok_or_else(|| {
                KeyError::malformed(what, "network key", "no APPRODO-NETWORK-KEY-1 line")
            })?;
        let bytes = Zeroizing::new(
            BASE64_STANDARD
                .decode(&line[SECRET_PREFIX.len()..])
                .map_err(|e| KeyError::malformed(what, "network key", e))?,
        );
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| KeyError::malformed(what, "network key", "seed is not 32 bytes"))?,
        );
        Ok(NetworkKey(SigningKey::from_bytes(&seed)))
    }

    /// Reads a secret file.
    pub fn read(path: &Path) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(secretfile::read(path)?);
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| KeyError::malformed(path.display().to_string(), "network key", e))?;
        Self::from_text(&path.display().to_string(), text)
    }
}

impl NetworkPublicKey {
    /// Parses base64 (comment lines starting with `#` are skipped).
    pub fn from_text(what: &str, text: &str) -> Result<Self, KeyError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or_else(|| KeyError::malformed(what, "network public key", "empty"))?;
        let bytes = BASE64_STANDARD
            .decode(line)
            .map_err(|e| KeyError::malformed(what, "network public key", e))?;
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::malformed(what, "network public key", "not 32 bytes"))?;
        VerifyingKey::from_bytes(&arr)
            .map(NetworkPublicKey)
            .map_err(|e| KeyError::malformed(what, "network public key", e))
    }

    /// Reads a public key file.
    pub fn read(path: &Path) -> Result<Self, KeyError> {
        let bytes = secretfile::read(path)?;
        let text = String::from_utf8_lossy(&bytes);
        Self::from_text(&path.display().to_string(), &text)
    }

    /// Verifies an Ed25519 signature over `message` (strict verification).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        self.0.verify_strict(message, signature).is_ok()
            && self.0.verify(message, signature).is_ok()
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_file_round_trips_and_debug_is_redacted() {
        let key = NetworkKey::generate();
        let text = key.to_file_text();
        let back = NetworkKey::from_text("test", &text).expect("parses");
        assert_eq!(key.public(), back.public());
        assert_eq!(format!("{key:?}"), "NetworkKey(<redacted>)");
        let public =
            NetworkPublicKey::from_text("t", &format!("# c\n{}\n", key.public())).expect("parses");
        let sig = key.sign(b"hello");
        assert!(public.verify(b"hello", &sig));
        assert!(!public.verify(b"hellp", &sig));
    }
}
