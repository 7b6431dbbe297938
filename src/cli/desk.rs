//! `approdo desk`: starts the officer's local inbox ([`crate::desk`]) and prints its address.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;
use clap::Args;

use super::reports::identities;
use crate::desk::{Desk, Remote};
use crate::vault::Vault;

#[derive(Debug, Args)]
pub(crate) struct DeskArgs {
    /// Your identity file (its passphrase is asked once, when the desk starts).
    #[arg(long)]
    identity: PathBuf,
    /// Server URL, e.g. http://….onion
    #[arg(long)]
    server: String,
    /// The vault folder [default: approdo's data folder, …/approdo/vault].
    #[arg(long)]
    vault: Option<PathBuf>,
    /// Proxy for onion addresses: tor's SOCKS port, socks5h://127.0.0.1:9050
    #[arg(long)]
    proxy: Option<String>,
    /// Address to listen on, loopback only [default: 127.0.0.1 on a free port].
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The network public key the server's directory must verify against (for colleagues'
    /// case records) [default: the DEMO network's].
    #[arg(long)]
    network_key: Option<PathBuf>,
    /// How you sign case records to colleagues ("Maria"); your key is what they verify.
    #[arg(long, default_value = "")]
    name: String,
    /// Days an acknowledged report is kept in the vault (the server's default).
    #[arg(long, default_value_t = super::vault::DEFAULT_RETENTION_DAYS)]
    retention_days: u32,
    /// "Needs you" lists a report nobody gave a status after this many hours.
    #[arg(long, default_value_t = 24)]
    needs_hours: u64,
    /// The desk syncs with the server every N minutes (0: only at start and on Sync).
    #[arg(long, default_value_t = 10)]
    sync_minutes: u64,
    /// Tell her "read" (in her mailbox, sealed for her) the first time a report that asks for
    /// replies is opened by any officer of the partner.
    #[arg(long)]
    share_read: bool,
    /// Seconds between the page's checks for news once desktop notifications are on.
    #[arg(long, default_value_t = 60)]
    notify_poll_seconds: u64,
}

pub(crate) fn run(a: DeskArgs) -> anyhow::Result<ExitCode> {
    Desk::check_listen(a.listen)?;
    let vault_dir = match a.vault {
        Some(v) => v,
        None => crate::keys::floor::state_dir()
            .context("no folder for the vault: give --vault DIR")?
            .join("vault"),
    };
    let ids = identities(&a.identity)?;
    let vault = Vault::open(&vault_dir)?;
    let remote = Remote {
        server: a.server,
        proxy: a.proxy,
    };
    let key = super::NetworkKeyArg::new(a.network_key)?;
    let desk = web::Data::new(
        Desk::new(vault, ids, remote, a.retention_days, key.key, a.name)?
            .with_needs(a.needs_hours, a.notify_poll_seconds)
            .with_share_read(a.share_read),
    );
    let d = desk.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::from_fn(crate::desk::gate))
            .wrap(crate::http::headers::security_headers())
            .configure(|cfg| crate::desk::configure(cfg, d.clone()))
    })
    .workers(2)
    .bind(a.listen)
    .with_context(|| format!("listening on {}", a.listen))?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .context("the desk is bound to no address")?;
    let host = match addr {
        SocketAddr::V6(_) => format!("[{}]:{}", addr.ip(), addr.port()),
        SocketAddr::V4(_) => addr.to_string(),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "http://{host}/{}/", desk.token())?;
    out.flush()?;
    drop(out);
    eprintln!(
        "approdo desk: open the address above in your browser (it works only on this computer); \
         the vault is {}; Ctrl-C stops the desk",
        vault_dir.display()
    );
    let syncing = desk.clone();
    let every = std::time::Duration::from_secs(a.sync_minutes.saturating_mul(60));
    std::thread::spawn(move || loop {
        syncing.sync();
        if every.is_zero() {
            break;
        }
        std::thread::sleep(every);
    });
    actix_web::rt::System::new()
        .block_on(server.run())
        .context("running the desk")?;
    Ok(ExitCode::SUCCESS)
}
