//! `approdo check` and `approdo health`: what the operator runs before a restart (a bad edit
//! must never cost the victims the site) and to monitor the running server (through its
//! admin socket, which works whatever tor's PROXY line does to the public socket).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::config::Config;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The configuration `approdo serve --config` would read.
    #[arg(long)]
    config: PathBuf,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct HealthArgs {
    /// The server's configuration (its data directory holds the admin socket).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The server's data directory, instead of --config.
    #[arg(long)]
    data: Option<PathBuf>,
}

/// Checks the configuration, its directory and network key, and (when no server holds it)
/// the store's log key, as `serve` would at start. Prints what it found, or what to fix.
pub(crate) fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let config = Config::read(&a.config).with_context(|| {
        format!(
            "{} cannot be used; fix it before restarting",
            a.config.display()
        )
    })?;
    let directory = config.load_directory().with_context(|| {
        format!(
            "the directory {} cannot be served; a restart would keep serving the previous one \
             and report `degraded` — fix it (sign it again with `approdo directory sign`, copy \
             directory.json and directory.sig together) before restarting",
            config.directory.display()
        )
    })?;
    let d = directory.directory();
    println!(
        "configuration {}: network {:?}, directory version {}, {} partner(s)",
        a.config.display(),
        d.network,
        d.version,
        d.partners.len()
    );
    match store_check(&config.data)? {
        Some(vkey) => println!("store {}: log key {vkey}", config.data.display()),
        None => println!(
            "store {}: in use by the running server (its log key was checked when it started)",
            config.data.display()
        ),
    }
    println!(
        "ok: `approdo serve --config {}` will start",
        a.config.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The store's log key check, or `None` when a running server holds the store.
fn store_check(data: &Path) -> anyhow::Result<Option<String>> {
    if !data.join(crate::store::DB_FILE).exists() {
        return Ok(Some(
            "(new store: a log key is made at the first start)".to_owned(),
        ));
    }
    match crate::store::check_log_key(data) {
        Ok(vkey) => Ok(Some(vkey)),
        Err(crate::store::StoreError::Db(e)) if e.contains("lock") || e.contains("in use") => {
            Ok(None)
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("the store in {}", data.display()))),
    }
}

/// Asks the running server how it is: prints `ok` (exit 0) or `degraded: reasons` (exit 1).
pub(crate) fn health(a: HealthArgs) -> anyhow::Result<ExitCode> {
    let data = match (a.data, a.config) {
        (Some(d), _) => d,
        (None, Some(c)) => {
            Config::read(&c)
                .with_context(|| format!("reading {}", c.display()))?
                .data
        }
        (None, None) => anyhow::bail!("give --config FILE or --data DIR"),
    };
    let status = crate::admin::request_health(&data)?;
    println!("{status}");
    Ok(if status.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
