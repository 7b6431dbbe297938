//! `approdo audit store`: a verdict line, one line per finding, and exit codes
//! 0 (clean), 1 (findings), 2 (could not audit).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::audit::audit_store;
use crate::keys::NetworkPublicKey;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check a store (a copy, a backup, or one whose server is stopped): only valid ciphertext,
    /// matching its records. Exit 0 clean, 1 findings, 2 could not audit.
    Store {
        /// The data directory holding approdo.redb.
        #[arg(long, default_value_os_t = super::default_data())]
        data: PathBuf,
        /// Verify the recorded directory against this network public key.
        #[arg(long)]
        network_key: Option<PathBuf>,
    },
}

pub(crate) fn run(c: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Store { data, network_key } = c;
    match store(&data, network_key) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            println!("ERROR: could not audit {}", data.display());
            Ok(ExitCode::from(2))
        }
    }
}

fn store(data: &std::path::Path, network_key: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let data = data.to_owned();
    let key = network_key
        .map(|p| NetworkPublicKey::read(&p))
        .transpose()?;
    let report = audit_store(&data, key.as_ref())?;
    if report.repaired_copy {
        println!("note: the store was not closed cleanly (crash or live copy); audited a repaired temporary copy");
    }
    for f in &report.findings {
        match &f.report {
            Some(id) => println!("finding: report {id}: {}", f.problem),
            None => println!("finding: {}", f.problem),
        }
    }
    if report.findings.is_empty() {
        println!(
            "PASS: {} reports, {} bytes of ciphertext, all valid and matching their records ({} uploads in progress)",
            report.reports, report.bytes, report.pending
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "FAIL: {} findings in {} reports",
            report.findings.len(),
            report.reports
        );
        Ok(ExitCode::from(1))
    }
}
