//! Command-line interface: one file per subcommand family (serve, init, backup, keys,
//! officer, show, reply, envelope, audit, outreach, stats).

mod audit;
mod audit_log;
mod backup;
mod envelope;
mod init;
mod keys;
mod officer;
mod outreach;
mod reply;
mod serve;
mod show;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

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
    /// The network coordinator's signing key.
    #[command(subcommand)]
    Network(keys::NetworkCommand),
    /// Officer identities.
    #[command(subcommand)]
    Officer(keys::OfficerCommand),
    /// The signed partner directory.
    #[command(subcommand)]
    Directory(keys::DirectoryCommand),
    /// Download, decrypt and unpack new reports of your partner.
    Pull(officer::PullArgs),
    /// Answer a pulled report in her codename mailbox (optionally proposing an appointment).
    Reply(reply::ReplyArgs),
    /// Print a pulled report as a summary for the officer (urgency and safety first).
    Show(show::ShowArgs),
    /// Decrypt and unpack one report file, offline.
    Decrypt(officer::DecryptArgs),
    /// List, acknowledge or delete reports on the server.
    #[command(subcommand)]
    Report(officer::ReportCommand),
    /// Build and seal report envelopes (for tests, scripts and the age CLI).
    #[command(subcommand)]
    Envelope(envelope::EnvelopeCommand),
    /// Print this build's manifest (the hashes of every asset it serves, the pinned network key).
    Manifest,
    /// Check a store or a server without any key that decrypts.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Printable cards with the onion address, in every core language.
    Outreach(outreach::OutreachArgs),
    /// Counts over pulled reports that partners can publish (small cells suppressed).
    Stats(stats::StatsArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(a) => serve::run(a),
        Command::Init(a) => init::run(a),
        Command::Backup(a) => backup::backup(a),
        Command::Restore(a) => backup::restore(a),
        Command::Network(c) => keys::network(c),
        Command::Officer(c) => keys::officer(c),
        Command::Directory(c) => keys::directory(c),
        Command::Pull(a) => officer::pull(a),
        Command::Reply(a) => reply::run(a),
        Command::Show(a) => show::run(a),
        Command::Decrypt(a) => officer::decrypt(a),
        Command::Report(c) => officer::report(c),
        Command::Envelope(c) => envelope::run(c),
        Command::Audit(c) => audit::run(c),
        Command::Manifest => {
            println!("{:#}", crate::http::manifest_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Outreach(a) => outreach::run(a),
        Command::Stats(a) => stats::run(a),
    }
}

/// Where the demo data lives by default.
pub(crate) fn default_data() -> PathBuf {
    PathBuf::from("approdo-data")
}
