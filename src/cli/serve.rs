//! `approdo serve`: the drop box. Flags (over `--config`, what `approdo init` wrote, over the
//! defaults) → [`Settings`] → [`Server::build`] → wait; everything else — the directory
//! (`--demo` installs the compiled-in demo network; the DEMO keys are refused otherwise), the
//! store, TCP (loopback by default) and/or a unix socket for tor, the admin socket
//! (`DATA/admin.sock`, for `approdo backup`), the background jobs — is [`crate::server`]'s.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::config::{self, Config};
use crate::http::Limits;
use crate::outreach::OnionAddress;
use crate::server::{Network, Server, Settings};
use crate::store;

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Run the demo network (fictional partners, published keys: never for real reports).
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// The production configuration `approdo init` wrote (flags given here override it).
    #[arg(long, conflicts_with_all = ["directory", "network_key"])]
    config: Option<PathBuf>,
    /// Data directory (the redb file; with --demo also demo/ with the officer identities).
    /// [default: ./approdo-data, or the configuration's]
    #[arg(long)]
    data: Option<PathBuf>,
    /// TCP address to listen on [default: 127.0.0.1:8080 unless --unix-socket is given].
    #[arg(long)]
    listen: Option<String>,
    /// Unix socket to listen on (for a tor onion service).
    #[arg(long)]
    unix_socket: Option<PathBuf>,
    /// Expect tor's PROXY v1 line (`HiddenServiceExportCircuitID haproxy`) first on every
    /// unix-socket connection; its circuit id keys the per-circuit limits, in memory only.
    #[arg(long)]
    proxy_protocol: bool,
    /// Submissions and mailbox logins per minute from one tor circuit (with --proxy-protocol).
    #[arg(long, default_value_t = Limits::default().per_circuit_per_minute)]
    per_circuit_per_minute: u32,
    /// The signed directory to serve (not with --demo or --config).
    #[arg(long, required_unless_present_any = ["demo", "config"], conflicts_with = "demo")]
    directory: Option<PathBuf>,
    /// The network public key the directory must verify against (not with --demo or --config).
    #[arg(long, required_unless_present_any = ["demo", "config"], conflicts_with = "demo")]
    network_key: Option<PathBuf>,
    /// Largest accepted report, in bytes [default: 536870912].
    #[arg(long)]
    max_report_size: Option<u64>,
    /// Officer session lifetime, in seconds.
    #[arg(long, default_value_t = Limits::default().session_ttl.as_secs())]
    session_ttl: u64,
    /// Submissions per second accepted server-wide (bursts of ten times that) [default: 200].
    #[arg(long)]
    submissions_per_second: Option<u32>,
    /// Resumable uploads without a new chunk for this many seconds are removed, whatever the
    /// load [default: 300].
    #[arg(long)]
    upload_ttl: Option<u64>,
    /// Resumable uploads without a new chunk for this many seconds give their slot and bytes
    /// to the next client who needs them [default: 60].
    #[arg(long)]
    upload_stale: Option<u64>,
    /// Resumable uploads in progress at once, server-wide [default: 1000].
    #[arg(long)]
    max_uploads: Option<usize>,
    /// Resumable uploads one tor circuit may hold at once (with --proxy-protocol) [default: 4].
    #[arg(long)]
    uploads_per_circuit: Option<usize>,
    /// Cap (MiB) on bytes stored but not yet finalised (uploads and submissions in flight),
    /// apart from the room kept for accepted reports [default: 2048].
    #[arg(long)]
    max_pending_mib: Option<u64>,
    /// Days a reply waits in a codename mailbox before it is removed [default: 30].
    #[arg(long)]
    reply_days: Option<u32>,
    /// Days an acknowledged report is kept after it was acknowledged; unacknowledged reports
    /// are never removed by retention [default: 90].
    #[arg(long)]
    retention_days: Option<u32>,
    /// Mailbox logins per second accepted server-wide (bursts of ten times that).
    #[arg(long, default_value_t = Limits::default().mailbox_logins_per_second)]
    mailbox_logins_per_second: u32,
    /// Seconds between integrations of the transparency log (entries wait, shuffled, until then;
    /// integrations fall on multiples of it since the epoch, so the default day ends at midnight UTC).
    #[arg(long, default_value_t = Limits::default().log_interval.as_secs())]
    log_interval: u64,
    /// Free space (MiB) to keep on the data filesystem: reports that would eat into it get 507.
    #[arg(long, default_value_t = Limits::default().space.min_free / (1024 * 1024))]
    min_free_mib: u64,
    /// Cap (MiB) on what the store holds (its chunks, counted as redb lays them out; the file
    /// can be larger by the free pages redb reuses before growing it); beyond it, 507.
    #[arg(long)]
    max_store_mib: Option<u64>,
    /// Proof-of-work price of an anonymous upload or submission at idle (leading zero bits;
    /// it rises by up to 4 as upload slots fill; 0 = off) [default: 14].
    #[arg(long)]
    pow_bits: Option<u32>,
    /// Seconds a client may take to send its request headers, and may stay silent while
    /// sending a body, before the connection is cut (slow clients hold nothing longer).
    #[arg(long, default_value_t = Limits::default().body_idle.as_secs())]
    client_timeout: u64,
    /// Seconds a victim's page may be left alone before it leaves for the neutral page (with
    /// JavaScript: the idle timeout; without: a refresh on pages that show a codename or
    /// messages).
    #[arg(long, default_value_t = Limits::default().page_idle.as_secs())]
    idle_timeout: u64,
    /// HTTP worker threads [default: 2].
    #[arg(long)]
    workers: Option<usize>,
    /// This site's onion address, for the printable cards at /outreach.
    #[arg(long)]
    onion: Option<String>,
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let settings = settings(args)?;
    let stopped = actix_web::rt::System::new().block_on(async move {
        let running = Server::build(settings).await?;
        let mut out = std::io::stdout();
        if let Some(sock) = &running.unix_socket {
            writeln!(out, "approdo serving unix:{}", sock.display())?;
        }
        for addr in &running.addrs {
            writeln!(out, "approdo serving http://{addr}/")?;
        }
        out.flush()?;
        anyhow::Ok(running.wait().await?)
    })?;
    // Close the store cleanly: the last handles went with the system, then the writer ends.
    if !stopped.close(Duration::from_secs(30)) {
        eprintln!(
            "approdo: the store writer did not finish in 30 s; the next start will repair the file"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Flags → [`Settings`]: a flag wins, then the configuration (`--config`), then the default.
fn settings(mut args: ServeArgs) -> anyhow::Result<Settings> {
    let onion = args.onion.as_deref().map(OnionAddress::parse).transpose()?;
    let config = match &args.config {
        Some(path) => {
            Some(Config::read(path).with_context(|| format!("reading {}", path.display()))?)
        }
        None => None,
    };
    let data = args
        .data
        .clone()
        .or(config.as_ref().map(|c| c.data.clone()))
        .unwrap_or_else(super::default_data);
    let c = config.as_ref();
    if let Some(c) = c {
        args.listen = args.listen.take().or_else(|| c.listen.clone());
        args.unix_socket = args.unix_socket.take().or_else(|| c.unix_socket.clone());
        args.proxy_protocol |= c.proxy_protocol;
    }
    let retention_days = args
        .retention_days
        .or(c.map(|c| c.retention_days))
        .unwrap_or(config::DEFAULT_RETENTION_DAYS);
    let workers = args.workers.or(c.and_then(|c| c.workers)).unwrap_or(2);
    let limits = limits(&args, c);
    let network = match (
        config,
        args.demo,
        args.directory.take(),
        args.network_key.take(),
    ) {
        (Some(c), _, _, _) => Network::Configured(Box::new(c)),
        (None, true, _, _) => Network::Demo,
        (None, false, Some(directory), Some(network_key)) => Network::Files {
            directory,
            network_key,
        },
        _ => anyhow::bail!("--directory and --network-key are required without --demo"),
    };
    Ok(Settings {
        data,
        network,
        listen: args.listen,
        unix_socket: args.unix_socket,
        proxy_protocol: args.proxy_protocol,
        limits,
        retention_days,
        workers,
        client_timeout: Duration::from_secs(args.client_timeout.max(1)),
        onion,
    })
}

/// The server's limits: a flag wins, then the configuration, then the default.
fn limits(args: &ServeArgs, c: Option<&Config>) -> Limits {
    let defaults = Limits::default();
    Limits {
        max_report_bytes: args
            .max_report_size
            .or(c.and_then(|c| c.max_report_size))
            .unwrap_or(defaults.max_report_bytes),
        session_ttl: Duration::from_secs(args.session_ttl),
        submissions_per_second: args
            .submissions_per_second
            .or(c.and_then(|c| c.submissions_per_second))
            .unwrap_or(defaults.submissions_per_second),
        upload_ttl: args
            .upload_ttl
            .or(c.and_then(|c| c.upload_ttl))
            .map_or(defaults.upload_ttl, |s| Duration::from_secs(s.max(1))),
        upload_stale: args
            .upload_stale
            .or(c.and_then(|c| c.upload_stale))
            .map_or(defaults.upload_stale, |s| Duration::from_secs(s.max(1))),
        max_pending_uploads: args
            .max_uploads
            .or(c.and_then(|c| c.max_uploads))
            .unwrap_or(defaults.max_pending_uploads),
        uploads_per_circuit: args
            .uploads_per_circuit
            .or(c.and_then(|c| c.uploads_per_circuit))
            .unwrap_or(defaults.uploads_per_circuit),
        max_pending_bytes: args
            .max_pending_mib
            .or(c.and_then(|c| c.max_pending_mib))
            .map_or(defaults.max_pending_bytes, |m| {
                m.saturating_mul(1024 * 1024)
            }),
        reply_ttl_days: args
            .reply_days
            .or(c.and_then(|c| c.reply_days))
            .unwrap_or(defaults.reply_ttl_days),
        mailbox_logins_per_second: args.mailbox_logins_per_second,
        per_circuit_per_minute: args.per_circuit_per_minute,
        log_interval: Duration::from_secs(args.log_interval.max(1)),
        space: store::SpacePolicy {
            min_free: args.min_free_mib.saturating_mul(1024 * 1024),
            max_store: args.max_store_mib.map(|m| m.saturating_mul(1024 * 1024)),
        },
        pow_bits: args
            .pow_bits
            .or(c.and_then(|c| c.pow_bits))
            .unwrap_or(defaults.pow_bits)
            .min(28),
        body_idle: Duration::from_secs(args.client_timeout.max(1)),
        page_idle: Duration::from_secs(args.idle_timeout.max(1)),
        ..defaults
    }
}
