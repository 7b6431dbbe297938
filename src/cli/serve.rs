//! `approdo serve`: the drop box. Binds TCP (loopback by default) and/or a unix socket for
//! tor; `--demo` installs the compiled-in demo network into the data directory; `--config`
//! reads what `approdo init` wrote (and refuses the DEMO keys). Also binds the admin socket
//! (`DATA/admin.sock`, for `approdo backup`) and sweeps retention at start and hourly.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use anyhow::Context;
use clap::Args;

use crate::config::{self, Config};
use crate::http::{self, AppState, Limits};
use crate::keys::{demo, NetworkPublicKey, SignedDirectory};
use crate::outreach::OnionAddress;
use crate::store::{self, Store};

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

pub(crate) fn run(mut args: ServeArgs) -> anyhow::Result<ExitCode> {
    let outreach = web::Data::new(http::outreach::OutreachSite {
        onion: args.onion.as_deref().map(OnionAddress::parse).transpose()?,
    });
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
    if let Some(c) = &config {
        args.listen = args.listen.take().or_else(|| c.listen.clone());
        args.unix_socket = args.unix_socket.take().or_else(|| c.unix_socket.clone());
        args.proxy_protocol |= c.proxy_protocol;
    }
    // Refused before anything is opened or written.
    if args.proxy_protocol && args.unix_socket.is_none() {
        anyhow::bail!(
            "--proxy-protocol reads tor's PROXY line on the unix socket: give --unix-socket too"
        );
    }
    if let Some(sock) = &args.unix_socket {
        refuse_live_socket(sock)?;
    }
    let (directory, refused) = load_directory(&args, config.as_ref(), &data)?;
    let c = config.as_ref();
    let retention_days = args
        .retention_days
        .or(c.map(|c| c.retention_days))
        .unwrap_or(config::DEFAULT_RETENTION_DAYS);
    let workers = args.workers.or(c.and_then(|c| c.workers)).unwrap_or(2);
    let store = Store::open(&data, &directory).map_err(|e| {
        let held = e.to_string().contains("already open");
        anyhow::Error::new(e).context(if held {
            format!(
                "another server holds this data directory ({}): stop it first \
                 (`systemctl stop approdo`)",
                data.display()
            )
        } else {
            format!("opening the store in {}", data.display())
        })
    })?;
    // Without it the server still serves; only `approdo backup` of the running server fails.
    let admin = crate::admin::bind(&data)
        .inspect_err(|e| {
            eprintln!("approdo: warning: {e}; `approdo backup` needs the server stopped")
        })
        .ok();
    let limits = limits(&args, c);
    let closer = store.closer();
    let retention_store = store.clone();
    let admin_store = store.clone();
    let state = web::Data::new(AppState::new(store, directory, limits, data.join("spool")));
    let health = state.health.clone();
    if let Some(reason) = refused {
        eprintln!("approdo: warning: {reason}");
        health.degrade(reason);
    }

    actix_web::rt::System::new().block_on(async move {
        let collector = actix_web::rt::spawn(http::collect_abandoned(state.clone()));
        let expirer = actix_web::rt::spawn(http::expire_replies(state.clone()));
        let integrator = actix_web::rt::spawn(http::integrate_log(state.clone()));
        let admin =
            admin.map(|l| actix_web::rt::spawn(crate::admin::serve(l, admin_store, health)));
        let retention = actix_web::rt::spawn(store::run_retention(
            retention_store,
            retention_days,
            record_sweep,
        ));
        let app_state = state.clone();
        let circuits = http::proxy::Circuits::default();
        let tagger = circuits.clone();
        let mut server = HttpServer::new(move || {
            let state = app_state.clone();
            App::new()
                .app_data(outreach.clone())
                .wrap(http::headers::security_headers())
                .configure(move |cfg| http::configure(cfg, state))
        })
        .on_connect(move |conn, ext| tagger.on_connect(conn, ext))
        .workers(workers.max(1))
        .client_request_timeout(Duration::from_secs(args.client_timeout.max(1)))
        .client_disconnect_timeout(Duration::from_secs(5));
        let listen = match (&args.listen, &args.unix_socket) {
            (Some(l), _) => Some(l.clone()),
            (None, None) => Some("127.0.0.1:8080".to_owned()),
            (None, Some(_)) => None,
        };
        if let Some(l) = &listen {
            server = server
                .bind(l)
                .with_context(|| format!("cannot listen on {l}"))?;
        }
        // Before the unix socket: actix lists a placeholder TCP address for it.
        let tcp_addrs = server.addrs();
        let mut front = None;
        match &args.unix_socket {
            Some(sock) if args.proxy_protocol => {
                // tor → unix socket → (PROXY line read here) → internal loopback port → HTTP.
                let inner = std::net::TcpListener::bind("127.0.0.1:0")
                    .context("cannot open the internal listener")?;
                let inner_addr = inner.local_addr()?;
                server = server.listen(inner)?;
                let _ = std::fs::remove_file(sock);
                let uds = tokio::net::UnixListener::bind(sock)
                    .with_context(|| format!("cannot listen on unix socket {}", sock.display()))?;
                front = Some(actix_web::rt::spawn(http::proxy::front(
                    uds, inner_addr, circuits,
                )));
            }
            Some(sock) => {
                server = server
                    .bind_uds(sock)
                    .with_context(|| format!("cannot listen on unix socket {}", sock.display()))?;
            }
            None => {}
        }
        let mut out = std::io::stdout();
        if let Some(sock) = &args.unix_socket {
            writeln!(out, "approdo serving unix:{}", sock.display())?;
        }
        for addr in tcp_addrs {
            writeln!(out, "approdo serving http://{addr}/")?;
        }
        out.flush()?;
        let result = server.run().await.context("server stopped with an error");
        collector.abort();
        expirer.abort();
        if let Some(admin) = admin {
            admin.abort();
        }
        retention.abort();
        integrator.abort();
        if let Some(f) = front {
            f.abort();
        }
        let _ = std::fs::remove_file(crate::admin::socket_path(&data));
        result
    })?;
    // Close the store cleanly: the last handles go with the state, then the writer ends.

    if !closer.wait(Duration::from_secs(30)) {
        eprintln!(
            "approdo: the store writer did not finish in 30 s; the next start will repair the file"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The directory to serve: the configuration's, the demo one (installed into `data`), or the
/// one given by flags — verified against the network key, and never the DEMO one without --demo.
///
/// A configured directory that is refused (a bad signature, a broken edit) does not take the
/// site down when the store holds the one served before and it still verifies: that one is
/// served, and the refusal is returned for the health check to report.
fn load_directory(
    args: &ServeArgs,
    config: Option<&Config>,
    data: &std::path::Path,
) -> anyhow::Result<(SignedDirectory, Option<String>)> {
    if let Some(c) = config {
        let refused = match c.load_directory() {
            Ok(d) => return Ok((d, None)),
            Err(e) => e,
        };
        let previous = NetworkPublicKey::read(&c.network_key)
            .ok()
            .zip(store::recorded_directory(data).ok().flatten())
            .and_then(|(key, (json, sig))| SignedDirectory::verify(&key, json, sig).ok())
            .filter(|d| config::refuse_demo(d.network_key(), d).is_ok());
        return match previous {
            Some(d) => {
                let reason = format!(
                    "the configured directory {} is refused ({refused}); serving the one served \
                     before (version {}) until it is fixed — see `approdo check --config`",
                    c.directory.display(),
                    d.directory().version
                );
                Ok((d, Some(reason)))
            }
            None => Err(anyhow::Error::new(refused)
                .context("the configured directory cannot be served (run `approdo check --config` for details)")),
        };
    }
    if args.demo {
        let dir = demo::install(data).context("installing the demo network")?;
        eprintln!(
            "approdo: DEMO network — fictional partners and published keys, never for real reports; \
             officer identities in {}",
            dir.display()
        );
        return Ok((demo::directory()?, None));
    }
    let (Some(d), Some(k)) = (&args.directory, &args.network_key) else {
        anyhow::bail!("--directory and --network-key are required without --demo");
    };
    let key = NetworkPublicKey::read(k)?;
    let directory = SignedDirectory::read(&key, d, None)
        .context("the directory does not verify; refusing to serve it")?;
    config::refuse_demo(&key, &directory)
        .context("refusing to serve the DEMO network without --demo")?;
    Ok((directory, None))
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

/// Where retention sweeps are recorded: one line with counts, never an id or a partner. Each
/// deletion is already a leaf of the transparency log, with its reason, written in the same
/// transaction as the deletion (`Store::delete_because`).
fn record_sweep(sweep: Result<store::Sweep, store::StoreError>) {
    match sweep {
        Ok(s) => {
            if !s.deleted.is_empty() {
                eprintln!(
                    "approdo: retention removed {} acknowledged report(s) past their retention period",
                    s.deleted.len()
                );
            }
            if s.waiting > 0 {
                eprintln!(
                    "approdo: {} report(s) unacknowledged for longer than the retention period; they are kept until an officer acknowledges them",
                    s.waiting
                );
            }
        }
        Err(e) => eprintln!("approdo: retention sweep failed: {e}"),
    }
}

/// Refuses a unix socket a live server answers on: removing it would silently take over that
/// server's visitors (a stale file left by a crash, which nobody answers, is replaced).
fn refuse_live_socket(sock: &std::path::Path) -> anyhow::Result<()> {
    if std::os::unix::net::UnixStream::connect(sock).is_ok() {
        anyhow::bail!(
            "another server is listening on {}; stop it first (`systemctl stop approdo`) or give \
             this one its own --unix-socket",
            sock.display()
        );
    }
    Ok(())
}
