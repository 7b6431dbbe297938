//! `approdo audit site`: what a live server serves against this build's manifest, read
//! through the audit's one fetcher.

use std::path::PathBuf;
use std::process::ExitCode;

use super::super::NetworkKeyArg;
use super::verdict;

pub(super) fn run(
    remote: &crate::audit::Remote,
    network_key: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let key = NetworkKeyArg::new(network_key)?;
    let site = crate::http::Site::for_network(&key.key);
    let findings = crate::audit::audit_site(remote, site.manifest(), &key.key);
    let server = remote.base();
    if !findings.is_empty() && !key.given() {
        println!(
            "note: checked against the DEMO network's key; for a real network give \
             --network-key FILE (the network's public key)"
        );
    }
    Ok(verdict(
        &findings,
        &format!(
            "{server} serves this build's {} assets for network key {} unmodified, with the security headers, a directory signed by that key, and refuses plaintext",
            site.manifest()["assets"].as_object().map_or(0, |a| a.len()),
            key.key
        ),
    ))
}
