//! Which network a server serves: the configuration's directory, the demo one, or the one
//! given by flags — verified against the network key, and never the DEMO one without --demo.

use std::path::{Path, PathBuf};

use super::ServerError;
use crate::config::{self, Config};
use crate::keys::{demo, NetworkPublicKey, SignedDirectory};
use crate::store;

/// Where the directory to serve comes from.
#[derive(Debug)]
pub enum Network {
    /// The compiled-in demo network (`--demo`), installed into the data directory.
    Demo,
    /// What `approdo init` wrote (`--config`).
    Configured(Box<Config>),
    /// A signed directory and the network key it must verify against (`--directory`,
    /// `--network-key`).
    Files {
        /// The signed directory (`directory.json`, its signature beside it).
        directory: PathBuf,
        /// The network public key.
        network_key: PathBuf,
    },
}

/// The directory to serve, and the reason a configured one was refused when an earlier one is
/// served instead.
///
/// A configured directory that is refused (a bad signature, a broken edit) does not take the
/// site down when the store holds the one served before and it still verifies: that one is
/// served, and the refusal is returned for the health check to report.
pub(super) fn load_directory(
    network: &Network,
    data: &Path,
) -> Result<(SignedDirectory, Option<String>), ServerError> {
    match network {
        Network::Configured(c) => {
            let refused = match c.load_directory() {
                Ok(d) => return Ok((d, None)),
                Err(e) => e,
            };
            let previous = NetworkPublicKey::read(&c.network_key)
                .ok()
                .zip(store::recorded_directory(data).ok().flatten())
                .and_then(|(key, (json, sig))| SignedDirectory::verify(&key, json, sig).ok())
                .filter(|d| config::refuse_demo(d.network_key(), d).is_ok());
            match previous {
                Some(d) => {
                    let reason = format!(
                        "the configured directory {} is refused ({refused}); serving the one \
                         served before (version {}) until it is fixed — see `approdo check --config`",
                        c.directory.display(),
                        d.directory().version
                    );
                    Ok((d, Some(reason)))
                }
                None => Err(ServerError::ConfiguredDirectory(refused)),
            }
        }
        Network::Demo => {
            let dir = demo::install(data).map_err(ServerError::Demo)?;
            eprintln!(
                "approdo: DEMO network — fictional partners and published keys, never for real \
                 reports; officer identities in {}",
                dir.display()
            );
            Ok((demo::directory().map_err(ServerError::Demo)?, None))
        }
        Network::Files {
            directory,
            network_key,
        } => {
            let key = NetworkPublicKey::read(network_key).map_err(ServerError::NetworkKey)?;
            let directory =
                SignedDirectory::read(&key, directory, None).map_err(ServerError::Unverified)?;
            config::refuse_demo(&key, &directory).map_err(ServerError::DemoWithoutFlag)?;
            Ok((directory, None))
        }
    }
}
