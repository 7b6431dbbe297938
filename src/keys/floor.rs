//! Directory versions only go forward. A validly signed older directory may still list a key
//! the network has since revoked, so once a newer version has been seen, an older one is
//! refused: by the CLI (a floor per network key, kept in its state directory), by the page
//! (a floor built in, plus the highest version seen while the page is open), by the server
//! (never older than the directory its store already logged), and `approdo audit site` (the
//! served version against the highest in the transparency log).
//!
//! The CLI's state directory is `APPRODO_STATE_DIR`, else `$XDG_DATA_HOME/approdo`, else
//! `~/.local/share/approdo`; the floors live in `directory-floor.json` there
//! (`{"<network key>": <version>}`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Directory, KeyError, NetworkPublicKey};

/// The environment variable naming the CLI's state directory.
pub const STATE_DIR_ENV: &str = "APPRODO_STATE_DIR";
/// The floor built into this release (`APPRODO_MIN_DIRECTORY_VERSION` at build time, default
/// 0; `build.rs` checks it is a number): no directory below it is ever accepted by the CLI or
/// this build's page.
pub fn build_floor() -> u64 {
    option_env!("APPRODO_MIN_DIRECTORY_VERSION")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The CLI's state directory (see the module doc).
pub fn state_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env(STATE_DIR_ENV)
        .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("approdo")))
        .or_else(|| env("HOME").map(|h| h.join(".local/share/approdo")))
}

/// The highest directory version seen per network key, kept in a file.
#[derive(Debug)]
pub struct VersionFloor {
    path: PathBuf,
    floors: BTreeMap<String, u64>,
}

impl VersionFloor {
    /// The floors in `dir/directory-floor.json` (none yet when the file is missing).
    pub fn open(dir: &Path) -> Result<Self, KeyError> {
        let path = dir.join("directory-floor.json");
        let floors = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                KeyError::malformed(path.display().to_string(), "directory floor file", e)
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(KeyError::io(&path, e)),
        };
        Ok(VersionFloor { path, floors })
    }

    /// The lowest version still accepted for `network`.
    pub fn floor(&self, network: &NetworkPublicKey) -> u64 {
        self.floors
            .get(&network.to_string())
            .copied()
            .unwrap_or(0)
            .max(build_floor())
    }

    /// Refuses a directory older than the floor; otherwise raises the floor to its version
    /// and saves it.
    pub fn admit(&mut self, network: &NetworkPublicKey, d: &Directory) -> Result<(), KeyError> {
        let floor = self.floor(network);
        if d.version < floor {
            return Err(KeyError::OldDirectory {
                version: d.version,
                seen: floor,
                file: self.path.display().to_string(),
            });
        }
        if self.floors.get(&network.to_string()) != Some(&d.version) {
            self.floors.insert(network.to_string(), d.version);
            self.save()?;
        }
        Ok(())
    }

    fn save(&self) -> Result<(), KeyError> {
        let io = |e| KeyError::io(&self.path, e);
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.path.with_extension("tmp");
        let bytes = serde_json::to_vec_pretty(&self.floors)
            .expect("a map of strings to numbers: JSON cannot fail");
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, &self.path))
            .map_err(io)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn versions_only_go_forward_and_the_floor_persists() {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::keys::demo::network_public_key().unwrap();
        let other = crate::keys::NetworkKey::generate().public();
        let mut d = crate::keys::demo::directory().unwrap().directory().clone();
        let mut floor = VersionFloor::open(dir.path()).unwrap();
        d.version = 5;
        floor.admit(&key, &d).unwrap();
        d.version = 4;
        let err = VersionFloor::open(dir.path())
            .unwrap()
            .admit(&key, &d)
            .unwrap_err();
        assert!(matches!(
            err,
            KeyError::OldDirectory {
                version: 4,
                seen: 5,
                ..
            }
        ));
        assert!(err.to_string().contains("directory-floor.json"), "{err}");
        // Another network has its own floor; the same version again is fine.
        floor.admit(&other, &d).unwrap();
        d.version = 5;
        floor.admit(&key, &d).unwrap();
    }
}
