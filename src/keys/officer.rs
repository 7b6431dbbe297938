//! Officer identities: age X25519 or post-quantum hybrid (`mlkem768x25519`,
//! [`crate::agekeys`]) identities, kept in an identity file that is
//! passphrase-protected by default (the file is itself an age file sealed with scrypt, the
//! format `age` and `rage` read as an encrypted identity file).

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::{secretfile, KeyError};
use crate::agekeys::{Identity, Recipient};

/// Environment variable read for a passphrase when no terminal is available (automation).
pub const PASSPHRASE_ENV: &str = "APPRODO_PASSPHRASE";

/// Highest scrypt work factor we accept when opening an identity file (age's default cap).
const MAX_WORK_FACTOR: u8 = 22;

/// A passphrase. Redacted in `Debug`, zeroised on drop.
pub struct Passphrase(SecretString);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

impl Passphrase {
    /// Wraps a passphrase.
    pub fn new(s: String) -> Self {
        Passphrase(SecretString::from(s))
    }

    /// Its length in characters (not bytes: a passphrase may be in any script).
    pub fn len_chars(&self) -> usize {
        self.0.expose_secret().chars().count()
    }

    /// True when both passphrases are the same text.
    pub fn matches(&self, other: &Passphrase) -> bool {
        self.0.expose_secret() == other.0.expose_secret()
    }

    /// From `APPRODO_PASSPHRASE`, or a terminal prompt.
    pub fn obtain(prompt: &str, what: &str) -> Result<Self, KeyError> {
        if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
            return Ok(Passphrase::new(p));
        }
        rpassword::prompt_password(prompt)
            .map(Passphrase::new)
            .map_err(|_| KeyError::NoPassphrase(what.to_owned()))
    }
}

/// One officer's age identity (the secret half). Redacted in `Debug`.
pub struct OfficerIdentity(Identity);

impl fmt::Debug for OfficerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfficerIdentity({}, <redacted>)", self.recipient())
    }
}

impl OfficerIdentity {
    /// A fresh X25519 identity.
    pub fn generate() -> Self {
        OfficerIdentity(Identity::generate(false))
    }

    /// A fresh identity, post-quantum hybrid (`AGE-SECRET-KEY-PQ-1…`) when `hybrid`.
    pub fn generate_kind(hybrid: bool) -> Self {
        OfficerIdentity(Identity::generate(hybrid))
    }

    /// The public recipient (`age1…`, or `age1pq1…` for a hybrid identity).
    pub fn recipient(&self) -> Recipient {
        self.0.to_public()
    }

    /// True for a post-quantum hybrid identity.
    pub fn is_hybrid(&self) -> bool {
        self.0.is_hybrid()
    }

    /// The recipients to seal something of her own to (the vault at rest): every identity of
    /// her file, or only its post-quantum ones once she has one (`officer rotate --pq`) — age
    /// never mixes the two kinds in one file, and the X25519 ones still open older files.
    pub fn own_recipients(identities: &[OfficerIdentity]) -> Vec<Recipient> {
        let any_pq = identities.iter().any(OfficerIdentity::is_hybrid);
        identities
            .iter()
            .filter(|i| !any_pq || i.is_hybrid())
            .map(OfficerIdentity::recipient)
            .collect()
    }

    /// The age identity, for decryption.
    pub fn age(&self) -> &Identity {
        &self.0
    }

    /// The officer's Ed25519 signing key, derived from the identity
    /// (HKDF-SHA256, salt `approdo.officer-signing/v1`): no second secret to keep. Its public
    /// half is listed in the directory (`officer_keys`); it signs acknowledgements for the log.
    /// A hybrid identity derives it the same way from its 32-byte seed.
    pub fn signing_key(&self) -> Result<ed25519_dalek::SigningKey, KeyError> {
        let secret = self.0.secret_bytes().ok_or_else(|| {
            KeyError::malformed("identity", "age identity", "not 32 secret bytes")
        })?;
        let hk =
            hkdf::Hkdf::<sha2::Sha256>::new(Some(b"approdo.officer-signing/v1"), secret.as_slice());
        let mut seed = Zeroizing::new([0u8; 32]);
        hk.expand(b"ed25519", seed.as_mut_slice())
            .map_err(|e| KeyError::malformed("identity", "age identity", e))?;
        Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The public signing key, base64 (what `officer_keys` lists).
    pub fn signing_public(&self) -> Result<String, KeyError> {
        use base64::prelude::{Engine, BASE64_STANDARD};
        Ok(BASE64_STANDARD.encode(self.signing_key()?.verifying_key().as_bytes()))
    }

    /// The identity file's plaintext, as `age-keygen` writes it (dates are days).
    fn file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "# approdo officer identity\n# public key: {}\n{}\n",
            self.recipient(),
            self.0.to_string().expose_secret()
        ))
    }

    /// Writes a new identity file (0600): sealed with `passphrase` (armored age, scrypt), or
    /// in the clear when `passphrase` is `None`.
    pub fn write_new(&self, path: &Path, passphrase: Option<&Passphrase>) -> Result<(), KeyError> {
        Self::write_all_new(std::slice::from_ref(self), path, passphrase)
    }

    /// Writes several identities to one new file, the first one current and the others kept to
    /// open older reports (key rotation: `approdo officer rotate`).
    pub fn write_all_new(
        identities: &[OfficerIdentity],
        path: &Path,
        passphrase: Option<&Passphrase>,
    ) -> Result<(), KeyError> {
        let mut text = Zeroizing::new(String::new());
        for (n, id) in identities.iter().enumerate() {
            if n == 1 {
                text.push_str("# earlier identities, kept to open older reports\n");
            }
            text.push_str(&id.file_text());
        }
        match passphrase {
            None => secretfile::write_new_0600(path, text.as_bytes()),
            Some(p) => {
                let sealed = seal_with_passphrase(text.as_bytes(), p)
                    .map_err(|e| KeyError::malformed(path.display().to_string(), "identity", e))?;
                secretfile::write_new_0600(path, &sealed)
            }
        }
    }

    /// Reads every identity (X25519 or hybrid) in an identity file, asking for the passphrase (through
    /// `passphrase`) only when the file is sealed.
    pub fn read_all(
        path: &Path,
        passphrase: impl FnOnce() -> Result<Passphrase, KeyError>,
    ) -> Result<Vec<OfficerIdentity>, KeyError> {
        let what = path.display().to_string();
        let bytes = Zeroizing::new(secretfile::read(path)?);
        let text = if is_age_file(&bytes) {
            let p = passphrase()?;
            open_with_passphrase(&bytes, &p).map_err(|_| KeyError::BadPassphrase(what.clone()))?
        } else {
            Zeroizing::new(
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| KeyError::malformed(&what, "identity file", "not UTF-8 text"))?,
            )
        };
        Self::parse_all(&what, &text)
    }

    /// Parses identity file text: `AGE-SECRET-KEY-1…` and `AGE-SECRET-KEY-PQ-1…` lines, `#`
    /// comments, blank lines.
    pub fn parse_all(what: &str, text: &str) -> Result<Vec<OfficerIdentity>, KeyError> {
        let mut out = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let id = Identity::from_str(line).map_err(|_| {
                KeyError::malformed(
                    what,
                    "identity file",
                    "a line is not an AGE-SECRET-KEY-1 or AGE-SECRET-KEY-PQ-1 identity",
                )
            })?;
            out.push(OfficerIdentity(id));
        }
        if out.is_empty() {
            return Err(KeyError::malformed(
                what,
                "identity file",
                "no identity in it",
            ));
        }
        Ok(out)
    }
}

/// True for binary or armored age files.
fn is_age_file(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
}

fn seal_with_passphrase(plaintext: &[u8], p: &Passphrase) -> std::io::Result<Vec<u8>> {
    crate::agefile::seal_with_passphrase(plaintext, p.0.clone())
}

fn open_with_passphrase(sealed: &[u8], p: &Passphrase) -> Result<Zeroizing<String>, ()> {
    let mut r = crate::agefile::open_with_passphrase(sealed, p.0.clone(), MAX_WORK_FACTOR)
        .map_err(|_| ())?;
    let mut out = Zeroizing::new(Vec::new());
    r.read_to_end(&mut out).map_err(|_| ())?;
    String::from_utf8(out.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| ())
}

/// What an officer signs to acknowledge a report: "decrypted report `id`, ciphertext `sha256`".
pub fn ack_message(id: &str, sha256: &str) -> Vec<u8> {
    format!("approdo.ack/v1\n{id}\n{sha256}\n").into_bytes()
}

/// Domain-separation line of a signed login-challenge request.
pub const CHALLENGE_CONTEXT: &str = "approdo.challenge/v1";

/// How far (in minutes) a signed challenge request's `minute` may be from the server's clock.
pub const MINUTE_SLACK: u64 = 2;

/// What an officer signs to ask for a login challenge (so the request spends her own budget,
/// which junk cannot): the context line, the recipient and the minute (Unix time / 60).
pub fn challenge_message(recipient: &str, minute: u64) -> Vec<u8> {
    format!("{CHALLENGE_CONTEXT}\n{recipient}\n{minute}\n").into_bytes()
}

/// The current minute (Unix time / 60).
pub fn current_minute() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 60)
        .unwrap_or(0)
}

/// True when `signature` (base64) by `officer_key` (base64) signs a challenge request for
/// `recipient` at `minute`, and `minute` is within [`MINUTE_SLACK`] of `now`.
pub fn verify_challenge(
    officer_key: &str,
    signature: &str,
    recipient: &str,
    minute: u64,
    now: u64,
) -> bool {
    minute.abs_diff(now) <= MINUTE_SLACK
        && verify(
            officer_key,
            signature,
            &challenge_message(recipient, minute),
        )
}

fn verify(officer_key: &str, signature: &str, message: &[u8]) -> bool {
    use base64::prelude::{Engine, BASE64_STANDARD};
    let key = parse_officer_key(officer_key);
    let sig = BASE64_STANDARD
        .decode(signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| ed25519_dalek::Signature::from_bytes(&b));
    match (key, sig) {
        (Some(k), Some(s)) => k.verify_strict(message, &s).is_ok(),
        _ => false,
    }
}

/// An officer signing key as the directory lists it (base64 of 32 bytes), if valid.
pub fn parse_officer_key(officer_key: &str) -> Option<ed25519_dalek::VerifyingKey> {
    use base64::prelude::{Engine, BASE64_STANDARD};
    BASE64_STANDARD
        .decode(officer_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
}

/// Verifies an acknowledgement signature (base64) by an officer key (base64).
pub fn verify_ack(officer_key: &str, signature: &str, id: &str, sha256: &str) -> bool {
    verify(officer_key, signature, &ack_message(id, sha256))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sealed_identity_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("officer.key");
        let id = OfficerIdentity::generate();
        let p = Passphrase::new("correct horse".into());
        id.write_new(&path, Some(&p)).unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(raw.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(!raw.contains("AGE-SECRET-KEY"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let back = OfficerIdentity::read_all(&path, || Ok(Passphrase::new("correct horse".into())))
            .unwrap();
        assert_eq!(back[0].recipient().to_string(), id.recipient().to_string());
        let wrong = OfficerIdentity::read_all(&path, || Ok(Passphrase::new("wrong".into())));
        assert!(matches!(wrong, Err(KeyError::BadPassphrase(_))));
        assert!(matches!(
            id.write_new(&path, None),
            Err(KeyError::Exists(_))
        ));
        assert!(!format!("{id:?}").contains("AGE-SECRET"));
    }

    #[test]
    fn own_recipients_never_mix_kinds() {
        let classic = OfficerIdentity::generate();
        let pq = OfficerIdentity::generate_kind(true);
        let both = [pq, classic];
        let r = OfficerIdentity::own_recipients(&both);
        assert_eq!(r.len(), 1);
        assert!(r[0].is_hybrid());
        let r = OfficerIdentity::own_recipients(&both[1..]);
        assert!(r.len() == 1 && !r[0].is_hybrid());
        // A hybrid identity signs with a key derived from its seed, as an X25519 one does.
        assert!(both[0].signing_public().is_ok());
        assert_ne!(
            both[0].signing_public().unwrap(),
            both[1].signing_public().unwrap()
        );
    }

    #[test]
    fn a_signed_challenge_request_verifies_only_for_its_recipient_and_minute() {
        use base64::prelude::{Engine, BASE64_STANDARD};
        use ed25519_dalek::Signer;
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let public = BASE64_STANDARD.encode(key.verifying_key().as_bytes());
        let sig = BASE64_STANDARD.encode(key.sign(&challenge_message("age1x", 100)).to_bytes());
        assert!(verify_challenge(&public, &sig, "age1x", 100, 101));
        assert!(!verify_challenge(&public, &sig, "age1y", 100, 101));
        assert!(!verify_challenge(&public, &sig, "age1x", 99, 101));
        assert!(!verify_challenge(&public, &sig, "age1x", 100, 103));
        assert!(!verify_challenge(&public, "junk", "age1x", 100, 100));
        let ack = BASE64_STANDARD.encode(key.sign(&ack_message("id", "ab")).to_bytes());
        assert!(verify_ack(&public, &ack, "id", "ab"));
        assert!(!verify_ack(&public, &sig, "id", "ab"));
    }
}
