//! The demo network, compiled in: its public key, signed directory and (published, DEMO-only)
//! officer identities, so `approdo serve --demo` works from a clean clone.

use std::path::{Path, PathBuf};

use super::network::NetworkPublicKey;
use super::{secretfile, KeyError, SignedDirectory};

/// The demo network public key file.
pub const NETWORK_PUB: &str = include_str!("../../keys/demo/network.pub");
/// The signed demo directory.
pub const DIRECTORY: &[u8] = include_bytes!("../../keys/demo/directory.json");
/// Its signature.
pub const SIGNATURE: &[u8] = include_bytes!("../../keys/demo/directory.sig");

/// Demo officer identities: (partner id, identity file text). Published on purpose.
pub const OFFICERS: &[(&str, &str)] = &[
    (
        "cav-milano",
        include_str!("../../keys/demo/secret/cav-milano-1.key"),
    ),
    (
        "cav-milano",
        include_str!("../../keys/demo/secret/cav-milano-2.key"),
    ),
    (
        "tratta-milano",
        include_str!("../../keys/demo/secret/tratta-milano-1.key"),
    ),
    (
        "lavoro-milano",
        include_str!("../../keys/demo/secret/lavoro-milano-1.key"),
    ),
    // Post-quantum (`mlkem768x25519`) officers.
    (
        "sociali-milano",
        include_str!("../../keys/demo/secret/sociali-milano-1.key"),
    ),
    (
        "sociali-milano",
        include_str!("../../keys/demo/secret/sociali-milano-2.key"),
    ),
    (
        "sociali-milano",
        include_str!("../../keys/demo/secret/sociali-milano-3.key"),
    ),
];

/// The demo network key, parsed.
pub fn network_public_key() -> Result<NetworkPublicKey, KeyError> {
    NetworkPublicKey::from_text("demo network.pub", NETWORK_PUB)
}

/// The demo directory, verified against the demo network key.
pub fn directory() -> Result<SignedDirectory, KeyError> {
    SignedDirectory::verify(
        &network_public_key()?,
        DIRECTORY.to_vec(),
        SIGNATURE.to_vec(),
    )
}

/// Writes the demo identities under `data/demo/` (only files that are missing): the first
/// officer of each partner to `demo/<partner-id>.key`, every officer to
/// `demo/officers/<partner-id>/<n>.key`, plus the public directory files. Returns `demo/`.
pub fn install(data: &Path) -> Result<PathBuf, KeyError> {
    let demo = data.join("demo");
    let mkdir = |p: &Path| {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(p)
            .map_err(|e| KeyError::io(p, e))
    };
    mkdir(&demo)?;
    let mut counts = std::collections::HashMap::new();
    for (partner, text) in OFFICERS {
        let n = counts.entry(*partner).and_modify(|n| *n += 1).or_insert(1);
        let folder = demo.join("officers").join(partner);
        mkdir(&folder)?;
        write_if_missing(&folder.join(format!("{n}.key")), text.as_bytes())?;
        if *n == 1 {
            write_if_missing(&demo.join(format!("{partner}.key")), text.as_bytes())?;
        }
    }
    write_if_missing(&demo.join("network.pub"), NETWORK_PUB.as_bytes())?;
    write_if_missing(&demo.join("directory.json"), DIRECTORY)?;
    write_if_missing(&demo.join("directory.sig"), SIGNATURE)?;
    Ok(demo)
}

fn write_if_missing(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    match secretfile::write_new_0600(path, contents) {
        Err(KeyError::Exists(_)) => Ok(()),
        other => other,
    }
}
