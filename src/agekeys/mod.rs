//! The age key types approdo seals to and opens with: classic X25519 (`age1…`,
//! `AGE-SECRET-KEY-1…`, from the `age` crate) and the post-quantum hybrid `mlkem768x25519`
//! (`age1pq1…`, `AGE-SECRET-KEY-PQ-1…`, [`hybrid`]). [`Recipient`] and [`Identity`] hold
//! either; everything above this module (envelope, directory, officer identities, the server)
//! names only these.
//!
//! # The one place we compose primitives by hand
//!
//! "No hand-written crypto" has one exception, here: the `age` crate 0.12.1 does not ship the
//! `mlkem768x25519` recipient yet (rage PR #632 is open), while typage — which the page bundles
//! — does, and long-lived reports need it. It is built through `age`'s public
//! `Recipient`/`Identity` traits from crates already in `Cargo.lock`, not from new ones (the
//! `x-wing` crate and `hpke` 0.15 pin `kem` pre-releases that cannot resolve beside `age`
//! 0.12). What we compose, and why each piece is not simply a library call:
//!
//! 1. [`xwing`]: the X-Wing KEM (ML-KEM-768 from `ml-kem` 0.2.3, X25519 from `x25519-dalek`,
//!    SHAKE256 and SHA3-256 from `sha3`) as an `hpke::Kem` — key expansion, the combiner, the
//!    byte layouts and the all-zero check. No crate in the lock offers X-Wing; the `age` crate's
//!    own hybrid KEM (`MlKem768P256`, for `age1tagpq`) has the same shape but is private.
//! 2. [`hybrid`]: the stanza (tag, argument, 32-byte body) and its refusals, with HPKE
//!    SealBase/OpenBase taken whole from `age-core` (`hpke_seal`, `hpke_open`: HKDF-SHA256,
//!    ChaCha20-Poly1305) and Bech32 without the 90-character limit from `age-core` too.
//!
//! Pinned by: the 19 CCTV `hybrid*` vectors with their labelled outcomes (`tests/it/cctv.rs`),
//! typage ↔ Rust interop both ways and a known-answer identity → recipient check equal in both
//! (`tests/it/hybrid.rs`, `tests/browser/hybrid.test.mjs`), and the `ml-kem`/`kem` versions
//! they were verified with (`tests/it/hybrid.rs`, reading `Cargo.lock`). When the `age` crate
//! ships its own `mlkem768x25519`, switch to it and delete `xwing.rs` and `hybrid.rs`.

pub mod hybrid;
pub mod xwing;

use std::fmt;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// A recipient: X25519 or post-quantum hybrid.
#[derive(Clone, Debug)]
pub enum Recipient {
    /// `age1…`
    X25519(age::x25519::Recipient),
    /// `age1pq1…`
    Hybrid(Box<hybrid::Recipient>),
}

impl Recipient {
    /// True for `age1pq1…` recipients.
    pub fn is_hybrid(&self) -> bool {
        matches!(self, Recipient::Hybrid(_))
    }
}

impl FromStr for Recipient {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with(hybrid::RECIPIENT_PREFIX) {
            s.parse().map(|r| Recipient::Hybrid(Box::new(r)))
        } else {
            s.parse().map(Recipient::X25519)
        }
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::X25519(r) => r.fmt(f),
            Recipient::Hybrid(r) => r.fmt(f),
        }
    }
}

impl From<age::x25519::Recipient> for Recipient {
    fn from(r: age::x25519::Recipient) -> Self {
        Recipient::X25519(r)
    }
}

/// True when `s` looks like a post-quantum recipient (`age1pq1…`), parsed or not.
pub fn is_hybrid_recipient(s: &str) -> bool {
    s.starts_with(hybrid::RECIPIENT_PREFIX)
}

/// An identity: X25519 or post-quantum hybrid. Redacted in `Debug`, zeroised on drop.
#[derive(Clone)]
pub enum Identity {
    /// `AGE-SECRET-KEY-1…`
    X25519(age::x25519::Identity),
    /// `AGE-SECRET-KEY-PQ-1…`
    Hybrid(hybrid::Identity),
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identity(<redacted>)")
    }
}

impl FromStr for Identity {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with(hybrid::IDENTITY_PREFIX) {
            s.parse().map(Identity::Hybrid)
        } else {
            s.parse().map(Identity::X25519)
        }
    }
}

impl Identity {
    /// A fresh identity of the chosen kind.
    pub fn generate(hybrid: bool) -> Self {
        if hybrid {
            Identity::Hybrid(hybrid::Identity::generate())
        } else {
            Identity::X25519(age::x25519::Identity::generate())
        }
    }

    /// The identity as text.
    pub fn to_string(&self) -> SecretString {
        match self {
            Identity::X25519(i) => i.to_string(),
            Identity::Hybrid(i) => i.to_string(),
        }
    }

    /// The matching recipient.
    pub fn to_public(&self) -> Recipient {
        match self {
            Identity::X25519(i) => Recipient::X25519(i.to_public()),
            Identity::Hybrid(i) => Recipient::Hybrid(Box::new(i.to_public())),
        }
    }

    /// True for `AGE-SECRET-KEY-PQ-1…` identities.
    pub fn is_hybrid(&self) -> bool {
        matches!(self, Identity::Hybrid(_))
    }

    /// The 32 secret bytes the identity string encodes (the X25519 scalar or the hybrid seed),
    /// for derivations beside age (the officer's signing key).
    pub fn secret_bytes(&self) -> Option<Zeroizing<[u8; 32]>> {
        match self {
            Identity::Hybrid(i) => Some(Zeroizing::new(*i.seed())),
            Identity::X25519(i) => {
                let text = i.to_string();
                let (_, bytes) = bech32::decode(text.expose_secret()).ok()?;
                let bytes = Zeroizing::new(bytes);
                <[u8; 32]>::try_from(bytes.as_slice())
                    .ok()
                    .map(Zeroizing::new)
            }
        }
    }
}

impl From<age::x25519::Identity> for Identity {
    fn from(i: age::x25519::Identity) -> Self {
        Identity::X25519(i)
    }
}

/// Anything approdo can seal to, as the `age` crate's trait object.
pub trait AsAgeRecipient {
    /// The `age` recipient.
    fn as_age_recipient(&self) -> &dyn age::Recipient;
}

impl AsAgeRecipient for age::x25519::Recipient {
    fn as_age_recipient(&self) -> &dyn age::Recipient {
        self
    }
}

impl AsAgeRecipient for hybrid::Recipient {
    fn as_age_recipient(&self) -> &dyn age::Recipient {
        self
    }
}

impl AsAgeRecipient for Recipient {
    fn as_age_recipient(&self) -> &dyn age::Recipient {
        match self {
            Recipient::X25519(r) => r,
            Recipient::Hybrid(r) => r.as_ref(),
        }
    }
}

/// Anything approdo can open with, as the `age` crate's trait object.
pub trait AsAgeIdentity {
    /// The `age` identity.
    fn as_age_identity(&self) -> &dyn age::Identity;
}

impl AsAgeIdentity for age::x25519::Identity {
    fn as_age_identity(&self) -> &dyn age::Identity {
        self
    }
}

impl AsAgeIdentity for hybrid::Identity {
    fn as_age_identity(&self) -> &dyn age::Identity {
        self
    }
}

impl AsAgeIdentity for Identity {
    fn as_age_identity(&self) -> &dyn age::Identity {
        match self {
            Identity::X25519(i) => i,
            Identity::Hybrid(i) => i,
        }
    }
}

impl age::Identity for Identity {
    fn unwrap_stanza(
        &self,
        stanza: &age_core::format::Stanza,
    ) -> Option<Result<age_core::format::FileKey, age::DecryptError>> {
        self.as_age_identity().unwrap_stanza(stanza)
    }
}

impl age::Recipient for Recipient {
    fn wrap_file_key(
        &self,
        file_key: &age_core::format::FileKey,
    ) -> Result<
        (
            Vec<age_core::format::Stanza>,
            std::collections::HashSet<String>,
        ),
        age::EncryptError,
    > {
        self.as_age_recipient().wrap_file_key(file_key)
    }
}
