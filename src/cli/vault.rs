//! `approdo pull --vault DIR` and `approdo vault import|list|export|exports|wipe-exports`: the
//! officer's reports kept sealed at rest ([`crate::vault`]).

use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};

use super::reports::{identities, login_with};
use crate::envelope::{self, AttachmentSource};
use crate::keys::OfficerIdentity;
use crate::model::{Day, ReportId};
use crate::vault::{self, Entry, SyncOptions, Vault};

/// The server's default retention, which the vault applies unless told otherwise.
pub(crate) const DEFAULT_RETENTION_DAYS: u32 = crate::config::DEFAULT_RETENTION_DAYS;

#[derive(Debug, Subcommand)]
pub(crate) enum VaultCommand {
    /// Move plaintext folders written by `approdo pull --out DIR` into a vault (sealed), then
    /// wipe them (overwrite, then remove).
    Import {
        /// The folder `approdo pull --out` wrote.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        vault: VaultArgs,
    },
    /// List the reports in a vault, most urgent first (offline).
    List(VaultArgs),
    /// Write one report in the clear into OUT/<id>/ (listed by `exports`, wiped by
    /// `wipe-exports`).
    Export {
        #[command(flatten)]
        vault: VaultArgs,
        /// Where to unpack it.
        #[arg(long)]
        out: PathBuf,
        /// The report id.
        id: String,
    },
    /// List the plaintext exports not wiped yet.
    Exports(VaultArgs),
    /// Wipe every plaintext export (overwrite, then remove).
    WipeExports(VaultArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VaultArgs {
    /// The vault folder.
    #[arg(long)]
    vault: PathBuf,
    /// Your identity file (asks for its passphrase; APPRODO_PASSPHRASE for automation).
    #[arg(long)]
    identity: PathBuf,
}

/// `approdo pull --vault DIR`.
pub(crate) fn pull(
    server: &super::reports::ServerArgs,
    dir: &Path,
    ack: bool,
    retention_days: u32,
) -> anyhow::Result<ExitCode> {
    let ids = identities(&server.identity)?;
    let vault = Vault::open(dir)?;
    let mut index = vault.load_index(&ids)?;
    let mut client = login_with(server, &ids)?;
    let opts = SyncOptions {
        ack,
        retention_days,
    };
    let synced = vault::sync(&vault, &mut index, &mut client, &ids, &opts)?;
    for (id, day, n) in &synced.new {
        println!("{id}  {day}  {n} attachment(s)");
    }
    for (id, why) in &synced.failed {
        eprintln!("error: report {id}: {why}");
    }
    eprintln!(
        "pulled {} new report(s) into the vault {} ({} on the server, {} acknowledged, {} removed, {} failed; {} kept sealed)",
        synced.new.len(),
        dir.display(),
        synced.on_server,
        synced.acked,
        synced.removed,
        synced.failed.len(),
        index.reports.len(),
    );
    Ok(if synced.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub(crate) fn run(c: VaultCommand) -> anyhow::Result<ExitCode> {
    match c {
        VaultCommand::Import { from, vault } => import(&from, &vault),
        VaultCommand::List(a) => {
            let ids = identities(&a.identity)?;
            let v = Vault::open(&a.vault)?;
            let index = v.load_index(&ids)?;
            for (id, e) in index.sorted() {
                println!(
                    "{id}  {}  urgency {}  safe now {}  {} attachment(s)",
                    e.day,
                    e.urgency.as_deref().unwrap_or("-"),
                    e.safe_now.as_deref().unwrap_or("-"),
                    e.attachments.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        VaultCommand::Export { vault, out, id } => {
            let id: ReportId = id.parse().map_err(anyhow::Error::msg)?;
            let ids = identities(&vault.identity)?;
            let v = Vault::open(&vault.vault)?;
            let _lock = v.lock()?;
            let mut index = v.load_index(&ids)?;
            let path = v.export(id, &ids, &out, &mut index)?;
            eprintln!(
                "warning: {} holds the report in the clear; wipe it with approdo vault wipe-exports",
                path.display()
            );
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        VaultCommand::Exports(a) => {
            let ids = identities(&a.identity)?;
            let index = Vault::open(&a.vault)?.load_index(&ids)?;
            for e in &index.exports {
                println!("{}  {}", e.id, e.path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        VaultCommand::WipeExports(a) => {
            let ids = identities(&a.identity)?;
            let v = Vault::open(&a.vault)?;
            let _lock = v.lock()?;
            let mut index = v.load_index(&ids)?;
            let mut kept = Vec::new();
            for e in std::mem::take(&mut index.exports) {
                match vault::wipe_tree(&e.path) {
                    Ok(n) => println!("wiped {} ({n} file(s))", e.path.display()),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                        println!("{} is gone already", e.path.display())
                    }
                    Err(err) => {
                        eprintln!("error: cannot wipe {}: {err}", e.path.display());
                        kept.push(e);
                    }
                }
            }
            let failed = !kept.is_empty();
            index.exports = kept;
            v.save_index(&index, &ids)?;
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn import(from: &Path, a: &VaultArgs) -> anyhow::Result<ExitCode> {
    let ids = identities(&a.identity)?;
    let v = Vault::open(&a.vault)?;
    let _lock = v.lock()?;
    let mut index = v.load_index(&ids)?;
    let mut n = 0usize;
    let entries = fs::read_dir(from).with_context(|| format!("reading {}", from.display()))?;
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(".partial-") {
            vault::wipe_tree(&path).with_context(|| format!("wiping {}", path.display()))?;
            continue;
        }
        let Ok(id) = name.parse::<ReportId>() else {
            continue;
        };
        if !path.join("report.json").is_file() {
            continue;
        }
        // Already in the vault (synced as received): only the plain copy goes.
        if !(index.reports.contains_key(&id) && v.report_path(id).is_file()) {
            let entry = import_one(&v, &ids, id, &path)
                .with_context(|| format!("importing {}", path.display()))?;
            index.reports.insert(id, entry);
            v.save_index(&index, &ids)?;
        }
        vault::wipe_tree(&path).with_context(|| format!("wiping {}", path.display()))?;
        n += 1;
        println!("{id}  imported and wiped");
    }
    let pulled = from.join(".approdo-pulled");
    if pulled.exists() {
        vault::wipe_file(&pulled)?;
    }
    eprintln!(
        "imported {n} report(s) into the vault {}; the plaintext folders are wiped",
        a.vault.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Keeps `report.age` as received when the pull kept it, else packs the folder again and
/// seals it to the officer's own recipients.
fn import_one(
    v: &Vault,
    ids: &[OfficerIdentity],
    id: ReportId,
    folder: &Path,
) -> anyhow::Result<Entry> {
    let day = fs::read(folder.join("meta.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|m| serde_json::from_value::<Day>(m.get("day")?.clone()).ok())
        .unwrap_or_else(Day::today);
    let dest = v.report_path(id);
    let kept = folder.join("report.age");
    if kept.is_file() {
        let bytes = fs::read(&kept)?;
        v.write_atomic(&dest, |f| f.write_all(&bytes))?;
    } else {
        let report = fs::read(folder.join("report.json"))?;
        let mut sources = Vec::new();
        let dir = folder.join("attachments");
        if let Ok(list) = fs::read_dir(&dir) {
            let mut names: Vec<_> = list.flatten().map(|e| e.path()).collect();
            names.sort();
            for p in names {
                let f = File::open(&p)?;
                let len = f.metadata()?.len();
                sources.push(AttachmentSource {
                    name: p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    len,
                    reader: Box::new(BufReader::new(f)),
                });
            }
        }
        let recipients = crate::keys::OfficerIdentity::own_recipients(ids);
        v.write_atomic(&dest, |f| {
            let mut w =
                envelope::seal_writer(&mut *f, &recipients).map_err(std::io::Error::other)?;
            envelope::pack_to(&mut w, &report, sources).map_err(std::io::Error::other)?;
            w.finish()?;
            Ok(())
        })?;
    }
    // Opened back from the vault: what is kept is what the inbox will show.
    let opened = v.open_report(id, ids, None)?;
    let mut hasher = Sha256::new();
    let mut f = File::open(&dest)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(
            buf.get(..n)
                .expect("Read::read returns at most the buffer's length"),
        );
        size += n as u64;
    }
    let mut entry = Entry {
        day,
        acknowledged: Some(Day::today()),
        sha256: hex::encode(hasher.finalize()),
        size,
        urgency: None,
        safe_now: None,
        language: None,
        kind: None,
        attachments: Vec::new(),
        seen: Some(crate::vault::now_secs()),
    };
    entry.describe(&opened.report, &opened.attachments);
    Ok(entry)
}
