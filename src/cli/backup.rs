//! `approdo backup` and `approdo restore`: a consistent snapshot of the store (ciphertext and
//! public material only), taken through the running server's admin socket or, with the server
//! stopped, from the file; and its restore into an empty data directory.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use crate::store::{self, BackupSummary};

#[derive(Debug, Args)]
pub(crate) struct BackupArgs {
    /// The server's data directory (its admin socket, or the store when no server runs).
    #[arg(long, default_value_os_t = super::default_data())]
    data: PathBuf,
    /// The backup file to write (created 0600, never overwritten).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The backup file.
    #[arg(long)]
    from: PathBuf,
    /// An empty (or new) data directory to restore into.
    #[arg(long)]
    data: PathBuf,
    /// The server's transparency-log key (`log.key` of the old data directory, or your
    /// off-site copy): copied in (0600) after checking it is the key the backup's log was
    /// signed with. Without it `approdo serve` refuses the restored store.
    #[arg(long)]
    log_key: Option<PathBuf>,
    /// The configuration to serve it with (`approdo.toml` of the old data directory, or your
    /// copy): copied in after it parses.
    #[arg(long)]
    config: Option<PathBuf>,
}

fn describe(s: &BackupSummary) -> String {
    format!(
        "{} report(s), {} chunk(s), {} bytes of ciphertext, {} mailbox replies",
        s.reports, s.chunks, s.bytes, s.replies
    )
}

pub(crate) fn backup(a: BackupArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let partial = a.out.with_extension("partial");
    if a.out.exists() {
        anyhow::bail!("{} already exists; choose a new file name", a.out.display());
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let written = (|| -> anyhow::Result<&'static str> {
        let how = match crate::admin::request_backup(&a.data, &mut out)? {
            Some(_) => "from the running server",
            None => {
                store::backup_offline(&a.data, &mut out).with_context(|| {
                    format!(
                        "no server answers on {} and the store in {} cannot be read directly \
                         (a store not closed cleanly needs the server to start once first)",
                        crate::admin::socket_path(&a.data).display(),
                        a.data.display()
                    )
                })?;
                "from the stopped store"
            }
        };
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(how)
    })();
    let how = match written {
        Ok(how) => how,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e.context("the backup failed; nothing was kept"));
        }
    };
    // Read it back before calling it a backup.
    let summary = File::open(&partial)
        .map_err(anyhow::Error::from)
        .and_then(|f| Ok(store::verify_backup(f)?));
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e.context("the backup does not verify; nothing was kept"));
        }
    };
    fs::rename(&partial, &a.out).with_context(|| format!("naming {}", a.out.display()))?;
    let size = fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup {} ({size} bytes, {:.1} s, {how}): {}",
        a.out.display(),
        started.elapsed().as_secs_f64(),
        describe(&summary)
    );
    std::io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn restore(a: RestoreArgs) -> anyhow::Result<ExitCode> {
    // Checked before anything is written, so a wrong file costs nothing.
    let config = match &a.config {
        Some(p) => Some(
            crate::config::Config::read(p).with_context(|| format!("reading {}", p.display()))?,
        ),
        None => None,
    };
    let key_text = match &a.log_key {
        Some(p) => {
            Some(zeroize::Zeroizing::new(fs::read(p).with_context(|| {
                format!("reading the log key {}", p.display())
            })?))
        }
        None => None,
    };
    let file = File::open(&a.from).with_context(|| format!("opening {}", a.from.display()))?;
    let summary = store::restore(file, &a.data)
        .with_context(|| format!("restoring {} into {}", a.from.display(), a.data.display()))?;
    println!(
        "restored {} into {}: {}",
        a.from.display(),
        a.data.display(),
        describe(&summary)
    );
    if let Some(text) = key_text {
        let path = a.data.join(crate::transparency::KEY_FILE);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| f.write_all(&text).and_then(|_| f.sync_all()));
        written.with_context(|| format!("writing {}", path.display()))?;
        if let Err(e) = store::check_log_key(&a.data) {
            // All or nothing: a store restored without its log key cannot be served.
            let _ = fs::remove_file(&path);
            let _ = fs::remove_file(a.data.join(store::DB_FILE));
            return Err(anyhow::Error::new(e).context(
                "the log key given is not the one this backup's log was signed with; \
                 nothing was kept — find the right log.key and run restore again",
            ));
        }
        println!(
            "log key: {} (checked against the backup's log)",
            path.display()
        );
    } else if let Some(vkey) = store::recorded_log_key(&a.data)? {
        println!(
            "log key: missing — this log is signed by {vkey:?}; copy that log.key into {} \
             (0600) before serving, or `approdo serve` refuses the store",
            a.data.display()
        );
    }
    if let Some(config) = config {
        let path = a.data.join(crate::config::CONFIG_FILE);
        config.write(&path, false)?;
        println!("configuration: {}", path.display());
        if config.data != a.data {
            println!(
                "  (it serves {}: move this directory there, or edit `data` in it)",
                config.data.display()
            );
        }
    }
    println!("check it: approdo audit store --data {}", a.data.display());
    Ok(ExitCode::SUCCESS)
}
