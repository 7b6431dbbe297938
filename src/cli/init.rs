//! `approdo init`: writes the production configuration `DATA/approdo.toml` after checking that
//! the directory verifies and is not the DEMO network's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::config::{Config, CONFIG_FILE, DEFAULT_RETENTION_DAYS};

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Data directory of the server (created 0700; the configuration is written inside).
    #[arg(long)]
    data: PathBuf,
    /// The signed directory (directory.json, its .sig beside it).
    #[arg(long)]
    directory: PathBuf,
    /// The network public key (network.pub).
    #[arg(long)]
    network_key: PathBuf,
    /// The unix socket tor forwards to [default: /run/approdo/approdo.sock unless --listen].
    #[arg(long)]
    unix_socket: Option<PathBuf>,
    /// A TCP address to listen on instead (loopback; for a reverse proxy or tests).
    #[arg(long)]
    listen: Option<String>,
    /// Days an acknowledged report is kept after it was acknowledged.
    #[arg(long, default_value_t = DEFAULT_RETENTION_DAYS)]
    retention_days: u32,
    /// Replace an existing configuration: what these flags set changes, settings added by
    /// hand (reply_days, workers, …) are kept, and the differences are printed.
    #[arg(long)]
    force: bool,
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("resolving {}", p.display()))
}

pub(crate) fn run(a: InitArgs) -> anyhow::Result<ExitCode> {
    use std::os::unix::fs::DirBuilderExt;
    let unix_socket = match (&a.unix_socket, &a.listen) {
        (Some(s), _) => Some(absolute(s)?),
        (None, None) => Some(PathBuf::from("/run/approdo/approdo.sock")),
        (None, Some(_)) => None,
    };
    let mut config = Config {
        data: absolute(&a.data)?,
        directory: absolute(&a.directory)?,
        signature: None,
        network_key: absolute(&a.network_key)?,
        listen: a.listen,
        proxy_protocol: unix_socket.is_some(),
        unix_socket,
        retention_days: a.retention_days,
        reply_days: None,
        max_report_size: None,
        submissions_per_second: None,
        workers: None,
        pow_bits: None,
        upload_ttl: None,
        upload_stale: None,
        max_uploads: None,
        uploads_per_circuit: None,
        max_pending_mib: None,
    };
    let directory = config
        .load_directory()
        .context("the directory cannot be used for a production server")?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&config.data)
        .with_context(|| format!("creating {}", config.data.display()))?;
    let path = config.data.join(CONFIG_FILE);
    if a.force && path.exists() {
        let old = Config::read(&path).with_context(|| {
            format!(
                "{} exists but does not parse, so --force cannot keep its settings; fix it or \
                 move it away, then run init again",
                path.display()
            )
        })?;
        // Settings no flag of init sets, kept from the old file.
        config.signature = old.signature.clone();
        config.reply_days = old.reply_days;
        config.max_report_size = old.max_report_size;
        config.submissions_per_second = old.submissions_per_second;
        config.workers = old.workers;
        for line in differences(&old, &config) {
            println!("  {line}");
        }
    }
    config.write(&path, a.force)?;
    let d = directory.directory();
    println!(
        "wrote {} — network {:?}, directory version {}, {} partner(s)",
        path.display(),
        d.network,
        d.version,
        d.partners.len()
    );
    println!("start it with: approdo serve --config {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// `key: old → new` for every setting that differs.
fn differences(old: &Config, new: &Config) -> Vec<String> {
    let table = |c: &Config| match toml::Value::try_from(c) {
        Ok(toml::Value::Table(t)) => t,
        _ => toml::map::Map::new(),
    };
    let (old, new) = (table(old), table(new));
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let show =
        |v: Option<&toml::Value>| v.map_or_else(|| "(unset)".to_owned(), ToString::to_string);
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| format!("{k}: {} → {}", show(old.get(k)), show(new.get(k))))
        .collect()
}
