//! Officer commands: `pull`, `decrypt`, `report list|ack|delete`.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};

use crate::client::Client;
use crate::envelope::{self, Limits};
use crate::keys::{OfficerIdentity, Passphrase};
use crate::model::{ReportId, ReportState, ReportSummary};

/// File in the output folder listing the ids already pulled.
const PULLED: &str = ".approdo-pulled";

#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// Server URL, e.g. http://127.0.0.1:8080 or http://….onion
    #[arg(long)]
    pub(super) server: String,
    /// Your identity file (asks for its passphrase; APPRODO_PASSPHRASE for automation).
    #[arg(long)]
    pub(super) identity: PathBuf,
    /// Proxy for onion addresses: tor's SOCKS port, socks5h://127.0.0.1:9050
    #[arg(long)]
    pub(super) proxy: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PullArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Folder for the reports, IN THE CLEAR: one sub-folder per report id (prefer --vault;
    /// this is for air-gapped use).
    #[arg(long, required_unless_present = "vault", conflicts_with = "vault")]
    out: Option<PathBuf>,
    /// Vault folder: reports kept sealed at rest (as received), removed when the server
    /// deletes them; read them with `approdo desk` or `approdo vault`.
    #[arg(long)]
    vault: Option<PathBuf>,
    /// With --vault: days an acknowledged report is kept in the vault (the server's default).
    #[arg(long, default_value_t = super::vault::DEFAULT_RETENTION_DAYS, requires = "vault")]
    retention_days: u32,
    /// Do not acknowledge pulled reports on the server.
    #[arg(long)]
    no_ack: bool,
    /// Also keep each report's encrypted file as received (`ID/report.age`), e.g. to open it
    /// on an air-gapped machine with `approdo decrypt`.
    #[arg(long, conflicts_with = "vault")]
    keep_ciphertext: bool,
    /// Your network's public key (network.pub): the log's checkpoint must then carry the
    /// witness quorum the signed directory asks for. Without it, the log is still checked
    /// against what you saw at your last pull (rollback, fork).
    #[arg(long)]
    network_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DecryptArgs {
    /// Your identity file.
    #[arg(long)]
    identity: PathBuf,
    /// Folder to unpack the report into (created; must be empty if it exists).
    #[arg(long)]
    out: PathBuf,
    /// The report's age file (binary or armored).
    report: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// List your partner's reports on the server.
    List(ServerArgs),
    /// Acknowledge a report (you decrypted it).
    Ack {
        #[command(flatten)]
        server: ServerArgs,
        id: String,
    },
    /// Delete a report from the server.
    Delete {
        #[command(flatten)]
        server: ServerArgs,
        id: String,
    },
}

pub(super) fn identities(path: &Path) -> anyhow::Result<Vec<OfficerIdentity>> {
    let what = path.display().to_string();
    Ok(OfficerIdentity::read_all(path, || {
        Passphrase::obtain(&format!("passphrase for {what}: "), &what)
    })?)
}

pub(super) fn login(s: &ServerArgs) -> anyhow::Result<Client> {
    login_with(s, &identities(&s.identity)?)
}

pub(super) fn login_with(s: &ServerArgs, ids: &[OfficerIdentity]) -> anyhow::Result<Client> {
    let mut client = Client::new(&s.server, s.proxy.as_deref())?;
    let partner = client.login(ids)?;
    eprintln!("logged in as an officer of {partner}");
    Ok(client)
}

fn mkdir_0700(p: &Path) -> anyhow::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(p)
        .with_context(|| format!("creating {}", p.display()))
}

/// Counts and hashes what passes through (and copies it to `copy`, if set).
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    copy: Option<std::io::BufWriter<File>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        if let Some(copy) = &mut self.copy {
            copy.write_all(&buf[..n])?;
        }
        Ok(n)
    }
}

/// Runs `op`; when the session expired meanwhile (401), logs in again once and retries.
fn with_session<T>(
    client: &mut Client,
    ids: &[OfficerIdentity],
    op: impl Fn(&Client) -> Result<T, crate::client::ClientError>,
) -> anyhow::Result<T> {
    match op(client) {
        Err(crate::client::ClientError::Refused { status: 401, .. }) => {
            client
                .login(ids)
                .context("logging in again (the session expired)")?;
            Ok(op(client)?)
        }
        other => Ok(other?),
    }
}

pub(crate) fn pull(a: PullArgs) -> anyhow::Result<ExitCode> {
    super::follow::follow_log(&a.server, a.network_key.clone())?;
    let out = match (&a.out, &a.vault) {
        (_, Some(vault)) => {
            return super::vault::pull(&a.server, vault, !a.no_ack, a.retention_days)
        }
        (Some(out), None) => out.clone(),
        (None, None) => bail!("give --vault DIR (reports sealed at rest) or --out DIR"),
    };
    eprintln!(
        "warning: --out writes every report in the clear (readable files under {}); prefer \
         --vault DIR, which keeps them sealed at rest",
        out.display()
    );
    let a = PullArgs {
        out: Some(out.clone()),
        ..a
    };
    let ids = identities(&a.server.identity)?;
    let mut client = login_with(&a.server, &ids)?;
    mkdir_0700(&out)?;
    let state_path = out.join(PULLED);
    let mut pulled: BTreeSet<String> = match fs::read_to_string(&state_path) {
        Ok(s) => s.lines().map(str::to_owned).collect(),
        Err(_) => BTreeSet::new(),
    };
    let reports = client.list()?;
    let (mut new, mut acked, mut failed) = (0usize, 0usize, 0usize);
    for meta in &reports {
        let id = meta.id.to_string();
        let dest = out.join(&id);
        let here = pulled.contains(&id) || dest.exists();
        if !here {
            let got =
                with_session(&mut client, &ids, |c| c.download(meta.id)).and_then(|download| {
                    pull_one(download, &ids, meta, &out, &dest, a.keep_ciphertext)
                });
            match got {
                Ok(summary) => {
                    new += 1;
                    pulled.insert(id.clone());
                    let mut f = OpenOptions::new()
                        .create(true)
                        .append(true)
                        .mode(0o600)
                        .open(&state_path)?;
                    writeln!(f, "{id}")?;
                    println!("{id}  {}  {} attachment(s)", meta.day, summary);
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("error: report {id}: {e:#}");
                    continue;
                }
            }
        }
        // Pulled (now or by an earlier pull that could not acknowledge it): acknowledged
        // until the server has it, so no report stays "received" after it was read. Only a
        // report known to be "received": a state a newer server added is left as it is.
        if a.no_ack || meta.state != ReportState::Received {
            continue;
        }
        match with_session(&mut client, &ids, |c| {
            c.acknowledge(meta.id, &meta.sha256.to_string())
        }) {
            Ok(()) => {
                acked += 1;
                if here {
                    println!("{id}  acknowledged (pulled earlier)");
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!(
                    "error: report {id} is in {} but not acknowledged ({e:#}); the next pull \
                     tries again",
                    dest.display()
                );
            }
        }
    }
    eprintln!(
        "pulled {new} new report(s) into {} ({} on the server, {acked} acknowledged, {failed} failed)",
        out.display(),
        reports.len()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn pull_one(
    download: impl Read,
    ids: &[OfficerIdentity],
    meta: &ReportSummary,
    out: &Path,
    dest: &Path,
    keep_ciphertext: bool,
) -> anyhow::Result<usize> {
    let (id, sha256, size) = (meta.id, meta.sha256, meta.size);
    let tmp = out.join(format!(".partial-{id}"));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).with_context(|| format!("removing the old {}", tmp.display()))?;
    }
    let kept = out.join(format!(".partial-{id}.age"));
    let _ = fs::remove_file(&kept);
    let copy = if keep_ciphertext {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&kept)
            .context("creating report.age")?;
        Some(std::io::BufWriter::new(file))
    } else {
        None
    };
    let mut hashing = Hashing {
        inner: download,
        hasher: Sha256::new(),
        bytes: 0,
        copy,
    };
    let result = open_and_unpack(BufReader::with_capacity(1 << 16, &mut hashing), ids, &tmp);
    let unpacked = match result {
        Ok(u) => u,
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            let _ = fs::remove_file(&kept);
            return Err(e);
        }
    };
    // Drain anything age did not need (there should be nothing) so the hash covers the file.
    std::io::copy(&mut hashing, &mut std::io::sink())?;
    if let Some(copy) = hashing.copy.take() {
        let synced = copy
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all());
        let moved = synced.and_then(|()| fs::rename(&kept, tmp.join("report.age")));
        if let Err(e) = moved {
            let _ = fs::remove_dir_all(&tmp);
            let _ = fs::remove_file(&kept);
            return Err(e).context("writing report.age");
        }
    }
    let got = crate::model::Sha256(hashing.hasher.finalize().into());
    if got != sha256 || hashing.bytes != size {
        let _ = fs::remove_dir_all(&tmp);
        let _ = fs::remove_file(&kept);
        bail!("the downloaded file does not match the server's record (SHA-256 {got}); not kept");
    }
    // The day the server recorded, for `approdo stats --by month` (file dates are pull dates).
    let day = serde_json::json!({ "day": meta.day }).to_string();
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp.join("meta.json"))
        .and_then(|mut f| f.write_all(day.as_bytes()));
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e).context("writing meta.json");
    }
    fs::rename(&tmp, dest).with_context(|| format!("moving into {}", dest.display()))?;
    Ok(unpacked)
}

fn open_and_unpack(
    reader: impl std::io::BufRead,
    ids: &[OfficerIdentity],
    dest: &Path,
) -> anyhow::Result<usize> {
    let ages: Vec<crate::agekeys::Identity> = ids.iter().map(|i| i.age().clone()).collect();
    let plaintext = envelope::open(reader, &ages).context("decrypting")?;
    let unpacked = envelope::unpack(plaintext, dest, &Limits::default()).context("unpacking")?;
    Ok(unpacked.attachments.len())
}

pub(crate) fn decrypt(a: DecryptArgs) -> anyhow::Result<ExitCode> {
    let ids = identities(&a.identity)?;
    let file = File::open(&a.report).with_context(|| format!("opening {}", a.report.display()))?;
    let n = open_and_unpack(BufReader::with_capacity(1 << 20, file), &ids, &a.out)?;
    println!(
        "unpacked report.json and {n} attachment(s) into {}",
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn report(c: ReportCommand) -> anyhow::Result<ExitCode> {
    match c {
        ReportCommand::List(s) => {
            let client = login(&s)?;
            for m in client.list()? {
                // A state or sealing mode a newer server added is shown as it spells it.
                let (state, sealed) = (&m.state, &m.sealed);
                println!(
                    "{}  {}  {:>10} bytes  {state}  {sealed}",
                    m.id, m.day, m.size
                );
            }
        }
        ReportCommand::Ack { server, id } => {
            let id: ReportId = id.parse().map_err(anyhow::Error::msg)?;
            let client = login(&server)?;
            let meta = client
                .list()?
                .into_iter()
                .find(|m| m.id == id)
                .with_context(|| format!("your partner has no report {id} on the server"))?;
            client.acknowledge(id, &meta.sha256.to_string())?;
            println!("acknowledged {id}");
        }
        ReportCommand::Delete { server, id } => {
            let id: ReportId = id.parse().map_err(anyhow::Error::msg)?;
            login(&server)?.delete(id)?;
            println!("deleted {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
