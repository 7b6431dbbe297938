//! `approdo audit store|log|site` and `approdo manifest`: a verdict line, one line per
//! finding, and exit codes 0 (clean), 1 (findings), 2 (could not audit).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::NetworkKeyArg;
use anyhow::Context;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check a store (a copy, a backup, or one whose server is stopped): only valid ciphertext,
    /// matching its records. Exit 0 clean, 1 findings, 2 could not audit.
    Store {
        /// The data directory holding approdo.redb.
        #[arg(long, default_value_os_t = super::default_data())]
        data: PathBuf,
        /// Verify the recorded directory against this network public key [default: the DEMO
        /// network's: a store of another network fails until you pass yours].
        #[arg(long)]
        network_key: Option<PathBuf>,
        /// The log key your network publishes (`approdo.log/…+…+…`): the store's log must be
        /// signed with it, not with a key the copy brings along.
        #[arg(long)]
        log_key: Option<String>,
        /// A checkpoint seen before (a file holding the signed note, e.g. from a witness or
        /// saved from /log/checkpoint): the store's log must still contain it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Follow a server's transparency log: signature, consistency with the last run (kept in
    /// --state), every new entry, reports not acknowledged in time, deletions without reason.
    Log {
        /// Server URL.
        #[arg(long)]
        server: String,
        /// The state file of previous runs (created on the first run).
        #[arg(long)]
        state: PathBuf,
        /// The log's verifier key to pin (`name+id+base64`); without it the first run pins
        /// the key the server announces (trust on first use).
        #[arg(long)]
        log_key: Option<String>,
        /// Reports not acknowledged this many days after arrival are findings.
        #[arg(long, default_value_t = 14)]
        ack_days: u32,
        /// The network public key the served directory must verify against (it names the
        /// officers whose signed acknowledgements are checked) [default: the DEMO network's].
        #[arg(long)]
        network_key: Option<PathBuf>,
        /// Proxy for onion addresses, e.g. socks5h://127.0.0.1:9050
        #[arg(long)]
        proxy: Option<String>,
        /// A receipt the server signed (the `receipt` of a submission answer, in a file): past
        /// its `by` time, its report must be in the log. Repeat for several.
        #[arg(long = "receipt")]
        receipts: Vec<PathBuf>,
    },
    /// Compare what a server serves with this build: assets, pages, headers, third-party
    /// references, the directory signature, a plaintext probe.
    Site {
        /// Server URL.
        #[arg(long)]
        server: String,
        /// The network public key: the page script must hold it and the directory verify
        /// against it [default: the DEMO network's].
        #[arg(long)]
        network_key: Option<PathBuf>,
        /// Proxy for onion addresses, e.g. socks5h://127.0.0.1:9050
        #[arg(long)]
        proxy: Option<String>,
    },
}

pub(crate) fn run(c: AuditCommand) -> anyhow::Result<ExitCode> {
    let (what, result) = match c {
        AuditCommand::Store {
            data,
            network_key,
            log_key,
            checkpoint,
        } => (
            data.display().to_string(),
            store(&data, network_key, log_key, checkpoint),
        ),
        AuditCommand::Log {
            server,
            state,
            log_key,
            ack_days,
            network_key,
            proxy,
            receipts,
        } => (
            server.clone(),
            NetworkKeyArg::new(network_key).and_then(|key| {
                super::audit_log::run(
                    &server,
                    &state,
                    log_key,
                    ack_days,
                    &key,
                    proxy.as_deref(),
                    &receipts,
                )
            }),
        ),
        AuditCommand::Site {
            server,
            network_key,
            proxy,
        } => (server.clone(), site(&server, network_key, proxy.as_deref())),
    };
    match result {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            println!("ERROR: could not audit {what}");
            Ok(ExitCode::from(2))
        }
    }
}

/// Prints the findings and the verdict; the exit code.
pub(super) fn verdict(findings: &[crate::audit::Finding], pass: &str) -> ExitCode {
    for f in findings {
        match &f.report {
            Some(id) => println!("finding: report {id}: {}", f.problem),
            None => println!("finding: {}", f.problem),
        }
    }
    if findings.is_empty() {
        println!("PASS: {pass}");
        ExitCode::SUCCESS
    } else {
        println!("FAIL: {} findings", findings.len());
        ExitCode::from(1)
    }
}

fn site(
    server: &str,
    network_key: Option<PathBuf>,
    proxy: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let key = NetworkKeyArg::new(network_key)?;
    let site = crate::http::Site::for_network(&key.key);
    let client = crate::client::agent_builder(proxy)?;
    let findings = crate::audit::audit_site(server, client, site.manifest(), &key.key);
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

fn store(
    data: &std::path::Path,
    network_key: Option<PathBuf>,
    log_key: Option<String>,
    checkpoint: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let data = data.to_owned();
    let key = NetworkKeyArg::new(network_key)?;
    let pins = crate::audit::Pins {
        log_key,
        checkpoint: checkpoint
            .map(|p| {
                std::fs::read(&p).with_context(|| format!("reading the checkpoint {}", p.display()))
            })
            .transpose()?,
        ..Default::default()
    };
    let mut report = crate::audit::audit_store_pinned(&data, Some(&key.key), &pins)?;
    if !key.given() {
        for f in &mut report.findings {
            if f.problem.starts_with("recorded directory") {
                f.problem.push_str(
                    " (checked against the DEMO network's key: pass --network-key with your \
                     network's network.pub)",
                );
            }
        }
    }
    if report.repaired_copy {
        println!("note: the store was not closed cleanly (crash or live copy); audited a repaired temporary copy");
    }
    if report.sealed_for_earlier_directory > 0 {
        println!(
            "note: {} report(s) were logged before the current directory version and sealed to \
             the keys of an earlier one (a rotation, or a move to post-quantum keys); their \
             stanzas are not checked against the current directory",
            report.sealed_for_earlier_directory
        );
    }
    Ok(verdict(
        &report.findings,
        &format!(
            "{} reports, {} bytes of ciphertext, all valid and matching their records and the log ({} log entries signed, {} awaiting integration; {} uploads in progress); {} case records, all signed ciphertext",
            report.reports, report.bytes, report.log_size, report.log_queued, report.pending, report.case_records
        ),
    ))
}
