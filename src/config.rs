//! The production configuration: `approdo init` writes `DATA/approdo.toml`, `approdo serve
//! --config` reads it.
//!
//! It names the signed directory and the network public key the server serves (both are
//! public), where the server listens, and the limits an operator tunes. It holds no secret.
//! A production server must not run on the DEMO network, whose secret keys are published:
//! [`refuse_demo`] checks the network key, the directory bytes and every officer recipient
//! against the compiled-in demo network.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::keys::{demo, KeyError, NetworkPublicKey, SignedDirectory};

/// The file name `approdo init` writes in the data directory.
pub const CONFIG_FILE: &str = "approdo.toml";
/// Days an acknowledged report is kept before retention removes it, unless configured.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// Errors reading, writing or checking a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid configuration.
    #[error("{path} is not a valid approdo configuration: {reason}")]
    Parse { path: String, reason: String },
    /// `approdo init` would overwrite an existing configuration.
    #[error("{0} already exists; pass --force to replace it")]
    Exists(String),
    /// Production material that is the published DEMO network.
    #[error("{0} belongs to the DEMO network, whose secret keys are published; a real server must use the network's own keys (see docs/operator.md, \"key ceremony\")")]
    Demo(&'static str),
    /// The directory does not verify or break a rule.
    #[error(transparent)]
    Keys(#[from] KeyError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ConfigError + '_ {
    move |source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `approdo.toml`. Paths are absolute when `approdo init` writes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The data directory (the redb file, the spool, the admin socket).
    pub data: PathBuf,
    /// The signed directory (`directory.json`); its signature is beside it unless `signature`.
    pub directory: PathBuf,
    /// The signature file, if not `directory` with `.sig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<PathBuf>,
    /// The network public key the directory must verify against.
    pub network_key: PathBuf,
    /// A TCP address (loopback) to listen on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// The unix socket tor forwards the onion service to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unix_socket: Option<PathBuf>,
    /// tor sends a PROXY v1 line with the circuit id on that socket
    /// (`HiddenServiceExportCircuitID haproxy`, as `ops/torrc` sets it).
    #[serde(default)]
    pub proxy_protocol: bool,
    /// Days an acknowledged report is kept (after the day it was acknowledged).
    #[serde(default = "default_retention")]
    pub retention_days: u32,
    /// Days a reply waits in a codename mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_days: Option<u32>,
    /// Largest accepted report, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_report_size: Option<u64>,
    /// Submissions per second accepted server-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submissions_per_second: Option<u32>,
    /// HTTP worker threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
    /// Proof-of-work price at idle, in leading zero bits (0 = off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pow_bits: Option<u32>,
    /// Seconds without a new chunk after which an upload is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_ttl: Option<u64>,
    /// Seconds without a new chunk after which an upload's slot may go to another client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_stale: Option<u64>,
    /// Resumable uploads in progress at once, server-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uploads: Option<usize>,
    /// Resumable uploads one tor circuit may hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads_per_circuit: Option<usize>,
    /// Cap (MiB) on bytes stored but not yet finalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pending_mib: Option<u64>,
}

fn default_retention() -> u32 {
    DEFAULT_RETENTION_DAYS
}

impl Config {
    /// Reads and parses a configuration file.
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if config.listen.is_none() && config.unix_socket.is_none() {
            return Err(ConfigError::Parse {
                path: path.display().to_string(),
                reason: "set unix_socket (for tor) or listen".into(),
            });
        }
        Ok(config)
    }

    /// Writes the configuration with a comment header; refuses to replace a file unless `force`.
    pub fn write(&self, path: &Path, force: bool) -> Result<(), ConfigError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let body = toml::to_string(self).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let text = format!(
            "# approdo production configuration, written by `approdo init`.\n\
             # Read by `approdo serve --config {}`. It holds no secret.\n\
             # Other keys: reply_days, max_report_size, submissions_per_second, workers,\n\
             # pow_bits, upload_ttl, upload_stale, max_uploads, uploads_per_circuit,\n\
             # max_pending_mib\n\
             # (see docs/operator.md). Command-line flags override this file.\n\n{body}",
            path.display()
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).mode(0o640);
        if force {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        let mut file = options.open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => ConfigError::Exists(path.display().to_string()),
            _ => ConfigError::Io {
                path: path.display().to_string(),
                source: e,
            },
        })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io(path))
    }

    /// Reads the network key and the directory, verifies the signature and refuses the DEMO
    /// network.
    pub fn load_directory(&self) -> Result<SignedDirectory, ConfigError> {
        let key = NetworkPublicKey::read(&self.network_key)?;
        let directory = SignedDirectory::read(&key, &self.directory, self.signature.as_deref())?;
        refuse_demo(&key, &directory)?;
        Ok(directory)
    }
}

/// Refuses the compiled-in DEMO network's key, its directory, or any of its officers'
/// recipients (their secret keys are published) in a production setting.
pub fn refuse_demo(key: &NetworkPublicKey, directory: &SignedDirectory) -> Result<(), ConfigError> {
    let demo_key = demo::network_public_key()?;
    if key.as_bytes() == demo_key.as_bytes() {
        return Err(ConfigError::Demo("the network key"));
    }
    if directory.bytes() == demo::DIRECTORY {
        return Err(ConfigError::Demo("the directory"));
    }
    let demo_dir = demo::directory()?;
    let demo_recipients: Vec<&String> = demo_dir
        .directory()
        .partners
        .iter()
        .flat_map(|p| &p.recipients)
        .collect();
    let uses_demo_officer = directory
        .directory()
        .partners
        .iter()
        .flat_map(|p| &p.recipients)
        .any(|r| demo_recipients.contains(&r));
    if uses_demo_officer {
        return Err(ConfigError::Demo("an officer recipient in the directory"));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::keys::{Directory, NetworkKey, OfficerIdentity};

    fn signed(key: &NetworkKey, recipients: &[String]) -> SignedDirectory {
        let toml = format!(
            "network = \"t\"\nversion = 1\n[[partner]]\nid = \"p\"\nname = \"P\"\nrecipients = {recipients:?}\n"
        );
        let (bytes, sig) = Directory::from_partners_toml(&toml)
            .unwrap()
            .sign(key)
            .unwrap();
        SignedDirectory::verify(&key.public(), bytes, sig).unwrap()
    }

    #[test]
    fn demo_material_is_refused() {
        let demo_key = demo::network_public_key().unwrap();
        let demo_dir = demo::directory().unwrap();
        assert!(matches!(
            refuse_demo(&demo_key, &demo_dir),
            Err(ConfigError::Demo(_))
        ));
        let key = NetworkKey::generate();
        let own = signed(&key, &[OfficerIdentity::generate().recipient().to_string()]);
        refuse_demo(&key.public(), &own).unwrap();
        let demo_officer = demo_dir.directory().partners[0].recipients[0].clone();
        let mixed = signed(&key, &[demo_officer]);
        assert!(matches!(
            refuse_demo(&key.public(), &mixed),
            Err(ConfigError::Demo(_))
        ));
    }

    #[test]
    fn config_round_trips_and_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        let config = Config {
            data: dir.path().to_owned(),
            directory: "/etc/approdo/directory.json".into(),
            signature: None,
            network_key: "/etc/approdo/network.pub".into(),
            listen: None,
            unix_socket: Some("/run/approdo/approdo.sock".into()),
            proxy_protocol: true,
            retention_days: 30,
            reply_days: None,
            max_report_size: Some(1024),
            submissions_per_second: None,
            workers: None,
            pow_bits: Some(16),
            upload_ttl: None,
            upload_stale: Some(30),
            max_uploads: None,
            uploads_per_circuit: None,
            max_pending_mib: Some(512),
        };
        config.write(&path, false).unwrap();
        assert_eq!(Config::read(&path).unwrap(), config);
        assert!(matches!(
            config.write(&path, false),
            Err(ConfigError::Exists(_))
        ));
        config.write(&path, true).unwrap();
        std::fs::write(&path, "data = \"/x\"\nbogus = 1\n").unwrap();
        assert!(matches!(
            Config::read(&path),
            Err(ConfigError::Parse { .. })
        ));
    }
}
