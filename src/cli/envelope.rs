//! `approdo envelope pack|seal|submit`: build and seal report envelopes from files, for
//! scripts, benchmarks and people who seal with the age CLI.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::client::Client;
use crate::envelope::{self, AttachmentSource};
use crate::keys::{demo, NetworkPublicKey, SignedDirectory};

#[derive(Debug, Args)]
pub(crate) struct ContentArgs {
    /// report.json (must say "schema": "approdo.report/v1").
    #[arg(long)]
    report: PathBuf,
    /// Attachment files (repeatable).
    #[arg(long = "attach")]
    attachments: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EnvelopeCommand {
    /// Write the padded tar envelope (PLAINTEXT: seal it before it leaves this machine).
    Pack {
        #[command(flatten)]
        content: ContentArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Seal a report to a partner of a signed directory file (binary age).
    Seal {
        #[command(flatten)]
        content: ContentArgs,
        #[arg(long)]
        partner: String,
        /// The signed directory (default: the demo directory).
        #[arg(long, requires = "network_key")]
        directory: Option<PathBuf>,
        /// The network public key the directory must verify against.
        #[arg(long)]
        network_key: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Seal a report to a partner with the server's directory (verified against the network
    /// key) and send it; prints the server's receipt.
    Submit {
        #[command(flatten)]
        content: ContentArgs,
        #[arg(long)]
        server: String,
        #[arg(long)]
        partner: String,
        /// The network public key (default: the demo network's).
        #[arg(long)]
        network_key: Option<PathBuf>,
        #[arg(long)]
        proxy: Option<String>,
    },
}

fn pack_content(c: &ContentArgs, out: impl Write) -> anyhow::Result<u64> {
    let report = fs::read(&c.report).with_context(|| format!("reading {}", c.report.display()))?;
    let mut sources = Vec::new();
    for path in &c.attachments {
        let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let len = f.metadata()?.len();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| format!("{} has no usable file name", path.display()))?
            .to_owned();
        sources.push(AttachmentSource {
            name,
            len,
            reader: Box::new(f),
        });
    }
    Ok(envelope::pack_to(out, &report, sources)?)
}

/// Packs in memory, then seals into `out` (a tool for scripts and tests; the browser streams).
fn seal_content(
    c: &ContentArgs,
    recipients: &[crate::agekeys::Recipient],
    out: impl Write,
) -> anyhow::Result<u64> {
    let mut plaintext = Vec::new();
    pack_content(c, &mut plaintext)?;
    Ok(envelope::seal_to(out, recipients, plaintext.as_slice())?)
}

fn recipients_of(
    dir: &SignedDirectory,
    partner: &str,
) -> anyhow::Result<Vec<crate::agekeys::Recipient>> {
    let p = dir
        .directory()
        .partner(partner)
        .with_context(|| format!("partner {partner:?} is not in the directory"))?;
    Ok(p.age_recipients()?)
}

pub(crate) fn run(c: EnvelopeCommand) -> anyhow::Result<ExitCode> {
    match c {
        EnvelopeCommand::Pack { content, out } => {
            let f = create_0600(&out)?;
            let n = pack_content(&content, f)?;
            eprintln!(
                "wrote a {n}-byte PLAINTEXT envelope to {}; seal it before it leaves this machine",
                out.display()
            );
        }
        EnvelopeCommand::Seal {
            content,
            partner,
            directory,
            network_key,
            out,
        } => {
            let dir = match (directory, network_key) {
                (Some(d), Some(k)) => {
                    SignedDirectory::read(&NetworkPublicKey::read(&k)?, &d, None)?
                }
                _ => demo::directory()?,
            };
            let recipients = recipients_of(&dir, &partner)?;
            let n = seal_content(&content, &recipients, create_0600(&out)?)?;
            eprintln!(
                "sealed {n} bytes to {} recipient(s) of {partner} in {}",
                recipients.len(),
                out.display()
            );
        }
        EnvelopeCommand::Submit {
            content,
            server,
            partner,
            network_key,
            proxy,
        } => {
            let key = super::NetworkKeyArg::new(network_key)?;
            let client = Client::new(&server, proxy.as_deref())?;
            let (bytes, sig) = client.directory()?;
            let dir = key.verify(bytes, sig)?;
            let recipients = recipients_of(&dir, &partner)?;
            let mut sealed = Vec::new();
            seal_content(&content, &recipients, &mut sealed)?;
            // A report that asks for replies is bound to its mailbox (crate::reply::binding).
            let binding = fs::read(&content.report)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .and_then(|json| crate::reply::ReplyAddress::from_report_json(&json).ok())
                .and_then(|addr| crate::reply::MailboxBinding::for_hex(&addr.mailbox));
            let receipt = client.submit_bound(&partner, sealed.as_slice(), binding.as_ref())?;
            println!("{receipt}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn create_0600(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))
}
