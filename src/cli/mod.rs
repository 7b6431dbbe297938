//! Command-line interface: one file per subcommand family (serve, init, backup, keys,
//! officer, show, reply, envelope, audit, outreach, stats, check and health).

mod audit;
mod backup;
mod desk;
mod envelope;
mod follow;
mod init;
mod keys;
mod ops;
mod outreach;
mod reply;
mod reports;
mod serve;
mod show;
mod stats;
mod vault;
mod witness;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// approdo: an end-to-end encrypted drop box for safe reporting.
#[derive(Debug, Parser)]
#[command(name = "approdo", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the drop box server.
    Serve(serve::ServeArgs),
    /// Write a production configuration (refuses the DEMO keys).
    Init(init::InitArgs),
    /// Snapshot the store into one file (ciphertext only), even while the server runs.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty data directory.
    Restore(backup::RestoreArgs),
    /// Check a configuration before (re)starting the server on it.
    Check(ops::CheckArgs),
    /// Ask the running server whether it is ok or degraded (and why).
    Health(ops::HealthArgs),
    /// The network coordinator's signing key.
    #[command(subcommand)]
    Network(keys::NetworkCommand),
    /// Officer identities.
    #[command(subcommand)]
    Officer(keys::OfficerCommand),
    /// The signed partner directory.
    #[command(subcommand)]
    Directory(keys::DirectoryCommand),
    /// Download new reports of your partner: into a vault, sealed at rest (--vault), or
    /// decrypted into plain folders (--out).
    Pull(reports::PullArgs),
    /// Your inbox in your browser, on this computer only (prints the address to open).
    Desk(desk::DeskArgs),
    /// Answer a pulled report in her codename mailbox (optionally proposing an appointment).
    Reply(reply::ReplyArgs),
    /// Print a pulled report as a summary for the officer (urgency and safety first).
    Show(show::ShowArgs),
    /// Decrypt and unpack one report file, offline.
    Decrypt(reports::DecryptArgs),
    /// List, acknowledge or delete reports on the server.
    #[command(subcommand)]
    Report(reports::ReportCommand),
    /// Build and seal report envelopes (for tests, scripts and the age CLI).
    #[command(subcommand)]
    Envelope(envelope::EnvelopeCommand),
    /// Print the manifest of what this build serves for a network: the SHA-256 of every asset
    /// (the page script holds the network key) and of the page templates.
    Manifest {
        /// The network public key (network.pub) [default: the DEMO network's].
        #[arg(long)]
        network_key: Option<PathBuf>,
    },
    /// Check a store or a server without any key that decrypts.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Printable cards with the onion address, in every core language.
    Outreach(outreach::OutreachArgs),
    /// Counts over pulled reports that partners can publish (small cells suppressed).
    Stats(stats::StatsArgs),
    /// A transparency-log witness (C2SP tlog-witness) an NGO can host.
    #[command(subcommand)]
    Witness(witness::WitnessCommand),
    /// Carry the log's checkpoint to the directory's witnesses and their cosignatures back.
    WitnessRelay(witness::RelayArgs),
    /// The officer's vault: reports kept sealed at rest (import, list, export, wipe exports).
    #[command(subcommand)]
    Vault(vault::VaultCommand),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(a) => serve::run(a),
        Command::Init(a) => init::run(a),
        Command::Backup(a) => backup::backup(a),
        Command::Restore(a) => backup::restore(a),
        Command::Check(a) => ops::check(a),
        Command::Health(a) => ops::health(a),
        Command::Network(c) => keys::network(c),
        Command::Officer(c) => keys::officer(c),
        Command::Directory(c) => keys::directory(c),
        Command::Pull(a) => reports::pull(a),
        Command::Desk(a) => desk::run(a),
        Command::Reply(a) => reply::run(a),
        Command::Show(a) => show::run(a),
        Command::Decrypt(a) => reports::decrypt(a),
        Command::Report(c) => reports::report(c),
        Command::Envelope(c) => envelope::run(c),
        Command::Audit(c) => audit::run(c),
        Command::Manifest { network_key } => {
            let key = NetworkKeyArg::new(network_key)?;
            println!("{:#}", crate::http::Site::for_network(&key.key).manifest());
            Ok(ExitCode::SUCCESS)
        }
        Command::Outreach(a) => outreach::run(a),
        Command::Stats(a) => stats::run(a),
        Command::Witness(c) => witness::witness(c),
        Command::WitnessRelay(a) => witness::relay(a),
        Command::Vault(c) => vault::run(c),
    }
}

/// The network key a command checks a directory against: `--network-key FILE`, else the
/// DEMO network's. A directory that does not verify names the flag to give.
pub(crate) struct NetworkKeyArg {
    /// The key.
    pub key: crate::keys::NetworkPublicKey,
    given: Option<PathBuf>,
}

impl NetworkKeyArg {
    /// Reads `--network-key FILE`, or takes the DEMO network's key.
    pub fn new(path: Option<PathBuf>) -> anyhow::Result<Self> {
        let key = match &path {
            Some(p) => crate::keys::NetworkPublicKey::read(p)
                .with_context(|| format!("reading the network key {}", p.display()))?,
            None => crate::keys::demo::network_public_key()?,
        };
        Ok(NetworkKeyArg { key, given: path })
    }

    /// Whether the key came from `--network-key` (not the DEMO default).
    pub fn given(&self) -> bool {
        self.given.is_some()
    }

    /// Verifies a directory (as served: its bytes and signature) against this key, and that
    /// it is not older than a version this CLI already saw for the network
    /// ([`crate::keys::floor`]); raises the floor to it.
    pub fn verify(
        &self,
        bytes: Vec<u8>,
        sig: Vec<u8>,
    ) -> anyhow::Result<crate::keys::SignedDirectory> {
        let dir = crate::keys::SignedDirectory::verify(&self.key, bytes, sig).with_context(
            || match &self.given {
                Some(p) => format!(
                    "the server's directory does not verify against the network key in {}",
                    p.display()
                ),
                None => "the server's directory does not verify against the DEMO network key; \
                     for a real network give --network-key FILE (the network's public key)"
                    .to_owned(),
            },
        )?;
        match crate::keys::floor::state_dir() {
            Some(state) => {
                crate::keys::VersionFloor::open(&state)?.admit(&self.key, dir.directory())?
            }
            None if dir.directory().version < crate::keys::floor::build_floor() => {
                anyhow::bail!(
                    "the server's directory is version {}, older than this release accepts ({})",
                    dir.directory().version,
                    crate::keys::floor::build_floor()
                )
            }
            None => {}
        }
        Ok(dir)
    }
}

/// Where the demo data lives by default.
pub(crate) fn default_data() -> PathBuf {
    PathBuf::from("approdo-data")
}
