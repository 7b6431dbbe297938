//! Trust material: the network coordinator's Ed25519 key, officers' age identities, and the
//! signed partner directory that binds partner ids to their officers' recipients.
//!
//! Everything secret here has a redacting `Debug`, is zeroised on drop and is never
//! `Serialize`. Public material (the directory, the network public key) lives in `keys/`.

pub mod demo;
pub mod directory;
pub mod floor;
pub mod network;
pub mod officer;
pub mod partner;
mod secretfile;
pub mod witnesses;
pub(crate) use secretfile::write_new_0600;

pub use directory::{Directory, Partner, SignedDirectory};
pub use floor::VersionFloor;
pub use network::{NetworkKey, NetworkPublicKey};
pub use officer::{OfficerIdentity, Passphrase};
pub use witnesses::WitnessEntry;

/// Errors from reading, writing, signing or verifying trust material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key or directory file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A file exists where a new secret would be written.
    #[error("{0} already exists; choose another path or move the old file away first")]
    Exists(String),
    /// A key file does not have the expected shape.
    #[error("{what} is not a valid {kind}: {reason}")]
    Malformed {
        what: String,
        kind: &'static str,
        reason: String,
    },
    /// The passphrase did not open the identity file.
    #[error("could not open the identity file {0}: wrong passphrase or damaged file")]
    BadPassphrase(String),
    /// A passphrase was needed but none could be read.
    #[error("a passphrase is needed for {0}; run in a terminal or set APPRODO_PASSPHRASE")]
    NoPassphrase(String),
    /// The partners file or directory breaks a rule.
    #[error("invalid directory: {0}")]
    InvalidDirectory(String),
    /// The directory signature does not verify against the network key.
    #[error("the directory signature does not verify against the network key {0}; do not trust this directory")]
    BadSignature(String),
    /// A validly signed directory older than one already seen (it may list revoked keys).
    #[error(
        "the directory is version {version}, older than version {seen} already seen (recorded in {file}); \
         an older directory may still list revoked keys, so it is refused: get the current directory \
         from the network coordinator, or move {file} away if you deliberately start over"
    )]
    OldDirectory {
        version: u64,
        seen: u64,
        file: String,
    },
}

impl KeyError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        KeyError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn malformed(
        what: impl Into<String>,
        kind: &'static str,
        reason: impl ToString,
    ) -> Self {
        KeyError::Malformed {
            what: what.into(),
            kind,
            reason: reason.to_string(),
        }
    }
}
