//! `approdo audit store|log|site`: a verdict line, one line per finding, and exit codes 0
//! (clean), 1 (findings), 2 (could not audit). The audits of a live server (`log`, `site`)
//! take the same `--server`/`--proxy` ([`RemoteArgs`]) and read through one fetcher,
//! [`crate::audit::Remote`].

mod site;
mod store;
mod transparency_log;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::NetworkKeyArg;

/// The server a live audit reads, and how to reach it.
#[derive(Debug, clap::Args)]
pub(crate) struct RemoteArgs {
    /// Server URL.
    #[arg(long)]
    server: String,
    /// Proxy for onion addresses, e.g. socks5h://127.0.0.1:9050
    #[arg(long)]
    proxy: Option<String>,
}

impl RemoteArgs {
    /// The one fetcher of the audit.
    fn connect(&self) -> anyhow::Result<crate::audit::Remote> {
        Ok(crate::audit::Remote::new(
            &self.server,
            self.proxy.as_deref(),
        )?)
    }
}

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
        #[command(flatten)]
        remote: RemoteArgs,
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
        /// A receipt the server signed (the `receipt` of a submission answer, in a file): past
        /// its `by` time, its report must be in the log. Repeat for several.
        #[arg(long = "receipt")]
        receipts: Vec<PathBuf>,
    },
    /// Compare what a server serves with this build: assets, pages, headers, third-party
    /// references, the directory signature, a plaintext probe.
    Site {
        #[command(flatten)]
        remote: RemoteArgs,
        /// The network public key: the page script must hold it and the directory verify
        /// against it [default: the DEMO network's].
        #[arg(long)]
        network_key: Option<PathBuf>,
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
            store::run(&data, network_key, log_key, checkpoint),
        ),
        AuditCommand::Log {
            remote,
            state,
            log_key,
            ack_days,
            network_key,
            receipts,
        } => (
            remote.server.clone(),
            NetworkKeyArg::new(network_key).and_then(|key| {
                transparency_log::run(
                    &remote.connect()?,
                    &state,
                    log_key,
                    ack_days,
                    &key,
                    &receipts,
                )
            }),
        ),
        AuditCommand::Site {
            remote,
            network_key,
        } => (
            remote.server.clone(),
            remote.connect().and_then(|r| site::run(&r, network_key)),
        ),
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
fn verdict(findings: &[crate::audit::Finding], pass: &str) -> ExitCode {
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
